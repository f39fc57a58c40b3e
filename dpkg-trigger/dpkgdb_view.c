/* dpkgdb_view.c: read leofs packages from a dpkg status database with
 * libdpkg (see dpkgdb_view.h). libdpkg reports errors by jumping to the
 * innermost error context: each read pushes its own, so that a damaged
 * database becomes a one-line error instead of an exit from inside the
 * library. */
#define _GNU_SOURCE
#define LIBDPKG_VOLATILE_API 1
#include "dpkgdb_view.h"

#include <dpkg/dpkg-db.h>
#include <dpkg/dpkg.h>
#include <dpkg/ehandle.h>
#include <dpkg/pkg-array.h>
#include <dpkg/progname.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* libdpkg before 1.19.3 and 1.19.1 (dpkg 1.18 on Ubuntu 16.04, 1.19.0.5 on
 * 18.04): the older names of the same calls (see CMakeLists.txt). */
#ifdef LU_DPKG_ARRAY_FROM_DB
#define pkg_array_init_from_hash pkg_array_init_from_db
#endif
#ifdef LU_DPKG_NO_NAME_CONST
#define pkg_name_const(pkg, pnaw) pkg_name((struct pkginfo *)(pkg), (pnaw))
#endif

static char dpkg_message[512];

/* libdpkg's message as one line: its own line breaks become spaces. */
static void keep_message(const char *message, const void *data)
{
    (void)data;
    size_t used = 0;
    bool space = false;
    for (const char *p = message; *p && used + 1 < sizeof dpkg_message; p++) {
        if (*p == '\n' || *p == ' ') {
            space = used > 0;
            continue;
        }
        if (space && used + 2 < sizeof dpkg_message)
            dpkg_message[used++] = ' ';
        space = false;
        dpkg_message[used++] = *p;
    }
    dpkg_message[used] = '\0';
}

static void admindir_of(const struct dpkg_location *where, char *out, size_t size)
{
    const char *root = where->root && *where->root ? where->root : "/";
    if (where->admindir && *where->admindir)
        snprintf(out, size, "%s", where->admindir);
    else {
        size_t length = strlen(root);
        while (length > 1 && root[length - 1] == '/')
            length--; /* "/srv/image/" gives "/srv/image/var/lib/dpkg" */
        snprintf(out, size, "%.*s/var/lib/dpkg", length == 1 ? 0 : (int)length, root);
    }
}

bool dpkg_view_present(const struct dpkg_location *where)
{
    char admindir[4096], status[4200];
    admindir_of(where, admindir, sizeof admindir);
    snprintf(status, sizeof status, "%s/status", admindir);
    return access(status, F_OK) == 0;
}

int dpkg_view_upstream(const char *version, char *out, size_t out_size)
{
    struct dpkg_version parsed;
    struct dpkg_error err = DPKG_ERROR_INIT;
    if (parseversion(&parsed, version, &err) < 0 && err.type == DPKG_MSG_ERROR) {
        dpkg_error_destroy(&err);
        return -1;
    }
    dpkg_error_destroy(&err);
    int n = snprintf(out, out_size, "%s", parsed.version);
    return n < 0 || (size_t)n >= out_size ? -1 : 0;
}

static bool in_scope(const struct pkginfo *pkg, enum dpkg_view_scope scope)
{
    enum pkgstatus least = scope == DPKG_VIEW_UNPACKED ? PKG_STAT_UNPACKED : PKG_STAT_HALFINSTALLED;
    return pkg->status >= least;
}

static int collect(const char *names, enum dpkg_view_scope scope, struct lu_package_list *list)
{
    struct pkg_array packages;
    pkg_array_init_from_hash(&packages);
    int result = 0;
    for (int i = 0; i < packages.n_pkgs && result == 0; i++) {
        const struct pkginfo *pkg = packages.pkgs[i];
        if (!in_scope(pkg, scope) || !lu_package_name_in(names, pkg->set->name))
            continue;
        const char *version = pkg->installed.version.version;
        if (!lu_package_list_add(list, pkg->set->name, version ? version : "",
                                 pkg_name_const(pkg, pnaw_nonambig), LU_PACKAGE_INSTALLED))
            result = -1;
    }
    pkg_array_destroy(&packages);
    return result;
}

int dpkg_view_read(const struct dpkg_location *where, const char *names,
                   enum dpkg_view_scope scope, struct lu_package_list *list, char *error,
                   size_t error_size)
{
    char admindir[4096];
    admindir_of(where, admindir, sizeof admindir);
    if (!dpkg_view_present(where)) {
        snprintf(error, error_size,
                 "no dpkg database in %s (no status file): give the right root or admin dir",
                 admindir);
        return -1;
    }
    if (!dpkg_get_progname())
        dpkg_set_progname("leofs-upgrade");

    static jmp_buf jump;
    if (setjmp(jump)) {
        pop_error_context(ehflag_bombout);
        lu_package_list_free(list);
        snprintf(error, error_size, "cannot read the dpkg database in %s: %s", admindir,
                 dpkg_message);
        return -1;
    }
    push_error_context_jump(&jump, keep_message, NULL);
    dpkg_db_set_dir(admindir);
    modstatdb_open(msdbrw_readonly);
    int result = collect(names, scope, list);
    modstatdb_shutdown();
    pop_error_context(ehflag_normaltidy);
    if (result < 0) {
        lu_package_list_free(list);
        snprintf(error, error_size, "out of memory reading the dpkg database in %s", admindir);
    }
    return result;
}
