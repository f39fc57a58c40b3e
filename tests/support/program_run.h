/* program_run.h: run one of the project's programs as a package manager
 * would (arguments, extra environment, standard input) and capture what
 * it prints, for the tests of the commands. */
#ifndef LU_PROGRAM_RUN_H
#define LU_PROGRAM_RUN_H

#include <stddef.h>

struct program_output {
    char out[65536];
    char err[65536];
};

/* Run ARGV (NULL-terminated, ARGV[0] a path) with the "NAME=value"
 * entries of ENV (NULL-terminated, may be NULL) added to the environment
 * and INPUT (NULL: nothing) on standard input. Its exit status; aborts
 * the test when it does not exit normally. */
int program_run(const char *const *argv, const char *const *env, const char *input,
                struct program_output *output);

#endif
