/* dpkg_args.c: read a dpkg command line as dpkg does (see dpkg_args.h). */
#define _GNU_SOURCE
#include "dpkg_args.h"

#include <string.h>

/* dpkg's long options that take a value (dpkg 1.21's src/main/main.c). */
static const char *const valued[] = {
    "pre-invoke", "post-invoke", "path-exclude", "path-include", "verify-format",
    "status-logger", "status-fd", "log", "root", "abort-after", "admindir", "instdir",
    "ignore-depends", "debug",
};
/* Those that take theirs after '-' ("--force-depends"). */
static const char *const dashed[] = {"force", "refuse", "no-force"};

static bool in(const char *const *list, size_t count, const char *name, size_t length)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == length && memcmp(list[i], name, length) == 0)
            return true;
    return false;
}

static void set_action(struct dpkg_args *args, enum dpkg_args_action action)
{
    args->action = action;
}

/* One long option NAME (without "--"); *NEXT is taken for its value. */
static void long_option(struct dpkg_args *args, const char *name, int *next, int argc)
{
    const char *equals = strchr(name, '=');
    size_t length = equals ? (size_t)(equals - name) : strlen(name);
    for (size_t i = 0; i < sizeof dashed / sizeof *dashed; i++) {
        size_t n = strlen(dashed[i]);
        if (strncmp(name, dashed[i], n) == 0 && name[n] == '-')
            return;
    }
    if (in(valued, sizeof valued / sizeof *valued, name, length)) {
        if (!equals && *next < argc)
            (*next)++;
        return;
    }
    if (equals)
        return; /* a value dpkg's other options do not take */
    if (strcmp(name, "install") == 0)
        set_action(args, DPKG_ARGS_INSTALL);
    else if (strcmp(name, "unpack") == 0)
        set_action(args, DPKG_ARGS_UNPACK);
    else if (strcmp(name, "recursive") == 0)
        args->recursive = true;
    else if (strncmp(name, "record-avail", 12) == 0 || strcmp(name, "configure") == 0 ||
             strcmp(name, "remove") == 0 || strcmp(name, "purge") == 0 ||
             strcmp(name, "triggers-only") == 0)
        set_action(args, DPKG_ARGS_OTHER);
}

void dpkg_args_parse(int argc, const char *const *argv, struct dpkg_args *args)
{
    memset(args, 0, sizeof *args);
    int at = 1;
    while (at < argc && argv[at][0] == '-' && argv[at][1] != '\0') {
        const char *word = argv[at++];
        if (strcmp(word, "--") == 0)
            break;
        if (word[1] == '-') {
            long_option(args, word + 2, &at, argc);
            continue;
        }
        for (const char *p = word + 1; *p; p++) {
            if (*p == 'D') { /* the only short option with a value */
                if (p[1] == '\0' && at < argc)
                    at++;
                break;
            }
            if (*p == 'i')
                set_action(args, DPKG_ARGS_INSTALL);
            else if (*p == 'R')
                args->recursive = true;
            else if (*p == 'A' || *p == 'r' || *p == 'P' || *p == 'V' || *p == 'C')
                set_action(args, DPKG_ARGS_OTHER);
        }
    }
    args->files = argv + at;
    args->file_count = at < argc ? (size_t)(argc - at) : 0;
}
