/* scenario.h: the upgrade the crash, fault and race tests run through the
 * real leofs-upgrade program: LeoFS 1.3.7 installed and edited by its
 * operator, 1.3.8 just unpacked beside it, "current" still at 1.3.7, a
 * custom data dir (/var/leofs/avs), a stale root-owned /tmp/usr, no
 * cookie yet. */
#ifndef LU_SCENARIO_H
#define LU_SCENARIO_H

#include "tool_run.h"

/* The cookie is random when created: snapshots compare it by size. */
#define SCENARIO_VOLATILE ".erlang.cookie"

/* A new fixture root (under $TMPDIR) holding the upgrade in progress. */
void scenario_build(void);
/* Run "leofs-upgrade --root ROOT --db none -q post 1.3.8" on the fixture
 * root with ENV added (see tool_run). */
void scenario_post(const char *const *env, tool_stop_fn *on_stop, void *data,
                   struct tool_result *result);
/* The same for "post VERSION", on whatever the fixture root holds. */
void scenario_post_version(const char *version, const char *const *env, tool_stop_fn *on_stop,
                           void *data, struct tool_result *result);
/* The snapshot of the tree after an uninterrupted post phase, made in a
 * root of its own (under /tmp) that is removed again: call it before
 * scenario_build. */
char *scenario_reference(void);

#endif
