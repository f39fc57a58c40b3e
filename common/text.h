/* text.h: small helpers shared by the file parsers: line splitting (LF or
 * CRLF) and trimming. */
#ifndef LU_TEXT_H
#define LU_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct text_cursor {
    const char *at;
    const char *end;
    unsigned line; /* number of the line last returned, from 1 */
};

void text_begin(struct text_cursor *cursor, const char *text, size_t length);
/* The next line without its line end; false at the end of the text. */
bool text_next_line(struct text_cursor *cursor, const char **line, size_t *length);
/* Narrow [*start, *start + *length) to exclude spaces and tabs at both ends. */
void text_trim(const char **start, size_t *length);
/* True when the text has a NUL byte or another control character that no
 * text configuration file holds (tab, CR and LF are fine). */
bool text_is_binary(const char *text, size_t length);

/* The length of the valid UTF-8 sequence at P (1 to 4) and its code point,
 * or 0 when P does not start one (overlong forms, surrogates and code
 * points above U+10FFFF are not valid). */
size_t text_utf8_sequence(const unsigned char *p, unsigned long *code);
/* Characters a terminal or a log viewer acts on: C0, DEL, C1 and the bidi
 * embedding, override and isolate controls and marks. */
bool text_is_control(unsigned long code);

/* Show every control character of TEXT as '?', in place: C0 and DEL, C1
 * (as UTF-8 or as a lone byte) and the Unicode bidi controls (U+202A-202E,
 * U+2066-2069, U+200E, U+200F, U+061C), so that a file name can neither
 * start a line of its own nor steer a terminal. Other bytes stay, invalid
 * UTF-8 too. Returns the new length. */
size_t text_hide_controls(char *text);

#endif
