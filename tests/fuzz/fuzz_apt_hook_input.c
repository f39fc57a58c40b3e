/* fuzz_apt_hook_input.c: libFuzzer target for the parser of apt's
 * Pre-Install-Pkgs protocol version 3 input, which leofs-dpkg-hook reads
 * from apt on every apt run. A parsed result must hold what the text
 * says: every action has a name, an unpack has its .deb. */
#define _GNU_SOURCE
#include "apt_hook_input.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct apt_hook_input input;
    char error[1024];
    if (apt_hook_input_parse((const char *)data, size, &input, error, sizeof error) < 0) {
        if (!memchr(error, '\0', sizeof error) || strchr(error, '\n'))
            abort(); /* an error is one line */
        return 0;
    }
    for (size_t i = 0; i < input.action_count; i++) {
        const struct apt_action *action = &input.actions[i];
        if (!action->name || !*action->name || strchr(action->name, ' '))
            abort();
        if ((action->kind == APT_ACTION_UNPACK) != (action->deb != NULL))
            abort();
    }
    apt_hook_input_free(&input);
    return 0;
}
