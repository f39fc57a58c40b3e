/* package_db.h: which leofs packages the root's package database lists,
 * for the "packages" step of leofs-upgrade (the same views the rpm plugin
 * and the dpkg helper use, so that the command refuses as they do). */
#ifndef LEOFS_CLI_PACKAGE_DB_H
#define LEOFS_CLI_PACKAGE_DB_H

#include "leofs/package_list.h"

#include <stdbool.h>
#include <stddef.h>

struct package_db {
    const struct lu_package *packages; /* the leofs packages of every database read */
    size_t count;
    const char *remove_command; /* "rpm -e", "dpkg --purge" */
    const char *name;           /* "rpm", "dpkg", NULL when none was read */
    bool from_both;             /* both databases list leofs packages */
    struct lu_package_list list;
};

/* Read ROOT's database: WHICH is "rpm", "dpkg", "none" or "auto" (every
 * one the root has). 0 with db->name NULL when there is none to read; -1
 * with a message in ERROR. */
int package_db_read(const char *root, const char *which, struct package_db *db, char *error,
                    size_t error_size);
void package_db_free(struct package_db *db);

#endif
