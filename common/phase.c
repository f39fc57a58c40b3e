/* phase.c: run the pre, post and check phases: open the root, read the
 * policy and the layout, then run each step in order (see leofs/upgrade.h).
 *
 * Pre runs the read-only safety checks first and the one step that changes
 * something (stopping a stale epmd) last, so that a refusal changes nothing.
 * Post runs every step even when one fails: they are independent, and each
 * failure is reported with what to do. */
#define _GNU_SOURCE
#include "config_save.h"
#include "context.h"
#include "fault.h"
#include "label.h"
#include "root.h"
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLICY_PATH TRUST_POLICY_FILE
#define POLICY_LIMIT (64u << 10)

typedef enum lu_status step_fn(struct lu_context *ctx);

static int read_policy(struct lu_context *ctx, char *error, size_t error_size)
{
    const char *given = ctx->request->policy_path;
    char *data;
    size_t length;
    int r;
    if (given) {
        int fd = open(given, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        r = fd < 0 ? -1 : read_fd(fd, POLICY_LIMIT, &data, &length);
        int saved = errno;
        if (fd >= 0)
            close(fd);
        errno = saved;
    } else {
        struct trust trust;
        r = trust_read_file(ctx->root_fd, POLICY_PATH, POLICY_LIMIT, &data, &length, &trust);
        if (r < 0 && errno == ENOENT)
            return 0;
        if (r == 0 && !trust.trusted) {
            /* The policy confirms what other files may not decide. */
            snprintf(error, error_size, "policy file %s is not root's alone (%s): make it and its "
                     "directories owned by root and writable by root only, then re-run",
                     lu_display_path(ctx, POLICY_PATH), trust.why);
            free(data);
            return -1;
        }
    }
    const char *shown = given ? given : lu_display_path(ctx, POLICY_PATH);
    if (r < 0) {
        snprintf(error, error_size, "cannot read policy file %s: %s", shown,
                 errno == ELOOP ? "it is a symlink" : strerror(errno));
        return -1;
    }
    r = policy_parse(data, length, shown, &ctx->policy, error, error_size);
    free(data);
    return r;
}

/* Open the root and read the policy and layout. -1 after recording a
 * configuration error in the report. */
static int context_open(struct lu_context *ctx, const struct lu_request *request,
                        struct lu_report *report, const char *version)
{
    char error[1024];
    memset(ctx, 0, sizeof *ctx);
    ctx->request = request;
    ctx->report = report;
    ctx->root = request->root && *request->root ? request->root : "/";
    ctx->dry_run = request->dry_run;
    ctx->root_fd = root_open_dir(ctx->root);
    if (ctx->root_fd < 0) {
        snprintf(error, sizeof error, "cannot open root directory %s: %s", ctx->root,
                 strerror(errno));
        goto fail;
    }
    struct stat root_st, host_st;
    ctx->root_is_host = fstat(ctx->root_fd, &root_st) == 0 && stat("/", &host_st) == 0 &&
                        root_st.st_dev == host_st.st_dev && root_st.st_ino == host_st.st_ino;
    if (read_policy(ctx, error, sizeof error) < 0)
        goto fail;
    if (layout_load(ctx->root_fd, version, &ctx->policy, &ctx->layout, error, sizeof error) < 0)
        goto fail;
    for (size_t i = 0; i < ctx->layout.warning_count; i++)
        lu_log(ctx, LU_LOG_WARNING, "%s", ctx->layout.warnings[i]);
    return 0;
fail:
    lu_log(ctx, LU_LOG_ERROR, "%s", error);
    report_set_config_error(report, error);
    return -1;
}

static void context_close(struct lu_context *ctx)
{
    label_close(ctx);
    free(ctx->save_taken_over);
    layout_free(&ctx->layout);
    policy_free(&ctx->policy);
    if (ctx->root_fd >= 0)
        close(ctx->root_fd);
}

static void run_step(struct lu_context *ctx, const char *name, step_fn *fn)
{
    if (!policy_step_enabled(&ctx->policy, name)) {
        struct lu_step *step = step_begin(ctx, name);
        step_finish(step, LU_STATUS_SKIPPED, "turned off in %s", ctx->policy.source);
        return;
    }
    FAULT_POINT("step");
    fn(ctx);
}

static void pre_steps(struct lu_context *ctx)
{
    run_step(ctx, STEP_PACKAGES, step_packages);
    run_step(ctx, STEP_CURRENT, step_current_precheck);
    run_step(ctx, STEP_EPMD, step_epmd); /* last: the only one that changes anything */
}

static void post_steps(struct lu_context *ctx)
{
    /* First the data, so that the takeover sees where it is; then the
     * takeover: it may write into etc/, which the ownership step covers. */
    run_step(ctx, STEP_DATA_MOVE, step_data_move);
    run_step(ctx, STEP_TAKEOVER, step_takeover);
    run_step(ctx, STEP_CURRENT, step_current);
    run_step(ctx, STEP_COOKIE, step_cookie);
    run_step(ctx, STEP_OWNERSHIP, step_ownership);
    run_step(ctx, STEP_PIPE_DIR, step_pipe_dir);
    run_step(ctx, STEP_EPMD_SOCKET, step_epmd_socket);
    takeover_release_save(ctx);
    config_save_forget_replaced(ctx);
}

static enum lu_outcome finish(struct lu_report *report, struct lu_report **out)
{
    enum lu_outcome outcome = lu_report_outcome(report);
    if (out)
        *out = report;
    else
        lu_report_free(report);
    return outcome;
}

static enum lu_outcome run_phase(const struct lu_request *request, const char *name,
                                 void (*steps)(struct lu_context *), const char *version,
                                 struct lu_report **out)
{
    struct lu_context ctx;
    struct lu_report *report = report_new(name, request->root && *request->root ? request->root : "/");
    if (!report)
        return LU_OUTCOME_FAILED;
    if (context_open(&ctx, request, report, version) == 0) {
        report_set_version(report, version ? version : ctx.layout.version);
        steps(&ctx);
    }
    context_close(&ctx);
    return finish(report, out);
}

enum lu_outcome lu_run_pre(const struct lu_request *request, struct lu_report **report)
{
    /* Layout of what is installed now: the new version's files are not there yet. */
    return run_phase(request, "pre", pre_steps, NULL, report);
}

static void post_or_fail(struct lu_context *ctx)
{
    if (!ctx->layout.version) {
        char error[512];
        snprintf(error, sizeof error, "no LeoFS version is installed under %s: nothing to do after "
                 "the upgrade", lu_display_path(ctx, LEOFS_HOME));
        lu_log(ctx, LU_LOG_ERROR, "%s", error);
        report_set_config_error(ctx->report, error);
        return;
    }
    post_steps(ctx);
}

enum lu_outcome lu_run_post(const struct lu_request *request, struct lu_report **report)
{
    return run_phase(request, "post", post_or_fail, request->new_version, report);
}

static void check_steps(struct lu_context *ctx)
{
    pre_steps(ctx);
    if (ctx->layout.version)
        post_steps(ctx);
}

static bool version_unpacked(const struct lu_request *request, const char *version)
{
    int root_fd = root_open_dir(request->root);
    if (root_fd < 0)
        return false;
    char *dir = path_join(LEOFS_HOME, version);
    int fd = dir ? root_open(root_fd, dir, O_PATH | O_DIRECTORY, 0, 0) : -1;
    free(dir);
    close(root_fd);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

enum lu_outcome lu_run_check(const struct lu_request *request, struct lu_report **report)
{
    struct lu_request dry = *request;
    dry.dry_run = true;
    /* Before the package manager unpacks the new version, post's steps are
     * shown for the newest version that is there. */
    const char *version = request->new_version;
    if (version && !version_unpacked(request, version))
        version = NULL;
    return run_phase(&dry, "check", check_steps, version, report);
}

static void takeover_steps(struct lu_context *ctx)
{
    const char *from = ctx->request->old_version;
    char error[512] = "";
    if (!ctx->layout.version) {
        snprintf(error, sizeof error, "no LeoFS version is installed under %s: nothing to take "
                 "over", lu_display_path(ctx, LEOFS_HOME));
    } else if (from && !lu_version_is_name(from)) {
        snprintf(error, sizeof error, "'%s' is not a LeoFS version (expected e.g. 1.3.7)", from);
    } else if (from && !version_unpacked(ctx->request, from)) {
        snprintf(error, sizeof error, "LeoFS %s is not installed: %s/%s is not a directory", from,
                 lu_display_path(ctx, LEOFS_HOME), from);
    } else if (from && strcmp(from, ctx->layout.version) == 0) {
        snprintf(error, sizeof error, "--from and --to both name LeoFS %s: give --from the "
                 "version to take the settings from", from);
    }
    if (error[0]) {
        lu_log(ctx, LU_LOG_ERROR, "%s", error);
        report_set_config_error(ctx->report, error);
        return;
    }
    run_step(ctx, STEP_DATA_MOVE, step_data_move);
    run_step(ctx, STEP_TAKEOVER, step_takeover);
    takeover_release_save(ctx);
    config_save_forget_replaced(ctx);
}

enum lu_outcome lu_run_takeover(const struct lu_request *request, const char *from_version,
                                const char *to_version, struct lu_report **report)
{
    struct lu_request alone = *request;
    alone.old_version = from_version;
    alone.new_version = to_version;
    return run_phase(&alone, "takeover", takeover_steps, to_version, report);
}

static void save_steps(struct lu_context *ctx)
{
    step_config_save(ctx);
}

enum lu_outcome lu_run_save(const struct lu_request *request, const char *version,
                            struct lu_report **report)
{
    /* A version the package database lists whose dir is gone (moved by
     * hand, rpm --justdb) has nothing the package manager could erase. */
    if (version && !version_unpacked(request, version)) {
        if (report)
            *report = NULL;
        return LU_OUTCOME_OK;
    }
    return run_phase(request, "save", save_steps, version, report);
}
