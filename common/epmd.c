/* epmd.c: placeholder */
typedef int lu_epmd_placeholder;
