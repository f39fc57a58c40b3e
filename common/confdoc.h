/* confdoc.h: a configuration file as a list of lines that can be edited
 * and written back byte for byte: comments, blank lines, order, spacing,
 * inline comments and each line's end (LF or CRLF) are kept.
 *
 * Two syntaxes: LeoFS's node files (cuttlefish "key = value", grammar in
 * conffile.c) and the shell-style environment files (grammar in envfile.c).
 * Parsing refuses what the takeover must not guess at: binary data, a
 * malformed line, a key set twice, a carriage return inside a line. */
#ifndef LU_CONFDOC_H
#define LU_CONFDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum confdoc_syntax {
    CONFDOC_CUTTLEFISH, /* leo_*.conf */
    CONFDOC_SHELL,      /* leo_*.environment */
};

enum confdoc_kind {
    CONFDOC_BLANK,
    CONFDOC_COMMENT, /* key/value set when it is a commented-out setting ("## a.b = 1") */
    CONFDOC_ENTRY,
    CONFDOC_OTHER,   /* shell: a line that is not an assignment, kept as is */
};

struct confdoc_line {
    enum confdoc_kind kind;
    char *text;        /* the line without its end */
    char eol[3];       /* "\n", "\r\n" or "" (the last line, unterminated) */
    char *key;         /* ENTRY, or a commented-out setting; else NULL */
    char *value;       /* the value as LeoFS or the shell sees it (shell: unquoted) */
    bool expands;      /* shell: the value uses $ or ` */
    size_t value_start, value_end; /* cuttlefish ENTRY: the value's bytes in text */
    unsigned number;   /* line number in the parsed file; 0 for inserted lines */
};

struct confdoc {
    enum confdoc_syntax syntax;
    struct confdoc_line *lines;
    size_t count;
    char eol[3]; /* line end for inserted lines: the file's first one, else "\n" */
};

/* Parse TEXT (LENGTH bytes) named NAME. -1 with "NAME:LINE: what is wrong"
 * in ERROR (the document is then empty). */
int confdoc_parse(const char *text, size_t length, const char *name, enum confdoc_syntax syntax,
                  struct confdoc *doc, char *error, size_t error_size);
/* The index of the entry setting KEY, or -1. */
ssize_t confdoc_find(const struct confdoc *doc, const char *key);
/* The index of the first comment that holds a commented-out KEY, or -1. */
ssize_t confdoc_find_commented(const struct confdoc *doc, const char *key);
/* Deep copy. -1 when out of memory. */
int confdoc_copy(const struct confdoc *from, struct confdoc *to);
/* Replace the value of the cuttlefish entry at INDEX, keeping the spacing
 * and any inline comment around it. -1 when out of memory. */
int confdoc_set_value(struct confdoc *doc, size_t index, const char *value);
/* Replace the line at INDEX with TEXT (parsed again), keeping its end. */
int confdoc_set_line(struct confdoc *doc, size_t index, const char *text);
/* Insert TEXT as a new line before INDEX (count: append). */
int confdoc_insert(struct confdoc *doc, size_t index, const char *text);
/* The document as bytes (NUL-terminated, LENGTH without the NUL). */
char *confdoc_render(const struct confdoc *doc, size_t *length);
void confdoc_free(struct confdoc *doc);

#endif
