/* test_packages.c: the "several versions installed" refusal, as the rpm
 * and dpkg layers feed it, and the package list they build it with. */
#include "fixture.h"
#include "leofs/package_list.h"

#include <criterion/criterion.h>
#include <string.h>

static enum lu_status run(const struct lu_package *packages, size_t count, bool known,
                          const char **message)
{
    struct lu_request request = fixture_request();
    request.packages = packages;
    request.package_count = count;
    request.packages_known = known;
    request.remove_command = "rpm -e";
    struct lu_report *report;
    lu_run_pre(&request, &report);
    const struct lu_step_report *step = lu_report_find(report, "packages");
    cr_assert_not_null(step);
    static char text[1024];
    snprintf(text, sizeof text, "%s", step->message);
    *message = text;
    enum lu_status status = step->status;
    lu_report_free(report);
    return status;
}

TestSuite(packages, .init = (void (*)(void))fixture_root, .fini = fixture_cleanup);

Test(packages, one_installed_upgrade_is_fine)
{
    const struct lu_package p[] = {
        {"leofs", "1.3.7", "leofs-1.3.7-1.el7.x86_64", LU_PACKAGE_REMOVED},
        {"leofs", "1.3.8", "leofs-1.3.8-1.el7.x86_64", LU_PACKAGE_ADDED},
    };
    const char *message;
    cr_assert_eq(run(p, 2, true, &message), LU_STATUS_UNCHANGED, "%s", message);
    cr_assert(strstr(message, "leofs-1.3.8-1.el7.x86_64"), "%s", message);
}

Test(packages, two_installed_are_refused_naming_the_fix)
{
    const struct lu_package p[] = {
        {"leofs", "1.3.7", "leofs-1.3.7-1", LU_PACKAGE_REMOVED},
        {"leofs", "1.3.2", "leofs-1.3.2-1", LU_PACKAGE_REMOVED},
        {"leofs", "1.3.8", "leofs-1.3.8-1", LU_PACKAGE_ADDED},
    };
    const char *message;
    cr_assert_eq(run(p, 3, true, &message), LU_STATUS_REFUSED);
    cr_assert(strstr(message, "leofs-1.3.2-1 and leofs-1.3.7-1"), "%s", message);
    cr_assert(strstr(message, "rpm -e leofs-1.3.2-1"), "the older one is named to remove: %s",
              message);
}

Test(packages, installing_beside_is_refused)
{
    const struct lu_package p[] = {
        {"leofs", "1.3.7", "leofs-1.3.7-1", LU_PACKAGE_INSTALLED},
        {"leofs", "1.3.8", "leofs-1.3.8-1", LU_PACKAGE_ADDED},
    };
    const char *message;
    cr_assert_eq(run(p, 2, true, &message), LU_STATUS_REFUSED);
    cr_assert(strstr(message, "would leave several"), "%s", message);
    cr_assert(strstr(message, "as an upgrade"), "%s", message);
}

Test(packages, unknown_database_is_skipped_and_says_how_to_check)
{
    const char *message;
    cr_assert_eq(run(NULL, 0, false, &message), LU_STATUS_SKIPPED);
    cr_assert(strstr(message, "rpm -q leofs"), "%s", message);
}

Test(packages, refusal_refuses_the_phase)
{
    const struct lu_package p[] = {
        {"leofs", "1.3.7", NULL, LU_PACKAGE_INSTALLED},
        {"leofs", "1.3.8", NULL, LU_PACKAGE_INSTALLED},
    };
    struct lu_request request = fixture_request();
    request.packages = p;
    request.package_count = 2;
    request.packages_known = true;
    cr_assert_eq(lu_run_pre(&request, NULL), LU_OUTCOME_REFUSED);
    cr_assert(fixture_log_has("leofs-1.3.7 and leofs-1.3.8"), "%s", fixture_log());
}

Test(packages, names_that_count_as_leofs)
{
    cr_assert(lu_package_name_in("leofs", "leofs"));
    cr_assert(lu_package_name_in(" leofs-ee,leofs\t", "leofs"));
    cr_assert(lu_package_name_in("leofs, leofs-ee", "leofs-ee"));
    cr_assert_not(lu_package_name_in("leofs-ee", "leofs"), "no prefix match");
    cr_assert_not(lu_package_name_in("leofs", "leofs-ee"));
    cr_assert_not(lu_package_name_in("", "leofs"));
    cr_assert_not(lu_package_name_in("leofs", ""));
}

Test(packages, the_list_owns_its_strings)
{
    struct lu_package_list list = {0};
    char name[] = "leofs", version[] = "1.3.7";
    struct lu_package *p = lu_package_list_add(&list, name, version, NULL, LU_PACKAGE_INSTALLED);
    cr_assert_not_null(p);
    cr_assert_not_null(lu_package_list_add(&list, "leofs", NULL, "leofs-1.3.8-1", LU_PACKAGE_ADDED));
    name[0] = version[0] = 'X';
    cr_assert_eq(list.count, 2);
    cr_assert_str_eq(list.items[0].name, "leofs");
    cr_assert_str_eq(list.items[0].version, "1.3.7");
    cr_assert_str_eq(list.items[0].label, "leofs", "the label defaults to the name");
    cr_assert_str_eq(list.items[1].version, "", "no version is an empty one");
    cr_assert_str_eq(list.items[1].label, "leofs-1.3.8-1");
    lu_package_list_free(&list);
    cr_assert_eq(list.count, 0);
    cr_assert_null(list.items);
}
