/* trust.h: the trust boundary. The hooks run as root, yet the runner user
 * (leofs) owns each node's etc/, log/, work/ and data dirs, and any local
 * user owns /tmp. A value that widens what root does (a path to give the
 * runner user, a user to give things to, a dir to delete) is taken only
 * from a file that nobody but root can have written: owned by root, not
 * writable by group or other, reached from the root through directories
 * that are root's alone (trust_read_file), or from the root-owned policy
 * file. Values from any other file are used only when they change nothing
 * (they equal the safe default) or a trusted source confirms them; the
 * steps then say which policy line would confirm them (trust_hint).
 * See docs/SECURITY.md. */
#ifndef LU_TRUST_H
#define LU_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Why a file is not trusted, for messages ("it is owned by uid 990"). */
struct trust {
    bool trusted;
    char why[320];
};

/* Only root can have written the file ST, opened through a ROOT_TRUSTED_PATH
 * resolution: root owns it and neither group nor other may write it. */
bool trust_owner_and_mode(const struct stat *st);

/* Read the regular file PATH inside the root (at most LIMIT bytes) like
 * root_read_file, and tell in *TRUST whether nobody but root can have
 * written it (then the same open file was resolved through root-only
 * directories). -1 with errno as root_read_file. */
int trust_read_file(int root_fd, const char *path, size_t limit, char **data, size_t *length,
                    struct trust *trust);

/* The directory PATH inside the root and every one on its way are root's
 * alone: nobody else can have put anything in it. */
bool trust_dir(int root_fd, const char *path);

/* Name, for the reason, the first directory on PATH's way from the root
 * that someone other than root can write, or PATH itself. */
void trust_explain(int root_fd, const char *path, char *why, size_t why_size);

/* The hooks' own writes never make content trusted: true when TEXT is a
 * file the configuration takeover merged (its marker lines). A file with a
 * <name>.leofs-dist sibling (the shipped copy the takeover keeps, see
 * step_takeover.c's DIST_SUFFIX) was merged too: trust_read_file says so.
 * Its values count only when a root-only file of an older version of the
 * node (the takeover's source) holds them as well. */
bool trust_is_merged_by_us(const char *text, size_t length);
#define TRUST_MERGED_SUFFIX ".leofs-dist"

/* Where an older version's edited config file may be once its package is
 * gone: as it was, or saved by rpm or dpkg. NULL-terminated. */
extern const char *const trust_saved_suffixes[];

/* The policy file's location, for the lines that say how to confirm. */
#define TRUST_POLICY_FILE "/etc/leofs/upgrade.conf"

#endif
