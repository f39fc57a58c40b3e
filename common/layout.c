/* layout.c: find LeoFS's version dirs, node dirs, config locations and
 * runner users inside a root (see layout.h). */
#define _GNU_SOURCE
#include "layout.h"
#include "accounts.h"
#include "config_save.h"
#include "envfile.h"
#include "leofs/upgrade.h"
#include "policy.h"
#include "root.h"
#include "trust.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENV_FILE_LIMIT (1u << 20)

static const struct {
    const char *dir, *type;
} node_kinds[LEOFS_NODE_COUNT] = {
    {"leo_manager_0", "manager"},
    {"leo_manager_1", "manager"},
    {"leo_storage", "storage"},
    {"leo_gateway", "gateway"},
};

static int by_version(const void *a, const void *b)
{
    return lu_version_compare(*(char *const *)a, *(char *const *)b);
}

int layout_open_home(int root_fd, int flags)
{
    return root_open(root_fd, LEOFS_HOME, flags | O_DIRECTORY, ROOT_FOLLOW_TRUSTED, 0);
}

int layout_list_versions(int root_fd, char ***versions)
{
    *versions = NULL;
    int fd = layout_open_home(root_fd, O_RDONLY);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return -1;
    }
    char **list = NULL;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        struct stat st;
        if (!lu_version_is_name(entry->d_name) ||
            fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
            continue;
        char **grown = realloc(list, (size_t)(count + 1) * sizeof *grown);
        if (!grown || !(grown[count] = strdup(entry->d_name))) {
            layout_free_versions(grown ? grown : list, count);
            closedir(dir);
            errno = ENOMEM;
            return -1;
        }
        list = grown;
        count++;
    }
    closedir(dir);
    if (count > 1)
        qsort(list, (size_t)count, sizeof *list, by_version);
    *versions = list;
    return count;
}

void layout_free_versions(char **versions, int count)
{
    for (int i = 0; i < count; i++)
        free(versions[i]);
    free(versions);
}

/* Read an environment file; a missing one is an empty file (trusted: it
 * says nothing). */
static int read_env(int root_fd, const char *path, struct env_file *env, struct trust *trust,
                    char *error, size_t error_size)
{
    char *data;
    size_t length;
    env->entries = NULL;
    env->count = 0;
    if (trust_read_file(root_fd, path, ENV_FILE_LIMIT, &data, &length, trust) < 0) {
        trust->trusted = true;
        if (errno == ENOENT)
            return 0;
        snprintf(error, error_size, "cannot read %s: %s", path,
                 errno == ELOOP ? "it is a symlink not owned by root" : strerror(errno));
        return -1;
    }
    int r = env_parse(data, length, path, env, error, error_size);
    free(data);
    return r;
}

/* A RUNNER_USER value, or NULL when unset, empty, or not a plain value. */
static const struct env_entry *runner_user_of(const struct env_file *env)
{
    const struct env_entry *e = env_find(env, "RUNNER_USER");
    return e && !e->expands && e->value[0] ? e : NULL;
}

/* The environment file PATH is root's alone and sets KEY=VALUE. */
static bool trusted_env_sets(int root_fd, const char *path, const char *key, const char *value)
{
    char *data, error[256];
    size_t length;
    struct trust trust;
    struct env_file env;
    bool found = false;
    if (trust_read_file(root_fd, path, ENV_FILE_LIMIT, &data, &length, &trust) < 0)
        return false;
    if (trust.trusted && env_parse(data, length, path, &env, error, sizeof error) == 0) {
        const struct env_entry *e = env_find(&env, key);
        found = e && !e->expands && strcmp(e->value, value) == 0;
        env_free(&env);
    }
    free(data);
    return found;
}

/* KEY=VALUE is also set in a root-only environment file of NODE in another
 * version dir, as it was or saved by the package manager: the takeover
 * carried root's own choice into a file it wrote (which trust.h never
 * trusts by itself). */
static bool confirmed_by_other_version(int root_fd, const struct lu_layout *layout,
                                       const struct lu_node *node, const char *key,
                                       const char *value)
{
    if (layout->global_config)
        return false; /* one config dir for every version */
    char **versions;
    int count = layout_list_versions(root_fd, &versions);
    bool found = false;
    for (int v = 0; v < count && !found; v++) {
        char etc[512];
        snprintf(etc, sizeof etc, LEOFS_HOME "/%s/%s/etc", versions[v], node->dir);
        if (strcmp(versions[v], layout->version) == 0 || !trust_dir(root_fd, etc))
            continue; /* nothing in a dir someone else can write is root's choice */
        for (size_t s = 0; trust_saved_suffixes[s] && !found; s++) {
            char *path;
            if (asprintf(&path, "%s/leo_%s.environment%s", etc, node->type,
                         trust_saved_suffixes[s]) < 0)
                continue;
            found = trusted_env_sets(root_fd, path, key, value);
            free(path);
        }
    }
    layout_free_versions(versions, count > 0 ? count : 0);
    /* Saves of versions the package manager removed: a file saved under
     * its own name was root's alone (config_save.h). */
    count = found ? 0 : config_save_list(root_fd, &versions);
    for (int v = 0; v < count && !found; v++) {
        char *path;
        if (strcmp(versions[v], layout->version) == 0 ||
            asprintf(&path, CONFIG_SAVE_HOME "/%s/%s/leo_%s.environment", versions[v], node->dir,
                     node->type) < 0)
            continue;
        found = trusted_env_sets(root_fd, path, key, value);
        free(path);
    }
    layout_free_versions(versions, count > 0 ? count : 0);
    return found;
}

/* RUNNER_USER from FILE, or NULL to use the safe default. A file that
 * someone other than root can write may only name the default user: uid 0
 * or another account from there would let that user choose who gets the
 * node's files. *REFUSED gets the reason when the value is not used. */
static const char *trusted_runner(const struct env_entry *e, const char *file,
                                  const struct trust *trust, char **refused)
{
    if (!e)
        return NULL;
    if (!policy_valid_account_name(e->value)) {
        if (asprintf(refused, "RUNNER_USER in %s:%u is not a valid user name: the default '%s' "
                     "is used; fix it, or set `user = NAME` in " TRUST_POLICY_FILE, file, e->line,
                     LEOFS_DEFAULT_USER) < 0)
            *refused = NULL;
        return NULL;
    }
    if (trust->trusted || strcmp(e->value, LEOFS_DEFAULT_USER) == 0)
        return e->value;
    if (asprintf(refused, "RUNNER_USER=%s in %s:%u is not used (%s, and only root may choose "
                 "the user): the default is; if %s is right, add `user = %s` to "
                 TRUST_POLICY_FILE, e->value, file, e->line, trust->why, e->value, e->value) < 0)
        *refused = NULL;
    return NULL;
}

static void resolve_account(int root_fd, const char *user, const char *group,
                            struct lu_account *account)
{
    account->user = strdup(user);
    account->group = group ? strdup(group) : NULL;
    account->found = false;
    if (accounts_find_user(root_fd, user, &account->uid, &account->gid) < 0) {
        snprintf(account->lookup_error, sizeof account->lookup_error,
                 errno == ENOENT ? "user '%s' does not exist in /etc/passwd of the root: create it "
                                   "(LeoFS's package does) or set user= in /etc/leofs/upgrade.conf"
                                 : "cannot read /etc/passwd of the root to find user '%s'",
                 user);
        return;
    }
    if (group && accounts_find_group(root_fd, group, &account->gid) < 0) {
        snprintf(account->lookup_error, sizeof account->lookup_error,
                 errno == ENOENT ? "group '%s' does not exist in /etc/group of the root: create it "
                                   "or fix group= in /etc/leofs/upgrade.conf"
                                 : "cannot read /etc/group of the root to find group '%s'",
                 group);
        return;
    }
    account->found = true;
}

static void add_warning(struct lu_layout *layout, char *message)
{
    char **grown = realloc(layout->warnings, (layout->warning_count + 1) * sizeof *grown);
    if (!grown || !message) {
        free(message);
        return;
    }
    layout->warnings = grown;
    layout->warnings[layout->warning_count++] = message;
}

static int choose_version(int root_fd, const char *wanted, struct lu_layout *layout, char *error,
                          size_t error_size)
{
    char **versions;
    int count = layout_list_versions(root_fd, &versions);
    if (count < 0) {
        snprintf(error, error_size, "cannot list %s: %s", LEOFS_HOME, strerror(errno));
        return -1;
    }
    int result = 0;
    if (wanted) {
        int i = 0;
        while (i < count && strcmp(versions[i], wanted) != 0)
            i++;
        if (i == count) {
            snprintf(error, error_size, "LeoFS %s is not installed: %s/%s is not a directory",
                     wanted, LEOFS_HOME, wanted);
            result = -1;
        } else {
            layout->version = strdup(wanted);
        }
    } else if (count > 0) {
        layout->version = strdup(versions[count - 1]);
    }
    layout_free_versions(versions, count);
    return result;
}

int layout_load(int root_fd, const char *version, const struct lu_policy *policy,
                struct lu_layout *layout, char *error, size_t error_size)
{
    struct env_file global = {0};
    memset(layout, 0, sizeof *layout);

    if (version && !lu_version_is_name(version)) {
        snprintf(error, error_size, "'%s' is not a LeoFS version (expected e.g. 1.3.8)", version);
        return -1;
    }
    if (choose_version(root_fd, version, layout, error, error_size) < 0)
        return -1;
    struct trust global_trust;
    if (read_env(root_fd, LEOFS_GLOBAL_CONF, &global, &global_trust, error, error_size) < 0)
        return -1;
    const struct env_entry *gc = env_find(&global, "GLOBAL_CONFIG");
    layout->global_config = gc && strcmp(gc->value, "yes") == 0;
    char *global_refused = NULL;
    const char *global_user = trusted_runner(runner_user_of(&global), LEOFS_GLOBAL_CONF,
                                             &global_trust, &global_refused);
    if (global_refused && !policy->user)
        add_warning(layout, global_refused);
    else
        free(global_refused);

    if (layout->version)
        layout->version_dir = path_join(LEOFS_HOME, layout->version);

    const char *common_user = NULL;
    bool users_differ = false;
    int result = 0;
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        struct lu_node *node = &layout->nodes[i];
        node->dir = node_kinds[i].dir;
        node->type = node_kinds[i].type;
        if (!layout->version_dir)
            continue;
        node->node_dir = path_join(layout->version_dir, node->dir);
        struct stat st;
        int fd = root_open(root_fd, node->node_dir, O_PATH | O_DIRECTORY, 0, 0);
        node->present = fd >= 0 && fstat(fd, &st) == 0;
        if (fd >= 0)
            close(fd);
        if (!node->present)
            continue;
        char etc[64];
        snprintf(etc, sizeof etc, "%s/%s", LEOFS_ETC, node->dir);
        node->config_dir = layout->global_config ? strdup(etc) : path_join(node->node_dir, "etc");

        char name[64];
        snprintf(name, sizeof name, "leo_%s.environment", node->type);
        char *env_path = path_join(node->config_dir, name);
        struct env_file env;
        struct trust trust;
        if (read_env(root_fd, env_path, &env, &trust, error, error_size) < 0) {
            free(env_path);
            result = -1;
            break;
        }
        const struct env_entry *pipe = env_find(&env, "PIPE_DIR");
        if (pipe && pipe->value[0]) {
            node->pipe_dir = strdup(pipe->value);
            node->pipe_dir_expands = pipe->expands;
            node->pipe_dir_trusted =
                trust.trusted || (!pipe->expands && confirmed_by_other_version(
                                                        root_fd, layout, node, "PIPE_DIR",
                                                        pipe->value));
            if (asprintf(&node->pipe_dir_origin, trust.trusted ? "%s:%u" : "%s:%u, where %s",
                         env_path, pipe->line, trust.why) < 0)
                node->pipe_dir_origin = NULL;
        }
        /* The launch script reads leofs.conf, then the node's file. */
        const char *user = policy->user;
        const struct env_entry *named = runner_user_of(&env);
        struct trust effective = trust;
        if (!user && named && !trust.trusted && strcmp(named->value, LEOFS_DEFAULT_USER) != 0)
            effective.trusted =
                confirmed_by_other_version(root_fd, layout, node, "RUNNER_USER", named->value);
        if (!user)
            user = trusted_runner(named, env_path, &effective, &node->runner_refused);
        free(env_path);
        if (!user)
            user = global_user ? global_user : LEOFS_DEFAULT_USER;
        resolve_account(root_fd, user, policy->group, &node->runner);
        if (common_user && strcmp(common_user, user) != 0)
            users_differ = true;
        if (!common_user)
            common_user = node->runner.user;
        env_free(&env);
    }

    if (result == 0) {
        const char *owner = policy->user ? policy->user : global_user;
        if (!owner)
            owner = common_user && !users_differ ? common_user : LEOFS_DEFAULT_USER;
        if (users_differ && !policy->user && !global_user) {
            char *message;
            if (asprintf(&message,
                         "nodes run as different users; shared files go to '%s' (set user= in "
                         "/etc/leofs/upgrade.conf or RUNNER_USER in %s to choose)",
                         owner, LEOFS_GLOBAL_CONF) >= 0)
                add_warning(layout, message);
        }
        resolve_account(root_fd, owner, policy->group, &layout->runner);
    }
    env_free(&global);
    if (result < 0)
        layout_free(layout);
    return result;
}

static void free_account(struct lu_account *account)
{
    free(account->user);
    free(account->group);
}

void layout_free(struct lu_layout *layout)
{
    free(layout->version);
    free(layout->version_dir);
    free_account(&layout->runner);
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        free(layout->nodes[i].node_dir);
        free(layout->nodes[i].config_dir);
        free(layout->nodes[i].pipe_dir);
        free(layout->nodes[i].pipe_dir_origin);
        free(layout->nodes[i].runner_refused);
        free_account(&layout->nodes[i].runner);
    }
    for (size_t i = 0; i < layout->warning_count; i++)
        free(layout->warnings[i]);
    free(layout->warnings);
    memset(layout, 0, sizeof *layout);
}

char *layout_node_config_path(const struct lu_node *node)
{
    char name[64];
    snprintf(name, sizeof name, "leo_%s.conf", node->type);
    return path_join(node->config_dir, name);
}
