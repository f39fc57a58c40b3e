/* tree_snapshot.h: a tree's state as text, to compare two trees (or one
 * tree before and after): one line per entry, sorted, with its path
 * relative to the top, type, mode, owner, group, and a symlink's target or
 * a regular file's size and content hash. Times and inode numbers are left
 * out: they differ between equal trees. */
#ifndef LU_TREE_SNAPSHOT_H
#define LU_TREE_SNAPSHOT_H

#include <stddef.h>

/* The snapshot of the tree at TOP (not followed below it); a regular file
 * named VOLATILE_NAME (e.g. a random cookie; NULL for none) is recorded by
 * size only. malloc'd; aborts the test on error. */
char *tree_snapshot(const char *top, const char *volatile_name);
/* The first line where A and B differ, "A-line | B-line", in a static
 * buffer; "" when they are equal. */
const char *tree_snapshot_difference(const char *a, const char *b);
/* How many entries of the snapshot have a name containing NEEDLE. */
size_t tree_snapshot_count_names(const char *snapshot, const char *needle);

#endif
