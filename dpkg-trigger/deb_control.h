/* deb_control.h: the Package and Version fields of a .deb archive, read
 * from its control member as dpkg-deb lays it out (deb(5)): an ar archive
 * holding debian-binary "2.x", then control.tar, control.tar.gz,
 * control.tar.xz or control.tar.zst with ./control in it. Decompressed as
 * a stream and given up after DEB_CONTROL_SCAN_LIMIT bytes, so that a
 * strange archive costs little; dpkg itself says what is wrong with it. */
#ifndef LEOFS_DEB_CONTROL_H
#define LEOFS_DEB_CONTROL_H

#include <stddef.h>

#define DEB_CONTROL_SCAN_LIMIT (64u << 20)

struct deb_control {
    char package[128];
    char version[128];
};

/* Read the archive open on FD. 0, or -1 with a one-line reason in ERROR. */
int deb_control_read(int fd, struct deb_control *control, char *error, size_t error_size);

/* The fields of a control file's first paragraph (TEXT, LENGTH bytes). */
int deb_control_parse(const char *text, size_t length, struct deb_control *control);

#endif
