/* root.h: open paths inside a root directory without following symlinks
 * that nobody trusted.
 *
 * Paths are absolute paths as seen from inside the root ("/usr/local/leofs").
 * A symlink in a leading component is followed only when root owns it (so a
 * local user cannot plant one), and its target is resolved inside the root:
 * an absolute target starts again at the root and ".." never climbs above
 * it. The final component is never followed unless ROOT_FOLLOW_TRUSTED says
 * so, and then only when root owns the link. */
#ifndef LU_ROOT_H
#define LU_ROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

enum {
    ROOT_FOLLOW_TRUSTED = 1 << 0, /* final component: follow a root-owned symlink */
    /* Every directory the resolution passes through, the root included (not
     * the final component), is owned by root and writable by nobody else:
     * else EACCES. Then nobody but root can have chosen what PATH names. */
    ROOT_TRUSTED_PATH = 1 << 1,
};

/* Only root can add, remove or rename entries of the directory ST: root
 * owns it and neither group nor other may write to it (a POSIX ACL that
 * grants write shows in the group bits). */
bool root_only_dir(const struct stat *st);

/* Open the root directory itself (O_PATH|O_DIRECTORY). -1 with errno. */
int root_open_dir(const char *root);

/* openat-like: open PATH inside the root with FLAGS (O_NOFOLLOW and
 * O_CLOEXEC are always added) and MODE. Returns an fd, or -1 with errno
 * (ELOOP: a symlink that is not trusted is in the way). */
int root_open(int root_fd, const char *path, int flags, unsigned options, int mode);

/* Open the directory holding PATH's final component, for *at() calls on
 * that component. Stores a pointer to the final component (inside PATH) in
 * *name. The final component must not be "", "." or "..". */
int root_open_parent(int root_fd, const char *path, const char **name);

/* Where the directory open at FD really is, as a path inside the root,
 * found by climbing ".." from FD to ROOT_FD and naming each step by dev/ino
 * in its parent (no /proc: dpkg runs maintainer scripts chrooted without
 * it). Mount points are crossed upwards like any directory. Returns a new
 * string, or NULL with errno: EXDEV when FD is not inside the root,
 * ENOENT when a directory on the way was removed or moved meanwhile,
 * ENAMETOOLONG past PATH_MAX. */
char *root_dir_path(int root_fd, int fd);

/* The same, HINT (NULL, or the path FD was opened by) naming the way: each
 * step up first tries HINT's component at that level (one fstatat, checked
 * by dev/ino like any name found) and reads the parent directory only when
 * that is not it (a symlink was followed, a dir was renamed). Without it a
 * target in a dir of N entries costs a read of all N. */
char *root_dir_path_hint(int root_fd, int fd, const char *hint);

/* Read a whole small regular file (at most LIMIT bytes) into a NUL-terminated
 * buffer. -1 with errno: EFBIG when larger, EINVAL when not a regular file. */
int root_read_file(int root_fd, const char *path, size_t limit, char **data, size_t *length);

/* Read the regular file behind an open fd likewise. */
int read_fd(int fd, size_t limit, char **data, size_t *length);

/* Join a directory and a relative name into a new path ("a" + "b" = "a/b"). */
char *path_join(const char *dir, const char *name);
/* An absolute path with ".", ".." and repeated slashes resolved lexically
 * (never above "/"), as a new string. */
char *path_normalise(const char *path);

#endif
