/* atomicfile.c: atomic whole-file writes keeping owner and mode (see
 * atomicfile.h). */
#define _GNU_SOURCE
#include "atomicfile.h"
#include "compat.h"
#include "fault.h"
#include "label.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define TEMP_SUFFIX ".leofs-upgrade-tmp"

static int write_all(int fd, const char *data, size_t length)
{
    while (length) {
        ssize_t n = write(fd, data, length);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

int atomic_write(struct lu_context *ctx, int dir_fd, const char *name, const char *path,
                 const char *data, size_t length, const struct stat *like, bool replace)
{
    char temp[512];
    struct stat st;
    if (snprintf(temp, sizeof temp, ".%s" TEMP_SUFFIX, name) >= (int)sizeof temp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* A temporary file left by an interrupted run is ours only if it is a
     * plain file with one link, owned by us or by the owner we give the new
     * file (a run killed after the chown leaves it so); anything else is
     * left alone. */
    if (fstatat(dir_fd, temp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        bool ours = st.st_uid == geteuid() ||
                    (st.st_uid == like->st_uid && st.st_gid == like->st_gid);
        if (!S_ISREG(st.st_mode) || !ours || st.st_nlink != 1) {
            errno = EEXIST;
            return -1;
        }
        if (unlinkat(dir_fd, temp, 0) < 0)
            return -1;
    }
    int fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    mode_t mode = like->st_mode & 07777;
    int r = write_all(fd, data, length);
    /* As the file was created, not as we are: in a set-group-ID dir (LeoFS
     * gives etc/ mode 2755 leofs:leofs) a new file takes the dir's group. */
    struct stat made;
    if (r == 0)
        r = fstat(fd, &made);
    if (r == 0 && (made.st_uid != like->st_uid || made.st_gid != like->st_gid))
        r = fchown(fd, like->st_uid, like->st_gid);
    if (r == 0)
        r = fchmod(fd, mode); /* after chown, which may clear set-id bits */
    if (r == 0)
        label_fd(ctx, fd, path, S_IFREG | mode);
    if (r == 0)
        r = fsync(fd);
    int saved = errno;
    close(fd);
    if (r == 0) {
        FAULT_POINT("atomic-write");
        if (replace) {
            r = renameat(dir_fd, temp, dir_fd, name);
        } else {
            r = compat_rename_noreplace(dir_fd, temp, dir_fd, name);
        }
        saved = errno;
    }
    if (r < 0) {
        unlinkat(dir_fd, temp, 0);
        errno = saved;
        return -1;
    }
    return fsync(dir_fd);
}
