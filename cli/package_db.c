/* package_db.c: pick and read the root's package databases (see
 * package_db.h), with the same views the rpm plugin and the dpkg helper
 * use. */
#define _GNU_SOURCE
#include "package_db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef HAVE_RPM_VIEW
#include "rpmdb_view.h"
#endif
#ifdef HAVE_DPKG_VIEW
#include "dpkgdb_view.h"
#endif

/* Does ROOT hold PATH (e.g. its rpmdb)? */
static bool root_has(const char *root, const char *path)
{
    char full[4096];
    struct stat st;
    snprintf(full, sizeof full, "%s%s", strcmp(root, "/") ? root : "", path);
    return lstat(full, &st) == 0;
}

static bool has_rpm(const char *root)
{
    return root_has(root, "/var/lib/rpm/rpmdb.sqlite") || root_has(root, "/var/lib/rpm/Packages") ||
           root_has(root, "/usr/lib/sysimage/rpm");
}

static bool has_dpkg(const char *root)
{
    return root_has(root, "/var/lib/dpkg/status");
}

#if defined(HAVE_RPM_VIEW) || defined(HAVE_DPKG_VIEW)
/* Take over LIST's entries into DB, naming the database. */
static int take(struct package_db *db, struct lu_package_list *list, const char *name,
                const char *remove_command, char *error, size_t error_size)
{
    size_t had = db->list.count;
    for (size_t i = 0; i < list->count; i++) {
        const struct lu_package *p = &list->items[i];
        if (!lu_package_list_add(&db->list, p->name, p->version, p->label, p->state)) {
            snprintf(error, error_size, "out of memory");
            return -1;
        }
    }
    /* With two databases, name the one that lists leofs (else the first). */
    db->from_both = had && list->count;
    if (!db->name || (!had && list->count)) {
        db->name = name;
        db->remove_command = remove_command;
    }
    db->packages = db->list.items;
    db->count = db->list.count;
    return 0;
}
#endif

static int read_rpm(const char *root, struct package_db *db, char *error, size_t error_size)
{
#ifdef HAVE_RPM_VIEW
    struct rpm_view view;
    if (rpm_view_read_root(root, LU_DEFAULT_PACKAGE_NAMES, &view, error, error_size) < 0)
        return -1;
    int result = take(db, &view.packages, "rpm", "rpm -e", error, error_size);
    rpm_view_free(&view);
    return result;
#else
    (void)root, (void)db;
    snprintf(error, error_size, "this leofs-upgrade was built without rpm support: use --db "
                                "dpkg or none");
    return -1;
#endif
}

static int read_dpkg(const char *root, struct package_db *db, char *error, size_t error_size)
{
#ifdef HAVE_DPKG_VIEW
    struct lu_package_list list = {0};
    struct dpkg_location where = {.root = root};
    if (dpkg_view_read(&where, LU_DEFAULT_PACKAGE_NAMES, DPKG_VIEW_ON_DISK, &list, error,
                       error_size) < 0)
        return -1;
    int result = take(db, &list, "dpkg", "dpkg --purge", error, error_size);
    lu_package_list_free(&list);
    return result;
#else
    (void)root, (void)db;
    snprintf(error, error_size, "this leofs-upgrade was built without dpkg support: use --db "
                                "rpm or none");
    return -1;
#endif
}

int package_db_read(const char *root, const char *which, struct package_db *db, char *error,
                    size_t error_size)
{
    memset(db, 0, sizeof *db);
    if (strcmp(which, "none") == 0)
        return 0;
    if (strcmp(which, "rpm") == 0)
        return read_rpm(root, db, error, error_size);
    if (strcmp(which, "dpkg") == 0)
        return read_dpkg(root, db, error, error_size);
    if (strcmp(which, "auto") != 0) {
        snprintf(error, error_size, "unknown package database '%s': use rpm, dpkg, none or auto",
                 which);
        return -1;
    }
    /* Every database the root has (a Debian host may carry an rpmdb too):
     * the packages step then sees every leofs package installed. */
#ifdef HAVE_DPKG_VIEW
    if (has_dpkg(root) && read_dpkg(root, db, error, error_size) < 0)
        return -1;
#else
    (void)has_dpkg;
#endif
#ifdef HAVE_RPM_VIEW
    if (has_rpm(root) && read_rpm(root, db, error, error_size) < 0)
        return -1;
#else
    (void)has_rpm;
#endif
    return 0;
}

void package_db_free(struct package_db *db)
{
    lu_package_list_free(&db->list);
    memset(db, 0, sizeof *db);
}
