/* step_cookie.c: placeholder until the step is written. */
#include "context.h"
enum lu_status step_cookie(struct lu_context *ctx) { return step_finish(step_begin(ctx, "cookie"), LU_STATUS_FAILED, "not written yet"); }

