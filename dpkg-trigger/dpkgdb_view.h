/* dpkgdb_view.h: the leofs packages of a root's dpkg status database, read
 * with libdpkg. Shared by leofs-dpkg-hook and leofs-upgrade's dpkg view, so
 * that both see the same packages and refuse alike. */
#ifndef LEOFS_DPKGDB_VIEW_H
#define LEOFS_DPKGDB_VIEW_H

#include "leofs/package_list.h"

#include <stdbool.h>
#include <stddef.h>

/* Where a dpkg database lives. root NULL or "": "/". admindir NULL:
 * ROOT/var/lib/dpkg (with --force-script-chrootless dpkg gives scripts an
 * admin dir that already includes the root: pass it as it is). */
struct dpkg_location {
    const char *root;
    const char *admindir;
};

/* Which packages count as there. */
enum dpkg_view_scope {
    DPKG_VIEW_ON_DISK,  /* any state from half-installed on: files may be there */
    DPKG_VIEW_UNPACKED, /* unpacked completely (unpacked, half-configured... installed) */
};

/* Fill LIST with every package named in NAMES in SCOPE, as LU_PACKAGE_INSTALLED,
 * with the upstream version (the LeoFS version dir name) and the package
 * name as label. -1 with a message in ERROR when the database cannot be
 * read (a root without var/lib/dpkg/status is an error). */
int dpkg_view_read(const struct dpkg_location *where, const char *names,
                   enum dpkg_view_scope scope, struct lu_package_list *list, char *error,
                   size_t error_size);

/* Does the admin dir of WHERE hold a status file? */
bool dpkg_view_present(const struct dpkg_location *where);

/* The upstream part of the Debian version VERSION ("1:1.3.8-2" gives
 * "1.3.8") in OUT. -1 when VERSION is not a valid Debian version. */
int dpkg_view_upstream(const char *version, char *out, size_t out_size);

#endif
