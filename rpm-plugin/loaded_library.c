/* loaded_library.c: functions of the libraries the process has loaded,
 * by soname, from their dynamic sections (see loaded_library.h). No libc
 * call but dl_iterate_phdr: leofs.so runs this in every rpm transaction,
 * and each libc function costs a symbol lookup on its first call. */
#define _GNU_SOURCE
#include "loaded_library.h"

#include <elf.h>

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* glibc makes the address entries of most objects' dynamic sections
 * absolute when it loads them; where it does not (read-only dynamic
 * sections: MIPS, RISC-V; other libcs) they are offsets from the base,
 * always below it for a shared library. */
static ElfW(Addr) address(ElfW(Addr) base, ElfW(Addr) value)
{
    return value < base ? base + value : value;
}

struct search {
    struct loaded_library *libraries;
    size_t count, found;
};

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct search *search = data;
    if (!*info->dlpi_name)
        return 0; /* the program itself, unnamed, is no library */
    const ElfW(Dyn) *dynamic = NULL;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum && !dynamic; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dynamic = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    if (!dynamic)
        return 0;
    /* The entries wanted below DT_SONAME by tag, the two others by name:
     * a few instructions an entry, as this reads every entry of each
     * object until the libraries are found. */
    ElfW(Addr) low[DT_SONAME + 1] = {0}, gnu_hash = 0, versions = 0, base = info->dlpi_addr;
    bool named = false;
    for (const ElfW(Dyn) *d = dynamic; d->d_tag != DT_NULL; d++) {
        if ((ElfW(Xword))d->d_tag <= DT_SONAME) {
            low[d->d_tag] = d->d_un.d_val;
            named |= d->d_tag == DT_SONAME;
        } else if (d->d_tag == DT_GNU_HASH) {
            gnu_hash = d->d_un.d_ptr;
        } else if (d->d_tag == DT_VERSYM) {
            versions = d->d_un.d_ptr;
        }
    }
    if (!named || !low[DT_STRTAB])
        return 0;
    const char *strings = (const char *)address(base, low[DT_STRTAB]);
    struct loaded_library *library = NULL;
    for (size_t i = 0; i < search->count && !library; i++)
        if (!search->libraries[i].loaded &&
            same(strings + low[DT_SONAME], search->libraries[i].soname))
            library = &search->libraries[i];
    if (!library || !low[DT_SYMTAB])
        return 0;
    library->loaded = true;
    library->base = base;
    library->symbols = (const ElfW(Sym) *)address(base, low[DT_SYMTAB]);
    library->strings = strings;
    library->gnu_hash = gnu_hash ? (const uint32_t *)address(base, gnu_hash) : NULL;
    library->versions = versions ? (const ElfW(Versym) *)address(base, versions) : NULL;
    search->found++;
    return search->found == search->count; /* all found: stop */
}

size_t loaded_libraries_find(struct loaded_library *libraries, size_t count)
{
    struct search search = {libraries, count, 0};
    for (size_t i = 0; i < count; i++)
        libraries[i].loaded = false;
    dl_iterate_phdr(visit, &search);
    return search.found;
}

/* The GNU hash table: nbuckets, symoffset, bloom_size, bloom_shift, the
 * bloom filter words, the buckets, then a hash per symbol from symoffset
 * on, its low bit set on the last of a bucket's chain. */
void *loaded_library_function(const struct loaded_library *library, const char *name)
{
    const uint32_t *table = library->gnu_hash;
    if (!library->loaded || !table)
        return NULL;
    uint32_t hash = 5381;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        hash = hash * 33 + *c;
    uint32_t buckets_count = table[0], first = table[1], bloom_size = table[2], shift = table[3];
    if (!buckets_count || !bloom_size)
        return NULL;
    const ElfW(Addr) *bloom = (const ElfW(Addr) *)&table[4];
    const unsigned bits = sizeof(ElfW(Addr)) * 8;
    ElfW(Addr) word = bloom[(hash / bits) % bloom_size];
    ElfW(Addr) mask = (ElfW(Addr))1 << (hash % bits) | (ElfW(Addr))1 << ((hash >> shift) % bits);
    if ((word & mask) != mask)
        return NULL;
    const uint32_t *buckets = (const uint32_t *)&bloom[bloom_size];
    const uint32_t *chain = &buckets[buckets_count];
    uint32_t index = buckets[hash % buckets_count];
    if (index < first)
        return NULL;
    /* ELF32_ST_TYPE and _VISIBILITY are those of both classes. */
    for (;; index++) {
        uint32_t entry = chain[index - first];
        const ElfW(Sym) *symbol = &library->symbols[index];
        if ((entry | 1) == (hash | 1) && same(library->strings + symbol->st_name, name) &&
            symbol->st_shndx != SHN_UNDEF && ELF32_ST_TYPE(symbol->st_info) == STT_FUNC &&
            ELF32_ST_VISIBILITY(symbol->st_other) == STV_DEFAULT &&
            (!library->versions || !(library->versions[index] & 0x8000)))
            return (void *)(library->base + symbol->st_value);
        if (entry & 1)
            return NULL;
    }
}
