/* test_config_save.c: the save of a LeoFS version's node configuration
 * before dpkg deletes it (lu_run_save) and the takeover that prefers it:
 * saved as root's, read without following links, refused for symlinks,
 * hard links and huge files (nothing saved), what someone other than root
 * could have written marked as such, taken over after the old
 * files and even the old version dir are gone, removed once taken over;
 * all of it without /proc, as in dpkg's chroot. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static void edited_137(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    char *conf = fixture_read(OLD_CONF);
    char *at = strstr(conf, "log.log_level = 1");
    cr_assert(at);
    at[16] = '3';
    fixture_write(OLD_CONF, conf, 0644);
    free(conf);
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
     * that the root-owned copies never pass for root's own choice. */
    fixture_stat(SAVED "/leo_storage/leo_storage.conf.untrusted", &uid, &gid, &mode);
    cr_assert(uid == 0 && (mode & 0777) == 0600);
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
