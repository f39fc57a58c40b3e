/* config_save.h: a copy of one LeoFS version's node configuration, kept by
 * root inside the root, for package managers that delete it when they
 * unpack the next version, or write the shipped copy over it when they
 * reinstall it (LeoFS's own .debs declare no conffiles, its rpms before
 * 1.3.3 no %config files).
 *
 * The save of VERSION is CONFIG_SAVE_HOME/VERSION/<node dir>/ holding that
 * node's leo_<type>.conf, leo_<type>.environment and the .conf files in leo_<type>.d/
 * as they were, each with its file's mode and group (and owner when root
 * or the runner), and CONFIG_SAVE_HOME/VERSION/.note, the identity of the
 * CONFIG_SAVE_REPLACED note written by the same step. The directories are
 * root's, mode 0700; a new save of a version replaces the old one whole
 * (written beside it, then renamed).
 * A file that someone other than root could have written (trust.h: the
 * runner user owns etc/ on 1.3.3+), or that the takeover merged or put
 * back, is saved as NAME CONFIG_SAVE_UNTRUSTED, so that a root-owned copy
 * never passes for root's own choice: only a saved file under its own
 * name counts as trusted.
 * The configuration takeover prefers the saved copy of a file to the one
 * in the old version dir (unless that one changed after the save), puts
 * it back after a reinstall, and removes the save once it has taken that
 * version over. */
#ifndef LU_CONFIG_SAVE_H
#define LU_CONFIG_SAVE_H

#include "leofs/upgrade.h"

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_SAVE_HOME "/var/lib/leofs-upgrade-hooks/saved"
#define CONFIG_SAVE_UNTRUSTED ".untrusted"

struct lu_context;

/* The save of VERSION's node dir NODE_DIR ("leo_storage"), opened
 * O_RDONLY|O_DIRECTORY; -1 with errno (ENOENT: none). */
int config_save_open_node(int root_fd, const char *version, const char *node_dir);

/* The save of VERSION was made by the save step that wrote the current
 * CONFIG_SAVE_REPLACED note: it records that note's identity (inode and
 * times). A save step writes the note first; one that failed or found
 * nothing to save leaves an older save of the version in place, which
 * this tells apart. */
bool config_save_is_current(int root_fd, const char *version);

/* Versions with a save, oldest first, like layout_list_versions. */
int config_save_list(int root_fd, char ***versions);

/* The version the last pre phase saw installed, which the package manager
 * is replacing (dpkg's file trigger cannot tell): CONFIG_SAVE_REPLACED, a
 * root-owned note every config-save step writes first, even when it then
 * saves nothing, and the post phase forgets once it ended without a
 * failure. Malloc'd; NULL when there is none (errno 0) or it cannot be
 * trusted (errno set). */
#define CONFIG_SAVE_REPLACED "/var/lib/leofs-upgrade-hooks/replacing"
char *config_save_replaced(int root_fd);

/* The version the package manager replaced: the request's when it names
 * one (rpm, apt, --old-version), else config_save_replaced's. Malloc'd;
 * NULL when neither says. The data move and the takeover both ask this. */
char *config_save_replaced_version(const struct lu_context *ctx);

/* Remove CONFIG_SAVE_REPLACED unless a step of CTX's phase failed or
 * refused (a re-run needs it then). */
void config_save_forget_replaced(struct lu_context *ctx);

/* Remove the save of VERSION (nothing there is fine). 0 or -1 with errno. */
int config_save_remove(int root_fd, const char *version);

/* The "config-save" step: save ctx->layout.version's node files. */
enum lu_status step_config_save(struct lu_context *ctx);

#endif
