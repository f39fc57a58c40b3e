/* rpmdb_view.h: the leofs packages as an rpm transaction set sees them:
 * installed ones from the rpmdb, and what the transaction adds and removes.
 * Shared by the plugin and leofs-upgrade's rpm view, so that both refuse
 * exactly alike. */
#ifndef LEOFS_RPMDB_VIEW_H
#define LEOFS_RPMDB_VIEW_H

#include "leofs/package_list.h"

#include <rpm/rpmts.h>
#include <stdbool.h>
#include <stddef.h>

struct rpm_view {
    struct lu_package_list packages;
    const char *new_version; /* version of the added leofs element, if any */
    const char *old_version; /* version of a removed leofs element, if any */
    bool adds_leofs;         /* the transaction installs a leofs package */
};

/* Does the transaction hold a leofs element at all? The fast check, done
 * before anything else touches the rpmdb. */
bool rpm_view_transaction_touches(rpmts ts, const char *names);
/* Read the view of TS (its rpmdb and, with ELEMENTS, its elements). */
int rpm_view_read(rpmts ts, const char *names, bool elements, struct rpm_view *view);
/* Open ROOT's rpmdb read-only (rpm's configured %_dbpath) and read it.
 * -1 with a message in ERROR. */
int rpm_view_read_root(const char *root, const char *names, struct rpm_view *view, char *error,
                       size_t error_size);
void rpm_view_free(struct rpm_view *view);

#endif
