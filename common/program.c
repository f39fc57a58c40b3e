/* program.c: run a trusted program with posix_spawn and capture its output
 * (see program.h). No shell, no PATH lookup, no inherited environment. */
#define _GNU_SOURCE
#include "program.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *const fixed_environment[] = {
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG=C",
    "LC_ALL=C",
    "SYSTEMD_COLORS=0",
    NULL,
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int trusted_program(const char *path, char *error, size_t error_size)
{
    struct stat st;
    if (path[0] != '/') {
        snprintf(error, error_size, "%s is not an absolute path", path);
        return -1;
    }
    if (lstat(path, &st) < 0) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        snprintf(error, error_size, "%s is not a regular file that only root can change: "
                 "not run", path);
        return -1;
    }
    return 0;
}

/* Read the child's output until it closes the pipe or DEADLINE passes. */
static bool collect(int fd, struct spawn_result *result, long long deadline)
{
    size_t used = 0;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno != EINTR)
            return true; /* cannot wait on it: go and reap */
        if (n <= 0)
            continue;
        char chunk[1024];
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return true;
        size_t keep = (size_t)got;
        if (keep > sizeof result->output - 1 - used)
            keep = sizeof result->output - 1 - used;
        memcpy(result->output + used, chunk, keep);
        used += keep;
        result->output[used] = '\0';
    }
}

/* Wait for PID until DEADLINE, then kill it. */
static int reap(pid_t pid, long long deadline, struct spawn_result *result)
{
    int status;
    bool killed = false;
    for (;;) {
        pid_t r = waitpid(pid, &status, killed ? 0 : WNOHANG);
        if (r == pid)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (now_ms() >= deadline) {
            kill(pid, SIGKILL); /* our own unreaped child: the pid is still it */
            result->timed_out = true;
            killed = true;
            continue;
        }
        struct timespec pause = {.tv_nsec = 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (WIFEXITED(status)) {
        result->exit_status = WEXITSTATUS(status);
    } else {
        result->exit_status = -1;
        result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    return 0;
}

int spawn_run(const char *path, char *const argv[], int timeout_ms, struct spawn_result *result,
              char *error, size_t error_size)
{
    memset(result, 0, sizeof *result);
    result->exit_status = -1;
    if (trusted_program(path, error, error_size) < 0)
        return -1;
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
        snprintf(error, error_size, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe_fds[1] <= STDERR_FILENO) { /* dup2 onto itself would keep O_CLOEXEC */
        int moved = fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        close(pipe_fds[1]);
        pipe_fds[1] = moved;
        if (moved < 0) {
            close(pipe_fds[0]);
            snprintf(error, error_size, "fcntl: %s", strerror(errno));
            return -1;
        }
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    static const int reset[] = {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM,
                                SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof reset / sizeof *reset; i++)
        sigaddset(&defaults, reset[i]);
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    pid_t pid;
    int err = posix_spawn(&pid, path, &actions, &attr, argv, fixed_environment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(pipe_fds[1]);
    if (err) {
        close(pipe_fds[0]);
        snprintf(error, error_size, "cannot run %s: %s", path, strerror(err));
        return -1;
    }
    long long deadline = now_ms() + timeout_ms;
    collect(pipe_fds[0], result, deadline);
    close(pipe_fds[0]);
    if (reap(pid, deadline, result) < 0) {
        snprintf(error, error_size, "cannot wait for %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
