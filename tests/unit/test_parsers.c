/* test_parsers.c: the config, environment, policy and account parsers and
 * version ordering, on real-shaped and malformed input. */
#include "accounts.h"
#include "conffile.h"
#include "envfile.h"
#include "fixture.h"
#include "policy.h"
#include "root.h"
#include "text.h"

#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

static char error[512];

Test(conffile, reads_keys_values_and_comments)
{
    const char *text = "## comment\n"
                       "# another\n"
                       "\n"
                       "obj_containers.path = [./avs, /mnt/avs2]\r\n"
                       "   queue_dir=./work/queue   \n"
                       "nodename = storage_0@127.0.0.1  # the node\n"
                       "queue_dir = /var/queue\n";
    struct conf_file file;
    cr_assert_eq(conf_parse(text, strlen(text), "leo_storage.conf", &file, error, sizeof error), 0,
                 "%s", error);
    cr_assert_eq(file.count, 4);
    cr_assert_str_eq(file.entries[0].value, "[./avs, /mnt/avs2]");
    cr_assert_eq(file.entries[0].line, 4);
    cr_assert_str_eq(conf_find(&file, "nodename")->value, "storage_0@127.0.0.1");
    cr_assert_str_eq(conf_find(&file, "queue_dir")->value, "/var/queue", "the last one wins");
    cr_assert_null(conf_find(&file, "missing"));

    char **items;
    size_t count = conf_split_list(file.entries[0].value, &items);
    cr_assert_eq(count, 2);
    cr_assert_str_eq(items[0], "./avs");
    cr_assert_str_eq(items[1], "/mnt/avs2");
    conf_free_list(items, count);
    count = conf_split_list("./plain", &items);
    cr_assert_eq(count, 1);
    cr_assert_str_eq(items[0], "./plain");
    conf_free_list(items, count);
    conf_free(&file);
}

Test(conffile, malformed_line_names_file_and_line)
{
    const char *text = "a = 1\nthis is not a setting\n";
    struct conf_file file;
    cr_assert_eq(conf_parse(text, strlen(text), "x.conf", &file, error, sizeof error), -1);
    cr_assert(strstr(error, "x.conf:2:"), "%s", error);
    cr_assert_eq(file.count, 0);
    cr_assert_eq(conf_parse("key =\n", 6, "y.conf", &file, error, sizeof error), -1);
    cr_assert(strstr(error, "y.conf:1:") && strstr(error, "no value"), "%s", error);
}

Test(conffile, binary_garbage_is_refused)
{
    const char text[] = "a = 1\n\x00\x01\x02garbage";
    struct conf_file file;
    cr_assert_eq(conf_parse(text, sizeof text - 1, "bin.conf", &file, error, sizeof error), -1);
    cr_assert(strstr(error, "binary"), "%s", error);
}

Test(envfile, reads_assignments_without_evaluating)
{
    const char *text = "## env\n"
                       "RUNNER_USER=\n"
                       "export RUNNER_ETC_DIR=\"/etc/leofs/leo_storage\"\n"
                       "PIPE_DIR='/tmp/leofs pipes/'\n"
                       "LOG=$RUNNER_BASE_DIR/log\n"
                       "if [ -f x ]; then RUNNER_USER=evil; fi\n"
                       "MAX_OPEN_FILES=ulimit # comment\n"
                       "RUNNER_USER=leofs2\n";
    struct env_file file;
    cr_assert_eq(env_parse(text, strlen(text), "e", &file, error, sizeof error), 0, "%s", error);
    cr_assert_str_eq(env_find(&file, "RUNNER_ETC_DIR")->value, "/etc/leofs/leo_storage");
    cr_assert_str_eq(env_find(&file, "PIPE_DIR")->value, "/tmp/leofs pipes/");
    cr_assert(env_find(&file, "LOG")->expands);
    cr_assert_not(env_find(&file, "PIPE_DIR")->expands);
    cr_assert_str_eq(env_find(&file, "MAX_OPEN_FILES")->value, "ulimit");
    cr_assert_str_eq(env_find(&file, "RUNNER_USER")->value, "leofs2");
    cr_assert_eq(env_find(&file, "RUNNER_USER")->line, 8, "shell code lines are not assignments");
    env_free(&file);
}

Test(envfile, unterminated_quote_is_an_error)
{
    const char *text = "A=1\nRUNNER_USER=\"leofs\n";
    struct env_file file;
    cr_assert_eq(env_parse(text, strlen(text), "leo_storage.environment", &file, error, sizeof error),
                 -1);
    cr_assert(strstr(error, "leo_storage.environment:2:"), "%s", error);
}

Test(policy, settings_and_steps)
{
    const char *text = "user = leofs2\ngroup = data\nepmd_port = 14369\npipe-dir = off\n"
                       "cookie = off\ncookie = on\n";
    struct lu_policy policy = {0};
    cr_assert_eq(policy_parse(text, strlen(text), "upgrade.conf", &policy, error, sizeof error), 0,
                 "%s", error);
    cr_assert_str_eq(policy.user, "leofs2");
    cr_assert_str_eq(policy.group, "data");
    cr_assert_eq(policy.epmd_port, 14369);
    cr_assert_not(policy_step_enabled(&policy, "pipe-dir"));
    cr_assert(policy_step_enabled(&policy, "cookie"), "the last setting wins");
    cr_assert(policy_step_enabled(&policy, "ownership"));
    policy_free(&policy);
}

Test(policy, data_and_pipe_dirs_confirm_normalised_paths)
{
    const char *text = "data_dir = /mnt/avs/\ndata_dir = /srv//queue\npipe_dir = /run/leofs\n";
    struct lu_policy policy = {0};
    cr_assert_eq(policy_parse(text, strlen(text), "upgrade.conf", &policy, error, sizeof error), 0,
                 "%s", error);
    cr_assert(policy_confirms_data_dir(&policy, "/mnt/avs"));
    cr_assert(policy_confirms_data_dir(&policy, "/srv/queue"));
    cr_assert_not(policy_confirms_data_dir(&policy, "/mnt"));
    cr_assert_not(policy_confirms_data_dir(&policy, "/run/leofs"), "pipe_dir is not a data dir");
    cr_assert(policy_confirms_pipe_dir(&policy, "/run/leofs"));
    policy_free(&policy);
    struct lu_policy relative = {0};
    cr_assert_eq(policy_parse("data_dir = avs\n", 15, "upgrade.conf", &relative, error,
                              sizeof error), -1);
    cr_assert(strstr(error, "upgrade.conf:1: data_dir must be an absolute path"), "%s", error);
    policy_free(&relative);
}

Test(text, controls_c1_and_bidi_are_hidden)
{
    /* C0, DEL, C1 as UTF-8 (U+009B) and as a lone byte, bidi override and
     * isolate; UTF-8 letters, a C4 9B letter (U+011B) and other bytes stay. */
    char line[] = "a\nb\x7f c\xc2\x9b[2J d\x9b" "31m e\xe2\x80\xae" "evil\xe2\x81\xa6 "
                  "\xc3\xa9t\xc4\x9b \xff\xfe";
    size_t length = text_hide_controls(line);
    cr_assert_str_eq(line, "a?b? c?[2J d?31m e?evil? \xc3\xa9t\xc4\x9b \xff\xfe");
    cr_assert_eq(length, strlen(line));
}

Test(policy, errors_name_file_and_line)
{
    static const char *const bad[] = {
        "epmd_port = 70000\n", "user = ro ot\n", "ownership = maybe\n", "colour = blue\n",
        "just words\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct lu_policy policy = {0};
        char text[128];
        snprintf(text, sizeof text, "# first\n%s", bad[i]);
        cr_assert_eq(policy_parse(text, strlen(text), "/etc/leofs/upgrade.conf", &policy, error,
                                  sizeof error),
                     -1, "accepted: %s", bad[i]);
        cr_assert(strstr(error, "/etc/leofs/upgrade.conf:2:"), "%s", error);
        policy_free(&policy);
    }
}

Test(version, orders_like_people_expect)
{
    cr_assert_lt(lu_version_compare("1.3.8", "1.3.10"), 0);
    cr_assert_gt(lu_version_compare("1.4.0", "1.3.99"), 0);
    cr_assert_eq(lu_version_compare("1.3.8", "1.3.8"), 0);
    cr_assert_lt(lu_version_compare("1.3", "1.3.1"), 0);
    cr_assert_lt(lu_version_compare("1.4.0~rc1", "1.4.0"), 0);
    cr_assert_lt(lu_version_compare("1.3.2", "1.3.3"), 0);
    cr_assert_eq(lu_version_compare("01.3", "1.3"), 0);
}

Test(accounts, looks_up_the_roots_own_files, .fini = fixture_cleanup)
{
    fixture_root();
    fixture_accounts();
    int root_fd = root_open_dir(fixture_path(""));
    uid_t uid;
    gid_t gid;
    cr_assert_eq(accounts_find_user(root_fd, "leofs", &uid, &gid), 0);
    cr_assert_eq(uid, FIXTURE_LEOFS_UID);
    cr_assert_eq(gid, FIXTURE_LEOFS_GID);
    cr_assert_eq(accounts_find_user(root_fd, "leof", &uid, &gid), -1, "no prefix match");
    cr_assert_eq(accounts_find_user(root_fd, "nobody-here", &uid, &gid), -1);
    cr_assert_eq(accounts_find_group(root_fd, "alice", &gid), 0);
    cr_assert_eq(gid, 1000);
    close(root_fd);
}
