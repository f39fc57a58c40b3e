/* report.c: the report of a phase, the step API that fills it, and the
 * log lines that go with each step (see context.h and leofs/upgrade.h). */
#define _GNU_SOURCE
#include "context.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lu_step {
    struct lu_step_report public;
    struct lu_context *ctx;
    char **changes;
    char *message;
};

struct lu_report {
    struct lu_step **steps;
    size_t count;
    enum lu_outcome config_outcome; /* a configuration error before any step */
    char *phase;
    char *root;
    char *version;
    char *error; /* the configuration error, if any */
    /* lu_display_path's buffers: per phase, not thread-local storage
     * (which would make dlopen of the core dearer) nor shared statics. */
    char display[4][4096];
    unsigned display_next;
};

struct lu_report *report_new(const char *phase, const char *root)
{
    struct lu_report *report = calloc(1, sizeof *report);
    if (!report)
        return NULL;
    report->phase = strdup(phase);
    report->root = strdup(root);
    return report;
}

void report_set_version(struct lu_report *report, const char *version)
{
    free(report->version);
    report->version = version ? strdup(version) : NULL;
}

void report_set_config_error(struct lu_report *report, const char *message)
{
    report->config_outcome = LU_OUTCOME_CONFIG_ERROR;
    free(report->error);
    report->error = strdup(message);
}

void lu_vlog(const struct lu_context *ctx, enum lu_level level, const char *format, va_list args)
{
    if (!ctx->request->log)
        return;
    char *line;
    if (vasprintf(&line, format, args) < 0)
        return;
    /* One line per call: a file name holding a newline (a local user can
     * make one in a data dir) must not forge a line of its own, nor C1 or
     * bidi controls steer the terminal or log viewer that shows it. */
    text_hide_controls(line);
    ctx->request->log(ctx->request->log_data, level, line);
    free(line);
}

void lu_log(const struct lu_context *ctx, enum lu_level level, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    lu_vlog(ctx, level, format, args);
    va_end(args);
}

const char *lu_display_path(const struct lu_context *ctx, const char *path)
{
    struct lu_report *report = ctx->report;
    char *buffer = report->display[report->display_next++ % 4];
    size_t size = sizeof report->display[0];
    if (ctx->root_is_host)
        snprintf(buffer, size, "%s", path);
    else {
        /* rpm gives its root with a trailing slash: no "root//usr" in messages. */
        size_t length = strlen(ctx->root);
        while (length > 1 && ctx->root[length - 1] == '/')
            length--;
        snprintf(buffer, size, "%.*s%s", (int)length, ctx->root, path);
    }
    return buffer;
}

struct lu_step *step_begin(struct lu_context *ctx, const char *name)
{
    struct lu_report *report = ctx->report;
    struct lu_step *step = calloc(1, sizeof *step);
    struct lu_step **grown = realloc(report->steps, (report->count + 1) * sizeof *grown);
    if (!step || !grown) {
        fprintf(stderr, "leofs-upgrade: out of memory\n");
        abort();
    }
    report->steps = grown;
    report->steps[report->count++] = step;
    step->ctx = ctx;
    step->public.name = name;
    step->public.status = LU_STATUS_UNCHANGED;
    return step;
}

/* How a dry run's lines begin: the request's label, else "would: ". */
static const char *dry_run_prefix(const struct lu_context *ctx)
{
    if (!ctx->dry_run)
        return "";
    return ctx->request->dry_run_label ? ctx->request->dry_run_label : "would: ";
}

void step_change(struct lu_step *step, const char *format, ...)
{
    va_list args;
    char *line;
    va_start(args, format);
    int n = vasprintf(&line, format, args);
    va_end(args);
    if (n < 0)
        return;
    char **grown = realloc(step->changes, (step->public.change_count + 1) * sizeof *grown);
    if (!grown) {
        free(line);
        return;
    }
    step->changes = grown;
    step->changes[step->public.change_count++] = line;
    step->public.changes = (const char *const *)step->changes;
    lu_log(step->ctx, LU_LOG_DETAIL, "%s: %s%s", step->public.name, dry_run_prefix(step->ctx),
           line);
}

void step_note(struct lu_step *step, enum lu_level level, const char *format, ...)
{
    va_list args;
    char *line;
    va_start(args, format);
    int n = vasprintf(&line, format, args);
    va_end(args);
    if (n < 0)
        return;
    lu_log(step->ctx, level, "%s: %s", step->public.name, line);
    free(line);
}

size_t step_change_count(const struct lu_step *step)
{
    return step->public.change_count;
}

enum lu_status step_finish(struct lu_step *step, enum lu_status status, const char *format, ...)
{
    va_list args;
    char *message = NULL;
    va_start(args, format);
    if (vasprintf(&message, format, args) < 0)
        message = NULL;
    va_end(args);
    if (status == LU_STATUS_UNCHANGED && step->public.change_count > 0)
        status = step->ctx->dry_run ? LU_STATUS_WOULD_CHANGE : LU_STATUS_CHANGED;
    step->public.status = status;
    free(step->message);
    step->message = message;
    step->public.message = message ? message : "";
    if (status == LU_STATUS_REFUSED)
        step->ctx->refused = true;
    /* One line for a step that changed something (its changes were logged
     * one by one at DETAIL); what stayed as it was is detail too. */
    enum lu_level level = status == LU_STATUS_FAILED || status == LU_STATUS_REFUSED ? LU_LOG_ERROR
                          : status == LU_STATUS_WARNING                          ? LU_LOG_WARNING
                          : status == LU_STATUS_CHANGED || status == LU_STATUS_WOULD_CHANGE
                              ? LU_LOG_INFO
                              : LU_LOG_DETAIL;
    lu_log(step->ctx, level, "%s: %s%s", step->public.name,
           status == LU_STATUS_WOULD_CHANGE ? dry_run_prefix(step->ctx) : "", step->public.message);
    return status;
}

size_t lu_report_step_count(const struct lu_report *report)
{
    return report->count;
}

const struct lu_step_report *lu_report_step(const struct lu_report *report, size_t index)
{
    return index < report->count ? &report->steps[index]->public : NULL;
}

const struct lu_step_report *lu_report_find(const struct lu_report *report, const char *name)
{
    /* The last one: "check" runs the current-symlink step in both phases. */
    for (size_t i = report->count; i-- > 0;)
        if (strcmp(report->steps[i]->public.name, name) == 0)
            return &report->steps[i]->public;
    return NULL;
}

enum lu_outcome lu_report_outcome(const struct lu_report *report)
{
    if (report->config_outcome != LU_OUTCOME_OK)
        return report->config_outcome;
    enum lu_outcome outcome = LU_OUTCOME_OK;
    for (size_t i = 0; i < report->count; i++) {
        enum lu_status s = report->steps[i]->public.status;
        if (s == LU_STATUS_FAILED)
            outcome = LU_OUTCOME_FAILED;
        else if (s == LU_STATUS_REFUSED && outcome == LU_OUTCOME_OK)
            outcome = LU_OUTCOME_REFUSED;
    }
    return outcome;
}

const char *lu_status_name(enum lu_status status)
{
    switch (status) {
    case LU_STATUS_UNCHANGED: return "unchanged";
    case LU_STATUS_CHANGED: return "changed";
    case LU_STATUS_WOULD_CHANGE: return "would-change";
    case LU_STATUS_SKIPPED: return "skipped";
    case LU_STATUS_WARNING: return "warning";
    case LU_STATUS_REFUSED: return "refused";
    case LU_STATUS_FAILED: return "failed";
    }
    return "unknown";
}

const char *lu_outcome_name(enum lu_outcome outcome)
{
    switch (outcome) {
    case LU_OUTCOME_OK: return "ok";
    case LU_OUTCOME_REFUSED: return "refused";
    case LU_OUTCOME_CONFIG_ERROR: return "config-error";
    case LU_OUTCOME_FAILED: return "failed";
    }
    return "unknown";
}

/* A JSON string: valid UTF-8 as it is, control characters (C0, DEL, C1 and
 * the bidi controls, which a viewer of the report would act on) escaped,
 * and bytes that are not UTF-8 (file names may hold any) as U+FFFD. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        unsigned long code;
        size_t length = text_utf8_sequence(p, &code);
        if (length == 0) {
            fputs("\\ufffd", out);
            p++;
            continue;
        }
        switch (code) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (text_is_control(code)) /* all of them in the BMP */
                fprintf(out, "\\u%04lx", code);
            else
                fwrite(p, 1, length, out);
        }
        p += length;
    }
    fputc('"', out);
}

void lu_report_write_json(const struct lu_report *report, FILE *out)
{
    enum lu_outcome outcome = lu_report_outcome(report);
    fputs("{\"phase\":", out);
    json_string(out, report->phase);
    fputs(",\"root\":", out);
    json_string(out, report->root);
    fputs(",\"version\":", out);
    if (report->version)
        json_string(out, report->version);
    else
        fputs("null", out);
    fputs(",\"outcome\":", out);
    json_string(out, lu_outcome_name(outcome));
    fprintf(out, ",\"exit_status\":%d", (int)outcome);
    if (report->error) {
        fputs(",\"error\":", out);
        json_string(out, report->error);
    }
    fputs(",\"steps\":[", out);
    for (size_t i = 0; i < report->count; i++) {
        const struct lu_step_report *s = &report->steps[i]->public;
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        json_string(out, s->name);
        fputs(",\"status\":", out);
        json_string(out, lu_status_name(s->status));
        fputs(",\"message\":", out);
        json_string(out, s->message);
        fputs(",\"changes\":[", out);
        for (size_t c = 0; c < s->change_count; c++) {
            if (c)
                fputc(',', out);
            json_string(out, s->changes[c]);
        }
        fputs("]}", out);
    }
    fputs("]}\n", out);
}

/* TEXT with control characters (C0, C1, bidi) shown as '?', so that each
 * entry stays one line and no name steers the terminal. */
static void put_clean(const char *text, FILE *out)
{
    char *copy = strdup(text);
    if (!copy)
        return;
    text_hide_controls(copy);
    fputs(copy, out);
    free(copy);
}

void lu_report_write_text(const struct lu_report *report, FILE *out)
{
    if (report->error) {
        fprintf(out, "%s: error: ", report->phase);
        put_clean(report->error, out);
        fputc('\n', out);
    }
    for (size_t i = 0; i < report->count; i++) {
        const struct lu_step_report *s = &report->steps[i]->public;
        fprintf(out, "%-16s %-12s ", s->name, lu_status_name(s->status));
        put_clean(s->message, out);
        fputc('\n', out);
        for (size_t c = 0; c < s->change_count; c++) {
            fprintf(out, "%-16s %-12s   %s", "", "",
                    s->status == LU_STATUS_WOULD_CHANGE ? "would: " : "- ");
            put_clean(s->changes[c], out);
            fputc('\n', out);
        }
    }
    enum lu_outcome outcome = lu_report_outcome(report);
    fprintf(out, "%s: %s\n", report->phase,
            outcome == LU_OUTCOME_OK ? (strcmp(report->phase, "check") == 0 ? "safe to upgrade" : "done")
                                     : lu_outcome_name(outcome));
}

void lu_report_free(struct lu_report *report)
{
    if (!report)
        return;
    for (size_t i = 0; i < report->count; i++) {
        struct lu_step *step = report->steps[i];
        for (size_t c = 0; c < step->public.change_count; c++)
            free(step->changes[c]);
        free(step->changes);
        free(step->message);
        free(step);
    }
    free(report->steps);
    free(report->phase);
    free(report->root);
    free(report->version);
    free(report->error);
    free(report);
}
