/* system_dirs.h: directories that a LeoFS config file must never make us
 * change the owner of, or remove: "/", the system's top-level and
 * well-known second-level directories, and anything under /proc, /sys,
 * /dev, /boot, /etc (but /etc/leofs/...) or /usr (but /usr/local/...). */
#ifndef LU_SYSTEM_DIRS_H
#define LU_SYSTEM_DIRS_H

#include <stdbool.h>

/* PATH is absolute and normalised (no ".", "..", "//" or trailing "/"). */
bool system_dir(const char *path);

#endif
