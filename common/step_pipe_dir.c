/* step_pipe_dir.c: remove the temporary dir that pre-1.3.3 launch scripts
 * left when run as root (/tmp/usr, or PIPE_DIR from a node's environment
 * file), which a node running as the runner user cannot reuse (the
 * guide's "rm -rf /tmp/usr"). Only a real, root-owned directory shaped
 * like the launch scripts' (directories and run_erl's FIFOs, all root's,
 * on one filesystem) is removed, on fds, without following any symlink,
 * once the path is seen to lead where it says; anything else is reported
 * and left alone. A PIPE_DIR other than /tmp/usr is used only from a file
 * only root can write, or when the policy file's pipe_dir confirms it. */
#define _GNU_SOURCE
#include "context.h"
#include "fault.h"
#include "root.h"
#include "system_dirs.h"
#include "trust.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PIPE_DIR "/tmp/usr"

struct removal {
    bool remove;            /* false: only look for entries root does not own */
    char foreign[512];      /* the first such entry */
    unsigned long long removed;
    char *error;
    size_t error_size;
};

static int check_owner(struct removal *r, const struct stat *st, const char *path)
{
    if (st->st_uid == 0)
        return 0;
    snprintf(r->foreign, sizeof r->foreign, "%s (owned by uid %u)", path, (unsigned)st->st_uid);
    snprintf(r->error, r->error_size, "%s is not root's", r->foreign);
    return -1;
}

static int on_directory(void *data, int fd, const struct stat *st, const char *path)
{
    (void)fd;
    return check_owner(data, st, path);
}

static int on_other(void *data, int dir_fd, const struct stat *dir_st, const char *name,
                    const struct stat *st, const char *path)
{
    (void)dir_st;
    struct removal *r = data;
    if (check_owner(r, st, path) < 0)
        return -1;
    if (!S_ISFIFO(st->st_mode)) {
        snprintf(r->foreign, sizeof r->foreign, "%s (%s, which launch scripts never leave)", path,
                 S_ISREG(st->st_mode)    ? "a regular file"
                 : S_ISLNK(st->st_mode)  ? "a symlink"
                 : S_ISSOCK(st->st_mode) ? "a socket"
                                         : "a device node");
        snprintf(r->error, r->error_size, "%s is not a pipe", r->foreign);
        return -1;
    }
    if (!r->remove)
        return 0;
    FAULT_POINT("pipe-dir-remove");
    if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT) {
        snprintf(r->error, r->error_size, "cannot remove %s: %s", path, strerror(errno));
        return -1;
    }
    r->removed++;
    return 0;
}

static int on_other_fs(void *data, const struct stat *st, const char *path)
{
    (void)st;
    struct removal *r = data;
    snprintf(r->foreign, sizeof r->foreign, "%s (a mount point)", path);
    snprintf(r->error, r->error_size, "%s is another filesystem", path);
    return -1;
}

static int on_directory_done(void *data, int parent_fd, const char *name, const char *path)
{
    struct removal *r = data;
    if (!r->remove)
        return 0;
    FAULT_POINT("pipe-dir-remove");
    if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
        snprintf(r->error, r->error_size, "cannot remove %s: %s", path, strerror(errno));
        return -1;
    }
    r->removed++;
    return 0;
}

static bool acceptable_pipe_dir(const char *path)
{
    static const char *const bases[] = {"/tmp/", "/var/tmp/", "/run/"};
    for (size_t i = 0; i < sizeof bases / sizeof *bases; i++)
        if (strncmp(path, bases[i], strlen(bases[i])) == 0 && path[strlen(bases[i])] != '\0')
            return !system_dir(path);
    return false;
}

/* Remove one candidate dir; warnings set *warned. */
static void clean(struct lu_context *ctx, struct lu_step *step, const char *path, bool *warned,
                  bool *failed)
{
    const char *shown = lu_display_path(ctx, path);
    const char *name;
    int parent = root_open_parent(ctx->root_fd, path, &name);
    struct stat st;
    if (parent < 0 || fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT) {
            step_note(step, LU_LOG_WARNING, "cannot inspect %s: %s", shown,
                      errno == ELOOP ? "a symlink not owned by root is in its path" : strerror(errno));
            *warned = true;
        }
        if (parent >= 0)
            close(parent);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        step_note(step, LU_LOG_WARNING, "%s is %s, not the launch scripts' directory: left alone",
                  shown, S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
        *warned = true;
    } else if (st.st_uid != 0) {
        step_note(step, LU_LOG_DEBUG, "%s belongs to uid %u (the nodes' own): left alone", shown,
                  (unsigned)st.st_uid);
    } else {
        FAULT_POINT("pipe-dir-open");
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat opened;
        char error[1024];
        struct removal r = {.error = error, .error_size = sizeof error};
        const struct walk_ops ops = {
            .directory = on_directory, .other = on_other, .directory_done = on_directory_done,
            .other_fs = on_other_fs};
        unsigned long long entries = 0;
        char *real = NULL;
        if (fd < 0 || fstat(fd, &opened) < 0 || opened.st_ino != st.st_ino ||
            opened.st_dev != st.st_dev) {
            step_note(step, LU_LOG_WARNING, "%s changed while being inspected: left alone", shown);
            *warned = true;
        } else if (!(real = root_dir_path(ctx->root_fd, fd)) || strcmp(real, path) != 0) {
            /* A root-owned link on the way (/run/shm -> /dev/shm) leads elsewhere. */
            step_note(step, LU_LOG_WARNING, "%s really is %s, not a dir of its own under /tmp, "
                      "/var/tmp or /run: left alone", shown, real ? real : "outside the root");
            *warned = true;
        } else if (walk_tree(fd, shown, &ops, &r, &entries, error, sizeof error) < 0) {
            /* Nothing of another user's is removed, nor its directory. */
            step_note(step, LU_LOG_WARNING, "%s holds %s, maybe a running node's pipes: left "
                      "alone; remove it by hand once no node runs", shown,
                      r.foreign[0] ? r.foreign : error);
            *warned = true;
        } else {
            step_change(step, "removed %s (%llu entries), the stale dir of root-run launch scripts",
                        path, entries);
            if (!ctx->dry_run) {
                r.remove = true;
                if (walk_tree(fd, shown, &ops, &r, &entries, error, sizeof error) < 0) {
                    step_note(step, LU_LOG_ERROR, "%s", error);
                    *failed = true;
                } else if (unlinkat(parent, name, AT_REMOVEDIR) < 0) {
                    step_note(step, LU_LOG_ERROR, "cannot remove %s: %s", shown, strerror(errno));
                    *failed = true;
                }
            }
        }
        free(real);
        if (fd >= 0)
            close(fd);
    }
    close(parent);
}

enum lu_status step_pipe_dir(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_PIPE_DIR);
    if (lu_version_compare(ctx->layout.version, "1.3.3") < 0)
        return step_finish(step, LU_STATUS_SKIPPED, "LeoFS %s nodes run as root and use a root-owned "
                           "pipe dir", ctx->layout.version);
    bool any_unprivileged = false;
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        const struct lu_node *node = &ctx->layout.nodes[i];
        any_unprivileged |= node->present && (!node->runner.found || node->runner.uid != 0);
    }
    if (!any_unprivileged)
        return step_finish(step, LU_STATUS_SKIPPED, "every node runs as root, which can use a "
                           "root-owned pipe dir");

    const char *candidates[1 + LEOFS_NODE_COUNT] = {DEFAULT_PIPE_DIR};
    char *normalised[LEOFS_NODE_COUNT] = {NULL};
    size_t count = 1;
    bool warned = false, failed = false;
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        const struct lu_node *node = &ctx->layout.nodes[i];
        if (!node->present || !node->pipe_dir)
            continue;
        if (node->pipe_dir_expands) {
            step_note(step, LU_LOG_WARNING, "%s: PIPE_DIR=%s needs the shell to evaluate it, which "
                      "this step never does: remove it by hand if it is stale", node->dir,
                      node->pipe_dir);
            warned = true;
            continue;
        }
        char *path = path_normalise(node->pipe_dir);
        if (path && strcmp(path, DEFAULT_PIPE_DIR) != 0 && !node->pipe_dir_trusted &&
            !policy_confirms_pipe_dir(&ctx->policy, path)) {
            step_note(step, LU_LOG_WARNING, "%s: PIPE_DIR=%s (%s) is not used: only root may name "
                      "a dir to delete; if it is the node's, add `pipe_dir = %s` to %s",
                      node->dir, node->pipe_dir, node->pipe_dir_origin ? node->pipe_dir_origin : "?",
                      path, TRUST_POLICY_FILE);
            warned = true;
            free(path);
            continue;
        }
        if (!path || !acceptable_pipe_dir(path)) {
            step_note(step, LU_LOG_WARNING, "%s: PIPE_DIR=%s is not a dir of its own under /tmp, "
                      "/var/tmp or /run: left alone", node->dir, node->pipe_dir);
            warned = true;
            free(path);
            continue;
        }
        bool again = false;
        for (size_t c = 0; c < count; c++)
            again |= strcmp(candidates[c], path) == 0;
        if (again) {
            free(path);
            continue;
        }
        normalised[i] = path;
        candidates[count++] = path;
    }
    for (size_t c = 0; c < count; c++)
        clean(ctx, step, candidates[c], &warned, &failed);
    for (int i = 0; i < LEOFS_NODE_COUNT; i++)
        free(normalised[i]);
    if (failed)
        return step_finish(step, LU_STATUS_FAILED, "a stale pipe dir could not be removed: remove it "
                           "by hand once no node runs");
    if (warned)
        return step_finish(step, LU_STATUS_WARNING, "pipe dirs left alone (see above)");
    size_t removed = step_change_count(step);
    if (!removed)
        return step_finish(step, LU_STATUS_UNCHANGED, "no stale pipe dir");
    return step_finish(step, LU_STATUS_UNCHANGED, "removed %zu stale pipe dir%s of root-run launch "
                       "scripts", removed, removed == 1 ? "" : "s");
}
