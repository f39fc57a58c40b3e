/* context.h: what every step sees while a phase runs, and the step API.
 *
 * A phase (phase.c) opens the root, reads the policy and LeoFS's layout
 * into a context, then runs steps. A step starts a report entry with
 * step_begin, records each change with step_change and ends with
 * step_finish, which also logs. */
#ifndef LU_CONTEXT_H
#define LU_CONTEXT_H

#include "leofs/upgrade.h"
#include "layout.h"
#include "policy.h"

#include <stdarg.h>
#include <sys/types.h>

struct lu_context {
    const struct lu_request *request;
    int root_fd;          /* the root directory, O_PATH */
    const char *root;     /* as given, for messages: "/" or "/tmp/x" */
    bool root_is_host;    /* the root is the running system's "/" */
    bool dry_run;
    bool refused;         /* a step of this phase refused: change nothing more */
    struct lu_policy policy;
    struct lu_layout layout;
    struct lu_report *report;
    void *labels;         /* SELinux labeling handle, opened on first use (label.c) */
    bool labels_tried;
    /* The version whose saved configuration (config_save.h) the takeover
     * used: removed once the phase ended well, since until then the other
     * steps (ownership) still read it as root's own choice. */
    char *save_taken_over;
};

struct lu_step; /* one entry of the report, being written */

/* The report of a phase (report.c). */
struct lu_report *report_new(const char *phase, const char *root);
void report_set_version(struct lu_report *report, const char *version);
void report_set_config_error(struct lu_report *report, const char *message);

struct lu_step *step_begin(struct lu_context *ctx, const char *name);
/* Record one change (or, in a dry run, one change it would make) and log it. */
void step_change(struct lu_step *step, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Log a detail line under the step without recording a change. */
void step_note(struct lu_step *step, enum lu_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* End the step with its status and one-line message; returns the status.
 * UNCHANGED with recorded changes becomes CHANGED (or WOULD_CHANGE). */
enum lu_status step_finish(struct lu_step *step, enum lu_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
size_t step_change_count(const struct lu_step *step);

void lu_log(const struct lu_context *ctx, enum lu_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void lu_vlog(const struct lu_context *ctx, enum lu_level level, const char *format, va_list args);

/* A path inside the root as people should see it: "/usr/x" or "/tmp/r/usr/x".
 * Returns a pointer to a rotating static buffer: use it at once. */
const char *lu_display_path(const struct lu_context *ctx, const char *path);

/* The steps. Pre phase: */
enum lu_status step_packages(struct lu_context *ctx);
enum lu_status step_current_precheck(struct lu_context *ctx);
enum lu_status step_epmd(struct lu_context *ctx);
/* Post phase, for ctx->layout.new_version: */
enum lu_status step_data_move(struct lu_context *ctx); /* first: before the takeover */
enum lu_status step_takeover(struct lu_context *ctx); /* also alone: lu_run_takeover */
/* After the phase: remove the save the takeover used, if it ended well. */
void takeover_release_save(struct lu_context *ctx);
enum lu_status step_current(struct lu_context *ctx);
enum lu_status step_cookie(struct lu_context *ctx);
enum lu_status step_ownership(struct lu_context *ctx);
enum lu_status step_pipe_dir(struct lu_context *ctx);
enum lu_status step_epmd_socket(struct lu_context *ctx);

/* Step names, as they appear in reports, logs and the policy file. */
#define STEP_PACKAGES "packages"
#define STEP_CURRENT "current-symlink"
#define STEP_EPMD "epmd"
#define STEP_COOKIE "cookie"
#define STEP_OWNERSHIP "ownership"
#define STEP_PIPE_DIR "pipe-dir"
#define STEP_EPMD_SOCKET "epmd-socket"
#define STEP_TAKEOVER "config-takeover"
#define STEP_DATA_MOVE "data-move"

/* The note the data-move step leaves in an old node dir (step_data_move.c). */
#define DATA_MOVE_NOTE "DATA-MOVED"

#endif
