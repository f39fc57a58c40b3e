/* hook_pre_invoke.c: leofs-dpkg-hook pre-invoke, run by dpkg itself
 * before each run (a pre-invoke hook in /etc/dpkg/dpkg.cfg.d), so that a
 * plain "dpkg -i" of a LeoFS package without a preinst of ours is made
 * safe: for a run that installs or unpacks, it reads the archive names
 * from the parent dpkg's command line (-R directories too), their control
 * fields, and when one is a LeoFS package runs the pre phase for real
 * (a refusal makes dpkg stop before it changes anything; a stale epmd is
 * stopped) and saves the installed version's node configuration, which
 * dpkg would delete with the old package's files (or, reinstalling that
 * version, overwrite with the shipped copies). Runs without LeoFS cost
 * reading the archives' control fields; other actions (removal,
 * configure...) return at once. When it cannot tell what the run
 * installs (no /proc), it blocks nothing: it says so and saves the
 * configuration of the LeoFS installed, in case. */
#define _GNU_SOURCE
#include "deb_control.h"
#include "dpkg_args.h"
#include "hook.h"
#include "parent_dpkg.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_DEPTH 16
#define WALK_ENTRIES 100000

struct leofs_archive {
    char *path;
    struct deb_control control;
};

struct archives {
    struct leofs_archive *items;
    size_t count;
    size_t looked_at;
    size_t entries; /* seen while walking -R dirs */
};

static int add_if_leofs(struct hook *hook, struct archives *found, const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    struct deb_control control;
    char error[256];
    found->looked_at++;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        deb_control_read(fd, &control, error, sizeof error) < 0) {
        /* dpkg itself says what is wrong with it. */
        hook_log(hook, LU_LOG_DEBUG, "%s: not read as a .deb", path);
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    if (!lu_package_name_in(hook->names, control.package))
        return 0;
    struct leofs_archive *grown = realloc(found->items, (found->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    found->items = grown;
    grown[found->count].control = control;
    if (!(grown[found->count].path = strdup(path)))
        return -1;
    found->count++;
    return 0;
}

/* The *.deb files below DIR, as dpkg -R finds them (links followed). */
static int walk(struct hook *hook, struct archives *found, const char *dir, int depth)
{
    DIR *d = depth < WALK_DEPTH ? opendir(dir) : NULL;
    if (!d)
        return 0;
    struct dirent *entry;
    int r = 0;
    while (r == 0 && (entry = readdir(d)) && ++found->entries < WALK_ENTRIES) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char *path;
        struct stat st;
        if (asprintf(&path, "%s/%s", dir, entry->d_name) < 0)
            return -1;
        if (stat(path, &st) == 0) {
            size_t n = strlen(entry->d_name);
            if (S_ISDIR(st.st_mode))
                r = walk(hook, found, path, depth + 1);
            else if (S_ISREG(st.st_mode) && n > 4 && strcmp(entry->d_name + n - 4, ".deb") == 0)
                r = add_if_leofs(hook, found, path);
        }
        free(path);
    }
    closedir(d);
    return r;
}

static void archives_free(struct archives *found)
{
    for (size_t i = 0; i < found->count; i++)
        free(found->items[i].path);
    free(found->items);
}

/* Has the installed package P its version dir (nothing to save without)? */
static bool version_dir_there(struct hook *hook, const struct lu_package *p)
{
    char path[4400];
    struct stat st;
    const char *root = strcmp(hook->location.root, "/") == 0 ? "" : hook->location.root;
    snprintf(path, sizeof path, "%s/usr/local/leofs/%s", root, p->version);
    bool there = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (!there)
        hook_log(hook, LU_LOG_DEBUG, "%s %s has no dir %s: nothing to save", p->name, p->version,
                 path);
    return there;
}

/* Save the node configuration of each LeoFS version on disk in PACKAGES,
 * the one being reinstalled too: dpkg puts back the shipped copy of every
 * file that is no conffile, and the post phase puts the saved one back. */
static int save_old_configs(struct hook *hook, const struct lu_package_list *packages)
{
    int status = LU_OUTCOME_OK;
    for (size_t i = 0; i < packages->count && status == LU_OUTCOME_OK; i++) {
        const struct lu_package *p = &packages->items[i];
        if (p->state == LU_PACKAGE_ADDED || !*p->version || !version_dir_there(hook, p))
            continue;
        struct lu_request request = hook_request(hook);
        status = lu_run_save(&request, p->version, NULL);
        if (status != LU_OUTCOME_OK)
            hook_log(hook, LU_LOG_ERROR, "dpkg stops before it changes anything: LeoFS %s's node "
                     "configuration could not be saved, and dpkg would delete it with the old "
                     "package's files; fix what is said above and retry", p->version);
    }
    return status;
}

/* Nothing tells what this run installs: block nothing, protect the configs. */
static int cannot_tell(struct hook *hook, const char *why)
{
    struct lu_package_list installed = {0};
    char error[1024];
    if (!dpkg_view_present(&hook->location) ||
        dpkg_view_read(&hook->location, hook->names, DPKG_VIEW_ON_DISK, &installed, error,
                       sizeof error) < 0 || installed.count == 0) {
        lu_package_list_free(&installed);
        return LU_OUTCOME_OK;
    }
    hook_log(hook, LU_LOG_WARNING, "cannot tell which archives this dpkg run installs (%s): the "
             "LeoFS checks before unpack did not run; before upgrading LeoFS, run: leofs-upgrade "
             "check", why);
    for (size_t i = 0; i < installed.count; i++) {
        struct lu_request request = hook_request(hook);
        if (lu_run_save(&request, installed.items[i].version, NULL) != LU_OUTCOME_OK)
            hook_log(hook, LU_LOG_WARNING, "LeoFS %s's node configuration could not be saved in "
                     "case this run upgrades it (see above)", installed.items[i].version);
    }
    lu_package_list_free(&installed);
    return LU_OUTCOME_OK;
}

static int run_for(struct hook *hook, const struct archives *found)
{
    struct lu_package_list packages = {0};
    char error[1024], upstream[256] = "", old_upstream[256] = "";
    int status = LU_OUTCOME_OK;
    /* A root without a status file yet has nothing installed: dpkg makes it. */
    if (dpkg_view_present(&hook->location) &&
        dpkg_view_read(&hook->location, hook->names, DPKG_VIEW_ON_DISK, &packages, error,
                       sizeof error) < 0) {
        fprintf(stderr, HOOK_PROGRAM ": %s\n", error);
        return LU_OUTCOME_CONFIG_ERROR;
    }
    for (size_t i = 1; i < found->count; i++)
        if (strcmp(found->items[i].control.version, found->items[0].control.version) != 0 ||
            strcmp(found->items[i].control.package, found->items[0].control.package) != 0) {
            hook_log(hook, LU_LOG_ERROR, "dpkg stops before it changes anything: this run "
                     "installs several LeoFS packages (%s %s from %s, %s %s from %s), and LeoFS "
                     "supports one version: install only the one you want",
                     found->items[0].control.package, found->items[0].control.version,
                     found->items[0].path, found->items[i].control.package,
                     found->items[i].control.version, found->items[i].path);
            lu_package_list_free(&packages);
            return LU_OUTCOME_REFUSED;
        }
    for (size_t i = 0; i < packages.count && !old_upstream[0]; i++)
        if (strcmp(packages.items[i].name, found->items[0].control.package) == 0)
            snprintf(old_upstream, sizeof old_upstream, "%s", packages.items[i].version);
    for (size_t i = 0; i < found->count; i++) {
        const struct deb_control *c = &found->items[i].control;
        hook_log(hook, LU_LOG_DEBUG, "%s is %s %s", found->items[i].path, c->package, c->version);
        if (hook_replace_package(&packages, c->package, c->version, upstream, sizeof upstream,
                                 error, sizeof error) < 0) {
            fprintf(stderr, HOOK_PROGRAM ": %s\n", error);
            lu_package_list_free(&packages);
            return LU_OUTCOME_CONFIG_ERROR;
        }
    }
    const struct deb_control *first = &found->items[0].control;
    status = hook_run_pre(hook, &packages, old_upstream, upstream, false);
    if (status != LU_OUTCOME_OK) {
        char root[4200];
        hook_log(hook, LU_LOG_ERROR,
                 "dpkg stops before it changes anything: installing %s %s is not safe (%s); fix "
                 "what is said above and retry; see what is wrong with: leofs-upgrade%s check %s",
                 first->package, first->version, lu_outcome_name(status),
                 hook_root_option(hook, root, sizeof root), upstream);
    } else {
        status = save_old_configs(hook, &packages);
    }
    lu_package_list_free(&packages);
    return status;
}

int hook_pre_invoke(struct hook *hook)
{
    const char *action = getenv("DPKG_HOOK_ACTION");
    if (!action || (strcmp(action, "install") != 0 && strcmp(action, "unpack") != 0))
        return LU_OUTCOME_OK; /* removals, configure, triggers: never ours to stop */
    struct parent_dpkg dpkg;
    char error[512] = "";
    switch (parent_dpkg_find(&dpkg, error, sizeof error)) {
    case PARENT_DPKG_FOUND: break;
    case PARENT_DPKG_NO_PROC: return cannot_tell(hook, "/proc is not mounted");
    case PARENT_DPKG_NOT_FOUND: return cannot_tell(hook, "not run by dpkg as a pre-invoke hook");
    case PARENT_DPKG_ERROR: return cannot_tell(hook, error);
    }
    struct dpkg_args args;
    dpkg_args_parse(dpkg.argc, (const char *const *)dpkg.argv, &args);
    if (args.action == DPKG_ARGS_OTHER) {
        parent_dpkg_free(&dpkg);
        return cannot_tell(hook, "its command line names no --install or --unpack");
    }
    struct archives found = {0};
    int r = 0;
    for (size_t i = 0; i < args.file_count && r == 0; i++)
        r = args.recursive ? walk(hook, &found, args.files[i], 0)
                           : add_if_leofs(hook, &found, args.files[i]);
    int status = LU_OUTCOME_OK;
    if (r < 0) {
        fprintf(stderr, HOOK_PROGRAM ": out of memory\n");
        status = LU_OUTCOME_FAILED;
    } else if (found.count == 0) {
        hook_log(hook, LU_LOG_DEBUG, "no LeoFS package (%s) among the %zu archives of dpkg %s",
                 hook->names, found.looked_at, action);
    } else {
        status = run_for(hook, &found);
    }
    archives_free(&found);
    parent_dpkg_free(&dpkg);
    return status;
}
