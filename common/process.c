/* process.c: find the processes behind a listening TCP port through /proc
 * and identify them (see process.h). Only reads /proc, except for
 * process_terminate_epmd, which signals one checked process. */
#define _GNU_SOURCE
#include "process.h"
#include "compat.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INODE_MAX 16
#define TCP_LISTEN 0x0A

bool process_parse_tcp_line(const char *line, int port, unsigned long *inode)
{
    /* "  0: 0100007F:1111 00000000:0000 0A 00000000:00000000 00:00000000 00000000
     *   uid timeout inode ...": local address:port, remote, state (0A: LISTEN). */
    char local[64];
    unsigned state, local_port;
    if (sscanf(line, " %*u: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu", local, &local_port,
               &state, inode) != 4)
        return false;
    return state == TCP_LISTEN && local_port == (unsigned)port && *inode != 0;
}

/* Add the inodes of sockets listening on PORT in one /proc/net table. */
static int scan_table(const char *path, int port, unsigned long *inodes, size_t *count)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1; /* no IPv6 in this kernel */
    FILE *file = fdopen(fd, "r");
    if (!file) {
        close(fd);
        return -1;
    }
    char *line = NULL;
    size_t size = 0;
    bool header = true;
    while (getline(&line, &size, file) > 0) {
        if (header) {
            header = false;
            continue;
        }
        unsigned long inode;
        if (!process_parse_tcp_line(line, port, &inode))
            continue;
        if (*count < INODE_MAX)
            inodes[(*count)++] = inode;
    }
    free(line);
    fclose(file);
    return 0;
}

static bool fd_dir_has_socket(int proc_fd, const char *pid_name, const unsigned long *inodes,
                              size_t count)
{
    char path[NAME_MAX + 8];
    snprintf(path, sizeof path, "%s/fd", pid_name);
    int dir_fd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0)
        return false;
    DIR *dir = fdopendir(dir_fd);
    if (!dir) {
        close(dir_fd);
        return false;
    }
    bool found = false;
    struct dirent *entry;
    while (!found && (entry = readdir(dir))) {
        char target[64];
        ssize_t n = readlinkat(dirfd(dir), entry->d_name, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        unsigned long inode;
        char end;
        if (sscanf(target, "socket:[%lu%c", &inode, &end) != 2 || end != ']')
            continue;
        for (size_t i = 0; i < count && !found; i++)
            found = inodes[i] == inode;
    }
    closedir(dir);
    return found;
}

static int compare_pids(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int process_listeners(int port, pid_t *pids, size_t max)
{
    unsigned long inodes[INODE_MAX];
    size_t inode_count = 0;
    if (scan_table("/proc/net/tcp", port, inodes, &inode_count) < 0)
        return -1;
    if (scan_table("/proc/net/tcp6", port, inodes, &inode_count) < 0)
        return -1;
    if (inode_count == 0)
        return 0;
    int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd < 0)
        return -1;
    DIR *proc = fdopendir(proc_fd);
    if (!proc) {
        close(proc_fd);
        return -1;
    }
    size_t found = 0;
    struct dirent *entry;
    while (found < max && (entry = readdir(proc))) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0 || entry->d_name[0] < '1' || entry->d_name[0] > '9')
            continue;
        if (fd_dir_has_socket(dirfd(proc), entry->d_name, inodes, inode_count))
            pids[found++] = (pid_t)pid;
    }
    closedir(proc);
    qsort(pids, found, sizeof *pids, compare_pids);
    return (int)found;
}

/* Read a small /proc/PID/NAME file into BUFFER (NUL-terminated). */
static ssize_t read_proc(pid_t pid, const char *name, char *buffer, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    size_t used = 0;
    while (used + 1 < size) {
        ssize_t n = read(fd, buffer + used, size - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    buffer[used] = '\0';
    return (ssize_t)used;
}

bool process_comm(pid_t pid, char *name, size_t size)
{
    if (read_proc(pid, "comm", name, size) <= 0)
        return false;
    name[strcspn(name, "\n")] = '\0';
    return true;
}

bool process_is_epmd(pid_t pid)
{
    char path[64], exe[4096];
    snprintf(path, sizeof path, "/proc/%ld/exe", (long)pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        /* A replaced binary reads "/usr/lib/erlang/.../epmd (deleted)". */
        char *deleted = strstr(exe, " (deleted)");
        if (deleted && deleted[10] == '\0')
            *deleted = '\0';
        const char *base = strrchr(exe, '/');
        if (strcmp(base ? base + 1 : exe, "epmd") == 0)
            return true;
    }
    char comm[64];
    return process_comm(pid, comm, sizeof comm) && strcmp(comm, "epmd") == 0;
}

bool process_cgroup_names_unit(const char *text, const char *unit)
{
    size_t unit_length = strlen(unit);
    for (const char *at = text; (at = strstr(at, unit)); at += unit_length) {
        char after = at[unit_length];
        if (at > text && at[-1] == '/' && (after == '/' || after == '\n' || after == '\0'))
            return true;
    }
    return false;
}

bool process_in_unit(pid_t pid, const char *unit)
{
    char text[8192];
    return read_proc(pid, "cgroup", text, sizeof text) > 0 && process_cgroup_names_unit(text, unit);
}

/* The path of one hierarchy's line ("9:name=systemd:/system.slice/x"),
 * or NULL; its length in *length. */
static const char *hierarchy_path(const char *text, const char *controllers, size_t *length)
{
    size_t want = strlen(controllers);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t line_length = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', line_length);
        if (colon) {
            const char *path = colon + 1;
            size_t rest = line_length - (size_t)(path - line);
            if (rest > want && memcmp(path, controllers, want) == 0 && path[want] == ':') {
                *length = rest - want - 1;
                return path + want + 1;
            }
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

static bool has_suffix(const char *name, size_t length, const char *suffix)
{
    size_t n = strlen(suffix);
    return length > n && memcmp(name + length - n, suffix, n) == 0;
}

bool process_cgroup_unit(const char *text, char *unit, size_t size)
{
    size_t length = 0;
    const char *path = hierarchy_path(text, "name=systemd", &length);
    if (!path)
        path = hierarchy_path(text, "", &length);
    if (!path || length == 0 || path[0] != '/')
        return false;
    /* "/.." and the like: the process is outside this cgroup namespace's
     * tree, so no unit of the systemd that runs here holds it. */
    bool found = false;
    for (size_t at = 0; at < length;) {
        size_t start = at + 1, end = start;
        while (end < length && path[end] != '/')
            end++;
        size_t n = end - start;
        if (n == 2 && memcmp(path + start, "..", 2) == 0)
            return false;
        if ((has_suffix(path + start, n, ".service") || has_suffix(path + start, n, ".scope")) &&
            n < size) {
            memcpy(unit, path + start, n);
            unit[n] = '\0';
            found = true;
        }
        at = end;
    }
    return found;
}

bool process_unit(pid_t pid, char *unit, size_t size)
{
    char text[8192];
    return read_proc(pid, "cgroup", text, sizeof text) > 0 && process_cgroup_unit(text, unit, size);
}

static bool still_epmd_on_port(pid_t pid, int port)
{
    pid_t pids[PROCESS_LISTENER_MAX];
    int count = process_listeners(port, pids, PROCESS_LISTENER_MAX);
    bool listens = false;
    for (int i = 0; i < count && !listens; i++)
        listens = pids[i] == pid;
    return listens && process_is_epmd(pid);
}

bool process_parse_start_time(const char *text, unsigned long long *start)
{
    /* "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses,
     * so fields are counted from the last ')'; the start time is field 22,
     * the 20th after it. */
    const char *at = strrchr(text, ')');
    if (!at)
        return false;
    at++;
    for (int field = 0; field < 19; field++) {
        at += strspn(at, " ");
        size_t length = strcspn(at, " \n");
        if (!length)
            return false;
        at += length;
    }
    at += strspn(at, " ");
    if (*at < '0' || *at > '9')
        return false;
    char *end;
    errno = 0;
    *start = strtoull(at, &end, 10);
    return errno == 0 && (*end == ' ' || *end == '\n' || *end == '\0');
}

bool process_start_time(pid_t pid, unsigned long long *start)
{
    char text[1024];
    return read_proc(pid, "stat", text, sizeof text) > 0 && process_parse_start_time(text, start);
}

/* Without pidfds (Linux before 5.3): the process's start time, read
 * before and after the check, proves that the check was made on the
 * process that had PID at the first reading (a PID reused in between
 * belongs to a process that started later). The window left is between
 * the second reading and kill(): epmd would have to exit and the kernel
 * hand its PID to a new process in those few microseconds, which needs
 * the PID counter to wrap all the way around (pid_max, 32768 or more,
 * processes started) inside it. A process started in the same clock tick
 * (10 ms) as the one it replaced would also pass; that too needs the
 * wrap-around within the check. */
static int terminate_by_pid(pid_t pid, int port)
{
    unsigned long long before, after;
    if (!process_start_time(pid, &before)) {
        errno = ESRCH;
        return -1;
    }
    if (!still_epmd_on_port(pid, port)) {
        errno = EPERM;
        return -1;
    }
    if (!process_start_time(pid, &after) || after != before) {
        errno = ESRCH; /* gone, or PID now names another process */
        return -1;
    }
    return kill(pid, SIGTERM);
}

int process_terminate_epmd(pid_t pid, int port)
{
    if (pid <= 1) {
        errno = EPERM;
        return -1;
    }
    int pidfd = compat_pidfd_open(pid);
    if (pidfd < 0)
        return errno == ENOSYS ? terminate_by_pid(pid, port) : -1;
    /* Checked after the pidfd pins the process: if PID was reused in
     * between, the signal below goes to the old, dead one and fails. */
    int r = -1;
    if (!still_epmd_on_port(pid, port))
        errno = EPERM;
    else
        r = compat_pidfd_send_signal(pidfd, SIGTERM);
    int saved = errno;
    close(pidfd);
    errno = saved;
    return r;
}
