/* hook_transaction.c: a dpkg or apt transaction in the core's terms: what
 * it does to the leofs packages, and the pre phase over it (see hook.h). */
#define _GNU_SOURCE
#include "hook.h"

#include <stdio.h>
#include <string.h>

int hook_replace_package(struct lu_package_list *list, const char *name, const char *version,
                         char *upstream, size_t upstream_size, char *error, size_t error_size)
{
    upstream[0] = '\0';
    if (version && dpkg_view_upstream(version, upstream, upstream_size) < 0) {
        snprintf(error, error_size, "'%s' is not a valid Debian version of %s", version, name);
        return -1;
    }
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            list->items[i].state = LU_PACKAGE_REMOVED;
    if (!lu_package_list_add(list, name, upstream, name, LU_PACKAGE_ADDED)) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    return 0;
}

static const char *known(const char *version)
{
    return version && *version ? version : NULL;
}

enum lu_outcome hook_run_pre(struct hook *hook, const struct lu_package_list *packages,
                             const char *old_version, const char *new_version, bool dry_run)
{
    struct lu_request request = hook_request(hook);
    request.dry_run = dry_run;
    request.old_version = known(old_version);
    request.new_version = known(new_version);
    request.packages = packages->items;
    request.package_count = packages->count;
    request.packages_known = true;
    return lu_run_pre(&request, NULL);
}
