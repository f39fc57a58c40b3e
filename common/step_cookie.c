/* step_cookie.c: /usr/local/leofs/.erlang.cookie owned by the runner user
 * and group, mode 0400, never through a symlink; created when missing with
 * random content (32 hex digits, no newline, as LeoFS's packages make it),
 * written atomically without replacing one that appeared meanwhile. */
#define _GNU_SOURCE
#include "context.h"
#include "atomicfile.h"
#include "compat.h"
#include "label.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COOKIE ".erlang.cookie"
#define COOKIE_PATH LEOFS_HOME "/" COOKIE
#define COOKIE_MODE 0400

static int random_cookie(char text[33])
{
    unsigned char bytes[16];
    if (compat_random_bytes(bytes, sizeof bytes) < 0)
        return -1;
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(text + 2 * i, 3, "%02x", bytes[i]);
    return 0;
}

/* Put a new cookie in place without replacing one that appeared meanwhile;
 * 0, or -1 with errno (EEXIST: something is in its place), or -2 with
 * errno when there is no random source (compat.h: never a weaker one). */
static int create_cookie(struct lu_context *ctx, int home_fd, uid_t uid, gid_t gid)
{
    char text[33];
    struct stat like = {.st_uid = uid, .st_gid = gid, .st_mode = S_IFREG | COOKIE_MODE};
    if (random_cookie(text) < 0)
        return -2;
    return atomic_write(ctx, home_fd, COOKIE, COOKIE_PATH, text, 32, &like, false);
}

enum lu_status step_cookie(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_COOKIE);
    const struct lu_account *owner = &ctx->layout.runner;
    const char *shown = lu_display_path(ctx, COOKIE_PATH);
    if (!owner->found)
        return step_finish(step, LU_STATUS_FAILED, "%s", owner->lookup_error);

    int home_fd = layout_open_home(ctx->root_fd, O_RDONLY);
    if (home_fd < 0)
        return step_finish(step, LU_STATUS_FAILED, "cannot open %s: %s",
                           lu_display_path(ctx, LEOFS_HOME),
                           errno == ELOOP ? "it is a symlink not owned by root" : strerror(errno));

    enum lu_status status;
    int fd = openat(home_fd, COOKIE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        step_change(step, "created %s owned by %s, mode 0400", COOKIE_PATH, owner->user);
        int created = ctx->dry_run ? 0 : create_cookie(ctx, home_fd, owner->uid, owner->gid);
        if (created == -2)
            status = step_finish(step, LU_STATUS_FAILED, "cannot create %s: no random source "
                                 "(getrandom failed or is missing, and /dev/urandom: %s): make "
                                 "/dev/urandom available (in a chroot: mount /dev), or create the "
                                 "cookie by hand, then re-run", shown, strerror(errno));
        else if (created < 0)
            status = step_finish(step, LU_STATUS_FAILED, "cannot create %s: %s%s", shown,
                                 strerror(errno),
                                 errno == EEXIST ? " (something appeared in its place, or a "
                                                   "temporary file that is not ours is beside it; "
                                                   "remove it and re-run)" : "");
        else
            status = step_finish(step, LU_STATUS_UNCHANGED, "new cookie for %s", owner->user);
        close(home_fd);
        return status;
    }
    close(home_fd);
    if (fd < 0)
        return step_finish(step, errno == ELOOP ? LU_STATUS_REFUSED : LU_STATUS_FAILED,
                           errno == ELOOP ? "%s is a symlink: a cookie is never read or changed "
                                            "through a link; replace it with a regular file (or "
                                            "remove it to get a new one) and re-run"
                                          : "cannot open %s: %s",
                           shown, strerror(errno));

    struct stat st;
    if (fstat(fd, &st) < 0) {
        status = step_finish(step, LU_STATUS_FAILED, "cannot inspect %s: %s", shown, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        status = step_finish(step, LU_STATUS_REFUSED,
                             "%s is not a regular file: move it away and re-run to get a new cookie",
                             shown);
    } else if (st.st_nlink > 1) {
        status = step_finish(step, LU_STATUS_REFUSED,
                             "%s has %lu hard links, so changing its owner could change another "
                             "file: replace it with a copy (cp --remove-destination) and re-run",
                             shown, (unsigned long)st.st_nlink);
    } else {
        bool owner_right = st.st_uid == owner->uid && st.st_gid == owner->gid;
        bool mode_right = (st.st_mode & 07777) == COOKIE_MODE;
        if (!owner_right) {
            step_change(step, "%s owner %u:%u -> %s (%u:%u)", COOKIE_PATH, (unsigned)st.st_uid,
                        (unsigned)st.st_gid, owner->user, (unsigned)owner->uid,
                        (unsigned)owner->gid);
            if (!ctx->dry_run && fchown(fd, owner->uid, owner->gid) < 0)
                goto failed;
        }
        if (!mode_right || !owner_right) {
            /* chown may clear bits; set the mode after it */
            if (!mode_right)
                step_change(step, "%s mode %04o -> 0400", COOKIE_PATH, (unsigned)(st.st_mode & 07777));
            if (!ctx->dry_run && fchmod(fd, COOKIE_MODE) < 0)
                goto failed;
            if (!ctx->dry_run)
                label_fd(ctx, fd, COOKIE_PATH, S_IFREG | COOKIE_MODE);
        }
        if (st.st_size == 0)
            status = step_finish(step, LU_STATUS_WARNING,
                                 "%s is empty, and Erlang nodes refuse an empty cookie: remove it "
                                 "and re-run to get a new one",
                                 shown);
        else
            status = step_finish(step, LU_STATUS_UNCHANGED, "owned by %s, mode 0400", owner->user);
    }
    close(fd);
    return status;
failed:
    status = step_finish(step, LU_STATUS_FAILED, "cannot fix %s: %s; by hand: chown %s %s && chmod "
                         "0400 %s", shown, strerror(errno), owner->user, shown, shown);
    close(fd);
    return status;
}
