/* test_pipe_dir.c: the stale /tmp/usr pipe dir of root-run launch scripts
 * is removed only when it and everything in it is root's. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct lu_step_report *step;

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.8");
}

static void run(bool dry_run)
{
    step = fixture_run(lu_run_post, NULL, dry_run, "pipe-dir", NULL);
    cr_assert_not_null(step);
}

static void stale_pipe_dir(void)
{
    fixture_mkdir("/tmp/usr/local/leofs/1.3.2/leo_storage", 0755);
    cr_assert_eq(mkfifo(fixture_path("/tmp/usr/local/leofs/1.3.2/leo_storage/erlang.pipe.1.r"), 0600), 0);
    cr_assert_eq(mkfifo(fixture_path("/tmp/usr/local/leofs/1.3.2/leo_storage/erlang.pipe.1.w"), 0600), 0);
}

TestSuite(pipe_dir, .init = setup, .fini = fixture_cleanup);

Test(pipe_dir, root_owned_stale_dir_is_removed)
{
    stale_pipe_dir();
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s\n%s", step->message, fixture_log());
    cr_assert_not(fixture_exists("/tmp/usr"));
    cr_assert(fixture_exists("/tmp"));
    run(false);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "a re-run has nothing to do");
}

Test(pipe_dir, dry_run_keeps_it)
{
    stale_pipe_dir();
    run(true);
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE);
    cr_assert(fixture_exists("/tmp/usr/local/leofs/1.3.2/leo_storage/erlang.pipe.1.r"));
}

Test(pipe_dir, leofs_owned_dir_is_the_nodes_own)
{
    fixture_mkdir("/tmp/usr/local/leofs/1.3.8", 0755);
    fixture_chown("/tmp/usr", 990, 990);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    cr_assert(fixture_exists("/tmp/usr/local/leofs/1.3.8"));
}

Test(pipe_dir, symlink_in_its_place_is_left_and_its_target_intact)
{
    fixture_write("/etc/important", "keep", 0644);
    fixture_symlink("/etc", "/tmp/usr");
    run(false);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(fixture_exists("/etc/important"));
    cr_assert(fixture_exists("/tmp/usr"));
}

Test(pipe_dir, another_users_files_inside_keep_it)
{
    stale_pipe_dir();
    fixture_write("/tmp/usr/local/leofs/1.3.8/leo_storage/erlang.pipe.1.r", "", 0600);
    fixture_chown("/tmp/usr/local/leofs/1.3.8/leo_storage/erlang.pipe.1.r", 990, 990);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(fixture_log_has("owned by uid 990"), "%s", fixture_log());
    cr_assert(fixture_exists("/tmp/usr/local/leofs/1.3.2/leo_storage/erlang.pipe.1.r"),
              "nothing was removed");
}

Test(pipe_dir, symlink_inside_is_not_followed_and_keeps_the_dir)
{
    stale_pipe_dir();
    fixture_write("/etc/important", "keep", 0644);
    fixture_symlink("/etc", "/tmp/usr/local/link");
    run(false);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(fixture_log_has("a symlink, which launch scripts never leave"), "%s", fixture_log());
    cr_assert(fixture_exists("/etc/important"));
    cr_assert(fixture_exists("/tmp/usr/local/link"), "not a pipe dir's shape: nothing removed");
}

Test(pipe_dir, custom_pipe_dir_and_expanding_one)
{
    fixture_write("/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.environment",
                  "PIPE_DIR=/tmp/leofs-pipes/\n", 0644);
    fixture_write("/usr/local/leofs/1.3.8/leo_gateway/etc/leo_gateway.environment",
                  "PIPE_DIR=/tmp/$RUNNER_BASE_DIR/\n", 0644);
    fixture_mkdir("/tmp/leofs-pipes", 0755);
    cr_assert_eq(mkfifo(fixture_path("/tmp/leofs-pipes/erlang.pipe.1.r"), 0600), 0);
    run(false);
    cr_assert_not(fixture_exists("/tmp/leofs-pipes"));
    cr_assert(fixture_log_has("needs the shell to evaluate it"), "%s", fixture_log());
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

Test(pipe_dir, pipe_dir_outside_tmp_is_left_alone)
{
    fixture_write("/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.environment",
                  "PIPE_DIR=/var/lib\n", 0644);
    fixture_write("/var/lib/dpkg/status", "", 0644);
    run(false);
    cr_assert(fixture_exists("/var/lib/dpkg/status"));
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

Test(pipe_dir, root_runner_and_old_versions_skip)
{
    stale_pipe_dir();
    fixture_write("/etc/leofs/leofs.conf", "RUNNER_USER=root\n", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED);
    cr_assert(fixture_exists("/tmp/usr/local"));
}
