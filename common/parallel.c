/* parallel.c: a handful of joined worker threads over a job counter (see
 * parallel.h). */
#define _GNU_SOURCE
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>

struct pool {
    pthread_mutex_t lock;
    size_t next, count;
    parallel_job_fn *job;
    void *data;
};

unsigned parallel_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) < 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

static bool take(struct pool *p, size_t *index)
{
    pthread_mutex_lock(&p->lock);
    bool any = p->next < p->count;
    if (any)
        *index = p->next++;
    pthread_mutex_unlock(&p->lock);
    return any;
}

static void *work(void *data)
{
    struct pool *p = data;
    size_t index;
    while (take(p, &index))
        p->job(p->data, index);
    return NULL;
}

unsigned parallel_run(size_t count, unsigned threads, parallel_job_fn *job, void *data)
{
    struct pool p = {.lock = PTHREAD_MUTEX_INITIALIZER, .count = count, .job = job, .data = data};
    if (threads > PARALLEL_MAX_THREADS)
        threads = PARALLEL_MAX_THREADS;
    if (threads > count)
        threads = (unsigned)count;
    pthread_t workers[PARALLEL_MAX_THREADS];
    unsigned started = 0;
    if (threads > 1) {
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        while (started + 1 < threads && pthread_create(&workers[started], NULL, work, &p) == 0)
            started++;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    work(&p);
    for (unsigned i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    pthread_mutex_destroy(&p.lock);
    return started + 1;
}
