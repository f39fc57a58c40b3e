/* policy.c: the policy file parser (see policy.h). */
#define _GNU_SOURCE
#include "policy.h"
#include "conffile.h"
#include "context.h"
#include "root.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_steps[] = {
    STEP_PACKAGES, STEP_EPMD, STEP_CURRENT, STEP_COOKIE, STEP_OWNERSHIP, STEP_PIPE_DIR,
    STEP_EPMD_SOCKET, STEP_TAKEOVER, STEP_DATA_MOVE,
};

static bool is_step(const char *name)
{
    for (size_t i = 0; i < sizeof known_steps / sizeof *known_steps; i++)
        if (strcmp(known_steps[i], name) == 0)
            return true;
    return false;
}

bool policy_valid_account_name(const char *name)
{
    if (!*name || strlen(name) > 32 || *name == '-')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

int policy_parse(const char *text, size_t length, const char *name, struct lu_policy *policy,
                 char *error, size_t error_size)
{
    struct conf_file file;
    if (conf_parse(text, length, name, &file, error, error_size) < 0)
        return -1;
    int result = 0;
    for (size_t i = 0; i < file.count && result == 0; i++) {
        const struct conf_entry *e = &file.entries[i];
        if (strcmp(e->key, "user") == 0 || strcmp(e->key, "group") == 0) {
            if (!policy_valid_account_name(e->value)) {
                snprintf(error, error_size, "%s:%u: '%s' is not a valid %s name", name, e->line,
                         e->value, e->key);
                result = -1;
                break;
            }
            char **slot = e->key[0] == 'u' ? &policy->user : &policy->group;
            free(*slot);
            *slot = strdup(e->value);
        } else if (strcmp(e->key, "data_dir") == 0 || strcmp(e->key, "pipe_dir") == 0) {
            bool data = e->key[0] == 'd';
            if (e->value[0] != '/') {
                snprintf(error, error_size, "%s:%u: %s must be an absolute path, not '%s'", name,
                         e->line, e->key, e->value);
                result = -1;
                break;
            }
            char ***list = data ? &policy->data_dirs : &policy->pipe_dirs;
            size_t *count = data ? &policy->data_dir_count : &policy->pipe_dir_count;
            char **grown = realloc(*list, (*count + 1) * sizeof *grown);
            char *normal = path_normalise(e->value);
            if (!grown || !normal) {
                free(normal);
                if (grown)
                    *list = grown;
                snprintf(error, error_size, "%s:%u: out of memory", name, e->line);
                result = -1;
                break;
            }
            *list = grown;
            grown[(*count)++] = normal;
        } else if (strcmp(e->key, "epmd_port") == 0) {
            char *end;
            long port = strtol(e->value, &end, 10);
            if (*end || port < 1 || port > 65535) {
                snprintf(error, error_size, "%s:%u: epmd_port must be a number from 1 to 65535",
                         name, e->line);
                result = -1;
                break;
            }
            policy->epmd_port = (int)port;
        } else if (is_step(e->key)) {
            bool off = strcmp(e->value, "off") == 0;
            if (!off && strcmp(e->value, "on") != 0) {
                snprintf(error, error_size, "%s:%u: %s takes 'on' or 'off', not '%s'", name,
                         e->line, e->key, e->value);
                result = -1;
                break;
            }
            for (size_t d = 0; d < policy->disabled_count; d++)
                if (strcmp(policy->disabled[d], e->key) == 0) {
                    free(policy->disabled[d]);
                    policy->disabled[d] = policy->disabled[--policy->disabled_count];
                    break;
                }
            if (off)
                policy->disabled[policy->disabled_count++] = strdup(e->key);
        } else {
            snprintf(error, error_size,
                     "%s:%u: unknown setting '%s' (known: user, group, epmd_port, data_dir, "
                     "pipe_dir and the step "
                     "names packages, epmd, current-symlink, cookie, ownership, pipe-dir, "
                     "epmd-socket, config-takeover, data-move)",
                     name, e->line, e->key);
            result = -1;
        }
    }
    conf_free(&file);
    if (result == 0) {
        free(policy->source);
        policy->source = strdup(name);
    }
    return result;
}

static bool listed(char *const *list, size_t count, const char *path)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i], path) == 0)
            return true;
    return false;
}

bool policy_confirms_data_dir(const struct lu_policy *policy, const char *path)
{
    return listed(policy->data_dirs, policy->data_dir_count, path);
}

bool policy_confirms_pipe_dir(const struct lu_policy *policy, const char *path)
{
    return listed(policy->pipe_dirs, policy->pipe_dir_count, path);
}

bool policy_step_enabled(const struct lu_policy *policy, const char *step)
{
    for (size_t i = 0; i < policy->disabled_count; i++)
        if (strcmp(policy->disabled[i], step) == 0)
            return false;
    return true;
}

void policy_free(struct lu_policy *policy)
{
    free(policy->user);
    free(policy->group);
    free(policy->source);
    for (size_t i = 0; i < policy->disabled_count; i++)
        free(policy->disabled[i]);
    for (size_t i = 0; i < policy->data_dir_count; i++)
        free(policy->data_dirs[i]);
    free(policy->data_dirs);
    for (size_t i = 0; i < policy->pipe_dir_count; i++)
        free(policy->pipe_dirs[i]);
    free(policy->pipe_dirs);
    memset(policy, 0, sizeof *policy);
}
