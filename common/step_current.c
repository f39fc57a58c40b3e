/* step_current.c: placeholder until the step is written. */
#include "context.h"
enum lu_status step_current(struct lu_context *ctx) { return step_finish(step_begin(ctx, "current"), LU_STATUS_FAILED, "not written yet"); }
enum lu_status step_current_precheck(struct lu_context *ctx) { return step_finish(step_begin(ctx, STEP_CURRENT), LU_STATUS_FAILED, "not written yet"); }
