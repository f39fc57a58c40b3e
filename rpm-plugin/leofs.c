/* leofs.c: the librpm transaction plugin "leofs", as small as rpm's own:
 * rpm loads it into every transaction, so it only looks at the element
 * names. When one is a leofs package it loads the plugin's core module
 * (leofs/core.so beside this file, see core.h), which does the work; a
 * transaction without leofs never maps the core.
 *
 * It does not link librpm, and needs no library but libc: dlopen of an
 * object that needs librpm walks librpm's whole dependency tree, most of
 * what the plugin cost a transaction (docs/PERFORMANCE.md, section 1).
 * The few librpm functions it calls are taken at init from the librpm and
 * librpmio it was built against (LIBRPM_SONAME, LIBRPMIO_SONAME), which
 * the program has loaded, read from their symbol tables among the loaded
 * objects (loaded_library.h): also under dnf, whose Python loads librpm
 * RTLD_LOCAL, out of reach of undefined symbols or of dlsym(RTLD_DEFAULT).
 * Without them init fails, and so does the transaction: a leofs upgrade
 * never goes through unchecked.
 *
 * Macros: %__transaction_leofs enables it, %_leofs_upgrade_packages names
 * the packages that count as LeoFS (default "leofs"), and
 * %_leofs_upgrade_disabled 1 switches it off. macros.leofs only documents
 * the last two: undefined, they are not expanded at all (rpm >= 4.17). */
#define _GNU_SOURCE
#include "core.h"
#include "leofs/package_list.h"
#include "loaded_library.h"
#include "plugin_abi.h"

#include <dlfcn.h>
#include <limits.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Scriptlets see this, so that the leofs package's %pretrans/%posttrans
 * fallback (scriptlets/) knows the plugin does the work. */
#define PLUGIN_ENV "LEOFS_UPGRADE_PLUGIN"

#define DISABLED_MACRO "_leofs_upgrade_disabled"
#define PACKAGES_MACRO "_leofs_upgrade_packages"

/* The librpm functions the plugin calls: those every transaction needs
 * taken at init (take_rpm), the others when first needed (TAKE). */
static struct {
#ifdef HAVE_RPM_MACRO_IS_DEFINED
    __typeof__(rpmMacroIsDefined) *macro_is_defined;
#endif
    __typeof__(rpmtsElement) *element;
    __typeof__(rpmteN) *element_name;
    __typeof__(rpmExpand) *expand; /* when a macro of ours is defined */
    __typeof__(rpmlog) *log;       /* for errors */
} rpm;
static struct loaded_library libraries[] = {{.soname = LIBRPM_SONAME},
                                            {.soname = LIBRPMIO_SONAME}};
enum { LIBRPM, LIBRPMIO };
static void *librpm_handle; /* from dlopen(RTLD_NOLOAD), when it was needed */

/* The address of librpm's function NAME, from LIBRARY's symbol table;
 * else through dlopen(RTLD_NOLOAD) of librpm and dlsym, whose handle's
 * scope holds librpmio too (a library without a GNU hash table, a symbol
 * the table reader does not take). NULL when rpm has none. */
static void *rpm_function(int library, const char *name)
{
    void *function = librpm_handle ? NULL : loaded_library_function(&libraries[library], name);
    if (!function && !librpm_handle)
        librpm_handle = dlopen(LIBRPM_SONAME, RTLD_NOW | RTLD_NOLOAD);
    if (!function && librpm_handle)
        function = dlsym(librpm_handle, name);
    return function;
}

/* Take FUNCTION of LIBRARY into rpm.FIELD unless it is there: false if
 * missing. The cast to the declared function's type makes the assignment
 * type-checked against the field. */
#define TAKE(field, library, function)                                                 \
    (rpm.field || (rpm.field = (__typeof__(&function))rpm_function(library, #function)))
#define TAKE_OR_RETURN(field, library, function)                                       \
    if (!TAKE(field, library, function))                                               \
        return librpm_handle ? #function : LIBRPM_SONAME; /* what is missing */

/* The librpm functions every transaction calls, from LIBRPM_SONAME and
 * LIBRPMIO_SONAME as the process loaded them, read from their symbol
 * tables (loaded_library.h), which costs a few hundred instructions.
 * dlopen(RTLD_NOLOAD) of librpm and dlsym cost a hundred times that (the
 * walk of librpm's dependencies, about 1,000 a symbol), so they only do
 * what the tables cannot (rpm_function). rpmMacroIsDefined is only a
 * shortcut: an rpm of the same soname without it (4.16 runs what 4.17 and
 * 4.18 build) expands the macros instead. NULL, or what is missing. */
static const char *take_rpm(void)
{
    loaded_libraries_find(libraries, 2);
#ifdef HAVE_RPM_MACRO_IS_DEFINED
    (void)TAKE(macro_is_defined, LIBRPMIO, rpmMacroIsDefined);
#endif
    TAKE_OR_RETURN(element, LIBRPM, rpmtsElement)
    TAKE_OR_RETURN(element_name, LIBRPM, rpmteN)
    return NULL;
}

/* Without librpm's rpmlog: rpm prints its own line after this one. */
static void report_missing(const char *what)
{
    dprintf(STDERR_FILENO,
            "error: leofs: the rpm plugin leofs.so was built for %s, but %s is not loaded in "
            "this program: reinstall the rpm-plugin-leofs built for this rpm\n",
            LIBRPM_SONAME, what);
}

/* An error line through rpmlog, as rpm's own. */
__attribute__((format(printf, 1, 2))) static void log_error(const char *format, ...)
{
    char line[1024];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    if (TAKE(log, LIBRPMIO, rpmlog))
        rpm.log(RPMLOG_ERR, "%s", line);
    else
        dprintf(STDERR_FILENO, "error: %s", line);
}

/* Not allocated for the default: no libc call (each costs a symbol
 * lookup on its first call) where it can be helped. */
static char default_names[] = LU_DEFAULT_PACKAGE_NAMES;
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

static void release_rpm(void)
{
    if (librpm_handle)
        dlclose(librpm_handle);
    librpm_handle = NULL;
}

/* The package names from the macros into package_names; RPMRC_NOTFOUND
 * when the plugin is switched off. */
static rpmRC read_macros(void)
{
#ifdef HAVE_RPM_MACRO_IS_DEFINED
    /* Neither macro defined, as macros.leofs leaves them: the defaults,
     * without the macro engine's expansion (rpm loads this plugin into
     * every transaction, so its instructions count). */
    if (rpm.macro_is_defined && !rpm.macro_is_defined(NULL, DISABLED_MACRO) &&
        !rpm.macro_is_defined(NULL, PACKAGES_MACRO)) {
        package_names = default_names;
        return RPMRC_OK;
    }
#endif
    if (!TAKE(expand, LIBRPMIO, rpmExpand)) {
        report_missing("rpmExpand");
        return RPMRC_FAIL;
    }
    /* One expansion for both macros, "DISABLED|PACKAGES". */
    char *macros = rpm.expand("%{?" DISABLED_MACRO "}|%{?" PACKAGES_MACRO "}", NULL);
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
    package_names = *names ? strdup(names) : default_names;
    free(macros);
    return package_names ? RPMRC_OK : RPMRC_FAIL;
}

static rpmRC leofs_init(rpmPlugin plugin, rpmts ts)
{
    (void)plugin, (void)ts;
    const char *missing = take_rpm();
    if (missing) {
        report_missing(missing);
        release_rpm();
        return RPMRC_FAIL;
    }
    rpmRC rc = read_macros();
    if (rc != RPMRC_OK)
        release_rpm();
    return rc;
}

static void leofs_cleanup(rpmPlugin plugin)
{
    (void)plugin;
    if (package_names != default_names)
        free(package_names);
    package_names = NULL;
    if (core_handle)
        dlclose(core_handle);
    core_handle = NULL;
    core = NULL;
    release_rpm();
}

/* Does the transaction hold a leofs element? No allocation: this runs for
 * every rpm transaction. */
static bool holds_leofs(rpmts ts)
{
    rpmte element;
    for (int i = 0; (element = rpm.element(ts, i)); i++)
        if (lu_package_name_in(package_names, rpm.element_name(element)))
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
        log_error("leofs: cannot tell where leofs.so was loaded from; reinstall "
                  "rpm-plugin-leofs\n");
        return NULL;
    }
    if (snprintf(path, sizeof path, "%.*s/%s", (int)(slash - self.dli_fname), self.dli_fname,
                 LEOFS_RPM_CORE_FILE) >= (int)sizeof path) {
        log_error("leofs: the plugin's path is too long: %s\n", self.dli_fname);
        return NULL;
    }
    core_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const struct leofs_rpm_core *found =
        core_handle ? dlsym(core_handle, "leofs_rpm_core") : NULL;
    if (!found || found->abi != LEOFS_RPM_CORE_ABI) {
        log_error("leofs: cannot load the plugin's core %s: %s; reinstall "
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
