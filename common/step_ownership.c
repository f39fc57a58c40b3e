/* step_ownership.c: from LeoFS 1.3.3 on, nodes run as the runner user, so
 * that user must own what LeoFS's packaging gives it: each node's avs,
 * cache, log, work and snmp/<agent>/db dirs with their runtime content, and
 * the etc dir itself (not the packaged config files in it), plus the custom
 * data, queue, mnesia, log and cache dirs its config files name and
 * /etc/leofs/leo_* under persistent configuration (the guide's "chown -R
 * leofs:leofs").
 *
 * The trust boundary (trust.h): a custom dir is given away only when it
 * comes from a config file only root can write, or the policy file's
 * data_dir confirms it, or a root-only config of an older version of the
 * node names it too (the takeover carried it), or it really lies inside
 * one of the node's own data dirs on the same filesystem. Targets are
 * opened inside the root, following only root-owned symlinks (admins link
 * avs to bigger disks); a target that resolves to a system directory is
 * refused. Targets are sorted once (duplicates and nested ones found in
 * one pass) and capped. They are checked one by one, then walked in
 * batches, the trees that share nothing at once on the CPUs the process
 * may use (parallel.h), and reported in the order found. */
#define _GNU_SOURCE
#include "accounts.h"
#include "conffile.h"
#include "parallel.h"
#include "config_save.h"
#include "context.h"
#include "root.h"
#include "system_dirs.h"
#include "trust.h"
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_LIMIT (4u << 20)
#define MAX_TARGETS 4096   /* dirs named in all config files together */
#define MAX_DROP_INS 256   /* leo_<type>.d/ files per node */
#define MAX_CONFIG_BYTES (16u << 20) /* all config files read together */
#define BATCH_JOBS 128     /* targets walked together, each with its dir open */

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

struct target {
    char *path;         /* normalised, inside the root */
    char *origin;       /* "default" or "queue_dir in FILE:LINE" */
    char *why;          /* NULL when trusted, else why its file is not */
    struct lu_node *node;
    bool recursive;     /* false: the directory itself (etc) */
    bool packaged;      /* one of the node's packaged dirs */
    size_t order;       /* the order found in, for a stable sort */
};

/* A target found fit in the first pass, to walk (or, not recursive, to
 * give its owner) on the worker threads; reported in target order. */
struct job {
    const struct target *target;
    int fd;          /* the target's dir, open */
    char *shown;     /* its path in messages */
    struct stat st;
    struct chown_stats stats;
    char error[1024];
    int result;
};

/* A node's own data dir as it really is: where an untrusted value may point. */
struct data_root {
    char *real;
    dev_t dev;
};

struct ownership {
    struct lu_context *ctx;
    struct lu_step *step;
    struct target *targets;
    size_t count, capacity;
    bool failed, warned, capped;
    uid_t default_uid; /* the package's default runner, (uid_t)-1 when unknown */
    /* What vouches for each node's untrusted values, learned once: its
     * data roots and the paths root-only configs of its other versions
     * name (sorted); FILLING is the one being learned. */
    struct knowledge {
        bool learned;
        struct data_root *roots;
        size_t root_count;
        char **confirmed;
        size_t confirmed_count;
    } known[LEOFS_NODE_COUNT], *filling;
    size_t bytes_read; /* of config files, against MAX_CONFIG_BYTES */
    /* The last tree walked for each node, as it really is: a target inside
     * it (same runner, same filesystem) was walked with it. */
    struct data_root walked[LEOFS_NODE_COUNT];
    /* The jobs of the batch being found, run together (at most
     * BATCH_JOBS, each holding its dir open). */
    struct job *jobs;
    size_t job_count;
    bool show_progress;
    pthread_t step_thread; /* the one that says progress */
    /* Totals for the summary line. */
    unsigned long long dirs_changed, entries_changed;
    const char *given_to;
    bool several_users;
};

static void add_target(struct ownership *o, struct lu_node *node, const char *path,
                       const char *origin, const char *why, bool recursive, bool packaged)
{
    if (o->count == MAX_TARGETS) {
        if (!o->capped)
            step_note(o->step, LU_LOG_ERROR, "more than %d dirs are named in the config files "
                      "(the last one read: %s): only the first %d are looked at; remove the "
                      "extra lines and re-run", MAX_TARGETS, origin, MAX_TARGETS);
        o->capped = o->failed = true;
        return;
    }
    if (o->count == o->capacity) {
        size_t capacity = o->capacity ? o->capacity * 2 : 32;
        struct target *grown = realloc(o->targets, capacity * sizeof *grown);
        if (!grown)
            return;
        o->targets = grown;
        o->capacity = capacity;
    }
    char *normal = path_normalise(path);
    char *origin_copy = strdup(origin);
    char *why_copy = why ? strdup(why) : NULL;
    if (!normal || !origin_copy || (why && !why_copy)) {
        free(normal);
        free(origin_copy);
        free(why_copy);
        return;
    }
    o->targets[o->count] =
        (struct target){normal, origin_copy, why_copy, node, recursive, packaged, o->count};
    o->count++;
}

/* What to do with each path value of a config file. */
typedef void value_fn(struct ownership *o, struct lu_node *node, const char *path,
                      const char *origin, const struct trust *trust);

static void value_as_target(struct ownership *o, struct lu_node *node, const char *path,
                            const char *origin, const struct trust *trust)
{
    add_target(o, node, path, origin, trust->trusted ? NULL : trust->why, true, false);
}

static void value_as_confirmation(struct ownership *o, struct lu_node *node, const char *path,
                                  const char *origin, const struct trust *trust)
{
    (void)node, (void)origin;
    struct knowledge *k = o->filling;
    if (!trust->trusted || k->confirmed_count >= MAX_TARGETS)
        return;
    char **grown = realloc(k->confirmed, (k->confirmed_count + 1) * sizeof *grown);
    if (!grown)
        return;
    k->confirmed = grown;
    if ((grown[k->confirmed_count] = path_normalise(path)))
        k->confirmed_count++;
}

/* Each path value of FILE (relative ones relative to NODE_DIR). Returns -1
 * when the file exists but cannot be read or parsed (said as an error when
 * REPORT). */
static int read_config(struct ownership *o, struct lu_node *node, const char *node_dir,
                       const char *file, value_fn *use, bool report)
{
    char *data, error[512];
    size_t length;
    struct trust trust;
    if (trust_read_file(o->ctx->root_fd, file, CONFIG_LIMIT, &data, &length, &trust) < 0) {
        if (errno == ENOENT || !report)
            return errno == ENOENT ? 0 : -1;
        step_note(o->step, LU_LOG_ERROR, "cannot read %s: %s; its custom dirs were not checked",
                  lu_display_path(o->ctx, file),
                  errno == ELOOP    ? "it is a symlink not owned by root"
                  : errno == EFBIG ? "larger than 4 MiB, not a LeoFS configuration file"
                                   : strerror(errno));
        o->failed = true;
        return -1;
    }
    o->bytes_read += length;
    if (o->bytes_read > MAX_CONFIG_BYTES) {
        free(data);
        if (report && !o->capped)
            step_note(o->step, LU_LOG_ERROR, "the config files hold more than %u MiB together "
                      "(the last one read: %s): not a LeoFS configuration; remove what does not "
                      "belong and re-run", MAX_CONFIG_BYTES >> 20, lu_display_path(o->ctx, file));
        if (report)
            o->failed = true;
        o->capped = true;
        return -1;
    }
    struct conf_file conf;
    int r = conf_parse(data, length, lu_display_path(o->ctx, file), &conf, error, sizeof error);
    free(data);
    if (r < 0) {
        if (report) {
            step_note(o->step, LU_LOG_ERROR, "%s; fix it, then re-run: its custom dirs were not "
                      "checked", error);
            o->failed = true;
        }
        return -1;
    }
    for (size_t i = 0; i < conf.count; i++) {
        const struct conf_entry *e = &conf.entries[i];
        for (size_t k = 0; k < sizeof path_keys / sizeof *path_keys; k++) {
            if (strcmp(e->key, path_keys[k].key) != 0)
                continue;
            char origin[512];
            snprintf(origin, sizeof origin, "%s in %s:%u", e->key, file, e->line);
            char **items = NULL;
            size_t n = path_keys[k].kind == KEY_DIR_LIST ? conf_split_list(e->value, &items) : 0;
            for (size_t j = 0; j < (path_keys[k].kind == KEY_DIR_LIST ? n : 1); j++) {
                const char *value = path_keys[k].kind == KEY_DIR_LIST ? items[j] : e->value;
                char *path = value[0] == '/' ? strdup(value) : path_join(node_dir, value);
                if (!path)
                    continue;
                char *slash = strrchr(path, '/');
                if (path_keys[k].kind == KEY_FILE && slash && slash != path)
                    *slash = '\0';
                use(o, node, path, origin, &trust);
                free(path);
            }
            conf_free_list(items, n);
        }
    }
    conf_free(&conf);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The node's main config, then the leo_<type>.d drop-ins in name order (LeoFS 1.3.5+). */
static void read_configs(struct ownership *o, struct lu_node *node, const char *node_dir,
                         const char *config_dir, value_fn *use, bool report)
{
    char name[64];
    snprintf(name, sizeof name, "leo_%s.conf", node->type);
    char *main_conf = path_join(config_dir, name);
    if (main_conf)
        read_config(o, node, node_dir, main_conf, use, report);
    free(main_conf);

    snprintf(name, sizeof name, "leo_%s.d", node->type);
    char *drop_in = path_join(config_dir, name);
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
        if (count == MAX_DROP_INS) {
            if (report) {
                step_note(o->step, LU_LOG_ERROR, "%s holds more than %d .conf files: none of "
                          "them was read; remove the extra ones and re-run",
                          lu_display_path(o->ctx, drop_in), MAX_DROP_INS);
                o->failed = true;
            }
            break;
        }
        char **grown = realloc(names, (count + 1) * sizeof *grown);
        if (!grown)
            break;
        names = grown;
        if ((names[count] = strdup(entry->d_name)))
            count++;
    }
    if (dir)
        closedir(dir);
    bool too_many = count == MAX_DROP_INS && entry;
    if (count > 1)
        qsort(names, count, sizeof *names, by_name);
    for (size_t i = 0; i < count; i++) {
        char *file = too_many ? NULL : path_join(drop_in, names[i]);
        if (file)
            read_config(o, node, node_dir, file, use, report);
        free(file);
        free(names[i]);
    }
    free(names);
    free(drop_in);
}

/* The node's packaged dirs under NODE_DIR: avs or cache, log, work and
 * snmp/<agent>/db (recursive), then etc (the dir only). */
typedef void part_fn(struct ownership *o, struct lu_node *node, const char *path, bool recursive);

static void each_part(struct ownership *o, struct lu_node *node, const char *node_dir,
                      part_fn *use)
{
    const char *data_dir = strcmp(node->type, "storage") == 0   ? "avs"
                           : strcmp(node->type, "gateway") == 0 ? "cache"
                                                                : NULL;
    static const char *const parts[] = {"log", "work"};
    for (size_t i = 0; i < 3; i++) {
        const char *part = i < 2 ? parts[i] : data_dir;
        char *path = part ? path_join(node_dir, part) : NULL;
        if (path)
            use(o, node, path, true);
        free(path);
    }
    char *snmp = path_join(node_dir, "snmp");
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
            use(o, node, path, true);
        free(path);
    }
    if (dir)
        closedir(dir);
    free(snmp);
    char *etc = path_join(node_dir, "etc");
    if (etc)
        use(o, node, etc, false);
    free(etc);
}

static void part_as_target(struct ownership *o, struct lu_node *node, const char *path,
                           bool recursive)
{
    add_target(o, node, path, "default", NULL, recursive, true);
}

/* Open a packaged dir: root-owned links are followed, and only through dirs
 * that are root's alone (the node dirs are the package's). */
static int open_part(struct ownership *o, const char *path)
{
    return root_open(o->ctx->root_fd, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK,
                     ROOT_FOLLOW_TRUSTED | ROOT_TRUSTED_PATH, 0);
}

static void part_as_data_root(struct ownership *o, struct lu_node *node, const char *path,
                              bool recursive)
{
    (void)node;
    struct stat st;
    if (!recursive)
        return;
    int fd = open_part(o, path);
    char *real = fd >= 0 && fstat(fd, &st) == 0 ? root_dir_path_hint(o->ctx->root_fd, fd, path)
                                                : NULL;
    if (fd >= 0)
        close(fd);
    struct knowledge *k = o->filling;
    struct data_root *grown = real ? realloc(k->roots, (k->root_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(real);
        return;
    }
    k->roots = grown;
    grown[k->root_count++] = (struct data_root){real, st.st_dev};
}

static void forget_all(struct ownership *o)
{
    for (int n = 0; n < LEOFS_NODE_COUNT; n++) {
        struct knowledge *k = &o->known[n];
        for (size_t i = 0; i < k->root_count; i++)
            free(k->roots[i].real);
        free(k->roots);
        for (size_t i = 0; i < k->confirmed_count; i++)
            free(k->confirmed[i]);
        free(k->confirmed);
        memset(k, 0, sizeof *k);
    }
}

/* What vouches for NODE's values, learned on first use: its data roots in
 * every version dir and the paths that root-only configs of its other
 * versions name (a version whose etc is not root's alone has none). */
static const struct knowledge *learn_node(struct ownership *o, struct lu_node *node)
{
    struct knowledge *k = &o->known[node - o->ctx->layout.nodes];
    if (k->learned)
        return k;
    k->learned = true;
    o->filling = k;
    char **versions;
    int count = layout_list_versions(o->ctx->root_fd, &versions);
    for (int v = 0; v < count; v++) {
        char *version_dir = path_join(LEOFS_HOME, versions[v]);
        char *node_dir = version_dir ? path_join(version_dir, node->dir) : NULL;
        char *etc = node_dir ? path_join(node_dir, "etc") : NULL;
        if (etc) {
            each_part(o, node, node_dir, part_as_data_root);
            if (strcmp(versions[v], o->ctx->layout.version) != 0 &&
                !o->ctx->layout.global_config && trust_dir(o->ctx->root_fd, etc))
                read_configs(o, node, node_dir, etc, value_as_confirmation, false);
        }
        free(etc);
        free(node_dir);
        free(version_dir);
    }
    layout_free_versions(versions, count > 0 ? count : 0);
    /* Saves of versions the package manager removed (config_save.h): only
     * files saved under their own name were root's alone. */
    count = o->ctx->layout.global_config ? 0 : config_save_list(o->ctx->root_fd, &versions);
    for (int v = 0; v < count; v++) {
        char *version_dir = path_join(LEOFS_HOME, versions[v]);
        char *node_dir = version_dir ? path_join(version_dir, node->dir) : NULL;
        char *save = NULL;
        if (node_dir && strcmp(versions[v], o->ctx->layout.version) != 0 &&
            asprintf(&save, CONFIG_SAVE_HOME "/%s/%s", versions[v], node->dir) >= 0 &&
            trust_dir(o->ctx->root_fd, save))
            read_configs(o, node, node_dir, save, value_as_confirmation, false);
        free(save);
        free(node_dir);
        free(version_dir);
    }
    layout_free_versions(versions, count > 0 ? count : 0);
    if (k->confirmed_count > 1)
        qsort(k->confirmed, k->confirmed_count, sizeof *k->confirmed, by_name);
    o->filling = NULL;
    return k;
}

/* Untrusted REAL (at DEV) is inside one of the node's own data dirs. */
static bool inside_data_root(const struct knowledge *k, const char *real, dev_t dev)
{
    for (size_t i = 0; i < k->root_count; i++) {
        size_t len = strlen(k->roots[i].real);
        if (k->roots[i].dev == dev && strncmp(real, k->roots[i].real, len) == 0 &&
            (real[len] == '/' || real[len] == '\0' || len == 1))
            return true;
    }
    return false;
}

static bool confirmed(const struct knowledge *k, const char *path)
{
    return k->confirmed_count &&
           bsearch(&path, k->confirmed, k->confirmed_count, sizeof *k->confirmed, by_name);
}

static void add_node_targets(struct ownership *o, struct lu_node *node)
{
    each_part(o, node, node->node_dir, part_as_target);
    if (o->ctx->layout.global_config)
        add_target(o, node, node->config_dir, "persistent configuration", NULL, false, true);
    read_configs(o, node, node->node_dir, node->config_dir, value_as_target, true);
}

/* Paths in an order where each dir is followed by what is inside it: '/'
 * sorts before every other byte. Ties: trusted first, then recursive, then
 * the order found in. */
static int by_path(const void *a, const void *b)
{
    const struct target *x = a, *y = b;
    const unsigned char *p = (const unsigned char *)x->path, *q = (const unsigned char *)y->path;
    while (*p && *p == *q)
        p++, q++;
    if (*p != *q) {
        unsigned cp = *p == '/' ? 1 : *p == 0 ? 0 : *p + 1u;
        unsigned cq = *q == '/' ? 1 : *q == 0 ? 0 : *q + 1u;
        return cp < cq ? -1 : 1;
    }
    if (!x->why != !y->why)
        return x->why ? 1 : -1;
    if (x->recursive != y->recursive)
        return x->recursive ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Said by the step's own thread only: the log goes to the package
 * manager's callbacks (rpmlog), which never see our worker threads. */
static void progress(void *data, unsigned long long entries, const char *path)
{
    struct ownership *o = data;
    if (!pthread_equal(pthread_self(), o->step_thread))
        return;
    step_note(o->step, LU_LOG_INFO, "%llu entries checked so far, now in %s", entries, path);
}

/* The dirs walked so far, by device and inode: an open-addressing hash set
 * with room for every target (at most half full). */
struct walked {
    dev_t dev;
    ino_t ino;
    bool used;
};

struct walked_set {
    struct walked *slots;
    size_t mask;
};

static bool walked_set_init(struct walked_set *set, size_t count)
{
    size_t size = 16;
    while (size < 2 * count + 2)
        size *= 2;
    set->slots = calloc(size, sizeof *set->slots);
    set->mask = size - 1;
    return set->slots != NULL;
}

/* True when ST was walked already; else it is added. */
static bool same_as_earlier(struct walked_set *set, const struct stat *st)
{
    size_t i = ((size_t)st->st_ino * 0x9e3779b97f4a7c15ull ^ (size_t)st->st_dev) & set->mask;
    for (; set->slots[i].used; i = (i + 1) & set->mask)
        if (set->slots[i].dev == st->st_dev && set->slots[i].ino == st->st_ino)
            return true;
    set->slots[i] = (struct walked){st->st_dev, st->st_ino, true};
    return false;
}

/* An untrusted target is used only when something root wrote vouches for it. */
static bool vouched_for(struct ownership *o, const struct target *t, const char *real,
                        const struct stat *st)
{
    if (policy_confirms_data_dir(&o->ctx->policy, t->path) ||
        policy_confirms_data_dir(&o->ctx->policy, real))
        return true;
    const struct knowledge *k = learn_node(o, t->node);
    return confirmed(k, t->path) || inside_data_root(k, real, st->st_dev);
}

static void note_left_alone(struct ownership *o, const char *path, unsigned long long count,
                            const char *what, const char *first, const char *advice)
{
    if (!count)
        return;
    step_note(o->step, LU_LOG_WARNING, "%s: left %llu %s alone (e.g. %s)%s", path, count, what,
              first, advice);
    o->warned = true;
}

static int node_index(const struct ownership *o, const struct lu_node *node)
{
    return (int)(node - o->ctx->layout.nodes);
}

static bool walked_with_earlier(const struct ownership *o, const struct target *t,
                                const char *real, const struct stat *st)
{
    if (!t->recursive)
        return false;
    for (int n = 0; n < LEOFS_NODE_COUNT; n++) {
        const struct data_root *w = &o->walked[n];
        size_t len = w->real ? strlen(w->real) : 0;
        if (w->real && o->ctx->layout.nodes[n].runner.uid == t->node->runner.uid &&
            w->dev == st->st_dev && strncmp(real, w->real, len) == 0 &&
            (real[len] == '/' || len == 1))
            return true;
    }
    return false;
}

static void remember_walk(struct ownership *o, const struct target *t, const char *real,
                          const struct stat *st)
{
    struct data_root *w = &o->walked[node_index(o, t->node)];
    free(w->real);
    w->real = strdup(real);
    w->dev = st->st_dev;
}

static void fix_target(struct ownership *o, const struct target *t, struct walked_set *seen)
{
    struct lu_context *ctx = o->ctx;
    const char *shown = lu_display_path(ctx, t->path);
    if (system_dir(t->path)) {
        step_note(o->step, LU_LOG_WARNING, "refusing to change the owner of system directory %s "
                  "(%s): point it at a dir of its own", t->path, t->origin);
        o->warned = true;
        return;
    }
    /* A packaged dir is reached through root's dirs only: else a hard link
     * to a root-owned symlink, planted where a user can write, could lead
     * it anywhere. */
    int fd = root_open(ctx->root_fd, t->path, O_RDONLY | O_DIRECTORY | O_NONBLOCK,
                       ROOT_FOLLOW_TRUSTED | ROOT_TRUSTED_PATH, 0);
    /* A custom dir named by root may be under a user's dir: then only where
     * root's file says, not where a link planted there leads. */
    bool through_user_dir = fd < 0 && errno == EACCES && !t->packaged;
    if (through_user_dir)
        fd = root_open(ctx->root_fd, t->path, O_RDONLY | O_DIRECTORY | O_NONBLOCK,
                       ROOT_FOLLOW_TRUSTED, 0);
    if (fd < 0) {
        if (errno == ENOENT) {
            step_note(o->step, LU_LOG_DEBUG, "%s (%s) is not there yet", shown, t->origin);
        } else if (errno == ELOOP) {
            step_note(o->step, LU_LOG_WARNING, "%s (%s) goes through a symlink that root does "
                      "not own: not followed; fix the owner by hand if it is right", shown, t->origin);
            o->warned = true;
        } else if (errno == EACCES && t->packaged) {
            char why[320];
            trust_explain(ctx->root_fd, t->path, why, sizeof why);
            step_note(o->step, LU_LOG_WARNING, "%s is left alone: %s, so it may not be the "
                      "package's; give that directory back to root", shown, why);
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
    char *real = root_dir_path_hint(ctx->root_fd, fd, t->path);
    if (!real && errno != EXDEV) {
        step_note(o->step, LU_LOG_WARNING, "refusing to change the owner of %s (%s): cannot tell "
                  "where it leads (%s)", shown, t->origin, strerror(errno));
        o->warned = true;
    } else if (!real || system_dir(real)) {
        step_note(o->step, LU_LOG_WARNING, "refusing to change the owner of %s (%s): it leads to "
                  "%s", shown, t->origin, real ? real : "outside the root");
        o->warned = true;
    } else if (fstat(fd, &st) < 0) {
        step_note(o->step, LU_LOG_ERROR, "cannot inspect %s: %s", shown, strerror(errno));
        o->failed = true;
    } else if (t->why && !vouched_for(o, t, real, &st)) {
        if (t->node->runner.found && st.st_uid == t->node->runner.uid) {
            /* Already the runner's (an install whose nodes ran as it): root
             * changes nothing there, so nothing is given away either. */
            step_note(o->step, LU_LOG_DETAIL, "%s: %s (%s) is %s's already: left as it is (root "
                      "changes nothing in it, since %s)", t->node->dir, t->path, t->origin,
                      t->node->runner.user, t->why);
        } else {
            step_note(o->step, LU_LOG_WARNING, "%s: %s (%s) is not given to %s: %s, and it is "
                      "not inside the node's own dirs; if it is the node's, add `data_dir = %s` "
                      "to %s", t->node->dir, t->path, t->origin, t->node->runner.user, t->why,
                      t->path, TRUST_POLICY_FILE);
            o->warned = true;
        }
    } else if (through_user_dir && strcmp(real, t->path) != 0 && !vouched_for(o, t, real, &st)) {
        step_note(o->step, LU_LOG_WARNING, "%s: %s (%s) is not given to %s: it is reached "
                  "through a directory a user other than root can write, and a link there leads "
                  "to %s; if that is the node's, add `data_dir = %s` to %s", t->node->dir,
                  t->path, t->origin, t->node->runner.user, real, real, TRUST_POLICY_FILE);
        o->warned = true;
    } else if (walked_with_earlier(o, t, real, &st)) {
        step_note(o->step, LU_LOG_DEBUG, "%s (%s) was walked with a dir it is in", t->path,
                  t->origin);
    } else if (!same_as_earlier(seen, &st)) {
        if (t->recursive)
            remember_walk(o, t, real, &st);
        struct job *j = &o->jobs[o->job_count++];
        /* Named again: learning a node's configs used the display buffers. */
        *j = (struct job){.target = t, .fd = fd, .shown = strdup(lu_display_path(ctx, t->path)),
                          .st = st};
        if (!j->shown) {
            snprintf(j->error, sizeof j->error, "out of memory");
            j->result = -1;
        }
        free(real);
        return; /* the job holds the fd until its batch is done */
    }
    free(real);
    close(fd);
}

/* One job, on any thread: the walk, or the dir itself. Touches only the
 * job and the read-only context. */
static void run_job(void *data, size_t index)
{
    struct ownership *o = data;
    struct job *j = &o->jobs[index];
    const struct target *t = j->target;
    const struct lu_account *a = &t->node->runner;
    struct chown_stats *stats = &j->stats;
    if (j->result < 0)
        return;
    stats->entries = 1;
    if (t->recursive) {
        j->result = walk_chown(j->fd, j->shown, a->uid, a->gid, o->default_uid, o->ctx->dry_run,
                               o->show_progress ? progress : NULL, o, stats, j->error,
                               sizeof j->error);
        return;
    }
    /* The dir itself, as it is now: an earlier walk of the batch may have
     * given it an owner since it was found. */
    struct stat now;
    if (fstat(j->fd, &now) < 0) {
        snprintf(j->error, sizeof j->error, "cannot inspect %s: %s", j->shown, strerror(errno));
        j->result = -1;
    } else if (now.st_uid != 0 && now.st_uid != a->uid && now.st_uid != o->default_uid) {
        stats->foreign = 1;
        snprintf(stats->first_foreign, sizeof stats->first_foreign, "%s", j->shown);
    } else if (now.st_uid != a->uid || now.st_gid != a->gid) {
        stats->changed = 1;
        if (!o->ctx->dry_run && fchown(j->fd, a->uid, a->gid) < 0) {
            snprintf(j->error, sizeof j->error, "cannot change the owner of %s: %s", j->shown,
                     strerror(errno));
            j->result = -1;
        }
    }
}

static void report_job(struct ownership *o, struct job *j)
{
    const struct target *t = j->target;
    const struct lu_account *a = &t->node->runner;
    const struct chown_stats *stats = &j->stats;
    if (stats->changed) {
        step_change(o->step, "%s: %llu of %llu entries owned by %s", t->path, stats->changed,
                    stats->entries, a->user);
        o->dirs_changed++;
        o->entries_changed += stats->changed;
        if (o->given_to && strcmp(o->given_to, a->user) != 0)
            o->several_users = true;
        o->given_to = a->user;
    } else if (j->result == 0) {
        step_note(o->step, LU_LOG_DEBUG, "%s: %llu entries owned by %s already", t->path,
                  stats->entries, a->user);
    }
    note_left_alone(o, t->path, stats->hard_links, "hard-linked entries", stats->first_hard_link,
                    ": a hard link may point outside; check them and chown by hand");
    note_left_alone(o, t->path, stats->foreign, "entries of other users", stats->first_foreign,
                    ": they are not root's nor the runner's");
    note_left_alone(o, t->path, stats->devices, "device nodes", stats->first_device, "");
    note_left_alone(o, t->path, stats->other_fs, "mount points or other filesystems",
                    stats->first_other_fs, ": name them in the config (and data_dir in "
                    TRUST_POLICY_FILE ") if they are the node's");
    if (j->result < 0) {
        step_note(o->step, LU_LOG_ERROR, "%s", j->error);
        o->failed = true;
    }
}

/* May the batch's targets be done at the same time? Only when every two
 * on one filesystem belong to the same runner: then which walk reaches an
 * entry first (a tree inside another, a bind mount of the same filesystem)
 * never changes its owner, and one after the other decides as before.
 * WALKS: the recursive ones. At most BATCH_JOBS squared comparisons. */
static bool one_runner_per_filesystem(const struct ownership *o, size_t *walks)
{
    *walks = 0;
    for (size_t i = 0; i < o->job_count; i++) {
        const struct job *x = &o->jobs[i];
        if (x->result < 0)
            continue;
        *walks += x->target->recursive;
        for (size_t k = 0; k < i; k++) {
            const struct job *y = &o->jobs[k];
            if (y->result == 0 && y->st.st_dev == x->st.st_dev &&
                y->target->node->runner.uid != x->target->node->runner.uid)
                return false;
        }
    }
    return true;
}

/* Walk the batch's targets, the independent ones at the same time on the
 * CPUs this process may use, then report each in the order found. */
static void run_batch(struct ownership *o)
{
    if (!o->job_count)
        return;
    size_t walks;
    unsigned threads = one_runner_per_filesystem(o, &walks) && walks > 1 ? parallel_cpus() : 1;
    threads = parallel_run(o->job_count, threads, run_job, o);
    if (threads > 1)
        step_note(o->step, LU_LOG_DETAIL, "%zu trees walked on %u threads", walks, threads);
    for (size_t i = 0; i < o->job_count; i++) {
        struct job *j = &o->jobs[i];
        report_job(o, j);
        close(j->fd);
        free(j->shown);
    }
    o->job_count = 0;
}

/* "1,204" */
static const char *grouped(unsigned long long n, char *buffer, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%llu", n);
    size_t at = 0;
    for (int i = 0; i < len && at + 2 < size; i++) {
        if (i && (len - i) % 3 == 0)
            buffer[at++] = ',';
        buffer[at++] = digits[i];
    }
    buffer[at] = '\0';
    return buffer;
}

enum lu_status step_ownership(struct lu_context *ctx)
{
    struct lu_step *step = step_begin(ctx, STEP_OWNERSHIP);
    const char *version = ctx->layout.version;
    if (lu_version_compare(version, "1.3.3") < 0)
        return step_finish(step, LU_STATUS_SKIPPED, "LeoFS %s nodes run as root: nothing to give "
                           "the runner user", version);

    struct ownership o = {.ctx = ctx, .step = step, .default_uid = (uid_t)-1,
                          .show_progress = ctx->request->progress, .step_thread = pthread_self()};
    gid_t default_gid;
    if (accounts_find_user(ctx->root_fd, LEOFS_DEFAULT_USER, &o.default_uid, &default_gid) < 0)
        o.default_uid = (uid_t)-1;
    size_t nodes = 0;
    for (int i = 0; i < LEOFS_NODE_COUNT; i++) {
        struct lu_node *node = &ctx->layout.nodes[i];
        if (!node->present)
            continue;
        nodes++;
        if (node->runner_refused) {
            step_note(step, LU_LOG_WARNING, "%s: %s", node->dir, node->runner_refused);
            o.warned = true;
        }
        if (!node->runner.found) {
            step_note(step, LU_LOG_ERROR, "%s: %s", node->dir, node->runner.lookup_error);
            o.failed = true;
            continue;
        }
        add_node_targets(&o, node);
    }
    if (o.count > 1)
        qsort(o.targets, o.count, sizeof *o.targets, by_path);

    struct walked_set seen;
    o.jobs = malloc(BATCH_JOBS * sizeof *o.jobs);
    bool have_set = o.jobs && walked_set_init(&seen, o.count);
    if (!have_set) {
        step_note(step, LU_LOG_ERROR, "out of memory");
        o.failed = true;
    }
    for (size_t i = 0; have_set && i < o.count; i++) {
        struct target *t = &o.targets[i];
        if (i > 0 && strcmp(t->path, o.targets[i - 1].path) == 0)
            continue; /* the same dir again: the best of them came first */
        fix_target(&o, t, &seen);
        if (o.job_count == BATCH_JOBS)
            run_batch(&o);
    }
    run_batch(&o);
    for (int n = 0; n < LEOFS_NODE_COUNT; n++)
        free(o.walked[n].real);
    forget_all(&o);
    for (size_t i = 0; i < o.count; i++) {
        free(o.targets[i].path);
        free(o.targets[i].origin);
        free(o.targets[i].why);
    }
    free(o.targets);
    free(o.jobs);
    if (have_set)
        free(seen.slots);

    char dirs[32], entries[32], summary[160] = "";
    if (o.dirs_changed)
        snprintf(summary, sizeof summary, "%s dirs, %s entries %s %s",
                 grouped(o.dirs_changed, dirs, sizeof dirs),
                 grouped(o.entries_changed, entries, sizeof entries),
                 ctx->dry_run ? "would be given to" : "given to",
                 o.several_users ? "their runner users" : o.given_to);
    if (o.failed)
        return step_finish(step, LU_STATUS_FAILED, "%s%snot every node dir could be given its "
                           "owner: fix what is said above and re-run", summary,
                           *summary ? "; " : "");
    if (o.warned)
        return step_finish(step, LU_STATUS_WARNING, "%s%sdirs left alone (see above)", summary,
                           *summary ? "; " : "");
    if (nodes == 0)
        return step_finish(step, LU_STATUS_UNCHANGED, "no node dirs in %s", ctx->layout.version_dir);
    if (*summary)
        return step_finish(step, LU_STATUS_UNCHANGED, "%s", summary);
    return step_finish(step, LU_STATUS_UNCHANGED, "%zu dirs of %zu nodes owned by their runner user",
                       o.count, nodes);
}
