/* takeover.h: the configuration takeover's merge, without any I/O: from a
 * node's old file, the old version's shipped file (when known) and the new
 * version's shipped file, make the new file and list what was kept, added,
 * adjusted, replaced by a new default or dropped. step_takeover.c reads
 * and writes the files; this part is pure so it can be tested and fuzzed.
 *
 * Rules for LeoFS's node files (leo_<type>.conf):
 * - the new shipped file is the skeleton: its comments, order and line
 *   ends stay, only values change and lines are added;
 * - a key in both: the old value is kept when the operator changed it; it
 *   is not "changed" when it equals the new shipped value, or the old
 *   version's shipped value (old shipped file, else confdefaults.c);
 * - data paths (confdefaults_is_data_key) stay where the data is: a
 *   relative item that resolves to something existing in the old node dir
 *   becomes that absolute path, as does one through /usr/local/leofs/current;
 *   a kept operator value "./x" that exists only in the old node dir too;
 * - a key only in the new file keeps its new default;
 * - a key only in the old file: set after its commented-out line when the
 *   new file has one (the new version still knows it), else dropped: kept
 *   as a comment at the end of the file and reported.
 * Environment files (leo_<type>.environment) have no defaults: a variable
 * whose value differs from the new file's is kept, as the old line. */
#ifndef LU_TAKEOVER_H
#define LU_TAKEOVER_H

#include "confdoc.h"

#include <stdbool.h>
#include <stddef.h>

enum takeover_kind {
    TAKEOVER_KEPT,     /* the operator's value is kept */
    TAKEOVER_ADDED,    /* a key new to the node's file, with its new default */
    TAKEOVER_ADJUSTED, /* a path rewritten to where the data is */
    TAKEOVER_DEFAULT,  /* the old default is replaced by the new one */
    TAKEOVER_DROPPED,  /* unknown to the new version: kept as a comment */
    TAKEOVER_PINNED,   /* a data path kept that leads into another version's dir */
    TAKEOVER_KINDS,
};

/* Does PATH (inside the root) exist? Symlinks count without being followed. */
typedef bool takeover_exists_fn(void *data, const char *path);

struct takeover_input {
    const char *type;        /* "manager", "storage" or "gateway" */
    const char *old_version, *new_version;
    const char *old_version_dir; /* "/usr/local/leofs/1.3.2" */
    const char *old_node_dir, *new_node_dir;
    const struct confdoc *old_doc;     /* the old file as the operator left it */
    const struct confdoc *old_shipped; /* the old version's shipped file, NULL when unknown */
    const struct confdoc *new_shipped; /* the new version's shipped file; its syntax rules */
    takeover_exists_fn *exists;
    /* Does PATH hold data: something other than an empty directory (NULL:
     * exists is asked)? A data path is pointed into the old dir only then. */
    takeover_exists_fn *holds_data;
    void *exists_data;
};

struct takeover_item {
    enum takeover_kind kind;
    char *text; /* e.g. "kept log.log_level = 2 (LeoFS 1.3.8 ships 1)" */
};

struct takeover_result {
    struct confdoc merged;
    struct takeover_item *items;
    size_t item_count;
    size_t counts[TAKEOVER_KINDS];
};

/* KEY is named like one that holds a secret (password, secret, token...):
 * the change lines never show its value. Environment files' values are
 * never shown at all. */
bool takeover_secret_key(const char *key);

/* 0, or -1 when out of memory. */
int takeover_merge(const struct takeover_input *in, struct takeover_result *out);
void takeover_result_free(struct takeover_result *result);
const char *takeover_kind_name(enum takeover_kind kind);

/* The first version, other than IN's new one, whose dir VALUE names
 * (LEOFS_HOME/<version>/...), copied into VERSION; false when none. */
bool takeover_names_other_version(const struct takeover_input *in, const char *value,
                                  char *version, size_t version_size);

/* Rewrite VALUE's path items (a "[a, b]" list or one item) per the rules
 * above. DATA_KEY: VALUE holds data paths; else only "./" and "../" items
 * that exist in the old node dir and not in the new one move. Returns a
 * new string, or NULL when nothing changes (errno ENOMEM on failure). */
char *takeover_relocate(const struct takeover_input *in, const char *value, bool data_key);

#endif
