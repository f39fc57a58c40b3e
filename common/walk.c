/* walk.c: placeholder */
typedef int lu_walk_placeholder;
