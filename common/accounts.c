/* accounts.c: passwd and group lookups inside a root (see accounts.h). */
#define _GNU_SOURCE
#include "accounts.h"
#include "root.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNTS_FILE_LIMIT (16u << 20)

/* Find the line whose first field is NAME and return its third field
 * (uid or gid) and, for passwd, its fourth (primary gid). */
static int find_entry(int root_fd, const char *file, const char *name, unsigned long *third,
                      unsigned long *fourth)
{
    char *data;
    size_t length;
    if (root_read_file(root_fd, file, ACCOUNTS_FILE_LIMIT, &data, &length) < 0)
        return -1;
    struct text_cursor cursor;
    const char *line;
    size_t line_len, name_len = strlen(name);
    int result = -1;
    errno = ENOENT;
    text_begin(&cursor, data, length);
    while (text_next_line(&cursor, &line, &line_len)) {
        if (line_len <= name_len || memcmp(line, name, name_len) != 0 || line[name_len] != ':')
            continue;
        /* name:password:third:fourth:... */
        const char *field = line + name_len + 1, *end = line + line_len;
        const char *colon = memchr(field, ':', (size_t)(end - field));
        if (!colon)
            break;
        char *stop;
        *third = strtoul(colon + 1, &stop, 10);
        if (stop == colon + 1 || stop >= end || *stop != ':')
            break;
        if (fourth) {
            const char *start = stop + 1;
            *fourth = strtoul(start, &stop, 10);
            if (stop == start || (stop < end && *stop != ':'))
                break;
        }
        result = 0;
        break;
    }
    if (result < 0 && errno != ENOENT)
        errno = EINVAL;
    int saved = errno;
    free(data);
    errno = saved;
    return result;
}

int accounts_find_user(int root_fd, const char *user, uid_t *uid, gid_t *gid)
{
    unsigned long u, g;
    if (find_entry(root_fd, "/etc/passwd", user, &u, &g) < 0)
        return -1;
    *uid = (uid_t)u;
    *gid = (gid_t)g;
    return 0;
}

int accounts_find_group(int root_fd, const char *group, gid_t *gid)
{
    unsigned long g;
    if (find_entry(root_fd, "/etc/group", group, &g, NULL) < 0)
        return -1;
    *gid = (gid_t)g;
    return 0;
}
