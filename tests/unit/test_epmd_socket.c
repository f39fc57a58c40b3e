/* test_epmd_socket.c: the program runner (real programs: /bin/true,
 * /bin/false, scripts) and the epmd-socket post step with a fake systemctl
 * script, so that no real systemd unit is touched. */
#include "fake_epmd.h"
#include "fake_systemctl.h"
#include "fixture.h"
#include "process.h"
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
    fake_epmd_stop();
    step_context_close(&sc);
    fixture_cleanup();
}

TestSuite(step_epmd_socket, .init = step_setup, .fini = step_teardown);

/* The fake systemctl (fake_systemctl.h) with the socket's state IS_ACTIVE
 * and exit statuses RESET and START. */
static const char *fake_systemctl(int is_active, int reset, int start)
{
    return fake_systemctl_install(&(struct fake_systemctl){
        .is_active = is_active, .reset = reset, .start = start});
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
    return fake_systemctl_calls();
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
    cr_assert_str_eq(calls(), "--no-ask-password is-active --quiet leofs-epmd.socket\n"
                              "--no-ask-password show --property=Listen --value leofs-epmd.socket\n"
                              FAKE_NODE_UNITS_CALL);
}

Test(step_epmd_socket, inactive_is_reset_and_started)
{
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 1, 0));
    cr_assert_eq(result()->status, LU_STATUS_CHANGED, "%s", result()->message);
    cr_assert_str_eq(calls(), "--no-ask-password is-active --quiet leofs-epmd.socket\n"
                              "--no-ask-password show --property=Listen --value leofs-epmd.socket\n"
                              FAKE_NODE_UNITS_CALL
                              "--no-ask-password reset-failed leofs-epmd.socket\n"
                              "--no-ask-password start leofs-epmd.socket\n"
                              "--no-ask-password list-sockets --no-legend --full "
                              "--state=listening,running\n");
    cr_assert_str_eq(result()->changes[0], "started leofs-epmd.socket");
}

Test(step_epmd_socket, start_failure_fails)
{
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, fake_systemctl(3, 0, 1));
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    char expected[256];
    snprintf(expected, sizeof expected, "systemctl start leofs-epmd.socket failed (exit 1): "
             "nothing else holds port %d; see `systemctl status leofs-epmd.socket`",
             fake_systemctl_port());
    cr_assert_str_eq(result()->message, expected);
    cr_assert(fixture_log_has("Job for leofs-epmd.socket failed."), "%s", fixture_log());
}

Test(step_epmd_socket, no_systemctl_fails)
{
    systemd_host("1.4.0");
    epmd_socket_run(&sc.ctx, NULL);
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    cr_assert(strstr(result()->message, "systemctl is not in"), "%s", result()->message);
}

/* ---- the guide's recovery: who holds the socket's port ---- */

/* The fake epmd is served by this test process: the judgement sees it as
 * a stale epmd only when this process is in no systemd service. */
static void skip_inside_a_service(void)
{
    char unit[256];
    size_t n = process_unit(getpid(), unit, sizeof unit) ? strlen(unit) : 0;
    if (n > 8 && strcmp(unit + n - 8, ".service") == 0)
        cr_skip_test("this test runs inside %s: its fake epmd is that unit's", unit);
}

static int stale_epmd(const char *names)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .names = names, .kill_answer = "OK",
                                      .exit_on_kill = true};
    return fake_epmd_start(&config);
}

Test(step_epmd_socket, stale_epmd_is_stopped_then_the_socket_started)
{
    skip_inside_a_service();
    systemd_host("1.3.8");
    int port = stale_epmd(NULL);
    epmd_socket_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                                 .is_active = 3, .start = 0, .port = port}));
    cr_assert_eq(result()->status, LU_STATUS_CHANGED, "%s", result()->message);
    cr_assert_eq(result()->change_count, 2);
    char expected[128];
    snprintf(expected, sizeof expected, "stopped stale epmd (pid %ld) on port %d",
             (long)getpid(), port);
    cr_assert_str_eq(result()->changes[0], expected);
    cr_assert_str_eq(result()->changes[1], "started leofs-epmd.socket");
    cr_assert_eq(fake_epmd_requests('k'), 1);
    snprintf(expected, sizeof expected, "started leofs-epmd.socket (listening on port %d)", port);
    cr_assert_str_eq(result()->message, expected);
}

Test(step_epmd_socket, dry_run_would_stop_and_start)
{
    skip_inside_a_service();
    systemd_host("1.3.8");
    int port = stale_epmd(NULL);
    sc.ctx.dry_run = true;
    epmd_socket_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                                 .is_active = 3, .port = port}));
    cr_assert_eq(result()->status, LU_STATUS_WOULD_CHANGE, "%s", result()->message);
    cr_assert_eq(result()->change_count, 2);
    cr_assert_eq(fake_epmd_requests('k'), 0);
    cr_assert_not(strstr(calls(), " start "), "%s", calls());
}

Test(step_epmd_socket, leofs_node_on_the_stale_epmd_fails_and_leaves_it)
{
    systemd_host("1.3.8");
    int port = stale_epmd("name storage_0 at port 40001\n");
    epmd_socket_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                                 .is_active = 3, .port = port}));
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    cr_assert(strstr(result()->message, "storage_0"), "%s", result()->message);
    cr_assert(strstr(result()->message, "systemctl start leofs-epmd.socket"), "%s",
              result()->message);
    cr_assert_eq(fake_epmd_requests('k'), 0);
    cr_assert_not(strstr(calls(), " start "), "%s", calls());
}

Test(step_epmd_socket, other_nodes_warn_and_are_left)
{
    systemd_host("1.3.8");
    int port = stale_epmd("name rabbit at port 40001\n");
    epmd_socket_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                                 .is_active = 3, .port = port}));
    cr_assert_eq(result()->status, LU_STATUS_WARNING, "%s", result()->message);
    cr_assert(strstr(result()->message, "rabbit"), "%s", result()->message);
    cr_assert_eq(fake_epmd_requests('k'), 0);
}

Test(step_epmd_socket, another_socket_unit_is_named_with_the_command)
{
    systemd_host("1.3.8");
    int port = stale_epmd(NULL);
    char sockets[128];
    snprintf(sockets, sizeof sockets, "[::]:%d epmd.socket epmd.service\n", port);
    epmd_socket_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                                 .is_active = 3, .port = port, .sockets = sockets}));
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    cr_assert(strstr(result()->message, "held by epmd.socket, a systemd unit that is not "
                                        "LeoFS's"), "%s", result()->message);
    cr_assert(strstr(result()->message, "`systemctl disable --now epmd.socket epmd.service`"),
              "%s", result()->message);
    cr_assert_eq(fake_epmd_requests('k'), 0);
    cr_assert_not(strstr(calls(), " start "), "%s", calls());
}

Test(step_epmd_socket, active_node_unit_fails_before_asking_epmd)
{
    systemd_host("1.3.8");
    int port = stale_epmd(NULL);
    epmd_socket_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                                 .is_active = 3, .port = port,
                                 .node_states = "inactive\ninactive\nactive\ninactive\n"}));
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    cr_assert(strstr(result()->message, "LeoFS node units are active (leofs-storage.service)"),
              "%s", result()->message);
    cr_assert_eq(fake_epmd_requests('n'), 0);
    cr_assert_eq(fake_epmd_requests('k'), 0);
}

Test(step_epmd_socket, started_but_not_listening_fails)
{
    systemd_host("1.3.8");
    /* The start "works", but systemd then shows another port. */
    fake_systemctl_install(&(struct fake_systemctl){.is_active = 3, .start = 0});
    fixture_write("/fake-systemctl2",
                  "#!/bin/sh\n[ \"$2\" = list-sockets ] && exit 0\nexec \"$(dirname \"$0\")/"
                  "fake-systemctl\" \"$@\"\n", 0755);
    epmd_socket_run(&sc.ctx, fixture_path("/fake-systemctl2"));
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    cr_assert(strstr(result()->message, "does not show it listening"), "%s", result()->message);
}

Test(step_epmd_socket, epmd_step_turned_off_leaves_the_holder_alone)
{
    skip_inside_a_service();
    systemd_host("1.3.8");
    int port = stale_epmd(NULL);
    sc.ctx.policy.disabled[0] = strdup("epmd");
    sc.ctx.policy.disabled_count = 1;
    sc.ctx.policy.source = strdup("/etc/leofs/upgrade.conf");
    epmd_socket_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                                 .is_active = 3, .start = 1, .port = port}));
    cr_assert_eq(result()->status, LU_STATUS_FAILED);
    char expected[256];
    snprintf(expected, sizeof expected, "systemctl start leofs-epmd.socket failed (exit 1): port "
             "%d is held by pid %ld (", port, (long)getpid());
    cr_assert(strstr(result()->message, expected), "%s", result()->message);
    cr_assert_eq(fake_epmd_requests('n'), 0);
    cr_assert_eq(fake_epmd_requests('k'), 0);
    cr_assert(fixture_log_has("the epmd step is turned off"), "%s", fixture_log());
}
