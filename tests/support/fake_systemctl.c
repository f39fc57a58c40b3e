/* fake_systemctl.c: the systemctl stand-in of the unit tests (see
 * fake_systemctl.h). */
#include "fake_systemctl.h"
#include "fake_epmd.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>

static int port;

const char *fake_systemctl_install(const struct fake_systemctl *config)
{
    port = config->port ? config->port : fake_free_port();
    fixture_write("/node-states", config->node_states ? config->node_states
                                                      : "inactive\ninactive\ninactive\ninactive\n",
                  0644);
    fixture_write("/sockets", config->sockets ? config->sockets : "", 0644);
    char script[4096];
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "echo \"$*\" >> '%s'\n"
             "case \"$2\" in\n"
             "is-active) [ \"$3\" = --quiet ] && exit %d; cat '%s'; exit 3;;\n"
             "reset-failed) exit %d;;\n"
             "start) if [ %d = 0 ]; then\n"
             "    echo '0.0.0.0:%d leofs-epmd.socket leofs-epmd.service' >> '%s'; exit 0; fi\n"
             "  echo 'Job for leofs-epmd.socket failed.' >&2; exit %d;;\n"
             "list-sockets) cat '%s'; exit 0;;\n"
             "show) echo '0.0.0.0:%d (Stream)'; exit 0;;\n"
             "esac\n"
             "exit 99\n",
             fixture_path("/calls"), config->is_active, fixture_path("/node-states"),
             config->reset, config->start, port, fixture_path("/sockets"), config->start,
             fixture_path("/sockets"), port);
    fixture_write("/fake-systemctl", script, 0755);
    return fixture_path("/fake-systemctl");
}

int fake_systemctl_port(void)
{
    return port;
}

const char *fake_systemctl_calls(void)
{
    static char text[4096];
    char *read = fixture_read("/calls");
    snprintf(text, sizeof text, "%s", read ? read : "");
    free(read);
    return text;
}
