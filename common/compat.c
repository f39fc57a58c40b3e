/* compat.c: renameat2's no-replace rename, getrandom and the pidfd calls
 * through syscall(2), with fallbacks for kernels without them (see
 * compat.h). A kernel without a call answers ENOSYS; so does a seccomp
 * filter that hides it (tests/support/old_kernel.c), and a binary built
 * with headers that lack the call's number never makes it. */
#define _GNU_SOURCE
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0) /* linux/fs.h; glibc's stdio.h has it from 2.28 */
#endif

#define RANDOM_DEVICE "/dev/urandom"
#define MEM_MAJOR 1    /* the kernel's memory devices: */
#define RANDOM_MINOR 8 /* /dev/random */
#define URANDOM_MINOR 9

/* The same safety as RENAME_NOREPLACE, in two steps instead of one:
 * - never replaces: linkat fails with EEXIST when NEW_NAME exists, and is
 *   atomic in that (no check-then-act window);
 * - readers of NEW_NAME see nothing or the whole entry, as with rename:
 *   the entry appears complete, in one step;
 * - linkat without AT_SYMLINK_FOLLOW links a symlink itself, never its
 *   target, so a symlink is moved as a symlink;
 * - the difference: between the link and the unlink (a crash there) the
 *   entry has both names. The callers' OLD_NAME is a temporary name only
 *   they use (atomicfile.c refuses to reuse a temporary file with more
 *   than one link, so the leftover is never written through), and the
 *   entry at NEW_NAME is already the finished one.
 * Directories cannot be linked (EPERM): compat.h says they are not for
 * this call. A filesystem without hard links gives EPERM too, and nothing
 * is replaced. */
int compat_link_rename_noreplace(int old_dir_fd, const char *old_name, int new_dir_fd,
                                 const char *new_name)
{
    if (linkat(old_dir_fd, old_name, new_dir_fd, new_name, 0) < 0)
        return -1;
    /* The entry is in place: the rename is done even if the old name
     * cannot be removed (it is then left over, as after a crash here). */
    unlinkat(old_dir_fd, old_name, 0);
    return 0;
}

int compat_rename_noreplace(int old_dir_fd, const char *old_name, int new_dir_fd,
                            const char *new_name)
{
#ifdef SYS_renameat2
    if (syscall(SYS_renameat2, old_dir_fd, old_name, new_dir_fd, new_name,
                (unsigned)RENAME_NOREPLACE) == 0)
        return 0;
    /* ENOSYS: kernel before 3.15. EINVAL: a filesystem that does not
     * support the flag (NFS, and others on kernels before 4.x). */
    if (errno != ENOSYS && errno != EINVAL)
        return -1;
#endif
    return compat_link_rename_noreplace(old_dir_fd, old_name, new_dir_fd, new_name);
}

static int read_fully(int fd, unsigned char *buffer, size_t length)
{
    while (length) {
        ssize_t n = read(fd, buffer, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO; /* the random devices never end */
            return -1;
        }
        buffer += n;
        length -= (size_t)n;
    }
    return 0;
}

int compat_random_from_device(const char *path, void *buffer, size_t length)
{
    /* O_NOFOLLOW and the device number: a symlink, a regular file or any
     * other device in its place (/dev/zero is a character device too) is
     * refused, never read as if it were random. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    int r = fstat(fd, &st);
    if (r == 0 && !(S_ISCHR(st.st_mode) && major(st.st_rdev) == MEM_MAJOR &&
                    (minor(st.st_rdev) == URANDOM_MINOR || minor(st.st_rdev) == RANDOM_MINOR))) {
        errno = ENODEV;
        r = -1;
    }
    if (r == 0)
        r = read_fully(fd, buffer, length);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

/* No weaker source is ever used: without getrandom and /dev/urandom (a
 * chroot without /dev on a kernel before 3.17) the caller fails and says
 * so. The process's AT_RANDOM bytes would be there, but glibc seeds the
 * stack protector and pointer guard from them, so they are never written
 * out where another user can read them. */
int compat_random_bytes(void *buffer, size_t length)
{
#ifdef SYS_getrandom
    unsigned char *at = buffer;
    size_t left = length;
    while (left) {
        long n = syscall(SYS_getrandom, at, left, 0u);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        at += n;
        left -= (size_t)n;
    }
    if (!left)
        return 0;
    if (errno != ENOSYS)
        return -1;
#endif
    return compat_random_from_device(RANDOM_DEVICE, buffer, length);
}

int compat_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0u);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int compat_pidfd_send_signal(int pidfd, int signal)
{
#ifdef SYS_pidfd_send_signal
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0u);
#else
    (void)pidfd;
    (void)signal;
    errno = ENOSYS;
    return -1;
#endif
}
