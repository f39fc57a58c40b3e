/* test_root.c: path resolution inside a root never escapes it and never
 * follows a symlink that root does not own. */
#include "fixture.h"
#include "root.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int root_fd;

static void setup(void)
{
    fixture_root();
    root_fd = root_open_dir(fixture_path(""));
    cr_assert(root_fd >= 0);
}

static void teardown(void)
{
    close(root_fd);
    fixture_cleanup();
}

static char *read_at(const char *path, unsigned options)
{
    int fd = root_open(root_fd, path, O_RDONLY, options, 0);
    if (fd < 0)
        return NULL;
    char *data;
    cr_assert_eq(read_fd(fd, 4096, &data, NULL), 0);
    close(fd);
    return data;
}

TestSuite(root, .init = setup, .fini = teardown);

Test(root, plain_paths)
{
    fixture_write("/a/b/c", "inside", 0644);
    char *data = read_at("/a/b/c", 0);
    cr_assert_str_eq(data, "inside");
    free(data);
    data = read_at("a//./b/../b/c", 0);
    cr_assert_str_eq(data, "inside");
    free(data);
}

Test(root, absolute_symlink_resolves_inside_the_root)
{
    fixture_write("/etc/passwd", "root's own\n", 0644);
    fixture_symlink("/etc", "/data/link");
    char *data = read_at("/data/link/passwd", 0);
    cr_assert_not_null(data, "a root-owned symlink in a leading component is followed");
    cr_assert_str_eq(data, "root's own\n", "and resolved inside the root, not on the host");
    free(data);
}

Test(root, dotdot_never_climbs_above_the_root)
{
    fixture_write("/etc/hostname", "inside\n", 0644);
    char *data = read_at("/../../../../etc/hostname", 0);
    cr_assert_str_eq(data, "inside\n");
    free(data);
    fixture_symlink("../../../../../../etc", "/x/up");
    data = read_at("/x/up/hostname", 0);
    cr_assert_str_eq(data, "inside\n");
    free(data);
}

Test(root, symlink_owned_by_a_user_is_not_followed)
{
    fixture_write("/secret/file", "secret", 0600);
    fixture_symlink("/secret", "/tmp/evil");
    fixture_chown("/tmp/evil", FIXTURE_OTHER_UID, FIXTURE_OTHER_UID);
    errno = 0;
    cr_assert_null(read_at("/tmp/evil/file", 0));
    cr_assert_eq(errno, ELOOP);
}

Test(root, final_symlink_only_followed_when_asked_and_trusted)
{
    fixture_write("/mnt/avs/f", "data", 0644);
    fixture_symlink("/mnt/avs", "/leofs/avs");
    int fd = root_open(root_fd, "/leofs/avs", O_RDONLY | O_DIRECTORY, 0, 0);
    cr_assert_eq(fd, -1);
    cr_assert_eq(errno, ELOOP);
    fd = root_open(root_fd, "/leofs/avs", O_RDONLY | O_DIRECTORY, ROOT_FOLLOW_TRUSTED, 0);
    cr_assert_geq(fd, 0, "a root-owned link is followed when asked");
    struct stat st, expected;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(stat(fixture_path("/mnt/avs"), &expected), 0);
    cr_assert_eq(st.st_ino, expected.st_ino);
    close(fd);
    fixture_chown("/leofs/avs", FIXTURE_OTHER_UID, FIXTURE_OTHER_UID);
    fd = root_open(root_fd, "/leofs/avs", O_RDONLY | O_DIRECTORY, ROOT_FOLLOW_TRUSTED, 0);
    cr_assert_eq(fd, -1, "a link owned by a user is never followed");
    cr_assert_eq(errno, ELOOP);
}

Test(root, symlink_loop_ends)
{
    fixture_symlink("b", "/loop/a");
    fixture_symlink("a", "/loop/b");
    cr_assert_null(read_at("/loop/a/x", 0));
    cr_assert_eq(errno, ELOOP);
}

Test(root, parent_and_create)
{
    const char *name;
    fixture_mkdir("/usr/local/leofs", 0755);
    int dir = root_open_parent(root_fd, "/usr/local/leofs/current", &name);
    cr_assert_geq(dir, 0);
    cr_assert_str_eq(name, "current");
    close(dir);
    cr_assert_eq(root_open_parent(root_fd, "/usr/..", &name), -1);
    int fd = root_open(root_fd, "/usr/local/new", O_WRONLY | O_CREAT | O_EXCL, 0, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert(fixture_exists("/usr/local/new"));
}

Test(root, read_file_limits)
{
    fixture_write("/big", "0123456789", 0644);
    char *data;
    size_t length;
    cr_assert_eq(root_read_file(root_fd, "/big", 5, &data, &length), -1);
    cr_assert_eq(errno, EFBIG);
    fixture_mkdir("/dir", 0755);
    cr_assert_eq(root_read_file(root_fd, "/dir", 5, &data, &length), -1);
    cr_assert_eq(errno, EINVAL);
}

Test(root, path_join_normalises_slashes)
{
    char *p = path_join("/usr/local/leofs/", "/1.3.8");
    cr_assert_str_eq(p, "/usr/local/leofs/1.3.8");
    free(p);
    p = path_join("/", "etc");
    cr_assert_str_eq(p, "/etc");
    free(p);
}

/* root_dir_path names where an opened directory really is, with or without
 * /proc (dpkg's maintainer-script chroot has none). */
static void check_dir_paths(void)
{
    /* An fd opened before unshare() does not see the new namespace's mounts. */
    close(root_fd);
    root_fd = root_open_dir(fixture_path(""));
    fixture_mkdir("/a/b/c", 0755);
    fixture_symlink("/a/b", "/l");
    int fd = root_open(root_fd, "/l/c", O_RDONLY | O_DIRECTORY, 0, 0);
    cr_assert_geq(fd, 0);
    char *path = root_dir_path(root_fd, fd);
    cr_assert_str_eq(path, "/a/b/c", "the link's target, not the name used");
    free(path);
    /* A hint is only tried: through the link, or wrong, the same answer. */
    static const char *const hints[] = {"/l/c", "/a/b/c", "/x/y/c", "/a/c", "c", "/../..", ""};
    for (size_t i = 0; i < sizeof hints / sizeof *hints; i++) {
        path = root_dir_path_hint(root_fd, fd, hints[i]);
        cr_assert_str_eq(path, "/a/b/c", "hint %s", hints[i]);
        free(path);
    }
    close(fd);
    fd = root_open(root_fd, "/", O_RDONLY | O_DIRECTORY, 0, 0);
    path = root_dir_path(root_fd, fd);
    cr_assert_str_eq(path, "/");
    free(path);
    close(fd);

    /* The fixture root's own parent is outside it. */
    fd = open(fixture_path("/.."), O_RDONLY | O_DIRECTORY);
    errno = 0;
    cr_assert_null(root_dir_path(root_fd, fd));
    cr_assert_eq(errno, EXDEV);
    close(fd);

    /* A mount point inside the root: its inode is not the one readdir shows. */
    fixture_mkdir("/srv/disk/sub", 0755);
    fixture_mkdir("/a/mnt", 0755);
    cr_assert_eq(mount(fixture_path("/srv/disk"), fixture_path("/a/mnt"), NULL, MS_BIND, NULL), 0,
                 "%s", strerror(errno));
    fd = root_open(root_fd, "/a/mnt/sub", O_RDONLY | O_DIRECTORY, 0, 0);
    cr_assert_geq(fd, 0, "%s", strerror(errno));
    path = root_dir_path(root_fd, fd);
    cr_assert_str_eq(path, "/a/mnt/sub", "%s", strerror(errno));
    free(path);
    path = root_dir_path_hint(root_fd, fd, "/a/mnt/sub");
    cr_assert_str_eq(path, "/a/mnt/sub", "%s", strerror(errno));
    free(path);
    close(fd);
    cr_assert_eq(umount(fixture_path("/a/mnt")), 0);
}

Test(root, dir_path_with_proc)
{
    cr_assert_eq(unshare(CLONE_NEWNS), 0); /* the bind mount stays private */
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    check_dir_paths();
}

Test(root, dir_path_without_proc)
{
    fixture_hide_proc();
    check_dir_paths();
}
