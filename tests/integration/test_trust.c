/* test_trust.c: the trust boundary (docs/SECURITY.md). The runner user
 * (uid 990, "leofs", a throwaway uid on the host) owns each node's etc,
 * log, work and data dirs as LeoFS's packaging leaves them; it plays every
 * attack of issue 12 itself through setpriv against real files, then root
 * runs the post phase (in this process, or the real leofs-upgrade). Each
 * attack must be refused with a line naming the policy setting that would
 * confirm it, and nothing outside the node's own dirs may change. With
 * fs.protected_hardlinks both on and off (restored at once). The
 * legitimate cases keep working: a pre-1.3.3 root-run install with custom
 * data dirs, RUNNER_USER=root from a root-owned file, the guide's /tmp/usr
 * removal. */
#include "fixture.h"
#include "tool_run.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#define V "/usr/local/leofs/1.3.8"
#define OLD "/usr/local/leofs/1.3.7"
#define LEOFS 990
#define STRANGER 61990 /* any other local user: a throwaway uid */
#define HARDLINKS "/proc/sys/fs/protected_hardlinks"

static const struct lu_step_report *step;
static int saved_hardlinks = -1;

/* LeoFS's packaging as it leaves a 1.3.3+ node: root owns the node dirs,
 * leofs owns etc (2755), log, work, the data dirs and snmp/<agent>/db. */
static void runner_owns_node_dirs(const char *version)
{
    static const char *const nodes[] = {"leo_manager_0", "leo_manager_1", "leo_storage",
                                        "leo_gateway"};
    static const char *const parts[] = {"log", "work", "avs", "cache"};
    char path[512];
    for (size_t n = 0; n < 4; n++) {
        snprintf(path, sizeof path, "/usr/local/leofs/%s/%s/etc", version, nodes[n]);
        fixture_chown(path, LEOFS, LEOFS);
        cr_assert_eq(chmod(fixture_path(path), 02755), 0);
        for (size_t p = 0; p < 4; p++) {
            snprintf(path, sizeof path, "/usr/local/leofs/%s/%s/%s", version, nodes[n], parts[p]);
            if (fixture_exists(path))
                fixture_chown(path, LEOFS, LEOFS);
        }
    }
}

static void setup(void)
{
    fixture_root();
    fixture_accounts();
    fixture_leofs_install("1.3.8");
    runner_owns_node_dirs("1.3.8");
}

static void restore_hardlinks(void)
{
    if (saved_hardlinks < 0)
        return;
    FILE *f = fopen(HARDLINKS, "w");
    cr_assert_not_null(f);
    fprintf(f, "%d\n", saved_hardlinks);
    fclose(f);
    saved_hardlinks = -1;
}

static void teardown(void)
{
    restore_hardlinks();
    fixture_cleanup();
}

/* Set fs.protected_hardlinks for the attacker's next steps; the fini (or
 * restore_hardlinks right after them) puts the machine's value back. */
static void protected_hardlinks(int on)
{
    FILE *f = fopen(HARDLINKS, "r+");
    cr_assert_not_null(f, "%s: %s", HARDLINKS, strerror(errno));
    int now = 0;
    cr_assert_eq(fscanf(f, "%d", &now), 1);
    if (saved_hardlinks < 0)
        saved_hardlinks = now;
    rewind(f);
    fprintf(f, "%d\n", on);
    fclose(f);
}


/* The runner user puts CONTENT at PATH (inside the root) the way it can:
 * a file of its own in the dir it owns, renamed over the packaged one. */
static void runner_writes(const char *path, const char *content)
{
    static int serial;
    char source[64], temp[512];
    snprintf(source, sizeof source, "/attack/%d", serial++);
    fixture_write(source, content, 0644);
    snprintf(temp, sizeof temp, "%s.new", fixture_path(path));
    cr_assert_eq(tool_run_setpriv(LEOFS, "/usr/bin/cp", fixture_path(source), temp, NULL), 0,
                 "leofs cannot write beside %s", path);
    cr_assert_eq(tool_run_setpriv(LEOFS, "/usr/bin/mv", "-f", temp, fixture_path(path)), 0);
    uid_t uid;
    fixture_stat(path, &uid, NULL, NULL);
    cr_assert_eq(uid, LEOFS, "the attack is in place");
}

static void run(void)
{
    step = fixture_run(lu_run_post, "1.3.8", false, "ownership", NULL);
    cr_assert_not_null(step);
}

static void run_step(const char *name)
{
    step = fixture_run(lu_run_post, "1.3.8", false, name, NULL);
    cr_assert_not_null(step);
}

static void assert_owner(const char *path, uid_t want)
{
    uid_t uid;
    fixture_stat(path, &uid, NULL, NULL);
    cr_assert_eq(uid, want, "%s is owned by %u, not %u\n%s", path, (unsigned)uid, (unsigned)want,
                 fixture_log());
}

static void assert_logged(const char *needle)
{
    cr_assert(fixture_log_has(needle), "no '%s' in:\n%s", needle, fixture_log());
}

TestSuite(trust, .init = setup, .fini = teardown, .timeout = 300);

/* Class 1: config-named chown targets, in the main file and a drop-in. */
Test(trust, config_named_dirs_from_the_runners_file_are_not_given_away)
{
    fixture_write("/home/victim/.ssh/authorized_keys", "ssh-ed25519 AAAA victim\n", 0600);
    fixture_chown("/home/victim/.ssh/authorized_keys", STRANGER, STRANGER);
    fixture_write("/var/lib/dpkg/info/bash.postinst", "#!/bin/sh\n", 0755);
    fixture_write("/var/spool/cron/crontabs/root", "* * * * * true\n", 0600);
    fixture_write("/opt/tool/bin/run", "#!/bin/sh\n", 0755);
    runner_writes(V "/leo_storage/etc/leo_storage.conf",
                  "obj_containers.path = [/var/lib/dpkg/info, ./avs]\n"
                  "queue_dir = /home/victim/.ssh\n"
                  "log.app = ./bin\n"
                  "mnesia.dir = /var/spool/cron/crontabs\n");
    fixture_mkdir(V "/leo_storage/etc/leo_storage.d", 0755);
    fixture_chown(V "/leo_storage/etc/leo_storage.d", LEOFS, LEOFS);
    runner_writes(V "/leo_storage/etc/leo_storage.d/50-more.conf", "queue_dir = /opt/tool/bin\n");
    run();
    cr_assert_eq(step->status, LU_STATUS_WARNING, "%s", step->message);
    assert_owner("/home/victim/.ssh/authorized_keys", STRANGER);
    assert_owner("/var/lib/dpkg/info", 0);
    assert_owner("/var/lib/dpkg/info/bash.postinst", 0);
    assert_owner("/var/spool/cron/crontabs/root", 0);
    assert_owner("/opt/tool/bin/run", 0);
    assert_owner(V "/leo_storage/bin/leo_storage", 0);
    assert_owner(V "/leo_storage/avs/object/0.avs", LEOFS); /* its own dirs still are */
    assert_logged("add `data_dir = /home/victim/.ssh` to /etc/leofs/upgrade.conf");
    assert_logged("add `data_dir = /opt/tool/bin` to /etc/leofs/upgrade.conf");
    assert_logged("add `data_dir = " V "/leo_storage/bin` to");
    assert_logged("is owned by uid 990");
}

/* The operator confirms a dir with the policy file: then it is given. */
Test(trust, a_data_dir_line_in_the_policy_confirms_a_dir)
{
    fixture_write("/mnt/avs/object/1.avs", "data", 0644);
    runner_writes(V "/leo_storage/etc/leo_storage.conf", "obj_containers.path = [/mnt/avs]\n");
    run();
    cr_assert_eq(step->status, LU_STATUS_WARNING);
    assert_owner("/mnt/avs/object/1.avs", 0);
    fixture_write("/etc/leofs/upgrade.conf", "data_dir = /mnt/avs\n", 0644);
    run();
    cr_assert_neq(step->status, LU_STATUS_WARNING, "%s\n%s", step->message, fixture_log());
    assert_owner("/mnt/avs/object/1.avs", LEOFS);
}

/* Relative values that stay inside the node's own dirs need no confirming. */
Test(trust, dirs_inside_the_nodes_own_need_no_confirmation)
{
    fixture_write(V "/leo_storage/avs/extra/1.avs", "data", 0644);
    fixture_write(OLD "/leo_storage/avs/object/7.avs", "old data", 0644);
    runner_writes(V "/leo_storage/etc/leo_storage.conf",
                  "obj_containers.path = [./avs/extra, " OLD "/leo_storage/avs]\n");
    run();
    cr_assert_neq(step->status, LU_STATUS_WARNING, "%s\n%s", step->message, fixture_log());
    assert_owner(V "/leo_storage/avs/extra/1.avs", LEOFS);
    assert_owner(OLD "/leo_storage/avs/object/7.avs", LEOFS);
}

/* A policy file the runner could change confirms nothing. */
Test(trust, policy_file_not_roots_alone_is_a_configuration_error)
{
    fixture_write("/etc/leofs/upgrade.conf", "data_dir = /home/victim\n", 0644);
    fixture_chown("/etc/leofs", LEOFS, LEOFS);
    enum lu_outcome outcome;
    step = fixture_run(lu_run_post, "1.3.8", false, "ownership", &outcome);
    cr_assert_null(step);
    cr_assert_eq(outcome, LU_OUTCOME_CONFIG_ERROR);
    assert_logged("is not root's alone (/etc/leofs is owned by uid 990)");
}

/* Class 2: mount crossing. */
Test(trust, the_walk_never_enters_another_filesystem)
{
    cr_assert_eq(unshare(CLONE_NEWNS), 0, "%s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    /* Another filesystem (say /home's) mounted inside the data dir. */
    fixture_mkdir(V "/leo_storage/avs/disk2", 0755);
    cr_assert_eq(mount("victim", fixture_path(V "/leo_storage/avs/disk2"), "tmpfs", 0, "mode=0755"),
                 0, "%s", strerror(errno));
    fixture_write(V "/leo_storage/avs/disk2/victim/notes", "private", 0600);
    run();
    uid_t notes, top;
    fixture_stat(V "/leo_storage/avs/disk2/victim/notes", &notes, NULL, NULL);
    fixture_stat(V "/leo_storage/avs/disk2", &top, NULL, NULL);
    umount(fixture_path(V "/leo_storage/avs/disk2"));
    cr_assert_eq(notes, 0, "a file of the other filesystem was given away");
    cr_assert_eq(top, 0, "the mount point itself was given away");
    assert_owner(V "/leo_storage/avs/object/0.avs", LEOFS);
    assert_logged("mount points or other filesystems alone (e.g. ");
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

/* Class 3: RUNNER_USER redirect, to another account and to root. */
Test(trust, runner_user_from_the_runners_file_cannot_redirect)
{
    runner_writes(V "/leo_gateway/etc/leo_gateway.environment", "RUNNER_USER=alice\n");
    runner_writes(V "/leo_storage/etc/leo_storage.environment", "RUNNER_USER=root\n");
    fixture_write(V "/leo_gateway/cache/data/0", "cached", 0644);
    run();
    assert_owner(V "/leo_gateway/cache/data/0", LEOFS);
    assert_owner(V "/leo_storage/avs/object/0.avs", LEOFS);
    assert_logged("RUNNER_USER=alice in " V "/leo_gateway/etc/leo_gateway.environment:1 is not "
                  "used");
    assert_logged("add `user = alice` to /etc/leofs/upgrade.conf");
    assert_logged("add `user = root` to /etc/leofs/upgrade.conf");
    cr_assert_eq(step->status, LU_STATUS_WARNING);
    run_step("cookie");
    assert_owner("/usr/local/leofs/.erlang.cookie", LEOFS);
}

/* Legitimate: RUNNER_USER=root from a root-owned file is kept. */
Test(trust, runner_user_root_from_a_root_owned_file_is_kept)
{
    fixture_write("/etc/leofs/leofs.conf", "RUNNER_USER=root\n", 0644);
    fixture_write("/tmp/usr/local/leofs/1.3.2/x", "", 0644);
    run_step("pipe-dir");
    cr_assert_eq(step->status, LU_STATUS_SKIPPED, "%s\n%s", step->message, fixture_log());
    cr_assert(fixture_exists("/tmp/usr/local/leofs/1.3.2/x"));
    run_step("cookie");
    assert_owner("/usr/local/leofs/.erlang.cookie", 0);
    cr_assert_not(fixture_log_has("is not used"), "%s", fixture_log());
}

/* Class 4: PIPE_DIR deletion. */
Test(trust, pipe_dir_from_the_runners_file_deletes_nothing)
{
    fixture_write("/run/sshd/sshd.pid", "1\n", 0644);
    runner_writes(V "/leo_storage/etc/leo_storage.environment", "PIPE_DIR=/run/sshd\n");
    run_step("pipe-dir");
    cr_assert(fixture_exists("/run/sshd/sshd.pid"));
    assert_logged("PIPE_DIR=/run/sshd (" V "/leo_storage/etc/leo_storage.environment:1, where ");
    assert_logged("add `pipe_dir = /run/sshd` to /etc/leofs/upgrade.conf");
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

/* Even a root-owned file may only name a tree shaped like a pipe dir, and
 * one that really is where it says (/run/shm is a link to /dev/shm). */
Test(trust, pipe_dir_must_be_shaped_like_one_and_lead_where_it_says)
{
    fixture_mkdir("/dev/shm/app/session", 0755);
    cr_assert_eq(mkfifo(fixture_path("/dev/shm/app/session/erlang.pipe.1.r"), 0600), 0);
    fixture_symlink("/dev/shm", "/run/shm");
    fixture_write("/run/udev/data/b8:0", "E:ID=1\n", 0644);
    fixture_write(V "/leo_storage/etc/leo_storage.environment", "PIPE_DIR=/run/shm/app/session\n",
                  0644);
    fixture_write(V "/leo_gateway/etc/leo_gateway.environment", "PIPE_DIR=/run/udev\n", 0644);
    fixture_chown(V "/leo_storage/etc", 0, 0);
    fixture_chown(V "/leo_gateway/etc", 0, 0);
    cr_assert_eq(chmod(fixture_path(V "/leo_storage/etc"), 0755), 0);
    cr_assert_eq(chmod(fixture_path(V "/leo_gateway/etc"), 0755), 0);
    run_step("pipe-dir");
    cr_assert(fixture_exists("/dev/shm/app/session/erlang.pipe.1.r"));
    cr_assert(fixture_exists("/run/udev/data/b8:0"));
    assert_logged("really is /dev/shm/app/session");
    assert_logged("a regular file, which launch scripts never leave");
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

/* Legitimate: the guide's /tmp/usr removal, FIFOs and dirs of root's. */
Test(trust, the_guides_tmp_usr_is_removed)
{
    fixture_mkdir("/tmp/usr/local/leofs/1.3.2/leo_storage", 0755);
    cr_assert_eq(mkfifo(fixture_path("/tmp/usr/local/leofs/1.3.2/leo_storage/erlang.pipe.1.r"),
                        0600), 0);
    cr_assert_eq(mkfifo(fixture_path("/tmp/usr/local/leofs/1.3.2/leo_storage/erlang.pipe.1.w"),
                        0600), 0);
    run_step("pipe-dir");
    cr_assert_eq(step->status, LU_STATUS_CHANGED, "%s\n%s", step->message, fixture_log());
    cr_assert_not(fixture_exists("/tmp/usr"));
}

/* Class 5: secrets laundered by the takeover, through a hard link to a
 * root-only file as the old environment file. */
static void secret_as_old_environment(int hardlinks_protected)
{
    fixture_leofs_install("1.3.7");
    runner_owns_node_dirs("1.3.7");
    fixture_write("/etc/secret.env", "DB_PASSWORD=hunter2-root-only\n", 0600);
    cr_assert_eq(unlink(fixture_path(OLD "/leo_storage/etc/leo_storage.environment")), 0);
    protected_hardlinks(hardlinks_protected);
    int linked = tool_run_setpriv(LEOFS, "/usr/bin/ln", fixture_path("/etc/secret.env"),
                         fixture_path(OLD "/leo_storage/etc/leo_storage.environment"), NULL);
    restore_hardlinks();
    if (hardlinks_protected) {
        cr_assert_neq(linked, 0, "the kernel refuses the link itself");
        return;
    }
    cr_assert_eq(linked, 0);
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "-v",
                          "takeover", "--from", "1.3.7", "--to", "1.3.8", NULL};
    struct tool_result r;
    tool_run(argv, NULL, NULL, NULL, &r);
    cr_assert(strstr(r.err, "has 2 hard links: configuration files are read only when they have "
                            "one"), "%s", r.err);
    cr_assert_null(strstr(r.err, "hunter2"), "%s", r.err);
    cr_assert_null(strstr(r.out, "hunter2"), "%s", r.out);
    char *now = fixture_read(V "/leo_storage/etc/leo_storage.environment");
    cr_assert_null(strstr(now, "hunter2"), "the secret was copied: %s", now);
    free(now);
    assert_owner("/etc/secret.env", 0);
}

Test(trust, hard_linked_secret_is_not_read_protected_hardlinks_off)
{
    secret_as_old_environment(0);
}

Test(trust, hard_linked_secret_is_not_read_protected_hardlinks_on)
{
    secret_as_old_environment(1);
}

/* The old file of another user is not read either; environment values and
 * secret-looking config values are never logged. */
Test(trust, takeover_reads_only_root_or_runner_files_and_never_logs_secrets)
{
    fixture_leofs_install("1.3.7");
    runner_owns_node_dirs("1.3.7");
    runner_writes(OLD "/leo_gateway/etc/leo_gateway.environment",
                  "RUNNER_USER=leofs\nS3_SECRET=env-value-1234\n");
    runner_writes(OLD "/leo_manager_0/etc/leo_manager.conf",
                  "nodename = manager_0@10.0.0.1\nadmin.password = conf-value-5678\n");
    fixture_chown(OLD "/leo_storage/etc/leo_storage.conf", STRANGER, STRANGER);
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "-v",
                          "takeover", "--from", "1.3.7", "--to", "1.3.8", NULL};
    struct tool_result r;
    tool_run(argv, NULL, NULL, NULL, &r);
    cr_assert(strstr(r.err, "is owned by uid 61990, neither root nor the runner user"), "%s",
              r.err);
    cr_assert(strstr(r.err, "kept S3_SECRET (not set in LeoFS 1.3.8's file)"), "%s", r.err);
    cr_assert_null(strstr(r.err, "env-value-1234"), "%s", r.err);
    cr_assert_null(strstr(r.err, "conf-value-5678"), "%s", r.err);
    cr_assert_null(strstr(r.out, "env-value-1234"), "%s", r.out);
    cr_assert_null(strstr(r.out, "conf-value-5678"), "%s", r.out);
}

/* Class 6: hard-linked special files and device nodes in a data dir. */
static void special_files_in_avs(int hardlinks_protected)
{
    cr_assert_eq(mknod(fixture_path("/etc/disk"), S_IFBLK | 0600, makedev(8, 0)), 0,
                 "%s", strerror(errno));
    cr_assert_eq(mkfifo(fixture_path("/etc/initctl"), 0600), 0);
    fixture_symlink("/etc/shadow", "/etc/shadow-link");
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s", fixture_path("/etc/s.sock"));
    cr_assert_eq(bind(sock, (struct sockaddr *)&address, sizeof address), 0, "%s", strerror(errno));
    close(sock);
    /* root made these itself in the data dir: a device node stays root's. */
    cr_assert_eq(mknod(fixture_path(V "/leo_storage/avs/null"), S_IFCHR | 0666, makedev(1, 3)), 0);
    protected_hardlinks(hardlinks_protected);
    static const char *const names[] = {"/etc/disk", "/etc/initctl", "/etc/shadow-link",
                                        "/etc/s.sock"};
    int made = 0;
    for (size_t i = 0; i < 4; i++) {
        char target[512];
        snprintf(target, sizeof target, "%s/l%zu", fixture_path(V "/leo_storage/avs"), i);
        made += tool_run_setpriv(LEOFS, "/usr/bin/ln", "-P", fixture_path(names[i]), target) == 0;
    }
    restore_hardlinks();
    cr_assert_eq(made, hardlinks_protected ? 0 : 4, "links made: %d", made);
    run();
    for (size_t i = 0; i < 4; i++)
        assert_owner(names[i], 0);
    assert_owner(V "/leo_storage/avs/null", 0);
    assert_logged("device nodes alone (e.g. ");
    if (!hardlinks_protected)
        assert_logged("hard-linked entries alone");
    cr_assert_eq(step->status, LU_STATUS_WARNING);
}

Test(trust, hard_linked_special_files_stay_roots_protected_hardlinks_off)
{
    special_files_in_avs(0);
}

Test(trust, hard_linked_special_files_stay_roots_protected_hardlinks_on)
{
    special_files_in_avs(1);
}

/* Another user's entries in a data dir stay that user's. */
Test(trust, other_users_entries_stay_theirs)
{
    fixture_write(V "/leo_storage/avs/alice/file", "alice's", 0644);
    fixture_chown(V "/leo_storage/avs/alice/file", 0, 0);
    fixture_chown(V "/leo_storage/avs/alice", STRANGER, STRANGER);
    fixture_write(V "/leo_storage/log/stranger.log", "x", 0644);
    fixture_chown(V "/leo_storage/log/stranger.log", STRANGER, STRANGER);
    run();
    assert_owner(V "/leo_storage/avs/alice", STRANGER);
    assert_owner(V "/leo_storage/avs/alice/file", 0); /* not entered: the user's tree */
    assert_owner(V "/leo_storage/log/stranger.log", STRANGER);
    assert_logged("entries of other users alone");
}

/* Class 7: the cost an attacker controls is capped, with a clear error. */
Test(trust, thousands_of_named_dirs_are_capped)
{
    size_t lines = 5000, size = lines * 40;
    char *text = malloc(size), *at = text;
    for (size_t i = 0; i < lines; i++)
        at += sprintf(at, "queue_dir = ./work/q%zu\n", i);
    fixture_mkdir(V "/leo_storage/etc/leo_storage.d", 0755);
    fixture_chown(V "/leo_storage/etc/leo_storage.d", LEOFS, LEOFS);
    runner_writes(V "/leo_storage/etc/leo_storage.d/10-many.conf", text);
    free(text);
    run();
    cr_assert_eq(step->status, LU_STATUS_FAILED);
    assert_logged("more than 4096 dirs are named in the config files");
    assert_owner(V "/leo_storage/avs/object/0.avs", LEOFS);
}

/* Class 8: terminal control through names: C1 and bidi controls are shown
 * as '?' in log lines. */
Test(trust, c1_and_bidi_controls_in_names_are_hidden)
{
    const char *name = V "/leo_storage/log/x\xc2\x9b" "2Jy\xe2\x80\xae" "z";
    fixture_write(name, "log", 0644);
    fixture_chown(name, STRANGER, STRANGER);
    run();
    assert_logged("/leo_storage/log/x?2Jy?z");
    cr_assert_not(fixture_log_has("\xc2\x9b"));
    cr_assert_not(fixture_log_has("\xe2\x80\xae"));
}

/* Legitimate: a pre-1.3.3 root-run install with custom data dirs, upgraded
 * to a 1.3.8 whose etc is leofs's: its dirs are given to leofs with no
 * action, confirmed by the old root-owned config the takeover read. */
Test(trust, pre_1_3_3_custom_data_dirs_are_given_to_leofs)
{
    fixture_leofs_install("1.3.2");
    fixture_write("/usr/local/leofs/1.3.2/leo_storage/etc/leo_storage.conf",
                  "obj_containers.path = [/mnt/avs1, /mnt/avs2]\nqueue_dir = /var/leofs/queue\n",
                  0644);
    fixture_write("/mnt/avs1/object/0.avs", "data", 0644);
    fixture_write("/mnt/avs2/object/0.avs", "data", 0644);
    fixture_write("/var/leofs/queue/q", "q", 0644);
    const char *argv[] = {LEOFS_UPGRADE_BIN, "--root", fixture_path(""), "--db", "none", "-v",
                          "post", "1.3.8", NULL};
    struct tool_result r;
    tool_run(argv, NULL, NULL, NULL, &r);
    cr_assert(r.exited && r.exit_status == 0, "exit %d: %s", r.exit_status, r.err);
    assert_owner("/mnt/avs1/object/0.avs", LEOFS);
    assert_owner("/mnt/avs2/object/0.avs", LEOFS);
    assert_owner("/var/leofs/queue/q", LEOFS);
    cr_assert_null(strstr(r.err, "data_dir ="), "no confirmation was asked for: %s", r.err);
    /* One summary line with counts (the per-dir lines are details). */
    const char *line = strstr(r.err, "ownership: 20 dirs, ");
    unsigned entries = 0;
    char end = 0;
    cr_assert(line && sscanf(line, "ownership: 20 dirs, %u entries given to leofs%c", &entries,
                             &end) == 2 && end == '\n' && entries > 20, "%s", r.err);
}

/* A dir a root-owned config names, under a dir the runner owns: a hard link
 * to a root-owned symlink planted there (protected_hardlinks off) would
 * lead the walk anywhere; it is refused. */
static void planted_link_under_a_trusted_name(int hardlinks_protected)
{
    fixture_chown(V "/leo_storage/etc", 0, 0);
    cr_assert_eq(chmod(fixture_path(V "/leo_storage/etc"), 0755), 0);
    fixture_write(V "/leo_storage/etc/leo_storage.conf", "queue_dir = ./work/spool/q\n", 0644);
    fixture_write("/var/lib/dpkg/q/status", "Package: bash\n", 0644);
    fixture_symlink("/var/lib/dpkg", "/etc/alternatives-link");
    protected_hardlinks(hardlinks_protected);
    int linked = tool_run_setpriv(LEOFS, "/usr/bin/ln", "-P", fixture_path("/etc/alternatives-link"),
                         fixture_path(V "/leo_storage/work/spool"));
    restore_hardlinks();
    cr_assert_eq(linked != 0, hardlinks_protected != 0, "ln exit %d", linked);
    run();
    assert_owner("/var/lib/dpkg/q/status", 0);
    assert_owner("/var/lib/dpkg/q", 0);
    if (!hardlinks_protected)
        assert_logged("a link there leads to /var/lib/dpkg/q");
}

Test(trust, planted_link_under_a_trusted_name_protected_hardlinks_off)
{
    planted_link_under_a_trusted_name(0);
}

Test(trust, planted_link_under_a_trusted_name_protected_hardlinks_on)
{
    planted_link_under_a_trusted_name(1);
}
