/* trust.c: who can have written a file (see trust.h). */
#define _GNU_SOURCE
#include "trust.h"
#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The takeover's marker (takeover.c's section headers start with it). */
#define MERGED_MARKER "## leofs-upgrade: "

const char *const trust_saved_suffixes[] = {"", ".rpmsave", ".dpkg-old", ".dpkg-bak", NULL};

/* PATH has a TRUST_MERGED_SUFFIX sibling: the takeover wrote it. */
static bool merged_sibling(int root_fd, const char *path)
{
    char *sibling;
    if (asprintf(&sibling, "%s" TRUST_MERGED_SUFFIX, path) < 0)
        return true; /* cannot tell: not trusted */
    const char *name;
    struct stat st;
    int dir = root_open_parent(root_fd, sibling, &name);
    bool found = dir < 0 || fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
    if (dir >= 0)
        close(dir);
    free(sibling);
    return found;
}

bool trust_owner_and_mode(const struct stat *st)
{
    return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static void describe(const struct stat *st, const char *what, char *why, size_t why_size)
{
    if (st->st_uid != 0)
        snprintf(why, why_size, "%s is owned by uid %u", what, (unsigned)st->st_uid);
    else
        snprintf(why, why_size, "%s is writable by %s", what,
                 st->st_mode & S_IWOTH ? "every user" : "its group");
}

bool trust_dir(int root_fd, const char *path)
{
    struct stat st;
    int fd = root_open(root_fd, path, O_PATH | O_DIRECTORY, ROOT_TRUSTED_PATH, 0);
    bool ok = fd >= 0 && fstat(fd, &st) == 0 && root_only_dir(&st);
    if (fd >= 0)
        close(fd);
    return ok;
}

void trust_explain(int root_fd, const char *path, char *why, size_t why_size)
{
    /* Each prefix, shortest first: the first that is not root's alone. */
    char *copy = strdup(path);
    size_t length = copy ? strlen(copy) : 0;
    snprintf(why, why_size, "%s cannot be inspected", path);
    for (size_t end = 0; copy && end <= length; end++) {
        if (end < length && copy[end] != '/')
            continue;
        char saved = copy[end];
        copy[end] = '\0';
        const char *prefix = end == 0 ? "/" : copy;
        struct stat st;
        int fd = root_open(root_fd, prefix, O_PATH, end < length ? ROOT_FOLLOW_TRUSTED : 0, 0);
        bool ok = fd >= 0 && fstat(fd, &st) == 0;
        if (fd >= 0)
            close(fd);
        if (!ok) {
            snprintf(why, why_size, "%s cannot be inspected: %s", prefix, strerror(errno));
            break;
        }
        if (end < length ? !root_only_dir(&st) : !trust_owner_and_mode(&st)) {
            describe(&st, prefix, why, why_size);
            break;
        }
        copy[end] = saved;
    }
    free(copy);
}

int trust_read_file(int root_fd, const char *path, size_t limit, char **data, size_t *length,
                    struct trust *trust)
{
    trust->trusted = false;
    trust->why[0] = '\0';
    int fd = root_open(root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, ROOT_TRUSTED_PATH, 0);
    bool through_root_only = fd >= 0;
    if (fd < 0 && errno == EACCES)
        fd = root_open(root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, 0);
    if (fd < 0)
        return -1;
    struct stat st;
    if (read_fd(fd, limit, data, length) < 0 || fstat(fd, &st) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    close(fd);
    if (!through_root_only)
        trust_explain(root_fd, path, trust->why, sizeof trust->why);
    else if (!trust_owner_and_mode(&st))
        describe(&st, path, trust->why, sizeof trust->why);
    else if (trust_is_merged_by_us(*data, length ? *length : strlen(*data)) ||
             merged_sibling(root_fd, path))
        snprintf(trust->why, sizeof trust->why, "%s was merged by the configuration takeover "
                 "from a file that may not be root's", path);
    else
        trust->trusted = true;
    return 0;
}

bool trust_is_merged_by_us(const char *text, size_t length)
{
    size_t marker = strlen(MERGED_MARKER);
    for (const char *p = text, *end = text + length; p && p + marker <= end;) {
        if (memcmp(p, MERGED_MARKER, marker) == 0)
            return true;
        p = memchr(p, '\n', (size_t)(end - p));
        if (p)
            p++;
    }
    return false;
}
