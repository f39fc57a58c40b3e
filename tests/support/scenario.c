/* scenario.c: the upgrade in progress the crash, fault and race tests use
 * (see scenario.h). */
#include "scenario.h"
#include "fixture.h"
#include "tree_snapshot.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define OLD "/usr/local/leofs/1.3.7"

void scenario_build(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    fixture_leofs_ship("1.3.8");
    fixture_write(OLD "/leo_storage/etc/leo_storage.conf",
                  "## edited by the operator\n"
                  "managers = [manager_0@10.0.0.1, manager_1@10.0.0.2]\n"
                  "obj_containers.path = [/var/leofs/avs, ./avs]\n"
                  "obj_containers.num_of_containers = [16, 8]\n"
                  "log.log_level = 2\n"
                  "queue_dir = ./work/queue\n"
                  "nodename = storage_0@10.0.0.3\n",
                  0644);
    fixture_write(OLD "/leo_gateway/etc/leo_gateway.environment",
                  "RUNNER_USER=leofs\nMAX_OPEN_FILES=65536\n", 0644);
    fixture_write(OLD "/leo_gateway/etc/leo_gateway.conf",
                  "http.port = 8081\ncache.cache_disc_dir_data = ./cache/data\n", 0644);
    fixture_write("/var/leofs/avs/object/0.avs", "objects", 0644);
    fixture_write("/var/leofs/avs/object/1.avs", "more objects", 0644);
    fixture_write("/var/leofs/avs/metadata/0/000003.log", "meta", 0644);
    fixture_symlink("1.3.7", "/usr/local/leofs/current");
    /* run_erl's two pipes */
    fixture_mkdir("/tmp/usr/local/leofs/1.3.7/leo_storage", 0755);
    cr_assert_eq(mkfifo(fixture_path("/tmp/usr/local/leofs/1.3.7/leo_storage/erlang.pipe.1.r"), 0644), 0);
    cr_assert_eq(mkfifo(fixture_path("/tmp/usr/local/leofs/1.3.7/leo_storage/erlang.pipe.1.w"), 0644), 0);
}

void scenario_post_version(const char *version, const char *const *env, tool_stop_fn *on_stop,
                           void *data, struct tool_result *result)
{
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "post",
                          version, NULL};
    tool_run(argv, env, on_stop, data, result);
}

void scenario_post(const char *const *env, tool_stop_fn *on_stop, void *data,
                   struct tool_result *result)
{
    scenario_post_version("1.3.8", env, on_stop, data, result);
}

char *scenario_reference(void)
{
    const char *saved = getenv("TMPDIR");
    char *copy = saved ? strdup(saved) : NULL;
    unsetenv("TMPDIR");
    scenario_build();
    static struct tool_result result;
    scenario_post(NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 0, "the uninterrupted run failed: %s",
              result.err);
    char *snapshot = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    fixture_cleanup();
    if (copy)
        setenv("TMPDIR", copy, 1);
    free(copy);
    return snapshot;
}
