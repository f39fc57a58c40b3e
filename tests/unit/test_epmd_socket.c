/* test_epmd_socket.c: the program runner (real programs: /bin/true,
 * /bin/false, scripts) and the epmd-socket post step with a fake systemctl
 * script, so that no real systemd unit is touched. */
#include "fixture.h"
#include "program.h"
#include "step_context.h"
#include "step_epmd.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void root_setup(void)
{
    fixture_root();
}

static void root_teardown(void)
{
    fixture_cleanup();
}

TestSuite(program, .init = root_setup, .fini = root_teardown);

Test(program, true_and_false)
{
    struct spawn_result result;
    char error[256];
    char *true_argv[] = {"true", NULL}, *false_argv[] = {"false", NULL};
    cr_assert_eq(spawn_run("/bin/true", true_argv, 5000, &result, error, sizeof error), 0, "%s",
                 error);
    cr_assert_eq(result.exit_status, 0);
    cr_assert_eq(spawn_run("/bin/false", false_argv, 5000, &result, error, sizeof error), 0,
                 "%s", error);
    cr_assert_eq(result.exit_status, 1);
    cr_assert_not(result.timed_out);
}

Test(program, output_stdin_and_environment)
{
    fixture_write("/prog",
                  "#!/bin/sh\n"
                  "echo out \"$1\"\n"
                  "echo err >&2\n"
                  "if read line; then echo \"stdin=$line\"; else echo stdin-empty; fi\n"
                  "echo \"secret=${LU_TEST_SECRET-unset} path=$PATH\"\n"
                  "exit 3\n",
                  0755);
    setenv("LU_TEST_SECRET", "leaked", 1);
    struct spawn_result result;
    char error[256];
    char *argv[] = {"prog", "arg one", NULL};
    cr_assert_eq(spawn_run(fixture_path("/prog"), argv, 5000, &result, error, sizeof error), 0,
                 "%s", error);
    cr_assert_eq(result.exit_status, 3);
    cr_assert_str_eq(result.output, "out arg one\nerr\nstdin-empty\n"
                                    "secret=unset path=/usr/sbin:/usr/bin:/sbin:/bin\n");
}

Test(program, timeout_kills)
{
    fixture_write("/slow", "#!/bin/sh\nexec sleep 30\n", 0755);
    struct spawn_result result;
    char error[256];
    char *argv[] = {"slow", NULL};
    cr_assert_eq(spawn_run(fixture_path("/slow"), argv, 200, &result, error, sizeof error), 0,
                 "%s", error);
    cr_assert(result.timed_out);
    cr_assert_eq(result.exit_status, -1);
    cr_assert_eq(result.signal, SIGKILL);
}

Test(program, untrusted_programs_are_not_run)
{
    struct spawn_result result;
    char error[256];
    char *argv[] = {"x", NULL};
    fixture_write("/marker-maker", "#!/bin/sh\necho ran > \"$0.ran\"\n", 0755);
    cr_assert(chmod(fixture_path("/marker-maker"), 0757) == 0);
    cr_assert_eq(spawn_run(fixture_path("/marker-maker"), argv, 5000, &result, error,
                           sizeof error), -1);
    cr_assert(strstr(error, "only root can change"), "%s", error);
    fixture_symlink("/bin/true", "/link");
    cr_assert_eq(spawn_run(fixture_path("/link"), argv, 5000, &result, error, sizeof error), -1);
    cr_assert_eq(spawn_run("true", argv, 5000, &result, error, sizeof error), -1);
    cr_assert_eq(spawn_run(fixture_path("/absent"), argv, 5000, &result, error, sizeof error), -1);
    cr_assert_not(fixture_exists("/marker-maker.ran"));
}

/* ---- the step ---- */

static struct step_context sc;

static void step_setup(void)
{
    fixture_root();
    fixture_accounts();
}

static void step_teardown(void)
{
    step_context_close(&sc);
    fixture_cleanup();
}

TestSuite(step_epmd_socket, .init = step_setup, .fini = step_teardown);

/* A systemctl that logs its arguments to /calls and exits with
 * IS_ACTIVE, RESET and START for those verbs. */
static const char *fake_systemctl(int is_active, int reset, int start)
{
    char script[1024];
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "echo \"$*\" >> '%s'\n"
             "case \"$2\" in\n"
             "is-active) exit %d;;\n"
             "reset-failed) exit %d;;\n"
             "start) echo 'Job for leofs-epmd.socket failed.' >&2; exit %d;;\n"
             "esac\n"
             "exit 99\n",
             fixture_path("/calls"), is_active, reset, start);
    fixture_write("/fake-systemctl", script, 0755);
    return fixture_path("/fake-systemctl");
}

static void systemd_host(const char *version)
{
    fixture_leofs_install(version);
    fixture_mkdir("/run/systemd/system", 0755);
    fixture_write("/usr/lib/systemd/system/leofs-epmd.socket",
                  "[Socket]\nListenStream=0.0.0.0:4369\n", 0644);
    step_context_open(&sc, NULL);
}

static const struct lu_step_report *result(void)
{
    return step_context_result(&sc, STEP_EPMD_SOCKET);
}

static const char *calls(void)
{
    static char text[1024];
    char *read = fixture_read("/calls");
    snprintf(text, sizeof text, "%s", read ? read : "");
    free(read);
    return text;
}

Test(step_epmd_socket, skipped_when_root_is_not_the_host)
{
    systemd_host("1.4.0");
    sc.ctx.root_is_host = false;
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 0, 0));
    cr_assert_eq(result()->status, LU_STATUS_SKIPPED);
    cr_assert_str_eq(calls(), "");
}

Test(step_epmd_socket, skipped_before_1_3_8)
{
    systemd_host("1.3.7");
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 0, 0));
    cr_assert_eq(result()->status, LU_STATUS_SKIPPED);
    cr_assert(strstr(result()->message, "1.3.7"), "%s", result()->message);
    cr_assert_str_eq(calls(), "");
}

Test(step_epmd_socket, skipped_without_systemd)
{
    fixture_leofs_install("1.4.0");
    step_context_open(&sc, NULL);
    step_epmd_socket(&sc.ctx); /* the real entry point: no /run/systemd/system in the root */
    cr_assert_eq(result()->status, LU_STATUS_SKIPPED);
    cr_assert_str_eq(result()->message, "systemd is not running (no /run/systemd/system)");
}

Test(step_epmd_socket, skipped_without_unit_file)
{
    fixture_leofs_install("1.3.10");
    fixture_mkdir("/run/systemd/system", 0755);
    step_context_open(&sc, NULL);
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 0, 0));
    cr_assert_eq(result()->status, LU_STATUS_SKIPPED);
    cr_assert(strstr(result()->message, "not installed"), "%s", result()->message);
    cr_assert_str_eq(calls(), "");
}

Test(step_epmd_socket, skipped_when_masked)
{
    fixture_symlink("/dev/null", "/etc/systemd/system/leofs-epmd.socket");
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 0, 0));
    cr_assert_eq(result()->status, LU_STATUS_SKIPPED);
    cr_assert(strstr(result()->message, "masked"), "%s", result()->message);
    cr_assert_str_eq(calls(), "");
}

Test(step_epmd_socket, active_is_unchanged)
{
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, fake_systemctl(0, 0, 0));
    cr_assert_eq(result()->status, LU_STATUS_UNCHANGED, "%s", result()->message);
    cr_assert_str_eq(calls(), "--no-ask-password is-active --quiet leofs-epmd.socket\n");
}

Test(step_epmd_socket, dry_run_would_start)
{
    systemd_host("1.4.0");
    sc.ctx.dry_run = true;
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 0, 0));
    cr_assert_eq(result()->status, LU_STATUS_WOULD_CHANGE, "%s", result()->message);
    cr_assert_str_eq(calls(), "--no-ask-password is-active --quiet leofs-epmd.socket\n");
}

Test(step_epmd_socket, inactive_is_reset_and_started)
{
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 1, 0));
    cr_assert_eq(result()->status, LU_STATUS_CHANGED, "%s", result()->message);
    cr_assert_str_eq(calls(), "--no-ask-password is-active --quiet leofs-epmd.socket\n"
                              "--no-ask-password reset-failed leofs-epmd.socket\n"
                              "--no-ask-password start leofs-epmd.socket\n");
    cr_assert_str_eq(result()->changes[0], "started leofs-epmd.socket");
}

Test(step_epmd_socket, start_failure_fails)
{
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 0, 1));
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    cr_assert_str_eq(result()->message,
                     "systemctl start leofs-epmd.socket failed (exit 1): see systemctl status "
                     "leofs-epmd.socket; an epmd outside systemd may hold port 4369");
    cr_assert(fixture_log_has("Job for leofs-epmd.socket failed."), "%s", fixture_log());
}

Test(step_epmd_socket, no_systemctl_fails)
{
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, NULL);
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    cr_assert(strstr(result()->message, "systemctl is not in"), "%s", result()->message);
}
