/* fuzz_deb_archive.c: libFuzzer target for what leofs-dpkg-hook reads on
 * every dpkg run that installs: a .deb's control fields (ar members, the
 * gzip/xz/zstd/plain control.tar, the control paragraph) from whatever
 * file the command line names, and the dpkg command line itself. The
 * first byte picks one. A result must be what the input says: fields
 * non-empty and NUL-terminated, archive arguments inside the argument
 * vector. */
#define _GNU_SOURCE
#include "deb_control.h"
#include "dpkg_args.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fields(const struct deb_control *c)
{
    if (!memchr(c->package, '\0', sizeof c->package) || !memchr(c->version, '\0', sizeof c->version))
        abort();
    if (!c->package[0] || !c->version[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct deb_control c;
    char error[256];
    switch (data[0] % 3) {
    case 0: { /* an archive, through an fd as the hook reads it */
        int fd = memfd_create("deb", MFD_CLOEXEC);
        if (fd < 0)
            return 0;
        if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1) && lseek(fd, 0, SEEK_SET) == 0) {
            if (deb_control_read(fd, &c, error, sizeof error) == 0)
                check_fields(&c);
            else if (!memchr(error, '\0', sizeof error) || strchr(error, '\n'))
                abort();
        }
        close(fd);
        break;
    }
    case 1:
        if (deb_control_parse((const char *)data + 1, size - 1, &c) == 0)
            check_fields(&c);
        break;
    case 2: { /* NUL-separated words, as /proc/PID/cmdline holds them */
        char *text = malloc(size);
        const char *argv[64];
        int argc = 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        for (size_t at = 0; at < size && argc < 64; at += strlen(text + at) + 1)
            argv[argc++] = text + at;
        struct dpkg_args args;
        dpkg_args_parse(argc, argv, &args);
        if (args.file_count > (size_t)argc || (args.file_count && args.files < argv) ||
            args.files + args.file_count > argv + argc)
            abort();
        free(text);
        break;
    }
    }
    return 0;
}
