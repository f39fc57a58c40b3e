/* hook.h: what the three ways leofs-dpkg-hook runs share: where the dpkg
 * database is, which packages count as LeoFS, and where logs go. */
#ifndef LEOFS_DPKG_HOOK_H
#define LEOFS_DPKG_HOOK_H

#include "dpkgdb_view.h"
#include "leofs/log_sink.h"
#include "leofs/upgrade.h"

#include <stdio.h>

/* Its exit status is the core's outcome: 0 ok, 1 refused, 2 usage or
 * configuration error, 3 failed. */
#define HOOK_PROGRAM "leofs-dpkg-hook"

struct hook {
    struct dpkg_location location; /* from options, else DPKG_ROOT/DPKG_ADMINDIR */
    bool root_given, admindir_given; /* by an option or dpkg's environment */
    const char *names;             /* package names that count as LeoFS */
    const char *package;           /* --package, else DPKG_MAINTSCRIPT_PACKAGE */
    bool names_given;              /* --packages was given */
    const char *dry_run_label;     /* for a dry run's change lines, NULL: "would: " */
    struct lu_log_sink sink;
};

/* The preinst of a LeoFS package: "install [OLD NEW]", "upgrade OLD NEW"
 * (anything else does nothing). Runs the pre phase; non-zero refuses. */
int hook_preinst(struct hook *hook, int argc, char **argv);
/* Our package's postinst on the /usr/local/leofs file trigger: the post
 * phase for the newest LeoFS version installed, if any. */
int hook_trigger(struct hook *hook);
/* apt's DPkg::Pre-Install-Pkgs, protocol version 3 on IN: the pre phase as
 * a dry run for the whole transaction; non-zero makes apt stop before dpkg. */
int hook_apt(struct hook *hook, FILE *in);

/* dpkg's pre-invoke hook (DPKG_HOOK_ACTION install or unpack): the pre
 * phase for the LeoFS archives on the parent dpkg's command line, then
 * the old version's configuration saved; non-zero makes dpkg stop. */
int hook_pre_invoke(struct hook *hook);

/* The transaction as the packages step sees it: every entry of LIST
 * called NAME is replaced, and NAME at Debian version VERSION (NULL:
 * unknown) goes in. Its upstream version in UPSTREAM (may be "").
 * -1 with a message in ERROR for a bad version or no memory. */
int hook_replace_package(struct lu_package_list *list, const char *name, const char *version,
                         char *upstream, size_t upstream_size, char *error, size_t error_size);

/* The pre phase over PACKAGES, from OLD to NEW (upstream versions, "" or
 * NULL when unknown); with DRY_RUN nothing is changed. */
enum lu_outcome hook_run_pre(struct hook *hook, const struct lu_package_list *packages,
                             const char *old_version, const char *new_version, bool dry_run);

/* Log one line through the hook's sink. */
void hook_log(struct hook *hook, enum lu_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* A request with the hook's root, log and the dpkg removal command. */
struct lu_request hook_request(struct hook *hook);
/* " --root DIR" when the root is not "/", else "": for advice lines. */
const char *hook_root_option(const struct hook *hook, char *buffer, size_t size);

#endif
