/* loaded_library.h: the functions of a library the process has loaded
 * already, found by its soname, without dlopen or dlsym. leofs.so takes
 * librpm's functions this way (leofs.c): dlopen(RTLD_NOLOAD) of librpm
 * walks librpm's whole dependency tree, and each dlsym costs about 1,000
 * instructions, in every rpm transaction. Read from the objects' dynamic
 * sections as ld.so left them (dl_iterate_phdr), with their GNU hash
 * tables. */
#ifndef LEOFS_LOADED_LIBRARY_H
#define LEOFS_LOADED_LIBRARY_H

#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loaded_library {
    const char *soname; /* set by the caller: the DT_SONAME wanted */
    bool loaded;        /* the rest is set when loaded */
    ElfW(Addr) base;
    const ElfW(Sym) *symbols;
    const char *strings;
    const uint32_t *gnu_hash;     /* NULL: no GNU hash table, no lookup */
    const ElfW(Versym) *versions; /* NULL: unversioned */
};

/* Fill in each of the COUNT LIBRARIES the process has loaded, in any
 * namespace, the first one of that soname; the number found. */
size_t loaded_libraries_find(struct loaded_library *libraries, size_t count);

/* The address of the function NAME that LIBRARY defines and exports by
 * default, or NULL (also when it has no GNU hash table). */
void *loaded_library_function(const struct loaded_library *library, const char *name);

#endif
