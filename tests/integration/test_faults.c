/* test_faults.c: leofs-upgrade against failing systems: a full and a
 * read-only filesystem under the root (small tmpfs mounts), a run without
 * privileges, directories vanishing in the middle of the ownership walk,
 * an epmd port that never answers, and broken or locked rpm databases.
 * Each must end with a clear error line, and a re-run once the fault is
 * gone must end exactly as an uninterrupted run. */
#include "fake_epmd.h"
#include "fixture.h"
#include "scenario.h"
#include "tool_run.h"
#include "tree_snapshot.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static struct tool_result result;
static char mount_dir[64];
static char *reference;

/* A tmpfs of its own with OPTIONS becomes $TMPDIR, so that the fixture
 * root is made on it; the test is skipped where mounting is not allowed. */
static void mount_tmpfs(const char *options)
{
    snprintf(mount_dir, sizeof mount_dir, "/tmp/lu-mount-XXXXXX");
    cr_assert(mkdtemp(mount_dir));
    if (mount("tmpfs", mount_dir, "tmpfs", 0, options) < 0) {
        int saved = errno;
        rmdir(mount_dir);
        mount_dir[0] = '\0';
        cr_skip_test("cannot mount a tmpfs here (%s): this container does not allow mount, so "
                     "the full and read-only filesystem cases were not run", strerror(saved));
    }
    setenv("TMPDIR", mount_dir, 1);
}

static void teardown(void)
{
    fixture_cleanup();
    unsetenv("TMPDIR");
    if (mount_dir[0]) {
        umount2(mount_dir, MNT_DETACH);
        rmdir(mount_dir);
        mount_dir[0] = '\0';
    }
    free(reference);
    reference = NULL;
}

/* Does stderr hold an error line naming NEEDLE? */
static bool error_line_has(const char *needle)
{
    for (const char *line = result.err; *line;) {
        size_t length = strcspn(line, "\n");
        if (strncmp(line, "leofs-upgrade: error: ", 22) == 0) {
            char *copy = strndup(line, length);
            bool found = strstr(copy, needle) != NULL;
            free(copy);
            if (found)
                return true;
        }
        line += length + (line[length] == '\n');
    }
    return false;
}

/* Re-run without the fault: success, and the reference tree. */
static void rerun_ends_like_reference(void)
{
    scenario_post(NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 0, "the re-run failed (%d): %s",
              result.exit_status, result.err);
    char *got = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    cr_assert_str_eq(got, reference, "after the re-run: %s", tree_snapshot_difference(got, reference));
    free(got);
}

static size_t temp_files(void)
{
    char *now = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    size_t count = tree_snapshot_count_names(now, ".leofs-upgrade");
    free(now);
    return count;
}

TestSuite(faults, .fini = teardown, .timeout = 300);

Test(faults, full_filesystem_fails_the_writes_and_a_rerun_completes)
{
    reference = scenario_reference();
    mount_tmpfs("size=4m,mode=0755");
    scenario_build();
    /* Fill what is left, in pages, then in bytes. */
    char filler[256];
    snprintf(filler, sizeof filler, "%s/filler", mount_dir);
    int fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0);
    static char block[65536];
    for (size_t size = sizeof block; size >= 1; size /= 2)
        while (write(fd, block, size) == (ssize_t)size)
            continue;
    cr_assert_eq(errno, ENOSPC);
    close(fd);

    scenario_post(NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 3, "exit %d: %s", result.exit_status, result.err);
    cr_assert(error_line_has("No space left on device"), "%s", result.err);
    cr_assert(error_line_has("config-takeover"), "%s", result.err);
    cr_assert_eq(temp_files(), 0, "a failed write leaves no temporary file");
    char *conf = fixture_read("/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf");
    cr_assert(strstr(conf, "log.log_level = 2"), "the operator's file is intact: %s", conf);
    free(conf);

    cr_assert_eq(unlink(filler), 0);
    rerun_ends_like_reference();
}

Test(faults, read_only_filesystem_changes_nothing_and_a_rerun_completes)
{
    reference = scenario_reference();
    mount_tmpfs("size=16m,mode=0755");
    scenario_build();
    char *before = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    cr_assert_eq(mount(NULL, mount_dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0, "%s", strerror(errno));

    scenario_post(NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 3, "exit %d: %s", result.exit_status, result.err);
    cr_assert(error_line_has("Read-only file system"), "%s", result.err);
    char *after = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    cr_assert_str_eq(after, before, "%s", tree_snapshot_difference(after, before));
    free(before);
    free(after);

    cr_assert_eq(mount(NULL, mount_dir, NULL, MS_REMOUNT, NULL), 0, "%s", strerror(errno));
    rerun_ends_like_reference();
}

Test(faults, run_without_privileges_changes_nothing_and_says_why)
{
    reference = scenario_reference();
    scenario_build();
    char *before = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "-q",
                          "post", "1.3.8", NULL};
    tool_run_as(NOBODY, NOBODY, argv, NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 3, "exit %d: %s", result.exit_status, result.err);
    cr_assert(error_line_has("Permission denied"), "%s", result.err);
    cr_assert(error_line_has("Operation not permitted"), "%s", result.err);
    char *after = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
    cr_assert_str_eq(after, before, "%s", tree_snapshot_difference(after, before));
    free(before);
    free(after);
    rerun_ends_like_reference();
}

/* The data dirs whose removal the walk must survive. */
static const char *const vanishing[] = {
    "/usr/local/leofs/1.3.8/leo_storage/avs",
    "/usr/local/leofs/1.3.8/leo_gateway/cache",
    "/usr/local/leofs/1.3.8/leo_manager_0/log",
    "/var/leofs/avs/object",
};

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void remove_data_dirs(void *data)
{
    (void)data;
    for (size_t i = 0; i < sizeof vanishing / sizeof *vanishing; i++)
        nftw(fixture_path(vanishing[i]), remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}

/* The reference without the entries under the removed dirs. */
static char *without_vanished(const char *snapshot)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    for (const char *line = snapshot; *line;) {
        size_t length = strcspn(line, "\n");
        bool gone = false;
        for (size_t i = 0; i < sizeof vanishing / sizeof *vanishing; i++) {
            size_t n = strlen(vanishing[i]);
            gone |= strncmp(line, vanishing[i], n) == 0 && (line[n] == ' ' || line[n] == '/');
        }
        if (!gone)
            fprintf(f, "%.*s\n", (int)length, line);
        line += length + 1;
    }
    fclose(f);
    return out;
}

Test(faults, directories_vanishing_during_the_walk_are_skipped)
{
    reference = scenario_reference();
    char *want = without_vanished(reference);
    unsigned tried = 0;
    for (unsigned hit = 1;; hit += 5) {
        char fault[64];
        snprintf(fault, sizeof fault, "LEOFS_FAULT_AT=walk-chown:%u:pause", hit);
        const char *env[] = {fault, NULL};
        scenario_build();
        scenario_post(env, remove_data_dirs, NULL, &result);
        if (result.stops == 0) { /* past the last chown */
            fixture_cleanup();
            break;
        }
        tried++;
        cr_assert(result.exited && result.exit_status == 0, "%s: exit %d: %s", fault,
                  result.exit_status, result.err);
        scenario_post(NULL, NULL, NULL, &result);
        cr_assert(result.exited && result.exit_status == 0, "%s: re-run: %s", fault, result.err);
        char *got = tree_snapshot(fixture_path(""), SCENARIO_VOLATILE);
        cr_assert_str_eq(got, want, "%s: %s", fault, tree_snapshot_difference(got, want));
        free(got);
        fixture_cleanup();
    }
    fprintf(stderr, "faults: vanishing dirs: %u cases\n", tried);
    cr_assert_gt(tried, 10);
    free(want);
}

/* A policy naming PORT as the root's epmd port. */
static void epmd_port_policy(int port)
{
    char policy[64];
    snprintf(policy, sizeof policy, "epmd_port = %d\n", port);
    fixture_write("/etc/leofs/upgrade.conf", policy, 0644);
}

static void pre(void)
{
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "-q",
                          "pre", "1.3.8", NULL};
    tool_run(argv, NULL, NULL, NULL, &result);
}

Test(faults, epmd_that_never_answers_refuses_then_the_rerun_passes)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    struct fake_epmd_config config = {.mode = FAKE_SILENT};
    epmd_port_policy(fake_epmd_start(&config));
    pre();
    fake_epmd_stop();
    cr_assert(result.exited && result.exit_status == 1, "exit %d: %s", result.exit_status, result.err);
    cr_assert(error_line_has("cannot tell whether LeoFS nodes run"), "%s", result.err);
    pre();
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
}

Test(faults, port_held_by_a_process_that_never_accepts_refuses)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    /* Listening with a backlog, never calling accept: connects succeed,
     * nothing is ever read or answered. */
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    cr_assert_eq(bind(listener, (struct sockaddr *)&address, sizeof address), 0);
    cr_assert_eq(listen(listener, 8), 0);
    cr_assert_eq(getsockname(listener, (struct sockaddr *)&address, &length), 0);
    epmd_port_policy(ntohs(address.sin_port));
    pre();
    close(listener);
    cr_assert(result.exited && result.exit_status == 1, "exit %d: %s", result.exit_status, result.err);
    cr_assert(error_line_has("cannot tell whether LeoFS nodes run"), "%s", result.err);
    pre();
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
}

#ifdef HAVE_RPM_VIEW
/* A HOME whose .rpmmacros puts the rpmdb at /var/lib/rpm (Debian's rpm
 * defaults to ~/.rpmdb), made inside the fixture root's /root. */
static char home_setting[4200];

static void rpm_root(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.7");
    fixture_write("/root/.rpmmacros", "%_dbpath /var/lib/rpm\n", 0644);
    snprintf(home_setting, sizeof home_setting, "HOME=%s", fixture_path("/root"));
}

static void rpm_initdb(void)
{
    const char *argv[] = {"/usr/bin/rpm", "--root", fixture_path(""), "--initdb", NULL};
    const char *env[] = {home_setting, NULL};
    tool_run(argv, env, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 0, "rpm --initdb: %s", result.err);
}

static void pre_rpm_as(uid_t uid)
{
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "rpm", "-q",
                          "pre", "1.3.8", NULL};
    /* Sanitizer builds: librpm leaks when it fails to open a database. */
    const char *env[] = {home_setting, "LSAN_OPTIONS=suppressions=" LU_SOURCE_DIR
                         "/tests/sanitizer/lsan.supp", NULL};
    tool_run_as(uid, uid, argv, env, NULL, NULL, &result);
}

/* Our own line: "leofs-upgrade: <what>" (rpm prints its "error:" lines too). */
static bool our_line_has(const char *needle)
{
    for (const char *line = result.err; *line;) {
        size_t length = strcspn(line, "\n");
        char *copy = strndup(line, length);
        bool found = strncmp(copy, "leofs-upgrade: ", 15) == 0 && strstr(copy, needle);
        free(copy);
        if (found)
            return true;
        line += length + (line[length] == '\n');
    }
    return false;
}

Test(faults, missing_rpm_database_is_an_error_not_an_empty_one)
{
    rpm_root();
    pre_rpm_as((uid_t)-1);
    cr_assert(result.exited && result.exit_status == 2, "exit %d: %s", result.exit_status, result.err);
    cr_assert(our_line_has("no rpm database in "), "%s", result.err);
    cr_assert(our_line_has("/var/lib/rpm (rpm's %_dbpath is /var/lib/rpm): No such file"), "%s",
              result.err);
    rpm_initdb();
    pre_rpm_as((uid_t)-1);
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
}

Test(faults, garbage_rpm_database_is_an_error)
{
    rpm_root();
    fixture_write("/var/lib/rpm/rpmdb.sqlite", "this is not an sqlite database\n", 0644);
    pre_rpm_as((uid_t)-1);
    cr_assert(result.exited && result.exit_status == 2, "exit %d: %s", result.exit_status, result.err);
    cr_assert(our_line_has("cannot open the rpm database of"), "%s", result.err);
    cr_assert_eq(unlink(fixture_path("/var/lib/rpm/rpmdb.sqlite")), 0);
    rpm_initdb();
    pre_rpm_as((uid_t)-1);
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
}

Test(faults, rpm_database_unreadable_to_the_user_is_an_error)
{
    rpm_root();
    rpm_initdb();
    cr_assert_eq(chmod(fixture_path("/var/lib/rpm"), 0700), 0);
    cr_assert_eq(chmod(fixture_path("/root"), 0755), 0);
    pre_rpm_as(NOBODY);
    cr_assert(result.exited && result.exit_status == 2, "exit %d: %s", result.exit_status, result.err);
    cr_assert(our_line_has("Permission denied") || our_line_has("cannot open the rpm database of"),
              "%s", result.err);
    pre_rpm_as((uid_t)-1);
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
}

Test(faults, rpm_database_locked_by_a_writer_is_read_as_last_committed)
{
    rpm_root();
    rpm_initdb();
    /* A writer holding an exclusive transaction, as rpm -i does while it
     * installs; it stays until its stdin closes. */
    int to_writer[2], from_writer[2];
    cr_assert_eq(pipe(to_writer), 0);
    cr_assert_eq(pipe(from_writer), 0);
    pid_t writer = fork();
    cr_assert(writer >= 0);
    if (writer == 0) {
        dup2(to_writer[0], 0);
        dup2(from_writer[1], 1);
        close(to_writer[1]);
        close(from_writer[0]);
        execl("/usr/bin/python3", "python3", "-c",
              "import sqlite3, sys\n"
              "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "c.execute('BEGIN EXCLUSIVE')\n"
              "c.execute('CREATE TABLE IF NOT EXISTS lu_probe (x)')\n"
              "print('locked', flush=True)\n"
              "sys.stdin.read()\n",
              fixture_path("/var/lib/rpm/rpmdb.sqlite"), (char *)NULL);
        _exit(127);
    }
    close(to_writer[0]);
    close(from_writer[1]);
    char ready[16] = "";
    size_t got = 0;
    ssize_t n;
    while (got < sizeof ready - 1 && !strchr(ready, '\n') &&
           (n = read(from_writer[0], ready + got, sizeof ready - 1 - got)) > 0)
        got += (size_t)n;
    cr_assert_str_eq(ready, "locked\n", "the writer did not take its lock");
    pre_rpm_as((uid_t)-1);
    close(to_writer[1]);
    close(from_writer[0]);
    waitpid(writer, NULL, 0);
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
}
#endif
