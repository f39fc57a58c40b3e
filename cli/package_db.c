/* package_db.c: pick and read the root's package database (see package_db.h). */
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

/* Does ROOT hold PATH (e.g. its rpmdb)? */
static bool root_has(const char *root, const char *path)
{
    char full[4096];
    struct stat st;
    snprintf(full, sizeof full, "%s%s", strcmp(root, "/") ? root : "", path);
    return lstat(full, &st) == 0;
}

static int read_rpm(const char *root, struct package_db *db, char *error, size_t error_size)
{
#ifdef HAVE_RPM_VIEW
    struct rpm_view *view = calloc(1, sizeof *view);
    if (!view || rpm_view_read_root(root, RPM_VIEW_DEFAULT_NAMES, view, error, error_size) < 0) {
        free(view);
        return -1;
    }
    db->packages = view->packages;
    db->count = view->count;
    db->remove_command = "rpm -e";
    db->name = "rpm";
    db->backend = view;
    return 0;
#else
    (void)root, (void)db;
    snprintf(error, error_size, "this leofs-upgrade was built without rpm support: use --db none");
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
    if (strcmp(which, "auto") != 0) {
        snprintf(error, error_size, "unknown package database '%s': use rpm, none or auto", which);
        return -1;
    }
#ifdef HAVE_RPM_VIEW
    if (root_has(root, "/var/lib/rpm/rpmdb.sqlite") || root_has(root, "/var/lib/rpm/Packages") ||
        root_has(root, "/usr/lib/sysimage/rpm"))
        return read_rpm(root, db, error, error_size);
#else
    (void)root_has;
#endif
    return 0;
}

void package_db_free(struct package_db *db)
{
#ifdef HAVE_RPM_VIEW
    if (db->backend && strcmp(db->name, "rpm") == 0)
        rpm_view_free(db->backend);
#endif
    free(db->backend);
    memset(db, 0, sizeof *db);
}
