/* confdoc.c: the line-preserving configuration document (see confdoc.h).
 * Line grammar comes from conffile.c (conf_parse_line) and envfile.c
 * (env_parse on one line); this file only keeps lines and edits them. */
#define _GNU_SOURCE
#include "confdoc.h"
#include "conffile.h"
#include "envfile.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum parsed { PARSED_OK, PARSED_MALFORMED, PARSED_NO_VALUE, PARSED_BAD_QUOTE, PARSED_NOMEM };

/* Fill KEY/VALUE of LINE (already holding TEXT) from an assignment in TEXT
 * (a whole line, or what follows a comment's '#'). */
static enum parsed parse_setting(enum confdoc_syntax syntax, const char *text, size_t length,
                                 struct confdoc_line *line, bool *is_entry)
{
    *is_entry = false;
    if (syntax == CONFDOC_CUTTLEFISH) {
        struct conf_span key, value;
        enum conf_line_kind kind = conf_parse_line(text, length, &key, &value);
        if (kind == CONF_LINE_BLANK || kind == CONF_LINE_COMMENT)
            return PARSED_OK;
        if (kind == CONF_LINE_MALFORMED)
            return PARSED_MALFORMED;
        if (kind == CONF_LINE_NO_VALUE)
            return PARSED_NO_VALUE;
        line->key = strndup(text + key.start, key.length);
        line->value = strndup(text + value.start, value.length);
        line->value_start = value.start;
        line->value_end = value.start + value.length;
    } else {
        struct env_file env;
        char ignored[8];
        if (env_parse(text, length, "", &env, ignored, sizeof ignored) < 0)
            return PARSED_BAD_QUOTE;
        if (env.count == 0)
            return PARSED_OK;
        line->key = env.entries[0].key;
        line->value = env.entries[0].value;
        line->expands = env.entries[0].expands;
        env.entries[0].key = env.entries[0].value = NULL;
        env_free(&env);
    }
    *is_entry = true;
    return line->key && line->value ? PARSED_OK : PARSED_NOMEM;
}

static void clear_line(struct confdoc_line *line)
{
    free(line->key);
    free(line->value);
    line->key = line->value = NULL;
    line->expands = false;
    line->value_start = line->value_end = 0;
}

/* Classify LINE->text. */
static enum parsed classify(enum confdoc_syntax syntax, struct confdoc_line *line)
{
    const char *text = line->text;
    size_t length = strlen(text);
    const char *trimmed = text;
    size_t trimmed_len = length;
    bool entry;

    clear_line(line);
    text_trim(&trimmed, &trimmed_len);
    if (trimmed_len == 0) {
        line->kind = CONFDOC_BLANK;
        return PARSED_OK;
    }
    if (trimmed[0] == '#') {
        line->kind = CONFDOC_COMMENT;
        while (trimmed_len && (trimmed[0] == '#' || trimmed[0] == ' ' || trimmed[0] == '\t')) {
            trimmed++;
            trimmed_len--;
        }
        /* A commented-out setting, if it parses as one; prose does not. */
        struct confdoc_line probe = {0};
        if (parse_setting(syntax, trimmed, trimmed_len, &probe, &entry) == PARSED_OK && entry) {
            line->key = probe.key;
            line->value = probe.value;
            return PARSED_OK;
        }
        clear_line(&probe);
        return PARSED_OK;
    }
    enum parsed r = parse_setting(syntax, text, length, line, &entry);
    if (r != PARSED_OK) {
        clear_line(line);
        return r;
    }
    line->kind = entry ? CONFDOC_ENTRY : CONFDOC_OTHER;
    if (line->kind == CONFDOC_OTHER && syntax == CONFDOC_CUTTLEFISH)
        return PARSED_MALFORMED; /* not reached: the grammar has no other kind */
    return PARSED_OK;
}

static int grow(struct confdoc *doc)
{
    struct confdoc_line *grown = realloc(doc->lines, (doc->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    doc->lines = grown;
    return 0;
}

static int by_key_then_line(const void *a, const void *b, void *data)
{
    const struct confdoc *doc = data;
    const struct confdoc_line *x = &doc->lines[*(const size_t *)a];
    const struct confdoc_line *y = &doc->lines[*(const size_t *)b];
    int c = strcmp(x->key, y->key);
    return c ? c : (x->number > y->number) - (x->number < y->number);
}

/* A key set twice is an error: report the earliest repeat. Sorting keeps
 * this O(n log n) for big files. */
static int check_duplicates(const struct confdoc *doc, const char *name, char *error,
                            size_t error_size)
{
    size_t *entries = malloc((doc->count + 1) * sizeof *entries), n = 0;
    if (!entries) {
        snprintf(error, error_size, "%s: out of memory", name);
        return -1;
    }
    for (size_t i = 0; i < doc->count; i++)
        if (doc->lines[i].kind == CONFDOC_ENTRY)
            entries[n++] = i;
    qsort_r(entries, n, sizeof *entries, by_key_then_line, (void *)doc);
    const struct confdoc_line *first = NULL, *again = NULL;
    for (size_t start = 0, end; start < n; start = end) {
        const struct confdoc_line *head = &doc->lines[entries[start]];
        for (end = start + 1; end < n && strcmp(doc->lines[entries[end]].key, head->key) == 0;)
            end++;
        const struct confdoc_line *second = end > start + 1 ? &doc->lines[entries[start + 1]] : NULL;
        if (second && (!again || second->number < again->number)) {
            first = head;
            again = second;
        }
    }
    free(entries);
    if (!again)
        return 0;
    snprintf(error, error_size, "%s:%u: '%s' is set again (first on line %u): keep one of them",
             name, again->number, again->key, first->number);
    return -1;
}

int confdoc_parse(const char *text, size_t length, const char *name, enum confdoc_syntax syntax,
                  struct confdoc *doc, char *error, size_t error_size)
{
    struct text_cursor cursor;
    const char *line;
    size_t line_len;

    memset(doc, 0, sizeof *doc);
    doc->syntax = syntax;
    strcpy(doc->eol, "\n");
    if (text_is_binary(text, length)) {
        snprintf(error, error_size, "%s: holds binary data, not a configuration file: restore it "
                 "from a backup or the package", name);
        return -1;
    }
    bool eol_seen = false;
    text_begin(&cursor, text, length);
    while (text_next_line(&cursor, &line, &line_len)) {
        if (memchr(line, '\r', line_len)) {
            snprintf(error, error_size, "%s:%u: a carriage return inside the line: use LF or CRLF "
                     "line ends only", name, cursor.line);
            goto fail;
        }
        if (grow(doc) < 0)
            goto nomem;
        struct confdoc_line *l = &doc->lines[doc->count];
        memset(l, 0, sizeof *l);
        l->number = cursor.line;
        size_t eol_len = (size_t)(cursor.at - (line + line_len));
        memcpy(l->eol, line + line_len, eol_len > 2 ? 2 : eol_len);
        if (!eol_seen && eol_len && line[line_len + eol_len - 1] == '\n') { /* not a lone "\r" */
            memcpy(doc->eol, l->eol, sizeof doc->eol);
            eol_seen = true;
        }
        if (!(l->text = strndup(line, line_len)))
            goto nomem;
        doc->count++;
        switch (classify(syntax, l)) {
        case PARSED_OK:
            break;
        case PARSED_MALFORMED: {
            const char *shown = line;
            size_t shown_len = line_len;
            text_trim(&shown, &shown_len);
            snprintf(error, error_size, "%s:%u: expected 'key = value', found '%.*s': fix or "
                     "comment out the line", name, cursor.line,
                     (int)(shown_len > 60 ? 60 : shown_len), shown);
            goto fail;
        }
        case PARSED_NO_VALUE:
            snprintf(error, error_size, "%s:%u: the setting has no value: give it one or comment "
                     "it out", name, cursor.line);
            goto fail;
        case PARSED_BAD_QUOTE:
            snprintf(error, error_size, "%s:%u: unterminated quote: close it", name, cursor.line);
            goto fail;
        case PARSED_NOMEM:
            goto nomem;
        }
    }
    if (check_duplicates(doc, name, error, error_size) < 0)
        goto fail;
    return 0;
nomem:
    snprintf(error, error_size, "%s: out of memory", name);
fail:
    confdoc_free(doc);
    return -1;
}

ssize_t confdoc_find(const struct confdoc *doc, const char *key)
{
    for (size_t i = 0; i < doc->count; i++)
        if (doc->lines[i].kind == CONFDOC_ENTRY && strcmp(doc->lines[i].key, key) == 0)
            return (ssize_t)i;
    return -1;
}

ssize_t confdoc_find_commented(const struct confdoc *doc, const char *key)
{
    for (size_t i = 0; i < doc->count; i++)
        if (doc->lines[i].kind == CONFDOC_COMMENT && doc->lines[i].key &&
            strcmp(doc->lines[i].key, key) == 0)
            return (ssize_t)i;
    return -1;
}

static char *dup_or_null(const char *s, bool *failed)
{
    if (!s)
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        *failed = true;
    return copy;
}

int confdoc_copy(const struct confdoc *from, struct confdoc *to)
{
    bool failed = false;
    memset(to, 0, sizeof *to);
    to->syntax = from->syntax;
    memcpy(to->eol, from->eol, sizeof to->eol);
    if (from->count == 0)
        return 0;
    to->lines = calloc(from->count, sizeof *to->lines);
    if (!to->lines)
        return -1;
    to->count = from->count;
    for (size_t i = 0; i < from->count; i++) {
        to->lines[i] = from->lines[i];
        to->lines[i].text = dup_or_null(from->lines[i].text, &failed);
        to->lines[i].key = dup_or_null(from->lines[i].key, &failed);
        to->lines[i].value = dup_or_null(from->lines[i].value, &failed);
    }
    if (failed) {
        confdoc_free(to);
        return -1;
    }
    return 0;
}

/* Give LINE the new TEXT (owned) and parse it; on failure keep the old one. */
static int retext(const struct confdoc *doc, struct confdoc_line *line, char *text)
{
    struct confdoc_line fresh = {.text = text};
    memcpy(fresh.eol, line->eol, sizeof fresh.eol);
    if (classify(doc->syntax, &fresh) != PARSED_OK) {
        clear_line(&fresh);
        free(text);
        errno = EINVAL;
        return -1;
    }
    clear_line(line);
    free(line->text);
    *line = fresh;
    return 0;
}

int confdoc_set_value(struct confdoc *doc, size_t index, const char *value)
{
    struct confdoc_line *line = &doc->lines[index];
    if (index >= doc->count || line->kind != CONFDOC_ENTRY || doc->syntax != CONFDOC_CUTTLEFISH) {
        errno = EINVAL;
        return -1;
    }
    char *text;
    if (asprintf(&text, "%.*s%s%s", (int)line->value_start, line->text, value,
                 line->text + line->value_end) < 0)
        return -1;
    return retext(doc, line, text);
}

int confdoc_set_line(struct confdoc *doc, size_t index, const char *text)
{
    char *copy = strdup(text);
    if (index >= doc->count || !copy || strpbrk(copy, "\r\n")) {
        free(copy);
        errno = copy ? EINVAL : ENOMEM;
        return -1;
    }
    return retext(doc, &doc->lines[index], copy);
}

int confdoc_insert(struct confdoc *doc, size_t index, const char *text)
{
    if (index > doc->count || strpbrk(text, "\r\n") || grow(doc) < 0) {
        errno = EINVAL;
        return -1;
    }
    struct confdoc_line line = {0};
    memcpy(line.eol, doc->eol, sizeof line.eol);
    char *copy = strdup(text);
    if (!copy || retext(doc, &line, copy) < 0)
        return -1;
    memcpy(line.eol, doc->eol, sizeof line.eol);
    memmove(&doc->lines[index + 1], &doc->lines[index], (doc->count - index) * sizeof line);
    doc->lines[index] = line;
    doc->count++;
    return 0;
}

char *confdoc_render(const struct confdoc *doc, size_t *length)
{
    char *buffer = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buffer, &size);
    if (!out)
        return NULL;
    for (size_t i = 0; i < doc->count; i++) {
        const struct confdoc_line *line = &doc->lines[i];
        fputs(line->text, out);
        /* A last line without a real line end ("" or a lone "\r") that is
         * no longer last gets the file's line end. */
        bool real_end = strcmp(line->eol, "\n") == 0 || strcmp(line->eol, "\r\n") == 0;
        fputs(real_end || i + 1 == doc->count ? line->eol : doc->eol, out);
    }
    if (fclose(out) != 0) {
        free(buffer);
        return NULL;
    }
    if (length)
        *length = size;
    return buffer;
}

void confdoc_free(struct confdoc *doc)
{
    for (size_t i = 0; i < doc->count; i++) {
        clear_line(&doc->lines[i]);
        free(doc->lines[i].text);
    }
    free(doc->lines);
    doc->lines = NULL;
    doc->count = 0;
}
