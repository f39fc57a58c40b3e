/* test_dpkgdb_view.c: the leofs packages of a dpkg status database read
 * with libdpkg: states, versions, names, and damaged databases turned into
 * one-line errors instead of an exit from inside the library. */
#include "dpkgdb_view.h"
#include "fixture.h"

#include <criterion/criterion.h>
#include <string.h>

static struct lu_package_list list;
static char error[1024];

static void setup(void)
{
    fixture_root();
    fixture_mkdir("/var/lib/dpkg/updates", 0755);
    fixture_mkdir("/var/lib/dpkg/info", 0755);
}

static void teardown(void)
{
    lu_package_list_free(&list);
    fixture_cleanup();
}

TestSuite(dpkgdb_view, .init = setup, .fini = teardown);

static const char *stanza(char *buffer, size_t size, const char *name, const char *status,
                          const char *version)
{
    snprintf(buffer, size,
             "Package: %s\nStatus: %s\nPriority: optional\nSection: misc\n"
             "Maintainer: T <t@example.org>\nArchitecture: all\nVersion: %s\n"
             "Description: test\n\n",
             name, status, version);
    return buffer;
}

static int read_view(const char *names, enum dpkg_view_scope scope)
{
    struct dpkg_location where = {.root = fixture_path("/")};
    return dpkg_view_read(&where, names, scope, &list, error, sizeof error);
}

Test(dpkgdb_view, lists_leofs_packages_whose_files_may_be_there)
{
    char a[512], b[512], c[512], d[512], e[1024 * 4];
    snprintf(e, sizeof e, "%s%s%s%s",
             stanza(a, sizeof a, "leofs", "install ok installed", "1:1.3.7-2"),
             stanza(b, sizeof b, "leofs-ee", "install reinstreq half-installed", "1.3.2-1"),
             stanza(c, sizeof c, "leofs-old", "deinstall ok config-files", "1.2.0-1"),
             stanza(d, sizeof d, "other", "install ok installed", "1.3.9-1"));
    fixture_write("/var/lib/dpkg/status", e, 0644);

    cr_assert_eq(read_view("leofs leofs-ee leofs-old", DPKG_VIEW_ON_DISK), 0, "%s", error);
    cr_assert_eq(list.count, 2, "config-files only and other packages do not count");
    cr_assert_str_eq(list.items[0].name, "leofs");
    cr_assert_str_eq(list.items[0].version, "1.3.7", "the upstream version: the version dir");
    cr_assert_str_eq(list.items[0].label, "leofs");
    cr_assert_eq(list.items[0].state, LU_PACKAGE_INSTALLED);
    cr_assert_str_eq(list.items[1].name, "leofs-ee");
    lu_package_list_free(&list);

    cr_assert_eq(read_view("leofs,leofs-ee", DPKG_VIEW_UNPACKED), 0, "%s", error);
    cr_assert_eq(list.count, 1, "a half-installed package is not unpacked");
}

Test(dpkgdb_view, a_root_without_a_database_is_an_error)
{
    cr_assert_eq(read_view("leofs", DPKG_VIEW_ON_DISK), -1);
    cr_assert(strstr(error, "no dpkg database"), "%s", error);
    struct dpkg_location where = {.root = fixture_path("/")};
    cr_assert_not(dpkg_view_present(&where));
}

Test(dpkgdb_view, a_damaged_database_is_an_error_not_an_exit)
{
    fixture_write("/var/lib/dpkg/status", "Package: leofs\nStatus: bogus words here\n\n", 0644);
    cr_assert_eq(read_view("leofs", DPKG_VIEW_ON_DISK), -1);
    cr_assert(strstr(error, "cannot read the dpkg database"), "%s", error);
    cr_assert_null(strchr(error, '\n'), "one line: %s", error);
    cr_assert_eq(list.count, 0);

    /* And the next read works: libdpkg's state was left usable. */
    char a[512];
    fixture_write("/var/lib/dpkg/status",
                  stanza(a, sizeof a, "leofs", "install ok installed", "1.3.8-1"), 0644);
    cr_assert_eq(read_view("leofs", DPKG_VIEW_ON_DISK), 0, "%s", error);
    cr_assert_eq(list.count, 1);
}

Test(dpkgdb_view, an_admin_dir_given_as_it_is)
{
    char a[512];
    fixture_write("/db/status", stanza(a, sizeof a, "leofs", "install ok unpacked", "1.3.8-1"),
                  0644);
    fixture_mkdir("/db/updates", 0755);
    struct dpkg_location where = {.root = fixture_path("/"), .admindir = fixture_path("/db")};
    cr_assert_eq(dpkg_view_read(&where, "leofs", DPKG_VIEW_UNPACKED, &list, error, sizeof error),
                 0, "%s", error);
    cr_assert_eq(list.count, 1);
}

Test(dpkgdb_view, upstream_versions)
{
    char out[64];
    cr_assert_eq(dpkg_view_upstream("1:1.3.8-2", out, sizeof out), 0);
    cr_assert_str_eq(out, "1.3.8");
    cr_assert_eq(dpkg_view_upstream("1.3.8", out, sizeof out), 0);
    cr_assert_str_eq(out, "1.3.8");
    cr_assert_eq(dpkg_view_upstream("1.4.0~rc1-1", out, sizeof out), 0);
    cr_assert_str_eq(out, "1.4.0~rc1");
    cr_assert_eq(dpkg_view_upstream("", out, sizeof out), -1);
    cr_assert_eq(dpkg_view_upstream("a:1", out, sizeof out), -1);
}
