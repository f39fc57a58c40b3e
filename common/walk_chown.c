/* walk_chown.c: give a tree an owner the way "chown -R -P -x" would, but on
 * fds, without touching entries that are already right, and leaving alone
 * hard-linked non-directories (a hard link made by a local user may be
 * /etc/shadow, or a device node), device nodes, other users' entries and
 * other filesystems. An entry is changed by name only in a directory where
 * nobody but root can swap it; elsewhere it is pinned by an O_PATH fd
 * first. Directories are changed after their entries, so that a root-owned
 * directory of an old install keeps that fast way for all its entries.
 * See walk.h. */
#define _GNU_SOURCE
#include "walk.h"
#include "fault.h"
#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct chown_walk {
    uid_t uid;
    gid_t gid;
    uid_t from_uid;
    bool dry_run;
    struct chown_stats *stats;
    walk_progress_fn *progress;
    void *progress_data;
    char *error;
    size_t error_size;
};

static bool right(const struct chown_walk *c, const struct stat *st)
{
    return st->st_uid == c->uid && st->st_gid == c->gid;
}

static int failed(struct chown_walk *c, const char *path)
{
    snprintf(c->error, c->error_size, "cannot change the owner of %s: %s", path, strerror(errno));
    return -1;
}

/* Note the first of a kind of entry left alone. */
static void left_alone(unsigned long long *count, char *first, size_t size, const char *path)
{
    if (!(*count)++)
        snprintf(first, size, "%s", path);
}

/* Root's, the runner's or the default runner's: ours to change. Another
 * user's entry (a directory with its tree) is that user's. */
static bool ours(const struct chown_walk *c, const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == c->uid ||
           (c->from_uid != (uid_t)-1 && st->st_uid == c->from_uid);
}

static int enter_directory(void *data, int fd, const struct stat *st, const char *path)
{
    (void)fd;
    struct chown_walk *c = data;
    if (ours(c, st))
        return 0;
    left_alone(&c->stats->foreign, c->stats->first_foreign, sizeof c->stats->first_foreign, path);
    return WALK_SKIP;
}

static int other_filesystem(void *data, const struct stat *st, const char *path)
{
    (void)st;
    struct chown_walk *c = data;
    left_alone(&c->stats->other_fs, c->stats->first_other_fs, sizeof c->stats->first_other_fs,
               path);
    return 0;
}

/* A directory after its entries, through its fd: until then it keeps its
 * owner, which lets its entries take the fast way below. */
static int chown_directory(void *data, int fd, const struct stat *st, const char *path)
{
    struct chown_walk *c = data;
    if (right(c, st))
        return 0;
    c->stats->changed++;
    if (!c->dry_run)
        FAULT_POINT("walk-chown");
    if (!c->dry_run && fchown(fd, c->uid, c->gid) < 0)
        return failed(c, path);
    return 0;
}

static int chown_other(void *data, int dir_fd, const struct stat *dir_st, const char *name,
                       const struct stat *st, const char *path)
{
    struct chown_walk *c = data;
    if (right(c, st))
        return 0;
    struct chown_stats *s = c->stats;
    if (!ours(c, st)) {
        left_alone(&s->foreign, s->first_foreign, sizeof s->first_foreign, path);
        return 0;
    }
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
        left_alone(&s->devices, s->first_device, sizeof s->first_device, path);
        return 0;
    }
    if (st->st_nlink > 1) {
        left_alone(&s->hard_links, s->first_hard_link, sizeof s->first_hard_link, path);
        return 0;
    }
    if (root_only_dir(dir_st)) {
        /* By name: the entry inspected is still the one there (a symlink
         * itself, with AT_SYMLINK_NOFOLLOW). One call instead of four. */
        c->stats->changed++;
        if (!c->dry_run)
            FAULT_POINT("walk-chown");
        if (!c->dry_run && fchownat(dir_fd, name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0 &&
            errno != ENOENT)
            return failed(c, path);
        return 0;
    }
    /* Pin the inode that was inspected, then change that one: by name, a
     * symlink swapped for a hard link to /etc/shadow after the lstat would
     * give that file away. O_PATH|O_NOFOLLOW pins a symlink itself, and
     * AT_EMPTY_PATH changes the link, never its target. */
    int fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : failed(c, path);
    struct stat pinned;
    int r = 0;
    if (fstat(fd, &pinned) < 0) {
        r = failed(c, path);
    } else if (pinned.st_dev != st->st_dev || pinned.st_ino != st->st_ino ||
               (pinned.st_mode & S_IFMT) != (st->st_mode & S_IFMT) ||
               pinned.st_nlink > 1 || !ours(c, &pinned)) {
        /* swapped or linked meanwhile: leave it */
    } else {
        c->stats->changed++;
        if (!c->dry_run)
            FAULT_POINT("walk-chown");
        if (!c->dry_run && fchownat(fd, "", c->uid, c->gid, AT_EMPTY_PATH) < 0)
            r = failed(c, path);
    }
    close(fd);
    return r;
}

static void report_progress(void *data, unsigned long long entries, const char *path)
{
    struct chown_walk *c = data;
    if (c->progress)
        c->progress(c->progress_data, entries, path);
}

int walk_chown(int start_fd, const char *start_path, uid_t uid, gid_t gid, uid_t from_uid,
               bool dry_run, walk_progress_fn *progress, void *progress_data,
               struct chown_stats *stats, char *error, size_t error_size)
{
    struct chown_walk c = {
        .uid = uid, .gid = gid, .from_uid = from_uid, .dry_run = dry_run, .stats = stats,
        .progress = progress, .progress_data = progress_data,
        .error = error, .error_size = error_size,
    };
    const struct walk_ops ops = {
        .directory = enter_directory,
        .other = chown_other,
        .leave = chown_directory,
        .other_fs = other_filesystem,
        .progress = report_progress,
    };
    memset(stats, 0, sizeof *stats);
    return walk_tree(start_fd, start_path, &ops, &c, &stats->entries, error, error_size);
}
