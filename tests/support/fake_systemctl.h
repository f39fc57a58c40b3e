/* fake_systemctl.h: a systemctl stand-in (a shell script in the fixture
 * root, run by the real program runner) for the unit tests of the epmd
 * steps, so that no real systemd unit is touched. It logs its arguments
 * to /calls and answers the verbs the steps use. The real systemd is
 * tested in a container (tests/integration/systemd_test.sh). */
#ifndef LU_FAKE_SYSTEMCTL_H
#define LU_FAKE_SYSTEMCTL_H

struct fake_systemctl {
    int is_active;          /* exit status of `is-active --quiet leofs-epmd.socket` */
    int reset, start;       /* exit statuses of reset-failed and start */
    const char *node_states; /* `is-active` of the 4 node units; NULL: all "inactive" */
    const char *sockets;    /* `list-sockets` lines before any start; NULL: none */
    int port;               /* leofs-epmd.socket's port; 0: a free private one */
};

/* Write the script; returns its path. A successful start adds
 * leofs-epmd.socket on the port to what list-sockets shows. */
const char *fake_systemctl_install(const struct fake_systemctl *config);
/* The port `show -p Listen leofs-epmd.socket` says (never 4369). */
int fake_systemctl_port(void);
/* What it was called with, one line per call. Static buffer. */
const char *fake_systemctl_calls(void);

/* The is-active call for the node units, as the steps make it. */
#define FAKE_NODE_UNITS_CALL "--no-ask-password is-active leofs-manager-master.service " \
    "leofs-manager-slave.service leofs-storage.service leofs-gateway.service\n"

#endif
