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

bool rpm_view_names_match(const char *names, const char *name)
{
    size_t length = strlen(name);
    for (const char *p = names; *p;) {
        p += strspn(p, " ,\t");
        size_t word = strcspn(p, " ,\t");
        if (word == length && word && strncmp(p, name, length) == 0)
            return true;
        p += word;
    }
    return false;
}

bool rpm_view_transaction_touches(rpmts ts, const char *names)
{
    bool found = false;
    rpmtsi iterator = rpmtsiInit(ts);
    rpmte te;
    while (!found && (te = rpmtsiNext(iterator, 0)))
        found = rpm_view_names_match(names, rpmteN(te));
    rpmtsiFree(iterator);
    return found;
}

static int add(struct rpm_view *view, const char *name, const char *version, const char *label,
               enum lu_package_state state)
{
    struct lu_package *grown = realloc(view->packages, (view->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    view->packages = grown;
    struct lu_package *p = &grown[view->count];
    p->name = strdup(name);
    p->version = strdup(version ? version : "");
    p->label = strdup(label ? label : name);
    p->state = state;
    if (!p->name || !p->version || !p->label) {
        free((char *)p->name);
        free((char *)p->version);
        free((char *)p->label);
        return -1;
    }
    view->count++;
    return 0;
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
            if (add(view, name, headerGetString(h, RPMTAG_VERSION), nevra,
                    removed ? LU_PACKAGE_REMOVED : LU_PACKAGE_INSTALLED) < 0)
                result = -1;
            if (removed && !view->old_version)
                view->old_version = view->packages[view->count - 1].version;
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
        if (!rpm_view_names_match(names, rpmteN(te)))
            continue;
        result = add(view, rpmteN(te), rpmteV(te), rpmteNEVRA(te), LU_PACKAGE_ADDED);
        if (result == 0) {
            view->adds_leofs = true;
            view->new_version = view->packages[view->count - 1].version;
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
    for (size_t i = 0; i < view->count; i++) {
        free((char *)view->packages[i].name);
        free((char *)view->packages[i].version);
        free((char *)view->packages[i].label);
    }
    free(view->packages);
    memset(view, 0, sizeof *view);
}
