/* fixture.h: temporary roots shaped like LeoFS installs, for the tests.
 * Every function aborts the test (cr_assert) on failure. Paths given to
 * fixture_* are inside the root ("/usr/local/leofs/1.3.7"). */
#ifndef LU_FIXTURE_H
#define LU_FIXTURE_H

#include "leofs/upgrade.h"

#include <stdbool.h>
#include <sys/types.h>

#define FIXTURE_LEOFS_UID 990
#define FIXTURE_LEOFS_GID 990
#define FIXTURE_OTHER_UID 1000 /* "alice", a local user */

/* A new empty root under $TMPDIR (or /tmp), removed by fixture_cleanup. */
const char *fixture_root(void);
/* Remove the root made by fixture_root (no symlink is followed). */
void fixture_cleanup(void);

/* Hide /proc from this test process, as in the chroot dpkg runs maintainer
 * scripts in: a private mount namespace with an empty tmpfs on /proc (and
 * mounts made in the test stay private to it). fixture_cleanup shows it
 * again. */
void fixture_hide_proc(void);

/* "<root><path>" in a static rotating buffer. */
const char *fixture_path(const char *path);
void fixture_mkdir(const char *path, mode_t mode);       /* like mkdir -p */
void fixture_write(const char *path, const char *content, mode_t mode); /* parents made */
void fixture_symlink(const char *target, const char *path);
void fixture_chown(const char *path, uid_t uid, gid_t gid); /* does not follow */
bool fixture_exists(const char *path);                    /* lstat succeeds */
char *fixture_read(const char *path);                     /* malloc'd, NULL when absent */
/* lstat, aborting on error. */
void fixture_stat(const char *path, uid_t *uid, gid_t *gid, mode_t *mode);

/* /etc/passwd and /etc/group with root, leofs (990) and alice (1000). */
void fixture_accounts(void);
/* A LeoFS VERSION install as its package lays it out, everything owned by
 * root as a pre-1.3.3 install leaves it: the four node dirs with etc/ (config
 * and environment files with LeoFS's defaults), log/, work/, snmp/<agent>/db,
 * avs/ and cache/ with some files in them. */
void fixture_leofs_install(const char *version);
/* VERSION as its package ships it, before any node ran: the same, with
 * avs/, cache/, work/ and snmp/<agent>/db empty (what the data-move step
 * may replace). */
void fixture_leofs_ship(const char *version);

/* A request for the fixture root whose log lines are captured. */
struct lu_request fixture_request(void);
/* Run PHASE (lu_run_pre, lu_run_post or lu_run_check) on the fixture root
 * for VERSION and return the report of STEP (NULL when the phase did not
 * run it); the report lives until the next fixture_run or fixture_cleanup.
 * OUTCOME, when not NULL, gets the phase's outcome. */
const struct lu_step_report *fixture_run(enum lu_outcome (*phase)(const struct lu_request *,
                                                                  struct lu_report **),
                                         const char *version, bool dry_run, const char *step,
                                         enum lu_outcome *outcome);

/* Everything logged so far, one line each. */
const char *fixture_log(void);
bool fixture_log_has(const char *needle);

#endif
