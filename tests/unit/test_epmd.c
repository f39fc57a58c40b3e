/* test_epmd.c: the epmd reply parser, the client against fake servers on
 * private loopback ports, and the epmd step's decisions (step_epmd). */
#include "epmd.h"
#include "fake_epmd.h"
#include "fake_systemctl.h"
#include "fixture.h"
#include "process.h"
#include "systemd.h"
#include "step_context.h"
#include "step_epmd.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the parser ---- */

static size_t reply(unsigned char *buffer, int port, const char *lines)
{
    buffer[0] = (unsigned char)(port >> 24);
    buffer[1] = (unsigned char)(port >> 16);
    buffer[2] = (unsigned char)(port >> 8);
    buffer[3] = (unsigned char)port;
    size_t n = strlen(lines);
    memcpy(buffer + 4, lines, n);
    return 4 + n;
}

static enum epmd_result parse(const char *lines, struct epmd_names *names, char *error)
{
    unsigned char buffer[4096];
    size_t length = reply(buffer, 4369, lines);
    return epmd_parse_names(buffer, length, 4369, names, error, 256);
}

Test(epmd_parse, good_reply)
{
    struct epmd_names names;
    char error[256];
    cr_assert_eq(parse("name storage_0 at port 40001\nname rabbit at port 25672\n", &names, error),
                 EPMD_ANSWERED, "%s", error);
    cr_assert_eq(names.count, 2);
    cr_assert_str_eq(names.nodes[0].name, "storage_0");
    cr_assert_eq(names.nodes[0].port, 40001);
    cr_assert_str_eq(names.nodes[1].name, "rabbit");
    cr_assert_eq(names.nodes[1].port, 25672);
    epmd_names_free(&names);
}

Test(epmd_parse, no_nodes)
{
    struct epmd_names names;
    char error[256];
    cr_assert_eq(parse("", &names, error), EPMD_ANSWERED, "%s", error);
    cr_assert_eq(names.count, 0);
    epmd_names_free(&names);
}

Test(epmd_parse, truncated)
{
    struct epmd_names names;
    char error[256];
    unsigned char short_reply[] = {0x00, 0x00, 0x11};
    cr_assert_eq(epmd_parse_names(short_reply, 3, 4369, &names, error, sizeof error),
                 EPMD_NOT_EPMD);
    cr_assert_eq(epmd_parse_names(short_reply, 0, 4369, &names, error, sizeof error),
                 EPMD_NOT_EPMD);
    cr_assert_eq(parse("name storage_0 at port 40001\nname rab", &names, error), EPMD_NOT_EPMD);
    cr_assert(strstr(error, "line 2"), "%s", error);
    cr_assert_eq(parse("name storage_0 at port 40001", &names, error), EPMD_NOT_EPMD);
    cr_assert_eq(names.count, 0);
    cr_assert_null(names.nodes);
}

Test(epmd_parse, wrong_port_echo)
{
    unsigned char buffer[64];
    struct epmd_names names;
    char error[256];
    size_t length = reply(buffer, 4370, "");
    cr_assert_eq(epmd_parse_names(buffer, length, 4369, &names, error, sizeof error),
                 EPMD_NOT_EPMD);
    cr_assert(strstr(error, "4370"), "%s", error);
}

Test(epmd_parse, garbage)
{
    static const char *const bad[] = {
        "hello\n",
        "name  at port 1\n",
        "name a at port\n",
        "name a at port 0\n",
        "name a at port 65536\n",
        "name a at port 1234567\n",
        "name a at port 12x\n",
        "name a at port -1\n",
        "name a b at port 1\n",
        "name a\tb at port 1\n",
        "name a at port 1 \n",
        "Name a at port 1\n",
        "name a at port 1\r\n",
        "\n",
    };
    struct epmd_names names;
    char error[256];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(parse(bad[i], &names, error), EPMD_NOT_EPMD, "accepted %s", bad[i]);
    unsigned char http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
    cr_assert_eq(epmd_parse_names(http, sizeof http - 1, 4369, &names, error, sizeof error),
                 EPMD_NOT_EPMD);
    /* A NUL inside a name ends nothing: it is just not allowed. */
    unsigned char nul[64];
    size_t length = reply(nul, 4369, "name ab at port 1\n");
    nul[4 + 6] = '\0';
    cr_assert_eq(epmd_parse_names(nul, length, 4369, &names, error, sizeof error),
                 EPMD_NOT_EPMD);
}

Test(epmd_parse, name_length)
{
    char line[400], name[300];
    struct epmd_names names;
    char error[256];
    memset(name, 'a', 255);
    name[255] = '\0';
    snprintf(line, sizeof line, "name %s at port 9\n", name);
    cr_assert_eq(parse(line, &names, error), EPMD_ANSWERED, "%s", error);
    cr_assert_eq(strlen(names.nodes[0].name), 255);
    epmd_names_free(&names);
    memset(name, 'a', 256);
    name[256] = '\0';
    snprintf(line, sizeof line, "name %s at port 9\n", name);
    cr_assert_eq(parse(line, &names, error), EPMD_NOT_EPMD);
}

static unsigned char *many_nodes(size_t count, size_t *length)
{
    unsigned char *buffer = malloc(4 + count * 32);
    cr_assert(buffer);
    size_t used = reply(buffer, 4369, "");
    for (size_t i = 0; i < count; i++)
        used += (size_t)sprintf((char *)buffer + used, "name n%zu at port 1\n", i);
    *length = used;
    return buffer;
}

Test(epmd_parse, huge)
{
    struct epmd_names names;
    char error[256];
    size_t length;
    unsigned char *buffer = many_nodes(EPMD_NODE_LIMIT, &length);
    cr_assert_eq(epmd_parse_names(buffer, length, 4369, &names, error, sizeof error),
                 EPMD_ANSWERED, "%s", error);
    cr_assert_eq(names.count, EPMD_NODE_LIMIT);
    epmd_names_free(&names);
    free(buffer);
    buffer = many_nodes(EPMD_NODE_LIMIT + 1, &length);
    cr_assert_eq(epmd_parse_names(buffer, length, 4369, &names, error, sizeof error),
                 EPMD_TOO_BIG);
    cr_assert_null(names.nodes);
    free(buffer);
    /* Over the byte limit, even when every line is fine. */
    buffer = calloc(1, EPMD_REPLY_LIMIT + 2);
    cr_assert_eq(epmd_parse_names(buffer, EPMD_REPLY_LIMIT + 1, 0, &names, error, sizeof error),
                 EPMD_TOO_BIG);
    free(buffer);
}

Test(epmd_port, from_environment)
{
    char error[256];
    unsetenv("ERL_EPMD_PORT");
    cr_assert_eq(epmd_port_from_env(error, sizeof error), 4369);
    setenv("ERL_EPMD_PORT", "14369", 1);
    cr_assert_eq(epmd_port_from_env(error, sizeof error), 14369);
    static const char *const bad[] = {"", "0", "65536", "abc", "12x", "-5", " 1", "9999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        setenv("ERL_EPMD_PORT", bad[i], 1);
        cr_assert_eq(epmd_port_from_env(error, sizeof error), -1, "accepted \"%s\"", bad[i]);
        cr_assert(strstr(error, "ERL_EPMD_PORT"), "%s", error);
    }
    unsetenv("ERL_EPMD_PORT");
}

/* ---- the client against fake servers ---- */

static void stop_fake(void)
{
    fake_epmd_stop();
}

TestSuite(epmd_client, .fini = stop_fake);

Test(epmd_client, no_listener)
{
    struct epmd_names names;
    char error[256];
    cr_assert_eq(epmd_names(fake_free_port(), &names, error, sizeof error), EPMD_NO_LISTENER,
                 "%s", error);
}

Test(epmd_client, answers_names)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .names = "name rabbit at port 25672\n"};
    int port = fake_epmd_start(&config);
    struct epmd_names names;
    char error[256];
    cr_assert_eq(epmd_names(port, &names, error, sizeof error), EPMD_ANSWERED, "%s", error);
    cr_assert_eq(names.count, 1);
    cr_assert_str_eq(names.nodes[0].name, "rabbit");
    epmd_names_free(&names);
}

Test(epmd_client, garbage_is_not_epmd)
{
    struct fake_epmd_config config = {.mode = FAKE_GARBAGE};
    int port = fake_epmd_start(&config);
    struct epmd_names names;
    char error[256];
    bool killed = true;
    cr_assert_eq(epmd_names(port, &names, error, sizeof error), EPMD_NOT_EPMD);
    cr_assert_eq(epmd_kill(port, &killed, error, sizeof error), EPMD_NOT_EPMD);
    cr_assert_not(killed);
}

Test(epmd_client, silent_is_no_answer)
{
    struct fake_epmd_config config = {.mode = FAKE_SILENT};
    int port = fake_epmd_start(&config);
    struct epmd_names names;
    char error[256];
    bool killed = true;
    cr_assert_eq(epmd_names(port, &names, error, sizeof error), EPMD_NO_ANSWER, "%s", error);
    cr_assert_eq(epmd_kill(port, &killed, error, sizeof error), EPMD_NO_ANSWER, "%s", error);
    cr_assert_not(killed);
}

Test(epmd_client, kill_answers)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .kill_answer = "NO"};
    int port = fake_epmd_start(&config);
    char error[256];
    bool killed = true;
    cr_assert_eq(epmd_kill(port, &killed, error, sizeof error), EPMD_ANSWERED, "%s", error);
    cr_assert_not(killed);
    fake_epmd_stop();
    config.kill_answer = "OK";
    config.exit_on_kill = true;
    port = fake_epmd_start(&config);
    cr_assert_eq(epmd_kill(port, &killed, error, sizeof error), EPMD_ANSWERED, "%s", error);
    cr_assert(killed);
    cr_assert(epmd_wait_closed(port, 3000));
}

/* ---- the step ---- */

static struct step_context sc;

static void step_setup(void)
{
    unsetenv("ERL_EPMD_PORT");
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    step_context_open(&sc, NULL);
}

static void step_teardown(void)
{
    fake_epmd_stop();
    step_context_close(&sc);
    fixture_cleanup();
}

TestSuite(step_epmd, .init = step_setup, .fini = step_teardown);

static const struct lu_step_report *run_step(int port)
{
    sc.ctx.policy.epmd_port = port;
    epmd_run(&sc.ctx, NULL); /* no systemd: the cases with one give a fake systemctl */
    return step_context_result(&sc, STEP_EPMD);
}

/* The step with a fake systemctl (fake_systemctl.h): SOCKETS are what
 * `list-sockets` shows, NODE_STATES the node units' states. */
static const struct lu_step_report *run_step_systemd(int port, const char *sockets,
                                                     const char *node_states)
{
    sc.ctx.policy.epmd_port = port;
    epmd_run(&sc.ctx, fake_systemctl_install(&(struct fake_systemctl){
                          .sockets = sockets, .node_states = node_states}));
    return step_context_result(&sc, STEP_EPMD);
}

static void assert_message(const struct lu_step_report *step, const char *needle)
{
    cr_assert(strstr(step->message, needle), "message \"%s\" lacks \"%s\"", step->message, needle);
}

Test(step_epmd, skipped_when_root_is_not_the_host)
{
    sc.ctx.root_is_host = false;
    const struct lu_step_report *step = run_step(0);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED);
    assert_message(step, "set epmd_port");
}

Test(step_epmd, runs_for_a_root_whose_policy_names_the_port)
{
    sc.ctx.root_is_host = false;
    int port = fake_free_port();
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    assert_message(step, "no epmd on port");
}

Test(step_epmd, no_listener)
{
    int port = fake_free_port();
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    char expected[64];
    snprintf(expected, sizeof expected, "no epmd on port %d", port);
    cr_assert_str_eq(step->message, expected);
}

Test(step_epmd, port_from_environment)
{
    int port = fake_free_port();
    char value[16];
    snprintf(value, sizeof value, "%d", port);
    setenv("ERL_EPMD_PORT", value, 1);
    const struct lu_step_report *step = run_step(0);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    assert_message(step, value);
}

Test(step_epmd, policy_port_wins_over_environment)
{
    setenv("ERL_EPMD_PORT", "not-a-port", 1);
    int port = fake_free_port();
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
}

Test(step_epmd, bad_environment_port_fails)
{
    setenv("ERL_EPMD_PORT", "70000", 1);
    const struct lu_step_report *step = run_step(0);
    cr_assert_eq(step->status, LU_STATUS_FAILED);
    assert_message(step, "ERL_EPMD_PORT=\"70000\"");
}

Test(step_epmd, leofs_nodes_refuse)
{
    struct fake_epmd_config config = {
        .mode = FAKE_EPMD,
        .names = "name storage_0 at port 40001\nname rabbit at port 25672\n"
                 "name manager_0 at port 40002\n",
    };
    const struct lu_step_report *step = run_step(fake_epmd_start(&config));
    cr_assert_eq(step->status, LU_STATUS_REFUSED);
    cr_assert_str_eq(step->message, "LeoFS nodes are running on this host (storage_0, manager_0): "
                                    "stop them first, then retry the upgrade");
    cr_assert_eq(fake_epmd_requests('k'), 0);
    cr_assert(sc.ctx.refused);
}

Test(step_epmd, node_named_in_config_refuses)
{
    /* A custom nodename in the storage node's configuration. */
    char *conf = fixture_read("/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf");
    cr_assert(conf);
    char *at = strstr(conf, "nodename = storage_0@127.0.0.1");
    cr_assert(at);
    memcpy(at, "nodename = objects_a", 20);
    fixture_write("/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf", conf, 0644);
    free(conf);
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .names = "name objects_a at port 1\n"};
    const struct lu_step_report *step = run_step(fake_epmd_start(&config));
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    assert_message(step, "(objects_a)");
}

Test(step_epmd, unreadable_config_is_ignored)
{
    fixture_write("/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf", "not = [valid\n=\n",
                  0644);
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .names = "name objects_a at port 1\n"};
    const struct lu_step_report *step = run_step(fake_epmd_start(&config));
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
}

Test(step_epmd, other_nodes_warn)
{
    struct fake_epmd_config config = {
        .mode = FAKE_EPMD,
        .names = "name rabbit at port 25672\nname couchdb at port 9100\n",
    };
    int port = fake_epmd_start(&config);
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_WARNING);
    char expected[256];
    snprintf(expected, sizeof expected, "epmd on port %d serves nodes that are not LeoFS's "
             "(rabbit, couchdb): left running; leofs-epmd.socket cannot listen on port %d "
             "while it runs", port, port);
    cr_assert_str_eq(step->message, expected);
    cr_assert_eq(fake_epmd_requests('k'), 0);
}

Test(step_epmd, not_epmd_warns_with_pid_and_name)
{
    struct fake_epmd_config config = {.mode = FAKE_GARBAGE};
    int port = fake_epmd_start(&config);
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_WARNING);
    char comm[64], expected[256];
    cr_assert(process_comm(getpid(), comm, sizeof comm));
    snprintf(expected, sizeof expected, "port %d is held by pid %ld (%s), not epmd: left alone; "
             "leofs-epmd.socket cannot listen there", port, (long)getpid(), comm);
    cr_assert_str_eq(step->message, expected);
}

Test(step_epmd, silent_server_refuses_in_bounded_time)
{
    struct fake_epmd_config config = {.mode = FAKE_SILENT};
    int port = fake_epmd_start(&config);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    const struct lu_step_report *step = run_step(port);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    assert_message(step, "cannot tell whether LeoFS nodes run: check `ERL_EPMD_PORT=");
    cr_assert_lt(seconds, (EPMD_CONNECT_MS + EPMD_REPLY_MS) / 1000.0 + 1.5,
                 "took %.1f s", seconds);
}

Test(step_epmd, stale_epmd_kill_refused_is_not_signalled)
{
    /* Idle, answers NO to KILL_REQ; the process holding the port is this
     * test, which is not epmd: it must not be signalled. */
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .kill_answer = "NO"};
    int port = fake_epmd_start(&config);
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_FAILED, "%s", step->message);
    cr_assert_eq(fake_epmd_requests('k'), 1);
    cr_assert_eq(fake_epmd_requests('n'), 2, "NAMES is asked again before any signal");
    assert_message(step, "not proven to be epmd");
    char expected[64];
    snprintf(expected, sizeof expected, "kill %ld", (long)getpid());
    assert_message(step, expected);
    cr_assert_eq(step->change_count, 0);
}

Test(step_epmd, node_appearing_while_stopping_refuses)
{
    struct fake_epmd_config config = {
        .mode = FAKE_EPMD,
        .kill_answer = "NO",
        .names_later = "name storage_0 at port 40001\n",
    };
    const struct lu_step_report *step = run_step(fake_epmd_start(&config));
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    assert_message(step, "storage_0");
    cr_assert_eq(step->change_count, 0);
}

Test(step_epmd, stale_epmd_stopped_by_kill_request)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .kill_answer = "OK",
                                      .exit_on_kill = true};
    int port = fake_epmd_start(&config);
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    char expected[128];
    snprintf(expected, sizeof expected, "stopped stale epmd (pid %ld) on port %d", (long)getpid(),
             port);
    cr_assert_eq(step->change_count, 1);
    cr_assert_str_eq(step->changes[0], expected);
    char error[256];
    cr_assert_eq(epmd_probe(port, error, sizeof error), EPMD_NO_LISTENER);
}

Test(step_epmd, stale_epmd_dry_run)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .kill_answer = "OK",
                                      .exit_on_kill = true};
    int port = fake_epmd_start(&config);
    sc.ctx.dry_run = true;
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE, "%s", step->message);
    char expected[128];
    snprintf(expected, sizeof expected, "stop stale epmd (pid %ld) on port %d", (long)getpid(),
             port);
    cr_assert_str_eq(step->changes[0], expected);
    cr_assert_eq(fake_epmd_requests('k'), 0);
}

Test(step_epmd, stale_epmd_left_when_refused)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .kill_answer = "OK",
                                      .exit_on_kill = true};
    int port = fake_epmd_start(&config);
    sc.ctx.refused = true;
    const struct lu_step_report *step = run_step(port);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED, "%s", step->message);
    assert_message(step, "left running because the upgrade was refused");
    cr_assert_eq(fake_epmd_requests('k'), 0);
}

/* ---- with systemd: which unit holds the port ---- */

static int idle_epmd(void)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD, .kill_answer = "OK",
                                      .exit_on_kill = true};
    return fake_epmd_start(&config);
}

Test(step_epmd, another_socket_unit_refuses_naming_it)
{
    int port = idle_epmd();
    char sockets[256];
    snprintf(sockets, sizeof sockets, "/run/systemd/journal/socket systemd-journald.socket "
             "systemd-journald.service\n[::]:%d epmd.socket epmd.service\n", port);
    const struct lu_step_report *step = run_step_systemd(port, sockets, NULL);
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    char expected[512];
    snprintf(expected, sizeof expected, "port %d is held by epmd.socket, a systemd unit that is "
             "not LeoFS's: leofs-epmd.socket cannot listen there; run `systemctl disable --now "
             "epmd.socket epmd.service`, then retry the upgrade", port);
    cr_assert_str_eq(step->message, expected);
    cr_assert_eq(fake_epmd_requests('k'), 0);
    cr_assert_eq(step->change_count, 0);
}

Test(step_epmd, another_socket_unit_only_warns_below_1_3_8)
{
    int port = idle_epmd();
    char sockets[128];
    snprintf(sockets, sizeof sockets, "[::]:%d epmd.socket epmd.service\n", port);
    sc.request.new_version = "1.3.7";
    const struct lu_step_report *step = run_step_systemd(port, sockets, NULL);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    assert_message(step, "systemctl disable --now epmd.socket epmd.service");
    cr_assert_eq(fake_epmd_requests('k'), 0);
}

Test(step_epmd, leofs_socket_is_left_alone)
{
    int port = idle_epmd();
    char sockets[128];
    snprintf(sockets, sizeof sockets, "0.0.0.0:%d leofs-epmd.socket leofs-epmd.service\n", port);
    const struct lu_step_report *step = run_step_systemd(port, sockets, NULL);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    assert_message(step, "is LeoFS's, run by systemd (leofs-epmd.socket): left alone");
    cr_assert_eq(fake_epmd_requests('k'), 0);
}

Test(step_epmd, active_node_unit_refuses_without_epmd)
{
    int port = fake_free_port();
    const struct lu_step_report *step =
        run_step_systemd(port, NULL, "active\ninactive\ninactive\nactivating\n");
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    assert_message(step, "LeoFS node units are active (leofs-manager-master.service, "
                         "leofs-gateway.service)");
    assert_message(step, "then retry the upgrade");
}

Test(step_epmd, inactive_node_units_go_by_epmd)
{
    int port = fake_free_port();
    const struct lu_step_report *step = run_step_systemd(port, NULL, NULL);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    cr_assert(strstr(fake_systemctl_calls(), FAKE_NODE_UNITS_CALL), "%s", fake_systemctl_calls());
}

Test(step_epmd, broken_systemctl_goes_by_epmd_with_a_warning)
{
    int port = fake_free_port();
    fixture_write("/broken-systemctl", "#!/bin/sh\nexit 1\n", 0755);
    sc.ctx.policy.epmd_port = port;
    epmd_run(&sc.ctx, fixture_path("/broken-systemctl"));
    const struct lu_step_report *step = step_context_result(&sc, STEP_EPMD);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    cr_assert(fixture_log_has("cannot ask systemd whether LeoFS node units are active"), "%s",
              fixture_log());
}

/* ---- the pure /proc parsers ---- */

Test(process_parse, tcp_lines)
{
    unsigned long inode = 0;
    cr_assert(process_parse_tcp_line(
        "   0: 00000000:61A7 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
        "        0 54444 1 00000000f066cde2 100 0 0 10 0", 24999, &inode));
    cr_assert_eq(inode, 54444);
    cr_assert(process_parse_tcp_line(
        "   0: 00000000000000000000000000000000:1111 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000   990        0 54445 1 000000004e3c9df8 100 0 0 "
        "10 0", 4369, &inode));
    cr_assert_eq(inode, 54445);
    /* Established, not listening; another port; the header; a closing socket. */
    cr_assert_not(process_parse_tcp_line(
        "   8: 0100007F:61A7 0100007F:9B14 01 00000000:00000000 00:00000000 00000000     0"
        "        0 54472 1 00000000ace9d08e 20 4 31 11 -1", 24999, &inode));
    cr_assert_not(process_parse_tcp_line(
        "   0: 00000000:61A7 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
        "        0 54444 1 00000000f066cde2 100 0 0 10 0", 4369, &inode));
    cr_assert_not(process_parse_tcp_line(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode", 4369, &inode));
    cr_assert_not(process_parse_tcp_line(
        "   5: 00000000:1111 00000000:0000 0A 00000000:00000000 03:00001638 00000000     0"
        "        0 0 3 000000004103b093", 4369, &inode));
}

Test(process_parse, cgroup_units)
{
    cr_assert(process_cgroup_names_unit("0::/system.slice/leofs-epmd.service\n",
                                        "leofs-epmd.service"));
    cr_assert(process_cgroup_names_unit("12:pids:/\n1:name=systemd:/system.slice/"
                                        "leofs-epmd.service\n0::/\n", "leofs-epmd.service"));
    cr_assert_not(process_cgroup_names_unit("0::/system.slice/epmd.service\n",
                                            "leofs-epmd.service"));
    cr_assert_not(process_cgroup_names_unit("0::/system.slice/old-leofs-epmd.service\n",
                                            "leofs-epmd.service"));
    cr_assert_not(process_cgroup_names_unit("0::/user.slice/leofs-epmd.service.d/x\n",
                                            "leofs-epmd.service"));
    cr_assert_not(process_cgroup_names_unit("0::/\n", "leofs-epmd.service"));
}

Test(process_parse, cgroup_unit_of_a_process)
{
    char unit[256];
    cr_assert(process_cgroup_unit("0::/system.slice/epmd.service\n", unit, sizeof unit));
    cr_assert_str_eq(unit, "epmd.service");
    /* Hybrid: systemd's own hierarchy wins over the unified one. */
    cr_assert(process_cgroup_unit("9:name=systemd:/system.slice/leofs-epmd.service\n8:pids:/\n"
                                  "0::/init.scope\n", unit, sizeof unit));
    cr_assert_str_eq(unit, "leofs-epmd.service");
    cr_assert(process_cgroup_unit("0::/user.slice/user-0.slice/session-3.scope\n", unit,
                                  sizeof unit));
    cr_assert_str_eq(unit, "session-3.scope");
    /* A delegated subtree: the last unit on the path. */
    cr_assert(process_cgroup_unit("0::/system.slice/x.service/payload\n", unit, sizeof unit));
    cr_assert_str_eq(unit, "x.service");
    /* Outside this cgroup namespace, at the top, or in no unit. */
    cr_assert_not(process_cgroup_unit("9:name=systemd:/..\n0::/..\n", unit, sizeof unit));
    cr_assert_not(process_cgroup_unit("0::/\n", unit, sizeof unit));
    cr_assert_not(process_cgroup_unit("0::/system.slice\n", unit, sizeof unit));
    cr_assert_not(process_cgroup_unit("8:pids:/system.slice/a.service\n", unit, sizeof unit));
    cr_assert_not(process_cgroup_unit("", unit, sizeof unit));
}

Test(systemd_parse, socket_list)
{
    char unit[256], service[256];
    const char *list = "/run/initctl                 systemd-initctl.socket          "
                       "systemd-initctl.service\n"
                       "[::]:4369                    epmd.socket                     epmd.service\n"
                       "audit 1                      systemd-journald-audit.socket   "
                       "systemd-journald.service\n"
                       "route 1361                   systemd-networkd.socket         "
                       "systemd-networkd.service\n";
    cr_assert(systemd_parse_socket_list(list, 4369, unit, service));
    cr_assert_str_eq(unit, "epmd.socket");
    cr_assert_str_eq(service, "epmd.service");
    cr_assert_not(systemd_parse_socket_list(list, 1361, unit, service));
    cr_assert_not(systemd_parse_socket_list(list, 1, unit, service));
    cr_assert(systemd_parse_socket_list("0.0.0.0:4369 leofs-epmd.socket leofs-epmd.service",
                                        4369, unit, service));
    cr_assert_str_eq(unit, "leofs-epmd.socket");
    cr_assert(systemd_parse_socket_list("127.0.0.1:4369 a.socket\n", 4369, unit, service));
    cr_assert_str_eq(service, "");
    cr_assert_not(systemd_parse_socket_list("0.0.0.0:43690 a.socket b.service\n", 4369, unit,
                                            service));
    cr_assert_not(systemd_parse_socket_list("/run/x:4369 a.socket b.service\n", 4369, unit,
                                            service));
    cr_assert_not(systemd_parse_socket_list("", 4369, unit, service));
}

Test(systemd_parse, listen_port)
{
    cr_assert_eq(systemd_parse_listen_port("0.0.0.0:4369 (Stream)\n"), 4369);
    cr_assert_eq(systemd_parse_listen_port("[::]:4369 (Stream)"), 4369);
    cr_assert_eq(systemd_parse_listen_port("4370 (Stream)"), 4370);
    cr_assert_eq(systemd_parse_listen_port("[::]:4369 (Datagram)"), 0);
    cr_assert_eq(systemd_parse_listen_port(""), 0);
    cr_assert_eq(systemd_parse_listen_port("0.0.0.0:99999 (Stream)"), 0);
}
