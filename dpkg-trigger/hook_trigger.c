/* hook_trigger.c: leofs-dpkg-hook trigger, run from our package's postinst
 * when dpkg activates the file trigger on /usr/local/leofs: after a LeoFS
 * package's files are unpacked, and also after one is removed. Runs the
 * core's post phase for the newest LeoFS version installed; when none is,
 * there is nothing to repair. A step that could not take over a config,
 * or dirs left root-owned, make it exit non-zero with the command to run:
 * dpkg then leaves the trigger pending instead of a node that cannot
 * start. */
#define _GNU_SOURCE
#include "hook.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int hook_trigger(struct hook *hook)
{
    struct lu_package_list packages = {0};
    char error[1024];
    if (dpkg_view_read(&hook->location, hook->names, DPKG_VIEW_UNPACKED, &packages, error,
                       sizeof error) < 0) {
        fprintf(stderr, HOOK_PROGRAM ": %s\n", error);
        return LU_OUTCOME_CONFIG_ERROR;
    }
    const char *newest = NULL;
    for (size_t i = 0; i < packages.count; i++)
        if (!newest || lu_version_compare(packages.items[i].version, newest) > 0)
            newest = packages.items[i].version;
    int status = LU_OUTCOME_OK;
    if (!newest || !*newest) {
        hook_log(hook, LU_LOG_INFO, "no LeoFS package (%s) is installed: nothing to repair",
                 hook->names);
    } else {
        struct lu_request request = hook_request(hook);
        request.new_version = newest;
        struct lu_report *report = NULL;
        status = lu_run_post(&request, &report);
        /* Data left root-owned is a failure here: the nodes would not start. */
        const struct lu_step_report *owners = report ? lu_report_find(report, "ownership") : NULL;
        bool data_left = owners && owners->status == LU_STATUS_WARNING;
        lu_report_free(report);
        if (status == LU_OUTCOME_OK && data_left) {
            char root[4200];
            hook_log(hook, LU_LOG_ERROR,
                     "LeoFS %s's nodes were not given all their dirs (see above): they would not "
                     "start as their runner user; fix what is said above, then run: "
                     "leofs-upgrade%s post %s (or dpkg --configure -a)",
                     newest, hook_root_option(hook, root, sizeof root), newest);
            status = LU_OUTCOME_FAILED;
        } else if (status != LU_OUTCOME_OK) {
            char root[4200];
            hook_log(hook, LU_LOG_ERROR,
                     "repairs after installing LeoFS %s did not all succeed (%s): fix what is "
                     "said above, then run: leofs-upgrade%s post %s (or dpkg --configure -a)",
                     newest, lu_outcome_name(status), hook_root_option(hook, root, sizeof root),
                     newest);
        }
    }
    lu_package_list_free(&packages);
    return status;
}
