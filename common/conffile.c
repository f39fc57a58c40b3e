/* conffile.c: parser for LeoFS node configuration files (see conffile.h). */
#define _GNU_SOURCE
#include "conffile.h"
#include "text.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool key_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '$';
}

static int append(struct conf_file *file, const char *key, size_t key_len, const char *value,
                  size_t value_len, unsigned line)
{
    struct conf_entry *grown = realloc(file->entries, (file->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    file->entries = grown;
    struct conf_entry *entry = &grown[file->count];
    entry->key = strndup(key, key_len);
    entry->value = strndup(value, value_len);
    entry->line = line;
    if (!entry->key || !entry->value) {
        free(entry->key);
        free(entry->value);
        return -1;
    }
    file->count++;
    return 0;
}

enum conf_line_kind conf_parse_line(const char *line, size_t length, struct conf_span *key,
                                    struct conf_span *value)
{
    const char *start = line;
    size_t len = length;
    text_trim(&start, &len);
    if (len == 0)
        return CONF_LINE_BLANK;
    if (start[0] == '#')
        return CONF_LINE_COMMENT;
    size_t key_len = 0;
    while (key_len < len && key_char(start[key_len]))
        key_len++;
    const char *rest = start + key_len;
    size_t rest_len = len - key_len;
    text_trim(&rest, &rest_len);
    if (key_len == 0 || rest_len == 0 || rest[0] != '=')
        return CONF_LINE_MALFORMED;
    const char *val = rest + 1;
    size_t val_len = rest_len - 1;
    /* A '#' after white space starts a comment. */
    for (size_t i = 1; i < val_len; i++)
        if (val[i] == '#' && (val[i - 1] == ' ' || val[i - 1] == '\t')) {
            val_len = i;
            break;
        }
    text_trim(&val, &val_len);
    key->start = (size_t)(start - line);
    key->length = key_len;
    value->start = (size_t)(val - line);
    value->length = val_len;
    return val_len == 0 ? CONF_LINE_NO_VALUE : CONF_LINE_ENTRY;
}

int conf_parse(const char *text, size_t length, const char *name, struct conf_file *out,
               char *error, size_t error_size)
{
    struct text_cursor cursor;
    const char *line;
    size_t line_len;

    out->entries = NULL;
    out->count = 0;
    if (text_is_binary(text, length)) {
        snprintf(error, error_size, "%s: holds binary data, not a configuration file", name);
        return -1;
    }
    text_begin(&cursor, text, length);
    while (text_next_line(&cursor, &line, &line_len)) {
        struct conf_span key, value;
        enum conf_line_kind kind = conf_parse_line(line, line_len, &key, &value);
        if (kind == CONF_LINE_BLANK || kind == CONF_LINE_COMMENT)
            continue;
        if (kind == CONF_LINE_MALFORMED) {
            text_trim(&line, &line_len);
            snprintf(error, error_size, "%s:%u: expected 'key = value', found '%.*s'", name,
                     cursor.line, (int)(line_len > 60 ? 60 : line_len), line);
            conf_free(out);
            return -1;
        }
        if (kind == CONF_LINE_NO_VALUE) {
            snprintf(error, error_size, "%s:%u: '%.*s' has no value", name, cursor.line,
                     (int)key.length, line + key.start);
            conf_free(out);
            return -1;
        }
        if (append(out, line + key.start, key.length, line + value.start, value.length,
                   cursor.line) < 0) {
            snprintf(error, error_size, "%s: out of memory", name);
            conf_free(out);
            return -1;
        }
    }
    return 0;
}

const struct conf_entry *conf_find(const struct conf_file *file, const char *key)
{
    for (size_t i = file->count; i-- > 0;)
        if (strcmp(file->entries[i].key, key) == 0)
            return &file->entries[i];
    return NULL;
}

void conf_free(struct conf_file *file)
{
    for (size_t i = 0; i < file->count; i++) {
        free(file->entries[i].key);
        free(file->entries[i].value);
    }
    free(file->entries);
    file->entries = NULL;
    file->count = 0;
}

size_t conf_split_list(const char *value, char ***items)
{
    const char *start = value;
    size_t length = strlen(value), count = 0;
    char **list = NULL;

    text_trim(&start, &length);
    if (length >= 2 && start[0] == '[' && start[length - 1] == ']') {
        start++;
        length -= 2;
    }
    while (length > 0) {
        const char *comma = memchr(start, ',', length);
        size_t item_len = comma ? (size_t)(comma - start) : length;
        const char *item = start;
        size_t trimmed = item_len;
        text_trim(&item, &trimmed);
        if (trimmed >= 2 && (item[0] == '"' || item[0] == '\'') && item[trimmed - 1] == item[0]) {
            item++;
            trimmed -= 2;
        }
        if (trimmed > 0) {
            char **grown = realloc(list, (count + 1) * sizeof *grown);
            char *copy = strndup(item, trimmed);
            if (!grown || !copy) {
                free(copy);
                conf_free_list(grown ? grown : list, count);
                *items = NULL;
                return 0;
            }
            list = grown;
            list[count++] = copy;
        }
        if (!comma)
            break;
        length -= item_len + 1;
        start = comma + 1;
    }
    *items = list;
    return count;
}

void conf_free_list(char **items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(items[i]);
    free(items);
}
