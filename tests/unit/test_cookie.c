/* test_cookie.c: /usr/local/leofs/.erlang.cookie owned by the runner,
 * mode 0400, never through a symlink, created when missing. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COOKIE "/usr/local/leofs/.erlang.cookie"

static const struct lu_step_report *step;

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.8");
}

static void run(bool dry_run)
{
    step = fixture_run(lu_run_post, NULL, dry_run, "cookie", NULL);
    cr_assert_not_null(step);
}

static void assert_cookie(uid_t want_uid, gid_t want_gid)
{
    uid_t uid;
    gid_t gid;
    mode_t mode;
    fixture_stat(COOKIE, &uid, &gid, &mode);
    cr_assert(S_ISREG(mode));
    cr_assert_eq(uid, want_uid);
    cr_assert_eq(gid, want_gid);
    cr_assert_eq(mode & 07777, 0400, "mode %o", mode & 07777);
}

TestSuite(cookie, .init = setup, .fini = fixture_cleanup);

Test(cookie, root_owned_cookie_is_given_to_leofs_content_kept)
{
    fixture_write(COOKIE, "OLDCOOKIE", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    assert_cookie(FIXTURE_LEOFS_UID, FIXTURE_LEOFS_GID);
    char *data = fixture_read(COOKIE);
    cr_assert_str_eq(data, "OLDCOOKIE", "the cluster's cookie is never changed");
    free(data);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "a re-run changes nothing");
}

Test(cookie, missing_cookie_is_created_random)
{
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    assert_cookie(FIXTURE_LEOFS_UID, FIXTURE_LEOFS_GID);
    char *data = fixture_read(COOKIE);
    cr_assert_eq(strlen(data), 32);
    for (int i = 0; i < 32; i++)
        cr_assert(isxdigit((unsigned char)data[i]));
    cr_assert_not(fixture_exists("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp"));
    free(data);
}

Test(cookie, symlink_is_refused_and_its_target_untouched)
{
    fixture_write("/etc/shadow", "root:secret", 0600);
    fixture_symlink("/etc/shadow", COOKIE);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    cr_assert(strstr(step->message, "symlink"), "%s", step->message);
    uid_t uid;
    mode_t mode;
    fixture_stat("/etc/shadow", &uid, NULL, &mode);
    cr_assert_eq(uid, 0);
    cr_assert_eq(mode & 07777, 0600);
}

Test(cookie, hard_link_is_refused)
{
    fixture_write("/etc/shadow", "root:secret", 0600);
    cr_assert_eq(link(fixture_path("/etc/shadow"), fixture_path(COOKIE)), 0);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    uid_t uid;
    fixture_stat("/etc/shadow", &uid, NULL, NULL);
    cr_assert_eq(uid, 0);
}

Test(cookie, runner_user_from_environment_files)
{
    fixture_write("/etc/leofs/leofs.conf", "RUNNER_USER=alice\n", 0644);
    fixture_write(COOKIE, "C", 0400);
    run(false);
    assert_cookie(FIXTURE_OTHER_UID, 1000);
}

Test(cookie, missing_user_fails_saying_what_to_do)
{
    fixture_write("/etc/leofs/upgrade.conf", "user = ghost\n", 0644);
    fixture_write(COOKIE, "C", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_FAILED);
    cr_assert(strstr(step->message, "user 'ghost' does not exist"), "%s", step->message);
    mode_t mode;
    fixture_stat(COOKIE, NULL, NULL, &mode);
    cr_assert_eq(mode & 07777, 0644, "left as it was");
}

Test(cookie, dry_run_changes_nothing)
{
    fixture_write(COOKIE, "C", 0644);
    run(true);
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE);
    uid_t uid;
    mode_t mode;
    fixture_stat(COOKIE, &uid, NULL, &mode);
    cr_assert_eq(uid, 0);
    cr_assert_eq(mode & 07777, 0644);
}

Test(cookie, a_fifo_in_its_place_does_not_hang_and_is_refused)
{
    cr_assert_eq(mkfifo(fixture_path(COOKIE), 0644), 0);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
}

Test(cookie, temporary_file_of_a_run_killed_after_its_chown_is_replaced)
{
    /* atomic_write had written, chowned and fsync'ed it, then was killed. */
    fixture_write("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp", "0123456789abcdef", 0400);
    fixture_chown("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp", FIXTURE_LEOFS_UID,
                  FIXTURE_LEOFS_GID);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    assert_cookie(FIXTURE_LEOFS_UID, FIXTURE_LEOFS_GID);
    cr_assert_not(fixture_exists("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp"));
}

Test(cookie, temporary_file_of_another_user_is_left_alone)
{
    fixture_write("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp", "alice's", 0644);
    fixture_chown("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp", FIXTURE_OTHER_UID,
                  FIXTURE_OTHER_UID);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_FAILED, "%s", step->message);
    cr_assert(strstr(step->message, "temporary file that is not ours"), "%s", step->message);
    char *data = fixture_read("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp");
    cr_assert_str_eq(data, "alice's");
    free(data);
    cr_assert_not(fixture_exists(COOKIE));
}
