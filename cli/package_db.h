/* package_db.h: which leofs packages the root's package database lists,
 * for the "packages" step of leofs-upgrade (the same views the rpm plugin
 * and the dpkg helper use, so that the command refuses as they do). */
#ifndef LEOFS_CLI_PACKAGE_DB_H
#define LEOFS_CLI_PACKAGE_DB_H

#include "leofs/upgrade.h"

#include <stddef.h>

struct package_db {
    struct lu_package *packages;
    size_t count;
    const char *remove_command; /* "rpm -e", "dpkg --purge" */
    const char *name;           /* "rpm", "dpkg", NULL when none was read */
    void *backend;              /* the view's own storage */
};

/* Read ROOT's database: WHICH is "rpm", "dpkg", "none" or "auto" (the one
 * the root has). 0 with db->name NULL when there is none to read; -1 with a
 * message in ERROR. */
int package_db_read(const char *root, const char *which, struct package_db *db, char *error,
                    size_t error_size);
void package_db_free(struct package_db *db);

#endif
