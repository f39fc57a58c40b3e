/* test_crash.c: leofs-upgrade killed (SIGKILL) at every fault point of the
 * post phase of a realistic 1.3.7 -> 1.3.8 upgrade, then run again: the
 * tree must end exactly as after an uninterrupted run (paths, types,
 * modes, owners, link targets, contents), with no temporary file or link
 * left; the data parts moved into 1.3.8's dir exactly once (each
 * data-move point is one rename), its config relative. Needs a build
 * with LEOFS_FAULT_POINTS (tools/test turns it on). */
#include "fixture.h"
#include "scenario.h"
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

/* The names of the core's temporary files and links. */
static const char *const temp_names[] = {".leofs-upgrade-tmp", ".current.leofs-upgrade"};

static void post(const char *fault, struct tool_result *result)
{
    char setting[256];
    snprintf(setting, sizeof setting, "LEOFS_FAULT_AT=%s", fault ? fault : "");
    const char *env[] = {setting, "LEOFS_FAULT_COUNT=", NULL};
    scenario_post(env, NULL, NULL, result);
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
    scenario_build();
    char setting[128];
    snprintf(setting, sizeof setting, "LEOFS_FAULT_COUNT=%s", count_file);
    const char *env[] = {setting, NULL};
    static struct tool_result result;
    scenario_post(env, NULL, NULL, &result);
    cr_assert(result.exited, "the uninterrupted run ended by signal %d", result.signal);
    *status = result.exit_status;
    char *snapshot = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    /* The data is in the new version's dir, once, and its config says so
     * relatively: the snapshot every crash case must end with. */
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
    static const char *const expected[] = {"step", "data-move", "data-move-note", "takeover-write",
                                           "atomic-write", "atomic-sync", "current-swap",
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
            scenario_build();
            post(fault, &result);
            const char *problem = NULL;
            char detail[3000] = "";
            if (result.exited || result.signal != SIGKILL) {
                problem = "the fault point did not kill it";
                snprintf(detail, sizeof detail, "%s %d, %d stops; stderr: %.2000s",
                         result.exited ? "exited with" : "ended by signal",
                         result.exited ? result.exit_status : result.signal, result.stops,
                         result.err);
            } else {
                post(NULL, &result);
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
