/* test_crash.c: leofs-upgrade killed (SIGKILL) at every fault point of the
 * post phase, then run again: the tree must end exactly as after an
 * uninterrupted run (paths, types, modes, owners, link targets, contents),
 * with no temporary file or link left. Two post phases: a realistic 1.3.7
 * -> 1.3.8 upgrade (the data parts moved into 1.3.8's dir exactly once,
 * each data-move point being one rename, its config relative), and a
 * reinstall of 1.3.7 whose saved configuration is put back over the
 * shipped copies dpkg unpacked. Needs a build with LEOFS_FAULT_POINTS
 * (tools/test turns it on). */
#include "fixture.h"
#include "scenario.h"
#include "tool_run.h"
#include "tree_snapshot.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The names of the core's temporary files and links. */
static const char *const temp_names[] = {".leofs-upgrade-tmp", ".current.leofs-upgrade"};

/* One post phase to crash: how its root is made, how it is run, what an
 * uninterrupted run must have done, the fault points it must reach. */
struct matrix {
    void (*build)(void);
    void (*run)(const char *const *env, struct tool_result *result);
    void (*check)(void);
    const char *const *expected;
    size_t expected_count;
};

static void run_upgrade(const char *const *env, struct tool_result *result)
{
    scenario_post(env, NULL, NULL, result);
}

static void post(const struct matrix *m, const char *fault, struct tool_result *result)
{
    char setting[256];
    snprintf(setting, sizeof setting, "LEOFS_FAULT_AT=%s", fault ? fault : "");
    const char *env[] = {setting, "LEOFS_FAULT_COUNT=", NULL};
    m->run(env, result);
}

/* The data is in the new version's dir, once, and its config says so
 * relatively: the snapshot every crash case of the upgrade must end with. */
static void check_upgrade(void)
{
    static const char *const moved[] = {"leo_storage/avs/object/0.avs",
                                        "leo_storage/work/queue/1/message0",
                                        "leo_manager_0/work/queue/1/message0",
                                        "leo_gateway/cache/data/0",
                                        "leo_storage/snmp/snmpa_storage_0/db/snmp_config_db"};
    for (size_t i = 0; i < sizeof moved / sizeof *moved; i++) {
        char path[256];
        snprintf(path, sizeof path, "/usr/local/leofs/1.3.8/%s", moved[i]);
        cr_assert(fixture_exists(path), "%s is not in the new version's dir", path);
        snprintf(path, sizeof path, "/usr/local/leofs/1.3.7/%s", moved[i]);
        cr_assert_not(fixture_exists(path), "%s is still in the old version's dir", path);
    }
    char *conf = fixture_read("/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf");
    cr_assert(conf && strstr(conf, "obj_containers.path = [/var/leofs/avs, ./avs]\n") &&
              strstr(conf, "queue_dir = ./work/queue\n"), "%s", conf ? conf : "(none)");
    free(conf);
    cr_assert(fixture_exists("/usr/local/leofs/1.3.7/leo_storage/DATA-MOVED"));
}

/* The reinstall: 1.3.7 installed and edited (leo_storage's etc the
 * runner's, leo_gateway's root's alone), its configuration saved by the
 * pre phase, then the shipped copies unpacked over the edits. */
#define V7 "/usr/local/leofs/1.3.7"
static const char reinstall_storage[] = "## edited by the operator\nlog.log_level = 3\n";
static const char reinstall_gateway[] = "## edited by the operator\nhttp.port = 8081\n";

static void shipped_over(const char *path, const char *content)
{
    fixture_write(path, content, 0644);
    struct timespec times[2] = {{1577836800, 0}, {1577836800, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, fixture_path(path), times, AT_SYMLINK_NOFOLLOW), 0);
}

static void build_reinstall(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    fixture_symlink("1.3.7", "/usr/local/leofs/current");
    char *storage = fixture_read(V7 "/leo_storage/etc/leo_storage.conf");
    char *gateway = fixture_read(V7 "/leo_gateway/etc/leo_gateway.conf");
    fixture_write(V7 "/leo_storage/etc/leo_storage.conf", reinstall_storage, 0644);
    fixture_write(V7 "/leo_gateway/etc/leo_gateway.conf", reinstall_gateway, 0640);
    fixture_chown(V7 "/leo_storage/etc", FIXTURE_LEOFS_UID, FIXTURE_LEOFS_GID);
    struct lu_request request = fixture_request();
    cr_assert_eq(lu_run_save(&request, "1.3.7", NULL), LU_OUTCOME_OK, "%s", fixture_log());
    shipped_over(V7 "/leo_storage/etc/leo_storage.conf", storage);
    shipped_over(V7 "/leo_gateway/etc/leo_gateway.conf", gateway);
    free(storage);
    free(gateway);
}

static void run_reinstall(const char *const *env, struct tool_result *result)
{
    scenario_post_version("1.3.7", env, NULL, NULL, result);
}

static void check_reinstall(void)
{
    char *conf = fixture_read(V7 "/leo_storage/etc/leo_storage.conf");
    cr_assert(conf && strcmp(conf, reinstall_storage) == 0, "%s", conf ? conf : "(none)");
    free(conf);
    conf = fixture_read(V7 "/leo_gateway/etc/leo_gateway.conf");
    cr_assert(conf && strcmp(conf, reinstall_gateway) == 0, "%s", conf ? conf : "(none)");
    free(conf);
    cr_assert(fixture_exists(V7 "/leo_storage/etc/leo_storage.conf.leofs-dist"));
    cr_assert(fixture_exists(V7 "/leo_gateway/etc/leo_gateway.conf.leofs-replaced"));
    cr_assert_not(fixture_exists("/var/lib/leofs-upgrade-hooks/saved/1.3.7"));
}

struct point {
    char name[64];
    unsigned hits;
};

/* Run once uninterrupted, counting fault point hits; returns the snapshot. */
static char *reference(const struct matrix *m, struct point *points, size_t *count, int *status)
{
    char count_file[] = "/tmp/lu-fault-count-XXXXXX";
    int fd = mkstemp(count_file);
    cr_assert(fd >= 0);
    close(fd);
    m->build();
    char setting[128];
    snprintf(setting, sizeof setting, "LEOFS_FAULT_COUNT=%s", count_file);
    const char *env[] = {setting, NULL};
    static struct tool_result result;
    m->run(env, &result);
    cr_assert(result.exited, "the uninterrupted run ended by signal %d", result.signal);
    *status = result.exit_status;
    char *snapshot = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    m->check();
    fixture_cleanup();

    FILE *hits = fopen(count_file, "r");
    cr_assert(hits);
    char line[128];
    *count = 0;
    while (fgets(line, sizeof line, hits)) {
        line[strcspn(line, "\n")] = '\0';
        size_t i = 0;
        while (i < *count && strcmp(points[i].name, line) != 0)
            i++;
        if (i == *count) {
            cr_assert(*count < 16);
            snprintf(points[(*count)++].name, sizeof points[0].name, "%.60s", line);
        }
        points[i].hits++;
    }
    fclose(hits);
    unlink(count_file);
    return snapshot;
}

static void crash_matrix(const struct matrix *m)
{
    struct point points[16] = {0};
    size_t point_count;
    int want_status;
    char *want = reference(m, points, &point_count, &want_status);
    cr_assert_eq(want_status, 0, "the uninterrupted post phase succeeds");
    for (size_t t = 0; t < sizeof temp_names / sizeof *temp_names; t++)
        cr_assert_eq(tree_snapshot_count_names(want, temp_names[t]), 0);
    /* Every kind of point is reached by this post phase. */
    for (size_t e = 0; e < m->expected_count; e++) {
        bool found = false;
        for (size_t i = 0; i < point_count; i++)
            found |= strcmp(points[i].name, m->expected[e]) == 0;
        cr_assert(found, "fault point %s was not reached", m->expected[e]);
    }

    unsigned tried = 0, passed = 0;
    char first_failure[4096] = "";
    static struct tool_result result;
    for (size_t i = 0; i < point_count; i++) {
        for (unsigned n = 1; n <= points[i].hits; n++) {
            char fault[96];
            snprintf(fault, sizeof fault, "%s:%u", points[i].name, n);
            tried++;
            m->build();
            post(m, fault, &result);
            const char *problem = NULL;
            char detail[3000] = "";
            if (result.exited || result.signal != SIGKILL) {
                problem = "the fault point did not kill it";
                snprintf(detail, sizeof detail, "%s %d, %d stops; stderr: %.2000s",
                         result.exited ? "exited with" : "ended by signal",
                         result.exited ? result.exit_status : result.signal, result.stops,
                         result.err);
            } else {
                post(m, NULL, &result);
                char *got = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
                if (!result.exited || result.exit_status != want_status) {
                    problem = "the re-run did not succeed";
                    snprintf(detail, sizeof detail, "%.2000s", result.err);
                } else if (strcmp(got, want) != 0) {
                    problem = "the tree differs from an uninterrupted run's";
                    snprintf(detail, sizeof detail, "%.2900s", tree_snapshot_difference(got, want));
                } else {
                    for (size_t t = 0; t < sizeof temp_names / sizeof *temp_names; t++)
                        if (tree_snapshot_count_names(got, temp_names[t]))
                            problem = "a temporary file was left";
                }
                free(got);
            }
            fixture_cleanup();
            if (!problem)
                passed++;
            else if (!first_failure[0])
                snprintf(first_failure, sizeof first_failure, "%s: %s: %s", fault, problem, detail);
        }
    }
    fprintf(stderr, "crash: fault points:");
    for (size_t i = 0; i < point_count; i++)
        fprintf(stderr, " %s=%u", points[i].name, points[i].hits);
    fprintf(stderr, "\ncrash: %u cases tried, %u passed\n", tried, passed);
    free(want);
    cr_assert_eq(passed, tried, "%u of %u crash cases failed; first: %s", tried - passed, tried,
                 first_failure);
}

Test(crash, killed_at_every_fault_point_then_rerun_ends_like_an_uninterrupted_run,
     .fini = fixture_cleanup, .timeout = 600)
{
    static const char *const expected[] = {"step", "data-move", "data-move-note", "takeover-write",
                                           "atomic-write", "atomic-sync", "current-swap",
                                           "walk-chown", "pipe-dir-remove"};
    struct matrix m = {scenario_build, run_upgrade, check_upgrade, expected,
                       sizeof expected / sizeof *expected};
    crash_matrix(&m);
}

Test(crash, a_reinstall_killed_at_every_fault_point_then_rerun_ends_like_an_uninterrupted_one,
     .fini = fixture_cleanup, .timeout = 600)
{
    static const char *const expected[] = {"step", "takeover-write", "atomic-write",
                                           "atomic-sync", "walk-chown"};
    struct matrix m = {build_reinstall, run_reinstall, check_reinstall, expected,
                       sizeof expected / sizeof *expected};
    crash_matrix(&m);
}
