/* core.c: the rpm plugin's core module (leofs/core.so), which the small
 * leofs.so loads when a transaction holds a leofs package. It maps the
 * transaction onto the upgrade core: tsm_pre refuses an unsafe transaction
 * before anything changes (several versions, a running LeoFS node, a
 * directory where the current symlink goes), stops a stale epmd and saves
 * the replaced version's node configuration; tsm_post runs the repairs
 * once the new files are laid down. */
#define _GNU_SOURCE
#include "core.h"
#include "leofs/package_list.h"
#include "leofs/upgrade.h"
#include "rpmdb_view.h"

#include <rpm/rpmlog.h>
#include <rpm/rpmts.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static bool pre_ran; /* tsm_pre ran the core for this transaction, for real */

static void log_line(void *data, enum lu_level level, const char *line)
{
    (void)data;
    /* rpm shows NOTICE and above by default, INFO with -v, DEBUG with -vv. */
    static const int rpm_levels[] = {RPMLOG_DEBUG, RPMLOG_INFO, RPMLOG_NOTICE, RPMLOG_WARNING,
                                     RPMLOG_ERR};
    static const int syslog_levels[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR};
    rpmlog(rpm_levels[level], "leofs: %s\n", line);
    if (level > LU_LOG_DEBUG)
        syslog(LOG_DAEMON | syslog_levels[level], "leofs-upgrade: %s", line);
}

static struct lu_request request_for(rpmts ts, const struct rpm_view *view)
{
    struct lu_request request = {
        .root = rpmtsRootDir(ts),
        .old_version = view->old_version,
        .new_version = view->new_version,
        .packages = view->packages.items,
        .package_count = view->packages.count,
        .packages_known = true,
        .remove_command = "rpm -e",
        .progress = isatty(STDERR_FILENO), /* rpm's output is someone's terminal */
        .log = log_line,
    };
    return request;
}

static rpmRC core_tsm_pre(rpmts ts, const char *package_names)
{
    pre_ran = false;
    struct rpm_view view;
    if (rpm_view_read(ts, package_names, true, &view) < 0) {
        rpmlog(RPMLOG_ERR, "leofs: cannot read the leofs packages from the rpm database\n");
        return RPMRC_FAIL;
    }
    if (!view.adds_leofs) { /* an erase: never stand in its way */
        rpm_view_free(&view);
        return RPMRC_OK;
    }
    struct lu_request request = request_for(ts, &view);
    request.dry_run = (rpmtsFlags(ts) & RPMTRANS_FLAG_TEST) != 0;
    enum lu_outcome outcome = lu_run_pre(&request, NULL);
    /* The replaced version's node configuration, saved: LeoFS's own spec
     * before 1.3.3 marks no file %config, so rpm erases an edited one with
     * the old package (or, reinstalling it, writes the shipped one over it). */
    if (outcome == LU_OUTCOME_OK && !request.dry_run && view.old_version) {
        outcome = lu_run_save(&request, view.old_version, NULL);
        if (outcome != LU_OUTCOME_OK)
            rpmlog(RPMLOG_ERR, "leofs: leofs %s's node configuration could not be saved, and rpm "
                   "may erase it with the old package's files\n", view.old_version);
    }
    rpm_view_free(&view);
    if (outcome == LU_OUTCOME_OK) {
        pre_ran = !request.dry_run;
        return RPMRC_OK;
    }
    rpmlog(RPMLOG_ERR,
           "leofs: the upgrade was stopped before rpm changed any file (%s); fix what is said "
           "above and retry, or check with: leofs-upgrade%s%s check\n",
           lu_outcome_name(outcome), strcmp(request.root, "/") ? " --root " : "",
           strcmp(request.root, "/") ? request.root : "");
    return RPMRC_FAIL;
}

static rpmRC core_tsm_post(rpmts ts, const char *package_names, int res)
{
    (void)res;
    if (!pre_ran || (rpmtsFlags(ts) & RPMTRANS_FLAG_TEST))
        return RPMRC_OK;
    pre_ran = false;

    /* Only when the leofs element went in: a failed one left the old files. */
    const char *version = NULL;
    rpmtsi iterator = rpmtsiInit(ts);
    rpmte te;
    while ((te = rpmtsiNext(iterator, TR_ADDED)))
        if (lu_package_name_in(package_names, rpmteN(te)) && !rpmteFailed(te))
            version = rpmteV(te);
    if (!version) {
        rpmtsiFree(iterator);
        return RPMRC_OK;
    }
    /* The version the transaction replaced (an upgrade's or a
     * downgrade's): the data-move step moves its data into VERSION. */
    const char *replaced = NULL;
    rpmtsi removed = rpmtsiInit(ts);
    while ((te = rpmtsiNext(removed, TR_REMOVED)))
        if (lu_package_name_in(package_names, rpmteN(te)) && !replaced)
            replaced = rpmteV(te);
    struct rpm_view view = {.new_version = version, .old_version = replaced};
    struct lu_request request = request_for(ts, &view);
    request.packages_known = false; /* the post phase does not look at packages */
    request.replaced_nothing = !replaced; /* rpm -i: what stays installed keeps its data */
    enum lu_outcome outcome = lu_run_post(&request, NULL);
    if (outcome != LU_OUTCOME_OK)
        rpmlog(RPMLOG_ERR,
               "leofs: repairs after installing leofs %s did not all succeed; fix what is said "
               "above, then run: leofs-upgrade%s%s post %s\n",
               version, strcmp(request.root, "/") ? " --root " : "",
               strcmp(request.root, "/") ? request.root : "", version);
    rpmtsiFree(removed);
    rpmtsiFree(iterator); /* after the last use of version */
    return outcome == LU_OUTCOME_OK ? RPMRC_OK : RPMRC_FAIL;
}

__attribute__((visibility("default"))) const struct leofs_rpm_core leofs_rpm_core = {
    .abi = LEOFS_RPM_CORE_ABI,
    .tsm_pre = core_tsm_pre,
    .tsm_post = core_tsm_post,
};
