/* atomicfile.c: atomic whole-file writes keeping owner and mode, one at a
 * time or in batches (see atomicfile.h). */
#define _GNU_SOURCE
#include "atomicfile.h"
#include "compat.h"
#include "fault.h"
#include "label.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEMP_SUFFIX ".leofs-upgrade-tmp"
#define TEMP_MAX 512

struct atomic_pending {
    int dir_fd;         /* a duplicate of the caller's */
    int fd;             /* the temporary file, written, not yet synced */
    struct stat dir_st; /* for the distinct directories of the fallback */
    int stage;
    bool replace;
    char *temp, *name, *path;
};

static int write_all(int fd, const char *data, size_t length)
{
    while (length) {
        ssize_t n = write(fd, data, length);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

/* Write the temporary file TEMP of NAME: its open fd, not synced, or -1
 * with errno (nothing left behind). */
static int write_temp(struct lu_context *ctx, int dir_fd, const char *name, const char *path,
                      const char *data, size_t length, const struct stat *like,
                      char temp[TEMP_MAX])
{
    struct stat st;
    if (snprintf(temp, TEMP_MAX, ".%s" TEMP_SUFFIX, name) >= TEMP_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* A temporary file left by an interrupted run is ours only if it is a
     * plain file with one link, owned by us or by the owner we give the new
     * file (a run killed after the chown leaves it so); anything else is
     * left alone. */
    if (fstatat(dir_fd, temp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        bool ours = st.st_uid == geteuid() ||
                    (st.st_uid == like->st_uid && st.st_gid == like->st_gid);
        if (!S_ISREG(st.st_mode) || !ours || st.st_nlink != 1) {
            errno = EEXIST;
            return -1;
        }
        if (unlinkat(dir_fd, temp, 0) < 0)
            return -1;
    }
    int fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    mode_t mode = like->st_mode & 07777;
    int r = write_all(fd, data, length);
    /* As the file was created, not as we are: in a set-group-ID dir (LeoFS
     * gives etc/ mode 2755 leofs:leofs) a new file takes the dir's group. */
    struct stat made;
    if (r == 0)
        r = fstat(fd, &made);
    if (r == 0 && (made.st_uid != like->st_uid || made.st_gid != like->st_gid))
        r = fchown(fd, like->st_uid, like->st_gid);
    if (r == 0)
        r = fchmod(fd, mode); /* after chown, which may clear set-id bits */
    if (r == 0)
        label_fd(ctx, fd, path, S_IFREG | mode);
    if (r == 0)
        return fd;
    int saved = errno;
    close(fd);
    unlinkat(dir_fd, temp, 0);
    errno = saved;
    return -1;
}

static int put_in_place(int dir_fd, const char *temp, const char *name, bool replace)
{
    FAULT_POINT("atomic-write");
    int r = replace ? renameat(dir_fd, temp, dir_fd, name)
                    : compat_rename_noreplace(dir_fd, temp, dir_fd, name);
    if (r < 0) {
        int saved = errno;
        unlinkat(dir_fd, temp, 0);
        errno = saved;
    }
    return r;
}

int atomic_write(struct lu_context *ctx, int dir_fd, const char *name, const char *path,
                 const char *data, size_t length, const struct stat *like, bool replace)
{
    char temp[TEMP_MAX];
    int fd = write_temp(ctx, dir_fd, name, path, data, length, like, temp);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    int saved = errno;
    close(fd);
    if (r < 0) {
        unlinkat(dir_fd, temp, 0);
        errno = saved;
        return -1;
    }
    if (put_in_place(dir_fd, temp, name, replace) < 0)
        return -1;
    FAULT_POINT("atomic-sync"); /* in place, not yet durable */
    return fsync(dir_fd);
}

void atomic_batch_init(struct atomic_batch *batch)
{
    memset(batch, 0, sizeof *batch);
}

int atomic_batch_write(struct lu_context *ctx, struct atomic_batch *batch, int stage, int dir_fd,
                       const char *name, const char *path, const char *data, size_t length,
                       const struct stat *like, bool replace)
{
    if (batch->count == batch->capacity) {
        size_t capacity = batch->capacity ? batch->capacity * 2 : 8;
        struct atomic_pending *grown = realloc(batch->items, capacity * sizeof *grown);
        if (!grown)
            return -1;
        batch->items = grown;
        batch->capacity = capacity;
    }
    struct atomic_pending *item = &batch->items[batch->count];
    char temp[TEMP_MAX];
    memset(item, 0, sizeof *item);
    item->stage = stage;
    item->replace = replace;
    item->dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
    if (item->dir_fd < 0 || fstat(item->dir_fd, &item->dir_st) < 0) {
        int saved = errno;
        if (item->dir_fd >= 0)
            close(item->dir_fd);
        errno = saved;
        return -1;
    }
    item->fd = write_temp(ctx, item->dir_fd, name, path, data, length, like, temp);
    if (item->fd >= 0) {
        /* Start writing it back now, so that the commit's fsync of each
         * file mostly finds it done (as dpkg does before its fsyncs); a
         * kernel without the call just waits longer there. */
        (void)sync_file_range(item->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        item->temp = strdup(temp);
        item->name = strdup(name);
        item->path = strdup(path);
        if (item->temp && item->name && item->path) {
            batch->count++;
            return 0;
        }
        close(item->fd);
        unlinkat(item->dir_fd, temp, 0);
        free(item->temp);
        free(item->name);
        free(item->path);
        errno = ENOMEM;
    }
    int saved = errno;
    close(item->dir_fd);
    errno = saved;
    return -1;
}

/* Is ITEMS[I]'s directory also that of an earlier one of STAGE among the
 * first I? */
static bool seen_before(const struct atomic_pending *items, size_t i, int stage)
{
    for (size_t j = 0; j < i; j++)
        if (items[j].stage == stage && items[j].dir_st.st_dev == items[i].dir_st.st_dev &&
            items[j].dir_st.st_ino == items[i].dir_st.st_ino)
            return true;
    return false;
}

/* Make durable the contents of every queued file (STAGE -1: an fsync of
 * each), or the names of stage STAGE's files (an fsync of each distinct
 * directory). Never syncfs: it would also wait for whatever anyone else
 * left dirty on the filesystem. -1 with errno and the path concerned. */
static int sync_batch(struct atomic_batch *batch, int stage, const char **failed)
{
    for (size_t i = 0; i < batch->count; i++) {
        struct atomic_pending *item = &batch->items[i];
        if (stage >= 0 && item->stage != stage)
            continue;
        int r = stage < 0 ? fsync(item->fd)
                          : seen_before(batch->items, i, stage) ? 0 : fsync(item->dir_fd);
        if (r < 0) {
            *failed = item->path;
            return -1;
        }
    }
    return 0;
}

/* Close and free ITEM; its temporary file, when not renamed, is removed. */
static void pending_free(struct atomic_pending *item)
{
    if (item->fd >= 0)
        close(item->fd);
    if (item->temp)
        unlinkat(item->dir_fd, item->temp, 0);
    close(item->dir_fd);
    free(item->temp);
    free(item->name);
    free(item->path);
}

static void batch_empty(struct atomic_batch *batch)
{
    for (size_t i = 0; i < batch->count; i++)
        pending_free(&batch->items[i]);
    batch->count = 0;
}

int atomic_batch_commit(struct atomic_batch *batch)
{
    free(batch->failed_path);
    batch->failed_path = NULL;
    const char *failed = NULL;
    int r = sync_batch(batch, -1, &failed);
    int last = -1;
    for (size_t i = 0; i < batch->count; i++)
        if (batch->items[i].stage > last)
            last = batch->items[i].stage;
    /* Stage by stage, each followed by the sync of its names. */
    for (int stage = 0; r == 0 && stage <= last; stage++) {
        bool any = false;
        for (size_t i = 0; r == 0 && i < batch->count; i++) {
            struct atomic_pending *item = &batch->items[i];
            if (item->stage != stage)
                continue;
            any = true;
            r = put_in_place(item->dir_fd, item->temp, item->name, item->replace);
            if (r < 0)
                failed = item->path;
            free(item->temp);
            item->temp = NULL; /* renamed, or removed by put_in_place */
        }
        if (any) {
            /* Even after a failed rename: the names put in place stay so. */
            int saved = errno;
            FAULT_POINT("atomic-sync"); /* in place, not yet durable */
            const char *sync_failed = NULL;
            if (sync_batch(batch, stage, &sync_failed) < 0 && r == 0) {
                r = -1;
                failed = sync_failed;
            } else if (r < 0) {
                errno = saved;
            }
        }
    }
    int saved = errno;
    if (r < 0 && failed)
        batch->failed_path = strdup(failed);
    batch_empty(batch); /* temporary files not renamed are removed */
    errno = saved;
    return r;
}

void atomic_batch_free(struct atomic_batch *batch)
{
    batch_empty(batch);
    free(batch->items);
    free(batch->failed_path);
    memset(batch, 0, sizeof *batch);
}
