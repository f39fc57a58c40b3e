/* test_atomicfile.c: batches of atomic writes (common/atomicfile.c): files
 * appear only at the commit, stage by stage, with the owner and mode asked
 * for, made durable by an fsync of each file and each distinct directory; a failure at
 * the commit leaves what was put in place before it, never a later stage,
 * and no temporary file. Also run under old_kernel (renameat2 hidden: the
 * no-replace rename's fallback). */
#include "atomicfile.h"
#include "fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct lu_context ctx;
static int etc_a = -1, etc_b = -1;

static void setup(void)
{
    fixture_root();
    fixture_write("/a/conf", "old a", 0644);
    fixture_write("/b/conf", "old b", 0640);
    etc_a = open(fixture_path("/a"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    etc_b = open(fixture_path("/b"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(etc_a >= 0 && etc_b >= 0);
    memset(&ctx, 0, sizeof ctx);
    ctx.labels_tried = true; /* no SELinux labels in a test root */
}

static void teardown(void)
{
    close(etc_a);
    close(etc_b);
    fixture_cleanup();
}

static void assert_file(const char *path, const char *content, mode_t mode)
{
    char *data = fixture_read(path);
    cr_assert(data, "%s is missing", path);
    cr_assert_str_eq(data, content, "%s", path);
    free(data);
    mode_t got;
    fixture_stat(path, NULL, NULL, &got);
    cr_assert_eq(got & 07777, mode, "%s: mode %o", path, (unsigned)(got & 07777));
}

static void write_two_dirs(void)
{
    struct atomic_batch batch;
    atomic_batch_init(&batch);
    struct stat like_a = {.st_uid = FIXTURE_LEOFS_UID, .st_gid = FIXTURE_LEOFS_GID,
                          .st_mode = S_IFREG | 0644};
    struct stat like_b = {.st_uid = 0, .st_gid = 0, .st_mode = S_IFREG | 0600};
    cr_assert_eq(atomic_batch_write(&ctx, &batch, 0, etc_a, "conf.dist", "/a/conf.dist", "old a",
                                    5, &like_a, false), 0);
    cr_assert_eq(atomic_batch_write(&ctx, &batch, 1, etc_a, "conf", "/a/conf", "new a", 5,
                                    &like_a, true), 0);
    cr_assert_eq(atomic_batch_write(&ctx, &batch, 1, etc_b, "conf", "/b/conf", "new b", 5,
                                    &like_b, true), 0);
    /* Nothing in place before the commit. */
    assert_file("/a/conf", "old a", 0644);
    cr_assert_not(fixture_exists("/a/conf.dist"));
    cr_assert(fixture_exists("/a/.conf.leofs-upgrade-tmp"));
    cr_assert_eq(atomic_batch_commit(&batch), 0, "%s", strerror(errno));
    atomic_batch_free(&batch);
    assert_file("/a/conf.dist", "old a", 0644);
    assert_file("/a/conf", "new a", 0644);
    assert_file("/b/conf", "new b", 0600);
    uid_t uid;
    gid_t gid;
    fixture_stat("/a/conf", &uid, &gid, NULL);
    cr_assert(uid == FIXTURE_LEOFS_UID && gid == FIXTURE_LEOFS_GID);
    cr_assert_not(fixture_exists("/a/.conf.leofs-upgrade-tmp"));
    cr_assert_not(fixture_exists("/a/.conf.dist.leofs-upgrade-tmp"));
    cr_assert_not(fixture_exists("/b/.conf.leofs-upgrade-tmp"));
}

Test(atomicfile, a_batch_puts_every_file_in_place_stage_by_stage, .init = setup,
     .fini = teardown)
{
    write_two_dirs();
}

Test(atomicfile, a_name_taken_meanwhile_stops_the_later_stages, .init = setup, .fini = teardown)
{
    struct atomic_batch batch;
    atomic_batch_init(&batch);
    struct stat like = {.st_uid = 0, .st_gid = 0, .st_mode = S_IFREG | 0644};
    cr_assert_eq(atomic_batch_write(&ctx, &batch, 0, etc_a, "conf.dist", "/a/conf.dist", "old a",
                                    5, &like, false), 0);
    cr_assert_eq(atomic_batch_write(&ctx, &batch, 1, etc_a, "conf", "/a/conf", "new a", 5, &like,
                                    true), 0);
    fixture_write("/a/conf.dist", "someone's", 0644); /* appears before the commit */
    cr_assert_eq(atomic_batch_commit(&batch), -1);
    cr_assert_eq(errno, EEXIST, "%s", strerror(errno));
    cr_assert_str_eq(batch.failed_path, "/a/conf.dist");
    atomic_batch_free(&batch);
    assert_file("/a/conf.dist", "someone's", 0644);
    assert_file("/a/conf", "old a", 0644); /* stage 1 never ran */
    cr_assert_not(fixture_exists("/a/.conf.leofs-upgrade-tmp"));
    cr_assert_not(fixture_exists("/a/.conf.dist.leofs-upgrade-tmp"));
}

Test(atomicfile, a_batch_freed_without_a_commit_leaves_nothing, .init = setup, .fini = teardown)
{
    struct atomic_batch batch;
    atomic_batch_init(&batch);
    struct stat like = {.st_uid = 0, .st_gid = 0, .st_mode = S_IFREG | 0644};
    cr_assert_eq(atomic_batch_write(&ctx, &batch, 0, etc_a, "conf", "/a/conf", "new a", 5, &like,
                                    true), 0);
    atomic_batch_free(&batch);
    assert_file("/a/conf", "old a", 0644);
    cr_assert_not(fixture_exists("/a/.conf.leofs-upgrade-tmp"));
    cr_assert_eq(atomic_batch_commit(&batch), 0, "an empty batch commits nothing");
    atomic_batch_free(&batch);
}

