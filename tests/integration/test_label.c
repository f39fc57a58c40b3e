/* test_label.c: the SELinux labels of what the steps write (common/label.c),
 * through libselinux's real file-contexts backend, on a machine without an
 * SELinux kernel. Root can still write security.selinux xattrs there (ext4,
 * tmpfs); a test build labels with the file_contexts file named by
 * LEOFS_TEST_FILE_CONTEXTS, in any root. Every entry of the tree is first
 * labelled "before_t"; after the config save and the post phase of the
 * scenario's upgrade, every file, dir and link the run created or replaced
 * (a new inode) carries the context selabel_lookup gives for its path, what
 * the data move renamed keeps its label (as mv does), and every other entry
 * still has before_t. Once with the fixture as a root,
 * once with it as "/" (a child chrooted into it, without /proc, as dpkg's
 * maintainer scripts run). Skipped, saying so, where the filesystem of
 * $TMPDIR takes no security.selinux xattr. */
#include "fixture.h"
#include "scenario.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define XATTR "security.selinux"
#define BEFORE "system_u:object_r:before_t:s0"
#define CONTEXTS_FILE "/etc/selinux/test/file_contexts"

/* Contexts that differ by path and by file type, so that a label looked up
 * for the wrong path or mode shows. */
static const char contexts[] =
    "/.*\tsystem_u:object_r:default_t:s0\n"
    "/usr/local/leofs(/.*)?\tsystem_u:object_r:leofs_t:s0\n"
    "/usr/local/leofs/current\t-l\tsystem_u:object_r:leofs_current_t:s0\n"
    "/usr/local/leofs/\\.erlang\\.cookie\t--\tsystem_u:object_r:leofs_cookie_t:s0\n"
    "/usr/local/leofs/[^/]+/[^/]+/etc(/.*)?\t--\tsystem_u:object_r:leofs_conf_t:s0\n"
    "/usr/local/leofs/[^/]+/[^/]+/etc(/.*)?\t-d\tsystem_u:object_r:leofs_conf_dir_t:s0\n"
    "/var/lib/leofs-upgrade-hooks(/.*)?\tsystem_u:object_r:leofs_save_t:s0\n";

#define MAX_ENTRIES 4096

struct entry {
    char path[512]; /* inside the root, "/..." */
    ino_t ino;
    mode_t mode;
    char label[128]; /* "" for none */
};

static struct entry before[MAX_ENTRIES], after[MAX_ENTRIES];
static size_t before_count, after_count;
static struct entry *walk_into;
static size_t *walk_count;
static size_t top_length;

static int record(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)type;
    if (ftw->level == 0)
        return 0;
    cr_assert_lt(*walk_count, MAX_ENTRIES);
    struct entry *e = &walk_into[(*walk_count)++];
    snprintf(e->path, sizeof e->path, "%s", path + top_length);
    e->ino = st->st_ino;
    e->mode = st->st_mode;
    ssize_t n = lgetxattr(path, XATTR, e->label, sizeof e->label - 1);
    e->label[n > 0 ? n : 0] = '\0';
    return 0;
}

static void walk(struct entry *into, size_t *count)
{
    const char *top = fixture_path("");
    top_length = strlen(top);
    walk_into = into;
    walk_count = count;
    *count = 0;
    cr_assert_eq(nftw(top, record, 32, FTW_PHYS), 0, "cannot walk %s", top);
}

static const struct entry *find(const struct entry *list, size_t count, const char *path)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].path, path) == 0)
            return &list[i];
    return NULL;
}

/* PATH without its "/usr/local/leofs/VERSION/" start, NULL when it has none. */
static const char *in_version(const char *path)
{
    static const char home[] = "/usr/local/leofs/";
    if (strncmp(path, home, sizeof home - 1) != 0)
        return NULL;
    const char *slash = strchr(path + sizeof home - 1, '/');
    return slash ? slash + 1 : NULL;
}

/* The entry of BEFORE that E was before the data move renamed it: same
 * inode and type, the same place in another version's dir, its old path
 * gone from AFTER (or another inode there). Anything else with an inode
 * number seen before is a new file that reuses a freed inode. */
static const struct entry *moved_here(const struct entry *e)
{
    const char *place = in_version(e->path);
    for (size_t i = 0; place && i < before_count; i++) {
        const char *was = in_version(before[i].path);
        if (before[i].ino != e->ino || (before[i].mode & S_IFMT) != (e->mode & S_IFMT) || !was ||
            strcmp(was, place) != 0)
            continue;
        const struct entry *now = find(after, after_count, before[i].path);
        if (!now || now->ino != e->ino)
            return &before[i];
    }
    return NULL;
}

/* Label every entry BEFORE and remember the tree. Where security.selinux
 * cannot be written, skip the test (loudly) and return false. */
static bool label_everything_before(void)
{
    walk(before, &before_count);
    for (size_t i = 0; i < before_count; i++) {
        if (lsetxattr(fixture_path(before[i].path), XATTR, BEFORE, sizeof BEFORE, 0) == 0)
            continue;
        int error = errno;
        cr_assert(i == 0 && (error == ENOTSUP || error == EPERM), "setxattr %s on %s: %s", XATTR,
                  before[i].path, strerror(error));
        /* Also on stderr: Criterion lists skips only when verbose. */
        fprintf(stderr, "skip - label: %s takes no %s xattr (%s)\n", fixture_path(""), XATTR,
                strerror(error));
        cr_skip_test("the filesystem of %s takes no %s xattr (%s): labels cannot be checked "
                     "here; set TMPDIR to an ext4 or tmpfs dir", fixture_path(""), XATTR,
                     strerror(error));
        return false;
    }
    walk(before, &before_count);
    return true;
}

/* Every new inode has its looked-up context, every old one the label it had
 * (BEFORE, or the one the last run gave it). At least
 * MUST_BE_NEW (NULL-terminated paths) must be among the new ones. Then the
 * tree as it is now is the one the next check compares with. */
static void check_labels(struct selabel_handle *handle, const char *when,
                         const char *const *must_be_new)
{
    walk(after, &after_count);
    size_t new_count = 0;
    for (size_t i = 0; i < after_count; i++) {
        const struct entry *e = &after[i];
        if (strcmp(e->path, CONTEXTS_FILE) == 0)
            continue;
        const struct entry *old = find(before, before_count, e->path);
        const char *label = e->label[0] ? e->label : "no label";
        if (old && old->ino == e->ino) {
            cr_expect_str_eq(e->label, old->label, "%s: %s, which it did not write, has %s "
                             "instead of %s", when, e->path, label, old->label);
            continue;
        }
        const struct entry *moved = moved_here(e);
        if (moved) {
            /* The data move renames a node's data dirs: a rename keeps the
             * labels, as mv(1) does (file_contexts gives every version dir
             * the same rules), and relabelling an avs tree would be a walk. */
            cr_expect_str_eq(e->label, moved->label, "%s: %s, moved from %s, has %s instead of "
                             "%s", when, e->path, moved->path, label, moved->label);
            continue;
        }
        new_count++;
        char *wanted = NULL;
        cr_assert_eq(selabel_lookup(handle, &wanted, e->path, (int)(e->mode & S_IFMT)), 0,
                     "selabel_lookup %s: %s", e->path, strerror(errno));
        cr_expect_str_eq(e->label, wanted, "%s: %s (mode %o), which it wrote, has %s instead "
                         "of %s", when, e->path, (unsigned)e->mode, label, wanted);
        freecon(wanted);
    }
    for (size_t i = 0; must_be_new[i]; i++) {
        const struct entry *e = find(after, after_count, must_be_new[i]);
        const struct entry *old = find(before, before_count, must_be_new[i]);
        cr_expect(e && (!old || old->ino != e->ino), "%s: %s was not written", when,
                  must_be_new[i]);
    }
    cr_assert_gt(new_count, 0, "%s wrote nothing", when);
    cr_log_info("%s: %zu entries written, labelled as file_contexts says", when, new_count);
    memcpy(before, after, sizeof after[0] * after_count);
    before_count = after_count;
}

static struct selabel_handle *open_contexts(void)
{
    fixture_write(CONTEXTS_FILE, contexts, 0644);
    struct selinux_opt path = {SELABEL_OPT_PATH, fixture_path(CONTEXTS_FILE)};
    struct selabel_handle *handle = selabel_open(SELABEL_CTX_FILE, &path, 1);
    cr_assert(handle, "selabel_open %s: %s", path.value, strerror(errno));
    return handle;
}

static const char *const saved[] = {"/var/lib/leofs-upgrade-hooks/saved/1.3.7", NULL};
static const char *const written[] = {
    "/usr/local/leofs/current", "/usr/local/leofs/.erlang.cookie",
    "/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf", NULL};

/* Save 1.3.7's configs (as before its package's files go), then the post
 * phase for 1.3.8, in the fixture root as a root. */
Test(label, in_a_root, .fini = fixture_cleanup)
{
    scenario_build();
    struct selabel_handle *handle = open_contexts();
    if (!label_everything_before())
        return;
    cr_assert_eq(setenv("LEOFS_TEST_FILE_CONTEXTS", fixture_path(CONTEXTS_FILE), 1), 0);
    struct lu_request request = fixture_request();
    enum lu_outcome outcome = lu_run_save(&request, "1.3.7", NULL);
    cr_assert_eq(outcome, LU_OUTCOME_OK, "save: %s", fixture_log());
    check_labels(handle, "config save", saved);
    request.new_version = "1.3.8";
    outcome = lu_run_post(&request, NULL);
    cr_assert_eq(outcome, LU_OUTCOME_OK, "post: %s", fixture_log());
    check_labels(handle, "post phase", written);
    selabel_close(handle);
}

/* A port nothing listens on, for the epmd steps on "/". */
static int unused_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof a;
    cr_assert(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(s, (struct sockaddr *)&a, &length) == 0);
    close(s);
    return ntohs(a.sin_port);
}

static void log_to_stderr(void *data, enum lu_level level, const char *line)
{
    (void)data;
    if (level >= LU_LOG_WARNING)
        fprintf(stderr, "%s\n", line);
}

/* PHASE run by a child chrooted into the fixture root, on "/". */
static void run_on_slash(const char *what)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        /* libselinux (and what it loads) cannot be found once in the root:
         * loaded now, label.c's dlopen finds it by its name. */
        if (!dlopen("libselinux.so.1", RTLD_NOW | RTLD_GLOBAL) || chroot(fixture_path("")) < 0 ||
            chdir("/") < 0)
            _exit(3);
        struct lu_request request = {.root = "/", .log = log_to_stderr};
        enum lu_outcome outcome;
        if (strcmp(what, "save") == 0) {
            outcome = lu_run_save(&request, "1.3.7", NULL);
        } else {
            request.new_version = "1.3.8";
            outcome = lu_run_post(&request, NULL);
        }
        _exit(outcome == LU_OUTCOME_OK ? 0 : 1);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s on / (chrooted) failed (%d)",
              what, status);
}

Test(label, on_slash, .fini = fixture_cleanup)
{
    scenario_build();
    /* As a system's "/" has it (the cookie step reads it where getrandom
     * is missing: the old-kernel run). */
    fixture_mkdir("/dev", 0755);
    cr_assert_eq(mknod(fixture_path("/dev/urandom"), S_IFCHR | 0444, makedev(1, 9)), 0,
                 "mknod /dev/urandom: %s", strerror(errno));
    struct selabel_handle *handle = open_contexts();
    if (!label_everything_before())
        return;
    cr_assert_eq(setenv("LEOFS_TEST_FILE_CONTEXTS", CONTEXTS_FILE, 1), 0);
    char port[16];
    snprintf(port, sizeof port, "%d", unused_port());
    cr_assert_eq(setenv("ERL_EPMD_PORT", port, 1), 0);
    run_on_slash("save");
    check_labels(handle, "config save on /", saved);
    run_on_slash("post");
    check_labels(handle, "post phase on /", written);
    selabel_close(handle);
}
