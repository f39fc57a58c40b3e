/* program.h: run a trusted program (systemctl) without a shell: by absolute
 * path, with a fixed argv and a minimal fixed environment, stdin from
 * /dev/null, stdout and stderr captured, bounded in time. */
#ifndef LU_PROGRAM_H
#define LU_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

#define SPAWN_OUTPUT_MAX 4096

struct spawn_result {
    int exit_status;  /* the exit status, or -1 when it ended by a signal */
    int signal;       /* the signal that ended it, else 0 */
    bool timed_out;   /* killed after the timeout */
    char output[SPAWN_OUTPUT_MAX]; /* stdout and stderr, NUL-terminated, cut off when longer */
};

/* Run PATH (absolute; a regular file owned by root that only root can
 * write) with ARGV (NULL-terminated) and wait at most TIMEOUT_MS, then
 * SIGKILL it. Returns 0 when it ran and ended (see RESULT), -1 with a
 * message in ERROR when it could not be run or waited for. */
int spawn_run(const char *path, char *const argv[], int timeout_ms, struct spawn_result *result,
              char *error, size_t error_size);

#endif
