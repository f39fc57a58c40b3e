/* policy.h: the operator's policy file (/etc/leofs/upgrade.conf in the
 * root): turn steps off, force the runner user or group, set the epmd port.
 *
 *   # comment
 *   user = leofs
 *   group = leofs
 *   epmd_port = 4369
 *   pipe-dir = off        (any step name = on|off)
 */
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
    char *source;        /* the file read, for messages; NULL when none */
};

/* Parse policy TEXT from NAME. -1 with "NAME:LINE: ..." in ERROR. */
int policy_parse(const char *text, size_t length, const char *name, struct lu_policy *policy,
                 char *error, size_t error_size);
bool policy_step_enabled(const struct lu_policy *policy, const char *step);
void policy_free(struct lu_policy *policy);

#endif
