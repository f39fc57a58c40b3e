/* fuzz_confdoc.c: libFuzzer target for the configuration document parser
 * and the takeover merge. The input is split in two at its first byte's
 * choice: an "old" and a "new" file. Checked for every input:
 * - parsing never crashes, and an accepted file renders back byte for byte;
 * - the line grammar agrees with conf_parse (what it refuses, confdoc refuses);
 * - merging two accepted files gives a file that parses again. */
#define _GNU_SOURCE
#include "confdoc.h"
#include "conffile.h"
#include "takeover.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool fake_exists(void *data, const char *path)
{
    (void)data;
    return strlen(path) % 3 == 0; /* some paths exist, some do not */
}

static void check_round_trip(const char *text, size_t length, enum confdoc_syntax syntax,
                             struct confdoc *doc, bool *parsed)
{
    char error[512];
    *parsed = confdoc_parse(text, length, "f", syntax, doc, error, sizeof error) == 0;
    if (!*parsed)
        return;
    size_t out_length;
    char *out = confdoc_render(doc, &out_length);
    if (!out || out_length != length || memcmp(out, text, length) != 0)
        abort();
    free(out);
    if (syntax == CONFDOC_CUTTLEFISH) {
        struct conf_file file;
        if (conf_parse(text, length, "f", &file, error, sizeof error) != 0)
            abort(); /* confdoc accepted what the entry parser refuses */
        conf_free(&file);
    }
}

static void merge(const struct confdoc *old, const struct confdoc *shipped)
{
    struct takeover_input in = {
        .type = "storage",
        .old_version = "1.3.2",
        .new_version = "1.3.8",
        .old_version_dir = "/usr/local/leofs/1.3.2",
        .old_node_dir = "/usr/local/leofs/1.3.2/leo_storage",
        .new_node_dir = "/usr/local/leofs/1.3.8/leo_storage",
        .old_doc = old,
        .old_shipped = shipped,
        .new_shipped = shipped,
        .exists = fake_exists,
    };
    struct takeover_result result;
    if (takeover_merge(&in, &result) < 0)
        return;
    size_t length;
    char *out = confdoc_render(&result.merged, &length);
    char error[512];
    struct confdoc again;
    if (!out || confdoc_parse(out, length, "merged", shipped->syntax, &again, error,
                              sizeof error) != 0)
        abort(); /* the takeover wrote a file it cannot read */
    confdoc_free(&again);
    free(out);
    takeover_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t split = data[0] % size;
    const char *text = (const char *)data + 1;
    size_t length = size - 1;
    split = split > length ? length : split;
    for (int s = 0; s < 2; s++) {
        enum confdoc_syntax syntax = s ? CONFDOC_SHELL : CONFDOC_CUTTLEFISH;
        struct confdoc whole, old, shipped;
        bool parsed, old_ok, new_ok;
        check_round_trip(text, length, syntax, &whole, &parsed);
        if (parsed)
            confdoc_free(&whole);
        check_round_trip(text, split, syntax, &old, &old_ok);
        check_round_trip(text + split, length - split, syntax, &shipped, &new_ok);
        if (old_ok && new_ok)
            merge(&old, &shipped);
        if (old_ok)
            confdoc_free(&old);
        if (new_ok)
            confdoc_free(&shipped);
    }
    return 0;
}
