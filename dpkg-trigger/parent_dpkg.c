/* parent_dpkg.c: find the dpkg running this hook and read its arguments
 * from /proc (see parent_dpkg.h). Only root's own ancestors are looked at:
 * dpkg runs hooks as root, and no other user can change what a root
 * process's /proc files say. */
#define _GNU_SOURCE
#include "parent_dpkg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ANCESTORS 3
#define CMDLINE_LIMIT (64u << 20)

/* A small /proc/PID/NAME file into BUFFER; its length, or -1. */
static ssize_t proc_small(pid_t pid, const char *name, char *buffer, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buffer, size - 1);
    close(fd);
    if (n >= 0)
        buffer[n] = '\0';
    return n;
}

/* The parent of PID from /proc/PID/stat ("pid (comm) state ppid ..."). */
static pid_t parent_of(pid_t pid, uid_t *uid)
{
    char text[1024];
    if (proc_small(pid, "stat", text, sizeof text) < 0)
        return -1;
    const char *close_paren = strrchr(text, ')');
    long ppid;
    if (!close_paren || sscanf(close_paren + 1, " %*c %ld", &ppid) != 1)
        return -1;
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%ld", ppid);
    if (stat(path, &st) < 0)
        return -1;
    *uid = st.st_uid;
    return (pid_t)ppid;
}

static int read_cmdline(struct parent_dpkg *dpkg, char *error, size_t error_size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)dpkg->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t size = 1 << 16, used = 0;
    char *text = fd >= 0 ? malloc(size + 1) : NULL;
    while (text) {
        ssize_t n = read(fd, text + used, size - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0) {
                free(text);
                text = NULL;
            }
            break;
        }
        used += (size_t)n;
        if (used == size) {
            char *grown = size < CMDLINE_LIMIT ? realloc(text, size * 2 + 1) : NULL;
            if (!grown) {
                free(text);
                text = NULL;
                errno = size < CMDLINE_LIMIT ? ENOMEM : E2BIG;
                break;
            }
            text = grown;
            size *= 2;
        }
    }
    int saved = errno;
    if (fd >= 0)
        close(fd);
    if (!text) {
        snprintf(error, error_size, "cannot read %s: %s", path, strerror(saved));
        return -1;
    }
    text[used] = '\0';
    int argc = 0;
    for (size_t i = 0; i < used; i++)
        argc += text[i] == '\0';
    if (used && text[used - 1] != '\0')
        argc++;
    dpkg->argv = calloc((size_t)argc + 1, sizeof *dpkg->argv);
    if (!dpkg->argv) {
        free(text);
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    int at = 0;
    for (size_t i = 0; i < used && at < argc; i += strlen(text + i) + 1)
        dpkg->argv[at++] = text + i;
    dpkg->argc = at;
    dpkg->text = text;
    return 0;
}

enum parent_dpkg_result parent_dpkg_find(struct parent_dpkg *dpkg, char *error,
                                         size_t error_size)
{
    memset(dpkg, 0, sizeof *dpkg);
    struct stat st;
    if (stat("/proc/self/stat", &st) < 0)
        return PARENT_DPKG_NO_PROC;
    pid_t pid = getpid();
    uid_t me = geteuid();
    for (int level = 0; level < ANCESTORS; level++) {
        uid_t uid;
        pid = parent_of(pid, &uid);
        if (pid <= 1 || uid != me)
            break;
        char comm[64];
        if (proc_small(pid, "comm", comm, sizeof comm) > 0 && strcmp(comm, "dpkg\n") == 0) {
            dpkg->pid = pid;
            return read_cmdline(dpkg, error, error_size) == 0 ? PARENT_DPKG_FOUND
                                                              : PARENT_DPKG_ERROR;
        }
    }
    return PARENT_DPKG_NOT_FOUND;
}

void parent_dpkg_free(struct parent_dpkg *dpkg)
{
    free(dpkg->argv);
    free(dpkg->text);
    memset(dpkg, 0, sizeof *dpkg);
}
