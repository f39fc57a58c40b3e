/* label.c: default SELinux contexts for files the steps touch (see label.h). */
#define _GNU_SOURCE
#include "label.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifdef HAVE_SELINUX
#include <selinux/label.h>
#include <selinux/selinux.h>

static struct selabel_handle *labels(struct lu_context *ctx)
{
    if (!ctx->labels_tried) {
        ctx->labels_tried = true;
        if (ctx->root_is_host && !ctx->dry_run && is_selinux_enabled() > 0) {
            ctx->labels = selabel_open(SELABEL_CTX_FILE, NULL, 0);
            if (!ctx->labels)
                lu_log(ctx, LU_LOG_WARNING, "SELinux is enabled but its file contexts cannot be "
                       "read (%s): files keep the context they have", strerror(errno));
        }
    }
    return ctx->labels;
}

static void apply(struct lu_context *ctx, const char *path, mode_t mode, int fd, int dir_fd,
                  const char *name)
{
    struct selabel_handle *handle = labels(ctx);
    char *context = NULL;
    if (!handle)
        return;
    if (selabel_lookup(handle, &context, path, mode) < 0) {
        if (errno != ENOENT)
            lu_log(ctx, LU_LOG_WARNING, "no SELinux context for %s: %s", path, strerror(errno));
        return;
    }
    int r;
    if (fd >= 0) {
        r = fsetfilecon(fd, context);
    } else {
        /* A symlink cannot be opened: name it through its directory fd. */
        char proc_path[64];
        snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d/", dir_fd);
        char full[4200];
        snprintf(full, sizeof full, "%s%s", proc_path, name);
        r = lsetfilecon(full, context);
    }
    if (r < 0)
        lu_log(ctx, LU_LOG_WARNING, "cannot set SELinux context %s on %s: %s", context, path,
               strerror(errno));
    freecon(context);
}

void label_fd(struct lu_context *ctx, int fd, const char *path, mode_t mode)
{
    apply(ctx, path, mode, fd, -1, NULL);
}

void label_symlink(struct lu_context *ctx, int dir_fd, const char *name, const char *path)
{
    apply(ctx, path, S_IFLNK, -1, dir_fd, name);
}

void label_close(struct lu_context *ctx)
{
    if (ctx->labels)
        selabel_close(ctx->labels);
    ctx->labels = NULL;
    ctx->labels_tried = false;
}

#else

void label_fd(struct lu_context *ctx, int fd, const char *path, mode_t mode)
{
    (void)ctx, (void)fd, (void)path, (void)mode;
}

void label_symlink(struct lu_context *ctx, int dir_fd, const char *name, const char *path)
{
    (void)ctx, (void)dir_fd, (void)name, (void)path;
}

void label_close(struct lu_context *ctx)
{
    (void)ctx;
}

#endif
