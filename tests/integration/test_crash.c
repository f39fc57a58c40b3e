/* test_crash.c: leofs-upgrade killed (SIGKILL) at every fault point of the
 * post phase of a realistic 1.3.7 -> 1.3.8 upgrade, then run again: the
 * tree must end exactly as after an uninterrupted run (paths, types,
 * modes, owners, link targets, contents), with no temporary file or link
 * left. Needs a build with LEOFS_FAULT_POINTS (tools/test turns it on). */
#include "fixture.h"
#include "tool_run.h"
#include "tree_snapshot.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OLD "/usr/local/leofs/1.3.7"
#define NEW "/usr/local/leofs/1.3.8"
#define COOKIE ".erlang.cookie" /* random when created: compared by size */

/* The names of the core's temporary files and links. */
static const char *const temp_names[] = {".leofs-upgrade-tmp", ".current.leofs-upgrade"};

/* 1.3.7 installed and edited by its operator, 1.3.8 just unpacked beside
 * it, "current" still at 1.3.7, a stale root-owned /tmp/usr, no cookie. */
static void upgrade_in_progress(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    fixture_leofs_install("1.3.8");
    fixture_write(OLD "/leo_storage/etc/leo_storage.conf",
                  "## edited by the operator\n"
                  "managers = [manager_0@10.0.0.1, manager_1@10.0.0.2]\n"
                  "obj_containers.path = [/var/leofs/avs, ./avs]\n"
                  "obj_containers.num_of_containers = [16, 8]\n"
                  "log.log_level = 2\n"
                  "queue_dir = ./work/queue\n"
                  "nodename = storage_0@10.0.0.3\n",
                  0644);
    fixture_write(OLD "/leo_gateway/etc/leo_gateway.environment", "RUNNER_USER=leofs\n"
                  "MAX_OPEN_FILES=65536\n", 0644);
    fixture_write(OLD "/leo_gateway/etc/leo_gateway.conf",
                  "http.port = 8081\ncache.cache_disc_dir_data = ./cache/data\n", 0644);
    fixture_write("/var/leofs/avs/object/0.avs", "objects", 0644);
    fixture_write("/var/leofs/avs/object/1.avs", "more objects", 0644);
    fixture_write("/var/leofs/avs/metadata/0/000003.log", "meta", 0644);
    fixture_symlink("1.3.7", "/usr/local/leofs/current");
    fixture_write("/tmp/usr/local/leofs/1.3.7/leo_storage/erlang.pipe.1.r", "", 0644);
    fixture_write("/tmp/usr/local/leofs/1.3.7/leo_storage/erlang.pipe.1.w", "", 0644);
}

static void post(const char *fault, struct tool_result *result)
{
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "-q",
                          "post", "1.3.8", NULL};
    char setting[256];
    snprintf(setting, sizeof setting, "LEOFS_FAULT_AT=%s", fault ? fault : "");
    const char *env[] = {setting, "LEOFS_FAULT_COUNT=", NULL};
    tool_run(argv, env, NULL, NULL, result);
}

struct point {
    char name[64];
    unsigned hits;
};

/* Run once uninterrupted, counting fault point hits; returns the snapshot. */
static char *reference(struct point *points, size_t *count, int *status)
{
    char count_file[] = "/tmp/lu-fault-count-XXXXXX";
    int fd = mkstemp(count_file);
    cr_assert(fd >= 0);
    close(fd);
    upgrade_in_progress();
    char setting[128];
    snprintf(setting, sizeof setting, "LEOFS_FAULT_COUNT=%s", count_file);
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "-q",
                          "post", "1.3.8", NULL};
    const char *env[] = {setting, NULL};
    static struct tool_result result;
    tool_run(argv, env, NULL, NULL, &result);
    cr_assert(result.exited, "the uninterrupted run ended by signal %d", result.signal);
    *status = result.exit_status;
    char *snapshot = tree_snapshot(fixture_path(""), COOKIE);
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

Test(crash, killed_at_every_fault_point_then_rerun_ends_like_an_uninterrupted_run,
     .fini = fixture_cleanup, .timeout = 600)
{
    struct point points[16] = {0};
    size_t point_count;
    int want_status;
    char *want = reference(points, &point_count, &want_status);
    cr_assert_eq(want_status, 0, "the uninterrupted post phase succeeds");
    for (size_t t = 0; t < sizeof temp_names / sizeof *temp_names; t++)
        cr_assert_eq(tree_snapshot_count_names(want, temp_names[t]), 0);
    /* Every kind of point is reached by this upgrade. */
    static const char *const expected[] = {"step", "takeover-write", "atomic-write", "current-swap",
                                           "walk-chown", "pipe-dir-remove"};
    for (size_t e = 0; e < sizeof expected / sizeof *expected; e++) {
        bool found = false;
        for (size_t i = 0; i < point_count; i++)
            found |= strcmp(points[i].name, expected[e]) == 0;
        cr_assert(found, "fault point %s was not reached", expected[e]);
    }

    unsigned tried = 0, passed = 0;
    char first_failure[4096] = "";
    static struct tool_result result;
    for (size_t i = 0; i < point_count; i++) {
        for (unsigned n = 1; n <= points[i].hits; n++) {
            char fault[96];
            snprintf(fault, sizeof fault, "%s:%u", points[i].name, n);
            tried++;
            upgrade_in_progress();
            post(fault, &result);
            const char *problem = NULL;
            char detail[3000] = "";
            if (result.exited || result.signal != SIGKILL) {
                problem = "the fault point did not kill it";
            } else {
                post(NULL, &result);
                char *got = tree_snapshot(fixture_path(""), COOKIE);
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
