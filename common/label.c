/* label.c: default SELinux contexts for files the steps touch (see label.h).
 *
 * libselinux is loaded with dlopen on first use, and only on a running
 * SELinux system (selinuxfs mounted) for the host's own root: the rpm plugin
 * is loaded into every rpm transaction, and linking libselinux (and with it
 * libpcre2) into it would cost every one of them. Built without libselinux's
 * headers, these functions do nothing.
 *
 * Test builds (LEOFS_FAULT_POINTS) take LEOFS_TEST_FILE_CONTEXTS=FILE: label
 * with the contexts of that file_contexts file, whether or not SELinux runs,
 * in any root (paths looked up as they are inside it), so that a test on a
 * machine without SELinux sees the labels written (tests/integration/
 * test_label.c). Release builds have no such switch. */
#define _GNU_SOURCE
#include "label.h"
#include "root.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_SELINUX
#include <dlfcn.h>
#include <selinux/label.h>
#include <selinux/selinux.h>

#define SELINUX_LIBRARY "libselinux.so.1"

/* The libselinux calls we use, resolved from the loaded library. */
struct selinux_calls {
    void *library;
    __typeof__(is_selinux_enabled) *is_enabled;
    __typeof__(selabel_open) *open;
    __typeof__(selabel_lookup) *lookup;
    __typeof__(selabel_close) *close;
    __typeof__(fsetfilecon) *set_fd;
    __typeof__(lsetfilecon) *set_link;
    __typeof__(freecon) *free_context;
};

struct labels {
    struct selinux_calls calls;
    struct selabel_handle *handle;
};

static int load(struct selinux_calls *c)
{
    c->library = dlopen(SELINUX_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!c->library)
        return -1;
    *(void **)&c->is_enabled = dlsym(c->library, "is_selinux_enabled");
    *(void **)&c->open = dlsym(c->library, "selabel_open");
    *(void **)&c->lookup = dlsym(c->library, "selabel_lookup");
    *(void **)&c->close = dlsym(c->library, "selabel_close");
    *(void **)&c->set_fd = dlsym(c->library, "fsetfilecon");
    *(void **)&c->set_link = dlsym(c->library, "lsetfilecon");
    *(void **)&c->free_context = dlsym(c->library, "freecon");
    if (!c->is_enabled || !c->open || !c->lookup || !c->close || !c->set_fd || !c->set_link ||
        !c->free_context) {
        dlclose(c->library);
        c->library = NULL;
        return -1;
    }
    return 0;
}

/* The file_contexts file a test build was told to label with, or NULL. */
static const char *test_file_contexts(void)
{
#ifdef LEOFS_FAULT_POINTS
    const char *file = getenv("LEOFS_TEST_FILE_CONTEXTS");
    if (file && *file)
        return file;
#endif
    return NULL;
}

static struct labels *labels(struct lu_context *ctx)
{
    static struct labels state;
    struct stat st;
    if (ctx->labels_tried)
        return ctx->labels;
    ctx->labels_tried = true;
    const char *forced = test_file_contexts();
    if (ctx->dry_run ||
        (!forced && (!ctx->root_is_host || stat("/sys/fs/selinux/enforce", &st) < 0)))
        return NULL;
    if (load(&state.calls) < 0) {
        lu_log(ctx, LU_LOG_WARNING, "SELinux is enabled but %s cannot be loaded: files keep the "
               "context they have", SELINUX_LIBRARY);
        return NULL;
    }
    if (forced) {
        struct selinux_opt path = {SELABEL_OPT_PATH, forced};
        if (!(state.handle = state.calls.open(SELABEL_CTX_FILE, &path, 1))) {
            lu_log(ctx, LU_LOG_WARNING, "SELinux file contexts cannot be read from %s (%s): "
                   "files keep the context they have", forced, strerror(errno));
            dlclose(state.calls.library);
            memset(&state, 0, sizeof state);
            return NULL;
        }
        ctx->labels = &state;
        return &state;
    }
    if (state.calls.is_enabled() <= 0 || !(state.handle = state.calls.open(SELABEL_CTX_FILE, NULL, 0))) {
        if (state.calls.is_enabled() > 0)
            lu_log(ctx, LU_LOG_WARNING, "SELinux file contexts cannot be read (%s): files keep "
                   "the context they have", strerror(errno));
        dlclose(state.calls.library);
        memset(&state, 0, sizeof state);
        return NULL;
    }
    ctx->labels = &state;
    return &state;
}

/* The link NAME in DIR_FD, which PATH's directory should be, by its path:
 * PATH's directory and NAME (a link made under a temporary name is labelled
 * for the PATH it is renamed to, but must be named by NAME until then). */
static int set_link_by_path(struct lu_context *ctx, struct labels *l, const char *path,
                            int dir_fd, const char *name, char *context)
{
    const char *last;
    struct stat a, b;
    int parent = root_open_parent(ctx->root_fd, path, &last);
    bool same = parent >= 0 && fstat(parent, &a) == 0 && fstat(dir_fd, &b) == 0 &&
                a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    if (parent >= 0)
        close(parent);
    char link_path[4200];
    int n = snprintf(link_path, sizeof link_path, "%.*s%s", (int)(last - path), path, name);
    if (!same || n < 0 || (size_t)n >= sizeof link_path) {
        errno = ESTALE;
        return -1;
    }
    return l->calls.set_link(link_path, context);
}

static void apply(struct lu_context *ctx, const char *path, mode_t mode, int fd, int dir_fd,
                  const char *name)
{
    struct labels *l = labels(ctx);
    char *context = NULL;
    if (!l)
        return;
    if (l->calls.lookup(l->handle, &context, path, (int)mode) < 0) {
        if (errno != ENOENT)
            lu_log(ctx, LU_LOG_WARNING, "no SELinux context for %s: %s", path, strerror(errno));
        return;
    }
    int r;
    if (fd >= 0) {
        r = l->calls.set_fd(fd, context);
    } else {
        /* A symlink cannot be opened: name it through its directory's fd,
         * or without /proc by its path (only when the root is the host's)
         * once that path's directory is seen to be DIR_FD's. */
        char link_path[4200];
        snprintf(link_path, sizeof link_path, "/proc/self/fd/%d/%s", dir_fd, name);
        r = l->calls.set_link(link_path, context);
        if (r < 0 && errno == ENOENT && ctx->root_is_host && access("/proc/self/fd", F_OK) < 0)
            r = set_link_by_path(ctx, l, path, dir_fd, name, context);
    }
    if (r < 0)
        lu_log(ctx, LU_LOG_WARNING, "cannot set SELinux context %s on %s: %s", context, path,
               strerror(errno));
    l->calls.free_context(context);
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
    struct labels *l = ctx->labels;
    if (l) {
        l->calls.close(l->handle);
        dlclose(l->calls.library);
        memset(l, 0, sizeof *l);
    }
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
