/* step_epmd_socket.c: the post-phase epmd-socket step, the guide's
 * recovery after an upgrade to 1.3.8 or later on a host run by systemd:
 * when leofs-epmd.socket is not active (typically failed because a stale
 * epmd held port 4369 during the package's own start), judge who holds its
 * port as the pre phase does (step_epmd.c) and stop a stale epmd with the
 * same proofs, then reset the socket, start it and check with systemd
 * that it listens. Another unit on the port, or LeoFS nodes registered
 * with the stale epmd, fail the step with what to do. */
#define _GNU_SOURCE
#include "epmd.h"
#include "step_epmd.h"
#include "systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define START_HINT "run `systemctl start " LEOFS_EPMD_SOCKET "`"

static const char *const unit_dirs[] = {
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
};

/* fstatat inside the root (PATH is absolute, as seen from the root). */
static int stat_in_root(const struct lu_context *ctx, const char *path, struct stat *st)
{
    return fstatat(ctx->root_fd, path + 1, st, AT_SYMLINK_NOFOLLOW);
}

/* Where the unit file is: 1 found (its dir in *dir), 0 absent, 2 masked. */
static int find_unit(const struct lu_context *ctx, const char **dir)
{
    char path[256];
    struct stat st;
    for (size_t i = 0; i < sizeof unit_dirs / sizeof *unit_dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", unit_dirs[i], LEOFS_EPMD_SOCKET);
        if (stat_in_root(ctx, path, &st) < 0)
            continue;
        *dir = unit_dirs[i];
        char target[64];
        ssize_t n = S_ISLNK(st.st_mode)
                        ? readlinkat(ctx->root_fd, path + 1, target, sizeof target - 1)
                        : -1;
        if (n > 0) {
            target[n] = '\0';
            if (strcmp(target, "/dev/null") == 0)
                return 2;
        }
        return 1;
    }
    return 0;
}

/* Clear the socket's port as the guide says: nothing to do when nothing
 * holds it; a stale epmd is stopped (with pre's proofs). False when the
 * step ended (*status) because the port cannot or must not be cleared. */
static bool clear_port(struct lu_context *ctx, struct lu_step *step, const char *systemctl,
                       int port, enum lu_status *status)
{
    if (!policy_step_enabled(&ctx->policy, STEP_EPMD)) {
        step_note(step, LU_LOG_INFO, "the epmd step is turned off in %s: whatever holds port %d "
                  "is left alone", ctx->policy.source, port);
        return true;
    }
    struct epmd_verdict verdict;
    epmd_judge(ctx, step, port, systemctl, START_HINT, &verdict);
    if (verdict.stale)
        epmd_stop_stale(ctx, step, port, verdict.stale, &verdict);
    switch (verdict.status) {
    case LU_STATUS_UNCHANGED:
        return true;
    case LU_STATUS_WARNING: /* an epmd serving other nodes: LeoFS nodes can use it too */
        *status = step_finish(step, LU_STATUS_WARNING, "%s is not active: %s", LEOFS_EPMD_SOCKET,
                              verdict.message);
        return false;
    default:
        *status = step_finish(step, LU_STATUS_FAILED, "%s is not active and cannot be started: %s",
                              LEOFS_EPMD_SOCKET, verdict.message);
        return false;
    }
}

/* Start the socket and check that systemd has it listening on PORT. */
static enum lu_status start_socket(struct lu_step *step, const char *systemctl, int port)
{
    char error[512], holder[1024];
    const char *reset_args[] = {"reset-failed", LEOFS_EPMD_SOCKET, NULL};
    const char *start_args[] = {"start", LEOFS_EPMD_SOCKET, NULL};
    int status = systemd_run(step, systemctl, reset_args, NULL, 0, error, sizeof error);
    if (status != 0) /* not failed, or not loaded: start says what matters */
        step_note(step, LU_LOG_DEBUG, "systemctl reset-failed %s: %s", LEOFS_EPMD_SOCKET, error);
    status = systemd_run(step, systemctl, start_args, NULL, 0, error, sizeof error);
    if (status != 0) {
        if (epmd_probe(port, holder, sizeof holder) == EPMD_ANSWERED) {
            char who[512];
            epmd_describe_holder(port, who, sizeof who);
            snprintf(holder, sizeof holder, "port %d is held by %s", port, who);
        } else {
            snprintf(holder, sizeof holder, "nothing else holds port %d", port);
        }
        return step_finish(step, LU_STATUS_FAILED, "systemctl start %s failed (%s): %s; see "
                           "`systemctl status %s`", LEOFS_EPMD_SOCKET, error, holder,
                           LEOFS_EPMD_SOCKET);
    }
    step_change(step, "started %s", LEOFS_EPMD_SOCKET);
    char unit[SYSTEMD_UNIT_MAX], service[SYSTEMD_UNIT_MAX];
    int listens = systemd_socket_on_port(step, systemctl, port, unit, service);
    if (listens == 1 && strcmp(unit, LEOFS_EPMD_SOCKET) == 0)
        return step_finish(step, LU_STATUS_UNCHANGED, "started %s (listening on port %d)",
                           LEOFS_EPMD_SOCKET, port);
    return step_finish(step, LU_STATUS_FAILED, "started %s, but systemd %s: see `systemctl "
                       "status %s`", LEOFS_EPMD_SOCKET, listens < 0 ? "cannot be asked whether "
                       "it listens" : "does not show it listening on that port",
                       LEOFS_EPMD_SOCKET);
}

enum lu_status epmd_socket_run(struct lu_context *ctx, const char *path)
{
    struct lu_step *step = step_begin(ctx, STEP_EPMD_SOCKET);
    if (!ctx->root_is_host)
        return step_finish(step, LU_STATUS_SKIPPED, "the root %s is not this running system: "
                           "its systemd units are not started", ctx->root);
    const char *version = ctx->layout.version;
    if (!version || lu_version_compare(version, LEOFS_SOCKET_VERSION) < 0)
        return step_finish(step, LU_STATUS_SKIPPED, "LeoFS %s has no %s (it came with %s)",
                           version ? version : "(none installed)", LEOFS_EPMD_SOCKET,
                           LEOFS_SOCKET_VERSION);
    struct stat st;
    if (stat_in_root(ctx, "/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode))
        return step_finish(step, LU_STATUS_SKIPPED, "systemd is not running (no "
                           "/run/systemd/system)");
    const char *dir = NULL;
    int unit = find_unit(ctx, &dir);
    if (unit == 0)
        return step_finish(step, LU_STATUS_SKIPPED, "%s is not installed (not in /etc, /run, "
                           "/usr/lib or /lib systemd/system)", LEOFS_EPMD_SOCKET);
    if (unit == 2)
        return step_finish(step, LU_STATUS_SKIPPED, "%s is masked (%s/%s links to /dev/null)",
                           LEOFS_EPMD_SOCKET, dir, LEOFS_EPMD_SOCKET);
    if (!path)
        return step_finish(step, LU_STATUS_FAILED, "systemctl is not in /usr/bin or /bin: start "
                           "%s by hand", LEOFS_EPMD_SOCKET);
    int active = systemd_unit_active(step, path, LEOFS_EPMD_SOCKET);
    if (active < 0)
        return step_finish(step, LU_STATUS_FAILED, "cannot ask systemd whether %s is active: "
                           START_HINT " by hand", LEOFS_EPMD_SOCKET);
    if (active)
        return step_finish(step, LU_STATUS_UNCHANGED, "%s is active", LEOFS_EPMD_SOCKET);
    int port = systemd_socket_port(step, path, LEOFS_EPMD_SOCKET, EPMD_DEFAULT_PORT);
    enum lu_status status;
    if (!clear_port(ctx, step, path, port, &status))
        return status;
    if (ctx->dry_run) {
        step_change(step, "reset-failed and start %s", LEOFS_EPMD_SOCKET);
        return step_finish(step, LU_STATUS_UNCHANGED, "%s is not active", LEOFS_EPMD_SOCKET);
    }
    return start_socket(step, path, port);
}

enum lu_status step_epmd_socket(struct lu_context *ctx)
{
    return epmd_socket_run(ctx, systemd_systemctl(ctx));
}
