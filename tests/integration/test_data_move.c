/* test_data_move.c: the data-move step on LeoFS-shaped roots: 1.3.7 with
 * data, 1.3.8 as its package ships it. The data parts move into 1.3.8's
 * node dirs once, the config stays relative and the old version dir can
 * go; a downgrade brings them back; re-runs, dry runs and the policy's
 * `data-move = off` change nothing; parts that must not move (symlink,
 * mount point, data in both, an untrusted source dir) stay with a warning,
 * and the runner user's attacks (through setpriv) do not steer root. */
#include "config_save.h"
#include "fake_epmd.h"
#include "fixture.h"
#include "tool_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define OLD "/usr/local/leofs/1.3.7"
#define NEW "/usr/local/leofs/1.3.8"
#define LEOFS 990
#define STORAGE_CONF "/leo_storage/etc/leo_storage.conf"

static struct lu_report *report;
static const struct lu_step_report *step;

static void upgrade_root(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    fixture_leofs_ship("1.3.8");
    fixture_mkdir(OLD "/leo_manager_0/work/mnesia/127.0.0.1", 0755);
    fixture_write(OLD "/leo_manager_0/work/mnesia/127.0.0.1/schema.DAT", "schema", 0644);
    fixture_write(OLD "/leo_storage/work/ord_reda/stack.0", "stacked", 0644);
    fixture_write(OLD STORAGE_CONF, "obj_containers.path = [./avs]\nqueue_dir = ./work/queue\n"
                  "log.log_level = 2\n", 0644);
    fixture_write(NEW STORAGE_CONF, "obj_containers.path = [./avs]\nlog.log_level = 1\n", 0644);
    /* The package's mode for the data dirs (rpm's %attr(2755,leofs,leofs)). */
    cr_assert_eq(chmod(fixture_path(NEW "/leo_storage/avs"), 02755), 0);
    fixture_chown(NEW "/leo_storage/avs", LEOFS, LEOFS);
    fixture_symlink("1.3.7", "/usr/local/leofs/current");
}

static void teardown(void)
{
    lu_report_free(report);
    report = NULL;
    fixture_cleanup();
}

static enum lu_outcome run(const char *old_version, const char *new_version, bool dry_run)
{
    struct lu_request request = fixture_request();
    request.old_version = old_version;
    request.new_version = new_version;
    request.dry_run = dry_run;
    lu_report_free(report);
    enum lu_outcome outcome = lu_run_post(&request, &report);
    step = lu_report_find(report, "data-move");
    cr_assert_not_null(step);
    return outcome;
}

static bool has_change(const char *needle)
{
    for (size_t i = 0; i < step->change_count; i++)
        if (strstr(step->changes[i], needle))
            return true;
    return false;
}

static void assert_contains(const char *path, const char *needle)
{
    char *data = fixture_read(path);
    cr_assert(data && strstr(data, needle), "%s lacks '%s':\n%s", path, needle, data ? data : "");
    free(data);
}

/* The data of every node, as upgrade_root made it, is under VERSION's dir
 * and not under OTHER's. */
static void assert_data_in(const char *version, const char *other)
{
    static const char *const parts[] = {
        "leo_storage/avs/object/0.avs",          "leo_storage/avs/metadata/0/000001.log",
        "leo_storage/work/queue/1/message0",     "leo_gateway/cache/data/0",
        "leo_storage/work/ord_reda/stack.0",
        "leo_manager_0/work/mnesia/127.0.0.1/schema.DAT",
        "leo_manager_1/work/queue/1/message0",   "leo_gateway/snmp/snmpa_gateway_0/db/snmp_config_db",
    };
    char path[256];
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        snprintf(path, sizeof path, "/usr/local/leofs/%s/%s", version, parts[i]);
        cr_assert(fixture_exists(path), "%s is missing\n%s", path, fixture_log());
        snprintf(path, sizeof path, "/usr/local/leofs/%s/%s", other, parts[i]);
        cr_assert_not(fixture_exists(path), "%s is still there", path);
    }
}

static void remove_tree(const char *path)
{
    const char *argv[] = {"/bin/rm", "-rf", fixture_path(path), NULL};
    struct tool_result result;
    tool_run(argv, NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 0);
}

/* The notes of all nodes are made durable together before any rename.
 * When one cannot be written, the nodes whose note is in place move, the
 * others move nothing and say so (no note claims a move that did not
 * happen), and a re-run once it can be written moves the rest. */
Test(data_move, a_note_that_cannot_be_written_moves_nothing_of_its_node, .init = upgrade_root,
     .fini = teardown)
{
    fixture_write(OLD "/leo_storage/DATA-MOVED/in-the-way", "a dir, not a note", 0644);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_FAILED, "%s", fixture_log());
    cr_assert_eq(step->status, LU_STATUS_FAILED, "%s", step->message);
    cr_assert(fixture_log_has("leo_storage: cannot write ") &&
              fixture_log_has("DATA-MOVED: Is a directory; nothing of it moved"), "%s",
              fixture_log());
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
    cr_assert_not(fixture_exists(NEW "/leo_storage/avs/object/0.avs"));
    for (const char *const *node = (const char *const[]){"leo_manager_0", "leo_manager_1",
                                                         "leo_gateway", NULL};
         *node; node++) {
        char note[128], queue[128];
        snprintf(note, sizeof note, OLD "/%s/DATA-MOVED", *node);
        snprintf(queue, sizeof queue, NEW "/%s/work/queue/1/message0", *node);
        /* A node moved exactly when its note is there. */
        cr_assert_eq(fixture_exists(note), fixture_exists(queue), "%s: note %d, data %d\n%s",
                     *node, fixture_exists(note), fixture_exists(queue), fixture_log());
    }
    remove_tree(OLD "/leo_storage/DATA-MOVED");
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    assert_data_in("1.3.8", "1.3.7");
    assert_contains(OLD "/leo_gateway/DATA-MOVED", "cache -> ");
    assert_contains(OLD "/leo_storage/DATA-MOVED", "avs -> ");
}

Test(data_move, upgrade_moves_the_data_and_the_old_dir_can_go, .init = upgrade_root,
     .fini = teardown)
{
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert(strstr(step->message, "avs, work/queue, work/ord_reda, snmp/snmpa_storage_0/db of "
                                    "leo_storage"), "%s", step->message);
    cr_assert(strstr(step->message, "work/queue, work/mnesia, snmp/snmpa_manager_0/db of "
                                    "leo_manager_0"), "%s", step->message);
    cr_assert(strstr(step->message, "from 1.3.7 to 1.3.8"), "%s", step->message);
    assert_data_in("1.3.8", "1.3.7");
    /* The packaged mode of the dir it replaced (rpm -V stays clean). */
    mode_t mode;
    uid_t uid;
    fixture_stat(NEW "/leo_storage/avs", &uid, NULL, &mode);
    cr_assert_eq(mode & 07777, 02755);
    cr_assert_eq(uid, LEOFS);
    /* The config keeps its relative paths. */
    assert_contains(NEW STORAGE_CONF, "obj_containers.path = [./avs]\n");
    assert_contains(NEW STORAGE_CONF, "log.log_level = 2\n");
    char *conf = fixture_read(NEW STORAGE_CONF);
    cr_assert_null(strstr(conf, OLD), "%s", conf);
    free(conf);
    assert_contains(OLD "/leo_storage/DATA-MOVED",
                    "avs -> /usr/local/leofs/1.3.8/leo_storage/avs\n");
    assert_contains(OLD "/leo_storage/DATA-MOVED", "No data of the node is left in this dir.\n");
    /* One INFO line for the step, the moves at DETAIL. */
    cr_assert(fixture_log_has("info: data-move: moved work/queue, work/mnesia"), "%s",
              fixture_log());
    cr_assert(fixture_log_has("detail: data-move: move /usr/local/leofs/1.3.7/leo_storage/avs to "
                              "/usr/local/leofs/1.3.8/leo_storage/avs"), "%s", fixture_log());

    /* The operator tidies up: nothing is lost, current/ leads to the data. */
    remove_tree(OLD);
    cr_assert(fixture_exists("/usr/local/leofs/current/leo_storage/avs/object/0.avs"));
    cr_assert(fixture_exists("/usr/local/leofs/current/leo_storage/work/queue/1/message0"));
    cr_assert(fixture_exists(
        "/usr/local/leofs/current/leo_manager_0/work/mnesia/127.0.0.1/schema.DAT"));
}

Test(data_move, rerun_and_dry_run_change_nothing, .init = upgrade_root, .fini = teardown)
{
    cr_assert_eq(run("1.3.7", "1.3.8", true), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE, "%s", step->message);
    cr_assert(has_change("move /usr/local/leofs/1.3.7/leo_storage/avs to "
                         "/usr/local/leofs/1.3.8/leo_storage/avs"));
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
    cr_assert_not(fixture_exists(OLD "/leo_storage/DATA-MOVED"));

    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    char *note = fixture_read(OLD "/leo_storage/DATA-MOVED");
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    cr_assert_eq(step->change_count, 0);
    char *again = fixture_read(OLD "/leo_storage/DATA-MOVED");
    cr_assert_str_eq(again, note);
    free(note);
    free(again);
    /* Without the request's versions (leofs-upgrade post): the newest older one. */
    cr_assert_eq(run(NULL, "1.3.8", false), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    assert_data_in("1.3.8", "1.3.7");
}

Test(data_move, downgrade_brings_the_data_back, .init = upgrade_root, .fini = teardown)
{
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    /* rpm -U --oldpackage 1.3.7: its files are unpacked again, empty dirs. */
    fixture_leofs_ship("1.3.7");
    cr_assert_eq(run("1.3.8", "1.3.7", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    cr_assert(strstr(step->message, "from 1.3.8 to 1.3.7"), "%s", step->message);
    assert_data_in("1.3.7", "1.3.8");
    cr_assert_not(fixture_exists(OLD "/leo_storage/DATA-MOVED"), "the note here is no longer true");
    assert_contains(NEW "/leo_storage/DATA-MOVED",
                    "avs -> /usr/local/leofs/1.3.7/leo_storage/avs\n");
    assert_contains(OLD STORAGE_CONF, "obj_containers.path = [./avs]\n");
    /* ... and up again. */
    fixture_leofs_ship("1.3.8");
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    assert_data_in("1.3.8", "1.3.7");
    cr_assert_not(fixture_exists(NEW "/leo_storage/DATA-MOVED"));
}

Test(data_move, downgrade_without_the_versions_finds_the_data, .init = upgrade_root,
     .fini = teardown)
{
    /* dpkg's file trigger knows only the version now installed. An older
     * version dir that the data left long ago holds only its note. */
    fixture_mkdir("/usr/local/leofs/1.3.5/leo_storage", 0755);
    fixture_write("/usr/local/leofs/1.3.5/leo_storage/DATA-MOVED", "moved\n", 0644);
    cr_assert_eq(run(NULL, "1.3.8", false), LU_OUTCOME_OK);
    assert_data_in("1.3.8", "1.3.7");
    fixture_leofs_ship("1.3.7");
    cr_assert_eq(run(NULL, "1.3.7", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(strstr(step->message, "from 1.3.8 to 1.3.7"), "%s", step->message);
    assert_data_in("1.3.7", "1.3.8");
}

/* dpkg's trigger names no version: the one the last pre phase saw
 * installed does, also over a stale save of another version (left by an
 * earlier run that warned) and when nothing was saved (GLOBAL_CONFIG); the
 * post phase forgets it once it ended well. */
Test(data_move, the_version_the_pre_phase_saw_is_the_source, .init = upgrade_root,
     .fini = teardown)
{
    fixture_mkdir("/var/lib/leofs-upgrade-hooks/saved/1.3.5/leo_storage", 0700);
    fixture_leofs_ship("1.3.9");
    struct lu_request request = fixture_request();
    cr_assert_eq(lu_run_save(&request, "1.3.7", NULL), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(fixture_exists(CONFIG_SAVE_REPLACED));
    /* 1.3.9 is the newest, yet 1.3.8 is what the package manager installs. */
    cr_assert_eq(run(NULL, "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(strstr(step->message, "from 1.3.7 to 1.3.8"), "%s", step->message);
    assert_data_in("1.3.8", "1.3.7");
    cr_assert_not(fixture_exists(CONFIG_SAVE_REPLACED), "forgotten after a post that ended well");
    /* Nothing saved (GLOBAL_CONFIG=yes), the note still written. */
    fixture_write("/etc/leofs/leofs.conf", "GLOBAL_CONFIG=yes\n", 0644);
    cr_assert_eq(lu_run_save(&request, "1.3.8", NULL), LU_OUTCOME_OK, "%s", fixture_log());
    char *note = fixture_read(CONFIG_SAVE_REPLACED);
    cr_assert_str_eq(note, "1.3.8\n");
    free(note);
    cr_assert_eq(run(NULL, "1.3.9", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(strstr(step->message, "from 1.3.8 to 1.3.9"), "%s", step->message);
    assert_data_in("1.3.9", "1.3.8");
}

/* A note someone other than root wrote is not believed. */
Test(data_move, a_replaced_note_not_roots_is_ignored, .init = upgrade_root, .fini = teardown)
{
    fixture_write(CONFIG_SAVE_REPLACED, "1.3.5\n", 0644);
    fixture_chown(CONFIG_SAVE_REPLACED, LEOFS, LEOFS);
    fixture_mkdir("/usr/local/leofs/1.3.5/leo_storage/avs", 0755);
    cr_assert_eq(run(NULL, "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(strstr(step->message, "from 1.3.7 to 1.3.8"), "%s", step->message);
}

/* rpm -i beside an installed version (its refusal turned off): that version
 * keeps its data. */
Test(data_move, nothing_replaced_moves_nothing, .init = upgrade_root, .fini = teardown)
{
    struct lu_request request = fixture_request();
    request.new_version = "1.3.8";
    request.replaced_nothing = true;
    lu_run_post(&request, &report);
    step = lu_report_find(report, "data-move");
    cr_assert_eq(step->status, LU_STATUS_SKIPPED, "%s", step->message);
    assert_data_in("1.3.7", "1.3.8");
}

/* An empty data dir in the old version (an idle node's work/ord_reda)
 * holds nothing to keep: the config is not tied to the old dir for it. */
Test(data_move, an_empty_old_part_does_not_pin_the_config, .init = upgrade_root,
     .fini = teardown)
{
    remove_tree(OLD "/leo_storage/work/ord_reda/stack.0");
    fixture_write(OLD STORAGE_CONF, "obj_containers.path = [./avs]\nqueue_dir = ./work/queue\n"
                  "leo_ordning_reda.temp_stacked_dir = work/ord_reda/\nlog.log_level = 2\n", 0644);
    fixture_write(NEW STORAGE_CONF, "obj_containers.path = [./avs]\n"
                  "leo_ordning_reda.temp_stacked_dir = work/ord_reda/\nlog.log_level = 1\n", 0644);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    assert_contains(NEW STORAGE_CONF, "\nleo_ordning_reda.temp_stacked_dir = work/ord_reda/\n");
    char *conf = fixture_read(NEW STORAGE_CONF);
    cr_assert_null(strstr(conf, OLD), "%s", conf);
    free(conf);
}

Test(data_move, policy_keeps_the_data_in_place, .init = upgrade_root, .fini = teardown)
{
    fixture_write("/etc/leofs/upgrade.conf", "data-move = off\n", 0644);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED);
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
    /* The takeover points at the data as it always did. */
    assert_contains(NEW STORAGE_CONF,
                    "obj_containers.path = [/usr/local/leofs/1.3.7/leo_storage/avs]\n");
}

Test(data_move, data_in_both_versions_is_never_split, .init = upgrade_root, .fini = teardown)
{
    fixture_write(NEW "/leo_storage/avs/object/9.avs", "new data", 0644);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.7/leo_storage/avs: LeoFS 1.3.8's avs holds "
                              "data too"), "%s", fixture_log());
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
    cr_assert_not(fixture_exists(NEW "/leo_storage/avs/object/0.avs"));
    /* The other parts moved; the config points at the avs that stayed. */
    cr_assert(fixture_exists(NEW "/leo_storage/work/queue/1/message0"));
    assert_contains(NEW STORAGE_CONF,
                    "obj_containers.path = [/usr/local/leofs/1.3.7/leo_storage/avs]\n");
    assert_contains(OLD "/leo_storage/DATA-MOVED", "avs stays here: ");
    assert_contains(OLD "/leo_storage/DATA-MOVED", "do not remove it");
}

Test(data_move, a_symlink_is_not_followed_nor_moved, .init = upgrade_root, .fini = teardown)
{
    fixture_mkdir("/srv/disk/avs/object", 0755);
    fixture_write("/srv/disk/avs/object/0.avs", "on a bigger disk", 0644);
    remove_tree(OLD "/leo_storage/avs");
    fixture_symlink("/srv/disk/avs", OLD "/leo_storage/avs");
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.7/leo_storage/avs: it is a symlink"), "%s",
              fixture_log());
    struct stat st;
    cr_assert_eq(lstat(fixture_path(OLD "/leo_storage/avs"), &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
    cr_assert(fixture_exists(NEW "/leo_storage/avs"));
    cr_assert_not(fixture_exists(NEW "/leo_storage/avs/object"));
}

Test(data_move, a_mount_point_stays, .init = upgrade_root, .fini = teardown)
{
    fixture_hide_proc(); /* a private mount namespace */
    cr_assert_eq(mount("lu-avs", fixture_path(OLD "/leo_storage/avs"), "tmpfs", 0, "mode=0755"), 0);
    fixture_write(OLD "/leo_storage/avs/object/0.avs", "on its own filesystem", 0644);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.7/leo_storage/avs: it is a mount point"), "%s",
              fixture_log());
    cr_assert(fixture_log_has("To move it by hand with the node stopped: rmdir "), "%s",
              fixture_log());
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.8/leo_storage/avs; mv "), "%s", fixture_log());
    cr_assert(fixture_log_has("then set the node's path back to ./avs"), "%s", fixture_log());
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
    assert_contains(NEW STORAGE_CONF,
                    "obj_containers.path = [/usr/local/leofs/1.3.7/leo_storage/avs]\n");
    umount(fixture_path(OLD "/leo_storage/avs"));
}

Test(data_move, another_filesystem_stays, .init = upgrade_root, .fini = teardown)
{
    fixture_hide_proc(); /* a private mount namespace */
    cr_assert_eq(mount("lu-work", fixture_path(NEW "/leo_storage/work"), "tmpfs", 0, "mode=0755"),
                 0);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.7/leo_storage/work/queue: LeoFS 1.3.8's dir is "
                              "on another filesystem"), "%s", fixture_log());
    cr_assert(fixture_exists(OLD "/leo_storage/work/queue/1/message0"));
    cr_assert(fixture_exists(NEW "/leo_storage/avs/object/0.avs"), "avs is on the same one");
    assert_contains(OLD "/leo_storage/DATA-MOVED", "work/queue stays here: ");
    umount(fixture_path(NEW "/leo_storage/work"));
}

Test(data_move, a_failed_rename_leaves_the_part_as_it_was, .init = upgrade_root,
     .fini = teardown)
{
    /* A bind mount of the same filesystem: same st_dev, so only the
     * rename itself fails (EBUSY), after the packaged mode was applied. */
    fixture_hide_proc();
    fixture_write("/srv/avs/object/0.avs", "bound", 0644);
    cr_assert_eq(chmod(fixture_path("/srv/avs"), 0750), 0);
    cr_assert_eq(mount(fixture_path("/srv/avs"), fixture_path(OLD "/leo_storage/avs"), NULL,
                       MS_BIND, NULL), 0);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.7/leo_storage/avs: rename failed: "), "%s",
              fixture_log());
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
    cr_assert_not(fixture_exists(NEW "/leo_storage/avs/object"));
    /* Its mode put back (the packaged 2755 was applied before the rename;
     * the ownership step then gives the dir that stayed to leofs). */
    mode_t mode;
    fixture_stat("/srv/avs", NULL, NULL, &mode);
    cr_assert_eq(mode & 07777, 0750, "%o", mode);
    /* The note, written before the renames, now says what stayed. */
    assert_contains(OLD "/leo_storage/DATA-MOVED", "avs stays here: rename failed: ");
    assert_contains(OLD "/leo_storage/DATA-MOVED", "work/queue -> ");
    umount(fixture_path(OLD "/leo_storage/avs"));
}

Test(data_move, a_node_registered_with_epmd_refuses, .init = upgrade_root, .fini = teardown)
{
    struct fake_epmd_config config = {.mode = FAKE_EPMD,
                                      .names = "name storage_0 at port 40001\n"};
    int port = fake_epmd_start(&config);
    char policy[64];
    snprintf(policy, sizeof policy, "epmd_port = %d\n", port);
    fixture_write("/etc/leofs/upgrade.conf", policy, 0644);
    run("1.3.7", "1.3.8", false);
    fake_epmd_stop();
    cr_assert_eq(step->status, LU_STATUS_REFUSED, "%s", step->message);
    cr_assert(strstr(step->message, "no data moved"), "%s", step->message);
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
}

Test(data_move, an_earlier_absolute_path_becomes_relative_again, .init = upgrade_root,
     .fini = teardown)
{
    fixture_write(OLD STORAGE_CONF,
                  "obj_containers.path = [/mnt/avs, /usr/local/leofs/1.3.7/leo_storage/avs]\n",
                  0644);
    fixture_mkdir("/mnt/avs", 0755);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    /* The custom one stays as it is; the one into the old node dir follows the data. */
    assert_contains(NEW STORAGE_CONF, "obj_containers.path = [/mnt/avs, ./avs]\n");
    cr_assert(fixture_exists("/mnt/avs"));
}

/* The runner user's attacks, played through setpriv. */

/* As LeoFS's packaging leaves a node: leofs owns work/ and the data dirs. */
static void runner_owns(const char *version)
{
    static const char *const parts[] = {"leo_storage/work", "leo_storage/avs",
                                        "leo_storage/work/queue"};
    char path[256];
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        snprintf(path, sizeof path, "/usr/local/leofs/%s/%s", version, parts[i]);
        if (fixture_exists(path))
            fixture_chown(path, LEOFS, LEOFS);
    }
}

/* As the runner: PATH (inside the root) set aside as PATH.mine, and a
 * symlink to TARGET in its place. */
static void runner_swaps_for_a_symlink(const char *path, const char *target)
{
    const char *full = fixture_path(path);
    char stash[512];
    snprintf(stash, sizeof stash, "%s.mine", full);
    cr_assert_eq(tool_run_setpriv(LEOFS, "/bin/mv", full, stash, NULL), 0);
    cr_assert_eq(tool_run_setpriv(LEOFS, "/bin/ln", "-s", target, full), 0);
}

Test(data_move, runner_swapping_the_old_queue_for_a_symlink_steers_nothing,
     .init = upgrade_root, .fini = teardown)
{
    runner_owns("1.3.7");
    runner_owns("1.3.8");
    fixture_write("/etc/secret/key", "root's", 0600);
    cr_assert_eq(chmod(fixture_path("/etc/secret"), 0700), 0);
    runner_swaps_for_a_symlink(OLD "/leo_storage/work/queue", "/etc/secret");
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.7/leo_storage/work/queue: it is a symlink"),
              "%s", fixture_log());
    cr_assert_not(fixture_exists(NEW "/leo_storage/work/queue"), "the symlink is not moved");
    uid_t uid;
    mode_t mode;
    fixture_stat("/etc/secret", &uid, NULL, &mode);
    cr_assert(uid == 0 && (mode & 0777) == 0700);
    fixture_stat("/etc/secret/key", &uid, NULL, NULL);
    cr_assert_eq(uid, 0);
    /* The rest of the node moved as usual. */
    cr_assert(fixture_exists(NEW "/leo_storage/avs/object/0.avs"));
}

/* The runner makes its own empty shipped dir world-writable and sticky:
 * the data dir moved onto it is not made so. */
Test(data_move, a_mode_the_runner_chose_is_capped, .init = upgrade_root, .fini = teardown)
{
    runner_owns("1.3.8");
    const char *queue = fixture_path(NEW "/leo_storage/work/queue");
    if (!fixture_exists(NEW "/leo_storage/work/queue"))
        cr_assert_eq(tool_run_setpriv(LEOFS, "/bin/mkdir", queue, NULL, NULL), 0);
    cr_assert_eq(tool_run_setpriv(LEOFS, "/bin/chmod", "1777", queue, NULL), 0);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(fixture_exists(NEW "/leo_storage/work/queue/1/message0"));
    mode_t mode;
    fixture_stat(NEW "/leo_storage/work/queue", NULL, NULL, &mode);
    cr_assert_eq(mode & 07777, 0755, "%o", (unsigned)(mode & 07777));
}

Test(data_move, runner_planting_data_in_the_new_avs_moves_nothing, .init = upgrade_root,
     .fini = teardown)
{
    runner_owns("1.3.8");
    cr_assert_eq(tool_run_setpriv(LEOFS, "/bin/mkdir", fixture_path(NEW "/leo_storage/avs/planted"), NULL,
                         NULL), 0);
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert(fixture_log_has("LeoFS 1.3.8's avs holds data too"), "%s", fixture_log());
    cr_assert(fixture_exists(OLD "/leo_storage/avs/object/0.avs"));
    cr_assert(fixture_exists(NEW "/leo_storage/avs/planted"));
    assert_contains(NEW STORAGE_CONF,
                    "obj_containers.path = [/usr/local/leofs/1.3.7/leo_storage/avs]\n");
}

Test(data_move, a_runner_owned_old_node_dir_moves_only_real_directories, .init = upgrade_root,
     .fini = teardown)
{
    fixture_chown(OLD "/leo_storage", LEOFS, LEOFS);
    fixture_mkdir("/etc/secret", 0700);
    cr_assert_eq(chmod(fixture_path("/etc/secret"), 0700), 0);
    runner_swaps_for_a_symlink(OLD "/leo_storage/avs", "/etc/secret");
    cr_assert_eq(run("1.3.7", "1.3.8", false), LU_OUTCOME_OK);
    cr_assert(fixture_log_has("/usr/local/leofs/1.3.7/leo_storage/avs: it is a symlink"), "%s",
              fixture_log());
    struct stat st;
    cr_assert_eq(lstat(fixture_path(NEW "/leo_storage/avs"), &st), 0);
    cr_assert(S_ISDIR(st.st_mode), "the shipped dir is still there");
    uid_t uid;
    mode_t mode;
    fixture_stat("/etc/secret", &uid, NULL, &mode);
    cr_assert(uid == 0 && (mode & 0777) == 0700);
    /* Its work/queue, a real directory, moved as usual. */
    cr_assert(fixture_exists(NEW "/leo_storage/work/queue/1/message0"));
}
