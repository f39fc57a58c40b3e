/* test_confdoc.c: the line-preserving configuration document: byte-exact
 * round trips (LF, CRLF, no final newline), edits that keep spacing and
 * inline comments, commented-out settings, shell syntax, and refusals
 * (malformed lines, keys set twice, binary data, stray carriage returns). */
#include "confdoc.h"
#include "conffile.h"
#include "fixture.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char error[512];

static void round_trip(const char *text, enum confdoc_syntax syntax)
{
    struct confdoc doc;
    cr_assert_eq(confdoc_parse(text, strlen(text), "t.conf", syntax, &doc, error, sizeof error), 0,
                 "%s", error);
    size_t length;
    char *out = confdoc_render(&doc, &length);
    cr_assert_eq(length, strlen(text));
    cr_assert_str_eq(out, text);
    free(out);
    confdoc_free(&doc);
}

Test(confdoc, round_trip_is_byte_exact)
{
    round_trip("## comment\n\nobj_containers.path = [./avs]\n   queue_dir=./work/queue   \n", 0);
    round_trip("a = 1\r\n## c\r\n\r\nb = 2\r\n", CONFDOC_CUTTLEFISH);
    round_trip("a = 1\nb = 2", CONFDOC_CUTTLEFISH);
    round_trip("a = 1\r\nb = 2\n", CONFDOC_CUTTLEFISH);
    round_trip("", CONFDOC_CUTTLEFISH);
    round_trip("# env\nRUNNER_USER=\nexport X=\"a b\"\nif true; then :; fi\n", CONFDOC_SHELL);
}

Test(confdoc, entries_comments_and_commented_settings)
{
    const char *text = "## Mode of the data synchronization - [none, periodic, writethrough]\n"
                       "## obj_containers.sync_mode = none\n"
                       "nodename = storage_0@127.0.0.1  # the node\n"
                       "## A number of replicas\n";
    struct confdoc doc;
    cr_assert_eq(confdoc_parse(text, strlen(text), "t", CONFDOC_CUTTLEFISH, &doc, error,
                               sizeof error), 0, "%s", error);
    cr_assert_eq(doc.count, 4);
    cr_assert_eq(doc.lines[0].kind, CONFDOC_COMMENT);
    cr_assert_null(doc.lines[0].key, "prose is not a setting");
    cr_assert_str_eq(doc.lines[1].key, "obj_containers.sync_mode");
    cr_assert_eq(confdoc_find_commented(&doc, "obj_containers.sync_mode"), 1);
    cr_assert_eq(confdoc_find(&doc, "obj_containers.sync_mode"), -1);
    cr_assert_eq(confdoc_find(&doc, "nodename"), 2);
    cr_assert_str_eq(doc.lines[2].value, "storage_0@127.0.0.1");
    cr_assert_null(doc.lines[3].key);
    confdoc_free(&doc);
}

Test(confdoc, set_value_keeps_spacing_and_inline_comment)
{
    const char *text = "  queue_dir  =  ./work/queue   # where messages wait\r\nx = 1\r\n";
    struct confdoc doc;
    cr_assert_eq(confdoc_parse(text, strlen(text), "t", CONFDOC_CUTTLEFISH, &doc, error,
                               sizeof error), 0);
    cr_assert_eq(confdoc_set_value(&doc, 0, "/mnt/queue"), 0);
    cr_assert_str_eq(doc.lines[0].value, "/mnt/queue");
    cr_assert_eq(confdoc_insert(&doc, 2, "y = 2"), 0);
    cr_assert_eq(confdoc_insert(&doc, 0, "## top"), 0);
    char *out = confdoc_render(&doc, NULL);
    cr_assert_str_eq(out, "## top\r\n  queue_dir  =  /mnt/queue   # where messages wait\r\nx = 1\r\n"
                          "y = 2\r\n");
    free(out);
    cr_assert_eq(confdoc_set_line(&doc, 3, "not a setting"), -1, "a bad line is refused");
    cr_assert_str_eq(doc.lines[3].text, "y = 2");
    confdoc_free(&doc);
}

Test(confdoc, append_after_unterminated_last_line)
{
    struct confdoc doc;
    cr_assert_eq(confdoc_parse("a = 1", 5, "t", CONFDOC_CUTTLEFISH, &doc, error, sizeof error), 0);
    cr_assert_eq(confdoc_insert(&doc, doc.count, "b = 2"), 0);
    char *out = confdoc_render(&doc, NULL);
    cr_assert_str_eq(out, "a = 1\nb = 2\n");
    free(out);
    confdoc_free(&doc);
}

Test(confdoc, lone_carriage_return_at_the_end_is_not_a_line_end)
{
    /* found by fuzz_confdoc: appending after "b = 2\r" must not leave "\r\r\n" */
    struct confdoc doc;
    cr_assert_eq(confdoc_parse("a = 1\r\nb = 2\r", 13, "t", CONFDOC_CUTTLEFISH, &doc, error,
                               sizeof error), 0, "%s", error);
    cr_assert_eq(confdoc_insert(&doc, doc.count, "c = 3"), 0);
    char *out = confdoc_render(&doc, NULL);
    cr_assert_str_eq(out, "a = 1\r\nb = 2\r\nc = 3\r\n");
    free(out);
    confdoc_free(&doc);
    cr_assert_eq(confdoc_parse("b = 2\r", 6, "t", CONFDOC_CUTTLEFISH, &doc, error, sizeof error), 0);
    cr_assert_str_eq(doc.eol, "\n");
    confdoc_free(&doc);
}

Test(confdoc, shell_values_are_unquoted)
{
    const char *text = "#RUNNER_ETC_DIR=\nRUNNER_USER='leofs'\nexport MAX_OPEN_FILES=\"$X\"\n";
    struct confdoc doc;
    cr_assert_eq(confdoc_parse(text, strlen(text), "t", CONFDOC_SHELL, &doc, error, sizeof error),
                 0, "%s", error);
    cr_assert_eq(confdoc_find_commented(&doc, "RUNNER_ETC_DIR"), 0);
    cr_assert_str_eq(doc.lines[1].value, "leofs");
    cr_assert_str_eq(doc.lines[2].key, "MAX_OPEN_FILES");
    cr_assert(doc.lines[2].expands);
    confdoc_free(&doc);
}

static void refused(const char *text, size_t length, enum confdoc_syntax syntax, const char *want)
{
    struct confdoc doc;
    cr_assert_eq(confdoc_parse(text, length, "leo_storage.conf", syntax, &doc, error,
                               sizeof error), -1, "accepted: %s", text);
    cr_assert(strstr(error, want), "error '%s' lacks '%s'", error, want);
    cr_assert_eq(doc.count, 0);
}

Test(confdoc, bad_input_names_file_and_line)
{
    refused("a = 1\n\nthis is not a setting\n", 23, CONFDOC_CUTTLEFISH, "leo_storage.conf:3:");
    refused("a = 1\nb =\n", 10, CONFDOC_CUTTLEFISH, "leo_storage.conf:2: the setting has no value");
    refused("a = 1\nb = 2\na = 3\n", 18, CONFDOC_CUTTLEFISH,
            "leo_storage.conf:3: 'a' is set again (first on line 1)");
    refused("a = 1\x01\x02\n", 8, CONFDOC_CUTTLEFISH, "binary data");
    refused("a = 1\0b = 2\n", 12, CONFDOC_CUTTLEFISH, "binary data");
    refused("a = 1\rb = 2\n", 12, CONFDOC_CUTTLEFISH, "leo_storage.conf:1: a carriage return");
    refused("X='open\n", 8, CONFDOC_SHELL, "leo_storage.conf:1: unterminated quote");
    refused("X=1\nexport X=2\n", 15, CONFDOC_SHELL, "'X' is set again");
}

Test(confdoc, same_grammar_as_conffile)
{
    /* What conf_parse accepts, confdoc accepts, with the same values. */
    const char *text = "## c\nobj_containers.path = [./avs, /mnt/avs2]\r\nnodename = s@h  # x\n";
    struct conf_file file;
    struct confdoc doc;
    cr_assert_eq(conf_parse(text, strlen(text), "t", &file, error, sizeof error), 0);
    cr_assert_eq(confdoc_parse(text, strlen(text), "t", CONFDOC_CUTTLEFISH, &doc, error,
                               sizeof error), 0);
    for (size_t i = 0; i < file.count; i++) {
        ssize_t at = confdoc_find(&doc, file.entries[i].key);
        cr_assert_geq(at, 0);
        cr_assert_str_eq(doc.lines[at].value, file.entries[i].value);
        cr_assert_eq(doc.lines[at].number, file.entries[i].line);
    }
    conf_free(&file);
    confdoc_free(&doc);
}
