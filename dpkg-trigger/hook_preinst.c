/* hook_preinst.c: leofs-dpkg-hook preinst, run from a LeoFS package's
 * preinst ("install [OLD NEW]" or "upgrade OLD NEW") before dpkg unpacks
 * it. Runs the core's pre phase, then saves the old version's node
 * configuration (which dpkg deletes unless the package marks it as
 * conffiles): a refusal exits non-zero, so dpkg unwinds and the old
 * version stays as it was. */
#define _GNU_SOURCE
#include "hook.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hook_preinst(struct hook *hook, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, HOOK_PROGRAM ": preinst needs the preinst's arguments: call it as "
                        "'" HOOK_PROGRAM " preinst \"$@\"'\n");
        return LU_OUTCOME_CONFIG_ERROR;
    }
    const char *action = argv[0];
    if (strcmp(action, "install") != 0 && strcmp(action, "upgrade") != 0) {
        hook_log(hook, LU_LOG_DEBUG, "preinst %s: nothing to do", action);
        return LU_OUTCOME_OK;
    }
    if (!hook->package) {
        fprintf(stderr, HOOK_PROGRAM ": cannot tell which package this preinst is for: run it "
                        "from a maintainer script or give --package NAME\n");
        return LU_OUTCOME_CONFIG_ERROR;
    }
    const char *old_version = argc > 1 ? argv[1] : NULL;
    const char *new_version = argc > 2 ? argv[2] : NULL;

    /* The package that runs this preinst is LeoFS, whatever its name. */
    char *names = NULL;
    if (asprintf(&names, "%s %s", hook->names, hook->package) < 0) {
        fprintf(stderr, HOOK_PROGRAM ": out of memory\n");
        return LU_OUTCOME_FAILED;
    }
    struct lu_package_list packages = {0};
    char error[1024] = "", old_upstream[256] = "", new_upstream[256] = "";
    int status = LU_OUTCOME_OK;
    bool ready = false;
    if (old_version && dpkg_view_upstream(old_version, old_upstream, sizeof old_upstream) < 0)
        snprintf(error, sizeof error, "'%s' is not a valid Debian version", old_version);
    else
        ready = dpkg_view_read(&hook->location, names, DPKG_VIEW_ON_DISK, &packages, error,
                               sizeof error) == 0 &&
                hook_replace_package(&packages, hook->package, new_version, new_upstream,
                                     sizeof new_upstream, error, sizeof error) == 0;
    if (!ready) {
        fprintf(stderr, HOOK_PROGRAM ": %s\n", error);
        status = LU_OUTCOME_CONFIG_ERROR;
        goto out;
    }

    status = hook_run_pre(hook, &packages, old_upstream, new_upstream, false);
    if (status == LU_OUTCOME_OK && *old_upstream) {
        /* dpkg deletes the old package's config files that are no conffiles,
         * or, reinstalling the same version, puts their shipped copies back. */
        struct lu_request request = hook_request(hook);
        status = lu_run_save(&request, old_upstream, NULL);
    }
    if (status != LU_OUTCOME_OK) {
        char root[4200];
        hook_log(hook, LU_LOG_ERROR,
                 "the %s of %s%s%s was stopped before dpkg changed anything (%s): fix what is "
                 "said above and retry; see what is wrong with: leofs-upgrade%s check%s%s",
                 action, hook->package, *new_upstream ? " to " : "", new_upstream,
                 lu_outcome_name(status), hook_root_option(hook, root, sizeof root),
                 *new_upstream ? " " : "", new_upstream);
    }
out:
    lu_package_list_free(&packages);
    free(names);
    return status;
}
