/* test_cli.c: the leofs-upgrade command as people and scriptlets run it:
 * exit statuses, usage errors, the JSON report, and the phases on a
 * fixture root. */
#include "fixture.h"
#include "tool_run.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct tool_result output;

/* Run leofs-upgrade with the arguments (NULL-terminated); its exit status. */
static int run(const char *first, ...)
{
    const char *argv[32] = {LEOFS_UPGRADE_BIN};
    size_t argc = 1;
    va_list args;
    va_start(args, first);
    for (const char *a = first; a && argc < 31; a = va_arg(args, const char *))
        argv[argc++] = a;
    va_end(args);
    argv[argc] = NULL;
    tool_run_input(argv, NULL, NULL, &output);
    cr_assert(output.exited, "%s did not exit normally", argv[0]);
    return output.exit_status;
}

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
}

TestSuite(cli, .init = setup, .fini = fixture_cleanup);

Test(cli, help_and_version)
{
    cr_assert_eq(run("--help", NULL), 0);
    cr_assert(strstr(output.out, "Usage: leofs-upgrade"), "%s", output.out);
    cr_assert_eq(run("--version", NULL), 0);
    cr_assert(strstr(output.out, "leofs-upgrade 0."), "%s", output.out);
}

Test(cli, usage_errors_are_one_line_and_exit_2)
{
    cr_assert_eq(run("frob", NULL), 2);
    cr_assert_str_eq(output.err, "leofs-upgrade: unknown command 'frob': use check, pre, post or takeover "
                          "(see leofs-upgrade --help)\n");
    cr_assert_eq(run("--bogus", "check", NULL), 2);
    cr_assert(strstr(output.err, "unknown or incomplete option '--bogus'"), "%s", output.err);
    cr_assert_eq(run(NULL), 2);
    cr_assert(strstr(output.err, "no command given"), "%s", output.err);
    cr_assert_eq(run("check", "1.3.8", "extra", NULL), 2);
    cr_assert_eq(run("--from", "1.3.7", "post", NULL), 2);
    cr_assert_eq(run("check", "../../etc", NULL), 2);
    cr_assert(strstr(output.err, "'../../etc' is not a LeoFS version"), "%s", output.err);
    cr_assert_eq(run("--old-version", "x", "pre", NULL), 2);
    cr_assert_eq(run("-q", "-v", "check", NULL), 2);
    cr_assert(strstr(output.err, "-q and -v"), "%s", output.err);
}

Test(cli, missing_root_is_a_configuration_error)
{
    cr_assert_eq(run("--root", "/nonexistent/leofs-root", "check", NULL), 2);
    cr_assert(strstr(output.err, "cannot open root directory /nonexistent/leofs-root"), "%s", output.err);
}

Test(cli, malformed_policy_names_file_and_line)
{
    fixture_write("/etc/leofs/upgrade.conf", "user = leofs\nthis is wrong\n", 0644);
    cr_assert_eq(run("--root", fixture_path(""), "check", NULL), 2);
    cr_assert(strstr(output.err, "/etc/leofs/upgrade.conf:2:"), "%s", output.err);
}

Test(cli, post_of_a_version_not_installed)
{
    cr_assert_eq(run("--root", fixture_path(""), "post", "9.9.9", NULL), 2);
    cr_assert(strstr(output.err, "LeoFS 9.9.9 is not installed"), "%s", output.err);
}

Test(cli, json_check_reports_every_step_and_its_exit_status)
{
    fixture_write("/usr/local/leofs/current/notes", "user data", 0644);
    int status = run("--root", fixture_path(""), "--json", "check", "1.3.8", NULL);
    cr_assert_eq(status, 1, "a current directory makes the upgrade unsafe: %s", output.err);
    cr_assert_eq(strncmp(output.out, "{\"phase\":\"check\"", 16), 0, "%s", output.out);
    cr_assert(strstr(output.out, "\"exit_status\":1"), "%s", output.out);
    cr_assert(strstr(output.out, "\"name\":\"current-symlink\",\"status\":\"refused\""), "%s", output.out);
    cr_assert(strstr(output.out, "\"name\":\"ownership\""), "%s", output.out);
    cr_assert_eq(strchr(output.out, '\n'), output.out + strlen(output.out) - 1, "one JSON document, one line");
}

Test(cli, check_changes_nothing_then_post_fixes_and_rerun_is_quiet)
{
    fixture_write("/usr/local/leofs/.erlang.cookie", "C", 0644);
    cr_assert_eq(run("--root", fixture_path(""), "check", NULL), 0, "%s%s", output.out, output.err);
    cr_assert(strstr(output.out, "check: safe to upgrade"), "%s", output.out);
    uid_t uid;
    fixture_stat("/usr/local/leofs/.erlang.cookie", &uid, NULL, NULL);
    cr_assert_eq(uid, 0, "check changed nothing");
    cr_assert_eq(run("--root", fixture_path(""), "post", NULL), 0, "%s%s", output.out, output.err);
    fixture_stat("/usr/local/leofs/.erlang.cookie", &uid, NULL, NULL);
    cr_assert_eq(uid, FIXTURE_LEOFS_UID);
    cr_assert(strstr(output.out, "cookie           changed"), "the report says what changed: %s",
              output.out);
    cr_assert_str_eq(output.err, "", "the log adds nothing to the report on success");
    fixture_write("/usr/local/leofs/.erlang.cookie", "C", 0644);
    cr_assert_eq(run("--root", fixture_path(""), "-v", "post", NULL), 0);
    cr_assert(strstr(output.err, "leofs-upgrade: cookie: /usr/local/leofs/.erlang.cookie mode 0644 "
                                 "-> 0400\n"), "-v logs each change: %s", output.err);
    cr_assert(strstr(output.err, "leofs-upgrade: current-symlink: "), "-v logs what stayed: %s",
              output.err);
    cr_assert_not(strstr(output.err, "debug: "), "-v is not -vv: %s", output.err);
    cr_assert_eq(run("--root", fixture_path(""), "-q", "post", NULL), 0);
    cr_assert_str_eq(output.err, "", "a quiet re-run has nothing to say");
}

/* What package scripts call: no report, a line per step that changed
 * something, nothing at all when nothing changed; refusals in full. */
Test(cli, brief_prints_only_what_changed)
{
    fixture_write("/usr/local/leofs/.erlang.cookie", "C", 0644);
    cr_assert_eq(run("--root", fixture_path(""), "--brief", "post", NULL), 0, "%s", output.err);
    cr_assert_str_eq(output.out, "", "no report");
    cr_assert(strstr(output.err, "leofs-upgrade: cookie: owned by leofs, mode 0400\n"), "%s", output.err);
    cr_assert_not(strstr(output.err, "pipe-dir"), "a step that changed nothing is not said: %s",
                  output.err);
    cr_assert_eq(run("--root", fixture_path(""), "--brief", "post", NULL), 0);
    cr_assert_str_eq(output.out, "");
    cr_assert_str_eq(output.err, "", "a re-run changes nothing and says nothing");
    cr_assert_eq(unlink(fixture_path("/usr/local/leofs/current")), 0);
    fixture_write("/usr/local/leofs/current/notes", "user data", 0644);
    cr_assert_eq(run("--root", fixture_path(""), "--brief", "pre", "1.3.8", NULL), 1);
    cr_assert_str_eq(output.out, "");
    cr_assert(strstr(output.err, "leofs-upgrade: error: current-symlink: "), "%s", output.err);
    cr_assert_eq(run("--brief", "--json", "check", NULL), 2);
    cr_assert(strstr(output.err, "--brief prints no report, --json one"), "%s", output.err);
}

Test(cli, check_shows_each_planned_data_move_then_post_moves)
{
    fixture_leofs_ship("1.3.8");
    cr_assert_eq(run("--root", fixture_path(""), "-v", "check", "1.3.8", NULL), 0, "%s", output.err);
    cr_assert(strstr(output.err, "leofs-upgrade: data-move: would: move "
                                 "/usr/local/leofs/1.3.7/leo_storage/avs to "
                                 "/usr/local/leofs/1.3.8/leo_storage/avs\n"), "%s", output.err);
    cr_assert(strstr(output.out, "data-move"), "%s", output.out);
    cr_assert(fixture_exists("/usr/local/leofs/1.3.7/leo_storage/avs/object/0.avs"), "check moved");
    cr_assert_eq(run("--root", fixture_path(""), "--old-version", "1.3.7", "post", "1.3.8", NULL), 0,
                 "%s", output.err);
    cr_assert(strstr(output.out, "; avs, work/queue, snmp/snmpa_storage_0/db of leo_storage"),
              "%s", output.out);
    cr_assert(fixture_exists("/usr/local/leofs/current/leo_storage/avs/object/0.avs"));
    cr_assert_eq(run("--root", fixture_path(""), "-q", "post", "1.3.8", NULL), 0);
    cr_assert_str_eq(output.err, "", "a quiet re-run has nothing to say");
}

Test(cli, options_after_the_command)
{
    cr_assert_eq(run("check", "--root", fixture_path(""), "--json", NULL), 0, "%s", output.err);
    cr_assert_eq(strncmp(output.out, "{\"phase\":\"check\"", 16), 0, "%s", output.out);
}

Test(cli, takeover_by_hand)
{
    fixture_leofs_install("1.3.8");
    fixture_write("/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf",
                  "log.log_level = 3\nobj_containers.path = [./avs]\n", 0644);
    fixture_write("/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf",
                  "## 1.3.8\nlog.log_level = 1\nobj_containers.path = [./avs]\n", 0644);
    cr_assert_eq(run("--root", fixture_path(""), "takeover", "--dry-run", NULL), 0, "%s", output.err);
    char *conf = fixture_read("/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf");
    cr_assert(strstr(conf, "log.log_level = 1"), "a dry run writes nothing: %s", conf);
    free(conf);
    cr_assert_eq(run("--root", fixture_path(""), "takeover", "--from", "1.3.7", "--to", "1.3.8", NULL),
                 0, "%s", output.err);
    conf = fixture_read("/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf");
    cr_assert(strstr(conf, "log.log_level = 3"), "%s", conf);
    free(conf);
    cr_assert_eq(run("--root", fixture_path(""), "takeover", "--from", "1.3.8", "--to", "1.3.8", NULL),
                 2);
    cr_assert(strstr(output.err, "--from and --to both name LeoFS 1.3.8"), "%s", output.err);
}

#ifdef HAVE_DPKG_VIEW
/* The dpkg view, the same code as leofs-dpkg-hook's: refuses as it does. */
Test(cli, dpkg_database_of_the_root)
{
    fixture_mkdir("/var/lib/dpkg/updates", 0755);
    fixture_write("/var/lib/dpkg/status",
                  "Package: leofs\nStatus: install ok installed\nMaintainer: T <t@example.org>\n"
                  "Architecture: all\nVersion: 1.3.7-1\nDescription: t\n\n",
                  0644);
    const char *root = fixture_path("");
    cr_assert_eq(run("--root", root, "--db", "dpkg", "check", "1.3.8", NULL), 0, "%s", output.err);
    cr_assert(strstr(output.out, "one leofs version installed afterwards"), "%s", output.out);
    cr_assert_eq(run("--root", root, "check", "1.3.8", NULL), 0, "auto finds the dpkg database");
    cr_assert(strstr(output.out, "one leofs version installed afterwards"), "%s", output.out);

    fixture_write("/var/lib/dpkg/status", "Package: leofs\nStatus: broken\n\n", 0644);
    cr_assert_eq(run("--root", root, "check", "1.3.8", NULL), 2);
    cr_assert(strstr(output.err, "cannot read the dpkg database"), "%s", output.err);
    cr_assert_eq(run("--root", root, "--db", "dpm", "check", NULL), 2);
    cr_assert(strstr(output.err, "use rpm, dpkg, none or auto"), "%s", output.err);
}
#endif
