/* version.c: LeoFS versions: which names are versions, and their ordering:
 * digit runs compare as numbers, everything else as text, and a '~' sorts
 * before anything (as in rpm and dpkg), so "1.3.10" > "1.3.8" and
 * "1.4.0~rc1" < "1.4.0". */
#include "leofs/upgrade.h"

#include <ctype.h>
#include <string.h>

static int order(int c)
{
    if (c == '~')
        return -1;
    if (c == 0 || isdigit(c))
        return 0;
    if (isalpha(c))
        return c;
    return c + 256;
}

int lu_version_compare(const char *a, const char *b)
{
    while (*a || *b) {
        while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
            int oa = order((unsigned char)*a), ob = order((unsigned char)*b);
            if (oa != ob)
                return oa < ob ? -1 : 1;
            a++;
            b++;
        }
        while (*a == '0')
            a++;
        while (*b == '0')
            b++;
        size_t da = 0, db = 0;
        while (isdigit((unsigned char)a[da]))
            da++;
        while (isdigit((unsigned char)b[db]))
            db++;
        if (da != db)
            return da < db ? -1 : 1;
        int c = strncmp(a, b, da);
        if (c)
            return c < 0 ? -1 : 1;
        a += da;
        b += db;
    }
    return 0;
}

bool lu_version_is_name(const char *name)
{
    if (!isdigit((unsigned char)name[0]))
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".~+-_", *p))
            return false;
    return true;
}
