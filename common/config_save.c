/* config_save.c: save a LeoFS version's node configuration before a
 * package manager may delete it, and find or remove that save (see
 * config_save.h).
 *
 * The files read are in etc/ dirs the runner user owns: each is opened
 * with O_NOFOLLOW and taken only when it is a regular file with one link
 * and at most SAVE_FILE_LIMIT bytes, so that root never copies what a
 * link points at. Anything else stops the save with a message saying
 * what to fix: without a save the package manager would delete the file. */
#define _GNU_SOURCE
#include "config_save.h"
#include "atomicfile.h"
#include "context.h"
#include "label.h"
#include "root.h"
#include "trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAVE_FILE_LIMIT (1u << 20)
#define SAVE_DROPIN_MAX 256
#define SAVE_PARENT "/var/lib/leofs-upgrade-hooks"
/* In a save: the identity of the CONFIG_SAVE_REPLACED note written by the
 * save step that made it (config_save_is_current). */
#define SAVE_NOTE ".note"

/* A runner-writable file to copy: regular, one link, small. 0 and *DATA
 * (NULL when there is no such file), or -1 with a message in ERROR. */
static int read_untrusted(int dir_fd, const char *name, const char *shown, char **data,
                          size_t *length, struct stat *st_out, char *error, size_t error_size)
{
    *data = NULL;
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    struct stat st;
    const char *problem = NULL;
    if (fd < 0)
        problem = errno == ELOOP ? "it is a symlink" : strerror(errno);
    else if (fstat(fd, &st) < 0)
        problem = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "it is not a regular file";
    else if (st.st_nlink != 1)
        problem = "it has more than one hard link";
    else if (read_fd(fd, SAVE_FILE_LIMIT, data, length) < 0)
        problem = errno == EFBIG ? "it is larger than 1 MiB" : strerror(errno);
    else
        *st_out = st;
    if (fd >= 0)
        close(fd);
    if (!problem)
        return 0;
    snprintf(error, error_size, "cannot save %s before the upgrade: %s; make it a regular file "
             "of its own and retry", shown, problem);
    return -1;
}

/* Write NAME in DIR_FD, labelled as PATH (its path inside the root once the
 * save is in place), with ORIGINAL's permission bits and group, and its
 * owner when that is root or RUNNER (else root's), so that a reinstall
 * can put the file back as it was: inside root's 0700 save nobody else
 * reaches it whatever its mode. */
static int write_new(struct lu_context *ctx, int dir_fd, const char *name, const char *path,
                     const char *data, size_t length, const struct stat *original, uid_t runner)
{
    int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    label_fd(ctx, fd, path, S_IFREG | 0600);
    uid_t owner = original->st_uid == runner ? runner : 0;
    /* (A group this system cannot give, in a user namespace: root's.) */
    if ((fchown(fd, owner, original->st_gid) < 0 && fchown(fd, 0, 0) < 0) ||
        fchmod(fd, original->st_mode & 0777) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    size_t done = 0;
    while (done < length) {
        ssize_t n = write(fd, data + done, length - done);
        if (n < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        done += (size_t)n;
    }
    int r = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

/* Remove NAME in DIR_FD and what is below it, DEPTH levels at most (the
 * save's shape: version, node, leo_<type>.d, file). Only ever called on
 * dirs inside root's 0700 save dir. */
static int remove_tree(int dir_fd, const char *name, int depth)
{
    if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if ((errno != EISDIR && errno != EPERM) || depth == 0)
        return -1;
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct dirent *entry;
    int r = 0;
    while (r == 0 && (entry = readdir(dir)))
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            r = remove_tree(dirfd(dir), entry->d_name, depth - 1);
    closedir(dir);
    if (r == 0 && unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        r = -1;
    return r;
}

/* DIR (a path inside the root) as a root-owned directory no one else can
 * write to, made MODE (and labelled) when missing (a root-owned symlink to
 * one is fine). -1 with errno; EPERM when it is there but not root's alone. */
static int root_dir(struct lu_context *ctx, const char *dir, mode_t mode)
{
    int root_fd = ctx->root_fd;
    int fd = root_open(root_fd, dir, O_RDONLY | O_DIRECTORY, ROOT_FOLLOW_TRUSTED, 0);
    if (fd < 0 && errno == ENOENT) {
        const char *name;
        int parent = root_open_parent(root_fd, dir, &name);
        if (parent < 0)
            return -1;
        bool made = mkdirat(parent, name, mode) == 0;
        if (made || errno == EEXIST)
            fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (made && fd >= 0)
            label_fd(ctx, fd, dir, S_IFDIR | mode);
        int saved = errno;
        close(parent);
        errno = saved;
    }
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int config_save_open_node(int root_fd, const char *version, const char *node_dir)
{
    char path[512];
    snprintf(path, sizeof path, CONFIG_SAVE_HOME "/%s/%s", version, node_dir);
    return root_open(root_fd, path, O_RDONLY | O_DIRECTORY, 0, 0);
}

static int by_version(const void *a, const void *b)
{
    return lu_version_compare(*(char *const *)a, *(char *const *)b);
}

int config_save_list(int root_fd, char ***versions)
{
    *versions = NULL;
    int fd = root_open(root_fd, CONFIG_SAVE_HOME, O_RDONLY | O_DIRECTORY, 0, 0);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    }
    char **list = NULL;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (!lu_version_is_name(entry->d_name))
            continue;
        char **grown = realloc(list, (size_t)(count + 1) * sizeof *grown);
        if (grown)
            list = grown;
        if (!grown || !(list[count] = strdup(entry->d_name))) {
            for (int i = 0; i < count; i++)
                free(list[i]);
            free(list);
            closedir(dir);
            errno = ENOMEM;
            return -1;
        }
        count++;
    }
    closedir(dir);
    if (count > 1)
        qsort(list, (size_t)count, sizeof *list, by_version);
    *versions = list;
    return count;
}

char *config_save_replaced(int root_fd)
{
    int fd = root_open(root_fd, CONFIG_SAVE_REPLACED, O_RDONLY | O_NONBLOCK, 0, 0);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            errno = 0;
        return NULL;
    }
    struct stat st;
    char *text = NULL;
    size_t length = 0;
    char *version = NULL;
    /* Root's own, as the directory it is in (root_dir made it so). */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
        (st.st_mode & 022) == 0 && read_fd(fd, 64, &text, &length) == 0) {
        while (length && (text[length - 1] == '\n' || text[length - 1] == ' '))
            text[--length] = '\0';
        if (lu_version_is_name(text))
            version = text;
        else
            free(text);
    }
    close(fd);
    errno = version ? 0 : EINVAL;
    return version;
}

char *config_save_replaced_version(const struct lu_context *ctx)
{
    const char *named = ctx->request->old_version;
    return named ? strdup(named) : config_save_replaced(ctx->root_fd);
}

void config_save_forget_replaced(struct lu_context *ctx)
{
    if (ctx->dry_run)
        return;
    for (size_t i = 0; i < lu_report_step_count(ctx->report); i++) {
        enum lu_status status = lu_report_step(ctx->report, i)->status;
        if (status == LU_STATUS_FAILED || status == LU_STATUS_REFUSED)
            return;
    }
    const char *name;
    int parent = root_open_parent(ctx->root_fd, CONFIG_SAVE_REPLACED, &name);
    if (parent < 0)
        return;
    if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
        lu_log(ctx, LU_LOG_WARNING, "cannot remove %s: %s; remove it by hand",
               lu_display_path(ctx, CONFIG_SAVE_REPLACED), strerror(errno));
    close(parent);
}

int config_save_remove(int root_fd, const char *version)
{
    int fd = root_open(root_fd, CONFIG_SAVE_HOME, O_RDONLY | O_DIRECTORY, 0, 0);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    int r = remove_tree(fd, version, 3);
    if (r == 0)
        fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

struct save_job {
    struct lu_context *ctx;
    struct lu_step *step;
    int new_fd;     /* the save being written */
    uid_t runner;   /* the node's runner user, (uid_t)-1 when unknown */
    char path[128]; /* its path inside the root once in place, for labels */
    size_t files;
    char error[1024];
};

/* Copy NAME from SRC_FD into DST_FD (DST_PATH once the save is in place)
 * when it is there. */
static int copy_file(struct save_job *job, int src_fd, const char *src_dir, int dst_fd,
                     const char *dst_path, const char *name)
{
    char *path = path_join(src_dir, name), *data;
    size_t length;
    struct stat st;
    int r = read_untrusted(src_fd, name, lu_display_path(job->ctx, path ? path : name), &data,
                           &length, &st, job->error, sizeof job->error);
    free(path);
    if (r < 0 || !data)
        return r;
    /* Root's own file stays root's choice; any other is marked (see .h), and
     * so is one the takeover merged or put back (trust.h): its content may
     * have come from a file that was not root's. */
    char merged_name[320];
    struct stat merged_st;
    snprintf(merged_name, sizeof merged_name, "%s" TRUST_MERGED_SUFFIX, name);
    bool merged = trust_is_merged_by_us(data, length) ||
                  fstatat(src_fd, merged_name, &merged_st, AT_SYMLINK_NOFOLLOW) == 0 ||
                  errno != ENOENT;
    bool trusted = !merged && trust_owner_and_mode(&st) && trust_dir(job->ctx->root_fd, src_dir);
    char saved_name[320];
    snprintf(saved_name, sizeof saved_name, "%s%s", name, trusted ? "" : CONFIG_SAVE_UNTRUSTED);
    char *saved_path = path_join(dst_path, saved_name);
    r = saved_path ? write_new(job->ctx, dst_fd, saved_name, saved_path, data, length, &st,
                               job->runner) : -1;
    free(saved_path);
    free(data);
    if (r < 0)
        snprintf(job->error, sizeof job->error, "cannot write the saved copy of %s: %s", name,
                 strerror(errno));
    else
        job->files++;
    return r;
}

static bool is_dropin(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* the .conf files in leo_<type>.d/ of ETC_FD into DST_FD/leo_<type>.d/
 * (DST_PATH/leo_<type>.d once the save is in place). */
static int copy_dropins(struct save_job *job, int etc_fd, const char *etc, int dst_fd,
                        const char *dst_path, const char *type)
{
    char name[64];
    snprintf(name, sizeof name, "leo_%s.d", type);
    char *path = path_join(etc, name), *out_path = path_join(dst_path, name);
    const char *shown = lu_display_path(job->ctx, path ? path : name);
    int fd = openat(etc_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    int r = 0;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        if (errno != ENOENT) {
            snprintf(job->error, sizeof job->error, "cannot save %s before the upgrade: %s",
                     shown, errno == ELOOP || errno == ENOTDIR ? "it is not a directory"
                                                               : strerror(errno));
            r = -1;
        }
        free(path);
        free(out_path);
        return r;
    }
    int out = -1;
    size_t count = 0;
    struct dirent *entry;
    while (r == 0 && (entry = readdir(dir))) {
        if (!is_dropin(entry->d_name))
            continue;
        if (++count > SAVE_DROPIN_MAX) {
            snprintf(job->error, sizeof job->error, "cannot save %s before the upgrade: more "
                     "than %d .conf files in it; remove the ones LeoFS does not need and retry",
                     shown, SAVE_DROPIN_MAX);
            r = -1;
            break;
        }
        if (out < 0) {
            if (!out_path || mkdirat(dst_fd, name, 0700) < 0 ||
                (out = openat(dst_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                snprintf(job->error, sizeof job->error, "cannot make the save of %s: %s", shown,
                         out_path ? strerror(errno) : strerror(ENOMEM));
                r = -1;
                break;
            }
            label_fd(job->ctx, out, out_path, S_IFDIR | 0700);
        }
        r = copy_file(job, dirfd(dir), path ? path : name, out, out_path, entry->d_name);
    }
    if (out >= 0)
        close(out);
    closedir(dir);
    free(path);
    free(out_path);
    return r;
}

static int save_node(struct save_job *job, const struct lu_node *node)
{
    int etc_fd = root_open(job->ctx->root_fd, node->config_dir, O_RDONLY | O_DIRECTORY, 0, 0);
    if (etc_fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(job->error, sizeof job->error, "cannot open %s: %s",
                 lu_display_path(job->ctx, node->config_dir),
                 errno == ELOOP ? "it goes through a symlink root does not own" : strerror(errno));
        return -1;
    }
    int r = -1, out = -1;
    char out_path[256];
    snprintf(out_path, sizeof out_path, "%s/%s", job->path, node->dir);
    if (mkdirat(job->new_fd, node->dir, 0700) < 0 ||
        (out = openat(job->new_fd, node->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        snprintf(job->error, sizeof job->error, "cannot make the save of %s: %s", node->dir,
                 strerror(errno));
        goto done;
    }
    label_fd(job->ctx, out, out_path, S_IFDIR | 0700);
    job->runner = node->runner.found ? node->runner.uid : (uid_t)-1;
    char name[64];
    snprintf(name, sizeof name, "leo_%s.conf", node->type);
    if (copy_file(job, etc_fd, node->config_dir, out, out_path, name) < 0)
        goto done;
    snprintf(name, sizeof name, "leo_%s.environment", node->type);
    if (copy_file(job, etc_fd, node->config_dir, out, out_path, name) < 0)
        goto done;
    r = copy_dropins(job, etc_fd, node->config_dir, out, out_path, node->type);
    if (r == 0 && fsync(out) < 0)
        r = -1;
done:
    if (out >= 0)
        close(out);
    close(etc_fd);
    return r;
}

/* The note's identity (inode, modification and change times): a new one
 * for each note written, as each is a new file renamed into place. 0, or
 * -1 when there is no note. */
static int note_identity(int root_fd, char *out, size_t out_size)
{
    int note = root_open(root_fd, CONFIG_SAVE_REPLACED, O_PATH, 0, 0);
    struct stat st;
    int r = note >= 0 && fstat(note, &st) == 0 ? 0 : -1;
    if (r == 0)
        snprintf(out, out_size, "%llu %lld.%09ld %lld.%09ld\n", (unsigned long long)st.st_ino,
                 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
                 st.st_ctim.tv_nsec);
    if (note >= 0)
        close(note);
    return r;
}

bool config_save_is_current(int root_fd, const char *version)
{
    char path[320], expected[128];
    snprintf(path, sizeof path, CONFIG_SAVE_HOME "/%s/" SAVE_NOTE, version);
    int fd = root_open(root_fd, path, O_RDONLY | O_NONBLOCK, 0, 0);
    char *text = NULL;
    size_t length = 0;
    bool current = fd >= 0 && note_identity(root_fd, expected, sizeof expected) == 0 &&
                   read_fd(fd, sizeof expected, &text, &length) == 0 &&
                   length == strlen(expected) && memcmp(text, expected, length) == 0;
    free(text);
    if (fd >= 0)
        close(fd);
    return current;
}

/* CONFIG_SAVE_REPLACED says VERSION, written atomically (root's, 0644). */
static int write_replaced(struct lu_context *ctx, const char *version)
{
    int parent = -1;
    static const char *const parents[] = {"/var", "/var/lib", SAVE_PARENT};
    for (size_t i = 0; i < 3; i++) {
        if (parent >= 0)
            close(parent);
        if ((parent = root_dir(ctx, parents[i], 0755)) < 0)
            return -1;
    }
    char text[80];
    snprintf(text, sizeof text, "%s\n", version);
    struct stat like = {.st_uid = 0, .st_gid = 0, .st_mode = S_IFREG | 0644};
    int r = atomic_write(ctx, parent, "replacing", CONFIG_SAVE_REPLACED, text, strlen(text), &like,
                         true);
    int saved = errno;
    close(parent);
    errno = saved;
    return r;
}

enum lu_status step_config_save(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, "config-save");
    const char *version = ctx->layout.version;
    if (!version)
        return step_finish(step, LU_STATUS_SKIPPED, "no LeoFS version is installed");
    /* First, whatever is saved: which version is being replaced, for the
     * post phase's data move and takeover (config_save_replaced). */
    if (!ctx->dry_run && write_replaced(ctx, version) < 0)
        return step_finish(step, LU_STATUS_FAILED, "cannot write %s: %s",
                           lu_display_path(ctx, CONFIG_SAVE_REPLACED),
                           errno == EPERM ? "its directory is there but not root's alone: remove "
                                            "it and retry" : strerror(errno));
    if (!policy_step_enabled(&ctx->policy, STEP_TAKEOVER))
        return step_finish(step, LU_STATUS_SKIPPED, "the configuration takeover is turned off in "
                           "%s: nothing would read a save", ctx->policy.source);
    if (ctx->layout.global_config)
        return step_finish(step, LU_STATUS_SKIPPED, "persistent configuration (GLOBAL_CONFIG=yes): "
                           "the nodes' files are under %s, which no upgrade replaces",
                           lu_display_path(ctx, LEOFS_ETC));
    char shown[600];
    snprintf(shown, sizeof shown, "%s/%s", lu_display_path(ctx, CONFIG_SAVE_HOME), version);
    if (ctx->dry_run) {
        step_change(step, "save LeoFS %s's node configuration in %s", version, shown);
        return step_finish(step, LU_STATUS_UNCHANGED, "save LeoFS %s's node configuration in %s",
                           version, shown);
    }
    struct save_job job = {.ctx = ctx, .step = step, .new_fd = -1};
    char temp[128];
    snprintf(temp, sizeof temp, ".new-%s", version);
    /* /var/lib is there in any root dpkg works on; made like it when not. */
    int parent = -1;
    static const char *const parents[] = {"/var", "/var/lib", SAVE_PARENT};
    for (size_t i = 0; i < 3; i++) {
        if (parent >= 0)
            close(parent);
        parent = root_dir(ctx, parents[i], 0755);
        if (parent < 0)
            break;
    }
    int home = parent >= 0 ? root_dir(ctx, CONFIG_SAVE_HOME, 0700) : -1;
    if (home < 0) {
        int saved = errno;
        if (parent >= 0)
            close(parent);
        return step_finish(step, LU_STATUS_FAILED, "cannot make %s: %s",
                           lu_display_path(ctx, CONFIG_SAVE_HOME),
                           saved == EPERM ? "it is there but not root's alone: remove it and "
                                            "retry" : strerror(saved));
    }
    close(parent);
    int r = remove_tree(home, temp, 3); /* left by a crash */
    snprintf(job.path, sizeof job.path, CONFIG_SAVE_HOME "/%s", version);
    if (r == 0 && mkdirat(home, temp, 0700) == 0)
        job.new_fd = openat(home, temp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (job.new_fd >= 0)
        label_fd(ctx, job.new_fd, job.path, S_IFDIR | 0700);
    char identity[128], note_path[160];
    static const struct stat root_only = {.st_uid = 0, .st_gid = 0, .st_mode = S_IFREG | 0600};
    snprintf(note_path, sizeof note_path, "%s/" SAVE_NOTE, job.path);
    if (job.new_fd >= 0 && (note_identity(ctx->root_fd, identity, sizeof identity) < 0 ||
                            write_new(ctx, job.new_fd, SAVE_NOTE, note_path, identity,
                                      strlen(identity), &root_only, (uid_t)-1) < 0)) {
        close(job.new_fd);
        job.new_fd = -1;
    }
    if (job.new_fd < 0) {
        snprintf(job.error, sizeof job.error, "cannot make a save in %s: %s",
                 lu_display_path(ctx, CONFIG_SAVE_HOME), strerror(errno));
        r = -1;
    }
    for (int i = 0; r == 0 && i < LEOFS_NODE_COUNT; i++)
        if (ctx->layout.nodes[i].present)
            r = save_node(&job, &ctx->layout.nodes[i]);
    if (job.new_fd >= 0) {
        if (r == 0 && fsync(job.new_fd) < 0)
            r = -1;
        close(job.new_fd);
    }
    /* The new save replaces the old one whole. */
    if (r == 0 && job.files &&
        (remove_tree(home, version, 3) < 0 || renameat(home, temp, home, version) < 0 ||
         fsync(home) < 0)) {
        snprintf(job.error, sizeof job.error, "cannot put the save in place as %s: %s", shown,
                 strerror(errno));
        r = -1;
    }
    if (r < 0 || !job.files)
        remove_tree(home, temp, 3);
    close(home);
    if (r < 0)
        return step_finish(step, LU_STATUS_FAILED, "%s", job.error);
    if (!job.files)
        return step_finish(step, LU_STATUS_UNCHANGED, "LeoFS %s has no node configuration files "
                           "to save", version);
    step_change(step, "saved %zu files of LeoFS %s's node configuration in %s", job.files, version,
                shown);
    return step_finish(step, LU_STATUS_UNCHANGED, "saved %zu files of LeoFS %s's node "
                       "configuration in %s", job.files, version, shown);
}
