/* fuzz_epmd.c: libFuzzer target for the epmd NAMES reply parser, the one
 * parser that reads what a network peer sends. The input is a whole reply
 * from the epmd on port 4369; the parser must never read past it (ASan
 * checks) and what it returns must hold: at most EPMD_NODE_LIMIT nodes,
 * each with a non-empty NUL-terminated name and a port that fits 16 bits,
 * and an error text otherwise. Build with -DLEOFS_FUZZ=ON (clang). */
#define _GNU_SOURCE /* strnlen */
#include "epmd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct epmd_names names = {0};
    char error[512];
    error[0] = '\0';
    enum epmd_result r = epmd_parse_names(data, size, EPMD_DEFAULT_PORT, &names, error,
                                          sizeof error);
    if (r == EPMD_ANSWERED) {
        if (names.count > EPMD_NODE_LIMIT || (names.count && !names.nodes))
            abort();
        for (size_t i = 0; i < names.count; i++) {
            size_t length = strnlen(names.nodes[i].name, sizeof names.nodes[i].name);
            if (length == 0 || length == sizeof names.nodes[i].name || names.nodes[i].port < 0 ||
                names.nodes[i].port > 65535)
                abort();
        }
        epmd_names_free(&names);
    } else if (r == EPMD_NOT_EPMD) {
        if (!error[0] || strnlen(error, sizeof error) == sizeof error)
            abort();
        if (names.count)
            abort(); /* nothing handed out on failure */
    } else if (r != EPMD_TOO_BIG) {
        abort(); /* a parser has no connection to fail */
    }
    return 0;
}
