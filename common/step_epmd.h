/* step_epmd.h: what the epmd steps share between their files:
 * step_epmd.c (pre: is epmd safe to leave or to stop?), step_epmd_stop.c
 * (stopping a stale epmd) and step_epmd_socket.c (post: start
 * leofs-epmd.socket). */
#ifndef LU_STEP_EPMD_H
#define LU_STEP_EPMD_H

#include "context.h"

#include <sys/types.h>

#define EPMD_STOP_WAIT_MS 3000 /* how long a stopped epmd may take to close its port */
#define LEOFS_EPMD_SERVICE "leofs-epmd.service"
#define LEOFS_EPMD_SOCKET "leofs-epmd.socket"

/* How to run `epmd -names` by hand for PORT, for messages ("epmd -names",
 * "ERL_EPMD_PORT=5000 epmd -names"). Rotating static buffer. */
const char *epmd_names_hint(int port);

/* Append the names of nodes NAMES[0..COUNT) that LEOFS says are (or are
 * not) LeoFS's to a ", "-separated list in BUFFER; returns how many. */
struct epmd_names;
size_t epmd_join_nodes(const struct epmd_names *names, const bool *leofs, bool want,
                       char *buffer, size_t size);

/* Stop the stale epmd PID (it answered with no node) on PORT: KILL_REQ,
 * then a checked SIGTERM if that did not work. Ends STEP. */
enum lu_status epmd_stop_stale(struct lu_context *ctx, struct lu_step *step, int port, pid_t pid);

/* Post step with a given systemctl (NULL: none found), for the tests;
 * step_epmd_socket uses the system's. */
enum lu_status epmd_socket_run(struct lu_context *ctx, const char *systemctl);

#endif
