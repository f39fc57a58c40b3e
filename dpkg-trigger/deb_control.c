/* deb_control.c: read a .deb's control fields (see deb_control.h): the ar
 * members, a streaming decompressor (zlib, liblzma, libzstd, or none) and
 * a tar reader that stops at ./control. */
#define _GNU_SOURCE
#include "deb_control.h"

#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define CONTROL_FILE_LIMIT (1u << 20)
#define IN_CHUNK 16384

enum codec { CODEC_NONE, CODEC_GZIP, CODEC_XZ, CODEC_ZSTD };

/* The control member as a stream of decompressed bytes. */
struct stream {
    int fd;
    uint64_t left;  /* compressed bytes of the member not read yet */
    enum codec codec;
    unsigned char in[IN_CHUNK];
    size_t in_used, in_at;
    bool ended;
    uint64_t produced;
    z_stream gz;
    lzma_stream xz;
    ZSTD_DStream *zstd;
};

static ssize_t read_full(int fd, void *buffer, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, (char *)buffer + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static int refill(struct stream *s)
{
    if (s->in_at < s->in_used || s->left == 0)
        return 0;
    size_t want = s->left < IN_CHUNK ? (size_t)s->left : IN_CHUNK;
    ssize_t n = read_full(s->fd, s->in, want);
    if (n <= 0)
        return -1;
    s->in_used = (size_t)n;
    s->in_at = 0;
    s->left -= (uint64_t)n;
    return 0;
}

/* Up to SIZE decompressed bytes into OUT; 0 at the end, -1 on error. */
static ssize_t stream_read(struct stream *s, unsigned char *out, size_t size)
{
    size_t done = 0;
    while (done < size && !s->ended) {
        if (refill(s) < 0)
            return -1;
        size_t avail = s->in_used - s->in_at;
        if (avail == 0 && s->left == 0 && s->codec == CODEC_NONE) {
            s->ended = true;
            break;
        }
        const unsigned char *in = s->in + s->in_at;
        size_t used = 0, made = 0;
        switch (s->codec) {
        case CODEC_NONE:
            used = made = avail < size - done ? avail : size - done;
            memcpy(out + done, in, made);
            break;
        case CODEC_GZIP: {
            s->gz.next_in = (unsigned char *)in;
            s->gz.avail_in = (uInt)avail;
            s->gz.next_out = out + done;
            s->gz.avail_out = (uInt)(size - done);
            int r = inflate(&s->gz, Z_NO_FLUSH);
            if (r != Z_OK && r != Z_STREAM_END && !(r == Z_BUF_ERROR && avail == 0))
                return -1;
            used = avail - s->gz.avail_in;
            made = size - done - s->gz.avail_out;
            s->ended = r == Z_STREAM_END || (made == 0 && used == 0 && s->left == 0);
            break;
        }
        case CODEC_XZ: {
            s->xz.next_in = in;
            s->xz.avail_in = avail;
            s->xz.next_out = out + done;
            s->xz.avail_out = size - done;
            lzma_ret r = lzma_code(&s->xz, s->left == 0 && avail == 0 ? LZMA_FINISH : LZMA_RUN);
            if (r != LZMA_OK && r != LZMA_STREAM_END && r != LZMA_BUF_ERROR)
                return -1;
            used = avail - s->xz.avail_in;
            made = size - done - s->xz.avail_out;
            s->ended = r == LZMA_STREAM_END || (made == 0 && used == 0 && s->left == 0);
            break;
        }
        case CODEC_ZSTD: {
            ZSTD_inBuffer zin = {in, avail, 0};
            ZSTD_outBuffer zout = {out + done, size - done, 0};
            size_t r = ZSTD_decompressStream(s->zstd, &zout, &zin);
            if (ZSTD_isError(r))
                return -1;
            used = zin.pos;
            made = zout.pos;
            s->ended = (r == 0 && made < size - done) || (made == 0 && used == 0 && s->left == 0);
            break;
        }
        }
        s->in_at += used;
        done += made;
        s->produced += made;
        if (s->produced > DEB_CONTROL_SCAN_LIMIT)
            return -1;
    }
    return (ssize_t)done;
}

static int stream_exact(struct stream *s, void *out, size_t size)
{
    ssize_t n = stream_read(s, out, size);
    return n == (ssize_t)size ? 0 : -1;
}

static int stream_open(struct stream *s, int fd, uint64_t size, enum codec codec)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->left = size;
    s->codec = codec;
    switch (codec) {
    case CODEC_NONE: return 0;
    case CODEC_GZIP: return inflateInit2(&s->gz, 15 + 16) == Z_OK ? 0 : -1;
    case CODEC_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        s->xz = init;
        return lzma_stream_decoder(&s->xz, 128u << 20, 0) == LZMA_OK ? 0 : -1;
    }
    case CODEC_ZSTD:
        s->zstd = ZSTD_createDStream();
        return s->zstd && !ZSTD_isError(ZSTD_initDStream(s->zstd)) ? 0 : -1;
    }
    return -1;
}

static void stream_close(struct stream *s)
{
    if (s->codec == CODEC_GZIP)
        inflateEnd(&s->gz);
    else if (s->codec == CODEC_XZ)
        lzma_end(&s->xz);
    else if (s->codec == CODEC_ZSTD)
        ZSTD_freeDStream(s->zstd);
}

static uint64_t octal(const unsigned char *field, size_t size)
{
    uint64_t value = 0;
    size_t i = 0;
    while (i < size && field[i] == ' ')
        i++;
    for (; i < size && field[i] >= '0' && field[i] <= '7'; i++)
        value = value * 8 + (uint64_t)(field[i] - '0');
    return value;
}

/* ./control from the tar stream, at most CONTROL_FILE_LIMIT bytes. */
static int tar_find_control(struct stream *s, char **text, size_t *length)
{
    unsigned char header[512];
    for (;;) {
        if (stream_exact(s, header, sizeof header) < 0)
            return -1;
        if (header[0] == '\0')
            return -1; /* the end of the archive: no control file */
        char name[101];
        memcpy(name, header, 100);
        name[100] = '\0';
        uint64_t size = octal(header + 124, 12);
        char type = (char)header[156];
        const char *bare = strncmp(name, "./", 2) == 0 ? name + 2 : name;
        if (strcmp(bare, "control") == 0 && (type == '0' || type == '\0')) {
            if (size > CONTROL_FILE_LIMIT)
                return -1;
            *text = malloc((size_t)size + 1);
            if (!*text || stream_exact(s, *text, (size_t)size) < 0) {
                free(*text);
                *text = NULL;
                return -1;
            }
            (*text)[size] = '\0';
            *length = (size_t)size;
            return 0;
        }
        for (uint64_t skip = (size + 511) / 512 * 512; skip > 0;) {
            size_t n = skip < sizeof header ? (size_t)skip : sizeof header;
            if (stream_exact(s, header, n) < 0)
                return -1;
            skip -= n;
        }
    }
}

static void field_value(const char *value, size_t length, char *out, size_t size)
{
    while (length && (*value == ' ' || *value == '\t'))
        value++, length--;
    while (length && (value[length - 1] == ' ' || value[length - 1] == '\t' ||
                      value[length - 1] == '\r'))
        length--;
    snprintf(out, size, "%.*s", (int)(length < size ? length : size - 1), value);
}

int deb_control_parse(const char *text, size_t length, struct deb_control *control)
{
    memset(control, 0, sizeof *control);
    for (size_t at = 0; at < length;) {
        const char *line = text + at;
        const char *end = memchr(line, '\n', length - at);
        size_t n = end ? (size_t)(end - line) : length - at;
        at += n + (end != NULL);
        if (n == 0 || (n == 1 && line[0] == '\r'))
            break; /* the end of the first paragraph */
        const char *colon = memchr(line, ':', n);
        if (!colon || line[0] == ' ' || line[0] == '\t')
            continue;
        size_t key = (size_t)(colon - line);
        if (key == 7 && strncasecmp(line, "Package", 7) == 0)
            field_value(colon + 1, n - key - 1, control->package, sizeof control->package);
        else if (key == 7 && strncasecmp(line, "Version", 7) == 0)
            field_value(colon + 1, n - key - 1, control->version, sizeof control->version);
    }
    return control->package[0] && control->version[0] ? 0 : -1;
}

/* The next ar member's header: its name (trailing '/' and spaces cut) and size. */
static int ar_next(int fd, char name[17], uint64_t *size)
{
    unsigned char header[60];
    if (read_full(fd, header, sizeof header) != (ssize_t)sizeof header ||
        header[58] != '`' || header[59] != '\n')
        return -1;
    memcpy(name, header, 16);
    int n = 16;
    while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '/'))
        n--;
    name[n] = '\0';
    uint64_t value = 0;
    for (int i = 48; i < 58 && header[i] >= '0' && header[i] <= '9'; i++)
        value = value * 10 + (uint64_t)(header[i] - '0');
    *size = value;
    return 0;
}

/* Skip LEFT bytes of a member of SIZE bytes, and its padding to an even offset. */
static int ar_skip(int fd, uint64_t left, uint64_t size)
{
    off_t step = (off_t)(left + (size & 1));
    return lseek(fd, step, SEEK_CUR) < 0 ? -1 : 0;
}

int deb_control_read(int fd, struct deb_control *control, char *error, size_t error_size)
{
    char magic[8], name[17];
    uint64_t size;
    if (read_full(fd, magic, 8) != 8 || memcmp(magic, "!<arch>\n", 8) != 0) {
        snprintf(error, error_size, "not a .deb archive (no ar header)");
        return -1;
    }
    char binary[4] = "";
    if (ar_next(fd, name, &size) < 0 || strcmp(name, "debian-binary") != 0 || size < 3 ||
        read_full(fd, binary, 3) != 3 || memcmp(binary, "2.", 2) != 0 ||
        ar_skip(fd, size - 3, size) < 0) {
        snprintf(error, error_size, "not a .deb archive of format 2.x");
        return -1;
    }
    for (int member = 0; member < 8; member++) {
        if (ar_next(fd, name, &size) < 0)
            break;
        enum codec codec;
        if (strcmp(name, "control.tar") == 0)
            codec = CODEC_NONE;
        else if (strcmp(name, "control.tar.gz") == 0)
            codec = CODEC_GZIP;
        else if (strcmp(name, "control.tar.xz") == 0)
            codec = CODEC_XZ;
        else if (strcmp(name, "control.tar.zst") == 0)
            codec = CODEC_ZSTD;
        else {
            if (ar_skip(fd, size, size) < 0)
                break;
            continue;
        }
        struct stream s;
        char *text = NULL;
        size_t length = 0;
        int r = stream_open(&s, fd, size, codec) < 0 ? -1 : tar_find_control(&s, &text, &length);
        stream_close(&s);
        if (r == 0)
            r = deb_control_parse(text, length, control);
        free(text);
        if (r < 0)
            snprintf(error, error_size, "its %s holds no readable control file with Package and "
                     "Version", name);
        return r;
    }
    snprintf(error, error_size, "a .deb archive without a control member");
    return -1;
}
