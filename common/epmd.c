/* epmd.c: a bounded client for the epmd protocol on 127.0.0.1 (see epmd.h).
 *
 * A request is a 2-byte big-endian length, then a 1-byte code: NAMES_REQ
 * 'n' is answered by the 4-byte port and one line per node, KILL_REQ 'k'
 * by "OK" or "NO"; epmd closes the connection after either answer. */
#define _GNU_SOURCE
#include "epmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const unsigned char names_req[] = {0x00, 0x01, 'n'};
static const unsigned char kill_req[] = {0x00, 0x01, 'k'};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(long long deadline)
{
    long long left = deadline - now_ms();
    return left < 0 ? 0 : (int)left;
}

/* Wait for EVENTS on FD until DEADLINE: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = events};
        int n = poll(&pfd, 1, remaining(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 ? -1 : n > 0;
    }
}

/* Connect to 127.0.0.1:PORT without blocking longer than EPMD_CONNECT_MS.
 * EPMD_ANSWERED means connected (the fd is in *out). */
static enum epmd_result connect_local(int port, int *out, char *error, size_t error_size)
{
    *out = -1;
    if (port < 1 || port > 65535) {
        snprintf(error, error_size, "port %d is out of range", port);
        return EPMD_ERROR;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(error, error_size, "socket: %s", strerror(errno));
        return EPMD_ERROR;
    }
    struct sockaddr_in addr = {
        .sin_family = AF_INET,
        .sin_port = htons((uint16_t)port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    int err = 0;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        err = errno;
        if (err == EINPROGRESS || err == EINTR) {
            int ready = wait_fd(fd, POLLOUT, now_ms() + EPMD_CONNECT_MS);
            if (ready == 0) {
                close(fd);
                snprintf(error, error_size, "127.0.0.1:%d did not accept a connection within %d ms",
                         port, EPMD_CONNECT_MS);
                return EPMD_NO_ANSWER;
            }
            socklen_t len = sizeof err;
            if (ready < 0)
                err = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
        }
    }
    if (err == ECONNREFUSED) {
        close(fd);
        snprintf(error, error_size, "nothing listens on 127.0.0.1:%d", port);
        return EPMD_NO_LISTENER;
    }
    if (err) {
        close(fd);
        snprintf(error, error_size, "cannot connect to 127.0.0.1:%d: %s", port, strerror(err));
        return EPMD_ERROR;
    }
    *out = fd;
    return EPMD_ANSWERED;
}

enum epmd_result epmd_probe(int port, char *error, size_t error_size)
{
    int fd;
    enum epmd_result r = connect_local(port, &fd, error, error_size);
    if (fd >= 0)
        close(fd);
    return r;
}

/* Send REQUEST, then read the reply into BUFFER (at most CAPACITY bytes)
 * until the peer closes or EPMD_REPLY_MS pass. *closed tells which; a
 * reply longer than CAPACITY returns EPMD_TOO_BIG. */
static enum epmd_result exchange(int port, const unsigned char *request, size_t request_length,
                                 unsigned char *buffer, size_t capacity, size_t *length,
                                 bool *closed, char *error, size_t error_size)
{
    *length = 0;
    *closed = false;
    int fd;
    enum epmd_result r = connect_local(port, &fd, error, error_size);
    if (r != EPMD_ANSWERED)
        return r;
    long long deadline = now_ms() + EPMD_REPLY_MS;
    size_t sent = 0;
    while (sent < request_length) {
        ssize_t n = send(fd, request + sent, request_length - sent, MSG_NOSIGNAL);
        if (n >= 0) {
            sent += (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        int ready = errno == EAGAIN ? wait_fd(fd, POLLOUT, deadline) : -1;
        if (ready > 0)
            continue;
        int err = errno;
        close(fd);
        if (ready == 0) {
            snprintf(error, error_size, "127.0.0.1:%d took no request within %d ms", port,
                     EPMD_REPLY_MS);
            return EPMD_NO_ANSWER;
        }
        snprintf(error, error_size, "cannot send to 127.0.0.1:%d: %s", port, strerror(err));
        return EPMD_ERROR;
    }
    for (;;) {
        unsigned char scratch[1];
        unsigned char *into = *length < capacity ? buffer + *length : scratch;
        size_t room = *length < capacity ? capacity - *length : sizeof scratch;
        ssize_t n = recv(fd, into, room, 0);
        if (n > 0) {
            if (into == scratch) {
                close(fd);
                snprintf(error, error_size, "127.0.0.1:%d sent more than %zu bytes", port,
                         capacity);
                return EPMD_TOO_BIG;
            }
            *length += (size_t)n;
            continue;
        }
        if (n == 0) {
            *closed = true;
            close(fd);
            return EPMD_ANSWERED;
        }
        if (errno == EINTR)
            continue;
        int ready = errno == EAGAIN ? wait_fd(fd, POLLIN, deadline) : -1;
        if (ready > 0)
            continue;
        int err = errno;
        close(fd);
        if (ready == 0) { /* the caller judges what came so far */
            snprintf(error, error_size, "127.0.0.1:%d accepted the connection but did not "
                     "finish answering within %d ms", port, EPMD_REPLY_MS);
            return EPMD_ANSWERED;
        }
        snprintf(error, error_size, "cannot read from 127.0.0.1:%d: %s", port, strerror(err));
        return EPMD_ERROR;
    }
}

void epmd_names_free(struct epmd_names *names)
{
    free(names->nodes);
    names->nodes = NULL;
    names->count = 0;
}

static bool starts_with(const unsigned char *at, const unsigned char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - at) >= n && memcmp(at, prefix, n) == 0;
}

/* One line "name <node> at port <N>" (without its newline). */
static bool parse_line(const unsigned char *at, const unsigned char *end, struct epmd_node *node,
                       const char **why)
{
    if (!starts_with(at, end, "name ")) {
        *why = "does not start with \"name \"";
        return false;
    }
    at += 5;
    const unsigned char *name = at;
    while (at < end && *at > ' ' && *at < 0x7f)
        at++;
    size_t name_length = (size_t)(at - name);
    if (name_length == 0 || name_length > EPMD_NAME_MAX) {
        *why = name_length ? "has a node name that is too long" : "has no node name";
        return false;
    }
    if (!starts_with(at, end, " at port ")) {
        *why = "has no \" at port \" after the node name";
        return false;
    }
    at += 9;
    long port = 0;
    size_t digits = 0;
    for (; at < end && *at >= '0' && *at <= '9' && digits < 6; at++, digits++)
        port = port * 10 + (*at - '0');
    if (at != end || digits == 0 || port < 1 || port > 65535) {
        *why = "does not end with a port number from 1 to 65535";
        return false;
    }
    memcpy(node->name, name, name_length);
    node->name[name_length] = '\0';
    node->port = (int)port;
    return true;
}

enum epmd_result epmd_parse_names(const unsigned char *data, size_t length, int port,
                                  struct epmd_names *out, char *error, size_t error_size)
{
    out->nodes = NULL;
    out->count = 0;
    if (length > EPMD_REPLY_LIMIT) {
        snprintf(error, error_size, "the reply has %zu bytes, more than the %u allowed", length,
                 EPMD_REPLY_LIMIT);
        return EPMD_TOO_BIG;
    }
    if (length < 4) {
        snprintf(error, error_size, "the reply has %zu bytes, too short for epmd's port", length);
        return EPMD_NOT_EPMD;
    }
    uint32_t echoed = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                      (uint32_t)data[2] << 8 | data[3];
    if (echoed != (uint32_t)port) {
        snprintf(error, error_size, "the reply starts with port %lu, not %d",
                 (unsigned long)echoed, port);
        return EPMD_NOT_EPMD;
    }
    const unsigned char *at = data + 4, *end = data + length;
    size_t capacity = 0;
    for (unsigned line = 1; at < end; line++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(end - at));
        const char *why = "is cut off (no newline at its end)";
        struct epmd_node node;
        if (!newline || !parse_line(at, newline, &node, &why)) {
            snprintf(error, error_size, "line %u of the reply %s", line, why);
            epmd_names_free(out);
            return EPMD_NOT_EPMD;
        }
        if (out->count == EPMD_NODE_LIMIT) {
            snprintf(error, error_size, "the reply lists more than %d nodes", EPMD_NODE_LIMIT);
            epmd_names_free(out);
            return EPMD_TOO_BIG;
        }
        if (out->count == capacity) {
            size_t grown_capacity = capacity ? capacity * 2 : 8;
            struct epmd_node *grown = realloc(out->nodes, grown_capacity * sizeof *grown);
            if (!grown) {
                snprintf(error, error_size, "out of memory");
                epmd_names_free(out);
                return EPMD_ERROR;
            }
            out->nodes = grown;
            capacity = grown_capacity;
        }
        out->nodes[out->count++] = node;
        at = newline + 1;
    }
    return EPMD_ANSWERED;
}

enum epmd_result epmd_names(int port, struct epmd_names *out, char *error, size_t error_size)
{
    out->nodes = NULL;
    out->count = 0;
    unsigned char *buffer = malloc(EPMD_REPLY_LIMIT);
    if (!buffer) {
        snprintf(error, error_size, "out of memory");
        return EPMD_ERROR;
    }
    size_t length;
    bool closed;
    enum epmd_result r = exchange(port, names_req, sizeof names_req, buffer, EPMD_REPLY_LIMIT,
                                  &length, &closed, error, error_size);
    if (r == EPMD_ANSWERED && !closed) {
        /* Silent or slow: only a reply that already cannot be epmd's says more. */
        char why[256];
        struct epmd_names ignored;
        if (length >= 4 && epmd_parse_names(buffer, 4, port, &ignored, why, sizeof why) ==
                               EPMD_NOT_EPMD) {
            snprintf(error, error_size, "%s", why);
            r = EPMD_NOT_EPMD;
        } else {
            r = EPMD_NO_ANSWER;
        }
    } else if (r == EPMD_ANSWERED) {
        r = epmd_parse_names(buffer, length, port, out, error, error_size);
    }
    free(buffer);
    return r;
}

enum epmd_result epmd_kill(int port, bool *killed, char *error, size_t error_size)
{
    *killed = false;
    unsigned char buffer[16];
    size_t length;
    bool closed;
    enum epmd_result r = exchange(port, kill_req, sizeof kill_req, buffer, sizeof buffer, &length,
                                  &closed, error, error_size);
    if (r == EPMD_TOO_BIG)
        r = EPMD_NOT_EPMD;
    if (r != EPMD_ANSWERED)
        return r;
    if (length == 2 && (memcmp(buffer, "OK", 2) == 0 || memcmp(buffer, "NO", 2) == 0)) {
        *killed = buffer[0] == 'O';
        return EPMD_ANSWERED;
    }
    if (length == 0 && !closed)
        return EPMD_NO_ANSWER; /* error already says so */
    if (length == 0)
        snprintf(error, error_size, "127.0.0.1:%d closed the connection without answering "
                 "KILL_REQ", port);
    else
        snprintf(error, error_size, "127.0.0.1:%d answered KILL_REQ with %zu bytes that are "
                 "neither OK nor NO", port, length);
    return EPMD_NOT_EPMD;
}

bool epmd_wait_closed(int port, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    char error[256];
    for (;;) {
        if (epmd_probe(port, error, sizeof error) == EPMD_NO_LISTENER)
            return true;
        if (remaining(deadline) == 0)
            return false;
        struct timespec pause = {.tv_nsec = 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
}

int epmd_port_from_env(char *error, size_t error_size)
{
    const char *value = getenv("ERL_EPMD_PORT");
    if (!value)
        return EPMD_DEFAULT_PORT;
    long port = 0;
    size_t i = 0;
    for (; value[i] >= '0' && value[i] <= '9' && i < 6; i++)
        port = port * 10 + (value[i] - '0');
    if (i == 0 || value[i] != '\0' || port < 1 || port > 65535) {
        snprintf(error, error_size, "ERL_EPMD_PORT=\"%.32s\" is not a port number from 1 to "
                 "65535: fix or unset it, then retry", value);
        return -1;
    }
    return (int)port;
}
