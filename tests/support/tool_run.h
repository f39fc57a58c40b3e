/* tool_run.h: run a program (leofs-upgrade, leofs-dpkg-hook) as a child
 * of the test, with extra environment variables and standard input, its
 * output captured, and an optional callback for when a fault point stops
 * it (SIGSTOP): the callback may change the tree, then the child is
 * continued. */
#ifndef LU_TOOL_RUN_H
#define LU_TOOL_RUN_H

#include <stdbool.h>
#include <sys/types.h>

struct tool_result {
    bool exited;     /* exited normally, with exit_status */
    int exit_status;
    int signal;      /* the signal that ended it, when not exited */
    int stops;       /* how many times it stopped (and was continued) */
    char out[65536], err[65536];
};

typedef void tool_stop_fn(void *data);

/* Run ARGV (NULL-terminated; argv[0] is the path) with ENV (NULL or
 * NULL-terminated "NAME=value" strings) added to the test's environment.
 * ON_STOP runs each time the child stops; aborts the test on error. */
void tool_run(const char *const *argv, const char *const *env, tool_stop_fn *on_stop, void *data,
              struct tool_result *result);
/* The same with INPUT (NULL: nothing) on its standard input. */
void tool_run_input(const char *const *argv, const char *const *env, const char *input,
                    struct tool_result *result);
/* The same as user UID, group GID (no supplementary groups). */
void tool_run_as(uid_t uid, gid_t gid, const char *const *argv, const char *const *env,
                 tool_stop_fn *on_stop, void *data, struct tool_result *result);
/* PROGRAM with up to three arguments (NULL ends them) as UID (its group
 * the same number, no others) through setpriv(1), as the runner user or a
 * local user would run it: its exit status; aborts the test on a signal. */
int tool_run_setpriv(uid_t uid, const char *program, const char *a, const char *b, const char *c);

#endif
