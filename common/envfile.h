/* envfile.h: shell-style environment files (/etc/leofs/leofs.conf and
 * leo_*.environment): KEY=VALUE lines, optional "export", quotes and
 * "#" comments. Nothing is ever evaluated: a value that needs the shell
 * ($VAR, `cmd`) is kept as written and flagged. */
#ifndef LU_ENVFILE_H
#define LU_ENVFILE_H

#include <stdbool.h>
#include <stddef.h>

struct env_entry {
    char *key;
    char *value;   /* quotes removed */
    bool expands;  /* the value uses $ or ` and means something else to the shell */
    unsigned line;
};

struct env_file {
    struct env_entry *entries;
    size_t count;
};

/* Parse TEXT. Lines that are not assignments (shell code) are ignored, as
 * the launch scripts only read assignments from these files; a line with
 * an unterminated quote is an error "NAME:LINE: ..." in ERROR. */
int env_parse(const char *text, size_t length, const char *name, struct env_file *out,
              char *error, size_t error_size);
/* The last assignment of KEY, or NULL. */
const struct env_entry *env_find(const struct env_file *file, const char *key);
void env_free(struct env_file *file);

#endif
