/* parallel.h: run independent jobs on a few threads, for the ownership
 * walks of targets that share nothing. The caller's thread works too, and
 * the threads are joined before parallel_run returns, so no thread of ours
 * outlives a step (the rpm plugin runs inside rpm's process). The worker
 * threads block every signal: the process's handlers run in the caller's
 * thread, as without them. When a thread cannot be made the jobs run on
 * fewer threads, the caller's alone at worst: the same work, in the same
 * way, only slower. */
#ifndef LU_PARALLEL_H
#define LU_PARALLEL_H

#include <stddef.h>

#define PARALLEL_MAX_THREADS 4

typedef void parallel_job_fn(void *data, size_t index);

/* The CPUs this process may run on (sched_getaffinity, no /proc), at
 * least 1. */
unsigned parallel_cpus(void);

/* Run JOB(DATA, i) once for every i < COUNT, each job on one thread, on at
 * most THREADS threads (the caller's included, capped at
 * PARALLEL_MAX_THREADS). Jobs are taken in order as threads come free.
 * Returns the number of threads that ran jobs. */
unsigned parallel_run(size_t count, unsigned threads, parallel_job_fn *job, void *data);

#endif
