/* step_current.c: the /usr/local/leofs/current symlink (LeoFS 1.3.8+).
 *
 * Pre: a real directory or file named "current" would make the package
 * manager fail half-way when it lays down the package's symlink, so it is
 * refused before anything changes. Post: point "current" at the new
 * version atomically (temporary link + rename + directory fsync, as dpkg's
 * update-alternatives does); a real directory or file there is refused and
 * left untouched, a symlink pointing elsewhere is replaced. */
#define _GNU_SOURCE
#include "context.h"
#include "fault.h"
#include "label.h"
#include "root.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CURRENT "current"
#define CURRENT_TEMP ".current.leofs-upgrade"
#define CURRENT_PATH LEOFS_HOME "/" CURRENT

/* Count a directory's entries (for the message), -1 when unreadable. */
static long count_entries(int dir_fd, const char *name)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    long count = 0;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return -1;
    }
    struct dirent *entry;
    while ((entry = readdir(dir)))
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            count++;
    closedir(dir);
    return count;
}

/* Refuse a real file or directory in the symlink's place. Returns the
 * status when refused, or -1 when "current" is absent or a symlink. */
static int refuse_real_file(struct lu_context *ctx, struct lu_step *step, int home_fd,
                            const struct stat *st, const char *consequence)
{
    const char *shown = lu_display_path(ctx, CURRENT_PATH);
    if (S_ISDIR(st->st_mode)) {
        long entries = count_entries(home_fd, CURRENT);
        return step_finish(step, LU_STATUS_REFUSED,
                           "%s is a real directory (%ld entries), where LeoFS packages put a "
                           "symlink to the version dir: move it away (mv %s %s.old), then retry; %s",
                           shown, entries, shown, shown, consequence);
    }
    return step_finish(step, LU_STATUS_REFUSED,
                       "%s is a file, not a symlink, where LeoFS packages put a symlink to the "
                       "version dir: move it away (mv %s %s.old), then retry; %s",
                       shown, shown, shown, consequence);
}

static int open_home(struct lu_context *ctx, struct lu_step *step, int *home_fd)
{
    *home_fd = layout_open_home(ctx->root_fd, O_RDONLY);
    if (*home_fd >= 0)
        return 0;
    if (errno == ENOENT)
        return 1;
    step_finish(step, LU_STATUS_FAILED, "cannot open %s: %s", lu_display_path(ctx, LEOFS_HOME),
                errno == ELOOP ? "it is a symlink not owned by root" : strerror(errno));
    return -1;
}

enum lu_status step_current_precheck(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_CURRENT);
    int home_fd, r = open_home(ctx, step, &home_fd);
    if (r < 0)
        return LU_STATUS_FAILED;
    if (r > 0)
        return step_finish(step, LU_STATUS_UNCHANGED, "no %s yet", LEOFS_HOME);
    struct stat st;
    enum lu_status status;
    if (fstatat(home_fd, CURRENT, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        status = errno == ENOENT
                     ? step_finish(step, LU_STATUS_UNCHANGED, "no %s yet", CURRENT_PATH)
                     : step_finish(step, LU_STATUS_FAILED, "cannot inspect %s: %s",
                                   lu_display_path(ctx, CURRENT_PATH), strerror(errno));
    } else if (S_ISLNK(st.st_mode)) {
        status = step_finish(step, LU_STATUS_UNCHANGED,
                             "%s is a symlink: the package or the post phase repoints it",
                             CURRENT_PATH);
    } else {
        status = refuse_real_file(ctx, step, home_fd, &st, "nothing was changed");
    }
    close(home_fd);
    return status;
}

/* Does the link text TARGET name VERSION's dir (relative or absolute)? */
static bool points_at(const char *target, const char *version)
{
    size_t length = strlen(target);
    while (length > 1 && target[length - 1] == '/')
        length--;
    if (length == strlen(version) && strncmp(target, version, length) == 0)
        return true;
    char absolute[PATH_MAX];
    int n = snprintf(absolute, sizeof absolute, "%s/%s", LEOFS_HOME, version);
    return n > 0 && (size_t)n == length && strncmp(target, absolute, length) == 0;
}

/* Make "current" -> VERSION by renaming a fresh link over it. */
static int swap_link(struct lu_context *ctx, int home_fd, const char *version)
{
    struct stat st;
    if (fstatat(home_fd, CURRENT_TEMP, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            errno = EEXIST; /* not ours: leave it */
            return -1;
        }
        if (unlinkat(home_fd, CURRENT_TEMP, 0) < 0) /* left by an interrupted run */
            return -1;
    }
    if (symlinkat(version, home_fd, CURRENT_TEMP) < 0)
        return -1;
    label_symlink(ctx, home_fd, CURRENT_TEMP, CURRENT_PATH);
    FAULT_POINT("current-swap");
    if (renameat(home_fd, CURRENT_TEMP, home_fd, CURRENT) < 0) {
        int saved = errno;
        unlinkat(home_fd, CURRENT_TEMP, 0);
        errno = saved;
        return -1;
    }
    return fsync(home_fd);
}

enum lu_status step_current(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_CURRENT);
    const char *version = ctx->layout.version;
    int home_fd, r = open_home(ctx, step, &home_fd);
    if (r != 0)
        return r < 0 ? LU_STATUS_FAILED
                     : step_finish(step, LU_STATUS_FAILED, "%s is missing",
                                   lu_display_path(ctx, LEOFS_HOME));

    struct stat st;
    char target[PATH_MAX] = "";
    enum lu_status status;
    if (fstatat(home_fd, CURRENT, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT) {
            status = step_finish(step, LU_STATUS_FAILED, "cannot inspect %s: %s",
                                 lu_display_path(ctx, CURRENT_PATH), strerror(errno));
            goto out;
        }
    } else if (!S_ISLNK(st.st_mode)) {
        status = refuse_real_file(ctx, step, home_fd, &st, "it was left untouched");
        goto out;
    } else {
        ssize_t n = readlinkat(home_fd, CURRENT, target, sizeof target - 1);
        if (n < 0) {
            status = step_finish(step, LU_STATUS_FAILED, "cannot read %s: %s",
                                 lu_display_path(ctx, CURRENT_PATH), strerror(errno));
            goto out;
        }
        target[n] = '\0';
        if (points_at(target, version)) {
            status = step_finish(step, LU_STATUS_UNCHANGED, "%s -> %s already", CURRENT_PATH,
                                 target);
            goto out;
        }
    }

    if (target[0])
        step_change(step, "%s -> %s (was -> %s)", CURRENT_PATH, version, target);
    else
        step_change(step, "%s -> %s (created)", CURRENT_PATH, version);
    if (!ctx->dry_run && swap_link(ctx, home_fd, version) < 0) {
        status = step_finish(step, LU_STATUS_FAILED,
                             "cannot point %s at %s: %s; fix by hand: ln -sfn %s %s",
                             lu_display_path(ctx, CURRENT_PATH), version,
                             errno == EEXIST ? CURRENT_TEMP " exists and is not a symlink"
                                             : strerror(errno),
                             version, lu_display_path(ctx, CURRENT_PATH));
        goto out;
    }
    status = step_finish(step, LU_STATUS_UNCHANGED, "%s points at %s", CURRENT_PATH, version);
out:
    close(home_fd);
    return status;
}
