/* step_epmd.c: placeholder until the step is written. */
#include "context.h"
enum lu_status step_epmd(struct lu_context *ctx) { return step_finish(step_begin(ctx, "epmd"), LU_STATUS_FAILED, "not written yet"); }

