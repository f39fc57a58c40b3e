/* step_ownership.c: from LeoFS 1.3.3 on, nodes run as the runner user, so
 * that user must own each node's avs, cache, log, work, etc and
 * snmp/<agent>/db dirs, the custom data, queue, mnesia, log and cache dirs
 * its config files name, and /etc/leofs/leo_* under persistent
 * configuration (the guide's "chown -R leofs:leofs"). Targets are opened
 * inside the root, following only root-owned symlinks (admins link avs to
 * bigger disks); a target that resolves to a system directory is refused. */
#define _GNU_SOURCE
#include "conffile.h"
#include "context.h"
#include "root.h"
#include "system_dirs.h"
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_LIMIT (4u << 20)

enum key_kind { KEY_DIR, KEY_DIR_LIST, KEY_FILE };

/* Config keys that name where a node writes (see leofs-facts.md). */
static const struct {
    const char *key;
    enum key_kind kind;
} path_keys[] = {
    {"obj_containers.path", KEY_DIR_LIST},
    {"queue_dir", KEY_DIR},
    {"mnesia.dir", KEY_DIR},
    {"log.erlang", KEY_DIR},
    {"log.app", KEY_DIR},
    {"log.member_dir", KEY_DIR},
    {"log.ring_dir", KEY_DIR},
    {"sasl.error_logger_mf_dir", KEY_DIR},
    {"sasl.sasl_error_log", KEY_FILE},
    {"erlang.crash_dump", KEY_FILE},
    {"cache.cache_disc_dir_data", KEY_DIR},
    {"cache.cache_disc_dir_journal", KEY_DIR},
    {"leo_ordning_reda.temp_stacked_dir", KEY_DIR},
    {"del_bucket_state_dir", KEY_DIR},
};

/* The node dirs' own parts that nodes write to. */
static const char *const default_parts[] = {"log", "work", "etc"};

struct target {
    char *path;         /* normalised, inside the root */
    char *origin;       /* "default" or "queue_dir in FILE:LINE" */
    struct lu_node *node;
};

struct ownership {
    struct lu_context *ctx;
    struct lu_step *step;
    struct target *targets;
    size_t count;
    bool failed, warned;
};

static void add_target(struct ownership *o, struct lu_node *node, const char *path,
                       const char *origin)
{
    char *normal = path_normalise(path);
    if (!normal)
        return;
    for (size_t i = 0; i < o->count; i++)
        if (strcmp(o->targets[i].path, normal) == 0) {
            free(normal);
            return;
        }
    struct target *grown = realloc(o->targets, (o->count + 1) * sizeof *grown);
    char *origin_copy = strdup(origin);
    if (!grown || !origin_copy) {
        free(normal);
        free(origin_copy);
        return;
    }
    o->targets = grown;
    o->targets[o->count++] = (struct target){normal, origin_copy, node};
}

/* A value from a config: relative ones are relative to the node dir. */
static void add_value(struct ownership *o, struct lu_node *node, const char *value,
                      enum key_kind kind, const char *origin)
{
    char *path = value[0] == '/' ? strdup(value) : path_join(node->node_dir, value);
    if (!path)
        return;
    if (kind == KEY_FILE) {
        char *slash = strrchr(path, '/');
        if (slash && slash != path)
            *slash = '\0';
    }
    add_target(o, node, path, origin);
    free(path);
}

static void add_from_config(struct ownership *o, struct lu_node *node, const char *file)
{
    char *data, error[512];
    size_t length;
    if (root_read_file(o->ctx->root_fd, file, CONFIG_LIMIT, &data, &length) < 0) {
        if (errno == ENOENT)
            return;
        step_note(o->step, LU_LOG_ERROR, "cannot read %s: %s; its custom dirs were not checked",
                  lu_display_path(o->ctx, file),
                  errno == ELOOP ? "it is a symlink not owned by root" : strerror(errno));
        o->failed = true;
        return;
    }
    struct conf_file conf;
    int r = conf_parse(data, length, lu_display_path(o->ctx, file), &conf, error, sizeof error);
    free(data);
    if (r < 0) {
        step_note(o->step, LU_LOG_ERROR, "%s; fix it, then re-run: its custom dirs were not checked",
                  error);
        o->failed = true;
        return;
    }
    for (size_t i = 0; i < conf.count; i++) {
        const struct conf_entry *e = &conf.entries[i];
        for (size_t k = 0; k < sizeof path_keys / sizeof *path_keys; k++) {
            if (strcmp(e->key, path_keys[k].key) != 0)
                continue;
            char origin[512];
            snprintf(origin, sizeof origin, "%s in %s:%u", e->key, file, e->line);
            if (path_keys[k].kind == KEY_DIR_LIST) {
                char **items;
                size_t n = conf_split_list(e->value, &items);
                for (size_t j = 0; j < n; j++)
                    add_value(o, node, items[j], KEY_DIR, origin);
                conf_free_list(items, n);
            } else {
                add_value(o, node, e->value, path_keys[k].kind, origin);
            }
        }
    }
    conf_free(&conf);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The node's main config, then the leo_<type>.d drop-ins in name order (LeoFS 1.3.5+). */
static void add_configs(struct ownership *o, struct lu_node *node)
{
    char *main_conf = layout_node_config_path(node);
    if (main_conf)
        add_from_config(o, node, main_conf);
    free(main_conf);

    char name[64];
    snprintf(name, sizeof name, "leo_%s.d", node->type);
    char *drop_in = path_join(node->config_dir, name);
    int fd = drop_in ? root_open(o->ctx->root_fd, drop_in, O_RDONLY | O_DIRECTORY, 0, 0) : -1;
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (fd >= 0 && !dir)
        close(fd);
    char **names = NULL;
    size_t count = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir))) {
        size_t len = strlen(entry->d_name);
        if (len <= 5 || strcmp(entry->d_name + len - 5, ".conf") != 0)
            continue;
        char **grown = realloc(names, (count + 1) * sizeof *grown);
        if (!grown)
            break;
        names = grown;
        if ((names[count] = strdup(entry->d_name)))
            count++;
    }
    if (dir)
        closedir(dir);
    if (count > 1)
        qsort(names, count, sizeof *names, by_name);
    for (size_t i = 0; i < count; i++) {
        char *file = path_join(drop_in, names[i]);
        if (file)
            add_from_config(o, node, file);
        free(file);
        free(names[i]);
    }
    free(names);
    free(drop_in);
}

static void add_node_targets(struct ownership *o, struct lu_node *node)
{
    for (size_t i = 0; i < sizeof default_parts / sizeof *default_parts; i++) {
        char *path = path_join(node->node_dir, default_parts[i]);
        if (path)
            add_target(o, node, path, "default");
        free(path);
    }
    const char *data_dir = strcmp(node->type, "storage") == 0   ? "avs"
                           : strcmp(node->type, "gateway") == 0 ? "cache"
                                                                : NULL;
    if (data_dir) {
        char *path = path_join(node->node_dir, data_dir);
        if (path)
            add_target(o, node, path, "default");
        free(path);
    }
    /* snmp/<agent>/db */
    char *snmp = path_join(node->node_dir, "snmp");
    int fd = snmp ? root_open(o->ctx->root_fd, snmp, O_RDONLY | O_DIRECTORY, 0, 0) : -1;
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (fd >= 0 && !dir)
        close(fd);
    struct dirent *entry;
    while (dir && (entry = readdir(dir))) {
        struct stat st;
        if (entry->d_name[0] == '.' ||
            fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
            continue;
        char part[NAME_MAX + 8];
        snprintf(part, sizeof part, "%s/db", entry->d_name);
        char *path = path_join(snmp, part);
        if (path)
            add_target(o, node, path, "default");
        free(path);
    }
    if (dir)
        closedir(dir);
    free(snmp);
    if (o->ctx->layout.global_config)
        add_target(o, node, node->config_dir, "persistent configuration");
    add_configs(o, node);
}

static void progress(void *data, unsigned long long entries, const char *path)
{
    struct ownership *o = data;
    step_note(o->step, LU_LOG_INFO, "%llu entries checked so far, now in %s", entries, path);
}

static bool same_as_earlier(struct stat *seen, size_t seen_count, const struct stat *st)
{
    for (size_t i = 0; i < seen_count; i++)
        if (seen[i].st_dev == st->st_dev && seen[i].st_ino == st->st_ino)
            return true;
    return false;
}

static void fix_target(struct ownership *o, const struct target *t, struct stat *seen,
                       size_t *seen_count)
{
    struct lu_context *ctx = o->ctx;
    const char *shown = lu_display_path(ctx, t->path);
    if (system_dir(t->path)) {
        step_note(o->step, LU_LOG_WARNING, "refusing to change the owner of system directory %s "
                  "(%s): point it at a dir of its own", t->path, t->origin);
        o->warned = true;
        return;
    }
    int fd = root_open(ctx->root_fd, t->path, O_RDONLY | O_DIRECTORY | O_NONBLOCK,
                       ROOT_FOLLOW_TRUSTED, 0);
    if (fd < 0) {
        if (errno == ENOENT) {
            step_note(o->step, LU_LOG_DEBUG, "%s (%s) is not there yet", shown, t->origin);
        } else if (errno == ELOOP) {
            step_note(o->step, LU_LOG_WARNING, "%s (%s) goes through a symlink that root does "
                      "not own: not followed; fix the owner by hand if it is right", shown, t->origin);
            o->warned = true;
        } else if (errno == ENOTDIR) {
            step_note(o->step, LU_LOG_WARNING, "%s (%s) is not a directory: left alone", shown,
                      t->origin);
            o->warned = true;
        } else {
            step_note(o->step, LU_LOG_ERROR, "cannot open %s: %s", shown, strerror(errno));
            o->failed = true;
        }
        return;
    }
    struct stat st;
    char *real = root_dir_path(ctx->root_fd, fd);
    if (!real && errno != EXDEV) {
        step_note(o->step, LU_LOG_WARNING, "refusing to change the owner of %s (%s): cannot tell "
                  "where it leads (%s)", shown, t->origin, strerror(errno));
        o->warned = true;
    } else if (!real || system_dir(real)) {
        step_note(o->step, LU_LOG_WARNING, "refusing to change the owner of %s (%s): it leads to "
                  "%s", shown, t->origin, real ? real : "outside the root");
        o->warned = true;
    } else if (fstat(fd, &st) == 0 && !same_as_earlier(seen, *seen_count, &st)) {
        seen[(*seen_count)++] = st;
        struct chown_stats stats;
        char error[1024];
        const struct lu_account *a = &t->node->runner;
        int r = walk_chown(fd, shown, a->uid, a->gid, ctx->dry_run,
                           ctx->request->progress ? progress : NULL, o, &stats, error, sizeof error);
        if (stats.changed)
            step_change(o->step, "%s: %llu of %llu entries owned by %s", t->path, stats.changed,
                        stats.entries, a->user);
        if (stats.hard_links) {
            step_note(o->step, LU_LOG_WARNING, "%s: left %llu hard-linked files alone (e.g. %s): a "
                      "hard link may point outside; check them and chown by hand", t->path,
                      stats.hard_links, stats.first_hard_link);
            o->warned = true;
        }
        if (r < 0) {
            step_note(o->step, LU_LOG_ERROR, "%s", error);
            o->failed = true;
        }
    }
    free(real);
    close(fd);
}

enum lu_status step_ownership(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_OWNERSHIP);
    const char *version = ctx->layout.version;
    if (lu_version_compare(version, "1.3.3") < 0)
        return step_finish(step, LU_STATUS_SKIPPED, "LeoFS %s nodes run as root: nothing to give "
                           "the runner user", version);

    struct ownership o = {.ctx = ctx, .step = step};
    size_t nodes = 0;
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        struct lu_node *node = &ctx->layout.nodes[i];
        if (!node->present)
            continue;
        nodes++;
        if (!node->runner.found) {
            step_note(step, LU_LOG_ERROR, "%s: %s", node->dir, node->runner.lookup_error);
            o.failed = true;
            continue;
        }
        add_node_targets(&o, node);
    }
    struct stat *seen = calloc(o.count + 1, sizeof *seen);
    size_t seen_count = 0;
    for (size_t i = 0; seen && i < o.count; i++) {
        /* A target inside another one was walked with it. */
        bool inside = false;
        for (size_t j = 0; j < o.count && !inside; j++) {
            size_t len = strlen(o.targets[j].path);
            inside = j != i && o.targets[j].node->runner.uid == o.targets[i].node->runner.uid &&
                     strncmp(o.targets[i].path, o.targets[j].path, len) == 0 &&
                     o.targets[i].path[len] == '/';
        }
        if (!inside)
            fix_target(&o, &o.targets[i], seen, &seen_count);
    }
    size_t target_count = o.count;
    for (size_t i = 0; i < o.count; i++) {
        free(o.targets[i].path);
        free(o.targets[i].origin);
    }
    free(o.targets);
    free(seen);

    if (o.failed)
        return step_finish(step, LU_STATUS_FAILED, "not every node dir could be given its owner: "
                           "fix what is said above and re-run");
    if (o.warned)
        return step_finish(step, LU_STATUS_WARNING, "done, with dirs left alone (see above)");
    if (nodes == 0)
        return step_finish(step, LU_STATUS_UNCHANGED, "no node dirs in %s", ctx->layout.version_dir);
    return step_finish(step, LU_STATUS_UNCHANGED, "%zu dirs of %zu nodes owned by their runner user",
                       target_count, nodes);
}
