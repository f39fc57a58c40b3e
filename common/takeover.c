/* takeover.c: merge a node's old configuration into the new version's
 * shipped file (rules in takeover.h). No I/O here. */
#define _GNU_SOURCE
#include "takeover.h"
#include "confdefaults.h"
#include "layout.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROPPED_HEADER "## leofs-upgrade: settings of LeoFS %s that LeoFS %s does not know, turned off"
#define KEPT_HEADER "## leofs-upgrade: kept from LeoFS %s"

bool takeover_secret_key(const char *key)
{
    static const char *const words[] = {"secret", "password", "passwd", "pass_", "token",
                                        "cookie", "credential", "private", "access_key", "auth"};
    char lower[256];
    size_t n = 0;
    for (; key[n] && n + 1 < sizeof lower; n++)
        lower[n] = (char)(key[n] >= 'A' && key[n] <= 'Z' ? key[n] - 'A' + 'a' : key[n]);
    lower[n] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(lower, words[i]))
            return true;
    return false;
}

/* VALUE of KEY as the change lines show it: never one that may be secret. */
static const char *shown(const char *key, const char *value)
{
    return takeover_secret_key(key) ? "(value not shown)" : value;
}

const char *takeover_kind_name(enum takeover_kind kind)
{
    static const char *const names[] = {"kept", "added", "adjusted", "default", "dropped", "pinned"};
    return kind < TAKEOVER_KINDS ? names[kind] : "?";
}

static int add_item(struct takeover_result *out, enum takeover_kind kind, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int add_item(struct takeover_result *out, enum takeover_kind kind, const char *format, ...)
{
    struct takeover_item *grown = realloc(out->items, (out->item_count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    out->items = grown;
    va_list args;
    va_start(args, format);
    int n = vasprintf(&grown[out->item_count].text, format, args);
    va_end(args);
    if (n < 0)
        return -1;
    grown[out->item_count++].kind = kind;
    out->counts[kind]++;
    return 0;
}

/* VALUE without the blanks at its ends and next to list brackets and
 * commas, so that "[./avs]" and "[ ./avs ]" compare equal. */
static char *canonical(const char *value)
{
    size_t n = strlen(value), used = 0;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = value[i];
        if (c == ' ' || c == '\t') {
            size_t j = i;
            while (j < n && (value[j] == ' ' || value[j] == '\t'))
                j++;
            if (used == 0 || strchr("[,]", out[used - 1]) || j == n || strchr("[,]", value[j])) {
                i = j - 1;
                continue;
            }
        }
        out[used++] = c;
    }
    out[used] = '\0';
    return out;
}

static bool same_value(const char *a, const char *b)
{
    char *ca = canonical(a), *cb = canonical(b);
    bool same = ca && cb ? strcmp(ca, cb) == 0 : strcmp(a, b) == 0;
    free(ca);
    free(cb);
    return same;
}

/* The old version's shipped value of KEY, NULL when unknown. */
static const char *old_default(const struct takeover_input *in, const char *key)
{
    if (in->old_shipped) {
        ssize_t i = confdoc_find(in->old_shipped, key);
        if (i >= 0)
            return in->old_shipped->lines[i].value;
    }
    return confdefaults_old_default(in->type, key, in->old_version);
}

/* One key of the new file that the old file sets too. */
static int merge_key(const struct takeover_input *in, struct takeover_result *out, size_t index,
                     const char *old_value)
{
    struct confdoc_line *line = &out->merged.lines[index];
    const char *key = line->key;
    char *new_value = strdup(line->value);
    if (!new_value)
        return -1;
    bool data = confdefaults_is_data_key(in->type, key);
    const char *chosen = old_value;
    enum takeover_kind kind = TAKEOVER_KEPT;
    if (same_value(old_value, new_value)) {
        chosen = new_value;
        kind = TAKEOVER_KINDS; /* nothing to say */
    } else {
        const char *shipped = old_default(in, key);
        if (shipped && same_value(old_value, shipped)) {
            chosen = new_value;
            kind = TAKEOVER_DEFAULT;
        }
    }
    /* Data stays where the old node kept it, whatever the defaults say. */
    char *moved = NULL;
    char pinned[64];
    if (data || kind == TAKEOVER_KEPT) {
        errno = 0;
        moved = takeover_relocate(in, data ? old_value : chosen, data);
        if (!moved && errno == ENOMEM) {
            free(new_value);
            return -1;
        }
    }
    int r = 0;
    if (moved) {
        bool back = strstr(moved, in->old_node_dir) == NULL && strstr(old_value, in->old_node_dir);
        r = back ? add_item(out, TAKEOVER_ADJUSTED, "adjusted %s = %s (was %s: the data has moved "
                            "into LeoFS %s's dir)", key, shown(key, moved), shown(key, old_value),
                            in->new_version)
                 : add_item(out, TAKEOVER_ADJUSTED, "adjusted %s = %s (was %s: the data is in "
                            "LeoFS %s's dir)", key, shown(key, moved), shown(key, old_value),
                            in->old_version);
        chosen = moved;
    } else if (kind == TAKEOVER_KEPT && data &&
               takeover_names_other_version(in, old_value, pinned, sizeof pinned)) {
        /* Absolute into a version dir the package manager may remove (an
         * earlier takeover's, or the operator's): the data is not moved
         * from there (only the replaced version's is), so say it must stay. */
        r = add_item(out, TAKEOVER_PINNED, "kept %s = %s: the data stays in LeoFS %s's dir, so "
                     "do not remove %s/%s; to make LeoFS %s self-contained, stop the node, move "
                     "it into %s and set %s to a relative path", key, shown(key, old_value),
                     pinned, LEOFS_HOME, pinned, in->new_version, in->new_node_dir, key);
    } else if (kind == TAKEOVER_KEPT) {
        r = add_item(out, kind, "kept %s = %s (LeoFS %s ships %s)", key, shown(key, old_value),
                     in->new_version, shown(key, new_value));
    } else if (kind == TAKEOVER_DEFAULT) {
        r = add_item(out, kind, "new default %s = %s (%s was LeoFS %s's default)", key,
                     shown(key, new_value), shown(key, old_value), in->old_version);
    }
    if (r == 0 && strcmp(chosen, new_value) != 0)
        r = confdoc_set_value(&out->merged, index, chosen);
    free(moved);
    free(new_value);
    return r;
}

/* Old keys that the new file does not set. */
/* Append TITLE at the end of DOC, after a blank line. */
static int append_heading(struct confdoc *doc, const char *title)
{
    if (doc->count && doc->lines[doc->count - 1].kind != CONFDOC_BLANK &&
        confdoc_insert(doc, doc->count, "") < 0)
        return -1;
    return confdoc_insert(doc, doc->count, title);
}

static int carry_old_only(const struct takeover_input *in, struct takeover_result *out)
{
    const struct confdoc *old = in->old_doc;
    bool header = false;
    for (size_t i = 0; i < old->count; i++) {
        const struct confdoc_line *line = &old->lines[i];
        if (line->kind != CONFDOC_ENTRY || confdoc_find(in->new_shipped, line->key) >= 0)
            continue;
        const char *removed =
            confdefaults_removed_in(in->type, line->key, in->old_version, in->new_version);
        ssize_t commented = confdoc_find_commented(&out->merged, line->key);
        if (!removed && commented >= 0) {
            /* The new version still knows it: set it after its comment. */
            char *moved = takeover_relocate(in, line->value, confdefaults_is_data_key(in->type, line->key));
            char *text;
            if (asprintf(&text, "%s = %s", line->key, moved ? moved : line->value) < 0) {
                free(moved);
                return -1;
            }
            int r = confdoc_insert(&out->merged, (size_t)commented + 1, text);
            if (r == 0)
                r = add_item(out, moved ? TAKEOVER_ADJUSTED : TAKEOVER_KEPT,
                             "%s %s = %s (commented out in LeoFS %s's file)%s",
                             moved ? "adjusted" : "kept", line->key,
                             shown(line->key, moved ? moved : line->value), in->new_version,
                             moved ? ": the data is in the old dir" : "");
            free(text);
            free(moved);
            if (r < 0)
                return -1;
            continue;
        }
        struct confdoc *doc = &out->merged;
        if (!header) {
            char *title;
            if (asprintf(&title, DROPPED_HEADER, in->old_version, in->new_version) < 0)
                return -1;
            int r = append_heading(doc, title);
            free(title);
            if (r < 0)
                return -1;
            header = true;
        }
        char *text;
        if (asprintf(&text, "# %s = %s", line->key, line->value) < 0)
            return -1;
        int r = confdoc_insert(doc, doc->count, text);
        free(text);
        if (r == 0) {
            if (removed)
                r = add_item(out, TAKEOVER_DROPPED, "dropped %s = %s (removed in LeoFS %s; kept as "
                             "a comment)", line->key, shown(line->key, line->value), removed);
            else
                r = add_item(out, TAKEOVER_DROPPED, "dropped %s = %s (not in LeoFS %s's file; kept "
                             "as a comment: set it again if LeoFS %s knows it)", line->key,
                             shown(line->key, line->value), in->new_version, in->new_version);
        }
        if (r < 0)
            return -1;
    }
    return 0;
}

static int merge_conf(const struct takeover_input *in, struct takeover_result *out)
{
    size_t shipped_count = out->merged.count;
    for (size_t i = 0; i < shipped_count; i++) {
        const struct confdoc_line *line = &out->merged.lines[i];
        if (line->kind != CONFDOC_ENTRY)
            continue;
        ssize_t old = confdoc_find(in->old_doc, line->key);
        if (old >= 0) {
            if (merge_key(in, out, i, in->old_doc->lines[old].value) < 0)
                return -1;
            continue;
        }
        const char *since =
            confdefaults_added_in(in->type, line->key, in->old_version, in->new_version);
        int r = since ? add_item(out, TAKEOVER_ADDED, "added %s = %s (new in LeoFS %s)", line->key,
                                 shown(line->key, line->value), since)
                      : add_item(out, TAKEOVER_ADDED, "added %s = %s (not in LeoFS %s's file)",
                                 line->key, shown(line->key, line->value), in->old_version);
        if (r < 0)
            return -1;
    }
    return carry_old_only(in, out);
}

static bool into_old_dir(const struct takeover_input *in, const char *value)
{
    size_t n = strlen(in->old_version_dir);
    return strncmp(value, in->old_version_dir, n) == 0 && (value[n] == '/' || !value[n]);
}

static int merge_env(const struct takeover_input *in, struct takeover_result *out)
{
    const struct confdoc *old = in->old_doc;
    size_t shipped_count = out->merged.count;
    for (size_t i = 0; i < shipped_count; i++) {
        const struct confdoc_line *line = &out->merged.lines[i];
        if (line->kind != CONFDOC_ENTRY)
            continue;
        ssize_t o = confdoc_find(old, line->key);
        if (o < 0)
            continue; /* the new file's own setting */
        const struct confdoc_line *was = &old->lines[o];
        if (strcmp(was->value, line->value) == 0 && was->expands == line->expands)
            continue;
        /* Environment files hold passwords and cookies: no value is shown. */
        int r = add_item(out, TAKEOVER_KEPT, "kept %s (set otherwise than in LeoFS %s's file)%s",
                         was->key, in->new_version,
                         into_old_dir(in, was->value) ? "; it points into the old version's dir: "
                                                        "check it" : "");
        if (r < 0 || confdoc_set_line(&out->merged, i, was->text) < 0)
            return -1;
    }
    bool header = false;
    for (size_t i = 0; i < old->count; i++) {
        const struct confdoc_line *line = &old->lines[i];
        if (line->kind != CONFDOC_ENTRY || confdoc_find(in->new_shipped, line->key) >= 0)
            continue;
        ssize_t commented = confdoc_find_commented(&out->merged, line->key);
        struct confdoc *doc = &out->merged;
        if (commented >= 0) {
            if (confdoc_insert(doc, (size_t)commented + 1, line->text) < 0)
                return -1;
        } else {
            if (!header) {
                char *title;
                if (asprintf(&title, KEPT_HEADER, in->old_version) < 0)
                    return -1;
                int r = append_heading(doc, title);
                free(title);
                if (r < 0)
                    return -1;
                header = true;
            }
            if (confdoc_insert(doc, doc->count, line->text) < 0)
                return -1;
        }
        if (add_item(out, TAKEOVER_KEPT, "kept %s (not set in LeoFS %s's file)%s", line->key,
                     in->new_version,
                     into_old_dir(in, line->value) ? "; it points into the old version's dir: "
                                                     "check it" : "") < 0)
            return -1;
    }
    return 0;
}

int takeover_merge(const struct takeover_input *in, struct takeover_result *out)
{
    memset(out, 0, sizeof *out);
    if (confdoc_copy(in->new_shipped, &out->merged) < 0)
        return -1;
    int r = in->new_shipped->syntax == CONFDOC_SHELL ? merge_env(in, out) : merge_conf(in, out);
    if (r < 0)
        takeover_result_free(out);
    return r;
}

void takeover_result_free(struct takeover_result *result)
{
    confdoc_free(&result->merged);
    for (size_t i = 0; i < result->item_count; i++)
        free(result->items[i].text);
    free(result->items);
    memset(result, 0, sizeof *result);
}
