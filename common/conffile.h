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

/* What one line of such a file is. The grammar lives here only; the
 * line-preserving document model (confdoc.c) uses it too. */
enum conf_line_kind {
    CONF_LINE_BLANK,     /* empty or white space */
    CONF_LINE_COMMENT,   /* starts with '#' */
    CONF_LINE_ENTRY,     /* key = value */
    CONF_LINE_MALFORMED, /* not "key = value" */
    CONF_LINE_NO_VALUE,  /* "key =" with nothing after it */
};

/* Offsets of a part of LINE: [start, start + length). */
struct conf_span {
    size_t start, length;
};

/* Classify LINE (LENGTH bytes, no line end). For an entry, store where the
 * key and the value are (the value trimmed, without a trailing comment). */
enum conf_line_kind conf_parse_line(const char *line, size_t length, struct conf_span *key,
                                    struct conf_span *value);

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
