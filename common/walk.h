/* walk.h: fd-based walks of a directory tree, for the ownership and pipe-dir
 * steps. A walk never follows a symlink, never leaves the tree it started
 * in (".." is only used to reopen an ancestor, checked to be the same
 * directory), never crosses into another filesystem (a mount point or a
 * bind-mounted file is reported, not entered), keeps memory proportional to
 * the depth only, costs O(1) per entry whatever the depth, and holds at
 * most WALK_MAX_OPEN directories open however deep the tree is. */
#ifndef LU_WALK_H
#define LU_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define WALK_MAX_OPEN 64
#define WALK_SKIP 1

struct walk_ops {
    /* A directory, open (O_RDONLY, not followed, checked to be what was
     * listed), before its entries; the start directory too. May return
     * WALK_SKIP: its entries are not walked (and leave/directory_done are
     * not called for it). */
    int (*directory)(void *data, int fd, const struct stat *st, const char *path);
    /* Any other entry, by name in its directory (DIR_ST: that directory as
     * it was when opened). */
    int (*other)(void *data, int dir_fd, const struct stat *dir_st, const char *name,
                 const struct stat *st, const char *path);
    /* A directory after its entries, still open (the start directory too). */
    int (*leave)(void *data, int fd, const struct stat *st, const char *path);
    /* After a directory's entries, once closed (not for the start directory). */
    int (*directory_done)(void *data, int parent_fd, const char *name, const char *path);
    /* An entry on another filesystem than the start directory's: not
     * entered nor passed to the other callbacks. NULL: skipped silently. */
    int (*other_fs)(void *data, const struct stat *st, const char *path);
    /* Every couple of seconds on long walks. */
    void (*progress)(void *data, unsigned long long entries, const char *path);
};

/* Walk the tree below START_FD (a directory open O_RDONLY; the walk does
 * not close it), named START_PATH in messages. Callbacks return 0 to go on
 * or -1 to stop the walk with their message in ERROR. Entries that vanish
 * during the walk are skipped. Returns 0, or -1 with a message in ERROR. */
int walk_tree(int start_fd, const char *start_path, const struct walk_ops *ops, void *data,
              unsigned long long *entries, char *error, size_t error_size);

struct chown_stats {
    unsigned long long entries;    /* entries seen, the start dir included */
    unsigned long long changed;    /* entries given the owner (or that would be) */
    unsigned long long hard_links; /* non-directories with several links, left alone */
    unsigned long long foreign;    /* entries of other users, left alone (dirs: with their tree) */
    unsigned long long devices;    /* device nodes, left alone */
    unsigned long long other_fs;   /* mount points and entries of other filesystems, not entered */
    char first_hard_link[256];
    char first_foreign[256];
    char first_device[256];
    char first_other_fs[256];
};

typedef void walk_progress_fn(void *data, unsigned long long entries, const char *path);

/* Give every entry of the tree at START_FD the owner UID:GID, acting on fds;
 * entries already right are not touched (their ctime stays). Only entries
 * owned by root, by UID or by FROM_UID (the package's default runner, or
 * (uid_t)-1) change: another user's entry is left alone, a directory with
 * its whole tree. Non-directories with several hard links and device nodes
 * are left alone too, and the walk stays on START_FD's filesystem; each of
 * these is counted. Directories get theirs after their entries. */
int walk_chown(int start_fd, const char *start_path, uid_t uid, gid_t gid, uid_t from_uid,
               bool dry_run, walk_progress_fn *progress, void *progress_data,
               struct chown_stats *stats, char *error, size_t error_size);

#endif
