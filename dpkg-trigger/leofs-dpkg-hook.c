/* leofs-dpkg-hook.c: the dpkg and apt side of leofs-upgrade-hooks. It runs
 * the upgrade core from dpkg's pre-invoke hook, a LeoFS package's preinst,
 * our package's file trigger on /usr/local/leofs and apt's
 * DPkg::Pre-Install-Pkgs, and
 * reads the dpkg status database of the root it runs for (DPKG_ROOT and
 * DPKG_ADMINDIR as dpkg sets them for maintainer scripts, or options).
 * Exit status 0: done or safe; anything else stops dpkg or apt. */
#define _GNU_SOURCE
#include "hook.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: " HOOK_PROGRAM " [OPTION]... preinst ACTION [OLD-VERSION [NEW-VERSION]]\n"
            "       " HOOK_PROGRAM " [OPTION]... trigger [TRIGGER]...\n"
            "       " HOOK_PROGRAM " [OPTION]... apt-hook < apt's version 3 hook input\n"
            "       " HOOK_PROGRAM " [OPTION]... pre-invoke\n"
            "Make dpkg and apt upgrades of LeoFS safe (see leofs-dpkg-hook(8)).\n"
            "\n"
            "  preinst   from a LeoFS package's preinst with its arguments: refuse an unsafe\n"
            "            upgrade before dpkg unpacks, stop a stale epmd\n"
            "  trigger   from the postinst on the /usr/local/leofs trigger: the repairs after\n"
            "            the new files are in place (current symlink, cookie, ownership...)\n"
            "  apt-hook  from apt's DPkg::Pre-Install-Pkgs: check the whole transaction\n"
            "  pre-invoke  from dpkg's pre-invoke hook: for a run that installs LeoFS,\n"
            "            refuse an unsafe upgrade, stop a stale epmd, save the old configs\n"
            "\n"
            "Options:\n"
            "  -r, --root DIR       the root dpkg works on (default: DPKG_ROOT, else /)\n"
            "  -a, --admindir DIR   dpkg's database dir (default: DPKG_ADMINDIR, else\n"
            "                       ROOT/var/lib/dpkg)\n"
            "  -P, --packages LIST  package names that count as LeoFS (default \"leofs\")\n"
            "  -p, --package NAME   the package whose preinst this is (default:\n"
            "                       DPKG_MAINTSCRIPT_PACKAGE)\n"
            "  -q, --quiet          log only warnings and errors\n"
            "  -v, --verbose        also log each change; twice: debug lines too\n"
            "  -h, --help           show this help\n"
            "  -V, --version        show the version\n");
}

void hook_log(struct hook *hook, enum lu_level level, const char *format, ...)
{
    char line[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    lu_log_to_sink(&hook->sink, level, line);
}

struct lu_request hook_request(struct hook *hook)
{
    struct lu_request request = {
        .root = hook->location.root,
        .remove_command = "dpkg --purge",
        .progress = isatty(STDERR_FILENO), /* dpkg's or apt's output is someone's terminal */
        .log = lu_log_to_sink,
        .log_data = &hook->sink,
        .dry_run_label = hook->dry_run_label,
    };
    return request;
}

const char *hook_root_option(const struct hook *hook, char *buffer, size_t size)
{
    if (strcmp(hook->location.root, "/") == 0)
        return "";
    snprintf(buffer, size, " --root %s", hook->location.root);
    return buffer;
}

static const char *non_empty(const char *value)
{
    return value && *value ? value : NULL;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"root", required_argument, NULL, 'r'},    {"admindir", required_argument, NULL, 'a'},
        {"packages", required_argument, NULL, 'P'}, {"package", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},         {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct hook hook = {
        .location = {.root = non_empty(getenv("DPKG_ROOT")),
                     .admindir = non_empty(getenv("DPKG_ADMINDIR"))},
        .names = LU_DEFAULT_PACKAGE_NAMES,
        .package = non_empty(getenv("DPKG_MAINTSCRIPT_PACKAGE")),
        .sink = {.prefix = HOOK_PROGRAM, .stderr_level = LU_LOG_INFO, .use_syslog = true},
    };
    int c;
    opterr = 0;
    /* "+": stop at the mode, so that maintainer script arguments pass as they are. */
    while ((c = getopt_long(argc, argv, "+r:a:P:p:qvhV", options, NULL)) != -1) {
        switch (c) {
        case 'r': hook.location.root = optarg; break;
        case 'a': hook.location.admindir = optarg; break;
        case 'P': hook.names = optarg; hook.names_given = true; break;
        case 'p': hook.package = optarg; break;
        case 'q': hook.sink.stderr_level = LU_LOG_WARNING; break;
        case 'v':
            hook.sink.stderr_level = hook.sink.stderr_level == LU_LOG_DETAIL ? LU_LOG_DEBUG
                                                                            : LU_LOG_DETAIL;
            break;
        case 'h': usage(stdout); return 0;
        case 'V': printf(HOOK_PROGRAM " " LEOFS_UPGRADE_VERSION "\n"); return 0;
        default:
            fprintf(stderr, HOOK_PROGRAM ": unknown or incomplete option '%s' (see " HOOK_PROGRAM
                            " --help)\n", argv[optind - 1]);
            return LU_OUTCOME_CONFIG_ERROR;
        }
    }
    hook.root_given = hook.location.root != NULL;
    hook.admindir_given = hook.location.admindir != NULL;
    if (!hook.location.root)
        hook.location.root = "/";
    if (optind >= argc) {
        fprintf(stderr, HOOK_PROGRAM ": no mode given: use preinst, trigger, apt-hook or pre-invoke (see "
                        HOOK_PROGRAM " --help)\n");
        return LU_OUTCOME_CONFIG_ERROR;
    }
    const char *mode = argv[optind++];
    if (strcmp(mode, "apt-hook") == 0) {
        hook.sink.use_syslog = false; /* it changes nothing */
        return hook_apt(&hook, stdin);
    }
    openlog(HOOK_PROGRAM, LOG_PID, LOG_DAEMON);
    if (strcmp(mode, "preinst") == 0)
        return hook_preinst(&hook, argc - optind, argv + optind);
    if (strcmp(mode, "trigger") == 0)
        return hook_trigger(&hook);
    if (strcmp(mode, "pre-invoke") == 0)
        return hook_pre_invoke(&hook);
    fprintf(stderr, HOOK_PROGRAM ": unknown mode '%s': use preinst, trigger, apt-hook or pre-invoke\n", mode);
    return LU_OUTCOME_CONFIG_ERROR;
}
