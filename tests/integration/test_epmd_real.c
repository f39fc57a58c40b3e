/* test_epmd_real.c: the epmd step against REAL programs from Debian's
 * erlang-base: an epmd the test starts in the foreground on a private port
 * (never 4369) and real Erlang nodes registered with it. Every process the
 * test starts is killed by pid in the suite's fini, also after a failure,
 * and KILL_REQ is sent to the private port last. */
#include "epmd.h"
#include "fake_epmd.h"
#include "fixture.h"
#include "process.h"
#include "step_context.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EPMD_PATH "/usr/bin/epmd"
#define ERL_PATH "/usr/bin/erl"

static struct step_context sc;
static int port;
static pid_t epmd_pid, node_pid;
static char home[4200], port_env[32], home_env[4300];

static pid_t start(const char *path, char *const argv[])
{
    char *envp[] = {port_env, home_env, "PATH=/usr/bin:/bin", "LANG=C", NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int err = posix_spawn(&pid, path, &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    cr_assert_eq(err, 0, "cannot run %s: %s", path, strerror(err));
    return pid;
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait until epmd answers and lists NODE (NULL: just answers). */
static void wait_for(const char *node, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        struct epmd_names names;
        char error[256];
        bool found = false;
        if (epmd_names(port, &names, error, sizeof error) == EPMD_ANSWERED) {
            found = node == NULL;
            for (size_t n = 0; n < names.count; n++)
                found |= strcmp(names.nodes[n].name, node ? node : "") == 0;
        }
        epmd_names_free(&names);
        if (found)
            return;
        pause_ms(100);
    }
    cr_assert_fail("epmd on port %d did not list %s within %d s", port, node ? node : "(nothing)",
                   seconds);
}

static void start_node(const char *name)
{
    char *argv[] = {"erl", "-sname", (char *)name, "-noshell", "-noinput", NULL};
    node_pid = start(ERL_PATH, argv);
    wait_for(name, 30);
}

static void stop(pid_t *pid, int sig)
{
    if (*pid <= 0)
        return;
    kill(*pid, sig);
    for (int i = 0; i < 50 && waitpid(*pid, NULL, WNOHANG) == 0; i++)
        pause_ms(100);
    if (waitpid(*pid, NULL, WNOHANG) == 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
    }
    *pid = 0;
}

static void setup(void)
{
    unsetenv("ERL_EPMD_PORT");
    cr_assert(access(EPMD_PATH, X_OK) == 0 && access(ERL_PATH, X_OK) == 0,
                "needs epmd and erl from erlang-base");
    const char *root = fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    snprintf(home, sizeof home, "%s/home", root);
    fixture_mkdir("/home", 0700);
    port = fake_free_port();
    snprintf(port_env, sizeof port_env, "ERL_EPMD_PORT=%d", port);
    snprintf(home_env, sizeof home_env, "HOME=%s", home);
    char port_arg[16];
    snprintf(port_arg, sizeof port_arg, "%d", port);
    char *argv[] = {"epmd", "-port", port_arg, NULL};
    epmd_pid = start(EPMD_PATH, argv);
    wait_for(NULL, 10);
    step_context_open(&sc, NULL);
    sc.ctx.policy.epmd_port = port;
}

static void teardown(void)
{
    stop(&node_pid, SIGKILL);
    pause_ms(100);
    if (port) {
        bool killed;
        char error[256];
        epmd_kill(port, &killed, error, sizeof error); /* our private port only */
    }
    stop(&epmd_pid, SIGTERM);
    step_context_close(&sc);
    fixture_cleanup();
}

TestSuite(epmd_real, .init = setup, .fini = teardown, .timeout = 120);

static const struct lu_step_report *run_step(void)
{
    step_epmd(&sc.ctx);
    return step_context_result(&sc, STEP_EPMD);
}

static bool epmd_alive(void)
{
    return waitpid(epmd_pid, NULL, WNOHANG) == 0;
}

Test(epmd_real, lone_epmd_is_found_and_identified)
{
    pid_t pids[PROCESS_LISTENER_MAX];
    int count = process_listeners(port, pids, PROCESS_LISTENER_MAX);
    cr_assert_eq(count, 1);
    cr_assert_eq(pids[0], epmd_pid);
    cr_assert(process_is_epmd(epmd_pid));
    cr_assert_not(process_is_epmd(getpid()));
    cr_assert_not(process_in_unit(epmd_pid, "leofs-epmd.service"));
}

Test(epmd_real, lone_epmd_is_stopped)
{
    const struct lu_step_report *step = run_step();
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    char expected[128];
    snprintf(expected, sizeof expected, "stopped stale epmd (pid %ld) on port %d", (long)epmd_pid,
             port);
    cr_assert_str_eq(step->message, expected);
    char error[256];
    cr_assert_eq(epmd_probe(port, error, sizeof error), EPMD_NO_LISTENER);
    int status;
    cr_assert_eq(waitpid(epmd_pid, &status, 0), epmd_pid);
    cr_assert(WIFEXITED(status), "epmd exited by itself (KILL_REQ), not by a signal");
    epmd_pid = 0;
}

Test(epmd_real, leofs_node_refuses_and_epmd_keeps_running)
{
    start_node("storage_0");
    const struct lu_step_report *step = run_step();
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    cr_assert_str_eq(step->message, "LeoFS nodes are running on this host (storage_0): stop them "
                                    "first, then retry the upgrade");
    cr_assert(epmd_alive());
    wait_for("storage_0", 1);
}

Test(epmd_real, other_node_warns_and_epmd_keeps_running)
{
    start_node("rabbit");
    const struct lu_step_report *step = run_step();
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(strstr(step->message, "(rabbit)"), "%s", step->message);
    cr_assert(epmd_alive());
    wait_for("rabbit", 1);
}

Test(epmd_real, dry_run_changes_nothing)
{
    /* The port from ERL_EPMD_PORT this time, not from the policy. */
    setenv("ERL_EPMD_PORT", port_env + strlen("ERL_EPMD_PORT="), 1);
    sc.ctx.policy.epmd_port = 0;
    sc.ctx.dry_run = true;
    const struct lu_step_report *step = run_step();
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE, "%s", step->message);
    cr_assert_eq(step->change_count, 1);
    pause_ms(200);
    cr_assert(epmd_alive());
    wait_for(NULL, 1);
}

Test(epmd_real, terminate_only_a_proven_epmd)
{
    /* Not epmd: this test process, and a child that does not hold the port. */
    cr_assert_eq(process_terminate_epmd(getpid(), port), -1);
    cr_assert_eq(errno, EPERM);
    cr_assert_eq(process_terminate_epmd(1, port), -1);
    cr_assert(epmd_alive());
    /* The real epmd on its port: SIGTERM, and the port closes. */
    cr_assert_eq(process_terminate_epmd(epmd_pid, port), 0, "%s", strerror(errno));
    cr_assert(epmd_wait_closed(port, 3000));
    int status;
    cr_assert_eq(waitpid(epmd_pid, &status, 0), epmd_pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    epmd_pid = 0;
}
