/* step_context.h: run one step function against a fixture root as if that
 * root were the running system's "/" (root_is_host forced on), so that the
 * host-only epmd steps can be tested without touching the real host's
 * files. Everything aborts the test (cr_assert) on failure. */
#ifndef LU_STEP_CONTEXT_H
#define LU_STEP_CONTEXT_H

#include "context.h"

struct step_context {
    struct lu_request request;
    struct lu_context ctx;
    bool opened;
};

/* Open the fixture root (fixture_root() first) and load its layout
 * (VERSION, or NULL for the newest or none). */
void step_context_open(struct step_context *sc, const char *version);
/* The report entry of step NAME, which must have run. */
const struct lu_step_report *step_context_result(struct step_context *sc, const char *name);
/* Free what step_context_open made; nothing when it did not run. */
void step_context_close(struct step_context *sc);

#endif
