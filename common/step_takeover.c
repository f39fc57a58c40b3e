/* step_takeover.c: the "config-takeover" step: carry each node's settings
 * from the old version dir into the new one (rules in takeover.h).
 *
 * Where the old version's shipped defaults come from: the package manager
 * never touched the old files, the operator edited them in place, so the
 * old file alone cannot tell an edit from a default. A value is "not
 * changed" when it equals (1) the new version's shipped value, or (2) the
 * old version's shipped value, read from a copy beside the old file:
 * .leofs-dist (left by an earlier takeover), .rpmnew or .dpkg-dist (left
 * by the package manager), or (3) the known default in confdefaults.c.
 * Anything else counts as the operator's and is kept: when unsure, the
 * node keeps running with what it ran with. (.dpkg-old is not used: it is
 * an operator's earlier file, not a shipped one.) An old file that is gone
 * but for .rpmsave (rpm -U renames an edited config file of the erased
 * package) is read from there; when it is gone entirely it was not edited
 * (rpm erases unedited ones), so the new shipped file stands in for it and
 * only the data paths are carried over. A copy saved before the package
 * manager unpacked (config_save.h: dpkg deletes LeoFS's official .debs'
 * unmarked config files) is preferred to all of these, and removed once
 * the takeover from that version succeeded. A reinstall (the save is of
 * the version installed now) puts the saved files back instead
 * (restore_node).
 *
 * Nothing is lost: the new shipped file is kept as <name>.leofs-dist
 * before the merged file replaces it atomically with the same owner and
 * mode. A re-run finds the file equal to the merge and does nothing; a
 * file changed since the takeover, or one the package manager kept as the
 * operator's (a .rpmnew/.dpkg-dist beside it), is left alone. All files of
 * a node are read and merged before any is written, so bad input (a
 * malformed line, a key set twice, binary data, a symlink) writes nothing
 * for that node. */
#define _GNU_SOURCE
#include "atomicfile.h"
#include "config_save.h"
#include "confdoc.h"
#include "context.h"
#include "fault.h"
#include "root.h"
#include "takeover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_LIMIT (1u << 20)
#define DIST_SUFFIX ".leofs-dist"

enum action { ACT_NONE, ACT_WRITE, ACT_LEFT };

struct side {
    char *text;
    size_t length;
    struct stat st;
    bool present;
    const char *suffix; /* which file it came from: "" or ".rpmsave"... */
    const char *dir;    /* the dir it came from, for messages */
};

struct node_file {
    char name[64];          /* "leo_storage.conf" */
    enum confdoc_syntax syntax;
    char *new_path;         /* inside the root */
    struct side now, dist, old, old_shipped;
    bool pm_kept;           /* .rpmnew/.dpkg-dist beside the new file */
    struct takeover_result result;
    bool merged_ok;
    char *merged;
    size_t merged_length;
    enum action action;
    const char *why;        /* for ACT_NONE/ACT_LEFT */
};

struct node_job {
    struct lu_context *ctx;
    struct lu_step *step;
    const struct lu_node *node;
    const char *old_version, *new_version;
    char *old_version_dir, *old_node_dir;
    char *old_etc, *new_etc;
    int old_etc_fd, new_etc_fd;
    int saved_fd;           /* the node's save (config_save.h), -1 when none */
    struct atomic_batch *batch; /* the step's writes, put in place together */
    char *saved_dir;
    struct node_file files[2];
    char error[1024];
};

static void side_free(struct side *side)
{
    free(side->text);
    memset(side, 0, sizeof *side);
}

static bool exists_in_root(void *data, const char *path)
{
    int root_fd = *(int *)data;
    int fd = root_open(root_fd, path, O_PATH, 0, 0);
    if (fd >= 0) {
        close(fd);
        return true;
    }
    return errno == ELOOP; /* a symlink is something there */
}

/* PATH is there and not an empty directory (a symlink counts: something
 * is there). */
static bool holds_data_in_root(void *data, const char *path)
{
    int root_fd = *(int *)data;
    int fd = root_open(root_fd, path, O_RDONLY | O_NONBLOCK, 0, 0);
    if (fd < 0)
        return errno == ELOOP;
    struct stat st;
    DIR *dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? fdopendir(fd) : NULL;
    if (!dir) {
        close(fd);
        return true;
    }
    bool found = false;
    struct dirent *entry;
    while (!found && (entry = readdir(dir)))
        found = strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(dir);
    return found;
}

/* Read NAME+SUFFIX in DIR_FD (a regular file, never through a symlink).
 * 0 and present; 0 and absent; or -1 with a message in JOB->error. */
static int read_side(struct node_job *job, int dir_fd, const char *dir, const char *name,
                     const char *suffix, struct side *side)
{
    char full[128];
    snprintf(full, sizeof full, "%s%s", name, suffix);
    memset(side, 0, sizeof *side);
    if (dir_fd < 0)
        return 0;
    /* Looked at before it is opened (opening a device node may act), then
     * checked again on the open file. */
    struct stat before;
    bool looked = fstatat(dir_fd, full, &before, AT_SYMLINK_NOFOLLOW) == 0;
    int fd = !looked ? -1
             : S_ISREG(before.st_mode)
                 ? openat(dir_fd, full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
                 : (errno = S_ISLNK(before.st_mode) ? ELOOP : 0, -1);
    int open_error = fd < 0 ? errno : 0;
    char *path = path_join(dir, full);
    const char *shown = lu_display_path(job->ctx, path ? path : full);
    const struct lu_account *runner = &job->node->runner;
    int r = -1;
    if (looked && fd < 0 && open_error == 0) {
        snprintf(job->error, sizeof job->error, "%s is not a regular file: move it away and re-run",
                 shown);
    } else if (fd >= 0 && (fstat(fd, &side->st) < 0 || side->st.st_dev != before.st_dev ||
                           side->st.st_ino != before.st_ino)) {
        snprintf(job->error, sizeof job->error, "%s changed while being read: re-run", shown);
    } else if (fd >= 0 && side->st.st_nlink != 1) {
        /* Another name of the same file may be anything, /etc/shadow too. */
        snprintf(job->error, sizeof job->error, "%s has %u hard links: configuration files are "
                 "read only when they have one; replace it with a copy of its own and re-run",
                 shown, (unsigned)side->st.st_nlink);
    } else if (fd >= 0 && dir_fd != job->saved_fd && side->st.st_uid != 0 &&
               !(runner->found && side->st.st_uid == runner->uid)) {
        /* (A saved copy keeps its file's owner, maybe another phase's
         * runner: inside root's 0700 save only root can have written it.) */
        snprintf(job->error, sizeof job->error, "%s is owned by uid %u, neither root nor the runner "
                 "user: it is not read; give it to root or %s and re-run", shown,
                 (unsigned)side->st.st_uid, runner->user ? runner->user : LEOFS_DEFAULT_USER);
    } else if (fd < 0 && open_error == ENOENT) {
        r = 0;
    } else if (fd < 0 && open_error == ELOOP) {
        snprintf(job->error, sizeof job->error, "%s is a symlink: configuration files are never "
                 "read or written through a link; replace it with a regular file and re-run",
                 shown);
    } else if (fd < 0) {
        snprintf(job->error, sizeof job->error, "cannot open %s: %s", shown, strerror(open_error));
    } else if (!S_ISREG(side->st.st_mode)) {
        snprintf(job->error, sizeof job->error, "%s is not a regular file: move it away and re-run",
                 shown);
    } else if (read_fd(fd, CONF_LIMIT, &side->text, &side->length) < 0) {
        snprintf(job->error, sizeof job->error, "cannot read %s: %s", shown,
                 errno == EFBIG ? "larger than 1 MiB, not a LeoFS configuration file"
                                : strerror(errno));
    } else {
        side->present = true;
        side->suffix = suffix;
        side->dir = dir;
        r = 0;
    }
    if (fd >= 0)
        close(fd);
    free(path);
    return r;
}

static bool has_sibling(int dir_fd, const char *name, const char *suffix)
{
    char full[128];
    struct stat st;
    snprintf(full, sizeof full, "%s%s", name, suffix);
    return dir_fd >= 0 && fstatat(dir_fd, full, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int parse_side(struct node_job *job, const struct side *side, const char *dir,
                      const struct node_file *file, struct confdoc *doc)
{
    char full[128];
    snprintf(full, sizeof full, "%s%s", file->name, side->suffix ? side->suffix : "");
    char *path = path_join(side->dir ? side->dir : dir, full);
    int r = confdoc_parse(side->text, side->length, lu_display_path(job->ctx, path ? path : full),
                          file->syntax, doc, job->error, sizeof job->error);
    free(path);
    return r;
}

/* Is time A at or after time B? */
static bool not_older(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

/* The saved copy of FILE's NAME into SIDE: under its own name (root's
 * choice: *TRUSTED, when TRUSTED is given) or marked (config_save.h). */
static int read_saved(struct node_job *job, const char *name, struct side *side, bool *trusted)
{
    for (size_t i = 0; i < 2 && !side->present; i++) {
        if (read_side(job, job->saved_fd, job->saved_dir, name, i ? CONFIG_SAVE_UNTRUSTED : "",
                      side) < 0)
            return -1;
        if (trusted)
            *trusted = side->present && i == 0;
    }
    return 0;
}

/* Can the runner read a file of owner, group and mode LIKE? */
static bool runner_reads(const struct lu_account *runner, const struct stat *like)
{
    mode_t bit = runner->uid == like->st_uid   ? S_IRUSR
                 : runner->gid == like->st_gid ? S_IRGRP
                                               : S_IROTH;
    return runner->uid == 0 || (like->st_mode & bit);
}

/* The owner, group and mode a rewritten file gets (the merge, a file put
 * back): the shipped file's, narrowed by the operator's file it comes
 * from (FILE->old: as it was, or its save, which keeps them): permission
 * bits never wider than the shipped file's for group and others, the
 * operator's group when it is the runner's, and with TAKE_OWNER (a
 * reinstall: the same runner as before) the operator's owner when root
 * or the runner. A node must start with its file: when the runner cannot
 * read the result (a root-only 0600 file of a node that ran as root, taken
 * over for one that runs as leofs), the runner's group is given read
 * (root:leofs 0640), never others; an unknown runner keeps the result. */
static struct stat written_like(const struct node_job *job, const struct node_file *file,
                                bool take_owner)
{
    struct stat like = file->now.st;
    const struct stat *was = &file->old.st;
    const struct lu_account *runner = &job->node->runner;
    if (!file->old.present)
        return like;
    like.st_mode = (like.st_mode & ~(mode_t)0777) |
                   (was->st_mode & (like.st_mode | S_IRWXU) & 0777);
    if (runner->found && was->st_gid == runner->gid)
        like.st_gid = was->st_gid;
    if (take_owner && (was->st_uid == 0 || (runner->found && was->st_uid == runner->uid)))
        like.st_uid = was->st_uid;
    if (!runner->found || runner_reads(runner, &like))
        return like;
    like.st_gid = runner->gid;
    like.st_mode |= S_IRGRP & file->now.st.st_mode;
    return runner_reads(runner, &like) ? like : file->now.st;
}

/* Read and merge one file of the node. -1 with JOB->error. */
static int prepare_file(struct node_job *job, struct node_file *file)
{
    static const char *const old_saved[] = {"", ".rpmsave"};
    static const char *const old_dist[] = {DIST_SUFFIX, ".rpmnew", ".dpkg-dist"};

    file->new_path = path_join(job->new_etc, file->name);
    if (read_side(job, job->new_etc_fd, job->new_etc, file->name, "", &file->now) < 0 ||
        read_side(job, job->new_etc_fd, job->new_etc, file->name, DIST_SUFFIX, &file->dist) < 0)
        return -1;
    if (!file->now.present) {
        file->why = "not shipped by the new version";
        return 0;
    }
    file->pm_kept = has_sibling(job->new_etc_fd, file->name, ".rpmnew") ||
                    has_sibling(job->new_etc_fd, file->name, ".dpkg-dist");
    if (read_saved(job, file->name, &file->old, NULL) < 0)
        return -1;
    /* The old file itself, when the package manager left it: preferred to
     * a save older than its last change (a save an earlier run left). */
    struct side in_place = {0};
    for (size_t i = 0; i < 2 && !in_place.present; i++)
        if (read_side(job, job->old_etc_fd, job->old_etc, file->name, old_saved[i], &in_place) < 0)
            return -1;
    if (in_place.present &&
        (!file->old.present || !not_older(&file->old.st.st_mtim, &in_place.st.st_mtim))) {
        side_free(&file->old);
        file->old = in_place;
    } else {
        side_free(&in_place);
    }
    for (size_t i = 0; i < 3 && !file->old_shipped.present; i++)
        if (read_side(job, job->old_etc_fd, job->old_etc, file->name, old_dist[i],
                      &file->old_shipped) < 0)
            return -1;
    if (!file->old.present && file->syntax == CONFDOC_SHELL) {
        file->why = "no such file in the old version";
        return 0;
    }

    const struct side *shipped = file->dist.present ? &file->dist : &file->now;
    struct confdoc new_doc, old_doc, old_shipped_doc;
    bool have_old_shipped = false;
    if (parse_side(job, shipped, job->new_etc, file, &new_doc) < 0)
        return -1;
    if (file->old.present) {
        if (parse_side(job, &file->old, job->old_etc, file, &old_doc) < 0) {
            confdoc_free(&new_doc);
            return -1;
        }
    } else if (confdoc_copy(&new_doc, &old_doc) < 0) {
        confdoc_free(&new_doc);
        snprintf(job->error, sizeof job->error, "out of memory");
        return -1;
    } else {
        step_note(job->step, LU_LOG_DETAIL, "%s: no %s in LeoFS %s (the package manager removes "
                  "an unedited one): its defaults are assumed, only data paths are carried over",
                  job->node->dir, file->name, job->old_version);
    }
    if (file->old_shipped.present) {
        char saved[sizeof job->error];
        memcpy(saved, job->error, sizeof saved);
        if (parse_side(job, &file->old_shipped, job->old_etc, file, &old_shipped_doc) == 0)
            have_old_shipped = true;
        else
            step_note(job->step, LU_LOG_WARNING, "ignoring the old shipped copy: %s", job->error);
        memcpy(job->error, saved, sizeof saved);
    }

    int root_fd = job->ctx->root_fd;
    struct takeover_input in = {
        .type = job->node->type,
        .old_version = job->old_version,
        .new_version = job->new_version,
        .old_version_dir = job->old_version_dir,
        .old_node_dir = job->old_node_dir,
        .new_node_dir = job->node->node_dir,
        .old_doc = &old_doc,
        .old_shipped = have_old_shipped ? &old_shipped_doc : NULL,
        .new_shipped = &new_doc,
        .exists = exists_in_root,
        .holds_data = holds_data_in_root,
        .exists_data = &root_fd,
    };
    int r = takeover_merge(&in, &file->result);
    if (r == 0) {
        file->merged_ok = true;
        file->merged = confdoc_render(&file->result.merged, &file->merged_length);
        r = file->merged ? 0 : -1;
    }
    confdoc_free(&new_doc);
    confdoc_free(&old_doc);
    if (have_old_shipped)
        confdoc_free(&old_shipped_doc);
    if (r < 0) {
        snprintf(job->error, sizeof job->error, "out of memory merging %s", file->name);
        return -1;
    }

    bool same = file->merged_length == file->now.length &&
                memcmp(file->merged, file->now.text, file->now.length) == 0;
    bool now_is_dist = file->dist.present && file->dist.length == file->now.length &&
                       memcmp(file->dist.text, file->now.text, file->now.length) == 0;
    if (same)
        file->why = file->dist.present ? "already taken over" : "nothing to take over";
    else if (file->dist.present && !now_is_dist) {
        file->action = ACT_LEFT;
        file->why = "changed since the takeover";
    } else if (!file->dist.present && file->pm_kept) {
        file->action = ACT_LEFT;
        file->why = "the package manager kept it as edited (a .rpmnew or .dpkg-dist is beside it)";
    } else {
        file->action = ACT_WRITE;
    }
    return 0;
}

static int write_file(struct node_job *job, struct node_file *file)
{
    char dist_name[128];
    snprintf(dist_name, sizeof dist_name, "%s" DIST_SUFFIX, file->name);
    char *dist_path = path_join(job->new_etc, dist_name);
    int r = 0;
    if (!file->dist.present)
        r = atomic_batch_write(job->ctx, job->batch, 0, job->new_etc_fd, dist_name, dist_path,
                               file->now.text, file->now.length, &file->now.st, false);
    FAULT_POINT("takeover-write");
    struct stat like = written_like(job, file, false);
    if (r == 0)
        r = atomic_batch_write(job->ctx, job->batch, 1, job->new_etc_fd, file->name,
                               file->new_path, file->merged, file->merged_length, &like, true);
    if (r < 0)
        snprintf(job->error, sizeof job->error, "cannot write %s: %s%s",
                 lu_display_path(job->ctx, file->new_path),
                 strerror(errno),
                 errno == EEXIST ? " (a file is in the way of the shipped copy or the temporary "
                                   "file: move it away and re-run)" : "");
    free(dist_path);
    return r;
}

static void job_free(struct node_job *job)
{
    for (int i = 0; i < 2; i++) {
        struct node_file *file = &job->files[i];
        free(file->new_path);
        side_free(&file->now);
        side_free(&file->dist);
        side_free(&file->old);
        side_free(&file->old_shipped);
        if (file->merged_ok)
            takeover_result_free(&file->result);
        free(file->merged);
    }
    if (job->old_etc_fd >= 0)
        close(job->old_etc_fd);
    if (job->new_etc_fd >= 0)
        close(job->new_etc_fd);
    if (job->saved_fd >= 0)
        close(job->saved_fd);
    free(job->saved_dir);
    free(job->old_node_dir);
    free(job->old_etc);
    free(job->new_etc);
}

/* "leo_storage: 1 kept, 2 added; " with the kinds that happened (see takeover.h). */
static void put_counts(FILE *summary, const char *node_dir, const size_t counts[TAKEOVER_KINDS])
{
    static const char *const names[TAKEOVER_KINDS] = {
        [TAKEOVER_KEPT] = "kept", [TAKEOVER_ADDED] = "added", [TAKEOVER_ADJUSTED] = "adjusted",
        [TAKEOVER_DEFAULT] = "new defaults", [TAKEOVER_DROPPED] = "dropped",
        [TAKEOVER_PINNED] = "pinned to an old version dir"};
    const char *separator = ": ";
    fputs(node_dir, summary);
    for (int kind = 0; kind < TAKEOVER_KINDS; kind++)
        if (counts[kind]) {
            fprintf(summary, "%s%zu %s", separator, counts[kind], names[kind]);
            separator = ", ";
        }
    fputs(*separator == ':' ? ": file rewritten; " : "; ", summary);
}

enum node_outcome { NODE_ABSENT, NODE_SAME, NODE_WRITTEN, NODE_PINNED, NODE_LEFT, NODE_FAILED };

/* Take over one node; append its summary to SUMMARY. */
static enum node_outcome take_over_node(struct lu_context *ctx, struct lu_step *step,
                                        const struct lu_node *node, const char *old_version,
                                        char *old_version_dir, struct atomic_batch *batch,
                                        FILE *summary)
{
    struct node_job job = {
        .ctx = ctx, .step = step, .node = node, .old_version = old_version, .batch = batch,
        .new_version = ctx->layout.version, .old_version_dir = old_version_dir,
        .old_etc_fd = -1, .new_etc_fd = -1, .saved_fd = -1,
    };
    enum node_outcome outcome = NODE_SAME;
    job.old_node_dir = path_join(old_version_dir, node->dir);
    job.saved_fd = config_save_open_node(ctx->root_fd, old_version, node->dir);
    if (job.saved_fd >= 0 && asprintf(&job.saved_dir, CONFIG_SAVE_HOME "/%s/%s", old_version,
                                      node->dir) < 0)
        job.saved_dir = NULL;
    int probe = root_open(ctx->root_fd, job.old_node_dir, O_PATH | O_DIRECTORY, 0, 0);
    if (probe < 0 && job.saved_fd >= 0 && job.saved_dir)
        probe = dup(job.saved_fd); /* the package manager removed the old dir: its save is left */
    if (!node->present || probe < 0) {
        if (probe >= 0)
            close(probe);
        if (!node->present)
            step_note(step, LU_LOG_DETAIL, "%s: not part of LeoFS %s: nothing to take over",
                      node->dir, job.new_version);
        else
            step_note(step, LU_LOG_DETAIL, "%s: LeoFS %s left no node dir (the package manager "
                      "removes one it shipped unedited): LeoFS %s's settings stay as shipped",
                      node->dir, old_version, job.new_version);
        job_free(&job);
        return NODE_ABSENT;
    }
    close(probe);
    job.old_etc = path_join(job.old_node_dir, "etc");
    job.new_etc = path_join(node->node_dir, "etc");
    job.old_etc_fd = root_open(ctx->root_fd, job.old_etc, O_RDONLY | O_DIRECTORY, 0, 0);
    job.new_etc_fd = root_open(ctx->root_fd, job.new_etc, O_RDONLY | O_DIRECTORY, 0, 0);
    if (job.new_etc_fd < 0 || (job.old_etc_fd < 0 && errno != ENOENT)) {
        bool is_new = job.new_etc_fd < 0;
        snprintf(job.error, sizeof job.error, "cannot open %s: %s",
                 lu_display_path(ctx, is_new ? job.new_etc : job.old_etc),
                 errno == ELOOP ? "it is a symlink not owned by root" : strerror(errno));
        outcome = NODE_FAILED;
        goto done;
    }
    snprintf(job.files[0].name, sizeof job.files[0].name, "leo_%s.conf", node->type);
    job.files[0].syntax = CONFDOC_CUTTLEFISH;
    snprintf(job.files[1].name, sizeof job.files[1].name, "leo_%s.environment", node->type);
    job.files[1].syntax = CONFDOC_SHELL;
    for (int i = 0; i < 2; i++)
        if (prepare_file(&job, &job.files[i]) < 0) {
            outcome = NODE_FAILED;
            goto done;
        }

    /* Everything is read and merged: now report and write. */
    size_t counts[TAKEOVER_KINDS] = {0};
    for (int i = 0; i < 2; i++) {
        struct node_file *file = &job.files[i];
        if (file->action == ACT_LEFT) {
            step_note(step, LU_LOG_WARNING, "%s: %s left alone: %s; compare it with %s" DIST_SUFFIX
                      " and LeoFS %s's file by hand", node->dir, file->name, file->why,
                      file->name, old_version);
            outcome = NODE_LEFT;
            continue;
        }
        if (file->action != ACT_WRITE)
            continue;
        for (size_t k = 0; k < file->result.item_count; k++) {
            step_change(step, "%s/%s: %s", node->dir, file->name, file->result.items[k].text);
            counts[file->result.items[k].kind]++;
            if (file->result.items[k].kind == TAKEOVER_DROPPED ||
                file->result.items[k].kind == TAKEOVER_PINNED)
                step_note(step, LU_LOG_WARNING, "%s/%s: %s", node->dir, file->name,
                          file->result.items[k].text);
        }
        step_change(step, "%s: %s, the shipped file kept as %s" DIST_SUFFIX,
                    file->new_path, file->dist.present ? "rewritten" : "taken over", file->name);
        if (!ctx->dry_run && write_file(&job, file) < 0) {
            outcome = NODE_FAILED;
            goto done;
        }
        if (outcome == NODE_SAME)
            outcome = NODE_WRITTEN;
    }
    bool counted = false;
    for (int kind = 0; kind < TAKEOVER_KINDS; kind++)
        counted |= counts[kind] > 0;
    if (counts[TAKEOVER_PINNED] && outcome == NODE_WRITTEN)
        outcome = NODE_PINNED;
    if (outcome == NODE_WRITTEN || outcome == NODE_PINNED || (outcome == NODE_LEFT && counted))
        put_counts(summary, node->dir, counts);
    else if (outcome == NODE_LEFT)
        fprintf(summary, "%s: left alone (%s); ", node->dir,
                job.files[0].action == ACT_LEFT ? job.files[0].why : job.files[1].why);
    else if (job.files[0].why && strcmp(job.files[0].why, "nothing to take over") != 0)
        fprintf(summary, "%s: %s; ", node->dir, job.files[0].why);
    else /* the shipped settings as they were: not worth the step's one line */
        step_note(step, LU_LOG_DETAIL, "%s: nothing to take over", node->dir);
done:
    if (outcome == NODE_FAILED) {
        step_note(step, LU_LOG_ERROR, "%s: %s", node->dir, job.error);
        fprintf(summary, "%s: %s, nothing written for this node; ", node->dir, job.error);
    }
    job_free(&job);
    return outcome;
}

/* What a reinstalled node's file needs (plan_restore). */
enum restore_plan { RESTORE_NOTHING, RESTORE_WRITE, RESTORE_LEFT };

/* The file the copy saved before the reinstall replaces is kept beside it:
 * as NAME.leofs-dist when the saved copy was not root's alone or an
 * earlier takeover had left one (that sibling also keeps the restored file
 * from passing for root's own choice, docs/SECURITY.md), else as
 * NAME.leofs-replaced, which nothing reads. */
#define REPLACED_SUFFIX ".leofs-replaced"

static bool same_text(const struct side *a, const struct side *b)
{
    return a->length == b->length && memcmp(a->text, b->text, a->length) == 0;
}

/* Read one file of a reinstalled node and decide. Put back: a saved copy
 * whose file dpkg or rpm has replaced with the shipped one (unpacked
 * files keep the archive's times, older than the save). Left alone: a
 * file written after the save, one missing, and a conffile dpkg replaced
 * with the operator's consent (this run's .dpkg-old holds the saved
 * content). -1 with JOB->error. */
static int plan_restore(struct node_job *job, struct node_file *file, bool *trusted,
                        enum restore_plan *plan)
{
    *plan = RESTORE_NOTHING;
    file->new_path = path_join(job->new_etc, file->name);
    if (read_side(job, job->new_etc_fd, job->new_etc, file->name, "", &file->now) < 0 ||
        read_side(job, job->new_etc_fd, job->new_etc, file->name, DIST_SUFFIX, &file->dist) < 0)
        return -1;
    if (read_saved(job, file->name, &file->old, trusted) < 0)
        return -1;
    if (!file->old.present)
        return 0;
    if (!file->now.present) {
        step_note(job->step, LU_LOG_WARNING, "%s: %s is not there after the reinstall: the copy "
                  "saved before it stays in %s/%s%s", job->node->dir, file->name,
                  lu_display_path(job->ctx, job->saved_dir), file->name, file->old.suffix);
        *plan = RESTORE_LEFT;
        return 0;
    }
    if (same_text(&file->now, &file->old))
        return 0;
    struct side replaced;
    char error[sizeof job->error];
    memcpy(error, job->error, sizeof error);
    if (read_side(job, job->new_etc_fd, job->new_etc, file->name, ".dpkg-old", &replaced) < 0) {
        step_note(job->step, LU_LOG_DETAIL, "%s: ignoring %s.dpkg-old: %s", job->node->dir,
                  file->name, job->error);
        memcpy(job->error, error, sizeof error);
    } else {
        bool chosen = replaced.present && same_text(&replaced, &file->old) &&
                      not_older(&replaced.st.st_ctim, &file->old.st.st_mtim);
        side_free(&replaced);
        if (chosen) {
            step_note(job->step, LU_LOG_DETAIL, "%s: %s is the package's, as chosen when dpkg "
                      "asked (the saved copy is its .dpkg-old)", job->node->dir, file->name);
            return 0;
        }
    }
    if (not_older(&file->now.st.st_mtim, &file->old.st.st_mtim)) {
        step_note(job->step, LU_LOG_WARNING, "%s: %s left alone: it was written after LeoFS %s's "
                  "configuration was saved for the reinstall; compare it by hand with %s/%s%s, "
                  "then remove that copy", job->node->dir, file->name, job->new_version,
                  lu_display_path(job->ctx, job->saved_dir), file->name, file->old.suffix);
        *plan = RESTORE_LEFT;
        return 0;
    }
    *plan = RESTORE_WRITE;
    return 0;
}

/* Queue the saved copy of FILE in its place, what it replaces beside it. */
static int write_restore(struct node_job *job, struct node_file *file, bool trusted)
{
    bool as_dist = !trusted || file->dist.present;
    const char *suffix = as_dist ? DIST_SUFFIX : REPLACED_SUFFIX;
    step_change(job->step, "%s: the copy saved before the reinstall put back, the file it "
                "replaced kept as %s%s", file->new_path, file->name, suffix);
    if (job->ctx->dry_run)
        return 0;
    char kept_name[128];
    snprintf(kept_name, sizeof kept_name, "%s%s", file->name, suffix);
    char *kept_path = path_join(job->new_etc, kept_name);
    struct stat like = written_like(job, file, true);
    int r = 0;
    if (!(as_dist && file->dist.present && same_text(&file->dist, &file->now)))
        r = atomic_batch_write(job->ctx, job->batch, 0, job->new_etc_fd, kept_name, kept_path,
                               file->now.text, file->now.length, &file->now.st, true);
    FAULT_POINT("takeover-write");
    if (r == 0)
        r = atomic_batch_write(job->ctx, job->batch, 1, job->new_etc_fd, file->name,
                               file->new_path, file->old.text, file->old.length, &like, true);
    if (r < 0)
        snprintf(job->error, sizeof job->error, "cannot write %s: %s",
                 lu_display_path(job->ctx, file->new_path), strerror(errno));
    free(kept_path);
    return r;
}

/* Put back a reinstalled node's saved files (choose_old): both read and
 * decided before either is queued, so that bad input writes nothing for
 * the node; append its summary to SUMMARY. */
static enum node_outcome restore_node(struct lu_context *ctx, struct lu_step *step,
                                      const struct lu_node *node, const char *version,
                                      struct atomic_batch *batch, FILE *summary)
{
    struct node_job job = {
        .ctx = ctx, .step = step, .node = node, .old_version = version, .batch = batch,
        .new_version = version, .old_etc_fd = -1, .new_etc_fd = -1, .saved_fd = -1,
    };
    job.saved_fd = config_save_open_node(ctx->root_fd, version, node->dir);
    if (!node->present || job.saved_fd < 0 ||
        asprintf(&job.saved_dir, CONFIG_SAVE_HOME "/%s/%s", version, node->dir) < 0) {
        job.saved_dir = NULL;
        job_free(&job);
        return NODE_ABSENT;
    }
    enum node_outcome outcome = NODE_SAME;
    enum restore_plan plans[2] = {RESTORE_NOTHING, RESTORE_NOTHING};
    bool trusted[2] = {false, false};
    job.new_etc = path_join(node->node_dir, "etc");
    job.new_etc_fd = root_open(ctx->root_fd, job.new_etc, O_RDONLY | O_DIRECTORY, 0, 0);
    if (job.new_etc_fd < 0) {
        snprintf(job.error, sizeof job.error, "cannot open %s: %s",
                 lu_display_path(ctx, job.new_etc),
                 errno == ELOOP ? "it is a symlink not owned by root" : strerror(errno));
        outcome = NODE_FAILED;
    }
    snprintf(job.files[0].name, sizeof job.files[0].name, "leo_%s.conf", node->type);
    snprintf(job.files[1].name, sizeof job.files[1].name, "leo_%s.environment", node->type);
    for (int i = 0; i < 2 && outcome != NODE_FAILED; i++)
        if (plan_restore(&job, &job.files[i], &trusted[i], &plans[i]) < 0)
            outcome = NODE_FAILED;
    const char *put_back[2] = {NULL, NULL};
    for (int i = 0; i < 2 && outcome != NODE_FAILED; i++) {
        if (plans[i] != RESTORE_WRITE)
            continue;
        if (write_restore(&job, &job.files[i], trusted[i]) < 0)
            outcome = NODE_FAILED;
        else
            put_back[i] = job.files[i].name, outcome = NODE_WRITTEN;
    }
    if (outcome == NODE_FAILED) {
        step_note(step, LU_LOG_ERROR, "%s: %s", node->dir, job.error);
        fprintf(summary, "%s: %s, re-run; ", node->dir, job.error);
    } else {
        if (put_back[0] || put_back[1])
            fprintf(summary, "%s: %s%s%s put back as saved; ", node->dir,
                    put_back[0] ? put_back[0] : "", put_back[0] && put_back[1] ? " and " : "",
                    put_back[1] ? put_back[1] : "");
        if (plans[0] == RESTORE_LEFT || plans[1] == RESTORE_LEFT) {
            fprintf(summary, "%s: left alone (see above); ", node->dir);
            outcome = NODE_LEFT;
        }
    }
    job_free(&job);
    return outcome;
}

static bool listed(char **list, int count, const char *version)
{
    for (int i = 0; i < count; i++)
        if (strcmp(list[i], version) == 0)
            return true;
    return false;
}

/* The newest version of LIST older than NEW_VERSION, or BEST. */
static const char *newest_older(char **list, int count, const char *new_version,
                                const char *best)
{
    for (int i = 0; i < count; i++)
        if (lu_version_compare(list[i], new_version) < 0 &&
            (!best || lu_version_compare(list[i], best) > 0))
            best = list[i];
    return best;
}

void takeover_release_save(struct lu_context *ctx)
{
    const char *old = ctx->save_taken_over;
    if (!old || ctx->dry_run)
        return;
    for (size_t i = 0; i < lu_report_step_count(ctx->report); i++) {
        enum lu_status s = lu_report_step(ctx->report, i)->status;
        if (s == LU_STATUS_FAILED || s == LU_STATUS_WARNING || s == LU_STATUS_REFUSED)
            return; /* kept for the re-run the operator is told to do */
    }
    if (config_save_remove(ctx->root_fd, old) == 0)
        lu_log(ctx, LU_LOG_DETAIL, "removed the copy of LeoFS %s's configuration saved before the "
               "upgrade (%s/%s)", old, lu_display_path(ctx, CONFIG_SAVE_HOME), old);
    else
        lu_log(ctx, LU_LOG_WARNING, "cannot remove %s/%s: %s; remove it by hand",
               lu_display_path(ctx, CONFIG_SAVE_HOME), old, strerror(errno));
}

/* Did the last pre phase save VERSION (CONFIG_SAVE_REPLACED says so, and
 * the save records that very note: config_save_is_current)? */
static bool saved_by_last_pre(const struct lu_context *ctx, const char *version)
{
    char *note = config_save_replaced(ctx->root_fd);
    bool said = note && strcmp(note, version) == 0 && config_save_is_current(ctx->root_fd, version);
    free(note);
    return said;
}

/* The version to take over from: the request's (rpm names the one it
 * replaced, also for a downgrade); else the one the last pre phase saw
 * installed (dpkg's trigger: config_save_replaced, older or newer); else
 * the newest older one, counting versions whose dir is gone
 * but whose save (config_save.h) is left. *REINSTALLED: the version is
 * the one installed, and the last pre phase saved it (its note says so):
 * a reinstall, which puts back the shipped copy of every file the package
 * does not mark as a config file; restore_node then puts the saved files
 * back. */
static char *choose_old(struct lu_context *ctx, bool *reinstalled, char *why, size_t why_size)
{
    const char *new_version = ctx->layout.version;
    char *wanted = config_save_replaced_version(ctx);
    char **versions, **saved = NULL;
    int count = layout_list_versions(ctx->root_fd, &versions);
    if (count < 0) {
        snprintf(why, why_size, "cannot list %s: %s", lu_display_path(ctx, LEOFS_HOME),
                 strerror(errno));
        free(wanted);
        return NULL;
    }
    int saved_count = config_save_list(ctx->root_fd, &saved);
    if (saved_count < 0)
        saved_count = 0;
    char *old = NULL;
    if (wanted) {
        if (!listed(versions, count, wanted) && !listed(saved, saved_count, wanted))
            snprintf(why, why_size, "LeoFS %s's dir %s/%s is not there: nothing to take over",
                     wanted, lu_display_path(ctx, LEOFS_HOME), wanted);
        else if (strcmp(wanted, new_version) == 0 && saved_by_last_pre(ctx, wanted))
            old = strdup(wanted), *reinstalled = true;
        else if (strcmp(wanted, new_version) == 0)
            snprintf(why, why_size, "LeoFS %s replaced itself: nothing to take over", wanted);
        else
            old = strdup(wanted);
    } else {
        const char *best = newest_older(versions, count, new_version, NULL);
        best = newest_older(saved, saved_count, new_version, best);
        if (best)
            old = strdup(best);
        else
            snprintf(why, why_size, "no LeoFS version older than %s under %s: nothing to take "
                     "over", new_version, lu_display_path(ctx, LEOFS_HOME));
    }
    layout_free_versions(saved, saved_count);
    layout_free_versions(versions, count);
    free(wanted);
    return old;
}

enum lu_status step_takeover(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_TAKEOVER);
    if (ctx->layout.global_config)
        return step_finish(step, LU_STATUS_SKIPPED, "persistent configuration (GLOBAL_CONFIG=yes "
                           "in %s): nodes read %s/leo_*/, which no upgrade replaces; nothing to "
                           "take over", lu_display_path(ctx, LEOFS_GLOBAL_CONF),
                           lu_display_path(ctx, LEOFS_ETC));
    if (!ctx->layout.version)
        return step_finish(step, LU_STATUS_SKIPPED, "no LeoFS version is installed");
    char why[512];
    bool reinstalled = false;
    char *old = choose_old(ctx, &reinstalled, why, sizeof why);
    if (!old)
        return step_finish(step, LU_STATUS_SKIPPED, "%s", why);
    char *old_dir = path_join(LEOFS_HOME, old);
    char *text = NULL;
    size_t text_size = 0;
    FILE *summary = open_memstream(&text, &text_size);
    if (!old_dir || !summary) {
        free(old);
        free(old_dir);
        return step_finish(step, LU_STATUS_FAILED, "out of memory");
    }
    int failed = 0, left = 0, seen = 0;
    /* Every shipped copy is in place before any merged file replaces the
     * shipped one (stage 0, then 1), with three waits for all the nodes. */
    struct atomic_batch batch;
    atomic_batch_init(&batch);
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        switch (reinstalled
                    ? restore_node(ctx, step, &ctx->layout.nodes[i], old, &batch, summary)
                    : take_over_node(ctx, step, &ctx->layout.nodes[i], old, old_dir, &batch,
                                     summary)) {
        case NODE_ABSENT: break;
        case NODE_SAME: seen++; break;
        case NODE_WRITTEN: seen++; break;
        case NODE_PINNED: seen++, left++; break;
        case NODE_LEFT: seen++, left++; break;
        case NODE_FAILED: seen++, failed++; break;
        }
    }
    if (atomic_batch_commit(&batch) < 0) {
        const char *why = strerror(errno);
        const char *where = batch.failed_path ? lu_display_path(ctx, batch.failed_path)
                                              : "a configuration file";
        step_note(step, LU_LOG_ERROR, "cannot write %s: %s", where, why);
        fprintf(summary, "cannot write %s: %s, re-run; ", where, why);
        failed++;
    }
    atomic_batch_free(&batch);
    fclose(summary);
    /* Taken over: the save of OLD goes once the phase ended well. */
    int save_probe = -1;
    for (int i = 0; i < LEOFS_NODE_COUNT && save_probe < 0; i++)
        save_probe = config_save_open_node(ctx->root_fd, old, ctx->layout.nodes[i].dir);
    if (save_probe >= 0) {
        close(save_probe);
        if (!ctx->dry_run && !failed) {
            free(ctx->save_taken_over);
            ctx->save_taken_over = strdup(old);
        }
    }
    size_t length = text ? strlen(text) : 0;
    if (length >= 2)
        text[length - 2] = '\0'; /* the last "; " */
    enum lu_status status;
    char from[300];
    if (reinstalled)
        snprintf(from, sizeof from, "LeoFS %s reinstalled", old);
    else
        snprintf(from, sizeof from, "from %s to %s", old, ctx->layout.version);
    if (seen == 0)
        status = step_finish(step, LU_STATUS_SKIPPED, "%s: %s", from,
                             reinstalled ? "no node's configuration was saved"
                                         : "no node is in both versions");
    else
        status = step_finish(step, failed ? LU_STATUS_FAILED
                                   : left ? LU_STATUS_WARNING
                                          : LU_STATUS_UNCHANGED,
                             "%s: %s%s", from,
                             text && *text ? text
                             : reinstalled ? "every saved file is as it was"
                                           : "nothing to take over",
                             failed ? " (fix the file named and re-run: leofs-upgrade takeover)"
                                    : "");
    free(text);
    free(old);
    free(old_dir);
    return status;
}
