/* step_epmd.c: the pre-phase epmd step. The guide says to stop a stale
 * epmd before upgrading to 1.3.8+ (its leofs-epmd.socket needs the port)
 * but never while a LeoFS node is registered with it. This step asks
 * systemd whether LeoFS node units run, asks the epmd on the port which
 * nodes it has, refuses while LeoFS nodes run, asks systemd which unit
 * listens on the port (and /proc which unit's cgroup holds the listener),
 * refuses while another unit (Debian's epmd.socket) holds it, warns about
 * other nodes or another program on the port, leaves LeoFS's own
 * leofs-epmd.socket and service alone and stops a stale epmd
 * (step_epmd_stop.c). The post phase's recovery uses the same judgement. */
#define _GNU_SOURCE
#include "conffile.h"
#include "epmd.h"
#include "process.h"
#include "root.h"
#include "step_epmd.h"
#include "systemd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_LIMIT (1u << 20)

static const char *const leofs_prefixes[] = {"manager_", "storage_", "gateway_", "leo_"};

struct epmd_hint epmd_names_hint(int port)
{
    struct epmd_hint hint;
    if (port == EPMD_DEFAULT_PORT)
        snprintf(hint.text, sizeof hint.text, "epmd -names");
    else
        snprintf(hint.text, sizeof hint.text, "ERL_EPMD_PORT=%d epmd -names", port);
    return hint;
}

size_t epmd_join_nodes(const struct epmd_names *names, const bool *leofs, bool want,
                       char *buffer, size_t size)
{
    size_t used = strlen(buffer), joined = 0, left_out = 0;
    for (size_t i = 0; i < names->count; i++) {
        if (leofs[i] != want)
            continue;
        const char *name = names->nodes[i].name;
        /* Keep room for ", and N more". */
        if (used + strlen(name) + 2 + 24 >= size) {
            left_out++;
            continue;
        }
        used += (size_t)snprintf(buffer + used, size - used, "%s%s", joined ? ", " : "", name);
        joined++;
    }
    if (left_out)
        snprintf(buffer + used, size - used, ", and %zu more", left_out);
    return joined + left_out;
}

/* The short node names ("storage_0" of "storage_0@127.0.0.1") that the
 * installed nodes' configuration files give. */
static size_t configured_names(struct lu_context *ctx, struct lu_step *step,
                               char names[][EPMD_NAME_MAX + 1])
{
    size_t count = 0;
    for (size_t i = 0; i < LEOFS_NODE_COUNT; i++) {
        const struct lu_node *node = &ctx->layout.nodes[i];
        if (!node->present || !node->config_dir)
            continue;
        char *path = layout_node_config_path(node);
        char *text = NULL, error[512];
        size_t length;
        struct conf_file conf = {0};
        if (!path || root_read_file(ctx->root_fd, path, CONF_LIMIT, &text, &length) < 0) {
            step_note(step, LU_LOG_DEBUG, "cannot read %s (%s): node names from it are not known",
                      path ? lu_display_path(ctx, path) : node->dir, strerror(errno));
        } else if (conf_parse(text, length, lu_display_path(ctx, path), &conf, error,
                              sizeof error) < 0) {
            step_note(step, LU_LOG_DEBUG, "%s: node names from it are not known", error);
        } else {
            const struct conf_entry *entry = conf_find(&conf, "nodename");
            size_t short_length = entry ? strcspn(entry->value, "@") : 0;
            if (short_length > 0 && short_length <= EPMD_NAME_MAX) {
                memcpy(names[count], entry->value, short_length);
                names[count++][short_length] = '\0';
            }
        }
        conf_free(&conf);
        free(text);
        free(path);
    }
    return count;
}

static bool is_leofs_name(const char *name, char configured[][EPMD_NAME_MAX + 1], size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, configured[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof leofs_prefixes / sizeof *leofs_prefixes; i++)
        if (strncmp(name, leofs_prefixes[i], strlen(leofs_prefixes[i])) == 0)
            return true;
    return false;
}

enum lu_status epmd_say(struct epmd_verdict *verdict, enum lu_status status, const char *format,
                        ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(verdict->message, sizeof verdict->message, format, args);
    va_end(args);
    return verdict->status = status;
}

/* Nodes are registered: refuse for LeoFS's, warn about the others. */
static enum lu_status judge_nodes(struct lu_context *ctx, struct lu_step *step, int port,
                                  const struct epmd_names *names, const char *then,
                                  struct epmd_verdict *verdict)
{
    char configured[LEOFS_NODE_COUNT][EPMD_NAME_MAX + 1];
    size_t configured_count = configured_names(ctx, step, configured);
    bool *leofs = calloc(names->count, sizeof *leofs);
    if (!leofs)
        return epmd_say(verdict, LU_STATUS_FAILED, "out of memory");
    size_t leofs_count = 0;
    for (size_t i = 0; i < names->count; i++) {
        leofs[i] = is_leofs_name(names->nodes[i].name, configured, configured_count);
        leofs_count += leofs[i];
        step_note(step, LU_LOG_DEBUG, "epmd on port %d has node %s (port %d)%s", port,
                  names->nodes[i].name, names->nodes[i].port, leofs[i] ? ": LeoFS's" : "");
    }
    char list[1024] = "";
    if (leofs_count) {
        epmd_join_nodes(names, leofs, true, list, sizeof list);
        epmd_say(verdict, LU_STATUS_REFUSED, "LeoFS nodes are running on this host (%s): stop them "
            "first, then %s", list, then);
    } else {
        epmd_join_nodes(names, leofs, false, list, sizeof list);
        epmd_say(verdict, LU_STATUS_WARNING, "epmd on port %d serves nodes that are not LeoFS's "
            "(%s): left running; leofs-epmd.socket cannot listen on port %d while it runs", port,
            list, port);
    }
    free(leofs);
    return verdict->status;
}

void epmd_describe_holder(int port, char *text, size_t size)
{
    pid_t pids[PROCESS_LISTENER_MAX];
    int count = process_listeners(port, pids, PROCESS_LISTENER_MAX);
    char comm[64], unit[SYSTEMD_UNIT_MAX], of[SYSTEMD_UNIT_MAX + 8] = "";
    if (count <= 0) {
        snprintf(text, size, "a process not found in /proc");
        return;
    }
    /* A socket systemd holds is also held by the service it started:
     * name that one, it says more. */
    pid_t pid = pids[0] == 1 && count > 1 ? pids[1] : pids[0];
    if (process_unit(pid, unit, sizeof unit))
        snprintf(of, sizeof of, " of %s", unit);
    if (process_comm(pid, comm, sizeof comm))
        snprintf(text, size, "pid %ld (%s)%s", (long)pid, comm, of);
    else
        snprintf(text, size, "pid %ld%s", (long)pid, of);
}

/* A systemd unit that is not LeoFS's holds the port. */
static enum lu_status in_the_way(struct lu_context *ctx, struct epmd_verdict *verdict, int port,
                                 const char *what, const char *units, const char *then)
{
    /* Only 1.3.8+ has leofs-epmd.socket: before that, nothing needs the port. */
    const char *version = ctx->request ? ctx->request->new_version : NULL;
    bool socket_needed = !version || lu_version_compare(version, LEOFS_SOCKET_VERSION) >= 0;
    return epmd_say(verdict, socket_needed ? LU_STATUS_REFUSED : LU_STATUS_WARNING,
        "port %d is held by %s, a systemd unit that is not LeoFS's: leofs-epmd.socket cannot "
        "listen there; run `systemctl disable --now %s`, then %s", port, what, units,
        socket_needed ? then : "start leofs-epmd.socket once LeoFS is 1.3.8 or later");
}

/* epmd answered with no node: LeoFS's own is left alone, another unit's
 * refused, a stale one named for stopping. */
static enum lu_status judge_idle(struct lu_context *ctx, struct lu_step *step, int port,
                                 const char *systemctl, const char *then,
                                 struct epmd_verdict *verdict)
{
    char unit[SYSTEMD_UNIT_MAX], service[SYSTEMD_UNIT_MAX];
    int socket = systemctl ? systemd_socket_on_port(step, systemctl, port, unit, service) : -1;
    if (socket == 1 && strcmp(unit, LEOFS_EPMD_SOCKET) == 0)
        return epmd_say(verdict, LU_STATUS_UNCHANGED, "epmd on port %d is LeoFS's, run by systemd "
                   "(%s): left alone", port, unit);
    if (socket == 1) {
        char units[2 * SYSTEMD_UNIT_MAX + 2];
        snprintf(units, sizeof units, "%s%s%s", unit, service[0] ? " " : "", service);
        return in_the_way(ctx, verdict, port, unit, units, then);
    }
    pid_t pids[PROCESS_LISTENER_MAX];
    int count = process_listeners(port, pids, PROCESS_LISTENER_MAX);
    if (count < 0)
        step_note(step, LU_LOG_DEBUG, "cannot read /proc/net/tcp: %s", strerror(errno));
    pid_t epmd = 0;
    for (int i = 0; i < count; i++) {
        bool in_unit = process_unit(pids[i], unit, sizeof unit);
        step_note(step, LU_LOG_DEBUG, "pid %ld holds port %d (%s)", (long)pids[i], port,
                  in_unit ? unit : "in no systemd service or scope");
        if (in_unit && strcmp(unit, LEOFS_EPMD_SERVICE) == 0)
            return epmd_say(verdict, LU_STATUS_UNCHANGED, "epmd on port %d is LeoFS's, run by "
                       "systemd (%s, pid %ld): left alone", port, unit, (long)pids[i]);
        size_t length = in_unit ? strlen(unit) : 0;
        if (length > 8 && strcmp(unit + length - 8, ".service") == 0) {
            char what[SYSTEMD_UNIT_MAX + 64];
            snprintf(what, sizeof what, "pid %ld of %s", (long)pids[i], unit);
            return in_the_way(ctx, verdict, port, what, unit, then);
        }
        if (pids[i] == 1)
            return epmd_say(verdict, LU_STATUS_WARNING, "port %d is held by PID 1, and %s: left "
                       "alone; leofs-epmd.socket cannot listen there unless that socket is "
                       "leofs-epmd.socket", port, systemctl ? "systemd did not say which of its "
                       "units listens there" : "no running systemd can be asked for its unit");
        if (!epmd && process_is_epmd(pids[i]))
            epmd = pids[i];
    }
    if (count <= 0)
        return epmd_say(verdict, LU_STATUS_WARNING, "epmd on port %d has no node, but no process "
                   "holding the port was found in /proc: left running; check `%s` shows no "
                   "node, stop that epmd by hand, then start leofs-epmd.socket", port,
                   epmd_names_hint(port).text);
    verdict->stale = epmd ? epmd : pids[0];
    return epmd_say(verdict, LU_STATUS_UNCHANGED, "stale epmd (pid %ld) on port %d has no node",
        (long)verdict->stale, port);
}

enum lu_status epmd_judge(struct lu_context *ctx, struct lu_step *step, int port,
                          const char *systemctl, const char *then, struct epmd_verdict *verdict)
{
    memset(verdict, 0, sizeof *verdict);
    char error[512], holder[SYSTEMD_UNIT_MAX + 96];
    if (systemctl) {
        /* A node started by its unit runs even when its epmd does not answer. */
        char units[512];
        int active = systemd_active_node_units(step, systemctl, units, sizeof units);
        if (active > 0)
            return epmd_say(verdict, LU_STATUS_REFUSED, "LeoFS node units are active (%s): a LeoFS "
                       "node runs on this host; stop it first (`systemctl stop %s`), then %s",
                       units, units, then);
        if (active < 0)
            step_note(step, LU_LOG_WARNING, "cannot ask systemd whether LeoFS node units are "
                      "active: going by epmd alone");
    }
    struct epmd_names names;
    enum epmd_result result = epmd_names(port, &names, error, sizeof error);
    switch (result) {
    case EPMD_NO_LISTENER:
        epmd_say(verdict, LU_STATUS_UNCHANGED, "no epmd on port %d", port);
        break;
    case EPMD_ANSWERED:
        if (names.count)
            judge_nodes(ctx, step, port, &names, then, verdict);
        else
            judge_idle(ctx, step, port, systemctl, then, verdict);
        break;
    case EPMD_NOT_EPMD:
        epmd_describe_holder(port, holder, sizeof holder);
        step_note(step, LU_LOG_DEBUG, "port %d: %s", port, error);
        epmd_say(verdict, LU_STATUS_WARNING, "port %d is held by %s, not epmd: left alone; "
            "leofs-epmd.socket cannot listen there", port, holder);
        break;
    case EPMD_NO_ANSWER:
        epmd_describe_holder(port, holder, sizeof holder);
        epmd_say(verdict, LU_STATUS_REFUSED, "port %d is held by %s, which accepted a connection "
            "but did not answer as epmd: cannot tell whether LeoFS nodes run: check `%s`, stop "
            "LeoFS nodes by hand, then %s", port, holder, epmd_names_hint(port).text, then);
        break;
    case EPMD_TOO_BIG:
        epmd_say(verdict, LU_STATUS_REFUSED, "epmd on port %d answered more than can be checked "
            "(%s): cannot tell whether LeoFS nodes run: check `%s`, stop LeoFS nodes by hand, "
            "then %s", port, error, epmd_names_hint(port).text, then);
        break;
    default:
        epmd_say(verdict, LU_STATUS_FAILED, "cannot ask epmd on port %d for its nodes: %s: check "
            "`%s`, then %s", port, error, epmd_names_hint(port).text, then);
        break;
    }
    epmd_names_free(&names);
    return verdict->status;
}

static int choose_port(struct lu_context *ctx, char *error, size_t size)
{
    if (ctx->policy.epmd_port >= 1 && ctx->policy.epmd_port <= 65535)
        return ctx->policy.epmd_port;
    return epmd_port_from_env(error, size);
}

enum lu_status epmd_run(struct lu_context *ctx, const char *systemctl)
{
    struct lu_step *step = step_begin(ctx, STEP_EPMD);
    /* A root other than "/" (an image, a chroot) has nodes on this host only
     * when its policy says which epmd port they use. */
    if (!ctx->root_is_host && !ctx->policy.epmd_port)
        return step_finish(step, LU_STATUS_SKIPPED, "the root %s is not this running system: "
                           "the host's epmd is not its business (set epmd_port in its "
                           "/etc/leofs/upgrade.conf if its nodes run here)", ctx->root);
    char error[512];
    int port = choose_port(ctx, error, sizeof error);
    if (port < 0)
        return step_finish(step, LU_STATUS_FAILED, "%s", error);
    struct epmd_verdict verdict;
    epmd_judge(ctx, step, port, systemctl, "retry the upgrade", &verdict);
    if (verdict.stale)
        epmd_stop_stale(ctx, step, port, verdict.stale, &verdict);
    return step_finish(step, verdict.status, "%s", verdict.message);
}

enum lu_status step_epmd(struct lu_context *ctx)
{
    return epmd_run(ctx, systemd_systemctl(ctx));
}
