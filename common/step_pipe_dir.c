/* step_pipe_dir.c: placeholder until the step is written. */
#include "context.h"
enum lu_status step_pipe_dir(struct lu_context *ctx) { return step_finish(step_begin(ctx, "pipe-dir"), LU_STATUS_FAILED, "not written yet"); }

