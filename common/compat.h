/* compat.h: the calls newer than glibc 2.17 and Linux 3.10 that the core
 * needs, in one place. Each goes to the kernel through syscall(2), so that
 * no binary imports a glibc symbol newer than 2.17 (tests/integration/
 * glibc_symbols.sh checks), and falls back, when the kernel answers ENOSYS
 * (or the filesystem EINVAL), to older calls that keep the same safety.
 * Nothing else in the tree calls renameat2, getrandom or the pidfd calls. */
#ifndef LU_COMPAT_H
#define LU_COMPAT_H

#include <stddef.h>
#include <sys/types.h>

/* Rename OLD_NAME in OLD_DIR_FD to NEW_NAME in NEW_DIR_FD, never replacing
 * an existing NEW_NAME (errno EEXIST): renameat2(RENAME_NOREPLACE), Linux
 * 3.15. OLD_NAME must not be a directory and must be ours alone (a file or
 * symlink we just made), because the fallback links it under the new name
 * and then unlinks the old one. 0, or -1 with errno. */
int compat_rename_noreplace(int old_dir_fd, const char *old_name, int new_dir_fd,
                            const char *new_name);

/* The fallback itself, for the tests: linkat (never replaces), unlinkat. */
int compat_link_rename_noreplace(int old_dir_fd, const char *old_name, int new_dir_fd,
                                 const char *new_name);

/* Fill BUFFER with LENGTH bytes from the kernel's random pool: getrandom
 * (Linux 3.17), else /dev/urandom. Never anything weaker: -1 with errno
 * when neither is there (ENOENT: no /dev/urandom, as in a chroot without
 * /dev; ENODEV: /dev/urandom is not the kernel's random device). */
int compat_random_bytes(void *buffer, size_t length);

/* The fallback itself, for the tests: read from the character device at
 * PATH (opened O_NOFOLLOW), which must be the kernel's random or urandom
 * device (1:8 or 1:9). */
int compat_random_from_device(const char *path, void *buffer, size_t length);

/* pidfd_open(PID) (Linux 5.3): an fd that names this one process even if
 * PID is later reused. -1 with errno ENOSYS where the kernel (or the
 * headers the binary was built with) lacks it: the caller then falls back
 * (process.c, process_terminate_epmd). */
int compat_pidfd_open(pid_t pid);

/* pidfd_send_signal(PIDFD, SIGNAL) (Linux 5.1). -1 with errno (ESRCH:
 * the process is gone, ENOSYS: no such call). */
int compat_pidfd_send_signal(int pidfd, int signal);

#endif
