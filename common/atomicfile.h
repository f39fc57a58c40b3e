/* atomicfile.h: write a whole file so that readers see the old content or
 * the new one, never a part: a temporary file in the same directory,
 * synced, renamed over the name, the name synced. The new file gets the
 * owner, group and mode of an existing one.
 *
 * atomic_write() does one file with its own two waits. A batch does many
 * (the post phase's config takeover writes eight files): each
 * atomic_batch_write() writes its temporary file at once and starts its
 * writeback; atomic_batch_commit() makes all their contents durable (an
 * fsync of each, which then mostly finds the writing done), then renames
 * them stage by stage (every file of stage 0, an fsync of each distinct
 * directory, every file of stage 1...), so that after a crash or a power
 * loss at any point each name holds its old content or its whole new one,
 * and no file of a later stage is in place without those of the earlier
 * stages. Never syncfs(2): it would wait for all that others left dirty
 * on the filesystem too. */
#ifndef LU_ATOMICFILE_H
#define LU_ATOMICFILE_H

#include "context.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Write DATA (LENGTH bytes) as NAME in DIR_FD (opened for reading, not
 * O_PATH: it is fsync'ed), known as PATH inside the
 * root (for the SELinux label), with LIKE's uid, gid and mode. REPLACE
 * false: never replace an existing NAME (errno EEXIST). 0, or -1 with
 * errno (EEXIST also when a temporary file that is not ours is in the way). */
int atomic_write(struct lu_context *ctx, int dir_fd, const char *name, const char *path,
                 const char *data, size_t length, const struct stat *like, bool replace);

struct atomic_pending;

struct atomic_batch {
    struct atomic_pending *items;
    size_t count, capacity;
    char *failed_path;  /* after a failed commit: the PATH of the file that failed */
};

void atomic_batch_init(struct atomic_batch *batch);

/* As atomic_write, but only the temporary file is written (its fd and
 * DIR_FD's duplicate stay open until the commit); NAME is put in place by
 * atomic_batch_commit in STAGE (0 or more). 0, or -1 with errno (nothing
 * queued then). */
int atomic_batch_write(struct lu_context *ctx, struct atomic_batch *batch, int stage, int dir_fd,
                       const char *name, const char *path, const char *data, size_t length,
                       const struct stat *like, bool replace);

/* Put every queued file in place, durably (see the top). On a failure the
 * files renamed before it stay (each whole and durable), the others'
 * temporary files are removed, and -1 is returned with errno and
 * BATCH->failed_path. The batch is empty afterwards either way. */
int atomic_batch_commit(struct atomic_batch *batch);

/* Drop what is queued (temporary files removed) and free the batch. */
void atomic_batch_free(struct atomic_batch *batch);

#endif
