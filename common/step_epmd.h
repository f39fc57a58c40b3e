/* step_epmd.h: what the epmd steps share between their files:
 * step_epmd.c (pre: is epmd safe to leave or to stop?), step_epmd_stop.c
 * (stopping a stale epmd) and step_epmd_socket.c (post: start
 * leofs-epmd.socket, after the same judgement and stop as pre when a
 * stale epmd holds its port). */
#ifndef LU_STEP_EPMD_H
#define LU_STEP_EPMD_H

#include "context.h"

#include <sys/types.h>

#define EPMD_STOP_WAIT_MS 3000 /* how long a stopped epmd may take to close its port */
#define LEOFS_EPMD_SERVICE "leofs-epmd.service"
#define LEOFS_EPMD_SOCKET "leofs-epmd.socket"
#define LEOFS_SOCKET_VERSION "1.3.8" /* the first version with leofs-epmd.socket */

/* How to run `epmd -names` by hand for PORT, for messages ("epmd -names",
 * "ERL_EPMD_PORT=5000 epmd -names"), returned by value (use .text within
 * the same expression): no static or thread-local buffer. */
struct epmd_hint {
    char text[64];
};
struct epmd_hint epmd_names_hint(int port);

/* Append the names of nodes NAMES[0..COUNT) that LEOFS says are (or are
 * not) LeoFS's to a ", "-separated list in BUFFER; returns how many. */
struct epmd_names;
size_t epmd_join_nodes(const struct epmd_names *names, const bool *leofs, bool want,
                       char *buffer, size_t size);

/* What holds an epmd port, and what may be done about it. */
struct epmd_verdict {
    enum lu_status status; /* UNCHANGED (fine as it is, or stale), WARNING, REFUSED, FAILED */
    pid_t stale;           /* > 0: a stale epmd, proven idle, that may be stopped */
    char message[1536];    /* one line for people */
};

/* Judge PORT as the pre phase does: active LeoFS node units (when
 * SYSTEMCTL, the running systemd's, is given) or registered LeoFS nodes
 * refuse; another systemd unit holding the port refuses, naming it and
 * the command that clears it; LeoFS's own socket or service is left alone;
 * other nodes warn; an idle epmd outside systemd is stale. Refusals end
 * with ", then THEN" ("retry the upgrade"). Returns verdict->status. */
enum lu_status epmd_judge(struct lu_context *ctx, struct lu_step *step, int port,
                          const char *systemctl, const char *then, struct epmd_verdict *verdict);

/* Who holds PORT, for messages: "pid 12 (epmd) of epmd.service", "an
 * unknown process" when /proc does not say. */
void epmd_describe_holder(int port, char *text, size_t size);

/* Stop the stale epmd PID (it answered with no node) on PORT: KILL_REQ,
 * then a checked SIGTERM if that did not work. Returns the status, with
 * the line to end the step with in VERDICT (UNCHANGED: stopped, or would
 * be in a dry run, the change recorded in STEP). */
/* Set VERDICT's status and message (printf FORMAT); returns the status. */
enum lu_status epmd_say(struct epmd_verdict *verdict, enum lu_status status, const char *format,
                        ...) __attribute__((format(printf, 3, 4)));

enum lu_status epmd_stop_stale(struct lu_context *ctx, struct lu_step *step, int port, pid_t pid,
                               struct epmd_verdict *verdict);

/* The steps with a given systemctl (NULL: systemd does not run), for the
 * tests; step_epmd and step_epmd_socket use the running system's. */
enum lu_status epmd_run(struct lu_context *ctx, const char *systemctl);
enum lu_status epmd_socket_run(struct lu_context *ctx, const char *systemctl);

#endif
