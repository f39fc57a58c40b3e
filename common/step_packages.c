/* step_packages.c: refuse when several leofs versions are installed, or when
 * the transaction would leave several (LeoFS 1.3.8+ supports one version
 * per system; the migration guide's "rpm -q leofs" check). */
#define _GNU_SOURCE
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *label_of(const struct lu_package *package, char *buffer, size_t size)
{
    if (package->label && *package->label)
        return package->label;
    snprintf(buffer, size, "%s-%s", package->name, package->version ? package->version : "?");
    return buffer;
}

/* Packages of one side of the transaction, newest last. */
struct package_set {
    const struct lu_package **items;
    size_t count;
};

static int by_version(const void *a, const void *b)
{
    const struct lu_package *pa = *(const struct lu_package *const *)a;
    const struct lu_package *pb = *(const struct lu_package *const *)b;
    return lu_version_compare(pa->version ? pa->version : "", pb->version ? pb->version : "");
}

static void collect(const struct lu_request *request, enum lu_package_state keep_a,
                    enum lu_package_state keep_b, struct package_set *set)
{
    set->items = calloc(request->package_count + 1, sizeof *set->items);
    set->count = 0;
    if (!set->items)
        return;
    for (size_t i = 0; i < request->package_count; i++) {
        const struct lu_package *p = &request->packages[i];
        if (p->state == keep_a || p->state == keep_b)
            set->items[set->count++] = p;
    }
    qsort(set->items, set->count, sizeof *set->items, by_version);
}

/* "a, b, c" of the labels in SET from FIRST to before END. */
static char *join_labels(const struct package_set *set, size_t first, size_t end)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    char buffer[256];
    if (!out)
        return NULL;
    for (size_t i = first; i < end; i++)
        fprintf(out, "%s%s", i > first ? (i + 1 == end ? " and " : ", ") : "",
                label_of(set->items[i], buffer, sizeof buffer));
    fclose(out);
    return text;
}

enum lu_status step_packages(struct lu_context *ctx)
{
    const struct lu_request *request = ctx->request;
    struct lu_step *step = step_begin(ctx, STEP_PACKAGES);
    if (!request->packages_known)
        return step_finish(step, LU_STATUS_SKIPPED,
                           "no package database was read: make sure only one leofs version is "
                           "installed (rpm -q leofs, or dpkg -l 'leofs*')");

    const char *remove = request->remove_command ? request->remove_command : "rpm -e";
    struct package_set before, after;
    collect(request, LU_PACKAGE_INSTALLED, LU_PACKAGE_REMOVED, &before);
    collect(request, LU_PACKAGE_INSTALLED, LU_PACKAGE_ADDED, &after);
    if (!before.items || !after.items) {
        free(before.items);
        free(after.items);
        return step_finish(step, LU_STATUS_FAILED, "out of memory");
    }

    enum lu_status status;
    char buffer[256];
    if (before.count > 1) {
        char *all = join_labels(&before, 0, before.count);
        char *older = join_labels(&before, 0, before.count - 1);
        status = step_finish(step, LU_STATUS_REFUSED,
                             "several leofs versions are installed (%s): LeoFS supports one; "
                             "remove all but one first (e.g. %s %s), then upgrade",
                             all ? all : "?", remove, older ? older : "?");
        free(all);
        free(older);
    } else if (after.count > 1) {
        char *all = join_labels(&after, 0, after.count);
        status = step_finish(step, LU_STATUS_REFUSED,
                             "this transaction would leave several leofs versions installed (%s): "
                             "install the new one as an upgrade (rpm -U, dnf upgrade, apt or "
                             "dpkg -i), not beside the old one",
                             all ? all : "?");
        free(all);
    } else if (after.count == 1) {
        status = step_finish(step, LU_STATUS_UNCHANGED, "one leofs version installed afterwards (%s)",
                             label_of(after.items[0], buffer, sizeof buffer));
    } else {
        status = step_finish(step, LU_STATUS_UNCHANGED, "no leofs version installed afterwards");
    }
    free(before.items);
    free(after.items);
    return status;
}
