/* core.h: what the small leofs.so plugin calls in the plugin's core module
 * (leofs/core.so beside it), which it loads only when a transaction holds
 * a leofs package: every other rpm transaction pays for leofs.so alone. */
#ifndef LEOFS_RPM_CORE_H
#define LEOFS_RPM_CORE_H

#include <rpm/rpmts.h>
#include <rpm/rpmtypes.h>

/* Bumped whenever the table below changes: leofs.so refuses a core.so
 * from another build. */
#define LEOFS_RPM_CORE_ABI 1

/* Where the core lives, relative to the directory of leofs.so. */
#define LEOFS_RPM_CORE_FILE "leofs/core.so"

struct leofs_rpm_core {
    int abi;
    /* rpm's tsm_pre for a transaction that holds a leofs element; NAMES are
     * the package names that count as LeoFS. */
    rpmRC (*tsm_pre)(rpmts ts, const char *names);
    /* rpm's tsm_post, after tsm_pre ran in the same transaction. */
    rpmRC (*tsm_post)(rpmts ts, const char *names, int res);
};

/* The one symbol core.so exports. */
extern const struct leofs_rpm_core leofs_rpm_core;

#endif
