/* fake_epmd.c: a thread that plays epmd (or not) on 127.0.0.1 for the
 * tests (see fake_epmd.h). */
#include "fake_epmd.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct fake_epmd_config config;
static int listen_fd = -1, port;
static int held[64];
static size_t held_count;
static atomic_bool stopping;
static atomic_int names_count, kill_count;
static pthread_t thread;
static bool running;

static int bound_socket(int *out_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0, "bind: %s", strerror(errno));
    socklen_t length = sizeof addr;
    cr_assert(getsockname(fd, (struct sockaddr *)&addr, &length) == 0);
    *out_port = ntohs(addr.sin_port);
    cr_assert(*out_port != 4369, "never the real epmd port");
    return fd;
}

int fake_free_port(void)
{
    int free_port;
    close(bound_socket(&free_port));
    return free_port;
}

static void write_all(int fd, const void *data, size_t length)
{
    const char *at = data;
    while (length) {
        ssize_t n = send(fd, at, length, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        at += n;
        length -= (size_t)n;
    }
}

static void serve(int fd)
{
    unsigned char request[3];
    size_t got = 0;
    while (got < sizeof request) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 2000) <= 0)
            break;
        ssize_t n = recv(fd, request + got, sizeof request - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (config.mode == FAKE_SILENT) {
        if (held_count < sizeof held / sizeof *held) {
            held[held_count++] = fd;
            return;
        }
    } else if (config.mode == FAKE_GARBAGE) {
        static const char reply[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
        write_all(fd, reply, sizeof reply - 1);
    } else if (got == 3 && request[2] == 'n') {
        const char *names = config.names_later && atomic_load(&names_count) > 0
                                ? config.names_later
                                : config.names ? config.names : "";
        atomic_fetch_add(&names_count, 1);
        unsigned char head[4] = {(unsigned char)(port >> 24), (unsigned char)(port >> 16),
                                 (unsigned char)(port >> 8), (unsigned char)port};
        write_all(fd, head, sizeof head);
        write_all(fd, names, strlen(names));
    } else if (got == 3 && request[2] == 'k') {
        atomic_fetch_add(&kill_count, 1);
        const char *answer = config.kill_answer ? config.kill_answer : "NO";
        write_all(fd, answer, strlen(answer));
        if (config.exit_on_kill && strcmp(answer, "OK") == 0) {
            close(listen_fd); /* as epmd exits: nothing listens any more */
            listen_fd = -1;
        }
    }
    close(fd);
}

static void *run(void *unused)
{
    (void)unused;
    while (!atomic_load(&stopping) && listen_fd >= 0) {
        struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            serve(fd);
    }
    return NULL;
}

int fake_epmd_start(const struct fake_epmd_config *given)
{
    config = *given;
    atomic_store(&stopping, false);
    atomic_store(&names_count, 0);
    atomic_store(&kill_count, 0);
    held_count = 0;
    listen_fd = bound_socket(&port);
    cr_assert(listen(listen_fd, 16) == 0);
    cr_assert(pthread_create(&thread, NULL, run, NULL) == 0);
    running = true;
    return port;
}

void fake_epmd_stop(void)
{
    if (!running)
        return;
    atomic_store(&stopping, true);
    pthread_join(thread, NULL);
    running = false;
    if (listen_fd >= 0)
        close(listen_fd);
    listen_fd = -1;
    for (size_t i = 0; i < held_count; i++)
        close(held[i]);
    held_count = 0;
}

int fake_epmd_requests(char code)
{
    return code == 'n' ? atomic_load(&names_count) : code == 'k' ? atomic_load(&kill_count) : 0;
}
