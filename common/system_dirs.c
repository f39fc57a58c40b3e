/* system_dirs.c: the guard against walking system directories (see
 * system_dirs.h). */
#define _GNU_SOURCE
#include "system_dirs.h"

#include <string.h>

static const char *const exact[] = {
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
    "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
    "/var", "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib",
    "/usr/local/leofs", "/etc/leofs", "/var/log", "/var/lib", "/var/tmp", "/var/cache",
    "/var/spool", "/var/run", "/var/lock", "/var/mail", "/var/opt", "/var/backups",
    "/var/local", "/run/user", "/tmp/.X11-unix",
};

static const char *const below[] = {"/proc/", "/sys/", "/dev/", "/boot/", "/bin/", "/sbin/",
                                    "/lib/", "/lib32/", "/lib64/", "/libx32/", "/root/"};

static bool starts_with(const char *path, const char *prefix)
{
    return strncmp(path, prefix, strlen(prefix)) == 0;
}

bool system_dir(const char *path)
{
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (strcmp(path, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof below / sizeof *below; i++)
        if (starts_with(path, below[i]))
            return true;
    if (starts_with(path, "/etc/") && !starts_with(path, "/etc/leofs/"))
        return true;
    if (starts_with(path, "/usr/") && !starts_with(path, "/usr/local/"))
        return true;
    /* A user's home itself (its contents may hold a data dir). */
    if (starts_with(path, "/home/") && !strchr(path + 6, '/'))
        return true;
    /* A LeoFS version dir itself: only its node dirs' parts are walked. */
    if (starts_with(path, "/usr/local/leofs/") && !strchr(path + 17, '/'))
        return true;
    return false;
}
