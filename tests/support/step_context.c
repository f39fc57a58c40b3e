/* step_context.c: a phase context around a fixture root for calling one
 * step function directly (see step_context.h). */
#include "step_context.h"
#include "fixture.h"
#include "root.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

void step_context_open(struct step_context *sc, const char *version)
{
    memset(sc, 0, sizeof *sc);
    sc->request = fixture_request();
    struct lu_context *ctx = &sc->ctx;
    ctx->request = &sc->request;
    ctx->root = sc->request.root;
    ctx->root_fd = root_open_dir(ctx->root);
    cr_assert(ctx->root_fd >= 0, "open %s: %s", ctx->root, strerror(errno));
    sc->opened = true;
    ctx->root_is_host = true;
    ctx->report = report_new("test", ctx->root);
    cr_assert(ctx->report);
    char error[1024];
    cr_assert(layout_load(ctx->root_fd, version, &ctx->policy, &ctx->layout, error,
                          sizeof error) == 0, "layout: %s", error);
}

const struct lu_step_report *step_context_result(struct step_context *sc, const char *name)
{
    const struct lu_step_report *step = lu_report_find(sc->ctx.report, name);
    cr_assert(step, "step %s did not report", name);
    return step;
}

void step_context_close(struct step_context *sc)
{
    if (!sc->opened)
        return;
    sc->opened = false;
    layout_free(&sc->ctx.layout);
    policy_free(&sc->ctx.policy);
    lu_report_free(sc->ctx.report);
    if (sc->ctx.root_fd >= 0)
        close(sc->ctx.root_fd);
    sc->ctx.root_fd = -1;
}
