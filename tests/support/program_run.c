/* program_run.c: run a program and capture its output (see program_run.h). */
#include "program_run.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void slurp(int fd, char *buffer, size_t size)
{
    size_t used = 0;
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while (used < size - 1 && (n = read(fd, buffer + used, size - 1 - used)) > 0)
        used += (size_t)n;
    buffer[used] = '\0';
    close(fd);
}

static int temporary_file(void)
{
    char path[] = "/tmp/lu-run-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(path);
    return fd;
}

int program_run(const char *const *argv, const char *const *env, const char *input,
                struct program_output *output)
{
    int in_fd = temporary_file(), out_fd = temporary_file(), err_fd = temporary_file();
    size_t length = input ? strlen(input) : 0;
    cr_assert_eq(write(in_fd, input ? input : "", length), (ssize_t)length);
    lseek(in_fd, 0, SEEK_SET);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(in_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    close(in_fd);
    slurp(out_fd, output->out, sizeof output->out);
    slurp(err_fd, output->err, sizeof output->err);
    cr_assert(WIFEXITED(status), "%s did not exit normally", argv[0]);
    return WEXITSTATUS(status);
}
