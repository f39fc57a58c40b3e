/* dpkg_args.h: what a dpkg command line installs, as dpkg's own option
 * parser reads it (lib/dpkg/options.c): options until the first argument
 * that is not one or "--"; long options exact, their value after '=' or
 * as the next argument; short options bundled ("-iR"), a value ("-D")
 * being the rest of the word or the next one; --force-THING and friends
 * carry theirs after '-'. Pure parsing: no file is read. */
#ifndef LEOFS_DPKG_ARGS_H
#define LEOFS_DPKG_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum dpkg_args_action {
    DPKG_ARGS_OTHER,   /* not an action that unpacks archives (or none) */
    DPKG_ARGS_INSTALL, /* -i, --install */
    DPKG_ARGS_UNPACK,  /* --unpack */
};

struct dpkg_args {
    enum dpkg_args_action action;
    bool recursive;           /* -R, --recursive: the arguments are directories */
    const char *const *files; /* the archive (or directory) arguments, inside ARGV */
    size_t file_count;
};

/* Parse ARGC words of ARGV (ARGV[0] is the program name). */
void dpkg_args_parse(int argc, const char *const *argv, struct dpkg_args *args);

#endif
