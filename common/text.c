/* text.c: line splitting and trimming for the parsers (see text.h). */
#include "text.h"

#include <string.h>

void text_begin(struct text_cursor *cursor, const char *text, size_t length)
{
    cursor->at = text;
    cursor->end = text + length;
    cursor->line = 0;
}

bool text_next_line(struct text_cursor *cursor, const char **line, size_t *length)
{
    if (cursor->at >= cursor->end)
        return false;
    const char *start = cursor->at;
    const char *newline = memchr(start, '\n', (size_t)(cursor->end - start));
    const char *stop = newline ? newline : cursor->end;
    cursor->at = newline ? newline + 1 : cursor->end;
    if (stop > start && stop[-1] == '\r')
        stop--;
    cursor->line++;
    *line = start;
    *length = (size_t)(stop - start);
    return true;
}

void text_trim(const char **start, size_t *length)
{
    while (*length && (**start == ' ' || **start == '\t')) {
        (*start)++;
        (*length)--;
    }
    while (*length && ((*start)[*length - 1] == ' ' || (*start)[*length - 1] == '\t'))
        (*length)--;
}

bool text_is_binary(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return true;
    }
    return false;
}
