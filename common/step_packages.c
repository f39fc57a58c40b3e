/* step_packages.c: placeholder until the step is written. */
#include "context.h"
enum lu_status step_packages(struct lu_context *ctx) { return step_finish(step_begin(ctx, "packages"), LU_STATUS_FAILED, "not written yet"); }

