/* accounts.h: look users and groups up in the root's own /etc/passwd and
 * /etc/group (never the host's NSS: the root may be an image or chroot). */
#ifndef LU_ACCOUNTS_H
#define LU_ACCOUNTS_H

#include <sys/types.h>

/* Find USER's uid and primary gid. 0, or -1 with errno ENOENT (no such
 * user) or the error reading the file. */
int accounts_find_user(int root_fd, const char *user, uid_t *uid, gid_t *gid);
/* Find GROUP's gid likewise. */
int accounts_find_group(int root_fd, const char *group, gid_t *gid);

#endif
