/* conffile.h: LeoFS node configuration files (cuttlefish "key = value",
 * "#" comments), parsed into entries in file order. */
#ifndef LU_CONFFILE_H
#define LU_CONFFILE_H

#include <stddef.h>

struct conf_entry {
    char *key;
    char *value;
    unsigned line;
};

struct conf_file {
    struct conf_entry *entries;
    size_t count;
};

/* Parse TEXT (LENGTH bytes). On a malformed line return -1 and write
 * "NAME:LINE: what is wrong" into ERROR. */
int conf_parse(const char *text, size_t length, const char *name, struct conf_file *out,
               char *error, size_t error_size);
/* The value of KEY (the last one when repeated), or NULL. */
const struct conf_entry *conf_find(const struct conf_file *file, const char *key);
void conf_free(struct conf_file *file);

/* Split a list value "[a, b]" (or a plain "a") into items; returns the
 * count, stores malloc'd strings in *items (free with conf_free_list). */
size_t conf_split_list(const char *value, char ***items);
void conf_free_list(char **items, size_t count);

#endif
