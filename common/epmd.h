/* epmd.h: a small client for Erlang's port mapper daemon (epmd) on
 * 127.0.0.1: list the registered nodes (NAMES_REQ), ask it to exit
 * (KILL_REQ), and tell whether anything listens on its port.
 *
 * Every call is bounded in time (connect EPMD_CONNECT_MS, whole reply
 * EPMD_REPLY_MS) and in size (EPMD_REPLY_LIMIT, EPMD_NODE_LIMIT), and the
 * results tell apart the cases a caller must treat differently. */
#ifndef LU_EPMD_H
#define LU_EPMD_H

#include <stdbool.h>
#include <stddef.h>

#define EPMD_DEFAULT_PORT 4369
#define EPMD_CONNECT_MS 1000
#define EPMD_REPLY_MS 2000
#define EPMD_REPLY_LIMIT (64u << 10)
#define EPMD_NODE_LIMIT 1024
#define EPMD_NAME_MAX 255 /* epmd's own limit on a node name */

enum epmd_result {
    EPMD_ANSWERED,    /* epmd answered: see the node list (or the kill answer) */
    EPMD_NO_LISTENER, /* nothing listens on the port (ECONNREFUSED) */
    EPMD_NOT_EPMD,    /* something answered, but not as epmd does */
    EPMD_NO_ANSWER,   /* a connection was accepted, then nothing until the timeout */
    EPMD_TOO_BIG,     /* an epmd-like reply over the size or node limits */
    EPMD_ERROR,       /* anything else (the error text says what) */
};

struct epmd_node {
    char name[EPMD_NAME_MAX + 1];
    int port;
};

struct epmd_names {
    struct epmd_node *nodes; /* malloc'd, free with epmd_names_free */
    size_t count;
};

/* Parse a whole NAMES_REQ reply (the connection closed after LENGTH bytes)
 * from the epmd on PORT: a 4-byte big-endian port equal to PORT, then
 * lines "name <node> at port <N>\n". Returns EPMD_ANSWERED with the nodes
 * in *out, EPMD_TOO_BIG when over the limits, else EPMD_NOT_EPMD with what
 * is wrong in ERROR. Never reads past LENGTH; DATA need not be NUL-ended. */
enum epmd_result epmd_parse_names(const unsigned char *data, size_t length, int port,
                                  struct epmd_names *out, char *error, size_t error_size);
void epmd_names_free(struct epmd_names *names);

/* Ask the epmd on 127.0.0.1:PORT for its nodes. */
enum epmd_result epmd_names(int port, struct epmd_names *out, char *error, size_t error_size);

/* Send KILL_REQ. EPMD_ANSWERED sets *killed: true for "OK" (epmd exits),
 * false for "NO" (nodes are registered). */
enum epmd_result epmd_kill(int port, bool *killed, char *error, size_t error_size);

/* Connect only: EPMD_NO_LISTENER, EPMD_ANSWERED (something accepted the
 * connection), EPMD_NO_ANSWER (the connect timed out) or EPMD_ERROR. */
enum epmd_result epmd_probe(int port, char *error, size_t error_size);

/* Probe until nothing listens on PORT or TIMEOUT_MS pass; true when closed. */
bool epmd_wait_closed(int port, int timeout_ms);

/* The port epmd uses: ERL_EPMD_PORT from the environment when set, else
 * 4369. Returns -1 with a message in ERROR when ERL_EPMD_PORT is not a
 * number from 1 to 65535. */
int epmd_port_from_env(char *error, size_t error_size);

#endif
