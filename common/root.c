/* root.c: symlink-safe path resolution inside a root directory (see root.h). */
#define _GNU_SOURCE
#include "root.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SYMLINKS 32

int root_open_dir(const char *root)
{
    if (!root || !*root)
        root = "/";
    return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static bool same_inode(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool root_only_dir(const struct stat *st)
{
    return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* With ROOT_TRUSTED_PATH, the directory FD must be root's alone. */
static bool passable(int fd, unsigned options)
{
    struct stat st;
    if (!(options & ROOT_TRUSTED_PATH))
        return true;
    if (fstat(fd, &st) < 0)
        return false;
    if (!root_only_dir(&st)) {
        errno = EACCES;
        return false;
    }
    return true;
}

/* Replace *pending with TARGET followed by what was left after the link. */
static int splice_link(char **pending, const char *target, const char *rest)
{
    size_t tlen = strlen(target), rlen = strlen(rest);
    char *joined = malloc(tlen + rlen + 2);
    if (!joined)
        return -1;
    memcpy(joined, target, tlen);
    joined[tlen] = '/';
    memcpy(joined + tlen + 1, rest, rlen + 1);
    free(*pending);
    *pending = joined;
    return 0;
}

static int read_link(int fd, char *buffer, size_t size)
{
    ssize_t n = readlinkat(fd, "", buffer, size);
    if (n < 0)
        return -1;
    if ((size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    buffer[n] = '\0';
    return 0;
}

int root_open(int root_fd, const char *path, int flags, unsigned options, int mode)
{
    char *pending = strdup(path ? path : "");
    int current = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
    int links = 0, saved;
    char target[PATH_MAX];

    if (!pending || current < 0 || !passable(current, options))
        goto fail;

    for (char *cursor = pending;;) {
        while (*cursor == '/')
            cursor++;
        if (*cursor == '\0') {
            /* The path named a directory itself ("/" or "a/"): reopen it. */
            int fd = openat(current, ".", flags | O_CLOEXEC, mode);
            if (fd < 0)
                goto fail;
            close(current);
            free(pending);
            return fd;
        }
        char *end = strchrnul(cursor, '/');
        bool last = true;
        for (const char *p = end; *p; p++)
            if (*p != '/') {
                last = false;
                break;
            }
        char saved_char = *end;
        *end = '\0';
        const char *name = cursor;
        cursor = saved_char ? end + 1 : end;

        if (strcmp(name, ".") == 0) {
            if (last)
                cursor = end; /* reopen the directory as the final step */
            continue;
        }
        if (strcmp(name, "..") == 0) {
            if (!same_inode(current, root_fd)) {
                int up = openat(current, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (up < 0)
                    goto fail;
                close(current);
                current = up;
                if (!passable(current, options))
                    goto fail;
            }
            continue;
        }

        int probe = openat(current, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (probe < 0) {
            if (last && errno == ENOENT && (flags & O_CREAT)) {
                int fd = openat(current, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
                if (fd < 0)
                    goto fail;
                close(current);
                free(pending);
                return fd;
            }
            goto fail;
        }
        struct stat st;
        if (fstat(probe, &st) < 0) {
            close(probe);
            goto fail;
        }
        if (S_ISLNK(st.st_mode)) {
            bool trusted = st.st_uid == 0 && (!last || (options & ROOT_FOLLOW_TRUSTED));
            if (!trusted || ++links > MAX_SYMLINKS) {
                close(probe);
                errno = ELOOP;
                goto fail;
            }
            int r = read_link(probe, target, sizeof target);
            close(probe);
            if (r < 0)
                goto fail;
            if (target[0] == '/') {
                close(current);
                current = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
                if (current < 0 || !passable(current, options))
                    goto fail;
            }
            char *rest = strdup(cursor);
            if (!rest)
                goto fail;
            r = splice_link(&pending, target, rest);
            free(rest);
            if (r < 0)
                goto fail;
            cursor = pending;
            continue;
        }
        if (last) {
            close(probe);
            int fd = openat(current, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
            if (fd < 0)
                goto fail;
            close(current);
            free(pending);
            return fd;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(probe);
            errno = ENOTDIR;
            goto fail;
        }
        close(current);
        current = probe;
        if (!passable(current, options))
            goto fail;
    }

fail:
    saved = errno;
    if (current >= 0)
        close(current);
    free(pending);
    errno = saved;
    return -1;
}

int root_open_parent(int root_fd, const char *path, const char **name)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *slash = memrchr(path, '/', len);
    const char *base = slash ? slash + 1 : path;
    size_t base_len = len - (size_t)(base - path);
    if (base_len == 0 || (base_len == 1 && base[0] == '.') ||
        (base_len == 2 && base[0] == '.' && base[1] == '.') || base[base_len] != '\0') {
        errno = EINVAL;
        return -1;
    }
    char *dir = strndup(path, (size_t)(base - path));
    if (!dir)
        return -1;
    int fd = root_open(root_fd, *dir ? dir : ".", O_PATH | O_DIRECTORY, 0, 0);
    int saved = errno;
    free(dir);
    errno = saved;
    if (fd >= 0)
        *name = base;
    return fd;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The name under which CHILD appears in the directory PARENT_FD, into NAME.
 * Entries with CHILD's inode number are tried first; a mount point shows the
 * inode of the directory under it, so then every directory is stat'ed. */
static int name_in_parent(int parent_fd, const struct stat *child, char *name, size_t size)
{
    int fd = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        struct dirent *entry;
        rewinddir(dir);
        while ((entry = readdir(dir))) {
            const char *n = entry->d_name;
            struct stat st;
            if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
                continue;
            if (pass == 0 ? entry->d_ino != child->st_ino
                          : entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)
                continue;
            if (fstatat(dirfd(dir), n, &st, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&st, child) &&
                strlen(n) < size) {
                strcpy(name, n);
                closedir(dir);
                return 0;
            }
        }
    }
    closedir(dir);
    errno = ENOENT;
    return -1;
}

/* HINT's last component before *END (moved to its start), or false when
 * there is none left or it is "." or "..". */
static bool hint_component(const char *hint, size_t *end, char *name, size_t size)
{
    size_t e = *end;
    while (e > 0 && hint[e - 1] == '/')
        e--;
    size_t b = e;
    while (b > 0 && hint[b - 1] != '/')
        b--;
    *end = b;
    size_t len = e - b;
    if (len == 0 || len >= size || (len == 1 && hint[b] == '.') ||
        (len == 2 && hint[b] == '.' && hint[b + 1] == '.'))
        return false;
    memcpy(name, hint + b, len);
    name[len] = '\0';
    return true;
}

char *root_dir_path(int root_fd, int fd)
{
    return root_dir_path_hint(root_fd, fd, NULL);
}

char *root_dir_path_hint(int root_fd, int fd, const char *hint)
{
    struct stat top, st;
    char path[PATH_MAX], name[NAME_MAX + 1];
    size_t hint_end = hint ? strlen(hint) : 0;
    size_t at = sizeof path - 1;
    path[at] = '\0';
    if (fstat(root_fd, &top) < 0)
        return NULL;
    int current = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (current < 0 || fstat(current, &st) < 0)
        goto fail;
    while (!same_file(&st, &top)) {
        struct stat up_st;
        int up = openat(current, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (up < 0 || fstat(up, &up_st) < 0) {
            if (up >= 0)
                close(up);
            goto fail;
        }
        if (same_file(&up_st, &st)) { /* the process's own root: never met ROOT_FD */
            close(up);
            errno = EXDEV;
            goto fail;
        }
        struct stat guess_st;
        bool guessed = hint && hint_component(hint, &hint_end, name, sizeof name) &&
                       fstatat(up, name, &guess_st, AT_SYMLINK_NOFOLLOW) == 0 &&
                       same_file(&guess_st, &st);
        if (!guessed)
            hint = NULL; /* off the hinted way: the levels above may not match it */
        if (!guessed && name_in_parent(up, &st, name, sizeof name) < 0) {
            close(up);
            goto fail;
        }
        size_t len = strlen(name);
        if (len + 1 > at) {
            close(up);
            errno = ENAMETOOLONG;
            goto fail;
        }
        at -= len;
        memcpy(path + at, name, len);
        path[--at] = '/';
        close(current);
        current = up;
        st = up_st;
    }
    close(current);
    return strdup(path[at] ? path + at : "/");

fail:;
    int saved = errno;
    if (current >= 0)
        close(current);
    errno = saved;
    return NULL;
}

int read_fd(int fd, size_t limit, char **data, size_t *length)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -1;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    if ((unsigned long long)st.st_size > limit) {
        errno = EFBIG;
        return -1;
    }
    size_t capacity = (size_t)st.st_size + 1, used = 0;
    char *buffer = malloc(capacity + 1);
    if (!buffer)
        return -1;
    for (;;) {
        ssize_t n = read(fd, buffer + used, capacity - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            free(buffer);
            return -1;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used == capacity) { /* the file grew while we read it */
            free(buffer);
            errno = EFBIG;
            return -1;
        }
    }
    buffer[used] = '\0';
    *data = buffer;
    if (length)
        *length = used;
    return 0;
}

int root_read_file(int root_fd, const char *path, size_t limit, char **data, size_t *length)
{
    int fd = root_open(root_fd, path, O_RDONLY | O_NONBLOCK, 0, 0);
    if (fd < 0)
        return -1;
    int r = read_fd(fd, limit, data, length);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

char *path_join(const char *dir, const char *name)
{
    size_t dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    while (*name == '/')
        name++;
    size_t nlen = strlen(name);
    char *joined = malloc(dlen + nlen + 2);
    if (!joined)
        return NULL;
    memcpy(joined, dir, dlen);
    size_t at = dlen;
    if (dlen == 0 || joined[dlen - 1] != '/')
        joined[at++] = '/';
    memcpy(joined + at, name, nlen + 1);
    return joined;
}

char *path_normalise(const char *path)
{
    size_t length = strlen(path);
    char *out = malloc(length + 2);
    if (!out)
        return NULL;
    size_t used = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (used > 0 && out[used - 1] != '/')
                used--;
            if (used > 0)
                used--; /* the slash */
        } else {
            out[used++] = '/';
            memcpy(out + used, p, n);
            used += n;
        }
        p = end;
    }
    if (used == 0)
        out[used++] = '/';
    out[used] = '\0';
    return out;
}
