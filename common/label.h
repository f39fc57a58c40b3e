/* label.h: give files that a step created or changed their default SELinux
 * context, on a running SELinux system (root "/" only: a foreign root's
 * policy is not the host's). Without libselinux at build time these do
 * nothing. */
#ifndef LU_LABEL_H
#define LU_LABEL_H

#include "context.h"

#include <sys/types.h>

/* Label the file open at FD, known as PATH inside the root. */
void label_fd(struct lu_context *ctx, int fd, const char *path, mode_t mode);
/* Label the symlink NAME in DIR_FD, known as PATH inside the root. */
void label_symlink(struct lu_context *ctx, int dir_fd, const char *name, const char *path);
void label_close(struct lu_context *ctx);

#endif
