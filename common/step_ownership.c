/* step_ownership.c: placeholder until the step is written. */
#include "context.h"
enum lu_status step_ownership(struct lu_context *ctx) { return step_finish(step_begin(ctx, "ownership"), LU_STATUS_FAILED, "not written yet"); }

