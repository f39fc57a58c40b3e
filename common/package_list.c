/* package_list.c: the package list the database views fill (see
 * leofs/package_list.h). */
#define _GNU_SOURCE
#include "leofs/package_list.h"

#include <stdlib.h>
#include <string.h>

struct lu_package *lu_package_list_add(struct lu_package_list *list, const char *name,
                                       const char *version, const char *label,
                                       enum lu_package_state state)
{
    struct lu_package *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    list->items = grown;
    struct lu_package *p = &grown[list->count];
    p->name = strdup(name);
    p->version = strdup(version ? version : "");
    p->label = strdup(label ? label : name);
    p->state = state;
    if (!p->name || !p->version || !p->label) {
        free((char *)p->name);
        free((char *)p->version);
        free((char *)p->label);
        return NULL;
    }
    list->count++;
    return p;
}

void lu_package_list_free(struct lu_package_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free((char *)list->items[i].name);
        free((char *)list->items[i].version);
        free((char *)list->items[i].label);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

bool lu_package_name_in(const char *names, const char *name)
{
    /* By hand, without libc: the rpm plugin asks this for every element of
     * every transaction, and each libc function it would call costs a
     * symbol lookup on first use. */
    for (const char *p = names; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *n = name;
        while (*p && *p == *n && *p != ' ' && *p != ',' && *p != '\t')
            p++, n++;
        bool word_ends = !*p || *p == ' ' || *p == ',' || *p == '\t';
        if (word_ends && !*n && n != name)
            return true;
        while (*p && *p != ' ' && *p != ',' && *p != '\t')
            p++;
    }
    return false;
}
