/* test_races.c: hostile local users against leofs-upgrade post: names
 * swapped for links between the check and the use (a fault point stops
 * the program there, the test swaps, then lets it go on), a user's files
 * appearing in the stale pipe dir while it is removed, file names with
 * newlines and bytes that are not UTF-8, and 5000-level trees. Nothing
 * outside the intended paths may change owner, mode or content. */
#include "fixture.h"
#include "scenario.h"
#include "tool_run.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define V "/usr/local/leofs/1.3.8"
#define SHADOW "/etc/shadow"
#define ALICE FIXTURE_OTHER_UID

static struct tool_result result;

TestSuite(races, .fini = fixture_cleanup, .timeout = 300);

/* PATH has owner UID:GID, mode MODE and, when CONTENT is not NULL, that content. */
static void assert_untouched(const char *path, uid_t uid, gid_t gid, mode_t mode, const char *content)
{
    uid_t u;
    gid_t g;
    mode_t m;
    fixture_stat(path, &u, &g, &m);
    cr_assert(u == uid && g == gid && (m & 07777) == mode, "%s is now %u:%u %04o", path,
              (unsigned)u, (unsigned)g, (unsigned)(m & 07777));
    if (content) {
        char *now = fixture_read(path);
        cr_assert_str_eq(now, content, "%s changed", path);
        free(now);
    }
}

static void post_stopping_at(const char *fault, tool_stop_fn *on_stop)
{
    char setting[128];
    snprintf(setting, sizeof setting, "LEOFS_FAULT_AT=%s", fault);
    const char *env[] = {setting, NULL};
    scenario_post(env, on_stop, NULL, &result);
}

/* Every line of stderr is one of ours. */
static void assert_lines_are_ours(void)
{
    for (const char *line = result.err; *line;) {
        size_t length = strcspn(line, "\n");
        cr_assert_eq(strncmp(line, "leofs-upgrade: ", 15), 0, "a line not ours: %.*s", (int)length, line);
        cr_assert_eq(strncmp(line, "leofs-upgrade: error: forged", 28) == 0, 0, "a forged line");
        line += length + (line[length] == '\n');
    }
}

/* A directory users may write to inside a data dir, holding alice's link
 * to /etc/shadow and alice's subdir; at the stop, the link becomes a hard
 * link to /etc/shadow and the subdir a link to /secret. Made in 1.3.7's
 * avs: the data-move step brings it into 1.3.8's before the walk. */
#define OLD_AVS "/usr/local/leofs/1.3.7/leo_storage/avs"
static void drop_dir(void)
{
    fixture_write(SHADOW, "root:secret", 0600);
    fixture_write("/secret/key", "key", 0600);
    fixture_mkdir(OLD_AVS "/drop", 01777);
    fixture_symlink(SHADOW, OLD_AVS "/drop/link");
    fixture_chown(OLD_AVS "/drop/link", ALICE, ALICE);
    fixture_mkdir(OLD_AVS "/drop/sub", 0755);
    fixture_chown(OLD_AVS "/drop/sub", ALICE, ALICE);
    /* Last: making its entries gave drop the fixture's 0755 again. */
    cr_assert_eq(chmod(fixture_path(OLD_AVS "/drop"), 01777), 0);
}

static void swap_links(void *data)
{
    (void)data;
    struct stat st;
    if (lstat(fixture_path(V "/leo_storage/avs/drop/link"), &st) == 0 && S_ISLNK(st.st_mode)) {
        cr_assert_eq(unlink(fixture_path(V "/leo_storage/avs/drop/link")), 0);
        cr_assert_eq(link(fixture_path(SHADOW), fixture_path(V "/leo_storage/avs/drop/link")), 0);
    }
    if (lstat(fixture_path(V "/leo_storage/avs/drop/sub"), &st) == 0 && S_ISDIR(st.st_mode)) {
        cr_assert_eq(rmdir(fixture_path(V "/leo_storage/avs/drop/sub")), 0);
        cr_assert_eq(symlink("/secret", fixture_path(V "/leo_storage/avs/drop/sub")), 0);
    }
}

Test(races, links_swapped_between_inspection_and_chown_change_nothing_outside)
{
    unsigned tried = 0;
    for (unsigned hit = 1;; hit++) {
        char fault[64];
        snprintf(fault, sizeof fault, "walk-entry:%u:pause", hit);
        scenario_build();
        drop_dir();
        post_stopping_at(fault, swap_links);
        if (result.stops == 0) {
            fixture_cleanup();
            break;
        }
        tried++;
        cr_assert(result.exited, "%s: ended by signal %d", fault, result.signal);
        assert_untouched(SHADOW, 0, 0, 0600, "root:secret");
        assert_untouched("/etc", 0, 0, 0755, NULL);
        assert_untouched("/secret", 0, 0, 0755, NULL);
        assert_untouched("/secret/key", 0, 0, 0600, "key");
        fixture_cleanup();
    }
    fprintf(stderr, "races: walk swaps: %u cases\n", tried);
    cr_assert_gt(tried, 50);
}

static void current_becomes_a_directory(void *data)
{
    (void)data;
    cr_assert_eq(unlink(fixture_path("/usr/local/leofs/current")), 0);
    fixture_write("/usr/local/leofs/current/notes", "the admin's notes", 0644);
}

Test(races, current_replaced_by_a_directory_during_the_swap_is_left_alone)
{
    scenario_build();
    post_stopping_at("current-swap:1:pause", current_becomes_a_directory);
    cr_assert_eq(result.stops, 1);
    cr_assert(result.exited && result.exit_status == 3, "exit %d: %s", result.exit_status, result.err);
    cr_assert(strstr(result.err, "leofs-upgrade: error: current-symlink: cannot point "), "%s",
              result.err);
    assert_untouched("/usr/local/leofs/current/notes", 0, 0, 0644, "the admin's notes");
    cr_assert_not(fixture_exists("/usr/local/leofs/.current.leofs-upgrade"), "temporary link left");
    assert_lines_are_ours();
}

static void cookie_link_appears(void *data)
{
    (void)data;
    if (fixture_exists("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp"))
        fixture_symlink(SHADOW, "/usr/local/leofs/.erlang.cookie");
}

Test(races, cookie_link_appearing_while_the_cookie_is_made_is_not_replaced)
{
    unsigned seen = 0;
    for (unsigned hit = 1;; hit++) {
        char fault[64];
        snprintf(fault, sizeof fault, "atomic-write:%u:pause", hit);
        scenario_build();
        fixture_write(SHADOW, "root:secret", 0600);
        post_stopping_at(fault, cookie_link_appears);
        if (result.stops == 0) {
            fixture_cleanup();
            break;
        }
        struct stat st;
        if (lstat(fixture_path("/usr/local/leofs/.erlang.cookie"), &st) == 0 && S_ISLNK(st.st_mode)) {
            seen++;
            cr_assert(strstr(result.err, "cookie: cannot create"), "%s", result.err);
            cr_assert_not(fixture_exists("/usr/local/leofs/..erlang.cookie.leofs-upgrade-tmp"));
        }
        assert_untouched(SHADOW, 0, 0, 0600, "root:secret");
        fixture_cleanup();
    }
    cr_assert_eq(seen, 1, "the cookie is written once");
}

static void pipe_dir_becomes_a_link(void *data)
{
    (void)data;
    cr_assert_eq(rename(fixture_path("/tmp/usr"), fixture_path("/tmp/usr.moved")), 0);
    fixture_symlink("/victim", "/tmp/usr");
}

Test(races, pipe_dir_swapped_for_a_link_before_it_is_opened_is_left_alone)
{
    scenario_build();
    fixture_write("/victim/data", "precious", 0644);
    post_stopping_at("pipe-dir-open:1:pause", pipe_dir_becomes_a_link);
    cr_assert_eq(result.stops, 1);
    cr_assert(result.exited, "ended by signal %d", result.signal);
    cr_assert(strstr(result.err, "changed while being inspected: left alone"), "%s", result.err);
    assert_untouched("/victim/data", 0, 0, 0644, "precious");
    assert_untouched("/victim", 0, 0, 0755, NULL);
}

#define PIPE_NODE "/tmp/usr/local/leofs/1.3.7/leo_storage"

static void alice_drops_files(void *data)
{
    (void)data;
    fixture_write(PIPE_NODE "/zz-alice", "alice's", 0600);
    fixture_chown(PIPE_NODE "/zz-alice", ALICE, ALICE);
    fixture_symlink("/etc", PIPE_NODE "/zz-link");
    fixture_chown(PIPE_NODE "/zz-link", ALICE, ALICE);
}

Test(races, user_files_appearing_in_the_pipe_dir_during_removal_are_kept)
{
    scenario_build();
    fixture_write(SHADOW, "root:secret", 0600);
    cr_assert_eq(chmod(fixture_path(PIPE_NODE), 01777), 0);
    post_stopping_at("pipe-dir-remove:1:pause", alice_drops_files);
    cr_assert_eq(result.stops, 1);
    cr_assert(result.exited && result.exit_status == 3, "exit %d: %s", result.exit_status, result.err);
    /* Seen by the removal walk ("is not root's") or not (its directory
     * is then not empty): either way only root's files went. */
    cr_assert(strstr(result.err, "is not root's") || strstr(result.err, "Directory not empty"),
              "%s", result.err);
    assert_untouched(PIPE_NODE "/zz-alice", ALICE, ALICE, 0600, "alice's");
    uid_t uid;
    fixture_stat(PIPE_NODE "/zz-link", &uid, NULL, NULL);
    cr_assert_eq(uid, ALICE);
    assert_untouched("/etc", 0, 0, 0755, NULL);
    assert_untouched(SHADOW, 0, 0, 0600, "root:secret");
    assert_lines_are_ours();
}

Test(races, names_with_newlines_and_invalid_utf8_forge_no_line)
{
    scenario_build();
    fixture_write(SHADOW, "root:secret", 0600);
    /* Hard links are reported by name, so the name reaches the log. */
    const char *forged = OLD_AVS "/a\nleofs-upgrade: error: forged";
    cr_assert_eq(link(fixture_path(SHADOW), fixture_path(forged)), 0);
    fixture_write(OLD_AVS "/\xff\xfe\n\x1b[31m", "odd", 0644);
    fixture_write("/usr/local/leofs/1.3.7/leo_gateway/cache/\xc3\x28", "odd", 0644);
    scenario_post(NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
    assert_lines_are_ours();
    cr_assert(strstr(result.err, "a?leofs-upgrade: error: forged"), "%s", result.err);
    assert_untouched(SHADOW, 0, 0, 0600, "root:secret");
    assert_untouched(V "/leo_storage/avs/\xff\xfe\n\x1b[31m", 990, 990, 0644, "odd");
    assert_untouched(V "/leo_gateway/cache/\xc3\x28", 990, 990, 0644, "odd");

    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "--json",
                          "check", NULL};
    tool_run(argv, NULL, NULL, NULL, &result);
    cr_assert_eq(strchr(result.out, '\n'), result.out + strlen(result.out) - 1,
                 "one JSON document, one line: %s", result.out);
    cr_assert_null(strstr(result.out, "\xff"), "bytes that are not UTF-8 are replaced");
}

/* A chain of LEVELS directories "d" below PATH with a file "leaf" at the
 * bottom (deeper than PATH_MAX: made with *at() calls). */
static void deep_chain(const char *path, int levels)
{
    fixture_mkdir(path, 0755);
    int fd = open(fixture_path(path), O_RDONLY | O_DIRECTORY);
    cr_assert(fd >= 0);
    for (int i = 0; i < levels; i++) {
        cr_assert(mkdirat(fd, "d", 0755) == 0 || errno == EEXIST);
        int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        cr_assert(next >= 0, "level %d: %s", i, strerror(errno));
        close(fd);
        fd = next;
    }
    /* A FIFO: the one kind of file a pipe dir holds. */
    cr_assert(mkfifoat(fd, "leaf", 0644) == 0, "%s", strerror(errno));
    close(fd);
}

/* Owner of PATH's leaf, or -1 when the chain is gone. */
static long deep_leaf_owner(const char *path, int levels)
{
    int fd = open(fixture_path(path), O_RDONLY | O_DIRECTORY);
    for (int i = 0; fd >= 0 && i < levels; i++) {
        int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        close(fd);
        fd = next;
    }
    struct stat st;
    long owner = fd >= 0 && fstatat(fd, "leaf", &st, AT_SYMLINK_NOFOLLOW) == 0 ? (long)st.st_uid : -1;
    if (fd >= 0)
        close(fd);
    return owner;
}

/* Remove the chain bottom-up, for fixture_cleanup (nftw stops at PATH_MAX). */
static void remove_chain(const char *path, int levels)
{
    int fd = open(fixture_path(path), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return;
    int depth = 0;
    while (depth < levels) {
        int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (next < 0)
            break;
        close(fd);
        fd = next;
        depth++;
    }
    unlinkat(fd, "leaf", 0);
    for (; depth > 0; depth--) {
        int up = openat(fd, "..", O_RDONLY | O_DIRECTORY);
        close(fd);
        fd = up;
        cr_assert(fd >= 0 && unlinkat(fd, "d", AT_REMOVEDIR) == 0);
    }
    close(fd);
}

#define DEPTH 5000

Test(races, trees_5000_levels_deep_are_walked_and_removed)
{
    scenario_build();
    /* In 1.3.7's avs: the data-move step brings it into 1.3.8's, then the walk. */
    deep_chain("/usr/local/leofs/1.3.7/leo_storage/avs/deep", DEPTH);
    deep_chain(PIPE_NODE "/deep", DEPTH);
    scenario_post(NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 0, "exit %d: %s", result.exit_status, result.err);
    cr_assert_eq(deep_leaf_owner(V "/leo_storage/avs/deep", DEPTH), 990);
    cr_assert_not(fixture_exists("/tmp/usr"), "the stale pipe dir with its deep tree is gone");
    scenario_post(NULL, NULL, NULL, &result);
    cr_assert(result.exited && result.exit_status == 0);
    cr_assert_str_eq(result.err, "", "a re-run has nothing to say: %s", result.err);
    remove_chain(V "/leo_storage/avs/deep", DEPTH);
}
