/* test_takeover.c: the config-takeover step on LeoFS-shaped roots, 1.3.2
 * (and 1.3.7) to 1.3.8, with config files written from LeoFS's documented
 * defaults: operator values kept, new keys added, data paths kept where
 * the data is, removed keys kept as comments, comments and CRLF kept, bad
 * input writing nothing, re-runs and dry runs changing nothing. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OLD "/usr/local/leofs/1.3.2"
#define NEW "/usr/local/leofs/1.3.8"
#define OLD_STORAGE OLD "/leo_storage/etc/leo_storage.conf"
#define NEW_STORAGE NEW "/leo_storage/etc/leo_storage.conf"
#define NEW_STORAGE_DIST NEW_STORAGE ".leofs-dist"
#define OLD_MANAGER OLD "/leo_manager_0/etc/leo_manager.conf"
#define NEW_MANAGER NEW "/leo_manager_0/etc/leo_manager.conf"

/* leo_storage.conf as LeoFS 1.3.2 ships it (abridged). */
static const char storage_132[] =
    "## LeoFS - LeoStorage Configuration\n"
    "## --------------------------------------------------------------------\n"
    "## SASL\n"
    "## --------------------------------------------------------------------\n"
    "sasl.sasl_error_log = ./log/sasl/sasl-error.log\n"
    "sasl.error_logger_mf_dir = ./log/sasl\n"
    "\n"
    "## Manager's nodes\n"
    "managers = [manager_0@127.0.0.1, manager_1@127.0.0.1]\n"
    "\n"
    "## --------------------------------------------------------------------\n"
    "## STORAGE\n"
    "## --------------------------------------------------------------------\n"
    "## Object container\n"
    "obj_containers.path = [./avs]\n"
    "obj_containers.num_of_containers = [8]\n"
    "## e.g. Case of plural pathes\n"
    "## obj_containers.path = [/var/leofs/avs/1, /var/leofs/avs/2]\n"
    "\n"
    "## Metadata storage\n"
    "obj_containers.metadata_storage = leveldb\n"
    "\n"
    "## MQ\n"
    "mq.num_of_mq_procs = 8\n"
    "## mq.num_of_batch_process_max = 3000\n"
    "\n"
    "## Log\n"
    "log.log_level = 1\n"
    "log.erlang = ./log/erlang\n"
    "log.app = ./log/app\n"
    "log.member_dir = ./log/ring\n"
    "log.ring_dir = ./log/ring\n"
    "queue_dir = ./work/queue\n"
    "leo_ordning_reda.temp_stacked_dir = work/ord_reda/\n"
    "erlang.crash_dump = ./log/erl_crash.dump\n"
    "\n"
    "## Node\n"
    "nodename = storage_0@127.0.0.1\n"
    "distributed_cookie = 401321b4\n";

/* The same file as the operator left it in 1.3.2. */
static const char storage_132_edited[] =
    "## LeoFS - LeoStorage Configuration\n"
    "sasl.sasl_error_log = ./log/sasl/sasl-error.log\n"
    "sasl.error_logger_mf_dir = ./log/sasl\n"
    "managers = [manager_0@10.0.0.1, manager_1@10.0.0.2]\n"
    "## two disks: one outside LeoFS's dir, the first one inside it\n"
    "obj_containers.path = [/mnt/avs1, ./avs]\n"
    "obj_containers.num_of_containers = [64, 8]\n"
    "obj_containers.metadata_storage = leveldb\n"
    "mq.num_of_mq_procs = 8\n"
    "mq.num_of_batch_process_max = 5000\n"
    "log.log_level = 2\n"
    "log.erlang = ./log/erlang\n"
    "log.app = /var/log/leofs/app\n"
    "log.member_dir = ./log/ring\n"
    "log.ring_dir = ./log/ring\n"
    "queue_dir = ./work/queue\n"
    "leo_ordning_reda.temp_stacked_dir = work/ord_reda/\n"
    "erlang.crash_dump = ./log/erl_crash.dump\n"
    "nodename = storage_0@10.0.0.5\n"
    "distributed_cookie = 401321b4\n"
    "my.custom_tuning = 42\n";

/* leo_storage.conf as LeoFS 1.3.8 ships it (abridged). */
static const char storage_138[] =
    "## LeoFS - LeoStorage Configuration\n"
    "## --------------------------------------------------------------------\n"
    "## SASL\n"
    "## --------------------------------------------------------------------\n"
    "sasl.sasl_error_log = ./log/sasl/sasl-error.log\n"
    "sasl.error_logger_mf_dir = ./log/sasl\n"
    "\n"
    "## Manager's nodes\n"
    "managers = [manager_0@127.0.0.1, manager_1@127.0.0.1]\n"
    "\n"
    "## --------------------------------------------------------------------\n"
    "## STORAGE\n"
    "## --------------------------------------------------------------------\n"
    "## Object container\n"
    "obj_containers.path = [./avs]\n"
    "obj_containers.num_of_containers = [8]\n"
    "## e.g. Case of plural pathes\n"
    "## obj_containers.path = [/var/leofs/avs/1, /var/leofs/avs/2]\n"
    "\n"
    "## Mode of the data synchronization - [none, periodic, writethrough]\n"
    "## - default:none\n"
    "obj_containers.sync_mode = none\n"
    "\n"
    "## Interval in ms of the data synchronization - default: 1000ms\n"
    "obj_containers.sync_interval_in_ms = 1000\n"
    "\n"
    "## Metadata storage\n"
    "obj_containers.metadata_storage = leveldb\n"
    "\n"
    "## MQ\n"
    "mq.num_of_mq_procs = 8\n"
    "## mq.num_of_batch_process_max = 3000\n"
    "mq.num_of_del_dir_workers = 3\n"
    "\n"
    "## Watchdog\n"
    "watchdog.msgs.is_enabled = false\n"
    "os_mon.disk_space_check_interval = 1\n"
    "\n"
    "## Log\n"
    "log.log_level = 1\n"
    "log.access_log_level = 0\n"
    "log.erlang = ./log/erlang\n"
    "log.app = ./log/app\n"
    "log.member_dir = ./log/ring\n"
    "log.ring_dir = ./log/ring\n"
    "queue_dir = ./work/queue\n"
    "leo_ordning_reda.temp_stacked_dir = work/ord_reda/\n"
    "erlang.crash_dump = ./log/erl_crash.dump\n"
    "\n"
    "## Node\n"
    "nodename = storage_0@127.0.0.1\n"
    "distributed_cookie = 401321b4\n";

static const char manager_132[] =
    "## LeoFS - LeoManager Configuration\n"
    "manager.partner = manager_1@127.0.0.1\n"
    "console.port.cui = 10010\n"
    "console.port.json = 10020\n"
    "consistency.num_of_replicas = 1\n"
    "mnesia.dir = ./work/mnesia/127.0.0.1\n"
    "log.log_level = 1\n"
    "log.erlang = ./log/erlang\n"
    "log.app = ./log/app\n"
    "queue_dir = ./work/queue\n"
    "nodename = manager_0@127.0.0.1\n"
    "distributed_cookie = 401321b4\n";

static const char manager_138[] =
    "## LeoFS - LeoManager Configuration\n"
    "manager.partner = manager_1@127.0.0.1\n"
    "console.port.cui = 10010\n"
    "console.port.json = 10020\n"
    "consistency.num_of_replicas = 1\n"
    "\n"
    "## --------------------------------------------------------------------\n"
    "## MANAGER - Multi DataCenter Settings\n"
    "## --------------------------------------------------------------------\n"
    "## A number of replication targets\n"
    "mdc_replication.max_targets = 2\n"
    "## A number of replicas per a datacenter\n"
    "mdc_replication.num_of_replicas_a_dc = 1\n"
    "## MDC replication / A number of replicas needed for a successful WRITE operation\n"
    "mdc_replication.consistency.write = 1\n"
    "## MDC replication / A number of replicas needed for a successful READ operation\n"
    "mdc_replication.consistency.read = 1\n"
    "## MDC replication / A number of replicas needed for a successful DELETE operation\n"
    "mdc_replication.consistency.delete = 1\n"
    "\n"
    "mnesia.dir = ./work/mnesia/127.0.0.1\n"
    "log.log_level = 1\n"
    "log.erlang = ./log/erlang\n"
    "log.app = ./log/app\n"
    "queue_dir = ./work/queue\n"
    "nodename = manager_0@127.0.0.1\n"
    "distributed_cookie = 401321b4\n";

static struct lu_report *report;
static const struct lu_step_report *step;

static void install(const char *old_version)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install(old_version);
    fixture_leofs_install("1.3.8");
}

static void setup(void)
{
    install("1.3.2");
    fixture_write(OLD_STORAGE, storage_132_edited, 0644);
    fixture_write(NEW_STORAGE, storage_138, 0640);
    fixture_chown(NEW_STORAGE, FIXTURE_LEOFS_UID, FIXTURE_LEOFS_GID);
    fixture_write(OLD_MANAGER, manager_132, 0644);
    fixture_write(NEW_MANAGER, manager_138, 0644);
    fixture_mkdir(OLD "/leo_manager_0/work/mnesia/127.0.0.1", 0755);
}

static void teardown(void)
{
    lu_report_free(report);
    report = NULL;
    fixture_cleanup();
}

/* Run the post phase (dry or not) and find our step. */
static void run_post(bool dry_run)
{
    struct lu_request request = fixture_request();
    request.dry_run = dry_run;
    lu_report_free(report);
    lu_run_post(&request, &report);
    step = lu_report_find(report, "config-takeover");
    cr_assert_not_null(step);
}

static bool has_change(const char *needle)
{
    for (size_t i = 0; i < step->change_count; i++)
        if (strstr(step->changes[i], needle))
            return true;
    return false;
}

static void assert_file(const char *path, const char *want)
{
    char *data = fixture_read(path);
    cr_assert_not_null(data, "%s is missing", path);
    cr_assert_str_eq(data, want, "%s differs", path);
    free(data);
}

static void assert_contains(const char *path, const char *needle)
{
    char *data = fixture_read(path);
    cr_assert_not_null(data, "%s is missing", path);
    cr_assert(strstr(data, needle), "%s lacks '%s':\n%s", path, needle, data);
    free(data);
}

TestSuite(takeover, .init = setup, .fini = teardown);

Test(takeover, storage_132_to_138)
{
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    char *data = fixture_read(NEW_STORAGE);
    /* operator values kept */
    cr_assert(strstr(data, "\nmanagers = [manager_0@10.0.0.1, manager_1@10.0.0.2]\n"), "%s", data);
    cr_assert(strstr(data, "\nobj_containers.num_of_containers = [64, 8]\n"));
    cr_assert(strstr(data, "\nlog.log_level = 2\n"));
    cr_assert(strstr(data, "\nlog.app = /var/log/leofs/app\n"), "custom path outside kept");
    cr_assert(strstr(data, "\nnodename = storage_0@10.0.0.5\n"));
    /* both versions hold data (the fixture fills both): nothing moves, so the
     * relative paths into the old dir are made absolute, as before the data move */
    cr_assert(strstr(data, "\nobj_containers.path = [/mnt/avs1, /usr/local/leofs/1.3.2/leo_storage/avs]\n"),
              "%s", data);
    cr_assert(strstr(data, "\nqueue_dir = /usr/local/leofs/1.3.2/leo_storage/work/queue\n"));
    /* logs start afresh in the new dir; nothing there to point at stays relative */
    cr_assert(strstr(data, "\nlog.erlang = ./log/erlang\n"));
    cr_assert(strstr(data, "\nleo_ordning_reda.temp_stacked_dir = work/ord_reda/\n"));
    /* new keys with their new defaults, in the new file's place, with its comments */
    cr_assert(strstr(data, "## Mode of the data synchronization - [none, periodic, writethrough]\n"
                           "## - default:none\n"
                           "obj_containers.sync_mode = none\n"));
    cr_assert(strstr(data, "\nobj_containers.sync_interval_in_ms = 1000\n"));
    cr_assert(strstr(data, "\nwatchdog.msgs.is_enabled = false\n"));
    /* a key the new file has commented out: set after its comment */
    cr_assert(strstr(data, "## mq.num_of_batch_process_max = 3000\nmq.num_of_batch_process_max = 5000\n"));
    /* a key the new version does not know: kept as a comment at the end */
    cr_assert(strstr(data, "\n# my.custom_tuning = 42\n"), "%s", data);
    cr_assert(strstr(data, "distributed_cookie = 401321b4\n\n## leofs-upgrade: settings of LeoFS "
                           "1.3.2 that LeoFS 1.3.8 does not know"));
    free(data);

    /* the shipped file is kept beside it, the old one untouched */
    assert_file(NEW_STORAGE_DIST, storage_138);
    assert_file(OLD_STORAGE, storage_132_edited);
    uid_t uid;
    gid_t gid;
    mode_t mode;
    fixture_stat(NEW_STORAGE, &uid, &gid, &mode);
    cr_assert_eq(uid, FIXTURE_LEOFS_UID, "owner kept");
    cr_assert_eq(gid, FIXTURE_LEOFS_GID);
    cr_assert_eq(mode & 07777, 0640, "mode kept: %o", mode & 07777);
    fixture_stat(NEW_STORAGE_DIST, &uid, NULL, &mode);
    cr_assert_eq(uid, FIXTURE_LEOFS_UID);
    cr_assert_eq(mode & 07777, 0640);
    cr_assert_not(fixture_exists(NEW "/leo_storage/etc/.leo_storage.conf.leofs-upgrade-tmp"));

    /* the report */
    cr_assert(has_change("leo_storage/leo_storage.conf: kept log.log_level = 2 (LeoFS 1.3.8 ships 1)"));
    cr_assert(has_change("added obj_containers.sync_mode = none (new in LeoFS 1.3.3)"));
    cr_assert(has_change("added watchdog.msgs.is_enabled = false (new in LeoFS 1.3.8)"));
    cr_assert(has_change("adjusted obj_containers.path = [/mnt/avs1, "
                         "/usr/local/leofs/1.3.2/leo_storage/avs] (was [/mnt/avs1, ./avs]"));
    cr_assert(has_change("dropped my.custom_tuning = 42 (not in LeoFS 1.3.8's file"));
    cr_assert_not(has_change("mq.num_of_mq_procs"), "unchanged values are not reported");
    cr_assert(strstr(step->message, "from 1.3.2 to 1.3.8: "), "%s", step->message);
    cr_assert(strstr(step->message, "leo_storage: 6 kept, 6 added, 2 adjusted, 1 dropped"), "%s",
              step->message);
    cr_assert(fixture_log_has("warning: config-takeover: leo_storage/leo_storage.conf: dropped"));

    char *json = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&json, &size);
    lu_report_write_json(report, out);
    fclose(out);
    cr_assert(strstr(json, "{\"name\":\"config-takeover\",\"status\":\"changed\""), "%s", json);
    cr_assert(strstr(json, "dropped my.custom_tuning = 42"));
    free(json);
}

Test(takeover, manager_gets_mdc_keys_and_keeps_mnesia)
{
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    char *data = fixture_read(NEW_MANAGER);
    cr_assert(strstr(data, "## A number of replication targets\nmdc_replication.max_targets = 2\n"));
    /* The data-move step moved mnesia into 1.3.8 first: the path stays relative. */
    cr_assert(strstr(data, "\nmnesia.dir = ./work/mnesia/127.0.0.1\n"), "%s", data);
    cr_assert(fixture_exists(NEW "/leo_manager_0/work/mnesia/127.0.0.1"));
    cr_assert_not(fixture_exists(OLD "/leo_manager_0/work/mnesia"));
    free(data);
    cr_assert(has_change("leo_manager_0/leo_manager.conf: added mdc_replication.consistency.read = 1 "
                         "(new in LeoFS 1.3.3)"));
}

Test(takeover, rerun_is_a_noop)
{
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    char *first = fixture_read(NEW_STORAGE);
    struct stat before, after;
    cr_assert_eq(lstat(fixture_path(NEW_STORAGE), &before), 0);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    cr_assert_eq(step->change_count, 0);
    cr_assert(strstr(step->message, "leo_storage: already taken over"), "%s", step->message);
    cr_assert_eq(lstat(fixture_path(NEW_STORAGE), &after), 0);
    cr_assert_eq(before.st_ino, after.st_ino, "not renamed again");
    cr_assert_eq(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    assert_file(NEW_STORAGE, first);
    assert_file(NEW_STORAGE_DIST, storage_138);
    free(first);
}

Test(takeover, dry_run_writes_nothing)
{
    run_post(true);
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE, "%s", step->message);
    cr_assert(has_change("adjusted obj_containers.path"));
    assert_file(NEW_STORAGE, storage_138);
    cr_assert_not(fixture_exists(NEW_STORAGE_DIST));
    cr_assert_not(fixture_exists(NEW "/leo_manager_0/etc/leo_manager.conf.leofs-dist"));
}

Test(takeover, edited_after_takeover_is_left_alone)
{
    run_post(false);
    fixture_write(NEW_STORAGE, "## mine now\nlog.log_level = 3\n", 0640);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(strstr(step->message, "changed since the takeover"), "%s", step->message);
    assert_file(NEW_STORAGE, "## mine now\nlog.log_level = 3\n");
}

static void assert_failed_and_untouched(const char *want)
{
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_FAILED, "%s", step->message);
    cr_assert(strstr(step->message, want), "message '%s' lacks '%s'", step->message, want);
    assert_file(NEW_STORAGE, storage_138);
    cr_assert_not(fixture_exists(NEW_STORAGE_DIST), "nothing written for the node");
    /* the other nodes are taken over */
    cr_assert(fixture_exists(NEW "/leo_manager_0/etc/leo_manager.conf.leofs-dist"));
}

Test(takeover, malformed_line_writes_nothing_for_the_node)
{
    fixture_write(OLD_STORAGE, "## ok\nlog.log_level = 2\nlog.app /var/log\n", 0644);
    assert_failed_and_untouched(OLD_STORAGE ":3: expected 'key = value', found 'log.app /var/log'");
}

Test(takeover, duplicate_key_writes_nothing)
{
    fixture_write(OLD_STORAGE, "queue_dir = /a\nlog.log_level = 2\nqueue_dir = /b\n", 0644);
    assert_failed_and_untouched(OLD_STORAGE ":3: 'queue_dir' is set again (first on line 1)");
}

Test(takeover, binary_garbage_writes_nothing)
{
    fixture_write(OLD_STORAGE, "log.log_level = 2\n\x7f" "ELF\x02\x01\x01", 0644);
    assert_failed_and_untouched("holds binary data");
}

Test(takeover, malformed_old_environment_writes_nothing)
{
    fixture_write(OLD "/leo_storage/etc/leo_storage.environment", "RUNNER_USER='leofs\n", 0644);
    assert_failed_and_untouched("leo_storage.environment:1: unterminated quote");
}

Test(takeover, symlinked_config_file_is_refused)
{
    fixture_write("/tmp/elsewhere.conf", storage_138, 0644);
    cr_assert_eq(unlink(fixture_path(NEW_STORAGE)), 0);
    fixture_symlink("/tmp/elsewhere.conf", NEW_STORAGE);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_FAILED, "%s", step->message);
    cr_assert(strstr(step->message, "is a symlink"), "%s", step->message);
    assert_file("/tmp/elsewhere.conf", storage_138);
    struct stat st;
    cr_assert_eq(lstat(fixture_path(NEW_STORAGE), &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
}

Test(takeover, unreadable_old_file_writes_nothing)
{
    cr_assert_eq(unlink(fixture_path(OLD_STORAGE)), 0);
    fixture_mkdir(OLD_STORAGE, 0755); /* a directory where the file should be */
    assert_failed_and_untouched("is not a regular file");
}

static bool all_crlf(const char *text)
{
    for (const char *p = text; (p = strchr(p, '\n')); p++)
        if (p == text || p[-1] != '\r')
            return false;
    return true;
}

static char *to_crlf(const char *text)
{
    char *out = malloc(2 * strlen(text) + 1), *o = out;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            *o++ = '\r';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

Test(takeover, crlf_files_stay_crlf)
{
    char *old = to_crlf(storage_132_edited), *shipped = to_crlf(storage_138);
    fixture_write(OLD_STORAGE, old, 0644);
    fixture_write(NEW_STORAGE, shipped, 0644);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    char *data = fixture_read(NEW_STORAGE);
    cr_assert(all_crlf(data), "mixed line ends:\n%s", data);
    cr_assert(strstr(data, "\r\nlog.log_level = 2\r\n"));
    cr_assert(strstr(data, "\r\n# my.custom_tuning = 42\r\n"));
    assert_file(NEW_STORAGE_DIST, shipped);
    free(data);
    free(old);
    free(shipped);
}

Test(takeover, missing_node_dir_is_skipped)
{
    char path[512];
    snprintf(path, sizeof path, "rm -rf '%s'", fixture_path(OLD "/leo_gateway"));
    cr_assert_eq(system(path), 0);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert_not(fixture_exists(NEW "/leo_gateway/etc/leo_gateway.conf.leofs-dist"));
    cr_assert(fixture_exists(NEW_STORAGE_DIST));
    cr_assert(fixture_log_has("detail: config-takeover: leo_gateway: LeoFS 1.3.2 left no node dir"));
}

Test(takeover, global_config_is_skipped)
{
    fixture_write("/etc/leofs/leofs.conf", "GLOBAL_CONFIG=yes\n", 0644);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED, "%s", step->message);
    cr_assert(strstr(step->message, "persistent configuration (GLOBAL_CONFIG=yes"), "%s", step->message);
    assert_file(NEW_STORAGE, storage_138);
}

Test(takeover, no_older_version_is_skipped)
{
    char path[512];
    snprintf(path, sizeof path, "rm -rf '%s'", fixture_path(OLD));
    cr_assert_eq(system(path), 0);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED, "%s", step->message);
    cr_assert(strstr(step->message, "no LeoFS version older than 1.3.8"), "%s", step->message);
}

Test(takeover, policy_turns_it_off)
{
    fixture_write("/etc/leofs/upgrade.conf", "config-takeover = off\n", 0644);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED);
    cr_assert(strstr(step->message, "turned off"), "%s", step->message);
    assert_file(NEW_STORAGE, storage_138);
}

Test(takeover, runs_first_in_the_post_phase_after_the_data_move)
{
    run_post(true);
    cr_assert_str_eq(lu_report_step(report, 0)->name, "data-move");
    cr_assert_str_eq(lu_report_step(report, 1)->name, "config-takeover");
}

Test(takeover, old_shipped_copy_tells_defaults_from_edits)
{
    /* 1.3.2's shipped value differs from 1.3.8's: with the old shipped copy
     * beside the old file, a value equal to it is the old default. */
    char *old_shipped = strdup(storage_132), *old = strdup(storage_132_edited);
    memcpy(strstr(old_shipped, "mq.num_of_mq_procs = 8"), "mq.num_of_mq_procs = 4", 22);
    memcpy(strstr(old, "mq.num_of_mq_procs = 8"), "mq.num_of_mq_procs = 4", 22);
    fixture_write(OLD_STORAGE, old, 0644);
    fixture_write(OLD_STORAGE ".rpmnew", old_shipped, 0644);
    run_post(false);
    cr_assert(has_change("new default mq.num_of_mq_procs = 8 (4 was LeoFS 1.3.2's default)"));
    assert_contains(NEW_STORAGE, "\nmq.num_of_mq_procs = 8\n");
    free(old_shipped);
    free(old);
}

Test(takeover, without_old_shipped_copy_a_differing_value_is_kept)
{
    char *old = strdup(storage_132_edited);
    memcpy(strstr(old, "mq.num_of_mq_procs = 8"), "mq.num_of_mq_procs = 4", 22);
    fixture_write(OLD_STORAGE, old, 0644);
    run_post(false);
    cr_assert(has_change("kept mq.num_of_mq_procs = 4 (LeoFS 1.3.8 ships 8)"));
    free(old);
}

/* 1.3.2's edited file with obj_containers.path = PATH (a "[...]" list). */
static void old_storage_with_path(const char *path)
{
    static const char line[] = "obj_containers.path = [/mnt/avs1, ./avs]\n";
    const char *at = strstr(storage_132_edited, line);
    cr_assert_not_null(at);
    char *edited = NULL;
    cr_assert_geq(asprintf(&edited, "%.*sobj_containers.path = %s\n%s",
                           (int)(at - storage_132_edited), storage_132_edited, path,
                           at + strlen(line)), 0);
    fixture_write(OLD_STORAGE, edited, 0644);
    free(edited);
}

/* A data path an earlier takeover (or the operator) pointed into a third
 * version's dir is kept, but that dir must stay: the step warns, saying
 * which dir and how to make the new version self-contained. */
Test(takeover, data_path_into_another_version_dir_is_kept_with_a_warning)
{
    old_storage_with_path("[/mnt/avs1, /usr/local/leofs/1.3.1/leo_storage/avs]");
    fixture_write("/usr/local/leofs/1.3.1/leo_storage/avs/object/0.avs", "data", 0644);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(has_change("kept obj_containers.path = [/mnt/avs1, /usr/local/leofs/1.3.1/leo_storage/avs]: "
                         "the data stays in LeoFS 1.3.1's dir, so do not remove /usr/local/leofs/1.3.1"),
              "%s", step->message);
    cr_assert(strstr(step->message, "1 pinned to an old version dir"), "%s", step->message);
    assert_contains(NEW_STORAGE, "\nobj_containers.path = [/mnt/avs1, /usr/local/leofs/1.3.1/leo_storage/avs]\n");
    cr_assert(fixture_log_has("do not remove /usr/local/leofs/1.3.1"), "a warning: %s", fixture_log());
}

/* A path that only holds the words elsewhere is no version dir. */
Test(takeover, a_path_only_naming_a_version_dir_further_in_is_not_pinned)
{
    old_storage_with_path("[/mnt/usr/local/leofs/1.3.1/avs]");
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert(has_change("kept obj_containers.path = [/mnt/usr/local/leofs/1.3.1/avs] (LeoFS 1.3.8 ships"),
              "%s", step->message);
}

Test(takeover, old_file_saved_as_rpmsave_is_used)
{
    cr_assert_eq(rename(fixture_path(OLD_STORAGE), fixture_path(OLD_STORAGE ".rpmsave")), 0);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    assert_contains(NEW_STORAGE, "\nlog.log_level = 2\n");
}

Test(takeover, old_file_erased_keeps_only_data_paths)
{
    cr_assert_eq(unlink(fixture_path(OLD_STORAGE)), 0);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    assert_contains(NEW_STORAGE, "\nobj_containers.path = [/usr/local/leofs/1.3.2/leo_storage/avs]\n");
    assert_contains(NEW_STORAGE, "\nlog.log_level = 1\n");
}

Test(takeover, explicit_run_and_bad_versions)
{
    struct lu_request request = fixture_request();
    cr_assert_eq(lu_run_takeover(&request, "1.3.2", "1.3.8", &report), LU_OUTCOME_OK);
    step = lu_report_find(report, "config-takeover");
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert_eq(lu_report_step_count(report), 2); /* data-move, config-takeover */
    lu_report_free(report);
    cr_assert_eq(lu_run_takeover(&request, NULL, NULL, &report), LU_OUTCOME_OK);
    cr_assert_eq(lu_report_find(report, "config-takeover")->status, LU_STATUS_UNCHANGED);
    lu_report_free(report);
    cr_assert_eq(lu_run_takeover(&request, "1.3.5", NULL, &report), LU_OUTCOME_CONFIG_ERROR);
    lu_report_free(report);
    cr_assert_eq(lu_run_takeover(&request, "1.3.8", "1.3.8", &report), LU_OUTCOME_CONFIG_ERROR);
    lu_report_free(report);
    /* A downgrade's takeover (the newer version's settings carried back). */
    cr_assert_neq(lu_run_takeover(&request, "1.3.8", "1.3.2", &report), LU_OUTCOME_CONFIG_ERROR);
    cr_assert(strstr(lu_report_find(report, "config-takeover")->message, "from 1.3.8 to 1.3.2"),
              "%s", lu_report_find(report, "config-takeover")->message);
    lu_report_free(report);
    cr_assert_eq(lu_run_takeover(&request, "../etc", NULL, &report), LU_OUTCOME_CONFIG_ERROR);
}

TestSuite(takeover_137, .init = NULL, .fini = teardown);

Test(takeover_137, removed_key_and_environment)
{
    install("1.3.7");
    const char *storage_137 = "## LeoFS 1.3.7\n"
                              "obj_containers.path = [/mnt/avs]\n"
                              "## Directory of the deletion state of buckets\n"
                              "del_bucket_state_dir = ./work/del_dir/\n"
                              "nodename = storage_0@127.0.0.1\n";
    fixture_write("/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf", storage_137, 0644);
    fixture_write(NEW_STORAGE, "## LeoFS 1.3.8\nobj_containers.path = [./avs]\n"
                               "watchdog.msgs.is_enabled = false\nnodename = storage_0@127.0.0.1\n",
                  0644);
    fixture_write("/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.environment",
                  "## Environment\nRUNNER_USER=root\nRUNNER_LOG_DIR=/var/log/leofs/storage\n"
                  "ERL_CRASH_DUMP_SECONDS=0\n", 0644);
    fixture_write(NEW "/leo_storage/etc/leo_storage.environment",
                  "## Environment\nRUNNER_USER=\n#RUNNER_LOG_DIR=\n", 0644);
    run_post(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    assert_file(NEW_STORAGE, "## LeoFS 1.3.8\nobj_containers.path = [/mnt/avs]\n"
                             "watchdog.msgs.is_enabled = false\nnodename = storage_0@127.0.0.1\n"
                             "\n## leofs-upgrade: settings of LeoFS 1.3.7 that LeoFS 1.3.8 does not "
                             "know, turned off\n# del_bucket_state_dir = ./work/del_dir/\n");
    cr_assert(has_change("dropped del_bucket_state_dir = ./work/del_dir/ (removed in LeoFS 1.3.8; "
                         "kept as a comment)"));
    assert_file(NEW "/leo_storage/etc/leo_storage.environment",
                "## Environment\nRUNNER_USER=root\n#RUNNER_LOG_DIR=\n"
                "RUNNER_LOG_DIR=/var/log/leofs/storage\n"
                "\n## leofs-upgrade: kept from LeoFS 1.3.7\nERL_CRASH_DUMP_SECONDS=0\n");
    cr_assert(has_change("leo_storage/leo_storage.environment: kept RUNNER_USER (set otherwise"));
    cr_assert_not(fixture_log_has("RUNNER_USER=root"), "environment values are never logged: %s",
                  fixture_log());
    cr_assert_not(fixture_log_has("ERL_CRASH_DUMP_SECONDS=0"), "%s", fixture_log());
    cr_assert(fixture_exists(NEW "/leo_storage/etc/leo_storage.environment.leofs-dist"));
}
