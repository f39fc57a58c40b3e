/* walk.c: the fd-based tree walk (see walk.h). Each level of the walk is a
 * frame holding the directory's fd and a buffer of its entries, read with
 * getdents64 (as readdir does, without fdopendir's fstat and two fcntl per
 * directory); beyond WALK_MAX_OPEN levels the oldest open frame is closed,
 * its position (the offset of the last entry taken) kept, and reopened from
 * its child through ".." (checked against its device and inode) on the way
 * back up. The open frames are always the start and one run of the deepest
 * levels, so closing the oldest is O(1). An entry listed as a directory is
 * opened (O_DIRECTORY|O_NOFOLLOW) and inspected through its fd, without an
 * fstatat first. Names are kept in one path buffer for messages, its
 * length tracked per level (never measured again). */
#define _GNU_SOURCE
#include "walk.h"
#include "fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_EVERY 4096
#define PROGRESS_SECONDS 2
#define ENTRIES_BUFFER 32768 /* as glibc's readdir */

/* What getdents64 returns, as the kernel lays it out. */
struct entry64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

struct frame {
    int fd;          /* -1 while closed to save fds */
    char *buffer;    /* ENTRIES_BUFFER bytes while open */
    size_t next, end; /* the entries of the buffer not yet taken */
    long long position; /* d_off of the last entry taken: where to go on */
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

static void frame_close(struct frame *f)
{
    close(f->fd);
    f->fd = -1;
    free(f->buffer);
    f->buffer = NULL;
    f->next = f->end = 0;
}

/* Make F the open frame of FD, reading from POSITION. -1 with errno (FD
 * stays the caller's then). */
static int frame_open(struct frame *f, int fd, long long position)
{
    f->buffer = malloc(ENTRIES_BUFFER);
    if (!f->buffer || (position && lseek(fd, (off_t)position, SEEK_SET) < 0)) {
        int saved = f->buffer ? errno : ENOMEM;
        free(f->buffer);
        f->buffer = NULL;
        errno = saved;
        return -1;
    }
    f->fd = fd;
    f->next = f->end = 0;
    f->position = position;
    return 0;
}

/* The frame's next entry, or NULL at its end (errno 0) or on an error. */
static const struct entry64 *next_entry(struct frame *f)
{
    if (f->next >= f->end) {
        long n = syscall(SYS_getdents64, f->fd, f->buffer, ENTRIES_BUFFER);
        if (n <= 0) {
            /* A directory removed while open answers ENOENT: its end, as
             * glibc's readdir takes it (the walk skips what vanished). */
            if (n == 0 || errno == ENOENT)
                errno = 0;
            return NULL;
        }
        f->next = 0;
        f->end = (size_t)n;
    }
    const struct entry64 *entry = (const struct entry64 *)(f->buffer + f->next);
    f->next += entry->d_reclen;
    f->position = entry->d_off;
    return entry;
}

/* Close the oldest open frame (keeping its place) while too many are open. */
static void limit_open(struct walk *w)
{
    if (w->first_open < 1)
        w->first_open = 1; /* the start directory's fd belongs to the caller */
    while (w->open_count >= WALK_MAX_OPEN && w->first_open + 1 < w->depth) {
        struct frame *f = &w->frames[w->first_open++];
        if (f->fd < 0)
            continue;
        frame_close(f);
        w->open_count--;
    }
}

/* Reopen the closed frame below the top through ".." of the top frame. */
static int reopen_parent(struct walk *w)
{
    struct frame *child = &w->frames[w->depth - 1], *parent = &w->frames[w->depth - 2];
    int fd = openat(child->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != parent->st.st_dev ||
        st.st_ino != parent->st.st_ino) {
        if (fd >= 0)
            close(fd);
        errno = ESTALE;
        w->path[parent->path_length] = '\0';
        return fail(w, "return to");
    }
    if (frame_open(parent, fd, parent->position) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return fail(w, "reopen");
    }
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
    if (frame_open(f, fd, 0) < 0)
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
    for (size_t i = 0; i < w->depth; i++)
        if (w->frames[i].fd >= 0)
            frame_close(&w->frames[i]);
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
        const struct entry64 *entry = next_entry(top);
        if (!entry) {
            if (errno) {
                fail(&w, "read directory");
                goto out;
            }
            /* Done with this directory: back to its parent. */
            if (ops->leave && ops->leave(data, top->fd, &top->st, w.path) < 0)
                goto out;
            if (w.depth == 1)
                break;
            if (w.frames[w.depth - 2].fd < 0 && reopen_parent(&w) < 0)
                goto out;
            struct frame *parent = &w.frames[w.depth - 2];
            char *name = w.path + top->name_offset;
            int parent_fd = parent->fd;
            frame_close(top);
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
        int dir_fd = top->fd;
        size_t name_offset = top->path_length + 1;
        if (path_set(&w, top->path_length, entry->d_name) < 0) {
            fail(&w, "walk");
            goto out;
        }
        int child = -1;
        struct stat opened;
        bool faulted = false;
        if (entry->d_type == DT_DIR) {
            /* Listed as a directory: opened at once, looked at through the
             * fd (O_DIRECTORY fails on anything else before it is opened,
             * O_NOFOLLOW on a symlink swapped in). */
            FAULT_POINT("walk-entry"); /* between listing it and opening it */
            faulted = true;
            child = openat(dir_fd, entry->d_name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (child < 0 && errno == ENOENT)
                continue; /* vanished */
            if (child >= 0 && fstat(child, &opened) < 0) {
                fail(&w, "inspect");
                close(child);
                goto out;
            }
            if (child >= 0)
                st = opened;
            /* else swapped for something else: looked at below as any entry */
        }
        if (child < 0 && fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue; /* vanished */
            fail(&w, "inspect");
            goto out;
        }
        if (st.st_dev != device) { /* a mount point, or a bind-mounted file */
            if (child >= 0)
                close(child);
            if (ops->other_fs && ops->other_fs(data, &st, w.path) < 0)
                goto out;
            continue;
        }
        if (!faulted)
            FAULT_POINT("walk-entry"); /* between looking at an entry and acting on it */
        if (child < 0 && !S_ISDIR(st.st_mode)) {
            if (ops->other &&
                ops->other(data, dir_fd, &top->st, entry->d_name, &st, w.path) < 0)
                goto out;
            continue;
        }
        if (child < 0) {
            child = openat(dir_fd, entry->d_name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (child < 0) {
                if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
                    continue; /* vanished or swapped for something else: not ours to follow */
                fail(&w, "open");
                goto out;
            }
            if (fstat(child, &opened) < 0 || opened.st_dev != st.st_dev ||
                opened.st_ino != st.st_ino) {
                close(child); /* swapped between listing and opening */
                continue;
            }
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
