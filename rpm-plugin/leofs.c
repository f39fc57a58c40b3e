/* leofs.c: the librpm transaction plugin "leofs", as small as rpm's own:
 * rpm loads it into every transaction, so it only looks at the element
 * names. When one is a leofs package it loads the plugin's core module
 * (leofs/core.so beside this file, see core.h), which does the work; a
 * transaction without leofs never maps the core.
 *
 * Macros: %__transaction_leofs enables it, %_leofs_upgrade_packages names
 * the packages that count as LeoFS (default "leofs"), and
 * %_leofs_upgrade_disabled 1 switches it off. */
#define _GNU_SOURCE
#include "core.h"
#include "leofs/package_list.h"
#include "plugin_abi.h"

#include <dlfcn.h>
#include <limits.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scriptlets see this, so that the leofs package's %pretrans/%posttrans
 * fallback (scriptlets/) knows the plugin does the work. */
#define PLUGIN_ENV "LEOFS_UPGRADE_PLUGIN"

static char *package_names;
static void *core_handle;
static const struct leofs_rpm_core *core;
static bool leofs_transaction; /* the current transaction holds a leofs element */

/* A macro value read as rpmExpandNumeric reads it: y or Y is on, n or N
 * off, else a number that ends the value or is followed by a space. */
static bool is_on(const char *value)
{
    if (*value == 'y' || *value == 'Y')
        return true;
    char *end;
    long number = strtol(value, &end, 0);
    return end != value && (!*end || *end == ' ' || *end == '\t' || *end == '\n') && number != 0;
}

static rpmRC leofs_init(rpmPlugin plugin, rpmts ts)
{
    (void)plugin, (void)ts;
    /* One expansion for both macros, "DISABLED|PACKAGES": rpm loads this
     * plugin into every transaction, so its instructions count. */
    char *macros = rpmExpand("%{?_leofs_upgrade_disabled}|%{?_leofs_upgrade_packages}", NULL);
    char *names = macros ? strchr(macros, '|') : NULL;
    if (!names) {
        free(macros);
        return RPMRC_FAIL;
    }
    *names++ = '\0';
    if (is_on(macros)) {
        free(macros);
        return RPMRC_NOTFOUND; /* rpm unloads the plugin quietly */
    }
    package_names = strdup(*names ? names : LU_DEFAULT_PACKAGE_NAMES);
    free(macros);
    return package_names ? RPMRC_OK : RPMRC_FAIL;
}

static void leofs_cleanup(rpmPlugin plugin)
{
    (void)plugin;
    free(package_names);
    package_names = NULL;
    if (core_handle)
        dlclose(core_handle);
    core_handle = NULL;
    core = NULL;
}

/* Does the transaction hold a leofs element? No allocation: this runs for
 * every rpm transaction. */
static bool holds_leofs(rpmts ts)
{
    for (int i = 0, n = rpmtsNElements(ts); i < n; i++)
        if (lu_package_name_in(package_names, rpmteN(rpmtsElement(ts, i))))
            return true;
    return false;
}

/* Load the core from beside this file: where rpm found leofs.so, not PATH
 * or the library search path. NULL after logging why. */
static const struct leofs_rpm_core *load_core(void)
{
    if (core)
        return core;
    Dl_info self;
    char path[PATH_MAX];
    const char *slash;
    if (!dladdr((void *)&leofs_init, &self) || !self.dli_fname ||
        !(slash = strrchr(self.dli_fname, '/'))) {
        rpmlog(RPMLOG_ERR, "leofs: cannot tell where leofs.so was loaded from; reinstall "
                           "rpm-plugin-leofs\n");
        return NULL;
    }
    if (snprintf(path, sizeof path, "%.*s/%s", (int)(slash - self.dli_fname), self.dli_fname,
                 LEOFS_RPM_CORE_FILE) >= (int)sizeof path) {
        rpmlog(RPMLOG_ERR, "leofs: the plugin's path is too long: %s\n", self.dli_fname);
        return NULL;
    }
    core_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const struct leofs_rpm_core *found =
        core_handle ? dlsym(core_handle, "leofs_rpm_core") : NULL;
    if (!found || found->abi != LEOFS_RPM_CORE_ABI) {
        rpmlog(RPMLOG_ERR, "leofs: cannot load the plugin's core %s: %s; reinstall "
                           "rpm-plugin-leofs (or run rpm with --noplugins and follow LeoFS's "
                           "System Migration guide by hand)\n",
               path, !core_handle ? dlerror() : !found ? "no leofs_rpm_core in it"
                                                       : "it belongs to another build");
        if (core_handle)
            dlclose(core_handle);
        core_handle = NULL;
        return NULL;
    }
    return core = found;
}

static rpmRC leofs_tsm_pre(rpmPlugin plugin, rpmts ts)
{
    (void)plugin;
    leofs_transaction = holds_leofs(ts);
    if (!leofs_transaction)
        return RPMRC_OK;
    /* Without its core the plugin cannot tell a safe upgrade from an
     * unsafe one: stop, loudly, rather than let it pass unchecked. */
    return load_core() ? core->tsm_pre(ts, package_names) : RPMRC_FAIL;
}

static rpmRC leofs_tsm_post(rpmPlugin plugin, rpmts ts, int res)
{
    (void)plugin;
    if (!leofs_transaction || !core)
        return RPMRC_OK;
    return core->tsm_post(ts, package_names, res);
}

static rpmRC leofs_scriptlet_fork_post(rpmPlugin plugin, const char *path, int type)
{
    (void)plugin, (void)path, (void)type;
    /* In the forked scriptlet, also before tsm_pre: rpm versions differ in
     * where %pretrans runs. */
    setenv(PLUGIN_ENV, "1", 1);
    return RPMRC_OK;
}

__attribute__((visibility("default"))) struct rpmPluginHooks_s leofs_hooks = {
    .init = leofs_init,
    .cleanup = leofs_cleanup,
    .tsm_pre = leofs_tsm_pre,
    .tsm_post = leofs_tsm_post,
    .scriptlet_fork_post = leofs_scriptlet_fork_post,
};
