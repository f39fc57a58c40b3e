/* leofs/log_sink.h: the log sink the command and the dpkg helper share:
 * each line to stderr as "PREFIX: line" and to syslog, so that what a hook
 * did shows in the package manager's output and in the system log. */
#ifndef LEOFS_LOG_SINK_H
#define LEOFS_LOG_SINK_H

#include "leofs/upgrade.h"

#include <stdbool.h>

struct lu_log_sink {
    const char *prefix;          /* e.g. "leofs-upgrade" */
    enum lu_level stderr_level;  /* lines below this level stay off stderr */
    bool use_syslog;             /* detail and above also go to syslog (LOG_DAEMON) */
};

/* A lu_log_fn: pass a struct lu_log_sink as its data. */
void lu_log_to_sink(void *sink, enum lu_level level, const char *line);

#endif
