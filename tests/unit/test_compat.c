/* test_compat.c: the calls newer than Linux 3.10 and their fallbacks
 * (common/compat.c): a no-replace rename that never replaces, random
 * bytes only from the kernel, the pidfd calls, and the start time that
 * stands in for a pidfd. CTest runs these natively and again under the
 * old_kernel launcher (test_compat_old_kernel), where the new calls answer
 * ENOSYS and every fallback runs. */
#include "compat.h"
#include "fixture.h"
#include "process.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int dir_fd = -1;

static void setup(void)
{
    fixture_root();
    dir_fd = open(fixture_path("/"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(dir_fd, 0);
}

static void teardown(void)
{
    close(dir_fd);
    fixture_cleanup();
}

static bool under_old_kernel(void)
{
    return getenv("LEOFS_OLD_KERNEL") != NULL;
}

typedef int (*rename_function)(int, const char *, int, const char *);

static void moves_and_never_replaces(rename_function rename_noreplace)
{
    fixture_write("/new", "new", 0600);
    cr_assert_eq(rename_noreplace(dir_fd, "new", dir_fd, "file"), 0, "%s", strerror(errno));
    cr_assert_not(fixture_exists("/new"));
    char *data = fixture_read("/file");
    cr_assert_str_eq(data, "new");
    free(data);

    fixture_write("/new", "newer", 0600);
    errno = 0;
    cr_assert_eq(rename_noreplace(dir_fd, "new", dir_fd, "file"), -1);
    cr_assert_eq(errno, EEXIST, "%s", strerror(errno));
    data = fixture_read("/file");
    cr_assert_str_eq(data, "new", "an existing file is never replaced");
    free(data);
    cr_assert(fixture_exists("/new"), "nothing moved when the rename was refused");

    /* Not even a dangling symlink in the way is replaced, or followed. */
    fixture_symlink("/nowhere", "/link");
    cr_assert_eq(rename_noreplace(dir_fd, "new", dir_fd, "link"), -1);
    cr_assert_eq(errno, EEXIST);
    cr_assert_not(fixture_exists("/nowhere"));

    /* A symlink moves as a symlink, its target untouched. */
    fixture_symlink("/file", "/temp-link");
    cr_assert_eq(rename_noreplace(dir_fd, "temp-link", dir_fd, "moved-link"), 0);
    char target[64];
    ssize_t n = readlinkat(dir_fd, "moved-link", target, sizeof target - 1);
    cr_assert_eq(n, 5);
    target[n] = '\0';
    cr_assert_str_eq(target, "/file");
    cr_assert_not(fixture_exists("/temp-link"));
}

TestSuite(compat, .init = setup, .fini = teardown);

Test(compat, rename_noreplace_moves_and_never_replaces)
{
    moves_and_never_replaces(compat_rename_noreplace);
}

Test(compat, link_fallback_moves_and_never_replaces)
{
    moves_and_never_replaces(compat_link_rename_noreplace);
}

Test(compat, random_bytes_are_random)
{
    unsigned char a[64], b[64], zero[64] = {0};
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    cr_assert_eq(compat_random_bytes(a, sizeof a), 0, "%s", strerror(errno));
    cr_assert_eq(compat_random_bytes(b, sizeof b), 0, "%s", strerror(errno));
    cr_assert_neq(memcmp(a, b, sizeof a), 0);
    cr_assert_neq(memcmp(a, zero, sizeof a), 0);
    cr_assert_eq(compat_random_from_device("/dev/urandom", a, sizeof a), 0, "%s", strerror(errno));
    cr_assert_neq(memcmp(a, b, sizeof a), 0);
}

Test(compat, random_device_must_be_the_kernels)
{
    unsigned char bytes[16];
    errno = 0;
    cr_assert_eq(compat_random_from_device("/dev/zero", bytes, sizeof bytes), -1,
                 "another character device is never read as random");
    cr_assert_eq(errno, ENODEV);
    fixture_write("/urandom", "0123456789abcdef0123456789abcdef", 0644);
    cr_assert_eq(compat_random_from_device(fixture_path("/urandom"), bytes, sizeof bytes), -1);
    cr_assert_eq(errno, ENODEV, "a regular file is refused");
    fixture_symlink("/dev/urandom", "/link");
    cr_assert_eq(compat_random_from_device(fixture_path("/link"), bytes, sizeof bytes), -1);
    cr_assert_eq(errno, ELOOP, "a symlink is never followed, even to the real device");
    cr_assert_eq(compat_random_from_device(fixture_path("/dev/urandom"), bytes, sizeof bytes), -1);
    cr_assert_eq(errno, ENOENT, "no device (a chroot without /dev) is an error, not a weaker source");
}

Test(compat, pidfd_names_a_process_or_is_missing)
{
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    int pidfd = compat_pidfd_open(child);
    if (pidfd < 0) {
        cr_assert_eq(errno, ENOSYS, "%s", strerror(errno));
        kill(child, SIGKILL);
    } else {
        cr_assert_not(under_old_kernel(), "pidfd_open answered under the old-kernel filter");
        cr_assert_eq(compat_pidfd_send_signal(pidfd, SIGKILL), 0, "%s", strerror(errno));
    }
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    if (pidfd >= 0) {
        /* The pidfd still names the dead process, never one that reuses its PID. */
        cr_assert_eq(compat_pidfd_send_signal(pidfd, SIGTERM), -1);
        cr_assert_eq(errno, ESRCH);
        close(pidfd);
    }
}

Test(compat, start_time_tells_processes_apart)
{
    const char *line = "4242 (a) b) c ) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
                       "987654 12345678 300 18446744073709551615\n";
    unsigned long long start;
    cr_assert(process_parse_start_time(line, &start));
    cr_assert_eq(start, 987654ULL, "a command name with ') ' in it does not shift the fields");
    cr_assert_not(process_parse_start_time("4242 (epmd) S 1 2 3\n", &start), "too short");
    cr_assert_not(process_parse_start_time("4242 epmd S 1\n", &start));
    cr_assert_not(process_parse_start_time("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 1\n",
                                           &start));

    unsigned long long mine, again;
    cr_assert(process_start_time(getpid(), &mine));
    cr_assert(process_start_time(getpid(), &again));
    cr_assert_eq(mine, again);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0)
        _exit(0);
    int status;
    waitpid(child, &status, 0);
    cr_assert_not(process_start_time(child, &again), "a reaped process has no start time");
}

/* Without getrandom (the old-kernel filter) and without /dev (a chroot
 * that has none, made here with an empty tmpfs over /dev in a private
 * mount namespace), the cookie step fails and says why; no cookie from a
 * weaker source appears. */
Test(compat, cookie_without_random_source_fails_loudly)
{
    if (!under_old_kernel())
        cr_skip_test("getrandom answers outside tests/support/old_kernel");
    if (geteuid() != 0)
        cr_skip_test("a private /dev needs root");
    fixture_accounts();
    fixture_leofs_install("1.3.8");
    fflush(NULL);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("none", "/dev", "tmpfs", 0, "size=64k") < 0) {
            perror("private /dev");
            _exit(2);
        }
        const struct lu_step_report *step = fixture_run(lu_run_post, NULL, false, "cookie", NULL);
        if (!step)
            _exit(3);
        fprintf(stderr, "cookie step: %s: %s\n", lu_status_name(step->status), step->message);
        _exit(step->status == LU_STATUS_FAILED && strstr(step->message, "no random source") &&
                      strstr(step->message, "/dev/urandom")
                  ? 0
                  : 1);
    }
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);
    cr_assert_not(fixture_exists("/usr/local/leofs/.erlang.cookie"));
}

/* Proves that the old-kernel run really hides the calls (the launcher
 * sets LEOFS_OLD_KERNEL); skipped in a plain run. */
Test(compat, old_kernel_filter_hides_the_new_calls)
{
    if (!under_old_kernel())
        cr_skip_test("not under tests/support/old_kernel");
    /* Each as far as these headers know it (bullseye's lack openat2...). */
    long numbers[] = {
#ifdef SYS_renameat2
        SYS_renameat2,
#endif
#ifdef SYS_getrandom
        SYS_getrandom,
#endif
#ifdef SYS_statx
        SYS_statx,
#endif
#ifdef SYS_pidfd_open
        SYS_pidfd_open,
#endif
#ifdef SYS_pidfd_send_signal
        SYS_pidfd_send_signal,
#endif
#ifdef SYS_openat2
        SYS_openat2,
#endif
#ifdef SYS_clone3
        SYS_clone3,
#endif
#ifdef SYS_close_range
        SYS_close_range,
#endif
#ifdef SYS_faccessat2
        SYS_faccessat2,
#endif
        -1, /* no call: keeps the list non-empty */
    };
    for (size_t i = 0; numbers[i] != -1; i++) {
        errno = 0;
        /* Invalid arguments everywhere: nothing happens even if a call got through. */
        cr_assert_eq(syscall(numbers[i], -1, NULL, -1, NULL, ~0UL, 0), -1);
        cr_assert_eq(errno, ENOSYS, "system call %ld: %s", numbers[i], strerror(errno));
    }
}
