/* test_parsers.c: placeholder */
#include <criterion/criterion.h>
Test(parsers, placeholder) { cr_assert(1); }
