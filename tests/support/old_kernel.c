/* old_kernel.c: run a command as on an old kernel. A seccomp filter
 * (libseccomp) makes the system calls that Linux added after 3.10, and
 * that our code, glibc or the programs the tests drive may try, fail with
 * ENOSYS, as a 3.10 kernel answers; then COMMAND is executed with
 * LEOFS_OLD_KERNEL=1 in its environment. The filter stays on every
 * process COMMAND starts. `tools/test --old-kernel` runs ctest itself
 * through it.
 *
 * Usage: old_kernel COMMAND [ARG...]     (exit 2: the filter could not be
 * installed; otherwise COMMAND's status) */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Each with the kernel that added it. Names the installed libseccomp does
 * not know are skipped (the kernel headers it was built with lack them). */
static const char *const hidden[] = {
    "renameat2",         /* 3.15 */
    "getrandom",         /* 3.17 */
    "memfd_create",      /* 3.17 */
    "execveat",          /* 3.19 */
    "copy_file_range",   /* 4.5 */
    "statx",             /* 4.11 */
    "pidfd_send_signal", /* 5.1 */
    "pidfd_open",        /* 5.3 */
    "clone3",            /* 5.3 */
    "openat2",           /* 5.6 */
    "pidfd_getfd",       /* 5.6 */
    "faccessat2",        /* 5.8 */
    "close_range",       /* 5.9 */
    "fchmodat2",         /* 6.6 */
};

static int fail(const char *what, int rc)
{
    fprintf(stderr, "old_kernel: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: old_kernel COMMAND [ARG...]\n");
        return 2;
    }
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (!filter)
        return fail("seccomp_init", ENOMEM);
    /* Root keeps no_new_privs off, so that set-id programs the tests run
     * behave as usual; anyone else needs it to load a filter. Another
     * architecture's calls (none in the tests) pass unfiltered. */
    int rc = seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, geteuid() == 0 ? 0 : 1);
    if (rc == 0)
        rc = seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
    if (rc < 0)
        return fail("seccomp_attr_set", rc);
    for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++) {
        int number = seccomp_syscall_resolve_name(hidden[i]);
        if (number == __NR_SCMP_ERROR)
            continue;
        rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), number, 0);
        if (rc < 0)
            return fail(hidden[i], rc);
    }
    rc = seccomp_load(filter);
    seccomp_release(filter);
    if (rc < 0)
        return fail("seccomp_load", rc);
    /* Prove it holds before anything runs under it. */
    unsigned char byte;
    if (syscall(SYS_getrandom, &byte, 1, 0) >= 0 || errno != ENOSYS)
        return fail("getrandom still answers under the filter", EINVAL);
    if (setenv("LEOFS_OLD_KERNEL", "1", 1) < 0)
        return fail("setenv", errno);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "old_kernel: cannot run %s: %s\n", argv[1], strerror(errno));
    return 127;
}
