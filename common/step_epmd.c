/* step_epmd.c: the pre-phase epmd step. The guide says to stop a stale
 * epmd before upgrading to 1.3.8+ (its leofs-epmd.socket needs the port)
 * but never while a LeoFS node is registered with it. This step asks the
 * epmd on the port which nodes it has, refuses while LeoFS nodes run,
 * warns about other nodes or another program on the port, leaves systemd's
 * epmd alone and stops a stale one (step_epmd_stop.c). */
#define _GNU_SOURCE
#include "conffile.h"
#include "epmd.h"
#include "process.h"
#include "root.h"
#include "step_epmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_LIMIT (1u << 20)

static const char *const leofs_prefixes[] = {"manager_", "storage_", "gateway_", "leo_"};

const char *epmd_names_hint(int port)
{
    static _Thread_local char buffers[2][64];
    static _Thread_local unsigned next;
    char *buffer = buffers[next++ % 2];
    if (port == EPMD_DEFAULT_PORT)
        snprintf(buffer, sizeof buffers[0], "epmd -names");
    else
        snprintf(buffer, sizeof buffers[0], "ERL_EPMD_PORT=%d epmd -names", port);
    return buffer;
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

/* Nodes are registered: refuse for LeoFS's, warn about the others. */
static enum lu_status judge_nodes(struct lu_context *ctx, struct lu_step *step, int port,
                                  const struct epmd_names *names)
{
    char configured[LEOFS_NODE_COUNT][EPMD_NAME_MAX + 1];
    size_t configured_count = configured_names(ctx, step, configured);
    bool *leofs = calloc(names->count, sizeof *leofs);
    if (!leofs)
        return step_finish(step, LU_STATUS_FAILED, "out of memory");
    size_t leofs_count = 0;
    for (size_t i = 0; i < names->count; i++) {
        leofs[i] = is_leofs_name(names->nodes[i].name, configured, configured_count);
        leofs_count += leofs[i];
        step_note(step, LU_LOG_DEBUG, "epmd on port %d has node %s (port %d)%s", port,
                  names->nodes[i].name, names->nodes[i].port, leofs[i] ? ": LeoFS's" : "");
    }
    char list[1024] = "";
    enum lu_status status;
    if (leofs_count) {
        epmd_join_nodes(names, leofs, true, list, sizeof list);
        status = step_finish(step, LU_STATUS_REFUSED, "LeoFS nodes are running on this host (%s): "
                             "stop them first, then retry the upgrade", list);
    } else {
        epmd_join_nodes(names, leofs, false, list, sizeof list);
        status = step_finish(step, LU_STATUS_WARNING, "epmd on port %d serves nodes that are not "
                             "LeoFS's (%s): left running; leofs-epmd.socket cannot listen on port "
                             "%d while it runs", port, list, port);
    }
    free(leofs);
    return status;
}

/* "pid 123 (python3)", or "an unknown process" when /proc does not say. */
static void describe_holder(int port, char *text, size_t size, pid_t *pid_out)
{
    pid_t pids[PROCESS_LISTENER_MAX];
    int count = process_listeners(port, pids, PROCESS_LISTENER_MAX);
    char comm[64];
    *pid_out = count > 0 ? pids[0] : 0;
    if (count <= 0)
        snprintf(text, size, "a process not found in /proc");
    else if (process_comm(pids[0], comm, sizeof comm))
        snprintf(text, size, "pid %ld (%s)", (long)pids[0], comm);
    else
        snprintf(text, size, "pid %ld", (long)pids[0]);
}

/* epmd answered with no node: systemd's is left alone, a stale one stopped. */
static enum lu_status judge_idle(struct lu_context *ctx, struct lu_step *step, int port)
{
    pid_t pids[PROCESS_LISTENER_MAX];
    int count = process_listeners(port, pids, PROCESS_LISTENER_MAX);
    if (count < 0)
        step_note(step, LU_LOG_DEBUG, "cannot read /proc/net/tcp: %s", strerror(errno));
    pid_t epmd = 0;
    for (int i = 0; i < count; i++) {
        if (pids[i] == 1 || process_in_unit(pids[i], LEOFS_EPMD_SERVICE))
            return step_finish(step, LU_STATUS_UNCHANGED, "epmd on port %d is run by systemd "
                               "(%s, pid %ld): left alone", port, pids[i] == 1 ? "socket "
                               "activation" : LEOFS_EPMD_SERVICE, (long)pids[i]);
        if (!epmd && process_is_epmd(pids[i]))
            epmd = pids[i];
    }
    if (count <= 0)
        return step_finish(step, LU_STATUS_WARNING, "epmd on port %d has no node, but no process "
                           "holding the port was found in /proc: left running; check `%s` shows "
                           "no node, stop that epmd by hand, then start leofs-epmd.socket",
                           port, epmd_names_hint(port));
    return epmd_stop_stale(ctx, step, port, epmd ? epmd : pids[0]);
}

static int choose_port(struct lu_context *ctx, char *error, size_t size)
{
    if (ctx->policy.epmd_port >= 1 && ctx->policy.epmd_port <= 65535)
        return ctx->policy.epmd_port;
    return epmd_port_from_env(error, size);
}

enum lu_status step_epmd(struct lu_context *ctx)
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
    struct epmd_names names;
    enum epmd_result result = epmd_names(port, &names, error, sizeof error);
    enum lu_status status;
    char holder[128];
    pid_t pid;
    switch (result) {
    case EPMD_NO_LISTENER:
        status = step_finish(step, LU_STATUS_UNCHANGED, "no epmd on port %d", port);
        break;
    case EPMD_ANSWERED:
        status = names.count ? judge_nodes(ctx, step, port, &names) : judge_idle(ctx, step, port);
        break;
    case EPMD_NOT_EPMD:
        describe_holder(port, holder, sizeof holder, &pid);
        step_note(step, LU_LOG_DEBUG, "port %d: %s", port, error);
        status = step_finish(step, LU_STATUS_WARNING, "port %d is held by %s, not epmd: left "
                             "alone; leofs-epmd.socket cannot listen there", port, holder);
        break;
    case EPMD_NO_ANSWER:
        describe_holder(port, holder, sizeof holder, &pid);
        status = step_finish(step, LU_STATUS_REFUSED, "port %d is held by %s, which accepted a "
                             "connection but did not answer as epmd: cannot tell whether LeoFS "
                             "nodes run: check `%s`, stop LeoFS nodes by hand, then retry",
                             port, holder, epmd_names_hint(port));
        break;
    case EPMD_TOO_BIG:
        status = step_finish(step, LU_STATUS_REFUSED, "epmd on port %d answered more than can be "
                             "checked (%s): cannot tell whether LeoFS nodes run: check `%s`, stop "
                             "LeoFS nodes by hand, then retry", port, error,
                             epmd_names_hint(port));
        break;
    default:
        status = step_finish(step, LU_STATUS_FAILED, "cannot ask epmd on port %d for its nodes: "
                             "%s: check `%s`, then retry", port, error, epmd_names_hint(port));
        break;
    }
    epmd_names_free(&names);
    return status;
}
