/* log_sink.c: stderr and syslog log sink (see leofs/log_sink.h). */
#include "leofs/log_sink.h"

#include <stdio.h>
#include <syslog.h>

void lu_log_to_sink(void *data, enum lu_level level, const char *line)
{
    static const char *const names[] = {"debug: ", "", "", "warning: ", "error: "};
    static const int priorities[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR};
    const struct lu_log_sink *sink = data;
    if (level >= sink->stderr_level)
        fprintf(stderr, "%s: %s%s\n", sink->prefix, names[level], line);
    if (sink->use_syslog && level > LU_LOG_DEBUG)
        syslog(LOG_DAEMON | priorities[level], "%s", line);
}
