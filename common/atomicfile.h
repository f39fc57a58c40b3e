/* atomicfile.h: write a whole file so that readers see the old content or
 * the new one, never a part: a temporary file in the same directory,
 * fsync, rename, fsync of the directory. The new file gets the owner,
 * group and mode of an existing one. */
#ifndef LU_ATOMICFILE_H
#define LU_ATOMICFILE_H

#include "context.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Write DATA (LENGTH bytes) as NAME in DIR_FD (opened for reading, not
 * O_PATH: it is fsync'ed), known as PATH inside the
 * root (for the SELinux label), with LIKE's uid, gid and mode. REPLACE
 * false: never replace an existing NAME (errno EEXIST). 0, or -1 with
 * errno (EEXIST also when a temporary file that is not ours is in the way). */
int atomic_write(struct lu_context *ctx, int dir_fd, const char *name, const char *path,
                 const char *data, size_t length, const struct stat *like, bool replace);

#endif
