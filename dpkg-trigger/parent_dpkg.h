/* parent_dpkg.h: the command line of the dpkg that runs this process as a
 * pre-invoke hook. dpkg runs hooks with system(), so the hook's parent is
 * "sh -c HOOK" and dpkg is its parent (or the hook's own parent when the
 * shell execs the last command). Found through /proc, which is there
 * because hooks run on the host, not in dpkg's chroot: when it is not
 * mounted the caller is told so (PARENT_DPKG_NO_PROC), to fail safe. */
#ifndef LEOFS_PARENT_DPKG_H
#define LEOFS_PARENT_DPKG_H

#include <stddef.h>
#include <sys/types.h>

enum parent_dpkg_result {
    PARENT_DPKG_FOUND,
    PARENT_DPKG_NO_PROC,   /* /proc is not mounted */
    PARENT_DPKG_NOT_FOUND, /* no dpkg among the nearest ancestors */
    PARENT_DPKG_ERROR,     /* its command line cannot be read (ERROR says why) */
};

struct parent_dpkg {
    pid_t pid;
    char *text;  /* the NUL-separated arguments */
    char **argv; /* pointers into text, NULL-terminated */
    int argc;
};

enum parent_dpkg_result parent_dpkg_find(struct parent_dpkg *dpkg, char *error,
                                         size_t error_size);
void parent_dpkg_free(struct parent_dpkg *dpkg);

#endif
