/* tool_run.c: run a program as a child of the test (see tool_run.h). */
#include "tool_run.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

static void slurp(int fd, char *buffer, size_t size)
{
    size_t used = 0;
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while (used + 1 < size && (n = read(fd, buffer + used, size - 1 - used)) > 0)
        used += (size_t)n;
    buffer[used] = '\0';
}

static int temp_fd(void)
{
    char path[] = "/tmp/lu-run-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(path);
    return fd;
}

static void run(uid_t uid, gid_t gid, const char *const *argv, const char *const *env,
                const char *input, tool_stop_fn *on_stop, void *data, struct tool_result *result)
{
    int in_fd = temp_fd(), out_fd = temp_fd(), err_fd = temp_fd();
    size_t length = input ? strlen(input) : 0;
    cr_assert_eq(write(in_fd, input ? input : "", length), (ssize_t)length);
    lseek(in_fd, 0, SEEK_SET);
    memset(result, 0, sizeof *result);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        dup2(in_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        if (uid != (uid_t)-1 && (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0))
            _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    for (;;) {
        cr_assert_eq(waitpid(pid, &status, WUNTRACED), pid, "waitpid: %s", strerror(errno));
        if (!WIFSTOPPED(status))
            break;
        result->stops++;
        if (on_stop)
            on_stop(data);
        kill(pid, SIGCONT);
    }
    result->exited = WIFEXITED(status);
    result->exit_status = result->exited ? WEXITSTATUS(status) : -1;
    result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    slurp(out_fd, result->out, sizeof result->out);
    slurp(err_fd, result->err, sizeof result->err);
    close(in_fd);
    close(out_fd);
    close(err_fd);
}

void tool_run(const char *const *argv, const char *const *env, tool_stop_fn *on_stop, void *data,
              struct tool_result *result)
{
    run((uid_t)-1, (gid_t)-1, argv, env, NULL, on_stop, data, result);
}

void tool_run_input(const char *const *argv, const char *const *env, const char *input,
                    struct tool_result *result)
{
    run((uid_t)-1, (gid_t)-1, argv, env, input, NULL, NULL, result);
}

void tool_run_as(uid_t uid, gid_t gid, const char *const *argv, const char *const *env,
                 tool_stop_fn *on_stop, void *data, struct tool_result *result)
{
    run(uid, gid, argv, env, NULL, on_stop, data, result);
}

int tool_run_setpriv(uid_t uid, const char *program, const char *a, const char *b, const char *c)
{
    char user[32], group[32];
    snprintf(user, sizeof user, "--reuid=%u", (unsigned)uid);
    snprintf(group, sizeof group, "--regid=%u", (unsigned)uid);
    const char *argv[] = {"/usr/bin/setpriv", user, group, "--clear-groups", "--", program, a, b,
                          c, NULL};
    struct tool_result *r = malloc(sizeof *r); /* 128 KiB of output: not on the stack */
    cr_assert_not_null(r);
    tool_run(argv, NULL, NULL, NULL, r);
    bool exited = r->exited;
    int status = r->exit_status, signal = r->signal;
    free(r);
    cr_assert(exited, "setpriv %s ended by signal %d", program, signal);
    return status;
}
