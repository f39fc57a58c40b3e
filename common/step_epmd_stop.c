/* step_epmd_stop.c: stop a stale epmd (one with no node, not systemd's)
 * for the epmd step and the post phase's recovery, as the guide's "pkill
 * epmd" would but safely: ask it to exit with KILL_REQ (epmd itself
 * refuses while a node is registered); only when that did not work, and
 * only after epmd again shows no node, send SIGTERM to the one process
 * proven to be that epmd. Nothing else is ever signalled. */
#define _GNU_SOURCE
#include "epmd.h"
#include "process.h"
#include "step_epmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum lu_status stopped(struct lu_step *step, int port, pid_t pid,
                              struct epmd_verdict *verdict)
{
    step_change(step, "stopped stale epmd (pid %ld) on port %d", (long)pid, port);
    return epmd_say(verdict, LU_STATUS_UNCHANGED, "stopped stale epmd (pid %ld) on port %d",
               (long)pid, port);
}

static enum lu_status cannot_stop(int port, pid_t pid, const char *why,
                                  struct epmd_verdict *verdict)
{
    return epmd_say(verdict, LU_STATUS_FAILED, "could not stop stale epmd (pid %ld) on port %d: "
               "%s; check `%s` shows no node, then stop it by hand (kill %ld) and retry",
               (long)pid, port, why, epmd_names_hint(port).text, (long)pid);
}

/* KILL_REQ did not stop it: check again that no node is registered, then
 * SIGTERM the process if it is proven to be this epmd. */
static enum lu_status fallback(struct lu_step *step, int port, pid_t pid,
                               struct epmd_verdict *verdict)
{
    char error[512], why[640];
    struct epmd_names names;
    enum epmd_result result = epmd_names(port, &names, error, sizeof error);
    if (result == EPMD_NO_LISTENER) /* it went away after all */
        return stopped(step, port, pid, verdict);
    if (result == EPMD_ANSWERED && names.count) {
        bool *flags = calloc(names.count, sizeof *flags);
        char list[1024] = "";
        if (flags)
            epmd_join_nodes(&names, flags, false, list, sizeof list);
        free(flags);
        epmd_names_free(&names);
        return epmd_say(verdict, LU_STATUS_REFUSED, "nodes registered with epmd on port %d while "
                   "it was being stopped (%s): epmd left running; stop those nodes first, then "
                   "retry", port, list);
    }
    epmd_names_free(&names);
    if (result != EPMD_ANSWERED) {
        snprintf(why, sizeof why, "it no longer answers as epmd (%s)", error);
        return cannot_stop(port, pid, why, verdict);
    }
    if (!process_is_epmd(pid))
        return cannot_stop(port, pid, "that process is not proven to be epmd, so it is not "
                           "signalled", verdict);
    if (process_terminate_epmd(pid, port) < 0) {
        snprintf(why, sizeof why, "SIGTERM: %s",
                 errno == EPERM ? "it no longer holds the port as epmd" : strerror(errno));
        if (errno == ESRCH && epmd_wait_closed(port, EPMD_STOP_WAIT_MS))
            return stopped(step, port, pid, verdict);
        return cannot_stop(port, pid, why, verdict);
    }
    step_note(step, LU_LOG_DETAIL, "sent SIGTERM to epmd (pid %ld)", (long)pid);
    if (epmd_wait_closed(port, EPMD_STOP_WAIT_MS))
        return stopped(step, port, pid, verdict);
    snprintf(why, sizeof why, "port %d still accepts connections %d ms after SIGTERM", port,
             EPMD_STOP_WAIT_MS);
    return cannot_stop(port, pid, why, verdict);
}

enum lu_status epmd_stop_stale(struct lu_context *ctx, struct lu_step *step, int port, pid_t pid,
                               struct epmd_verdict *verdict)
{
    verdict->stale = pid;
    if (ctx->refused)
        return epmd_say(verdict, LU_STATUS_SKIPPED, "stale epmd (pid %ld) on port %d left running "
                   "because the upgrade was refused", (long)pid, port);
    if (ctx->dry_run) {
        step_change(step, "stop stale epmd (pid %ld) on port %d", (long)pid, port);
        return epmd_say(verdict, LU_STATUS_UNCHANGED, "stop stale epmd (pid %ld) on port %d: it "
                   "serves no node", (long)pid, port);
    }
    char error[512];
    bool killed = false;
    enum epmd_result result = epmd_kill(port, &killed, error, sizeof error);
    if (result == EPMD_ANSWERED && killed) {
        if (epmd_wait_closed(port, EPMD_STOP_WAIT_MS))
            return stopped(step, port, pid, verdict);
        step_note(step, LU_LOG_WARNING, "epmd on port %d accepted KILL_REQ but port %d still "
                  "accepts connections after %d ms", port, port, EPMD_STOP_WAIT_MS);
    } else if (result == EPMD_ANSWERED) {
        step_note(step, LU_LOG_WARNING, "epmd on port %d refused KILL_REQ (answered NO)", port);
    } else {
        step_note(step, LU_LOG_WARNING, "KILL_REQ to port %d did not work: %s", port, error);
    }
    return fallback(step, port, pid, verdict);
}
