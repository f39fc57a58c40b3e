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

size_t text_utf8_sequence(const unsigned char *p, unsigned long *code)
{
    size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (p[0] < 0x80) {
        *code = p[0];
        return 1;
    }
    if (n == 0 || p[0] > 0xf4)
        return 0;
    unsigned long c = p[0] & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < least[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *code = c;
    return n;
}

bool text_is_control(unsigned long c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

size_t text_hide_controls(char *text)
{
    unsigned char *in = (unsigned char *)text, *out = in;
    while (*in) {
        unsigned long code;
        size_t n = text_utf8_sequence(in, &code);
        if (n == 0) {
            /* Not UTF-8: a lone byte, shown unless it is C1 (0x9b is CSI
             * on 8-bit terminals). */
            *out++ = *in >= 0x80 && *in <= 0x9f ? '?' : *in;
            in++;
        } else if (text_is_control(code)) {
            *out++ = '?';
            in += n;
        } else {
            memmove(out, in, n);
            out += n;
            in += n;
        }
    }
    *out = '\0';
    return (size_t)(out - (unsigned char *)text);
}
