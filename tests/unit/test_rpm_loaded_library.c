/* test_rpm_loaded_library.c: the rpm plugin's lookup of functions in the
 * libraries the process has loaded (rpm-plugin/loaded_library.h), against
 * ld.so's own answers (dlsym in each library's own scope, so that no
 * interposed definition, as the sanitizers' interceptors, is taken for
 * the library's), on libc and on the librpm this test links. */
#include "loaded_library.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <rpm/rpmts.h>
#include <stdio.h>

/* rpmtsElement, so that librpm is linked and loaded. */
static void *volatile keep_librpm;

Test(loaded_library, finds_what_ld_so_finds)
{
    keep_librpm = (void *)&rpmtsElement;
    struct loaded_library libraries[] = {
        {.soname = "libc.so.6"}, {.soname = LIBRPM_SONAME}, {.soname = "libnot-loaded.so.7"}};
    cr_assert_eq(loaded_libraries_find(libraries, 3), 2);
    cr_assert(libraries[0].loaded && libraries[1].loaded && !libraries[2].loaded);
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void *librpm = dlopen(LIBRPM_SONAME, RTLD_NOW | RTLD_NOLOAD);
    cr_assert(libc && librpm);
    /* glob, sched_getaffinity, timer_delete, pthread_kill: glibc defines
     * them twice (a hidden old version before the default, on x86_64);
     * the lookup takes the default, as dlsym does. (Before glibc 2.34,
     * timer_delete is librt's: NULL from both.) */
    const char *libc_functions[] = {"dl_iterate_phdr", "getpid",       "qsort",
                                    "glob",            "timer_delete", "sched_getaffinity",
                                    "pthread_kill"};
    for (size_t i = 0; i < sizeof libc_functions / sizeof *libc_functions; i++)
        cr_expect_eq(loaded_library_function(&libraries[0], libc_functions[i]),
                     dlsym(libc, libc_functions[i]), "%s", libc_functions[i]);
    const char *rpm_functions[] = {"rpmtsElement", "rpmteN", "rpmtsCreate"};
    for (size_t i = 0; i < sizeof rpm_functions / sizeof *rpm_functions; i++) {
        void *found = loaded_library_function(&libraries[1], rpm_functions[i]);
        cr_expect(found, "%s", rpm_functions[i]);
        cr_expect_eq(found, dlsym(librpm, rpm_functions[i]), "%s", rpm_functions[i]);
    }
    cr_expect_eq((void *)loaded_library_function(&libraries[1], "rpmtsElement"),
                 (void *)&rpmtsElement);
    dlclose(librpm);
    dlclose(libc);
}

Test(loaded_library, what_it_does_not_define_is_null)
{
    keep_librpm = (void *)&rpmtsElement;
    struct loaded_library libraries[] = {{.soname = LIBRPM_SONAME}, {.soname = "libc.so.6"}};
    cr_assert_eq(loaded_libraries_find(libraries, 2), 2);
    /* Not there, a function librpm only calls (libc's), data, and a
     * library not loaded. */
    cr_expect_null(loaded_library_function(&libraries[0], "rpmNoSuchFunction"));
    cr_expect_null(loaded_library_function(&libraries[0], "malloc"));
    cr_expect_null(loaded_library_function(&libraries[1], "environ"));
    struct loaded_library absent = {.soname = "libnot-loaded.so.7"};
    cr_expect_eq(loaded_libraries_find(&absent, 1), 0);
    cr_expect_null(loaded_library_function(&absent, "rpmtsElement"));
}
