/* systemd.c: ask the running systemd about units with systemctl (see
 * systemd.h). Nothing here changes a unit; the steps do that. */
#define _GNU_SOURCE
#include "systemd.h"
#include "program.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ARGS_MAX 8

static const char *const systemctl_paths[] = {"/usr/bin/systemctl", "/bin/systemctl"};

static const char *const node_units[] = {
    "leofs-manager-master.service",
    "leofs-manager-slave.service",
    "leofs-storage.service",
    "leofs-gateway.service",
};
#define NODE_UNIT_COUNT (sizeof node_units / sizeof *node_units)

const char *systemd_systemctl(const struct lu_context *ctx)
{
    struct stat st;
    if (!ctx->root_is_host || stat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode))
        return NULL;
    for (size_t i = 0; i < sizeof systemctl_paths / sizeof *systemctl_paths; i++)
        if (lstat(systemctl_paths[i], &st) == 0 && S_ISREG(st.st_mode))
            return systemctl_paths[i];
    return NULL;
}

int systemd_run(struct lu_step *step, const char *systemctl, const char *const args[],
                char *output, size_t output_size, char *error, size_t error_size)
{
    char *argv[ARGS_MAX + 3] = {"systemctl", "--no-ask-password"};
    size_t count = 2;
    for (size_t i = 0; args[i] && i < ARGS_MAX; i++)
        argv[count++] = (char *)args[i];
    argv[count] = NULL;
    struct spawn_result *result = malloc(sizeof *result);
    if (!result) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    if (spawn_run(systemctl, argv, SYSTEMCTL_TIMEOUT_MS, result, error, error_size) < 0) {
        free(result);
        return -1;
    }
    if (output)
        snprintf(output, output_size, "%s", result->output);
    char *save = NULL;
    for (char *line = strtok_r(result->output, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        step_note(step, LU_LOG_DEBUG, "systemctl %s: %s", args[0], line);
    int status = result->exit_status < 0 ? 255 : result->exit_status;
    if (result->timed_out)
        snprintf(error, error_size, "killed after %d s", SYSTEMCTL_TIMEOUT_MS / 1000);
    else if (result->exit_status < 0)
        snprintf(error, error_size, "killed by signal %d", result->signal);
    else
        snprintf(error, error_size, "exit %d", result->exit_status);
    free(result);
    return status;
}

int systemd_unit_active(struct lu_step *step, const char *systemctl, const char *unit)
{
    const char *args[] = {"is-active", "--quiet", unit, NULL};
    char error[256];
    int status = systemd_run(step, systemctl, args, NULL, 0, error, sizeof error);
    if (status < 0 || status == 255)
        step_note(step, LU_LOG_DEBUG, "systemctl is-active %s: %s", unit, error);
    return status < 0 || status == 255 ? -1 : status == 0;
}

/* Does the LISTEN column ("[::]:4369", "0.0.0.0:4369", "4369") name PORT? */
static bool listen_is_port(const char *listen, int port)
{
    if (strchr(listen, '/') || listen[0] == '@')
        return false; /* a socket file or an abstract name, not an address */
    const char *colon = strrchr(listen, ':');
    const char *digits = colon ? colon + 1 : listen;
    char *end;
    errno = 0;
    long value = strtol(digits, &end, 10);
    return digits[0] >= '0' && digits[0] <= '9' && *end == '\0' && errno == 0 && value == port;
}

bool systemd_parse_socket_list(const char *text, int port, char *unit, char *service)
{
    /* One line per listening address: "LISTEN UNIT ACTIVATES". */
    for (const char *line = text; line && *line;) {
        const char *next = strchr(line, '\n');
        size_t length = next ? (size_t)(next - line) : strlen(line);
        char copy[1024], listen[512], name[SYSTEMD_UNIT_MAX], activates[SYSTEMD_UNIT_MAX];
        if (length < sizeof copy) {
            memcpy(copy, line, length);
            copy[length] = '\0';
            activates[0] = '\0';
            int fields = sscanf(copy, "%511s %255s %255[^, \t]", listen, name, activates);
            size_t name_length = fields >= 2 ? strlen(name) : 0;
            if (fields >= 2 && name_length > 7 && strcmp(name + name_length - 7, ".socket") == 0 &&
                listen_is_port(listen, port)) {
                snprintf(unit, SYSTEMD_UNIT_MAX, "%s", name);
                snprintf(service, SYSTEMD_UNIT_MAX, "%s", fields == 3 ? activates : "");
                return true;
            }
        }
        line = next ? next + 1 : NULL;
    }
    return false;
}

int systemd_socket_on_port(struct lu_step *step, const char *systemctl, int port, char *unit,
                           char *service)
{
    /* Only sockets that hold their address: a failed one is listed too. */
    const char *args[] = {"list-sockets", "--no-legend", "--full", "--state=listening,running",
                          NULL};
    char *output = malloc(SPAWN_OUTPUT_MAX);
    char error[256];
    if (!output)
        return -1;
    int status = systemd_run(step, systemctl, args, output, SPAWN_OUTPUT_MAX, error, sizeof error);
    int found = -1;
    if (status != 0)
        step_note(step, LU_LOG_DEBUG, "systemctl list-sockets: %s", error);
    else if (strlen(output) + 1 >= SPAWN_OUTPUT_MAX)
        step_note(step, LU_LOG_DEBUG, "systemctl list-sockets: more output than can be read");
    else
        found = systemd_parse_socket_list(output, port, unit, service);
    free(output);
    return found;
}

int systemd_parse_listen_port(const char *value)
{
    /* "0.0.0.0:4369 (Stream)", "[::]:4369 (Stream)", "4369 (Stream)" */
    char address[256];
    if (sscanf(value, "%255s (Stream)", address) != 1 || !strstr(value, "(Stream)"))
        return 0;
    const char *colon = strrchr(address, ':');
    const char *digits = colon ? colon + 1 : address;
    char *end;
    long port = strtol(digits, &end, 10);
    return digits[0] >= '0' && digits[0] <= '9' && *end == '\0' && port >= 1 && port <= 65535
               ? (int)port
               : 0;
}

int systemd_socket_port(struct lu_step *step, const char *systemctl, const char *unit,
                        int fallback)
{
    const char *args[] = {"show", "--property=Listen", "--value", unit, NULL};
    char output[1024], error[256];
    int status = systemd_run(step, systemctl, args, output, sizeof output, error, sizeof error);
    int port = status == 0 ? systemd_parse_listen_port(output) : 0;
    if (!port)
        step_note(step, LU_LOG_DEBUG, "systemd names no stream port for %s: port %d assumed",
                  unit, fallback);
    return port ? port : fallback;
}

int systemd_active_node_units(struct lu_step *step, const char *systemctl, char *list,
                              size_t size)
{
    const char *args[] = {"is-active", node_units[0], node_units[1], node_units[2],
                          node_units[3], NULL};
    char output[1024], error[256];
    int status = systemd_run(step, systemctl, args, output, sizeof output, error, sizeof error);
    if (status < 0 || status == 255) {
        step_note(step, LU_LOG_DEBUG, "systemctl is-active: %s", error);
        return -1;
    }
    /* One state per unit, in the order asked. */
    size_t lines = 0, used = 0;
    int active = 0;
    list[0] = '\0';
    char *save = NULL;
    for (char *state = strtok_r(output, "\n", &save); state && lines < NODE_UNIT_COUNT;
         state = strtok_r(NULL, "\n", &save), lines++) {
        if (strcmp(state, "active") && strcmp(state, "activating") &&
            strcmp(state, "deactivating") && strcmp(state, "reloading") &&
            strcmp(state, "refreshing"))
            continue;
        int n = snprintf(list + used, size - used, "%s%s", active ? ", " : "", node_units[lines]);
        if (n > 0 && (size_t)n < size - used)
            used += (size_t)n;
        active++;
    }
    if (lines != NODE_UNIT_COUNT) {
        step_note(step, LU_LOG_DEBUG, "systemctl is-active gave %zu states for %zu units", lines,
                  NODE_UNIT_COUNT);
        return -1;
    }
    return active;
}
