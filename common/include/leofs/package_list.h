/* leofs/package_list.h: what the package database views (rpm, dpkg) build
 * their answers with: a growing list of lu_package entries that owns its
 * strings, and the test of which package names count as LeoFS. */
#ifndef LEOFS_PACKAGE_LIST_H
#define LEOFS_PACKAGE_LIST_H

#include "leofs/upgrade.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The package names that count as LeoFS unless configured otherwise. */
#define LU_DEFAULT_PACKAGE_NAMES "leofs"

struct lu_package_list {
    struct lu_package *items;
    size_t count;
};

/* Append a copy of NAME, VERSION (NULL: "") and LABEL (NULL: NAME); the
 * new entry, or NULL when out of memory. */
struct lu_package *lu_package_list_add(struct lu_package_list *list, const char *name,
                                       const char *version, const char *label,
                                       enum lu_package_state state);
void lu_package_list_free(struct lu_package_list *list);

/* Is NAME one of NAMES, a list separated by spaces or commas? */
bool lu_package_name_in(const char *names, const char *name);

#ifdef __cplusplus
}
#endif

#endif
