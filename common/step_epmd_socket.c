/* step_epmd_socket.c: the post-phase epmd-socket step, the guide's
 * recovery after an upgrade to 1.3.8 or later on a host run by systemd:
 * when leofs-epmd.socket is not active (typically failed because a stale
 * epmd held port 4369 during the package's own start), reset it and start
 * it with systemctl (run by absolute path, see program.h). */
#define _GNU_SOURCE
#include "epmd.h"
#include "program.h"
#include "step_epmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SOCKET_VERSION "1.3.8" /* the first version with leofs-epmd.socket */
#define SYSTEMCTL_TIMEOUT_MS 120000

static const char *const unit_dirs[] = {
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
};

static const char *const systemctl_paths[] = {"/usr/bin/systemctl", "/bin/systemctl"};

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

static char *const is_active_argv[] = {"systemctl", "--no-ask-password", "is-active",
                                      "--quiet", LEOFS_EPMD_SOCKET, NULL};
static char *const reset_failed_argv[] = {"systemctl", "--no-ask-password", "reset-failed",
                                          LEOFS_EPMD_SOCKET, NULL};
static char *const start_argv[] = {"systemctl", "--no-ask-password", "start", LEOFS_EPMD_SOCKET,
                                   NULL};

/* Run systemctl with ARGV, logging its output. -1 when it could not be run
 * (message in ERROR), else its exit status ("exit N" or how it ended in ERROR). */
static int systemctl(struct lu_step *step, const char *path, char *const argv[], char *error,
                     size_t error_size)
{
    struct spawn_result result;
    if (spawn_run(path, argv, SYSTEMCTL_TIMEOUT_MS, &result, error, error_size) < 0)
        return -1;
    char *save = NULL;
    for (char *line = strtok_r(result.output, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        step_note(step, LU_LOG_DEBUG, "systemctl %s: %s", argv[2], line);
    if (result.timed_out)
        snprintf(error, error_size, "killed after %d s", SYSTEMCTL_TIMEOUT_MS / 1000);
    else if (result.exit_status < 0)
        snprintf(error, error_size, "killed by signal %d", result.signal);
    else
        snprintf(error, error_size, "exit %d", result.exit_status);
    return result.exit_status < 0 ? 255 : result.exit_status;
}

enum lu_status epmd_socket_run(struct lu_context *ctx, const char *path)
{
    struct lu_step *step = step_begin(ctx, STEP_EPMD_SOCKET);
    if (!ctx->root_is_host)
        return step_finish(step, LU_STATUS_SKIPPED, "the root %s is not this running system: "
                           "its systemd units are not started", ctx->root);
    const char *version = ctx->layout.version;
    if (!version || lu_version_compare(version, SOCKET_VERSION) < 0)
        return step_finish(step, LU_STATUS_SKIPPED, "LeoFS %s has no %s (it came with %s)",
                           version ? version : "(none installed)", LEOFS_EPMD_SOCKET,
                           SOCKET_VERSION);
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
    char error[512];
    int status = systemctl(step, path, is_active_argv, error, sizeof error);
    if (status < 0)
        return step_finish(step, LU_STATUS_FAILED, "%s: run `systemctl start %s` by hand", error,
                           LEOFS_EPMD_SOCKET);
    if (status == 0)
        return step_finish(step, LU_STATUS_UNCHANGED, "%s is active", LEOFS_EPMD_SOCKET);
    if (ctx->dry_run) {
        step_change(step, "reset-failed and start %s", LEOFS_EPMD_SOCKET);
        return step_finish(step, LU_STATUS_UNCHANGED, "%s is not active", LEOFS_EPMD_SOCKET);
    }
    status = systemctl(step, path, reset_failed_argv, error, sizeof error);
    if (status != 0) /* not failed, or not loaded: start says what matters */
        step_note(step, LU_LOG_DEBUG, "systemctl reset-failed %s: %s", LEOFS_EPMD_SOCKET, error);
    status = systemctl(step, path, start_argv, error, sizeof error);
    if (status != 0)
        return step_finish(step, LU_STATUS_FAILED, "systemctl start %s failed (%s): see "
                           "systemctl status %s; an epmd outside systemd may hold port %d",
                           LEOFS_EPMD_SOCKET, error, LEOFS_EPMD_SOCKET, EPMD_DEFAULT_PORT);
    step_change(step, "started %s", LEOFS_EPMD_SOCKET);
    return step_finish(step, LU_STATUS_UNCHANGED, "started %s", LEOFS_EPMD_SOCKET);
}

enum lu_status step_epmd_socket(struct lu_context *ctx)
{
    struct stat st;
    const char *path = NULL;
    for (size_t i = 0; i < sizeof systemctl_paths / sizeof *systemctl_paths && !path; i++)
        if (lstat(systemctl_paths[i], &st) == 0 && S_ISREG(st.st_mode))
            path = systemctl_paths[i];
    return epmd_socket_run(ctx, path);
}
