/* tree_snapshot.c: a tree's state as sorted text lines (see tree_snapshot.h). */
#include "tree_snapshot.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **lines;
static size_t line_count;
static size_t top_length;
static const char *volatile_file;

/* FNV-1a, 64 bits: enough to tell contents apart in a test. */
static uint64_t hash_file(const char *path, off_t *size)
{
    uint64_t h = 1469598103934665603ull;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    cr_assert(fd >= 0, "snapshot: open %s: %s", path, strerror(errno));
    unsigned char buffer[8192];
    ssize_t n;
    *size = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buffer[i]) * 1099511628211ull;
        *size += n;
    }
    close(fd);
    return h;
}

/* NAME with spaces, control bytes and bytes above 0x7e as \xNN, so that
 * each entry stays one line whose path ends at the first space. */
static void escape(const char *name, char *out, size_t size)
{
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && used + 5 < size; p++) {
        if (*p <= ' ' || *p > '~' || *p == '\\')
            used += (size_t)snprintf(out + used, size - used, "\\x%02x", *p);
        else
            out[used++] = (char)*p;
    }
    out[used] = '\0';
}

static int add_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)type;
    const char *relative = path + top_length;
    char kind = S_ISDIR(st->st_mode) ? 'd' : S_ISLNK(st->st_mode) ? 'l' : S_ISREG(st->st_mode) ? 'f'
              : S_ISFIFO(st->st_mode) ? 'p' : '?';
    char detail[17000] = "", target[4200];
    if (kind == 'l') {
        ssize_t n = readlink(path, target, sizeof target - 1);
        cr_assert(n >= 0, "snapshot: readlink %s", path);
        target[n] = '\0';
        escape(target, detail, sizeof detail);
    } else if (kind == 'f') {
        off_t size;
        uint64_t h = hash_file(path, &size);
        if (volatile_file && strcmp(path + ftw->base, volatile_file) == 0)
            snprintf(detail, sizeof detail, "size %lld", (long long)size);
        else
            snprintf(detail, sizeof detail, "size %lld hash %016llx", (long long)size,
                     (unsigned long long)h);
    }
    char *line, *shown = malloc(4 * strlen(relative) + 8);
    cr_assert(shown);
    escape(*relative ? relative : "/", shown, 4 * strlen(relative) + 8);
    cr_assert(asprintf(&line, "%s %c %04o %u:%u %s", shown, kind,
                       (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
                       (unsigned)st->st_gid, detail) > 0);
    free(shown);
    char **grown = realloc(lines, (line_count + 1) * sizeof *grown);
    cr_assert(grown);
    lines = grown;
    lines[line_count++] = line;
    return 0;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *tree_snapshot(const char *top, const char *volatile_name)
{
    lines = NULL;
    line_count = 0;
    top_length = strlen(top);
    volatile_file = volatile_name;
    cr_assert(nftw(top, add_entry, 32, FTW_PHYS) == 0, "snapshot of %s: %s", top, strerror(errno));
    if (line_count > 1)
        qsort(lines, line_count, sizeof *lines, by_text);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    cr_assert(out);
    for (size_t i = 0; i < line_count; i++) {
        fprintf(out, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    lines = NULL;
    fclose(out);
    return text;
}

const char *tree_snapshot_difference(const char *a, const char *b)
{
    static char buffer[2048];
    while (*a && *b) {
        const char *a_end = strchr(a, '\n'), *b_end = strchr(b, '\n');
        size_t a_len = (size_t)(a_end - a), b_len = (size_t)(b_end - b);
        if (a_len != b_len || memcmp(a, b, a_len) != 0) {
            snprintf(buffer, sizeof buffer, "%.*s | %.*s", (int)a_len, a, (int)b_len, b);
            return buffer;
        }
        a = a_end + 1;
        b = b_end + 1;
    }
    if (!*a && !*b)
        return "";
    snprintf(buffer, sizeof buffer, "%.*s | %.*s", (int)strcspn(a, "\n"), a,
             (int)strcspn(b, "\n"), b);
    return buffer;
}

size_t tree_snapshot_count_names(const char *snapshot, const char *needle)
{
    size_t count = 0;
    for (const char *line = snapshot; *line;) {
        const char *end = strchr(line, '\n');
        size_t path_length = strcspn(line, " ");
        char *path = strndup(line, path_length);
        cr_assert(path);
        if (strstr(path, needle))
            count++;
        free(path);
        line = end + 1;
    }
    return count;
}
