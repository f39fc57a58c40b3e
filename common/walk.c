/* walk.c: the fd-based tree walk (see walk.h). Each level of the walk is a
 * frame holding the directory's stream; beyond WALK_MAX_OPEN levels the
 * oldest open stream is closed, its position kept, and reopened from its
 * child through ".." (checked against its device and inode) on the way back
 * up. The open streams are always the start and one run of the deepest
 * levels, so closing the oldest is O(1). Names are kept in one path buffer
 * for messages, its length tracked per level (never measured again). */
#define _GNU_SOURCE
#include "walk.h"
#include "fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_EVERY 4096
#define PROGRESS_SECONDS 2

struct frame {
    DIR *dir;        /* NULL while closed to save fds */
    long position;   /* telldir() when closed */
    struct stat st;  /* the directory as opened */
    size_t path_length; /* length of the path buffer up to this directory */
    size_t name_offset; /* where this directory's name starts in the path */
};

struct walk {
    struct frame *frames;
    size_t depth, capacity, open_count;
    size_t first_open; /* frames 1 .. first_open-1 are closed, the rest open */
    char *path;
    size_t path_capacity;
    char *error;
    size_t error_size;
};

static int path_set(struct walk *w, size_t at, const char *name)
{
    size_t length = strlen(name);
    if (at + length + 2 > w->path_capacity) {
        size_t capacity = (at + length + 2) * 2;
        char *grown = realloc(w->path, capacity);
        if (!grown)
            return -1;
        w->path = grown;
        w->path_capacity = capacity;
    }
    w->path[at] = '/';
    memcpy(w->path + at + 1, name, length + 1);
    return 0;
}

static int fail(struct walk *w, const char *what)
{
    snprintf(w->error, w->error_size, "cannot %s %s: %s", what, w->path, strerror(errno));
    return -1;
}

/* Close the oldest open stream (keeping its place) while too many are open. */
static void limit_open(struct walk *w)
{
    if (w->first_open < 1)
        w->first_open = 1; /* the start directory's fd belongs to the caller */
    while (w->open_count >= WALK_MAX_OPEN && w->first_open + 1 < w->depth) {
        struct frame *f = &w->frames[w->first_open++];
        if (!f->dir)
            continue;
        f->position = telldir(f->dir);
        closedir(f->dir);
        f->dir = NULL;
        w->open_count--;
    }
}

/* Reopen the closed frame below the top through ".." of the top frame. */
static int reopen_parent(struct walk *w)
{
    struct frame *child = &w->frames[w->depth - 1], *parent = &w->frames[w->depth - 2];
    int fd = openat(dirfd(child->dir), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != parent->st.st_dev ||
        st.st_ino != parent->st.st_ino) {
        if (fd >= 0)
            close(fd);
        errno = ESTALE;
        w->path[parent->path_length] = '\0';
        return fail(w, "return to");
    }
    parent->dir = fdopendir(fd);
    if (!parent->dir) {
        close(fd);
        return fail(w, "reopen");
    }
    seekdir(parent->dir, parent->position);
    w->open_count++;
    w->first_open = w->depth - 2;
    return 0;
}

static int push(struct walk *w, int fd, const struct stat *st, size_t path_length,
                size_t name_offset)
{
    if (w->depth == w->capacity) {
        size_t capacity = w->capacity ? w->capacity * 2 : 32;
        struct frame *grown = realloc(w->frames, capacity * sizeof *grown);
        if (!grown)
            return -1;
        w->frames = grown;
        w->capacity = capacity;
    }
    limit_open(w);
    struct frame *f = &w->frames[w->depth];
    f->dir = fdopendir(fd);
    if (!f->dir)
        return -1;
    f->st = *st;
    f->path_length = path_length;
    f->name_offset = name_offset;
    w->depth++;
    w->open_count++;
    return 0;
}

static void release(struct walk *w)
{
    for (size_t i = 1; i < w->depth; i++)
        if (w->frames[i].dir)
            closedir(w->frames[i].dir);
    if (w->depth > 0 && w->frames[0].dir)
        closedir(w->frames[0].dir);
    free(w->frames);
    free(w->path);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int walk_tree(int start_fd, const char *start_path, const struct walk_ops *ops, void *data,
              unsigned long long *entries, char *error, size_t error_size)
{
    struct walk w = {.error = error, .error_size = error_size};
    unsigned long long seen = 1;
    double last_progress = now();
    struct stat st;
    int result = -1;

    w.path = strdup(start_path);
    w.path_capacity = w.path ? strlen(start_path) + 1 : 0;
    /* The caller's fd stays the caller's: walk a duplicate. */
    int fd = w.path ? fcntl(start_fd, F_DUPFD_CLOEXEC, 3) : -1;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        snprintf(error, error_size, "cannot walk %s: %s", start_path, strerror(errno));
        free(w.path);
        return -1;
    }
    if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE) { /* a duplicate shares the offset */
        close(fd);
        snprintf(error, error_size, "cannot walk %s: %s", start_path, strerror(errno));
        free(w.path);
        return -1;
    }
    int verdict = ops->directory ? ops->directory(data, fd, &st, w.path) : 0;
    if (verdict != 0) {
        close(fd);
        free(w.path);
        if (entries)
            *entries = seen;
        return verdict < 0 ? -1 : 0;
    }
    const dev_t device = st.st_dev;
    if (push(&w, fd, &st, strlen(w.path), 0) < 0) {
        close(fd);
        snprintf(error, error_size, "cannot walk %s: %s", start_path, strerror(errno));
        free(w.path);
        return -1;
    }

    while (w.depth > 0) {
        struct frame *top = &w.frames[w.depth - 1];
        w.path[top->path_length] = '\0';
        errno = 0;
        struct dirent *entry = readdir(top->dir);
        if (!entry) {
            if (errno) {
                fail(&w, "read directory");
                goto out;
            }
            /* Done with this directory: back to its parent. */
            if (ops->leave && ops->leave(data, dirfd(top->dir), &top->st, w.path) < 0)
                goto out;
            if (w.depth == 1)
                break;
            if (!w.frames[w.depth - 2].dir && reopen_parent(&w) < 0)
                goto out;
            struct frame *parent = &w.frames[w.depth - 2];
            char *name = w.path + top->name_offset;
            int parent_fd = dirfd(parent->dir);
            closedir(top->dir);
            top->dir = NULL;
            w.open_count--;
            w.depth--;
            if (ops->directory_done) {
                char *copy = strdup(name);
                if (!copy || ops->directory_done(data, parent_fd, copy, w.path) < 0) {
                    if (!copy)
                        fail(&w, "walk");
                    free(copy);
                    goto out;
                }
                free(copy);
            }
            continue;
        }
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        seen++;
        if (ops->progress && seen % PROGRESS_EVERY == 0 && now() - last_progress >= PROGRESS_SECONDS) {
            last_progress = now();
            ops->progress(data, seen, w.path);
        }
        int dir_fd = dirfd(top->dir);
        size_t name_offset = top->path_length + 1;
        if (path_set(&w, top->path_length, entry->d_name) < 0) {
            fail(&w, "walk");
            goto out;
        }
        if (fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue; /* vanished */
            fail(&w, "inspect");
            goto out;
        }
        if (st.st_dev != device) { /* a mount point, or a bind-mounted file */
            if (ops->other_fs && ops->other_fs(data, &st, w.path) < 0)
                goto out;
            continue;
        }
        FAULT_POINT("walk-entry"); /* between looking at an entry and acting on it */
        if (!S_ISDIR(st.st_mode)) {
            if (ops->other &&
                ops->other(data, dir_fd, &top->st, entry->d_name, &st, w.path) < 0)
                goto out;
            continue;
        }
        int child = openat(dir_fd, entry->d_name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat opened;
        if (child < 0) {
            if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
                continue; /* vanished or swapped for something else: not ours to follow */
            fail(&w, "open");
            goto out;
        }
        if (fstat(child, &opened) < 0 || opened.st_dev != st.st_dev || opened.st_ino != st.st_ino) {
            close(child); /* swapped between listing and opening */
            continue;
        }
        verdict = ops->directory ? ops->directory(data, child, &opened, w.path) : 0;
        if (verdict != 0) {
            close(child);
            if (verdict < 0)
                goto out;
            continue; /* WALK_SKIP */
        }
        if (push(&w, child, &opened, name_offset + strlen(entry->d_name), name_offset) < 0) {
            close(child);
            fail(&w, "open");
            goto out;
        }
    }
    result = 0;
out:
    if (entries)
        *entries = seen;
    release(&w);
    return result;
}
