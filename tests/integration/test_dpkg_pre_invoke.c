/* test_dpkg_pre_invoke.c: leofs-dpkg-hook pre-invoke as real dpkg runs it
 * (dpkg --root --pre-invoke=HOOK, so that sanitizer builds check the
 * program dpkg starts): a LeoFS upgrade saves the old version's configs
 * dpkg then deletes, a refusal stops dpkg before it changes anything,
 * unrelated installs, removals and other actions pass untouched, and a
 * run not started by dpkg blocks nothing but says so. */
#include "fixture.h"
#include "tool_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tool_result output;
static char hook_option[4400], root_option[4200], log_option[4200];

#define CONF "/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf"

/* Build NAME_VERSION.deb in the root's /debs from a stage with one file. */
static void build_deb(const char *name, const char *version, const char *file)
{
    char stage[256], control[300], path[600], out[600];
    snprintf(stage, sizeof stage, "/stage-%s-%s", name, version);
    snprintf(control, sizeof control, "%s/DEBIAN/control", stage);
    char *text;
    cr_assert(asprintf(&text, "Package: %s\nVersion: %s-1\nArchitecture: all\nMaintainer: t "
                       "<t@example.org>\nDescription: test\n", name, version) > 0);
    fixture_write(control, text, 0644);
    free(text);
    if (file) {
        snprintf(path, sizeof path, "%s%s", stage, file);
        fixture_write(path, "nodename = storage_0@127.0.0.1\nlog.log_level = 1\n", 0644);
    }
    fixture_mkdir("/debs", 0755);
    snprintf(out, sizeof out, "%s", fixture_path("/debs"));
    char stage_path[4200];
    snprintf(stage_path, sizeof stage_path, "%s", fixture_path(stage));
    struct tool_result r;
    tool_run((const char *[]){"/usr/bin/dpkg-deb", "--root-owner-group", "-b", stage_path, out,
                              NULL},
             NULL, NULL, NULL, &r);
    cr_assert(r.exited && r.exit_status == 0, "dpkg-deb: %s", r.err);
}

static const char *deb(const char *name, const char *version)
{
    static char path[4400];
    snprintf(path, sizeof path, "%s/%s_%s-1_all.deb", fixture_path("/debs"), name, version);
    return path;
}

/* dpkg ACTION ARG on the root, with the hook when WITH_HOOK; its status. */
static int dpkg(bool with_hook, const char *action, const char *arg)
{
    const char *argv[] = {"/usr/bin/dpkg", root_option, "--force-script-chrootless", log_option,
                          with_hook ? hook_option : "--no-debsig", action, arg, NULL};
    tool_run(argv, NULL, NULL, NULL, &output);
    cr_assert(output.exited);
    return output.exit_status;
}

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_mkdir("/var/log", 0755);
    snprintf(root_option, sizeof root_option, "--root=%s", fixture_path(""));
    snprintf(log_option, sizeof log_option, "--log=%s", fixture_path("/var/log/dpkg.log"));
    snprintf(hook_option, sizeof hook_option, "--pre-invoke=" LEOFS_DPKG_HOOK_BIN " pre-invoke");
    build_deb("leofs", "1.3.7", "/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf");
    build_deb("leofs", "1.3.8", "/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf");
    build_deb("other", "1.0", "/usr/share/other/file");
    cr_assert_eq(dpkg(false, "-i", deb("leofs", "1.3.7")), 0, "%s", output.err);
    char *conf = fixture_read(CONF);
    cr_assert(conf);
    conf[strlen(conf) - 2] = '3'; /* log.log_level = 3: the operator's */
    fixture_write(CONF, conf, 0644);
    free(conf);
}

TestSuite(pre_invoke, .init = setup, .fini = fixture_cleanup);

Test(pre_invoke, upgrade_saves_what_dpkg_deletes)
{
    cr_assert_eq(dpkg(true, "-i", deb("leofs", "1.3.8")), 0, "%s%s", output.out, output.err);
    cr_assert(strstr(output.err, "config-save: saved"), "%s", output.err);
    cr_assert(!fixture_exists(CONF), "dpkg deleted the unmarked config file");
    char *saved = fixture_read("/var/lib/leofs-upgrade-hooks/saved/1.3.7/leo_storage/leo_storage.conf");
    cr_assert(saved && strstr(saved, "log.log_level = 3"), "%s", saved ? saved : "(none)");
    free(saved);
}

Test(pre_invoke, recursive_dirs)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", fixture_path("/debs"));
    fixture_mkdir("/debs/sub", 0755);
    cr_assert_eq(rename(deb("leofs", "1.3.7"), fixture_path("/moved.deb")), 0);
    /* -R finds 1.3.8 and other; the moved-away 1.3.7 is not in it. */
    cr_assert_eq(dpkg(true, "-iR", dir), 0, "%s", output.err);
    cr_assert(strstr(output.err, "config-save: saved"), "%s", output.err);
}

Test(pre_invoke, several_versions_in_one_run_refused)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", fixture_path("/debs"));
    const char *argv[] = {"/usr/bin/dpkg", root_option, "--force-script-chrootless", log_option,
                          hook_option, "--unpack", "-R", dir, NULL};
    char *before = fixture_read("/var/lib/dpkg/status");
    tool_run(argv, NULL, NULL, NULL, &output);
    cr_assert(output.exited && output.exit_status != 0);
    cr_assert(strstr(output.err, "installs several LeoFS packages"), "%s", output.err);
    char *after = fixture_read("/var/lib/dpkg/status");
    cr_assert_str_eq(before, after);
    free(before);
    free(after);
}

Test(pre_invoke, refusal_stops_dpkg_before_anything_changes)
{
    fixture_mkdir("/usr/local/leofs/current", 0755);
    char *before = fixture_read("/var/lib/dpkg/status");
    cr_assert_neq(dpkg(true, "-i", deb("leofs", "1.3.8")), 0);
    cr_assert(strstr(output.err, "dpkg stops before it changes anything"), "%s", output.err);
    /* dpkg 1.23 says "cannot execute hook", earlier ones "error executing hook". */
    cr_assert(strstr(output.err, "error executing hook") || strstr(output.err, "cannot execute hook"),
              "%s", output.err);
    char *after = fixture_read("/var/lib/dpkg/status");
    cr_assert_str_eq(before, after);
    cr_assert(fixture_exists(CONF) && !fixture_exists("/usr/local/leofs/1.3.8"));
    cr_assert(!fixture_exists("/var/lib/leofs-upgrade-hooks/saved/1.3.7"), "refused: nothing saved");
    free(before);
    free(after);
}

Test(pre_invoke, unrelated_runs_and_removals_pass)
{
    fixture_mkdir("/usr/local/leofs/current", 0755); /* would refuse a LeoFS upgrade */
    cr_assert_eq(dpkg(true, "-i", deb("other", "1.0")), 0, "%s", output.err);
    cr_assert(!strstr(output.err, "leofs-dpkg-hook"), "%s", output.err);
    cr_assert_eq(dpkg(true, "-r", "other"), 0, "%s", output.err);
    cr_assert_eq(dpkg(true, "-r", "leofs"), 0, "%s", output.err);
    cr_assert(!strstr(output.err, "leofs-dpkg-hook"), "%s", output.err);
}

Test(pre_invoke, not_run_by_dpkg_blocks_nothing_but_says_so)
{
    char root_env[4200];
    snprintf(root_env, sizeof root_env, "DPKG_ROOT=%s", fixture_path(""));
    const char *env[] = {root_env, "DPKG_HOOK_ACTION=install", NULL};
    const char *argv[] = {LEOFS_DPKG_HOOK_BIN, "pre-invoke", NULL};
    tool_run(argv, env, NULL, NULL, &output);
    cr_assert(output.exited && output.exit_status == 0, "%s", output.err);
    cr_assert(strstr(output.err, "cannot tell which archives this dpkg run installs"), "%s",
              output.err);
    cr_assert(fixture_exists("/var/lib/leofs-upgrade-hooks/saved/1.3.7/leo_storage/leo_storage.conf"),
              "saved in case: %s", output.err);
    const char *remove_env[] = {root_env, "DPKG_HOOK_ACTION=remove", NULL};
    tool_run(argv, remove_env, NULL, NULL, &output);
    cr_assert(output.exited && output.exit_status == 0 && !output.err[0], "%s", output.err);
}
