/* test_dpkg_hook.c: leofs-dpkg-hook run as dpkg and apt run it: as a
 * preinst with dpkg's environment, as the file trigger, and as apt's
 * Pre-Install-Pkgs hook with version 3 input, on fixture roots with a
 * dpkg status database. */
#include "fixture.h"
#include "tool_run.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct tool_result output;
static char root_env[4200];

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_mkdir("/var/lib/dpkg/updates", 0755);
    fixture_mkdir("/var/lib/dpkg/info", 0755);
    fixture_write("/var/lib/dpkg/status", "", 0644);
    snprintf(root_env, sizeof root_env, "DPKG_ROOT=%s", fixture_path(""));
}

TestSuite(dpkg_hook, .init = setup, .fini = fixture_cleanup);

/* Add a package stanza to the root's status database. */
static void installed(const char *name, const char *status, const char *version)
{
    char *old = fixture_read("/var/lib/dpkg/status");
    char *text = NULL;
    cr_assert(asprintf(&text,
                       "%sPackage: %s\nStatus: %s\nMaintainer: T <t@example.org>\n"
                       "Architecture: all\nVersion: %s\nDescription: test\n\n",
                       old, name, status, version) > 0);
    fixture_write("/var/lib/dpkg/status", text, 0644);
    free(old);
    free(text);
}

/* Run the hook with ENV (NULL-terminated list, may be NULL), INPUT on
 * standard input and the arguments after it; its exit status. */
static int hook(const char *const *env, const char *input, ...)
{
    const char *argv[32] = {LEOFS_DPKG_HOOK_BIN};
    size_t argc = 1;
    va_list args;
    va_start(args, input);
    for (const char *a = va_arg(args, const char *); a && argc < 31; a = va_arg(args, const char *))
        argv[argc++] = a;
    va_end(args);
    argv[argc] = NULL;
    tool_run_input(argv, env, input, &output);
    cr_assert(output.exited, "%s did not exit normally", argv[0]);
    return output.exit_status;
}

static const char *const *preinst_env(const char *package)
{
    static char package_env[256];
    static const char *env[3];
    snprintf(package_env, sizeof package_env, "DPKG_MAINTSCRIPT_PACKAGE=%s", package);
    env[0] = root_env;
    env[1] = package_env;
    env[2] = NULL;
    return env;
}

Test(dpkg_hook, usage_errors_exit_2_with_one_line)
{
    cr_assert_eq(hook(NULL, NULL, NULL), 2);
    cr_assert(strstr(output.err, "no mode given"), "%s", output.err);
    cr_assert_eq(hook(NULL, NULL, "frob", NULL), 2);
    cr_assert(strstr(output.err, "unknown mode 'frob'"), "%s", output.err);
    cr_assert_eq(hook(NULL, NULL, "--bogus", "trigger", NULL), 2);
    cr_assert_eq(hook(NULL, NULL, "--help", NULL), 0);
    cr_assert(strstr(output.out, "apt-hook"), "%s", output.out);
    cr_assert_eq(hook(NULL, NULL, "--version", NULL), 0);
    cr_assert(strstr(output.out, "leofs-dpkg-hook 0."), "%s", output.out);
}

Test(dpkg_hook, preinst_does_nothing_for_other_actions)
{
    cr_assert_eq(hook(preinst_env("leofs"), NULL, "preinst", "abort-upgrade", "1.3.8-1", NULL), 0,
                 "%s", output.err);
}

Test(dpkg_hook, preinst_needs_to_know_its_package)
{
    const char *env[] = {root_env, NULL};
    cr_assert_eq(hook(env, NULL, "preinst", "upgrade", "1.3.7-1", "1.3.8-1", NULL), 2);
    cr_assert(strstr(output.err, "give --package NAME"), "%s", output.err);
}

Test(dpkg_hook, preinst_lets_a_safe_upgrade_go_on)
{
    fixture_leofs_install("1.3.7");
    installed("leofs", "install ok half-installed", "1.3.7-1");
    cr_assert_eq(hook(preinst_env("leofs"), NULL, "preinst", "upgrade", "1.3.7-1", "1.3.8-1", NULL),
                 0, "%s", output.err);
}

Test(dpkg_hook, preinst_refuses_with_two_leofs_packages)
{
    fixture_leofs_install("1.3.7");
    installed("leofs", "install ok half-installed", "1.3.7-1");
    installed("leofs-ee", "install ok installed", "1.3.2-1");
    cr_assert_eq(hook(preinst_env("leofs"), NULL, "--packages", "leofs-ee", "preinst", "upgrade",
                      "1.3.7-1", "1.3.8-1", NULL),
                 1);
    cr_assert(strstr(output.err, "several leofs versions are installed"), "%s", output.err);
    cr_assert(strstr(output.err, "dpkg --purge leofs-ee"), "%s", output.err);
    cr_assert(strstr(output.err, "stopped before dpkg changed anything"), "%s", output.err);
}

Test(dpkg_hook, preinst_refuses_a_current_directory)
{
    fixture_leofs_install("1.3.7");
    installed("leofs", "install ok half-installed", "1.3.7-1");
    fixture_write("/usr/local/leofs/current/notes", "precious", 0644);
    cr_assert_eq(hook(preinst_env("leofs"), NULL, "preinst", "upgrade", "1.3.7-1", "1.3.8-1", NULL),
                 1);
    cr_assert(strstr(output.err, "is a real directory"), "%s", output.err);
    char *notes = fixture_read("/usr/local/leofs/current/notes");
    cr_assert_str_eq(notes, "precious");
    free(notes);
}

Test(dpkg_hook, preinst_rejects_a_bad_version)
{
    cr_assert_eq(hook(preinst_env("leofs"), NULL, "preinst", "upgrade", "1.3.7-1", "x:y", NULL), 2);
    cr_assert(strstr(output.err, "not a valid Debian version"), "%s", output.err);
}

Test(dpkg_hook, trigger_without_leofs_has_nothing_to_repair)
{
    const char *env[] = {root_env, NULL};
    installed("leofs", "install reinstreq half-installed", "1.3.8-1");
    cr_assert_eq(hook(env, NULL, "trigger", "/usr/local/leofs", NULL), 0, "%s", output.err);
    cr_assert(strstr(output.err, "nothing to repair"), "%s", output.err);
}

Test(dpkg_hook, trigger_repairs_the_newest_installed_version)
{
    const char *env[] = {root_env, NULL};
    fixture_leofs_install("1.3.7");
    fixture_leofs_install("1.3.8");
    installed("leofs", "install ok installed", "1.3.8-1");
    cr_assert_eq(hook(env, NULL, "trigger", "/usr/local/leofs", NULL), 0, "%s", output.err);
    char target[64] = "";
    cr_assert(readlink(fixture_path("/usr/local/leofs/current"), target, sizeof target - 1) > 0);
    cr_assert_str_eq(target, "1.3.8");
    uid_t uid;
    gid_t gid;
    mode_t mode;
    fixture_stat("/usr/local/leofs/1.3.8/leo_storage/avs", &uid, &gid, &mode);
    cr_assert_eq(uid, FIXTURE_LEOFS_UID);
}

static const char *apt_input(char *buffer, size_t size, const char *settings, const char *actions)
{
    snprintf(buffer, size, "VERSION 3\nAPT::Architecture=amd64\nDPkg::Options::=--root=%s\n%s\n%s",
             fixture_path(""), settings, actions);
    return buffer;
}

Test(dpkg_hook, apt_hook_ignores_transactions_without_leofs)
{
    char input[4096];
    fixture_write("/usr/local/leofs/current/notes", "in the way, but not our business", 0644);
    cr_assert_eq(hook(NULL, apt_input(input, sizeof input, "",
                                      "other - - none < 1.0 all none /x/other_1.0_all.deb\n"),
                      "apt-hook", NULL),
                 0, "%s", output.err);
    cr_assert_str_eq(output.err, "");
}

Test(dpkg_hook, apt_hook_stops_apt_on_a_refusal)
{
    char input[4096];
    fixture_leofs_install("1.3.7");
    installed("leofs", "install ok installed", "1.3.7-1");
    fixture_write("/usr/local/leofs/current/notes", "precious", 0644);
    cr_assert_eq(hook(NULL, apt_input(input, sizeof input, "",
                                      "leofs 1.3.7-1 all none < 1.3.8-1 all none /x/leofs.deb\n"
                                      "leofs 1.3.7-1 all none < 1.3.8-1 all none **CONFIGURE**\n"),
                      "apt-hook", NULL),
                 1);
    cr_assert(strstr(output.err, "apt stops before dpkg changes anything"), "%s", output.err);
}

Test(dpkg_hook, apt_hook_counts_the_packages_apt_is_told_about)
{
    char input[4096];
    fixture_leofs_install("1.3.7");
    installed("leofs", "install ok installed", "1.3.7-1");
    const char *actions = "leofs-ee - - none < 1.3.8-1 all none /x/leofs-ee.deb\n";
    cr_assert_eq(hook(NULL, apt_input(input, sizeof input, "", actions), "apt-hook", NULL), 0,
                 "not LeoFS by default: %s", output.err);
    cr_assert_eq(hook(NULL,
                      apt_input(input, sizeof input, "LeoFS::Upgrade::Packages=leofs%20leofs-ee\n",
                                actions),
                      "apt-hook", NULL),
                 1);
    cr_assert(strstr(output.err, "would leave several leofs versions installed"), "%s",
              output.err);
}

Test(dpkg_hook, apt_hook_lets_an_upgrade_and_a_removal_go_on)
{
    char input[4096];
    fixture_leofs_install("1.3.7");
    installed("leofs", "install ok installed", "1.3.7-1");
    cr_assert_eq(hook(NULL, apt_input(input, sizeof input, "",
                                      "leofs 1.3.7-1 all none < 1.3.8-1 all none /x/leofs.deb\n"),
                      "apt-hook", NULL),
                 0, "%s", output.err);
    cr_assert_eq(hook(NULL, apt_input(input, sizeof input, "",
                                      "leofs 1.3.7-1 all none > - - none **REMOVE**\n"),
                      "apt-hook", NULL),
                 0, "%s", output.err);
}

Test(dpkg_hook, apt_hook_refuses_other_protocol_versions)
{
    cr_assert_eq(hook(NULL, "VERSION 2\n\n", "apt-hook", NULL), 2);
    cr_assert(strstr(output.err, "Version \"3\""), "%s", output.err);
}

/* dpkg holds its lock while it runs a preinst: reading must not need it. */
Test(dpkg_hook, reads_while_dpkg_holds_its_lock)
{
    fixture_leofs_install("1.3.7");
    installed("leofs", "install ok half-installed", "1.3.7-1");
    fixture_write("/var/lib/dpkg/lock", "", 0640);
    fixture_write("/var/lib/dpkg/lock-frontend", "", 0640);
    int lock = open(fixture_path("/var/lib/dpkg/lock"), O_RDWR);
    int frontend = open(fixture_path("/var/lib/dpkg/lock-frontend"), O_RDWR);
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    cr_assert(lock >= 0 && frontend >= 0);
    cr_assert_eq(fcntl(lock, F_SETLK, &whole), 0);
    cr_assert_eq(fcntl(frontend, F_SETLK, &whole), 0);
    cr_assert_eq(hook(preinst_env("leofs"), NULL, "preinst", "upgrade", "1.3.7-1", "1.3.8-1", NULL),
                 0, "%s", output.err);
    close(lock);
    close(frontend);
}

Test(dpkg_hook, an_unreadable_status_database_is_a_clear_error)
{
    const char *env[] = {root_env, NULL};
    unlink(fixture_path("/var/lib/dpkg/status"));
    fixture_mkdir("/var/lib/dpkg/status", 0755); /* root reads any file: a directory cannot be read */
    cr_assert_eq(hook(env, NULL, "trigger", NULL), 2);
    cr_assert(strstr(output.err, "cannot read the dpkg database"), "%s", output.err);
    cr_assert_eq(strchr(output.err, '\n'), output.err + strlen(output.err) - 1, "one line: %s",
                 output.err);

    const char *elsewhere[] = {"DPKG_ROOT=/nonexistent/leofs-root", NULL};
    cr_assert_eq(hook(elsewhere, NULL, "trigger", NULL), 2);
    cr_assert(strstr(output.err, "no dpkg database in /nonexistent/leofs-root/var/lib/dpkg"), "%s",
              output.err);
}
