/* test_config_save.c: the save of a LeoFS version's node configuration
 * before dpkg deletes it (lu_run_save) and the takeover that prefers it:
 * saved as root's, read without following links, refused for symlinks,
 * hard links and huge files (nothing saved), what someone other than root
 * could have written marked as such, taken over after the old
 * files and even the old version dir are gone, removed once taken over;
 * all of it without /proc, as in dpkg's chroot; and, for a reinstall,
 * the saved files put back over the shipped copies dpkg unpacked. */
#include "config_save.h"
#include "fixture.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OLD "/usr/local/leofs/1.3.7"
#define NEW "/usr/local/leofs/1.3.8"
#define SAVED "/var/lib/leofs-upgrade-hooks/saved/1.3.7"
#define OLD_CONF OLD "/leo_storage/etc/leo_storage.conf"
#define NEW_CONF NEW "/leo_storage/etc/leo_storage.conf"

static enum lu_outcome save(const char *version)
{
    struct lu_request request = fixture_request();
    return lu_run_save(&request, version, NULL);
}

/* 1.3.7's leo_storage.conf with log.log_level FROM set to TO. */
static void set_log_level(char from, char to)
{
    char *conf = fixture_read(OLD_CONF), level[] = "log.log_level = X";
    level[16] = from;
    char *at = strstr(conf, level);
    cr_assert(at, "%s", conf);
    at[16] = to;
    fixture_write(OLD_CONF, conf, 0644);
    free(conf);
}

static void edited_137(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    set_log_level('1', '3');
    fixture_write(OLD "/leo_storage/etc/leo_storage.d/10-mine.conf", "log.log_level = 2\n", 0644);
    fixture_write(OLD "/leo_storage/etc/leo_storage.d/README", "not a drop-in\n", 0644);
    fixture_chown(OLD "/leo_storage/etc", FIXTURE_LEOFS_UID, FIXTURE_LEOFS_GID);
}

/* dpkg unpacks 1.3.8 and removes 1.3.7's files (no conffiles): here, all of etc/. */
static void dpkg_replaces_137(void)
{
    fixture_leofs_ship("1.3.8");
    const char *dirs[] = {"leo_manager_0", "leo_manager_1", "leo_storage", "leo_gateway"};
    for (int i = 0; i < 4; i++) {
        char cmd_path[256];
        snprintf(cmd_path, sizeof cmd_path, OLD "/%s/etc", dirs[i]);
        const char *etc = fixture_path(cmd_path);
        char file[4200];
        snprintf(file, sizeof file, "%s/leo_%s.conf", etc, i < 2 ? "manager" : i == 2 ? "storage"
                                                                                       : "gateway");
        unlink(file);
    }
}

Test(config_save, saved_then_taken_over_after_dpkg_deleted_the_old_file,
     .fini = fixture_cleanup)
{
    edited_137();
    fixture_hide_proc();
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(fixture_log_has("saved 9 files of LeoFS 1.3.7's node configuration"), "%s",
              fixture_log());
    uid_t uid;
    gid_t gid;
    mode_t mode;
    fixture_stat("/var/lib/leofs-upgrade-hooks/saved", &uid, &gid, &mode);
    cr_assert(uid == 0 && (mode & 0777) == 0700, "%o", mode & 0777);
    /* leo_storage's etc is the runner's: its files are saved marked, so
     * that the root-owned copies never pass for root's own choice. Each
     * keeps the original's owner and mode (root's 0644 here; nobody but
     * root reaches inside the 0700 save), for a reinstall to put back. */
    fixture_stat(SAVED "/leo_storage/leo_storage.conf.untrusted", &uid, &gid, &mode);
    cr_assert(uid == 0 && (mode & 0777) == 0644, "%u %o", (unsigned)uid, mode & 0777);
    cr_assert(!fixture_exists(SAVED "/leo_storage/leo_storage.conf"));
    cr_assert(fixture_exists(SAVED "/leo_storage/leo_storage.d/10-mine.conf.untrusted"));
    cr_assert(!fixture_exists(SAVED "/leo_storage/leo_storage.d/README"));
    /* leo_gateway's etc is root's alone: saved under its own name. */
    cr_assert(fixture_exists(SAVED "/leo_gateway/leo_gateway.conf"));

    dpkg_replaces_137();
    const struct lu_step_report *step =
        fixture_run(lu_run_post, "1.3.8", false, "config-takeover", NULL);
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    char *conf = fixture_read(NEW_CONF);
    cr_assert(strstr(conf, "log.log_level = 3\n"), "%s", conf);
    free(conf);
    cr_assert(!fixture_exists(SAVED), "the save is removed once taken over");
    cr_assert(fixture_log_has("removed the copy of LeoFS 1.3.7's configuration"));
}

Test(config_save, old_version_dir_gone_entirely, .fini = fixture_cleanup)
{
    edited_137();
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    fixture_leofs_install("1.3.8");
    /* dpkg removed every file and dir of 1.3.7. */
    char command[4200];
    snprintf(command, sizeof command, "%s", fixture_path(OLD));
    cr_assert_eq(rename(command, fixture_path("/moved-away")), 0);
    const struct lu_step_report *step =
        fixture_run(lu_run_post, "1.3.8", false, "config-takeover", NULL);
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    char *conf = fixture_read(NEW_CONF);
    cr_assert(strstr(conf, "log.log_level = 3\n"), "%s", conf);
    free(conf);
    cr_assert(!fixture_exists(SAVED));
}

Test(config_save, a_new_save_replaces_the_old, .fini = fixture_cleanup)
{
    edited_137();
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK);
    fixture_write(OLD "/leo_storage/etc/leo_storage.d/10-mine.conf", "log.log_level = 0\n", 0644);
    unlink(fixture_path(OLD "/leo_gateway/etc/leo_gateway.environment"));
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK);
    char *dropin = fixture_read(SAVED "/leo_storage/leo_storage.d/10-mine.conf.untrusted");
    cr_assert_str_eq(dropin, "log.log_level = 0\n");
    free(dropin);
    cr_assert(!fixture_exists(SAVED "/leo_gateway/leo_gateway.environment"));
}

Test(config_save, links_and_huge_files_are_refused, .fini = fixture_cleanup)
{
    edited_137();
    /* The runner user owns etc/: a link to a root-only file must not be copied. */
    fixture_write("/etc/shadow", "root:secret\n", 0600);
    unlink(fixture_path(OLD_CONF));
    fixture_symlink("/etc/shadow", OLD_CONF);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_FAILED);
    cr_assert(fixture_log_has("it is a symlink"), "%s", fixture_log());
    cr_assert(!fixture_exists(SAVED));

    unlink(fixture_path(OLD_CONF));
    cr_assert_eq(link(fixture_path("/etc/shadow"), fixture_path(OLD_CONF)), 0);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_FAILED);
    cr_assert(fixture_log_has("more than one hard link"), "%s", fixture_log());
    cr_assert(!fixture_exists(SAVED));

    unlink(fixture_path(OLD_CONF));
    FILE *big = fopen(fixture_path(OLD_CONF), "w");
    for (int i = 0; i < (1 << 20) / 16 + 1; i++)
        fputs("log.log_level=1\n", big);
    fclose(big);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_FAILED);
    cr_assert(fixture_log_has("larger than 1 MiB"), "%s", fixture_log());
    cr_assert(!fixture_exists(SAVED));
}

Test(config_save, a_save_dir_not_roots_is_refused, .fini = fixture_cleanup)
{
    edited_137();
    fixture_mkdir("/var/lib/leofs-upgrade-hooks/saved", 0700);
    fixture_chown("/var/lib/leofs-upgrade-hooks/saved", FIXTURE_OTHER_UID, FIXTURE_OTHER_UID);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_FAILED);
    cr_assert(fixture_log_has("not root's alone"), "%s", fixture_log());
}

/* A reinstall of 1.3.7 (dpkg -i of the installed version, apt install
 * --reinstall): dpkg puts back the shipped copy of every file that is no
 * conffile, keeping the archive's older mtime; the pre-invoke hook saved
 * 1.3.7 first. leo_storage's etc is the runner's, leo_gateway's root's;
 * the operator made leo_gateway.conf readable by leofs's group alone. */
#define GATEWAY_CONF OLD "/leo_gateway/etc/leo_gateway.conf"
#define STORAGE_ENV OLD "/leo_storage/etc/leo_storage.environment"

static char *shipped_storage, *shipped_gateway, *shipped_env;

static void edited_137_saved(void)
{
    edited_137();
    shipped_gateway = fixture_read(GATEWAY_CONF);
    char *edited = malloc(strlen(shipped_gateway) + 64);
    sprintf(edited, "%s## the operator's\nlog.log_level = 0\n", shipped_gateway);
    fixture_write(GATEWAY_CONF, edited, 0640);
    free(edited);
    fixture_chown(GATEWAY_CONF, 0, FIXTURE_LEOFS_GID);
    shipped_env = fixture_read(STORAGE_ENV);
    edited = malloc(strlen(shipped_env) + 64);
    sprintf(edited, "%sERL_MAX_PORTS=64000\n", shipped_env);
    fixture_write(STORAGE_ENV, edited, 0644);
    free(edited);
    shipped_storage = fixture_read(OLD_CONF);
    char *at = strstr(shipped_storage, "log.log_level = 3");
    cr_assert(at);
    at[16] = '1';
    fixture_hide_proc();
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
}

/* FILE as dpkg unpacks it: a new inode, the content shipped, root's 0644,
 * a 2020 mtime. */
static void unpacked(const char *path, const char *content)
{
    char temp[4200];
    snprintf(temp, sizeof temp, "%s.dpkg-new", path);
    fixture_write(temp, content, 0644);
    struct timespec times[2] = {{1577836800, 0}, {1577836800, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, fixture_path(temp), times, AT_SYMLINK_NOFOLLOW), 0);
    cr_assert_eq(rename(fixture_path(temp), fixture_path(path)), 0);
}

static void dpkg_reinstalls_137(void)
{
    unpacked(OLD_CONF, shipped_storage);
    unpacked(GATEWAY_CONF, shipped_gateway);
    unpacked(STORAGE_ENV, shipped_env);
}

static void free_shipped(void)
{
    free(shipped_storage);
    free(shipped_gateway);
    free(shipped_env);
    shipped_storage = shipped_gateway = shipped_env = NULL;
    fixture_cleanup();
}

static const struct lu_step_report *post_137(void)
{
    return fixture_run(lu_run_post, "1.3.7", false, "config-takeover", NULL);
}

static void has(const char *path, const char *text)
{
    char *content = fixture_read(path);
    cr_assert(content && strstr(content, text), "%s lacks '%s': %s", path, text,
              content ? content : "(none)");
    free(content);
}

static void is(const char *path, const char *text)
{
    char *content = fixture_read(path);
    cr_assert(content && strcmp(content, text) == 0, "%s: %s", path, content ? content : "(none)");
    free(content);
}

Test(config_save, a_reinstall_puts_the_saved_files_back, .fini = free_shipped)
{
    edited_137_saved();
    dpkg_reinstalls_137();
    const struct lu_step_report *step = post_137();
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    cr_assert(fixture_log_has("LeoFS 1.3.7 reinstalled"), "%s", fixture_log());
    has(OLD_CONF, "log.log_level = 3\n");
    has(STORAGE_ENV, "ERL_MAX_PORTS=64000\n");
    has(GATEWAY_CONF, "## the operator's\nlog.log_level = 0\n");
    /* The runner's etc: the shipped copies kept as .leofs-dist, so that the
     * files put back never pass for root's choice. Root's own file comes
     * back as root's choice, the shipped one kept where nothing reads it,
     * and with the operator's group and mode, not the shipped 0644. */
    is(OLD_CONF ".leofs-dist", shipped_storage);
    is(STORAGE_ENV ".leofs-dist", shipped_env);
    cr_assert(!fixture_exists(GATEWAY_CONF ".leofs-dist"));
    is(GATEWAY_CONF ".leofs-replaced", shipped_gateway);
    uid_t uid;
    gid_t gid;
    mode_t mode;
    fixture_stat(GATEWAY_CONF, &uid, &gid, &mode);
    cr_assert(uid == 0 && gid == FIXTURE_LEOFS_GID && (mode & 0777) == 0640, "%u:%u %o",
              (unsigned)uid, (unsigned)gid, mode & 0777);
    cr_assert(!fixture_exists(SAVED), "the save is removed once put back");

    /* The next reinstall's pre phase saves again; dpkg this time leaves the
     * files as they are (no shipped copy over them): nothing to put back.
     * (The post phase gave leo_gateway's etc to the runner, as LeoFS's
     * packages from 1.3.3 on do: its files are saved marked now.) */
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(fixture_exists(SAVED "/leo_gateway/leo_gateway.conf.untrusted"));
    step = post_137();
    cr_assert(step && step->status == LU_STATUS_UNCHANGED, "%s", fixture_log());
    has(OLD_CONF, "log.log_level = 3\n");
    fixture_stat(GATEWAY_CONF, &uid, &gid, &mode);
    cr_assert(gid == FIXTURE_LEOFS_GID && (mode & 0777) == 0640);
}

Test(config_save, a_file_the_takeover_merged_is_saved_as_not_roots_choice, .fini = free_shipped)
{
    edited_137();
    /* leo_gateway's etc is root's alone, but a shipped copy beside the file
     * says the takeover wrote it, from what may not have been root's. */
    fixture_write(GATEWAY_CONF ".leofs-dist", "log.log_level = 1\n", 0644);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    cr_assert(fixture_exists(SAVED "/leo_gateway/leo_gateway.conf.untrusted"));
    cr_assert(!fixture_exists(SAVED "/leo_gateway/leo_gateway.conf"));
    cr_assert(fixture_exists(SAVED "/leo_manager_0/leo_manager.conf"), "the others stay trusted");
}

Test(config_save, a_file_written_after_the_save_stays, .fini = free_shipped)
{
    edited_137_saved();
    dpkg_reinstalls_137();
    /* Someone wrote leo_storage.conf after the save (a new mtime). */
    fixture_write(OLD_CONF, "log.log_level = 4\n", 0644);
    const struct lu_step_report *step = post_137();
    cr_assert(step && step->status == LU_STATUS_WARNING, "%s", fixture_log());
    cr_assert(fixture_log_has("leo_storage.conf left alone: it was written after"), "%s",
              fixture_log());
    is(OLD_CONF, "log.log_level = 4\n");
    has(STORAGE_ENV, "ERL_MAX_PORTS=64000\n");
    has(GATEWAY_CONF, "## the operator's\n");
    cr_assert(fixture_exists(SAVED "/leo_storage/leo_storage.conf.untrusted"),
              "the save is kept after a warning");
}

Test(config_save, a_file_missing_after_the_reinstall_keeps_the_save, .fini = free_shipped)
{
    edited_137_saved();
    dpkg_reinstalls_137();
    cr_assert_eq(unlink(fixture_path(STORAGE_ENV)), 0);
    const struct lu_step_report *step = post_137();
    cr_assert(step && step->status == LU_STATUS_WARNING, "%s", fixture_log());
    cr_assert(fixture_log_has("leo_storage.environment is not there after the reinstall"), "%s",
              fixture_log());
    cr_assert(fixture_exists(SAVED "/leo_storage/leo_storage.environment.untrusted"));
}

Test(config_save, a_conffile_dpkg_replaced_with_consent_stays, .fini = free_shipped)
{
    edited_137_saved();
    /* dpkg asked, the operator took the package's file: this run's dpkg
     * renamed the old one to .dpkg-old after the save was made. */
    char *edited = fixture_read(GATEWAY_CONF);
    dpkg_reinstalls_137();
    fixture_write(GATEWAY_CONF ".dpkg-old", edited, 0644);
    const struct lu_step_report *step = post_137();
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    is(GATEWAY_CONF, shipped_gateway);
    has(OLD_CONF, "log.log_level = 3\n");
    /* A .dpkg-old from before the save is an earlier run's: put back. */
    free_shipped();
    edited_137_saved();
    fixture_write(GATEWAY_CONF ".dpkg-old", edited, 0644);
    struct timespec pause = {0, 20 * 1000 * 1000}; /* its ctime a clock tick before the save */
    nanosleep(&pause, NULL);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    dpkg_reinstalls_137();
    step = post_137();
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    has(GATEWAY_CONF, "## the operator's\n");
    free(edited);
}

Test(config_save, a_bad_file_of_a_node_writes_nothing_for_it, .fini = free_shipped)
{
    edited_137_saved();
    dpkg_reinstalls_137();
    /* The runner owns leo_storage's etc: a second name for its environment
     * file (after the save), and a symlink as a .dpkg-old beside the
     * gateway's conf, which is only looked at. */
    cr_assert_eq(link(fixture_path(STORAGE_ENV), fixture_path(OLD "/leo_storage/etc/other")), 0);
    fixture_symlink("/etc/shadow", GATEWAY_CONF ".dpkg-old");
    const struct lu_step_report *step = post_137();
    cr_assert(step && step->status == LU_STATUS_FAILED, "%s", fixture_log());
    cr_assert(fixture_log_has("leo_storage.environment has 2 hard links"), "%s", fixture_log());
    is(OLD_CONF, shipped_storage);
    cr_assert(!fixture_exists(OLD_CONF ".leofs-dist"));
    has(GATEWAY_CONF, "## the operator's\n");
    cr_assert(fixture_exists(SAVED), "the save is kept after a failure");
}

Test(config_save, a_dry_run_puts_nothing_back, .fini = free_shipped)
{
    edited_137_saved();
    dpkg_reinstalls_137();
    const struct lu_step_report *step =
        fixture_run(lu_run_post, "1.3.7", true, "config-takeover", NULL);
    cr_assert(step && step->status != LU_STATUS_FAILED, "%s", fixture_log());
    cr_assert(fixture_log_has("would: LeoFS 1.3.7 reinstalled: leo_storage: leo_storage.conf and "
                              "leo_storage.environment put back as saved"), "%s", fixture_log());
    is(OLD_CONF, shipped_storage);
    cr_assert(!fixture_exists(OLD_CONF ".leofs-dist") && !fixture_exists(GATEWAY_CONF ".leofs-replaced"));
    cr_assert(fixture_exists(SAVED) && fixture_exists(CONFIG_SAVE_REPLACED));
}

static const struct lu_step_report *named_post(struct lu_report **report)
{
    struct lu_request request = fixture_request();
    request.new_version = "1.3.7";
    request.old_version = "1.3.7";
    lu_run_post(&request, report);
    return lu_report_find(*report, "config-takeover");
}

/* rpm names the version it replaced, and its pre phase saved it. */
Test(config_save, a_named_reinstall_saved_by_its_pre_phase_is_put_back, .fini = free_shipped)
{
    edited_137_saved();
    dpkg_reinstalls_137();
    struct lu_report *report = NULL;
    const struct lu_step_report *step = named_post(&report);
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    lu_report_free(report);
    has(OLD_CONF, "log.log_level = 3\n");
}

/* A save left from an earlier run (its note gone with the post phase that
 * ended well) is not this reinstall's: nothing is put back. */
Test(config_save, a_save_of_an_earlier_run_is_not_put_back, .fini = free_shipped)
{
    edited_137_saved();
    cr_assert_eq(unlink(fixture_path(CONFIG_SAVE_REPLACED)), 0);
    dpkg_reinstalls_137();
    const struct lu_step_report *step = post_137();
    cr_assert(step && step->status == LU_STATUS_SKIPPED, "%s", fixture_log());
    cr_assert(strstr(step->message, "no LeoFS version older than 1.3.7"), "%s", step->message);
    /* Nor when rpm names the version. */
    struct lu_report *report = NULL;
    step = named_post(&report);
    cr_assert(step && step->status == LU_STATUS_SKIPPED, "%s", fixture_log());
    cr_assert(strstr(step->message, "replaced itself"), "%s", step->message);
    lu_report_free(report);
    is(OLD_CONF, shipped_storage);
}

/* Nor one older than this run's note: this run's save failed (a hard link
 * now), which leaves the earlier save in place. */
Test(config_save, a_save_older_than_the_note_is_not_put_back, .fini = free_shipped)
{
    edited_137_saved();
    fixture_write(OLD_CONF, "log.log_level = 4\n", 0644);
    cr_assert_eq(link(fixture_path(OLD_CONF), fixture_path("/elsewhere")), 0);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_FAILED, "%s", fixture_log());
    unlink(fixture_path("/elsewhere"));
    dpkg_reinstalls_137();
    const struct lu_step_report *step = post_137();
    cr_assert(step && step->status == LU_STATUS_SKIPPED, "%s", fixture_log());
    cr_assert(strstr(step->message, "replaced itself"), "%s", step->message);
    is(OLD_CONF, shipped_storage);
}

/* An upgrade: the merged file is never wider than the operator's file for
 * group and others (a file holding secrets, readable by leofs's group
 * alone, stays so); one the node could then not read is given to its
 * group, never to others. */
Test(config_save, an_upgrade_keeps_the_operators_narrower_mode, .fini = fixture_cleanup)
{
    edited_137();
    char *conf = fixture_read(GATEWAY_CONF);
    char *at = strstr(conf, "http.port = 8080");
    cr_assert(at);
    memcpy(at, "http.port = 8443", 16);
    fixture_write(GATEWAY_CONF, conf, 0640);
    free(conf);
    fixture_chown(GATEWAY_CONF, 0, FIXTURE_LEOFS_GID);
    /* A node that ran as root, its file root's alone. */
    fixture_write(OLD "/leo_manager_0/etc/leo_manager.conf", "log.log_level = 2\n", 0600);
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    dpkg_replaces_137();
    const struct lu_step_report *step =
        fixture_run(lu_run_post, "1.3.8", false, "config-takeover", NULL);
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    uid_t uid;
    gid_t gid;
    mode_t mode;
    has(NEW "/leo_gateway/etc/leo_gateway.conf", "http.port = 8443\n");
    fixture_stat(NEW "/leo_gateway/etc/leo_gateway.conf", &uid, &gid, &mode);
    cr_assert(uid == 0 && gid == FIXTURE_LEOFS_GID && (mode & 0777) == 0640, "%u:%u %o",
              (unsigned)uid, (unsigned)gid, mode & 0777);
    has(NEW "/leo_manager_0/etc/leo_manager.conf", "log.log_level = 2\n");
    fixture_stat(NEW "/leo_manager_0/etc/leo_manager.conf", &uid, &gid, &mode);
    cr_assert(uid == 0 && gid == FIXTURE_LEOFS_GID && (mode & 0777) == 0640,
              "leofs must read it, others not: %u:%u %o", (unsigned)uid, (unsigned)gid,
              mode & 0777);
}

/* A saved copy keeps its file's owner, which may be a runner the post
 * phase does not have (the runner named by an environment file that the
 * package manager then replaced): it is root's save all the same, read. */
Test(config_save, a_saved_copy_of_another_runner_is_read, .fini = fixture_cleanup)
{
    edited_137();
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    fixture_chown(SAVED "/leo_storage/leo_storage.conf.untrusted", FIXTURE_OTHER_UID,
                  FIXTURE_OTHER_UID);
    dpkg_replaces_137();
    const struct lu_step_report *step =
        fixture_run(lu_run_post, "1.3.8", false, "config-takeover", NULL);
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    has(NEW_CONF, "log.log_level = 3\n");
}

/* The old file, left by the package manager and changed after a save an
 * earlier run left: the newer one is taken over. */
Test(config_save, an_old_file_newer_than_its_save_wins, .fini = fixture_cleanup)
{
    edited_137();
    cr_assert_eq(save("1.3.7"), LU_OUTCOME_OK, "%s", fixture_log());
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    set_log_level('3', '4');
    fixture_leofs_ship("1.3.8");
    const struct lu_step_report *step =
        fixture_run(lu_run_post, "1.3.8", false, "config-takeover", NULL);
    cr_assert(step && step->status == LU_STATUS_CHANGED, "%s", fixture_log());
    has(NEW_CONF, "log.log_level = 4\n");
}
