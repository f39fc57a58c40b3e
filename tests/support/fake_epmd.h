/* fake_epmd.h: a stand-in for epmd, served by a thread of the test on a
 * private loopback port (127.0.0.1, a port from bind(0)), that can act as
 * epmd, as something else, or accept and never answer. */
#ifndef LU_FAKE_EPMD_H
#define LU_FAKE_EPMD_H

#include <stdbool.h>

enum fake_mode {
    FAKE_EPMD,    /* answers NAMES_REQ and KILL_REQ as epmd does */
    FAKE_GARBAGE, /* answers anything with an HTTP error */
    FAKE_SILENT,  /* accepts, reads, never answers, keeps the connection */
};

struct fake_epmd_config {
    enum fake_mode mode;
    const char *names;       /* FAKE_EPMD: the lines after the port ("name a at port 1\n") */
    const char *names_later; /* from the second NAMES_REQ on, when not NULL */
    const char *kill_answer; /* "OK" or "NO" (default "NO") */
    bool exit_on_kill;       /* after answering OK, stop listening, as epmd exits */
};

/* Start serving; returns the port. */
int fake_epmd_start(const struct fake_epmd_config *config);
/* Stop serving and close every connection. */
void fake_epmd_stop(void);
/* How many requests with that code ('n', 'k') were served. */
int fake_epmd_requests(char code);
/* A loopback port with nothing listening (bound, then closed). */
int fake_free_port(void);

#endif
