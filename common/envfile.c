/* envfile.c: parser for shell-style environment files (see envfile.h). */
#define _GNU_SOURCE
#include "envfile.h"
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Unquote a shell word: 'x', "x" and bare words, stopping at an unquoted
 * blank or '#' after a blank. Returns -1 on an unterminated quote. */
static int unquote(const char *in, size_t length, char **out, bool *expands)
{
    char *value = malloc(length + 1);
    size_t used = 0;
    char quote = 0;

    if (!value)
        return -1;
    *expands = false;
    for (size_t i = 0; i < length; i++) {
        char c = in[i];
        if (quote) {
            if (c == quote) {
                quote = 0;
                continue;
            }
            if (quote == '"' && (c == '$' || c == '`'))
                *expands = true;
            if (quote == '"' && c == '\\' && i + 1 < length) {
                c = in[++i];
            }
            value[used++] = c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            continue;
        }
        if (c == ' ' || c == '\t' || c == ';')
            break;
        if (c == '$' || c == '`')
            *expands = true;
        if (c == '\\' && i + 1 < length)
            c = in[++i];
        value[used++] = c;
    }
    if (quote) {
        free(value);
        return -1;
    }
    value[used] = '\0';
    *out = value;
    return 0;
}

int env_parse(const char *text, size_t length, const char *name, struct env_file *out,
              char *error, size_t error_size)
{
    struct text_cursor cursor;
    const char *line;
    size_t line_len;

    out->entries = NULL;
    out->count = 0;
    if (text_is_binary(text, length)) {
        snprintf(error, error_size, "%s: holds binary data, not an environment file", name);
        return -1;
    }
    text_begin(&cursor, text, length);
    while (text_next_line(&cursor, &line, &line_len)) {
        text_trim(&line, &line_len);
        if (line_len > 7 && strncmp(line, "export", 6) == 0 && (line[6] == ' ' || line[6] == '\t')) {
            line += 7;
            line_len -= 7;
            text_trim(&line, &line_len);
        }
        if (line_len == 0 || !name_start(line[0]))
            continue;
        size_t key_len = 1;
        while (key_len < line_len && name_char(line[key_len]))
            key_len++;
        if (key_len >= line_len || line[key_len] != '=')
            continue; /* shell code, not an assignment */
        struct env_entry entry = {.line = cursor.line};
        if (unquote(line + key_len + 1, line_len - key_len - 1, &entry.value, &entry.expands) < 0) {
            snprintf(error, error_size, "%s:%u: unterminated quote in the value of %.*s", name,
                     cursor.line, (int)key_len, line);
            env_free(out);
            return -1;
        }
        entry.key = strndup(line, key_len);
        struct env_entry *grown = realloc(out->entries, (out->count + 1) * sizeof *grown);
        if (!entry.key || !grown) {
            free(entry.key);
            free(entry.value);
            if (grown)
                out->entries = grown;
            snprintf(error, error_size, "%s: out of memory", name);
            env_free(out);
            return -1;
        }
        out->entries = grown;
        out->entries[out->count++] = entry;
    }
    return 0;
}

const struct env_entry *env_find(const struct env_file *file, const char *key)
{
    for (size_t i = file->count; i-- > 0;)
        if (strcmp(file->entries[i].key, key) == 0)
            return &file->entries[i];
    return NULL;
}

void env_free(struct env_file *file)
{
    for (size_t i = 0; i < file->count; i++) {
        free(file->entries[i].key);
        free(file->entries[i].value);
    }
    free(file->entries);
    file->entries = NULL;
    file->count = 0;
}
