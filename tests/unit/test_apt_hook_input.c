/* test_apt_hook_input.c: the parser of apt's Pre-Install-Pkgs protocol
 * version 3 input, on input shaped like what apt 2.6 writes (taken from a
 * real run) and on broken input. */
#include "apt_hook_input.h"

#include <criterion/criterion.h>
#include <string.h>

static struct apt_hook_input input;
static char error[1024];

static int parse(const char *text)
{
    return apt_hook_input_parse(text, strlen(text), &input, error, sizeof error);
}

static void teardown(void)
{
    apt_hook_input_free(&input);
}

TestSuite(apt_hook_input, .fini = teardown);

Test(apt_hook_input, reads_actions_and_where_dpkg_works)
{
    cr_assert_eq(parse("VERSION 3\n"
                       "APT::Architecture=amd64\n"
                       "Dir=/srv/image/\n"
                       "DPkg::Options::=--root=/srv/image\n"
                       "DPkg::Options::=--force-script-chrootless\n"
                       "DPkg::Options::=--admindir=/srv/image/var/lib/dpkg\n"
                       "DPkg::Pre-Install-Pkgs::=/usr/sbin/leofs-dpkg-hook%20apt-hook\n"
                       "\n"
                       "leofs 1.3.7-1 all none < 1.3.8-1 all none "
                       "/var/cache/apt/archives/leofs_1.3.8-1_all.deb\n"
                       "libfoo1 - - none < 2:1.0-1 amd64 same /tmp/my debs/libfoo1.deb\n"
                       "leofs 1.3.7-1 all none < 1.3.8-1 all none **CONFIGURE**\n"
                       "oldpkg 0.9 amd64 none > - - none **REMOVE**\n"),
                 0, "%s", error);
    cr_assert_str_eq(input.dpkg_root, "/srv/image");
    cr_assert_str_eq(input.dpkg_admindir, "/srv/image/var/lib/dpkg");
    cr_assert_null(input.package_names);
    cr_assert_eq(input.action_count, 4);
    const struct apt_action *a = input.actions;
    cr_assert_str_eq(a[0].name, "leofs");
    cr_assert_str_eq(a[0].old_version, "1.3.7-1");
    cr_assert_str_eq(a[0].new_version, "1.3.8-1");
    cr_assert_eq(a[0].kind, APT_ACTION_UNPACK);
    cr_assert_str_eq(a[0].deb, "/var/cache/apt/archives/leofs_1.3.8-1_all.deb");
    cr_assert_null(a[1].old_version);
    cr_assert_str_eq(a[1].new_version, "2:1.0-1");
    cr_assert_str_eq(a[1].deb, "/tmp/my debs/libfoo1.deb", "a path with a space stays whole");
    cr_assert_eq(a[2].kind, APT_ACTION_CONFIGURE);
    cr_assert_null(a[2].deb);
    cr_assert_eq(a[3].kind, APT_ACTION_REMOVE);
    cr_assert_null(a[3].new_version);
}

Test(apt_hook_input, decodes_values_and_takes_the_last_option)
{
    cr_assert_eq(parse("VERSION 3\n"
                       "LeoFS::Upgrade::Packages=leofs%20leofs-ee\n"
                       "dpkg::options::=--root\n"
                       "dpkg::options::=/first\n"
                       "DPkg::Options::=--instdir=/my%25root\n"
                       "\n"),
                 0, "%s", error);
    cr_assert_str_eq(input.package_names, "leofs leofs-ee");
    cr_assert_str_eq(input.dpkg_root, "/my%root", "keys are case-insensitive, the last wins");
    cr_assert_eq(input.action_count, 0);
}

Test(apt_hook_input, an_option_and_its_argument_as_two_values)
{
    cr_assert_eq(parse("VERSION 3\nDPkg::Options::=--admindir\nDPkg::Options::=/db\n\n"), 0);
    cr_assert_str_eq(input.dpkg_admindir, "/db");
    cr_assert_null(input.dpkg_root);
}

Test(apt_hook_input, other_protocol_versions_are_refused_with_advice)
{
    cr_assert_eq(parse("VERSION 2\n\nleofs 1.3.7 < 1.3.8 /x.deb\n"), -1);
    cr_assert(strstr(error, "Version \"3\""), "%s", error);
    cr_assert_eq(parse("/var/cache/apt/archives/leofs_1.3.8-1_all.deb\n"), -1);
    cr_assert_eq(parse(""), -1);
    cr_assert(strstr(error, "empty"), "%s", error);
}

Test(apt_hook_input, short_package_lines_are_refused)
{
    cr_assert_eq(parse("VERSION 3\n\nleofs 1.3.7 < 1.3.8 /x.deb\n"), -1);
    cr_assert(strstr(error, "line 3"), "%s", error);
    cr_assert_eq(input.action_count, 0, "nothing is kept after an error");
}

Test(apt_hook_input, nul_bytes_are_refused)
{
    const char text[] = "VERSION 3\n\nleofs 1.3.7-1 all none < 1.3.8\0-1 all none /x.deb\n";
    cr_assert_eq(apt_hook_input_parse(text, sizeof text - 1, &input, error, sizeof error), -1);
    cr_assert(strstr(error, "NUL"), "%s", error);
}

Test(apt_hook_input, input_without_final_newline)
{
    cr_assert_eq(parse("VERSION 3\n\nleofs - - none < 1.3.8-1 all none /x.deb"), 0, "%s", error);
    cr_assert_eq(input.action_count, 1);
    cr_assert_str_eq(input.actions[0].deb, "/x.deb");
}
