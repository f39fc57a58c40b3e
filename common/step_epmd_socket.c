/* step_epmd_socket.c: placeholder until the step is written. */
#include "context.h"
enum lu_status step_epmd_socket(struct lu_context *ctx) { return step_finish(step_begin(ctx, "epmd-socket"), LU_STATUS_FAILED, "not written yet"); }

