/* policy.h: the operator's policy file (/etc/leofs/upgrade.conf in the
 * root): turn steps off, force the runner user or group, set the epmd port.
 *
 *   # comment
 *   user = leofs
 *   group = leofs
 *   epmd_port = 4369
 *   data_dir = /mnt/avs   (confirms a dir a node's config names: given to its runner)
 *   pipe_dir = /run/leofs (confirms a PIPE_DIR that may be removed when stale)
 *   pipe-dir = off        (any step name = on|off)
 *
 * data_dir and pipe_dir may be given several times: the root-owned policy
 * file confirms values read from files the runner user can write. */
#ifndef LU_POLICY_H
#define LU_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct lu_policy {
    char *user;          /* NULL: RUNNER_USER from LeoFS's files, else "leofs" */
    char *group;         /* NULL: the user's primary group */
    int epmd_port;       /* 0: ERL_EPMD_PORT from the environment, else 4369 */
    char *disabled[16];  /* step names turned off */
    size_t disabled_count;
    char **data_dirs;    /* data_dir lines, normalised */
    size_t data_dir_count;
    char **pipe_dirs;    /* pipe_dir lines, normalised */
    size_t pipe_dir_count;
    char *source;        /* the file read, for messages; NULL when none */
};

/* Parse policy TEXT from NAME. -1 with "NAME:LINE: ..." in ERROR. */
int policy_parse(const char *text, size_t length, const char *name, struct lu_policy *policy,
                 char *error, size_t error_size);
/* PATH (normalised) is confirmed by a data_dir or pipe_dir line. */
bool policy_confirms_data_dir(const struct lu_policy *policy, const char *path);
bool policy_confirms_pipe_dir(const struct lu_policy *policy, const char *path);
/* A user or group name the hooks accept: letters, digits, '_', '-', '.',
 * not starting with '-', at most 32 bytes. */
bool policy_valid_account_name(const char *name);
bool policy_step_enabled(const struct lu_policy *policy, const char *step);
void policy_free(struct lu_policy *policy);

#endif
