/* step_data_move.c: the "data-move" step: each node's data parts (avs,
 * cache, work/queue, work/mnesia, work/ord_reda, snmp/<agent>/db) move by
 * rename(2) from the version dir the package manager replaced into the new
 * one, before the config-takeover, so the new version is self-contained
 * and its config keeps its relative paths (the guide's "move every files to be moved into
 * the new directories").
 *
 * Only that fixed set of names inside the two node dirs moves, never a
 * path a config file names. A part moves only when the new dir has
 * nothing or only an empty dir (as the package ships it) in its place;
 * it stays, with a warning saying why and how to move it by hand, when it
 * is a symlink, a mount point, on another filesystem, when both versions
 * hold data (never two copies that both look live). Everything is
 * fd-based: the node dirs and the parts' parents are opened without
 * following symlinks and the rename is renameat between those fds. The
 * runner user may own the parents (work/ is its own): what it can swap in
 * between the check and the rename is caught after it (the moved entry
 * must be the very directory inode that was checked, else it is moved
 * back), and a real directory it owns, moved, gives it nothing it did not
 * have: the ownership step gives the new part to it anyway. Before the
 * rename the part gets the shipped dir's owner and mode (rpm -V stays
 * clean).
 *
 * A note (DATA_MOVE_NOTE) in the old node dir says where each part went,
 * written atomically before the renames from the state alone (parts to
 * move and parts already moved), so a run killed anywhere is finished by
 * a re-run with the same result. A note in the new node dir, left by an
 * earlier move out of it (a downgrade brings the data back), is removed.
 * The waits are batched: every node's note is written and made durable
 * together before the first rename, and after the last rename each dir the
 * renames changed is synced once (the first fsync commits them all).
 * The policy's `data-move = off` keeps the data where it is. */
#define _GNU_SOURCE
#include "atomicfile.h"
#include "config_save.h"
#include "context.h"
#include "epmd.h"
#include "fault.h"
#include "root.h"
#include "step_epmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PARTS 16
#define MAX_AGENTS 8

/* The parts every node type keeps under its own dir (leofs-facts.md). */
static const struct {
    const char *type; /* NULL: every type */
    const char *parent, *name;
} fixed_parts[] = {
    {"storage", NULL, "avs"},
    {"gateway", NULL, "cache"},
    {NULL, "work", "queue"},
    {"manager", "work", "mnesia"},
    {"storage", "work", "ord_reda"}, /* leo_ordning_reda's stacked objects not yet sent */
};

enum part_state {
    PART_NONE,    /* nothing to move: absent or empty in the old dir */
    PART_MOVE,    /* to be moved */
    PART_MOVED,   /* absent in the old dir, data in the new one */
    PART_LEFT,    /* stays in the old dir: why says why */
};

struct part {
    char rel[128];        /* "work/queue", relative to the node dir */
    char parent[96];      /* "work", "" for the node dir itself */
    const char *name;     /* the last component, inside rel */
    enum part_state state;
    char why[256];
    bool shipped;         /* the new dir has an empty dir in its place */
    bool split;           /* both versions hold data */
    struct stat shipped_st;
    struct stat old_st;
};

struct node_move {
    struct lu_context *ctx;
    struct lu_step *step;
    const struct lu_node *node;
    const char *old_version;
    char *old_node_dir, *new_node_dir;
    int old_fd, new_fd;
    struct part parts[MAX_PARTS];
    size_t count;
    size_t to_move;   /* parts judged PART_MOVE */
    bool note_queued; /* its note is in the step's batch */
    char *note;       /* the note's text while it is */
    bool note_failed; /* its note could not be written: nothing of it moves */
};

/* The dirs the renames changed, each synced once after all of them: one
 * wait for the journal instead of two per part. */
struct dir_syncs {
    struct {
        int fd;
        dev_t dev;
        ino_t ino;
        char *path;
    } dirs[2 * MAX_PARTS * LEOFS_NODE_COUNT];
    size_t count;
};

/* Open the directory REL (a plain relative path) under DIR_FD, following
 * no symlink. -1 with errno. */
static int open_dir_at(int dir_fd, const char *rel)
{
    if (!*rel)
        return fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    char copy[128];
    snprintf(copy, sizeof copy, "%s", rel);
    int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    char *save = NULL;
    for (char *piece = strtok_r(copy, "/", &save); piece && fd >= 0;
         piece = strtok_r(NULL, "/", &save)) {
        int next = openat(fd, piece, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(fd);
        errno = saved;
        fd = next;
    }
    return fd;
}

/* 1: the directory NAME in DIR_FD has entries; 0: empty; -1 with errno. */
static int has_entries(int dir_fd, const char *name)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return -1;
    }
    int found = 0;
    struct dirent *entry;
    while (!found && (entry = readdir(dir)))
        found = strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(dir);
    return found;
}

static void add_part(struct node_move *job, const char *parent, const char *name)
{
    if (job->count >= MAX_PARTS)
        return;
    struct part *part = &job->parts[job->count++];
    memset(part, 0, sizeof *part);
    snprintf(part->parent, sizeof part->parent, "%.80s", parent ? parent : "");
    snprintf(part->rel, sizeof part->rel, "%.80s%s%.16s", parent ? parent : "", parent ? "/" : "",
             name);
    part->name = part->rel + (*part->parent ? strlen(part->parent) + 1 : 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The fixed parts, and snmp/<agent>/db for each agent the new version ships. */
static void list_parts(struct node_move *job)
{
    for (size_t i = 0; i < sizeof fixed_parts / sizeof *fixed_parts; i++)
        if (!fixed_parts[i].type || strcmp(fixed_parts[i].type, job->node->type) == 0)
            add_part(job, fixed_parts[i].parent, fixed_parts[i].name);
    int fd = open_dir_at(job->new_fd, "snmp");
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return;
    }
    char agents[MAX_AGENTS][64];
    size_t count = 0;
    struct dirent *entry;
    while (count < MAX_AGENTS && (entry = readdir(dir))) {
        struct stat st;
        size_t n = strlen(entry->d_name);
        if (entry->d_name[0] == '.' || n >= sizeof agents[0] ||
            fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode))
            continue;
        memcpy(agents[count++], entry->d_name, n + 1);
    }
    closedir(dir);
    qsort(agents, count, sizeof agents[0], by_name);
    for (size_t i = 0; i < count; i++) {
        char parent[96];
        snprintf(parent, sizeof parent, "snmp/%.63s", agents[i]);
        add_part(job, parent, "db");
    }
}

static enum part_state left(struct part *part, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static enum part_state left(struct part *part, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(part->why, sizeof part->why, format, args);
    va_end(args);
    return part->state = PART_LEFT;
}

/* Decide what to do with PART (read-only). */
static enum part_state judge(struct node_move *job, struct part *part)
{
    int old_parent = open_dir_at(job->old_fd, part->parent);
    int new_parent = -1;
    enum part_state state = PART_NONE;
    bool absent = false;
    struct stat old_parent_st, new_parent_st, new_st;
    if (old_parent < 0) {
        absent = errno == ENOENT;
        if (!absent)
            state = left(part, "cannot open %s: %s", *part->parent ? part->parent : ".",
                         errno == ELOOP || errno == ENOTDIR ? "it is a symlink or not a dir"
                                                            : strerror(errno));
        goto done;
    }
    if (fstatat(old_parent, part->name, &part->old_st, AT_SYMLINK_NOFOLLOW) < 0) {
        absent = errno == ENOENT;
        if (!absent)
            state = left(part, "cannot read it: %s", strerror(errno));
        goto done;
    }
    if (S_ISLNK(part->old_st.st_mode)) {
        state = left(part, "it is a symlink (not followed and not moved)");
        goto done;
    }
    if (!S_ISDIR(part->old_st.st_mode)) {
        state = left(part, "it is not a directory");
        goto done;
    }
    int old_full = has_entries(old_parent, part->name);
    if (old_full < 0) {
        state = left(part, "cannot read it: %s", strerror(errno));
        goto done;
    }
    if (!old_full)
        goto done;
    if (fstat(old_parent, &old_parent_st) < 0 || old_parent_st.st_dev != part->old_st.st_dev) {
        state = left(part, "it is a mount point (a filesystem of its own)");
        goto done;
    }
    new_parent = open_dir_at(job->new_fd, part->parent);
    if (new_parent < 0 || fstat(new_parent, &new_parent_st) < 0) {
        state = left(part, "LeoFS %s has no %s dir to move it into (%s)", job->ctx->layout.version,
                     *part->parent ? part->parent : ".", strerror(errno));
        goto done;
    }
    if (new_parent_st.st_dev != old_parent_st.st_dev) {
        state = left(part, "LeoFS %s's dir is on another filesystem (a rename cannot move it)",
                     job->ctx->layout.version);
        goto done;
    }
    if (fstatat(new_parent, part->name, &new_st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISDIR(new_st.st_mode)) {
            state = left(part, "LeoFS %s has a %s in its place", job->ctx->layout.version,
                         S_ISLNK(new_st.st_mode) ? "symlink" : "file");
            goto done;
        }
        if (new_st.st_dev != new_parent_st.st_dev) {
            state = left(part, "LeoFS %s's %s is a mount point", job->ctx->layout.version,
                         part->rel);
            goto done;
        }
        int new_full = has_entries(new_parent, part->name);
        if (new_full != 0) {
            part->split = new_full > 0;
            state = left(part, "LeoFS %s's %s holds data too: both look live, so neither "
                         "moves; keep the right one", job->ctx->layout.version, part->rel);
            goto done;
        }
        part->shipped = true;
        part->shipped_st = new_st;
    } else if (errno != ENOENT) {
        state = left(part, "cannot read LeoFS %s's %s: %s", job->ctx->layout.version, part->rel,
                     strerror(errno));
        goto done;
    }
    state = PART_MOVE;
done:
    if (state == PART_NONE && absent) {
        /* Absent in the old dir: moved before when the new one holds data. */
        int np = open_dir_at(job->new_fd, part->parent);
        if (np >= 0 && has_entries(np, part->name) == 1)
            state = PART_MOVED;
        if (np >= 0)
            close(np);
    }
    if (old_parent >= 0)
        close(old_parent);
    if (new_parent >= 0)
        close(new_parent);
    return part->state = state;
}

/* The note's text from the parts' states; NULL when it lists nothing. */
static char *note_text(const struct node_move *job)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    bool any = false, kept = false;
    fprintf(out, "leofs-upgrade moved the data of %s from LeoFS %s into LeoFS %s:\n",
            job->node->dir, job->old_version, job->ctx->layout.version);
    for (size_t i = 0; i < job->count; i++) {
        const struct part *part = &job->parts[i];
        if (part->state == PART_MOVE || part->state == PART_MOVED) {
            fprintf(out, "%s -> %s/%s\n", part->rel, job->new_node_dir, part->rel);
            any = true;
        } else if (part->state == PART_LEFT) {
            fprintf(out, "%s stays here: %s\n", part->rel, part->why);
            kept = true;
        }
    }
    fputs(kept ? "Data stays in this dir: do not remove it before moving that by hand.\n"
               : "No data of the node is left in this dir.\n", out);
    if (fclose(out) != 0 || !any) {
        free(text);
        return NULL;
    }
    return text;
}

/* Does the old node dir's note say TEXT already? */
static bool note_says(struct node_move *job, const char *text)
{
    char *now = NULL;
    size_t length = 0;
    int fd = openat(job->old_fd, DATA_MOVE_NOTE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        if (read_fd(fd, 1u << 16, &now, &length) < 0)
            now = NULL;
        close(fd);
    }
    bool same = now && length == strlen(text) && memcmp(now, text, length) == 0;
    free(now);
    return same;
}

/* Write TEXT as the note in the old node dir unless it already says that:
 * queued in BATCH (written at its commit), or at once when BATCH is NULL. */
static int write_note(struct node_move *job, const char *text, struct atomic_batch *batch)
{
    if (note_says(job, text))
        return 0;
    char *path = path_join(job->old_node_dir, DATA_MOVE_NOTE);
    struct stat like = {.st_uid = 0, .st_gid = 0, .st_mode = S_IFREG | 0644};
    FAULT_POINT("data-move-note");
    int r = !path ? -1
            : batch ? atomic_batch_write(job->ctx, batch, 0, job->old_fd, DATA_MOVE_NOTE, path,
                                         text, strlen(text), &like, true)
                    : atomic_write(job->ctx, job->old_fd, DATA_MOVE_NOTE, path, text,
                                   strlen(text), &like, true);
    job->note_queued = batch && r == 0;
    free(path);
    return r;
}

/* Keep FD (the dir PATH, PARENT's part of a node dir) for the sync after
 * all renames, once per directory; FD is taken over either way. */
static void sync_later(struct dir_syncs *syncs, int fd, const char *node_dir, const char *parent)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return;
    }
    for (size_t i = 0; i < syncs->count; i++)
        if (syncs->dirs[i].dev == st.st_dev && syncs->dirs[i].ino == st.st_ino) {
            close(fd);
            return;
        }
    char *path = NULL;
    if (syncs->count == sizeof syncs->dirs / sizeof *syncs->dirs ||
        asprintf(&path, "%s%s%s", node_dir, *parent ? "/" : "", parent) < 0) {
        /* no room (never: two per part at most): synced at once instead */
        (void)fsync(fd);
        close(fd);
        return;
    }
    syncs->dirs[syncs->count].fd = fd;
    syncs->dirs[syncs->count].dev = st.st_dev;
    syncs->dirs[syncs->count].ino = st.st_ino;
    syncs->dirs[syncs->count++].path = path;
}

/* Make every rename durable: the first fsync commits them all, the later
 * ones find their dirs clean. Before the takeover writes relative paths to
 * the moved parts. */
static void sync_all(struct lu_context *ctx, struct lu_step *step, struct dir_syncs *syncs)
{
    for (size_t i = 0; i < syncs->count; i++) {
        if (fsync(syncs->dirs[i].fd) < 0)
            step_note(step, LU_LOG_WARNING, "cannot sync %s after moving data into or out of "
                      "it: %s", lu_display_path(ctx, syncs->dirs[i].path), strerror(errno));
        close(syncs->dirs[i].fd);
        free(syncs->dirs[i].path);
    }
    syncs->count = 0;
}

/* Move one part; PART_MOVED, or PART_LEFT with why. Its two parents go to
 * SYNCS. */
static enum part_state move_part(struct node_move *job, struct part *part, struct dir_syncs *syncs)
{
    int from = open_dir_at(job->old_fd, part->parent);
    int to = open_dir_at(job->new_fd, part->parent);
    int item = from >= 0 ? openat(from, part->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                         : -1;
    struct stat st;
    enum part_state state = PART_MOVED;
    if (to < 0 || item < 0 || fstat(item, &st) < 0 || st.st_dev != part->old_st.st_dev ||
        st.st_ino != part->old_st.st_ino) {
        state = left(part, "it changed while being looked at: re-run");
        goto done;
    }
    /* The package's owner and mode, before the rename: a re-run after a
     * crash between the two finds the same state. Only an owner the
     * package can have given (root or the node's runner user: the runner
     * may have made the empty dir in a work/ of its own) and no set-uid. */
    const struct lu_account *runner = &job->node->runner;
    bool owner_ok = part->shipped && (part->shipped_st.st_uid == 0 ||
                                      (runner->found && part->shipped_st.st_uid == runner->uid));
    /* A mode the runner could have chosen (its own dir) is capped: never
     * writable by others or sticky (rpm's 2755 for LeoFS's dirs passes). */
    mode_t mode = part->shipped_st.st_mode & (part->shipped_st.st_uid == 0 ? 03777 : 02755);
    if (part->shipped && owner_ok) {
        if ((st.st_uid != part->shipped_st.st_uid || st.st_gid != part->shipped_st.st_gid) &&
            fchown(item, part->shipped_st.st_uid, part->shipped_st.st_gid) < 0) {
            state = left(part, "cannot give it the packaged owner: %s", strerror(errno));
            goto done;
        }
        if ((st.st_mode & 07777) != mode && fchmod(item, mode) < 0) {
            state = left(part, "cannot give it the packaged mode: %s", strerror(errno));
            goto done;
        }
    }
    FAULT_POINT("data-move");
    /* Onto the shipped empty dir, renameat replaces it atomically; a dir
     * someone filled meanwhile makes it fail with ENOTEMPTY or EEXIST. */
    if (renameat(from, part->name, to, part->name) < 0) {
        int saved = errno;
        if (part->shipped && owner_ok) { /* back as it was */
            if (fchown(item, st.st_uid, st.st_gid) < 0 || fchmod(item, st.st_mode & 07777) < 0)
                saved = saved ? saved : errno;
        }
        state = left(part, "rename failed: %s", saved == EXDEV ? "another filesystem (EXDEV)"
                                                : strerror(saved));
        goto done;
    }
    struct stat moved;
    if (fstatat(to, part->name, &moved, AT_SYMLINK_NOFOLLOW) < 0 || moved.st_dev != st.st_dev ||
        moved.st_ino != st.st_ino) {
        /* Swapped between the check and the rename: put it back. */
        if (renameat(to, part->name, from, part->name) < 0)
            step_note(job->step, LU_LOG_ERROR, "%s: %s/%s was swapped while being moved and "
                      "cannot be put back: %s", job->node->dir, job->new_node_dir, part->rel,
                      strerror(errno));
        state = left(part, "it was swapped while being moved: re-run");
    } else {
        sync_later(syncs, to, job->new_node_dir, part->parent);
        sync_later(syncs, from, job->old_node_dir, part->parent);
        to = from = -1;
    }
done:
    if (item >= 0)
        close(item);
    if (from >= 0)
        close(from);
    if (to >= 0)
        close(to);
    return part->state = state;
}

/* The hand-moving line for a part that stays. */
static void say_left(struct node_move *job, const struct part *part)
{
    if (part->split) {
        step_note(job->step, LU_LOG_WARNING, "%s: %s stays in %s/%s: %s; the config points "
                  "there. Compare it with %s/%s, keep the one the node needs and move the other "
                  "away, then re-run: leofs-upgrade post %s", job->node->dir, part->rel,
                  lu_display_path(job->ctx, job->old_node_dir), part->rel, part->why,
                  lu_display_path(job->ctx, job->new_node_dir), part->rel,
                  job->ctx->layout.version);
        return;
    }
    step_note(job->step, LU_LOG_WARNING, "%s: %s stays in %s/%s: %s; the config points there. "
              "To move it by hand with the node stopped: rmdir %s/%s; mv %s/%s %s/%s; then set "
              "the node's path back to ./%s", job->node->dir, part->rel,
              lu_display_path(job->ctx, job->old_node_dir), part->rel, part->why,
              lu_display_path(job->ctx, job->new_node_dir), part->rel,
              lu_display_path(job->ctx, job->old_node_dir), part->rel,
              lu_display_path(job->ctx, job->new_node_dir), part->rel, part->rel);
}

/* Decide what moves of one node, and queue its note in NOTES: every note
 * is durable before the first rename. */
static void prepare_node(struct node_move *job, struct atomic_batch *notes, bool *failed)
{
    struct lu_context *ctx = job->ctx;
    list_parts(job);
    for (size_t i = 0; i < job->count; i++)
        if (judge(job, &job->parts[i]) == PART_MOVE)
            job->to_move++;
    char *text = note_text(job);
    if (job->to_move && !ctx->dry_run && (!text || write_note(job, text, notes) < 0)) {
        step_note(job->step, LU_LOG_ERROR, "%s: cannot write %s/%s: %s; nothing of it moved",
                  job->node->dir, lu_display_path(ctx, job->old_node_dir), DATA_MOVE_NOTE,
                  strerror(errno));
        job->note_failed = true;
        *failed = true;
    }
    if (job->note_queued)
        job->note = text;
    else
        free(text);
}

/* After a commit of the notes that failed: the nodes whose note is in
 * place (the commit put those before the failure, whole and durable) go
 * on; the others move nothing, and say so. */
static void notes_failed(struct node_move *jobs, const struct atomic_batch *notes,
                         int saved_errno, bool *failed)
{
    const char *culprit = notes->failed_path ? notes->failed_path : "";
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        struct node_move *job = &jobs[i];
        if (!job->note_queued || note_says(job, job->note))
            continue;
        char *path = path_join(job->old_node_dir, DATA_MOVE_NOTE);
        const char *shown = lu_display_path(job->ctx, path ? path : job->old_node_dir);
        if (path && strcmp(path, culprit) == 0)
            step_note(job->step, LU_LOG_ERROR, "%s: cannot write %s: %s; nothing of it moved",
                      job->node->dir, shown, strerror(saved_errno));
        else
            step_note(job->step, LU_LOG_ERROR, "%s: %s was not written, as the note before it "
                      "failed; nothing of it moved", job->node->dir, shown);
        free(path);
        job->note_failed = true;
        *failed = true;
    }
}

/* Move one node's parts, once its note is in place; appends "avs,
 * work/queue of leo_storage; " to SUMMARY when something moved. Returns
 * the number of parts left. */
static int move_node(struct node_move *job, FILE *summary, bool *failed, struct dir_syncs *syncs)
{
    struct lu_context *ctx = job->ctx;
    size_t to_move = job->to_move;
    if (job->note_failed)
        return 0;
    /* The data comes back into the new dir: a note there from a move out
     * of it (before a downgrade) is no longer true. Removed before the
     * renames, so that a re-run after a crash finds it gone too. */
    if (to_move && !ctx->dry_run && unlinkat(job->new_fd, DATA_MOVE_NOTE, 0) == 0)
        step_note(job->step, LU_LOG_DETAIL, "%s: removed %s/%s (its data is back)",
                  job->node->dir, lu_display_path(ctx, job->new_node_dir), DATA_MOVE_NOTE);
    int left_count = 0;
    bool moved_any = false, first = true, move_failed = false;
    for (size_t i = 0; i < job->count; i++) {
        struct part *part = &job->parts[i];
        if (part->state == PART_MOVE) {
            step_change(job->step, "move %s/%s to %s/%s", job->old_node_dir, part->rel,
                        job->new_node_dir, part->rel);
            if (!ctx->dry_run && move_part(job, part, syncs) != PART_MOVED) {
                say_left(job, part);
                left_count++;
                move_failed = true;
                continue;
            }
            fprintf(summary, "%s%s", first ? "" : ", ", part->rel);
            first = false;
            moved_any = true;
        } else if (part->state == PART_LEFT) {
            say_left(job, part);
            left_count++;
        }
    }
    if (moved_any)
        fprintf(summary, " of %s; ", job->node->dir);
    /* A rename that failed after the note was written: the note says so
     * (or goes, when nothing moved). Otherwise the note stands as written
     * before the renames, which a re-run finds equal. */
    if (move_failed) {
        char *now = note_text(job);
        int r = now ? write_note(job, now, NULL) : unlinkat(job->old_fd, DATA_MOVE_NOTE, 0);
        if (r < 0 && (now || errno != ENOENT)) {
            step_note(job->step, LU_LOG_ERROR, "%s: cannot update %s/%s: %s", job->node->dir,
                      lu_display_path(ctx, job->old_node_dir), DATA_MOVE_NOTE, strerror(errno));
            *failed = true;
        }
        free(now);
    }
    return left_count;
}

/* Some node of VERSION keeps data in one of its parts. */
static bool holds_data(struct lu_context *ctx, const char *version)
{
    bool found = false;
    for (int i = 0; i < LEOFS_NODE_COUNT && !found; i++) {
        const struct lu_node *node = &ctx->layout.nodes[i];
        struct node_move job = {.ctx = ctx, .node = node, .old_fd = -1, .new_fd = -1};
        char *dir;
        if (asprintf(&dir, LEOFS_HOME "/%s/%s", version, node->dir) < 0)
            continue;
        job.old_fd = root_open(ctx->root_fd, dir, O_RDONLY | O_DIRECTORY, 0, 0);
        job.new_fd = job.old_fd >= 0 ? fcntl(job.old_fd, F_DUPFD_CLOEXEC, 0) : -1;
        if (job.new_fd >= 0)
            list_parts(&job); /* VERSION's own snmp agents */
        for (size_t p = 0; p < job.count && !found; p++) {
            int parent = open_dir_at(job.old_fd, job.parts[p].parent);
            found = parent >= 0 && has_entries(parent, job.parts[p].name) == 1;
            if (parent >= 0)
                close(parent);
        }
        if (job.old_fd >= 0)
            close(job.old_fd);
        if (job.new_fd >= 0)
            close(job.new_fd);
        free(dir);
    }
    return found;
}

/* The version whose data moves: the one the package manager replaced
 * (the request's, an upgrade's or a downgrade's); else the one the last
 * pre phase saw installed (dpkg's file trigger: config_save_replaced), as
 * the takeover's source. Unknown (leofs-upgrade post without
 * --old-version, no pre phase before): the newest older
 * version; only when that holds no data, the oldest newer version that
 * does (a downgrade: its data comes back). */
static char *choose_source(struct lu_context *ctx, char *why, size_t why_size)
{
    const char *new_version = ctx->layout.version;
    char *wanted = config_save_replaced_version(ctx);
    char **versions;
    int count = layout_list_versions(ctx->root_fd, &versions);
    if (count < 0) {
        snprintf(why, why_size, "cannot list %s: %s", lu_display_path(ctx, LEOFS_HOME),
                 strerror(errno));
        free(wanted);
        return NULL;
    }
    char *old = NULL;
    if (wanted && strcmp(wanted, new_version) == 0) {
        snprintf(why, why_size, "LeoFS %s replaced itself: no data to move", wanted);
    } else if (wanted && lu_version_is_name(wanted)) {
        for (int i = 0; i < count && !old; i++)
            if (strcmp(versions[i], wanted) == 0)
                old = strdup(wanted);
        if (!old)
            snprintf(why, why_size, "LeoFS %s's dir is gone: no data to move", wanted);
    } else {
        const char *older = NULL, *newer = NULL;
        for (int i = 0; i < count; i++) /* oldest first */
            if (lu_version_compare(versions[i], new_version) < 0)
                older = versions[i];
        if (!older || !holds_data(ctx, older))
            for (int i = 0; i < count && !newer; i++)
                if (lu_version_compare(versions[i], new_version) > 0 &&
                    holds_data(ctx, versions[i]))
                    newer = versions[i];
        const char *best = newer ? newer : older;
        if (best)
            old = strdup(best);
        else
            snprintf(why, why_size, "no other LeoFS version under %s: no data to move",
                     lu_display_path(ctx, LEOFS_HOME));
    }
    layout_free_versions(versions, count);
    free(wanted);
    return old;
}

/* A LeoFS node registered with this system's epmd: nothing moves under it. */
static bool node_running(struct lu_context *ctx, struct lu_step *step, char *why, size_t size)
{
    if (!ctx->root_is_host && !ctx->policy.epmd_port)
        return false;
    int port = ctx->policy.epmd_port;
    char error[512];
    if (port <= 0 && (port = epmd_port_from_env(error, sizeof error)) < 0)
        return false;
    struct epmd_verdict verdict;
    if (epmd_judge(ctx, step, port, NULL, "re-run: leofs-upgrade post", &verdict) !=
        LU_STATUS_REFUSED)
        return false;
    snprintf(why, size, "%s", verdict.message);
    return true;
}

enum lu_status step_data_move(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_DATA_MOVE);
    if (!ctx->layout.version)
        return step_finish(step, LU_STATUS_SKIPPED, "no LeoFS version is installed");
    char why[1600];
    if (ctx->request->replaced_nothing)
        return step_finish(step, LU_STATUS_SKIPPED, "the package manager replaced no LeoFS "
                           "version: the data of what stays installed stays with it");
    char *old = choose_source(ctx, why, sizeof why);
    if (!old)
        return step_finish(step, LU_STATUS_SKIPPED, "%s", why);
    if (node_running(ctx, step, why, sizeof why)) {
        free(old);
        return step_finish(step, LU_STATUS_REFUSED, "no data moved: %s", why);
    }
    char *old_dir = path_join(LEOFS_HOME, old);
    char *text = NULL;
    size_t text_size = 0;
    FILE *summary = old_dir ? open_memstream(&text, &text_size) : NULL;
    if (!summary) {
        free(old);
        free(old_dir);
        return step_finish(step, LU_STATUS_FAILED, "out of memory");
    }
    int left_count = 0;
    bool failed = false;
    /* Every node's plan and note first, the notes made durable together;
     * then the renames; then one sync of each dir they changed. */
    struct node_move *jobs = calloc(LEOFS_NODE_COUNT, sizeof *jobs);
    struct dir_syncs *syncs = calloc(1, sizeof *syncs);
    struct atomic_batch notes;
    atomic_batch_init(&notes);
    if (!jobs || !syncs) {
        free(jobs);
        free(syncs);
        fclose(summary);
        free(text);
        free(old);
        free(old_dir);
        return step_finish(step, LU_STATUS_FAILED, "out of memory");
    }
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        const struct lu_node *node = &ctx->layout.nodes[i];
        struct node_move *job = &jobs[i];
        *job = (struct node_move){.ctx = ctx, .step = step, .node = node, .old_version = old,
                                  .old_fd = -1, .new_fd = -1};
        if (!node->present)
            continue;
        job->old_node_dir = path_join(old_dir, node->dir);
        job->new_node_dir = strdup(node->node_dir);
        if (!job->old_node_dir || !job->new_node_dir)
            continue;
        job->old_fd = root_open(ctx->root_fd, job->old_node_dir, O_RDONLY | O_DIRECTORY, 0, 0);
        int old_errno = errno;
        job->new_fd = root_open(ctx->root_fd, job->new_node_dir, O_RDONLY | O_DIRECTORY, 0, 0);
        if (job->old_fd < 0 && old_errno != ENOENT) {
            step_note(step, LU_LOG_WARNING, "%s: cannot open %s: %s: its data stays there",
                      node->dir, lu_display_path(ctx, job->old_node_dir),
                      old_errno == ELOOP ? "it is a symlink" : strerror(old_errno));
            left_count++;
        } else if (job->old_fd >= 0 && job->new_fd < 0) {
            step_note(step, LU_LOG_ERROR, "%s: cannot open %s: %s", node->dir,
                      lu_display_path(ctx, job->new_node_dir),
                      errno == ELOOP ? "it is a symlink" : strerror(errno));
            failed = true;
        } else if (job->old_fd >= 0) {
            prepare_node(job, &notes, &failed);
        }
    }
    if (notes.count && atomic_batch_commit(&notes) < 0)
        notes_failed(jobs, &notes, errno, &failed);
    atomic_batch_free(&notes);
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        struct node_move *job = &jobs[i];
        if (job->old_fd >= 0 && job->new_fd >= 0)
            left_count += move_node(job, summary, &failed, syncs);
    }
    sync_all(ctx, step, syncs);
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        if (jobs[i].old_fd >= 0)
            close(jobs[i].old_fd);
        if (jobs[i].new_fd >= 0)
            close(jobs[i].new_fd);
        free(jobs[i].old_node_dir);
        free(jobs[i].new_node_dir);
        free(jobs[i].note);
    }
    free(jobs);
    free(syncs);
    fclose(summary);
    size_t length = text ? strlen(text) : 0;
    if (length >= 2)
        text[length - 2] = '\0';
    enum lu_status status;
    if (failed)
        status = step_finish(step, LU_STATUS_FAILED, "from %s to %s: %s%s%sfix what is named "
                             "and re-run: leofs-upgrade post %s", old, ctx->layout.version,
                             length ? "moved " : "", length ? text : "", length ? "; " : "",
                             ctx->layout.version);
    else if (left_count)
        status = step_finish(step, LU_STATUS_WARNING, "%s%s%s data stays in LeoFS %s's dir (see "
                             "above): do not remove %s before moving it by hand",
                             length ? "moved " : "", length ? text : "", length ? "; other" : "some",
                             old, lu_display_path(ctx, old_dir));
    else if (length)
        status = step_finish(step, LU_STATUS_UNCHANGED, "moved %s from %s to %s", text, old,
                             ctx->layout.version);
    else
        status = step_finish(step, LU_STATUS_UNCHANGED, "no data of LeoFS %s to move", old);
    free(text);
    free(old);
    free(old_dir);
    return status;
}
