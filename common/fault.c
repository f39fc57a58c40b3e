/* fault.c: the fault points of test builds (see fault.h). */
#define _GNU_SOURCE
#include "fault.h"

#ifdef LEOFS_FAULT_POINTS
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NAMES 32

static struct {
    const char *name;
    unsigned long hits;
} counters[MAX_NAMES];

/* The ownership walks hit their points from several threads (parallel.h). */
static pthread_mutex_t counters_lock = PTHREAD_MUTEX_INITIALIZER;

/* Count one more hit of NAME; its number, from 1. */
static unsigned long count_hit(const char *name)
{
    unsigned long hit = 0; /* more names than slots: never matches */
    pthread_mutex_lock(&counters_lock);
    for (size_t i = 0; i < MAX_NAMES; i++) {
        if (!counters[i].name)
            counters[i].name = name;
        if (strcmp(counters[i].name, name) == 0) {
            hit = ++counters[i].hits;
            break;
        }
    }
    pthread_mutex_unlock(&counters_lock);
    return hit;
}

static void append_hit(const char *file, const char *name)
{
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    size_t length = strlen(name);
    char line[128];
    if (length + 1 < sizeof line) {
        memcpy(line, name, length);
        line[length] = '\n';
        while (write(fd, line, length + 1) < 0 && errno == EINTR)
            continue;
    }
    close(fd);
}

/* Does LEOFS_FAULT_AT name this hit? *pause: stop rather than kill. */
static bool wanted(const char *name, unsigned long hit, bool *pause)
{
    const char *at = getenv("LEOFS_FAULT_AT");
    size_t length = strlen(name);
    if (!at || strncmp(at, name, length) != 0 || at[length] != ':')
        return false;
    char *end;
    errno = 0;
    unsigned long n = strtoul(at + length + 1, &end, 10);
    if (errno || end == at + length + 1 || n != hit)
        return false;
    *pause = strcmp(end, ":pause") == 0;
    return *end == '\0' || *pause;
}

void fault_point(const char *name)
{
    unsigned long hit = count_hit(name);
    const char *file = getenv("LEOFS_FAULT_COUNT");
    if (file && *file)
        append_hit(file, name);
    bool pause;
    if (!hit || !wanted(name, hit, &pause))
        return;
    raise(pause ? SIGSTOP : SIGKILL);
}
#else
/* ISO C wants something in a translation unit. */
typedef int fault_points_are_off;
#endif
