/* apt_hook_input.c: parse apt's Pre-Install-Pkgs protocol version 3 input
 * (see apt_hook_input.h). */
#define _GNU_SOURCE
#include "apt_hook_input.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ACTION_FIELDS 9

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A copy of TEXT[0..LENGTH) with apt's %XX escapes decoded (a '%' not
 * followed by two hex digits, or "%00", stays as it is). */
static char *decode(const char *text, size_t length)
{
    char *out = malloc(length + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < length; i++) {
        int high, low;
        if (text[i] == '%' && i + 2 < length && (high = hex_value(text[i + 1])) >= 0 &&
            (low = hex_value(text[i + 2])) >= 0 && (high || low)) {
            *o++ = (char)(high << 4 | low);
            i += 2;
        } else {
            *o++ = text[i];
        }
    }
    *o = '\0';
    return out;
}

static int replace(char **slot, const char *value, size_t length)
{
    char *copy = strndup(value, length);
    if (!copy)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

/* One DPkg::Options value; PENDING remembers an option whose argument is
 * the next value ("--root", "DIR"). */
static int dpkg_option(struct apt_hook_input *input, const char *value, char ***pending)
{
    static const struct {
        const char *option;
        size_t offset;
    } known[] = {
        {"--root", offsetof(struct apt_hook_input, dpkg_root)},
        {"--instdir", offsetof(struct apt_hook_input, dpkg_root)},
        {"--admindir", offsetof(struct apt_hook_input, dpkg_admindir)},
    };
    if (*pending) {
        char **slot = *pending;
        *pending = NULL;
        return replace(slot, value, strlen(value));
    }
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        size_t n = strlen(known[i].option);
        char **slot = (char **)((char *)input + known[i].offset);
        if (strncmp(value, known[i].option, n) != 0)
            continue;
        if (value[n] == '=')
            return replace(slot, value + n + 1, strlen(value + n + 1));
        if (value[n] == '\0')
            *pending = slot;
    }
    return 0;
}

static int config_line(struct apt_hook_input *input, const char *line, size_t length,
                       char ***pending)
{
    const char *equals = memchr(line, '=', length);
    if (!equals)
        return 0; /* not a setting: nothing we need */
    char *key = decode(line, (size_t)(equals - line));
    char *value = decode(equals + 1, length - (size_t)(equals - line) - 1);
    int result = 0;
    if (!key || !value)
        result = -1;
    else if (strcasecmp(key, "DPkg::Options::") == 0)
        result = dpkg_option(input, value, pending);
    else if (strcasecmp(key, "LeoFS::Upgrade::Packages") == 0)
        result = replace(&input->package_names, value, strlen(value));
    free(key);
    free(value);
    return result;
}

/* Split LINE into exactly ACTION_FIELDS fields: eight words, then the
 * rest of the line as the action (a .deb path may hold spaces). */
static bool split_action(const char *line, size_t length, const char *field[],
                         size_t field_length[])
{
    size_t at = 0;
    for (int f = 0; f < ACTION_FIELDS; f++) {
        while (at < length && line[at] == ' ')
            at++;
        if (at == length)
            return false;
        size_t end = at;
        if (f == ACTION_FIELDS - 1)
            end = length;
        else
            while (end < length && line[end] != ' ')
                end++;
        field[f] = line + at;
        field_length[f] = end - at;
        at = end;
    }
    return true;
}

static char *version_field(const char *text, size_t length, bool *bad)
{
    if (length == 1 && text[0] == '-')
        return NULL;
    char *copy = strndup(text, length);
    if (!copy)
        *bad = true;
    return copy;
}

static int action_line(struct apt_hook_input *input, const char *line, size_t length,
                       size_t number, char *error, size_t error_size)
{
    const char *field[ACTION_FIELDS];
    size_t field_length[ACTION_FIELDS];
    if (!split_action(line, length, field, field_length)) {
        snprintf(error, error_size,
                 "apt hook input line %zu is not a version 3 package line: is the hook "
                 "configured with DPkg::Tools::Options::<command>::Version \"3\"?",
                 number);
        return -1;
    }
    struct apt_action *grown =
        realloc(input->actions, (input->action_count + 1) * sizeof *grown);
    if (!grown)
        goto out_of_memory;
    input->actions = grown;
    struct apt_action *action = &grown[input->action_count];
    memset(action, 0, sizeof *action);
    bool bad = false;
    const char *what = field[8];
    size_t what_length = field_length[8];
    if (what_length == 13 && memcmp(what, "**CONFIGURE**", 13) == 0)
        action->kind = APT_ACTION_CONFIGURE;
    else if (what_length == 10 && memcmp(what, "**REMOVE**", 10) == 0)
        action->kind = APT_ACTION_REMOVE;
    else {
        action->kind = APT_ACTION_UNPACK;
        action->deb = strndup(what, what_length);
        bad |= !action->deb;
    }
    action->name = strndup(field[0], field_length[0]);
    bad |= !action->name;
    action->old_version = version_field(field[1], field_length[1], &bad);
    action->new_version = version_field(field[5], field_length[5], &bad);
    input->action_count++;
    if (!bad)
        return 0;
out_of_memory:
    snprintf(error, error_size, "out of memory reading apt's hook input");
    return -1;
}

int apt_hook_input_parse(const char *text, size_t length, struct apt_hook_input *input,
                         char *error, size_t error_size)
{
    memset(input, 0, sizeof *input);
    bool in_actions = false;
    char **pending = NULL;
    size_t number = 0;
    for (size_t at = 0; at < length;) {
        const char *line = text + at;
        const char *newline = memchr(line, '\n', length - at);
        size_t line_length = newline ? (size_t)(newline - line) : length - at;
        at += line_length + (newline != NULL);
        number++;
        if (memchr(line, '\0', line_length)) {
            snprintf(error, error_size, "apt hook input line %zu holds a NUL byte", number);
            goto fail;
        }
        int result = 0;
        if (number == 1) {
            if (line_length != 9 || memcmp(line, "VERSION 3", 9) != 0) {
                snprintf(error, error_size,
                         "apt hook input does not start with \"VERSION 3\": configure the hook "
                         "with DPkg::Tools::Options::<command>::Version \"3\"");
                goto fail;
            }
        } else if (!in_actions) {
            if (line_length == 0)
                in_actions = true;
            else
                result = config_line(input, line, line_length, &pending);
        } else if (line_length) {
            result = action_line(input, line, line_length, number, error, error_size);
            if (result < 0)
                goto fail;
        }
        if (result < 0) {
            snprintf(error, error_size, "out of memory reading apt's hook input");
            goto fail;
        }
    }
    if (number == 0) {
        snprintf(error, error_size,
                 "apt hook input is empty: run this from apt's DPkg::Pre-Install-Pkgs");
        goto fail;
    }
    return 0;
fail:
    apt_hook_input_free(input);
    return -1;
}

void apt_hook_input_free(struct apt_hook_input *input)
{
    for (size_t i = 0; i < input->action_count; i++) {
        free(input->actions[i].name);
        free(input->actions[i].old_version);
        free(input->actions[i].new_version);
        free(input->actions[i].deb);
    }
    free(input->actions);
    free(input->dpkg_root);
    free(input->dpkg_admindir);
    free(input->package_names);
    memset(input, 0, sizeof *input);
}
