/* takeover_paths.c: keep the new version's configuration pointing at the
 * data where it really is (takeover_relocate, see takeover.h). Paths are
 * resolved lexically inside the root; existence is asked of the caller. */
#define _GNU_SOURCE
#include "layout.h"
#include "leofs/upgrade.h"
#include "root.h"
#include "takeover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURRENT_PREFIX LEOFS_HOME "/current"

/* BASE + "/" + REL with "." and ".." resolved (never above "/"); a trailing
 * slash of REL is kept. */
static char *resolve(const char *base, const char *rel)
{
    size_t rlen = strlen(rel);
    char *joined = path_join(base, rel);
    char *normal = joined ? path_normalise(joined) : NULL;
    free(joined);
    if (!normal || !rlen || rel[rlen - 1] != '/' || strcmp(normal, "/") == 0)
        return normal;
    char *slashed = malloc(strlen(normal) + 2);
    if (slashed)
        sprintf(slashed, "%s/", normal);
    free(normal);
    return slashed;
}

/* PATH holds data worth pointing at: an empty dir is not (the new version
 * ships its own, and pointing into the old dir would tie the node to it). */
static bool holds_data(const struct takeover_input *in, const char *path)
{
    return in->holds_data ? in->holds_data(in->exists_data, path)
                          : in->exists(in->exists_data, path);
}

/* The new core for one item, or NULL to keep it. */
static char *relocate_item(const struct takeover_input *in, const char *item, bool data_key)
{
    if (!*item)
        return NULL;
    /* A path an earlier takeover made absolute into the old node dir,
     * whose data has moved into the new one since (step_data_move.c):
     * relative again, so that the new version is self-contained. */
    size_t olen = strlen(in->old_node_dir);
    if (data_key && strncmp(item, in->old_node_dir, olen) == 0 && item[olen] == '/' &&
        item[olen + 1]) {
        char *normal = path_normalise(item);
        bool inside = normal && strncmp(normal, in->old_node_dir, olen) == 0 &&
                      normal[olen] == '/' && normal[olen + 1];
        char *new_path = inside ? resolve(in->new_node_dir, normal + olen + 1) : NULL;
        char *relative = NULL;
        if (new_path && !in->exists(in->exists_data, normal) &&
            in->exists(in->exists_data, new_path) && asprintf(&relative, "./%s", normal + olen + 1) < 0)
            relative = NULL;
        free(new_path);
        free(normal);
        if (relative)
            return relative;
    }
    if (data_key && item[0] != '/') {
        char *path = resolve(in->old_node_dir, item);
        if (path && holds_data(in, path))
            return path;
        free(path);
        return NULL;
    }
    size_t plen = strlen(CURRENT_PREFIX);
    if (data_key && strncmp(item, CURRENT_PREFIX, plen) == 0 &&
        (item[plen] == '/' || item[plen] == '\0')) {
        char *path = resolve(in->old_version_dir, item[plen] ? item + plen + 1 : "");
        if (path && holds_data(in, path))
            return path;
        free(path);
        return NULL;
    }
    if (!data_key && (strncmp(item, "./", 2) == 0 || strncmp(item, "../", 3) == 0)) {
        char *old_path = resolve(in->old_node_dir, item);
        char *new_path = resolve(in->new_node_dir, item);
        bool move = old_path && new_path && in->exists(in->exists_data, old_path) &&
                    !in->exists(in->exists_data, new_path);
        free(new_path);
        if (move)
            return old_path;
        free(old_path);
    }
    return NULL;
}

bool takeover_names_other_version(const struct takeover_input *in, const char *value,
                                  char *version, size_t version_size)
{
    static const char home[] = LEOFS_HOME "/";
    for (const char *at = strstr(value, home); at; at = strstr(at + 1, home)) {
        /* Only at the start of an item: "[", ",", a blank or a quote before it. */
        if (at > value && !strchr("[, \t\"'", at[-1]))
            continue;
        const char *name = at + sizeof home - 1;
        size_t length = strcspn(name, "/ ,]\"'\t");
        if (length == 0 || length >= version_size)
            continue;
        memcpy(version, name, length);
        version[length] = '\0';
        if (lu_version_is_name(version) && strcmp(version, in->new_version) != 0)
            return true;
    }
    return false;
}

char *takeover_relocate(const struct takeover_input *in, const char *value, bool data_key)
{
    size_t length = strlen(value);
    bool list = length >= 2 && value[0] == '[' && value[length - 1] == ']';
    const char *body = list ? value + 1 : value;
    size_t body_len = list ? length - 2 : length;
    char *out = NULL;
    size_t out_size = 0;
    FILE *stream = open_memstream(&out, &out_size);
    bool changed = false;
    if (!stream)
        return NULL;
    if (list)
        fputc('[', stream);
    for (size_t at = 0;;) {
        const char *piece = body + at;
        const char *comma = memchr(piece, ',', body_len - at);
        size_t piece_len = comma ? (size_t)(comma - piece) : body_len - at;
        /* leading and trailing blanks, then optional matching quotes */
        size_t lead = 0, trail = 0;
        while (lead < piece_len && (piece[lead] == ' ' || piece[lead] == '\t'))
            lead++;
        while (trail < piece_len - lead &&
               (piece[piece_len - 1 - trail] == ' ' || piece[piece_len - 1 - trail] == '\t'))
            trail++;
        const char *core = piece + lead;
        size_t core_len = piece_len - lead - trail;
        char quote = 0;
        if (core_len >= 2 && (core[0] == '"' || core[0] == '\'') && core[core_len - 1] == core[0]) {
            quote = core[0];
            core++;
            core_len -= 2;
        }
        char *item = strndup(core, core_len);
        char *moved = item ? relocate_item(in, item, data_key) : NULL;
        if (moved) {
            changed = true;
            fprintf(stream, "%.*s", (int)lead, piece);
            if (quote)
                fputc(quote, stream);
            fputs(moved, stream);
            if (quote)
                fputc(quote, stream);
            fprintf(stream, "%.*s", (int)trail, piece + piece_len - trail);
        } else {
            fwrite(piece, 1, piece_len, stream);
        }
        free(item);
        free(moved);
        if (!comma)
            break;
        fputc(',', stream);
        at += piece_len + 1;
    }
    if (list)
        fputc(']', stream);
    if (fclose(stream) != 0) {
        free(out);
        errno = ENOMEM;
        return NULL;
    }
    if (!changed) {
        free(out);
        errno = 0;
        return NULL;
    }
    return out;
}
