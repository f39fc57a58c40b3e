/* fuzz_parsers.c: libFuzzer target for the core's small parsers: LeoFS
 * config files, environment files, the policy file, list values, version
 * ordering and the log lines' control hiding. The first byte picks the
 * parser. Build with
 * -DLEOFS_FUZZ=ON (clang); CTest runs a short fixed budget. */
#define _GNU_SOURCE
#include "conffile.h"
#include "envfile.h"
#include "leofs/upgrade.h"
#include "policy.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char error[512];
    const char *text = (const char *)data + 1;
    size_t length = size - 1;
    switch (data[0] % 5) {
    case 0: {
        struct conf_file file;
        if (conf_parse(text, length, "fuzz.conf", &file, error, sizeof error) == 0) {
            for (size_t i = 0; i < file.count; i++) {
                char **items;
                size_t n = conf_split_list(file.entries[i].value, &items);
                conf_free_list(items, n);
            }
            conf_free(&file);
        }
        break;
    }
    case 1: {
        struct env_file file;
        if (env_parse(text, length, "fuzz.environment", &file, error, sizeof error) == 0)
            env_free(&file);
        break;
    }
    case 2: {
        struct lu_policy policy = {0};
        policy_parse(text, length, "upgrade.conf", &policy, error, sizeof error);
        policy_free(&policy);
        break;
    }
    case 3: {
        /* No control left, never longer, and hiding again changes nothing. */
        char *line = malloc(length + 1);
        if (!line)
            return 0;
        memcpy(line, text, length);
        line[length] = '\0';
        size_t before = strlen(line), after = text_hide_controls(line);
        if (after > before || after != strlen(line))
            abort();
        for (size_t i = 0; i < after; i++)
            if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
                abort();
        char *again = strdup(line);
        if (!again || text_hide_controls(again) != after || strcmp(again, line) != 0)
            abort();
        free(again);
        free(line);
        break;
    }
    default: {
        /* Two NUL-terminated versions: ordering must be antisymmetric. */
        char *copy = malloc(length + 1);
        if (!copy)
            return 0;
        memcpy(copy, text, length);
        copy[length] = '\0';
        const char *a = copy;
        const char *b = strlen(a) < length ? a + strlen(a) + 1 : "";
        int ab = lu_version_compare(a, b), ba = lu_version_compare(b, a);
        if ((ab > 0) != (ba < 0) || (ab == 0) != (ba == 0))
            abort();
        free(copy);
        break;
    }
    }
    return 0;
}
