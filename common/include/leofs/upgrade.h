/* leofs/upgrade.h: the public interface of the LeoFS upgrade core.
 *
 * The core knows LeoFS and nothing of rpm or dpkg. A package manager layer
 * (rpm plugin, dpkg helper) or the leofs-upgrade command fills a request,
 * runs a phase and reads the report. Every step works relative to the
 * request's root directory. */
#ifndef LEOFS_UPGRADE_H
#define LEOFS_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a phase ended; also the leofs-upgrade exit status. */
enum lu_outcome {
    LU_OUTCOME_OK = 0,           /* done, or safe to go on */
    LU_OUTCOME_REFUSED = 1,      /* refused for safety: nothing was changed */
    LU_OUTCOME_CONFIG_ERROR = 2, /* bad usage or configuration */
    LU_OUTCOME_FAILED = 3,       /* a step failed */
};

/* How one step ended. */
enum lu_status {
    LU_STATUS_UNCHANGED,    /* already right: nothing to do */
    LU_STATUS_CHANGED,      /* the step changed something */
    LU_STATUS_WOULD_CHANGE, /* dry run: the step would change something */
    LU_STATUS_SKIPPED,      /* does not apply here (the message says why) */
    LU_STATUS_WARNING,      /* done, with something the operator should see */
    LU_STATUS_REFUSED,      /* unsafe to go on */
    LU_STATUS_FAILED,       /* the step could not do its job */
};

/* Log levels. A step says each change it makes at DETAIL and ends with one
 * INFO line when it changed something, so that a package manager's output
 * shows a line per step that changed something; DETAIL is what rpm -v,
 * leofs-upgrade -v and leofs-dpkg-hook --verbose add, and what the system
 * log receives; DEBUG is for tracing (rpm -vv, -vv). */
enum lu_level { LU_LOG_DEBUG, LU_LOG_DETAIL, LU_LOG_INFO, LU_LOG_WARNING, LU_LOG_ERROR };

/* A log sink: one complete line per call, without a trailing newline. */
typedef void lu_log_fn(void *data, enum lu_level level, const char *line);

enum lu_package_state {
    LU_PACKAGE_INSTALLED, /* installed and not touched by the transaction */
    LU_PACKAGE_ADDED,     /* the transaction installs it */
    LU_PACKAGE_REMOVED,   /* installed, and the transaction erases it */
};

/* One leofs package as the package database and transaction see it. */
struct lu_package {
    const char *name;    /* e.g. "leofs" */
    const char *version; /* upstream version, e.g. "1.3.8" */
    const char *label;   /* what to show and remove, e.g. "leofs-1.3.2-1.el7.x86_64" */
    enum lu_package_state state;
};

struct lu_request {
    const char *root;        /* root directory; NULL or "" means "/" */
    const char *old_version; /* version being replaced, NULL when unknown */
    const char *new_version; /* version being installed, NULL: newest found */
    bool replaced_nothing;   /* the package manager says it replaced no version
                              * (rpm -i beside another): no data moves */

    /* Installed leofs packages and what the transaction does to them.
     * packages_known is false when no package database was read. */
    const struct lu_package *packages;
    size_t package_count;
    bool packages_known;
    const char *remove_command; /* how to remove one, e.g. "rpm -e" */

    const char *policy_path; /* NULL: /etc/leofs/upgrade.conf inside root */
    bool dry_run;            /* report what would change, change nothing */
    /* How a dry run's changes are introduced in log lines; NULL: "would: "
     * (e.g. "dpkg's pre-invoke hook will: " when another run does them). */
    const char *dry_run_label;
    bool progress;           /* log progress lines during long walks */

    lu_log_fn *log; /* NULL: no log */
    void *log_data;
};

/* One step's result. Strings are owned by the report. */
struct lu_step_report {
    const char *name;    /* e.g. "current-symlink" */
    enum lu_status status;
    const char *message; /* one line for people */
    const char *const *changes; /* what changed (or would), one line each */
    size_t change_count;
};

struct lu_report;

/* Phases. Each returns the outcome and stores a report in *report (may be
 * NULL to discard it); free it with lu_report_free. */
enum lu_outcome lu_run_pre(const struct lu_request *request, struct lu_report **report);
enum lu_outcome lu_run_post(const struct lu_request *request, struct lu_report **report);
/* Both phases as a dry run; outcome OK means the upgrade is safe. */
enum lu_outcome lu_run_check(const struct lu_request *request, struct lu_report **report);

/* The configuration takeover alone (the post phase runs it first): carry
 * each node's settings from the FROM version dir into the TO version dir
 * (see leofs-upgrade(8)). FROM NULL: the newest version older than TO; TO
 * NULL: the newest version. Honours request->dry_run and the policy file.
 * A FROM or TO that is not installed, or FROM not older than TO, is a
 * configuration error. The report has one step, "config-takeover". */
enum lu_outcome lu_run_takeover(const struct lu_request *request, const char *from_version,
                                const char *to_version, struct lu_report **report);

/* Save VERSION's node configuration files (each node's leo_<type>.conf,
 * leo_<type>.environment and the .conf files in leo_<type>.d/) inside the root, for a
 * package manager that deletes them when it unpacks the next version;
 * the post phase's takeover prefers the saved copy and removes it once it
 * succeeded. VERSION NULL: the newest installed. The report has one step,
 * "config-save"; a file that is a symlink, has several links or is larger
 * than 1 MiB fails it (nothing is saved). A VERSION whose dir is not there
 * has nothing to save: LU_OUTCOME_OK, no report (*REPORT set to NULL). */
enum lu_outcome lu_run_save(const struct lu_request *request, const char *version,
                            struct lu_report **report);

size_t lu_report_step_count(const struct lu_report *report);
const struct lu_step_report *lu_report_step(const struct lu_report *report, size_t index);
/* Find a step by name, NULL when the phase did not run it. */
const struct lu_step_report *lu_report_find(const struct lu_report *report, const char *name);
enum lu_outcome lu_report_outcome(const struct lu_report *report);
void lu_report_write_json(const struct lu_report *report, FILE *out);
void lu_report_write_text(const struct lu_report *report, FILE *out);
void lu_report_free(struct lu_report *report);

const char *lu_status_name(enum lu_status status);
const char *lu_outcome_name(enum lu_outcome outcome);

/* Compare two LeoFS version strings ("1.3.10" > "1.3.8"); <0, 0 or >0. */
int lu_version_compare(const char *a, const char *b);
/* Is NAME a LeoFS version, as its version dir is named ("1.3.8")? A digit,
 * then letters, digits and . ~ + - _ only. */
bool lu_version_is_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif
