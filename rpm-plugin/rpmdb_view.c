/* rpmdb_view.c: leofs packages from an rpm transaction set (see rpmdb_view.h). */
#define _GNU_SOURCE
#include "rpmdb_view.h"

#include <errno.h>
#include <fcntl.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmfileutil.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmte.h>
#include <rpm/rpmts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool rpm_view_transaction_touches(rpmts ts, const char *names)
{
    bool found = false;
    rpmtsi iterator = rpmtsiInit(ts);
    rpmte te;
    while (!found && (te = rpmtsiNext(iterator, 0)))
        found = lu_package_name_in(names, rpmteN(te));
    rpmtsiFree(iterator);
    return found;
}

/* Is the rpmdb header INSTANCE erased by the transaction? */
static bool removed_by(rpmts ts, unsigned instance, bool elements)
{
    if (!elements)
        return false;
    bool removed = false;
    rpmtsi iterator = rpmtsiInit(ts);
    rpmte te;
    while (!removed && (te = rpmtsiNext(iterator, TR_REMOVED)))
        removed = rpmteDBInstance(te) == instance;
    rpmtsiFree(iterator);
    return removed;
}

static int read_installed(rpmts ts, const char *names, bool elements, struct rpm_view *view)
{
    char *list = strdup(names);
    if (!list)
        return -1;
    int result = 0;
    for (char *save = NULL, *name = strtok_r(list, " ,\t", &save); name && result == 0;
         name = strtok_r(NULL, " ,\t", &save)) {
        rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_NAME, name, 0);
        Header h;
        while (mi && (h = rpmdbNextIterator(mi))) {
            char *nevra = headerGetAsString(h, RPMTAG_NEVRA);
            bool removed = removed_by(ts, headerGetInstance(h), elements);
            struct lu_package *p =
                lu_package_list_add(&view->packages, name, headerGetString(h, RPMTAG_VERSION),
                                    nevra, removed ? LU_PACKAGE_REMOVED : LU_PACKAGE_INSTALLED);
            if (!p)
                result = -1;
            else if (removed && !view->old_version)
                view->old_version = p->version;
            free(nevra);
        }
        rpmdbFreeIterator(mi);
    }
    free(list);
    return result;
}

static int read_added(rpmts ts, const char *names, struct rpm_view *view)
{
    rpmtsi iterator = rpmtsiInit(ts);
    rpmte te;
    int result = 0;
    while (result == 0 && (te = rpmtsiNext(iterator, TR_ADDED))) {
        if (!lu_package_name_in(names, rpmteN(te)))
            continue;
        struct lu_package *p = lu_package_list_add(&view->packages, rpmteN(te), rpmteV(te),
                                                   rpmteNEVRA(te), LU_PACKAGE_ADDED);
        if (!p)
            result = -1;
        else {
            view->adds_leofs = true;
            view->new_version = p->version;
        }
    }
    rpmtsiFree(iterator);
    return result;
}

int rpm_view_read(rpmts ts, const char *names, bool elements, struct rpm_view *view)
{
    memset(view, 0, sizeof *view);
    if (read_installed(ts, names, elements, view) < 0 ||
        (elements && read_added(ts, names, view) < 0)) {
        rpm_view_free(view);
        return -1;
    }
    return 0;
}

/* Is rpm's database directory there inside ROOT? rpm opens one that is
 * not there as an empty one, which would read as "no leofs installed". */
static int database_present(const char *root, char *error, size_t error_size)
{
    char *dbpath = rpmGetPath("%{_dbpath}", NULL);
    char *where = NULL;
    if (dbpath && asprintf(&where, "%s%s", strcmp(root, "/") == 0 ? "" : root, dbpath) < 0)
        where = NULL;
    struct stat st;
    const char *problem = !where                 ? "out of memory"
                          : stat(where, &st) < 0 ? strerror(errno)
                          : !S_ISDIR(st.st_mode) ? "not a directory"
                                                 : NULL;
    if (problem)
        snprintf(error, error_size, "no rpm database in %s (rpm's %%_dbpath is %s): %s; use --db "
                 "none if this root has no rpm", where ? where : root, dbpath ? dbpath : "unknown",
                 problem);
    free(dbpath);
    free(where);
    return problem ? -1 : 0;
}

int rpm_view_read_root(const char *root, const char *names, struct rpm_view *view, char *error,
                       size_t error_size)
{
    const char *shown = root && *root ? root : "/";
    if (rpmReadConfigFiles(NULL, NULL) != 0) {
        snprintf(error, error_size, "cannot read rpm's configuration");
        rpmFreeRpmrc();
        return -1;
    }
    int result = database_present(shown, error, error_size);
    rpmts ts = result == 0 ? rpmtsCreate() : NULL;
    if (result == 0 && !ts) {
        snprintf(error, error_size, "out of memory");
        result = -1;
    } else if (result == 0) {
        rpmtsSetRootDir(ts, shown);
        if (rpmtsOpenDB(ts, O_RDONLY) != 0) {
            snprintf(error, error_size,
                     "cannot open the rpm database of %s: check that rpm -q leofs works there",
                     shown);
            result = -1;
        } else if (rpm_view_read(ts, names, false, view) < 0) {
            snprintf(error, error_size, "cannot read the rpm database of %s", shown);
            result = -1;
        }
        rpmtsFree(ts);
    }
    /* Done with rpm: give back its configuration, macros and Lua state
     * (valgrind counts them as lost otherwise). */
    rpmFreeMacros(NULL);
    rpmFreeRpmrc();
    return result;
}

void rpm_view_free(struct rpm_view *view)
{
    lu_package_list_free(&view->packages);
    memset(view, 0, sizeof *view);
}
