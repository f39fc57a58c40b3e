/* fixture.c: temporary LeoFS-shaped roots for the tests (see fixture.h). */
#include "fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[4096];
static struct lu_report *last_report;
static char *log_text;
static size_t log_length;
static bool proc_hidden; /* by fixture_hide_proc */

const char *fixture_root(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/lu-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(root), "mkdtemp: %s", strerror(errno));
    cr_assert(chmod(root, 0755) == 0);
    free(log_text);
    log_text = NULL;
    log_length = 0;
    return root;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type == FTW_DP)
        chmod(path, 0700);
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int unlock_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type == FTW_D || type == FTW_DNR)
        chmod(path, (st->st_mode & 07777) | 0700);
    return 0;
}

void fixture_cleanup(void)
{
    /* LeakSanitizer reads /proc when the test process ends. */
    if (proc_hidden && umount2("/proc", MNT_DETACH) == 0)
        proc_hidden = false;
    lu_report_free(last_report);
    last_report = NULL;
    if (!root[0])
        return;
    nftw(root, unlock_entry, 64, FTW_PHYS);
    nftw(root, remove_entry, 64, FTW_PHYS | FTW_DEPTH);
    root[0] = '\0';
}

void fixture_hide_proc(void)
{
    proc_hidden = true;
    cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "%s", strerror(errno));
    cr_assert_eq(mount("none", "/proc", "tmpfs", 0, "mode=0755"), 0, "%s", strerror(errno));
    cr_assert(access("/proc/self/fd", F_OK) < 0, "/proc is still there");
}

const char *fixture_path(const char *path)
{
    static char buffers[8][4200];
    static unsigned next;
    char *buffer = buffers[next++ % 8];
    snprintf(buffer, sizeof buffers[0], "%s%s", root, path);
    return buffer;
}

void fixture_mkdir(const char *path, mode_t mode)
{
    char buffer[4200];
    snprintf(buffer, sizeof buffer, "%s", fixture_path(path));
    for (char *p = buffer + strlen(root) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buffer, 0755) < 0)
            cr_assert(errno == EEXIST, "mkdir %s: %s", buffer, strerror(errno));
        *p = '/';
    }
    if (mkdir(buffer, mode) < 0)
        cr_assert(errno == EEXIST, "mkdir %s: %s", buffer, strerror(errno));
    cr_assert(chmod(buffer, mode) == 0 || errno == ELOOP);
}

static void make_parent(const char *path)
{
    char *copy = strdup(path);
    char *slash = strrchr(copy, '/');
    if (slash && slash != copy) {
        *slash = '\0';
        fixture_mkdir(copy, 0755);
    }
    free(copy);
}

void fixture_write(const char *path, const char *content, mode_t mode)
{
    make_parent(path);
    int fd = open(fixture_path(path), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
    cr_assert(fd >= 0, "create %s: %s", path, strerror(errno));
    size_t length = strlen(content);
    cr_assert(write(fd, content, length) == (ssize_t)length);
    cr_assert(fchmod(fd, mode) == 0);
    close(fd);
}

void fixture_symlink(const char *target, const char *path)
{
    make_parent(path);
    cr_assert(symlink(target, fixture_path(path)) == 0, "symlink %s: %s", path, strerror(errno));
}

void fixture_chown(const char *path, uid_t uid, gid_t gid)
{
    cr_assert(lchown(fixture_path(path), uid, gid) == 0, "lchown %s: %s", path, strerror(errno));
}

bool fixture_exists(const char *path)
{
    struct stat st;
    return lstat(fixture_path(path), &st) == 0;
}

char *fixture_read(const char *path)
{
    int fd = open(fixture_path(path), O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    char *buffer = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buffer, &size);
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        fwrite(chunk, 1, (size_t)n, out);
    fclose(out);
    close(fd);
    return buffer;
}

void fixture_stat(const char *path, uid_t *uid, gid_t *gid, mode_t *mode)
{
    struct stat st;
    cr_assert(lstat(fixture_path(path), &st) == 0, "lstat %s: %s", path, strerror(errno));
    if (uid)
        *uid = st.st_uid;
    if (gid)
        *gid = st.st_gid;
    if (mode)
        *mode = st.st_mode;
}

void fixture_accounts(void)
{
    fixture_write("/etc/passwd",
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "leofs:x:990:990:LeoFS:/usr/local/leofs:/sbin/nologin\n"
                  "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n",
                  0644);
    fixture_write("/etc/group", "root:x:0:\nleofs:x:990:\nalice:x:1000:\n", 0644);
}

static const char *const manager_conf =
    "## LeoFS manager configuration (defaults)\n"
    "sasl.sasl_error_log = ./log/sasl/sasl-error.log\n"
    "sasl.error_logger_mf_dir = ./log/sasl\n"
    "manager.partner = manager_1@127.0.0.1\n"
    "mnesia.dir = ./work/mnesia/127.0.0.1\n"
    "log.log_level = 1\n"
    "log.erlang = ./log/erlang\n"
    "log.app = ./log/app\n"
    "log.member_dir = ./log/ring\n"
    "log.ring_dir = ./log/ring\n"
    "queue_dir = ./work/queue\n"
    "erlang.crash_dump = ./log/erl_crash.dump\n"
    "nodename = manager_0@127.0.0.1\n"
    "distributed_cookie = 401321b4\n";

static const char *const storage_conf =
    "## LeoFS storage configuration (defaults)\n"
    "sasl.sasl_error_log = ./log/sasl/sasl-error.log\n"
    "sasl.error_logger_mf_dir = ./log/sasl\n"
    "managers = [manager_0@127.0.0.1, manager_1@127.0.0.1]\n"
    "obj_containers.path = [./avs]\n"
    "obj_containers.num_of_containers = [8]\n"
    "log.log_level = 1\n"
    "log.erlang = ./log/erlang\n"
    "log.app = ./log/app\n"
    "log.member_dir = ./log/ring\n"
    "log.ring_dir = ./log/ring\n"
    "queue_dir = ./work/queue\n"
    "leo_ordning_reda.temp_stacked_dir = work/ord_reda/\n"
    "erlang.crash_dump = ./log/erl_crash.dump\n"
    "nodename = storage_0@127.0.0.1\n"
    "distributed_cookie = 401321b4\n";

static const char *const gateway_conf =
    "## LeoFS gateway configuration (defaults)\n"
    "sasl.sasl_error_log = ./log/sasl/sasl-error.log\n"
    "sasl.error_logger_mf_dir = ./log/sasl\n"
    "managers = [manager_0@127.0.0.1, manager_1@127.0.0.1]\n"
    "protocol = s3\n"
    "http.port = 8080\n"
    "cache.cache_disc_dir_data = ./cache/data\n"
    "cache.cache_disc_dir_journal = ./cache/journal\n"
    "log.log_level = 1\n"
    "log.erlang = ./log/erlang\n"
    "log.app = ./log/app\n"
    "log.member_dir = ./log/ring\n"
    "log.ring_dir = ./log/ring\n"
    "queue_dir = ./work/queue\n"
    "erlang.crash_dump = ./log/erl_crash.dump\n"
    "nodename = gateway_0@127.0.0.1\n"
    "distributed_cookie = 401321b4\n";

static void install(const char *version, bool with_data)
{
    static const struct {
        const char *dir, *type, *conf, *agent;
    } nodes[] = {
        {"leo_manager_0", "manager", NULL, "snmpa_manager_0"},
        {"leo_manager_1", "manager", NULL, "snmpa_manager_1"},
        {"leo_storage", "storage", NULL, "snmpa_storage_0"},
        {"leo_gateway", "gateway", NULL, "snmpa_gateway_0"},
    };
    char path[256], name[512];
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        const char *conf = strcmp(nodes[i].type, "manager") == 0   ? manager_conf
                           : strcmp(nodes[i].type, "storage") == 0 ? storage_conf
                                                                   : gateway_conf;
        snprintf(path, sizeof path, "/usr/local/leofs/%s/%s", version, nodes[i].dir);
        snprintf(name, sizeof name, "%s/etc/leo_%s.conf", path, nodes[i].type);
        if (i == 1) {
            char *copy = strdup(conf);
            char *at = strstr(copy, "manager_0@127.0.0.1\ndistributed");
            if (at)
                memcpy(at, "manager_1", 9);
            fixture_write(name, copy, 0644);
            free(copy);
        } else {
            fixture_write(name, conf, 0644);
        }
        snprintf(name, sizeof name, "%s/etc/leo_%s.environment", path, nodes[i].type);
        fixture_write(name,
                      "## Environment of the launch script\n"
                      "RUNNER_USER=\n"
                      "#RUNNER_ETC_DIR=\n"
                      "MAX_OPEN_FILES=ulimit\n",
                      0644);
        snprintf(name, sizeof name, "%s/bin/leo_%s", path, nodes[i].type);
        fixture_write(name, "#!/bin/sh\n# launch script\n", 0755);
        snprintf(name, sizeof name, "%s/log/app/info", path);
        fixture_write(name, "started\n", 0644);
        snprintf(name, sizeof name, "%s/log/erlang/erlang.log.1", path);
        fixture_write(name, "=INFO REPORT=\n", 0644);
        snprintf(name, sizeof name, "%s/work", path);
        fixture_mkdir(name, 0755);
        snprintf(name, sizeof name, "%s/snmp/%s/db", path, nodes[i].agent);
        fixture_mkdir(name, 0755);
        if (with_data) {
            snprintf(name, sizeof name, "%s/work/queue/1/message0", path);
            fixture_write(name, "queued\n", 0644);
            snprintf(name, sizeof name, "%s/snmp/%s/db/snmp_config_db", path, nodes[i].agent);
            fixture_write(name, "snmp\n", 0644);
        }
        snprintf(name, sizeof name, "%s/snmp/%s/LEO-PSMIB.bin", path, nodes[i].agent);
        fixture_write(name, "mib\n", 0644);
    }
    snprintf(path, sizeof path, "/usr/local/leofs/%s/leo_storage/avs", version);
    fixture_mkdir(path, 0755);
    snprintf(path, sizeof path, "/usr/local/leofs/%s/leo_gateway/cache", version);
    fixture_mkdir(path, 0755);
    snprintf(path, sizeof path, "/usr/local/leofs/%s/leofs-adm", version);
    fixture_write(path, "#!/bin/sh\n", 0755);
    if (!with_data)
        return;
    snprintf(path, sizeof path, "/usr/local/leofs/%s/leo_storage/avs/object/0.avs", version);
    fixture_write(path, "object data", 0644);
    snprintf(path, sizeof path, "/usr/local/leofs/%s/leo_storage/avs/metadata/0/000001.log",
             version);
    fixture_write(path, "metadata", 0644);
    snprintf(path, sizeof path, "/usr/local/leofs/%s/leo_gateway/cache/data/0", version);
    fixture_write(path, "cached", 0644);
}

void fixture_leofs_install(const char *version)
{
    install(version, true);
}

void fixture_leofs_ship(const char *version)
{
    install(version, false);
}

static void capture(void *data, enum lu_level level, const char *line)
{
    (void)data;
    static const char *const names[] = {"debug", "detail", "info", "warning", "error"};
    size_t add = strlen(line) + 16;
    log_text = realloc(log_text, log_length + add);
    cr_assert(log_text);
    log_length += (size_t)sprintf(log_text + log_length, "%s: %s\n", names[level], line);
}

struct lu_request fixture_request(void)
{
    struct lu_request request = {
        .root = root,
        .log = capture,
    };
    return request;
}

const struct lu_step_report *fixture_run(enum lu_outcome (*phase)(const struct lu_request *,
                                                                  struct lu_report **),
                                         const char *version, bool dry_run, const char *step,
                                         enum lu_outcome *outcome)
{
    struct lu_request request = fixture_request();
    request.new_version = version;
    request.dry_run = dry_run;
    lu_report_free(last_report);
    enum lu_outcome result = phase(&request, &last_report);
    if (outcome)
        *outcome = result;
    return lu_report_find(last_report, step);
}

const char *fixture_log(void)
{
    return log_text ? log_text : "";
}

bool fixture_log_has(const char *needle)
{
    return strstr(fixture_log(), needle) != NULL;
}
