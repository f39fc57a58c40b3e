/* test_current.c: the /usr/local/leofs/current symlink: refused early when
 * a real directory is in its place, repointed atomically after. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct lu_step_report *step;

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
}

static enum lu_outcome run(enum lu_outcome (*phase)(const struct lu_request *, struct lu_report **),
                           const char *version, bool dry_run)
{
    enum lu_outcome outcome;
    step = fixture_run(phase, version, dry_run, "current-symlink", &outcome);
    return outcome;
}

static const char *link_target(void)
{
    static char target[PATH_MAX];
    ssize_t n = readlink(fixture_path("/usr/local/leofs/current"), target, sizeof target - 1);
    cr_assert_gt(n, 0, "current is not a symlink");
    target[n] = '\0';
    return target;
}

TestSuite(current, .init = setup, .fini = fixture_cleanup);

Test(current, created_then_repointed_then_left)
{
    run(lu_run_post, "1.3.7", false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert_str_eq(link_target(), "1.3.7");

    fixture_leofs_install("1.3.8");
    run(lu_run_post, NULL, false); /* the newest version */
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert_str_eq(link_target(), "1.3.8");
    cr_assert(strstr(step->changes[0], "was -> 1.3.7"), "%s", step->changes[0]);
    cr_assert_not(fixture_exists("/usr/local/leofs/.current.leofs-upgrade"));

    run(lu_run_post, "1.3.8", false);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "a re-run changes nothing: %s", step->message);
}

Test(current, absolute_link_to_the_version_counts_as_right)
{
    fixture_leofs_install("1.3.8");
    fixture_symlink("/usr/local/leofs/1.3.8/", "/usr/local/leofs/current");
    run(lu_run_post, "1.3.8", false);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
}

Test(current, user_made_directory_is_refused_before_and_after)
{
    fixture_write("/usr/local/leofs/current/my-notes.txt", "precious", 0644);
    cr_assert_eq(run(lu_run_pre, "1.3.8", false), LU_OUTCOME_REFUSED);
    cr_assert_eq(step->status, LU_STATUS_REFUSED);
    cr_assert(strstr(step->message, "real directory (1 entries)"), "%s", step->message);
    cr_assert(strstr(step->message, "mv "), "the message says what to do: %s", step->message);

    fixture_leofs_install("1.3.8");
    cr_assert_eq(run(lu_run_post, "1.3.8", false), LU_OUTCOME_REFUSED);
    cr_assert_eq(step->status, LU_STATUS_REFUSED);
    char *data = fixture_read("/usr/local/leofs/current/my-notes.txt");
    cr_assert_str_eq(data, "precious", "the user's data is intact");
    free(data);
}

Test(current, a_file_in_the_way_is_refused)
{
    fixture_write("/usr/local/leofs/current", "not a link", 0644);
    cr_assert_eq(run(lu_run_pre, NULL, false), LU_OUTCOME_REFUSED);
    cr_assert(strstr(step->message, "is a file"), "%s", step->message);
}

Test(current, dry_run_changes_nothing)
{
    fixture_symlink("1.3.7", "/usr/local/leofs/current");
    fixture_leofs_install("1.3.8");
    run(lu_run_post, "1.3.8", true);
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE);
    cr_assert_str_eq(link_target(), "1.3.7");
}

Test(current, leftover_temporary_link_is_cleaned)
{
    fixture_leofs_install("1.3.8");
    fixture_symlink("1.3.2", "/usr/local/leofs/.current.leofs-upgrade"); /* a crash's leftover */
    run(lu_run_post, "1.3.8", false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert_str_eq(link_target(), "1.3.8");
    cr_assert_not(fixture_exists("/usr/local/leofs/.current.leofs-upgrade"));
}

Test(current, precheck_accepts_a_symlink_or_nothing)
{
    cr_assert_eq(run(lu_run_pre, "1.3.8", false), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED);
    fixture_symlink("/somewhere/else", "/usr/local/leofs/current");
    cr_assert_eq(run(lu_run_pre, "1.3.8", false), LU_OUTCOME_OK);
}

Test(current, post_for_a_version_not_installed_is_a_config_error)
{
    cr_assert_eq(run(lu_run_post, "9.9.9", false), LU_OUTCOME_CONFIG_ERROR);
    cr_assert(fixture_log_has("9.9.9 is not installed"), "%s", fixture_log());
}
