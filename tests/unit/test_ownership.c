/* test_ownership.c: the ownership step and its walk on realistic and
 * hostile trees: defaults and custom dirs fixed, nothing outside changed,
 * a re-run touches no inode. */
#include "fixture.h"
#include "parallel.h"
#include "walk.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define V "/usr/local/leofs/1.3.8"

static const struct lu_step_report *step;

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.8");
}

static void run(bool dry_run)
{
    step = fixture_run(lu_run_post, NULL, dry_run, "ownership", NULL);
    cr_assert_not_null(step);
}

static void assert_owner(const char *path, uid_t want)
{
    uid_t uid;
    gid_t gid;
    fixture_stat(path, &uid, &gid, NULL);
    cr_assert_eq(uid, want, "%s is owned by %u, not %u", path, (unsigned)uid, (unsigned)want);
    cr_assert_eq(gid, want, "%s has group %u, not %u", path, (unsigned)gid, (unsigned)want);
}

TestSuite(ownership, .init = setup, .fini = fixture_cleanup);

Test(ownership, default_dirs_go_to_leofs)
{
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s", step->message);
    assert_owner(V "/leo_storage/avs", 990);
    assert_owner(V "/leo_storage/avs/object/0.avs", 990);
    assert_owner(V "/leo_storage/avs/metadata/0/000001.log", 990);
    assert_owner(V "/leo_gateway/cache/data/0", 990);
    assert_owner(V "/leo_manager_0/log/app/info", 990);
    assert_owner(V "/leo_manager_1/work/queue/1/message0", 990);
    assert_owner(V "/leo_storage/etc", 990);                     /* the dir itself, */
    assert_owner(V "/leo_storage/etc/leo_storage.conf", 0);      /* not the packaged files */
    assert_owner(V "/leo_gateway/snmp/snmpa_gateway_0/db/snmp_config_db", 990);
    assert_owner(V "/leo_storage/bin/leo_storage", 0);          /* not a data dir */
    assert_owner(V "/leo_gateway/snmp/snmpa_gateway_0/LEO-PSMIB.bin", 0);
    assert_owner(V, 0);
}

Test(ownership, rerun_changes_no_inode)
{
    run(false);
    struct stat before, after;
    cr_assert_eq(lstat(fixture_path(V "/leo_storage/avs/object/0.avs"), &before), 0);
    sleep(1);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_UNCHANGED, "%s", step->message);
    cr_assert_eq(lstat(fixture_path(V "/leo_storage/avs/object/0.avs"), &after), 0);
    cr_assert_eq(before.st_ctim.tv_sec, after.st_ctim.tv_sec);
    cr_assert_eq(before.st_ctim.tv_nsec, after.st_ctim.tv_nsec);
}

Test(ownership, dry_run_changes_nothing)
{
    run(true);
    cr_assert_eq(step->status, LU_STATUS_WOULD_CHANGE, "%s", step->message);
    assert_owner(V "/leo_storage/avs/object/0.avs", 0);
}

Test(ownership, version_before_1_3_3_is_skipped)
{
    fixture_cleanup();
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.2");
    run(false);
    cr_assert_eq(step->status, LU_STATUS_SKIPPED);
    assert_owner("/usr/local/leofs/1.3.2/leo_storage/avs/object/0.avs", 0);
}

Test(ownership, custom_dirs_from_config_and_drop_in)
{
    fixture_write(V "/leo_storage/etc/leo_storage.conf",
                  "obj_containers.path = [/mnt/avs1, ./avs]\n"
                  "queue_dir = /var/leofs/queue\n"
                  "log.app = /var/log/leofs/app\n"
                  "sasl.sasl_error_log = /var/log/leofs-sasl/sasl-error.log\n",
                  0644);
    fixture_write(V "/leo_storage/etc/leo_storage.d/20-extra.conf",
                  "mnesia.dir = /srv/leofs/mnesia\n", 0644);
    fixture_write("/mnt/avs1/object/1.avs", "data", 0644);
    fixture_write("/var/leofs/queue/q", "q", 0644);
    fixture_write("/var/log/leofs/app/info", "log", 0644);
    fixture_write("/var/log/leofs-sasl/sasl-error.log", "sasl", 0644);
    fixture_write("/srv/leofs/mnesia/schema.DAT", "m", 0644);
    fixture_write("/var/log/other/keep", "not ours", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s\n%s", step->message, fixture_log());
    assert_owner("/mnt/avs1/object/1.avs", 990);
    assert_owner("/var/leofs/queue/q", 990);
    assert_owner("/var/log/leofs/app/info", 990);
    assert_owner("/var/log/leofs-sasl/sasl-error.log", 990);
    assert_owner("/srv/leofs/mnesia/schema.DAT", 990);
    assert_owner("/var/log/other/keep", 0);
    assert_owner("/var/log", 0);
    assert_owner("/mnt", 0);
}

Test(ownership, system_dir_in_config_is_refused)
{
    fixture_write("/etc/passwd-", "backup", 0600);
    fixture_write(V "/leo_storage/etc/leo_storage.conf", "queue_dir = /etc\nlog.app = /\n", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    cr_assert(fixture_log_has("refusing to change the owner of system directory /etc (queue_dir in"),
              "%s", fixture_log());
    assert_owner("/etc/passwd-", 0);
    assert_owner("/etc", 0);
    assert_owner("/usr", 0);
}

Test(ownership, root_owned_symlink_is_followed_user_symlink_is_not)
{
    /* The admin moved avs to a bigger disk. */
    fixture_write("/data/avs/object/9.avs", "data", 0644);
    fixture_write(V "/leo_gateway/etc/leo_gateway.conf", "cache.cache_disc_dir_data = /tmp/cachelink\n",
                  0644);
    fixture_write("/secret/file", "secret", 0600);
    fixture_symlink("/secret", "/tmp/cachelink");
    fixture_chown("/tmp/cachelink", FIXTURE_OTHER_UID, FIXTURE_OTHER_UID);
    fixture_write(V "/leo_storage/etc/leo_storage.conf", "obj_containers.path = [/srv/avs]\n", 0644);
    fixture_symlink("/data/avs", "/srv/avs");
    run(false);
    assert_owner("/data/avs/object/9.avs", 990);
    assert_owner("/secret/file", 0);
    cr_assert(fixture_log_has("symlink that root does not own"), "%s", fixture_log());
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

Test(ownership, links_inside_data_dirs_are_not_followed)
{
    fixture_write("/etc/shadow", "root:secret", 0600);
    fixture_symlink("/etc/shadow", V "/leo_storage/avs/evil-link");
    fixture_symlink("../../../../../../../etc", V "/leo_storage/avs/evil-dir");
    fixture_symlink("loop", V "/leo_storage/avs/loop");
    cr_assert_eq(link(fixture_path("/etc/shadow"), fixture_path(V "/leo_storage/work/hardlink")), 0);
    run(false);
    assert_owner("/etc/shadow", 0);
    assert_owner("/etc", 0);
    assert_owner(V "/leo_storage/avs/evil-link", 990); /* the link itself */
    cr_assert(fixture_log_has("hard-linked entries alone"), "%s", fixture_log());
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

Test(ownership, missing_user_fails_naming_it)
{
    fixture_write(V "/leo_storage/etc/leo_storage.environment", "RUNNER_USER=ghost\n", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_FAILED);
    cr_assert(fixture_log_has("user 'ghost' does not exist"), "%s", fixture_log());
    assert_owner(V "/leo_storage/avs/object/0.avs", 0);
    assert_owner(V "/leo_gateway/cache/data/0", 990); /* the other nodes are still done */
}

Test(ownership, malformed_config_fails_after_defaults)
{
    fixture_write(V "/leo_gateway/etc/leo_gateway.conf", "http.port = 8080\nnonsense line\n", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_FAILED);
    cr_assert(fixture_log_has("leo_gateway.conf:2:"), "%s", fixture_log());
    assert_owner(V "/leo_gateway/cache/data/0", 990);
}

/* The nodes' trees share nothing: on more than one CPU they are walked at
 * the same time, with the same result as one after the other. */
Test(ownership, independent_trees_are_walked_at_once)
{
    if (parallel_cpus() < 2)
        cr_skip_test("one CPU: the walks run one after the other");
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s\n%s", step->message, fixture_log());
    cr_assert(fixture_log_has(" trees walked on "), "%s", fixture_log());
    assert_owner(V "/leo_storage/avs/object/0.avs", 990);
    assert_owner(V "/leo_manager_1/work/queue/1/message0", 990);
    assert_owner(V "/leo_gateway/cache/data/0", 990);
}

/* A node's tree inside another node's, each with its own runner: walked one
 * after the other in the order found, every time (at once, the outer walk
 * would sometimes find the inner tree given to alice already and leave it
 * alone with a warning). */
Test(ownership, nested_trees_of_two_runners_are_walked_in_order)
{
    fixture_write(V "/leo_storage/etc/leo_storage.conf", "obj_containers.path = [/srv/data]\n",
                  0644);
    fixture_write(V "/leo_gateway/etc/leo_gateway.environment", "RUNNER_USER=alice\n", 0644);
    fixture_write(V "/leo_gateway/etc/leo_gateway.conf",
                  "cache.cache_disc_dir_data = /srv/data/cache\n", 0644);
    char path[64];
    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof path, "/srv/data/object/%d/o", i);
        fixture_write(path, "o", 0644);
        snprintf(path, sizeof path, "/srv/data/cache/%d/c", i);
        fixture_write(path, "c", 0644);
    }
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s\n%s", step->message, fixture_log());
    cr_assert_not(fixture_log_has(" trees walked on "), "%s", fixture_log());
    assert_owner("/srv/data/object/7/o", 990);
    assert_owner("/srv/data/cache", 1000);
    assert_owner("/srv/data/cache/199/c", 1000);
    assert_owner(V "/leo_gateway/cache/data/0", 1000);
}

/* A node's etc dir inside another runner's tree: judged as it is after
 * that tree's walk (alice's by then: another user's, left alone), not as
 * it was when the targets were found (root's). */
Test(ownership, a_dir_inside_another_runners_tree_is_judged_as_it_is_then)
{
    fixture_write(V "/leo_gateway/etc/leo_gateway.environment", "RUNNER_USER=alice\n", 0644);
    fixture_write(V "/leo_gateway/etc/leo_gateway.conf",
                  "cache.cache_disc_dir_data = " V "/leo_storage\n", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s\n%s", step->message, fixture_log());
    assert_owner(V "/leo_storage/avs/object/0.avs", 1000);
    assert_owner(V "/leo_storage/etc", 1000);
    cr_assert(fixture_log_has(V "/leo_storage/etc: left 1 entries of other users alone"), "%s",
              fixture_log());
    cr_assert_not(fixture_log_has(V "/leo_storage/etc: 1 of 1 entries owned by leofs"), "%s",
                  fixture_log());
}

Test(ownership, runner_user_per_node)
{
    fixture_write(V "/leo_gateway/etc/leo_gateway.environment", "RUNNER_USER=alice\n", 0644);
    run(false);
    assert_owner(V "/leo_gateway/cache/data/0", 1000);
    assert_owner(V "/leo_storage/avs/object/0.avs", 990);
}

Test(ownership, deep_tree_does_not_run_out_of_fds)
{
    char path[16384] = V "/leo_storage/avs";
    size_t length = strlen(path);
    for (int i = 0; i < 300; i++) {
        memcpy(path + length, "/d", 3);
        length += 2;
    }
    fixture_mkdir(path, 0755);
    memcpy(path + length, "/leaf", 6);
    fixture_write(path, "deep", 0644);
    run(false);
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s\n%s", step->message, fixture_log());
    assert_owner(path, 990);
}

Test(ownership, deep_tree_with_siblings_is_walked_whole)
{
    /* 100 levels (beyond the 64 open dirs: the upper ones are closed and
     * reopened at their place) of 300 files and the next dir each, so that
     * the dir comes amid the files and a level fills several reads. */
    char path[4096] = V "/leo_storage/avs";
    size_t top = strlen(path), length = top;
    for (int level = 0; level < 100; level++) {
        for (int i = 0; i < 300; i++) {
            snprintf(path + length, sizeof path - length, "/file-with-a-longer-name-%03d", i);
            fixture_write(path, "", 0644);
        }
        memcpy(path + length, "/d", 3);
        length += 2;
    }
    fixture_mkdir(path, 0755);
    int fd = open(fixture_path(V "/leo_storage/avs"), O_RDONLY | O_DIRECTORY);
    struct chown_stats stats;
    char error[256];
    cr_assert_eq(walk_chown(fd, "avs", 990, 990, (uid_t)-1, false, NULL, NULL, &stats, error,
                            sizeof error), 0, "%s", error);
    close(fd);
    /* avs and its 5 entries of the fixture, 100 dirs of 300 files and a dir */
    cr_assert_eq(stats.entries, 6 + 100 * 301, "%llu", stats.entries);
    cr_assert_eq(stats.changed, stats.entries);
    path[top] = '\0';
    length = top;
    for (int level = 0; level < 100; level++) {
        for (int i = 0; i < 300; i += 7) {
            snprintf(path + length, sizeof path - length, "/file-with-a-longer-name-%03d", i);
            assert_owner(path, 990);
        }
        memcpy(path + length, "/d", 3);
        length += 2;
        assert_owner(path, 990);
    }
}

Test(ownership, walk_counts_and_dry_run)
{
    int fd = open(fixture_path(V "/leo_storage/avs"), O_RDONLY | O_DIRECTORY);
    struct chown_stats stats;
    char error[256];
    cr_assert_eq(walk_chown(fd, "avs", 990, 990, (uid_t)-1, true, NULL, NULL, &stats, error, sizeof error), 0);
    cr_assert_eq(stats.entries, 6, "avs, object, 0.avs, metadata, 0, 000001.log: %llu", stats.entries);
    cr_assert_eq(stats.changed, 6);
    assert_owner(V "/leo_storage/avs", 0);
    cr_assert_eq(walk_chown(fd, "avs", 990, 990, (uid_t)-1, false, NULL, NULL, &stats, error, sizeof error), 0);
    cr_assert_eq(walk_chown(fd, "avs", 990, 990, (uid_t)-1, false, NULL, NULL, &stats, error, sizeof error), 0);
    cr_assert_eq(stats.changed, 0, "all right already");
    close(fd);
}

/* The post phase's report on the fixture, as JSON (malloc'd). */
static char *post_json(void)
{
    struct lu_request request = fixture_request();
    struct lu_report *json_report;
    lu_run_post(&request, &json_report);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    lu_report_write_json(json_report, out);
    fclose(out);
    lu_report_free(json_report);
    return text;
}

Test(ownership, json_keeps_utf8_names_and_replaces_invalid_bytes)
{
    fixture_write(V "/leo_storage/etc/leo_storage.conf", "queue_dir = /srv/\xc3\xa9t\xc3\xa9\xff/q\n", 0644);
    fixture_write("/srv/\xc3\xa9t\xc3\xa9\xff/q/m", "queued", 0644);
    char *text = post_json();
    cr_assert(strstr(text, "/srv/\xc3\xa9t\xc3\xa9\\ufffd/q: 2 of 2 entries owned by leofs"), "%s", text);
    free(text);
    assert_owner("/srv/\xc3\xa9t\xc3\xa9\xff/q/m", 990);
}

/* A name with C1 and bidi controls (a local user may make one) reaches a
 * JSON reader escaped, so that a terminal showing the report obeys neither. */
Test(ownership, json_escapes_c1_and_bidi_controls)
{
    fixture_write(V "/leo_storage/etc/leo_storage.conf", "queue_dir = /srv/a\xc2\x9b" "b\xe2\x80\xae" "c/q\n", 0644);
    fixture_write("/srv/a\xc2\x9b" "b\xe2\x80\xae" "c/q/m", "queued", 0644);
    char *text = post_json();
    cr_assert(strstr(text, "/srv/a\\u009bb\\u202ec/q: 2 of 2 entries owned by leofs"), "%s", text);
    cr_assert_null(strstr(text, "\xc2\x9b"), "%s", text);
    cr_assert_null(strstr(text, "\xe2\x80\xae"), "%s", text);
    free(text);
}

/* Where a custom dir really leads is found without /proc too (dpkg runs
 * maintainer scripts chrooted without it). */
static void custom_dirs_through_root_links(void)
{
    fixture_write("/data/avs/object/9.avs", "data", 0644);
    fixture_symlink("/data/avs", "/srv/avs");
    fixture_symlink("/etc", "/srv/etclink");
    fixture_write("/etc/passwd-", "backup", 0600);
    fixture_write(V "/leo_storage/etc/leo_storage.conf",
                  "obj_containers.path = [/srv/avs, /srv/etclink]\n", 0644);
    run(false);
    assert_owner("/data/avs/object/9.avs", 990);
    assert_owner("/etc/passwd-", 0);
    assert_owner("/etc", 0);
    cr_assert(fixture_log_has("/srv/etclink (obj_containers.path in"), "%s", fixture_log());
    cr_assert(fixture_log_has("it leads to /etc"), "%s", fixture_log());
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

Test(ownership, link_to_system_dir_refused_with_proc)
{
    custom_dirs_through_root_links();
}

Test(ownership, link_to_system_dir_refused_without_proc)
{
    fixture_hide_proc();
    custom_dirs_through_root_links();
}

/* parallel_run: every job once, on no more threads than asked. */
struct tally {
    unsigned char runs[1000];
};

static void count_run(void *data, size_t index)
{
    struct tally *t = data;
    __atomic_fetch_add(&t->runs[index], 1, __ATOMIC_RELAXED);
}

Test(parallel, every_job_runs_once)
{
    for (unsigned threads = 0; threads <= PARALLEL_MAX_THREADS + 2; threads++) {
        struct tally t = {{0}};
        unsigned used = parallel_run(1000, threads, count_run, &t);
        cr_assert(used >= 1 && used <= (threads ? threads : 1) && used <= PARALLEL_MAX_THREADS,
                  "%u threads asked, %u used", threads, used);
        for (size_t i = 0; i < 1000; i++)
            cr_assert_eq(t.runs[i], 1, "%u threads: job %zu ran %u times", threads, i, t.runs[i]);
    }
    struct tally none = {{0}};
    cr_assert_eq(parallel_run(0, 4, count_run, &none), 1);
    cr_assert_eq(parallel_run(1, 4, count_run, &none), 1);
    cr_assert_eq(none.runs[0], 1);
}
