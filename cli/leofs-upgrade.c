/* leofs-upgrade.c: the command for people and scriptlets. It runs the
 * core's phases (check, pre, post) for a root, reads the root's package
 * database for the "packages" step, prints the report as text or JSON on
 * stdout, and logs to stderr and syslog. The exit status is the outcome:
 * 0 done or safe, 1 refused, 2 usage or configuration error, 3 a step
 * failed. */
#define _GNU_SOURCE
#include "leofs/log_sink.h"
#include "leofs/upgrade.h"
#include "package_db.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PROGRAM "leofs-upgrade"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: " PROGRAM " [OPTION]... COMMAND [VERSION]\n"
            "Make a LeoFS package upgrade safe: the steps of LeoFS's migration guide.\n"
            "\n"
            "Commands:\n"
            "  check [VERSION]  change nothing; show what pre and post would do and whether\n"
            "                   the upgrade is safe\n"
            "  pre [VERSION]    before the package manager changes files: refuse an unsafe\n"
            "                   upgrade to VERSION, stop a stale epmd\n"
            "  post [VERSION]   after the new files are in place: data move, config\n"
            "                   takeover, current symlink, cookie, ownership, pipe dir,\n"
            "                   epmd socket\n"
            "                   (VERSION: the newest installed)\n"
            "  takeover         move each node's data and carry its settings from the old\n"
            "                   version dir to the new one (--from OLD, default the newest\n"
            "                   older; --to NEW, the newest)\n"
            "\n"
            "Options:\n"
            "  -r, --root DIR         work on the system installed in DIR (default /)\n"
            "  -n, --dry-run          report what would change, change nothing\n"
            "  -j, --json             print the report as one JSON document\n"
            "  -b, --brief            no report: a line to stderr per step that changed\n"
            "                         something, warnings and errors (for package scripts)\n"
            "  -p, --policy FILE      read this policy file instead of DIR/etc/leofs/upgrade.conf\n"
            "  -o, --old-version VER  the version being replaced, when known\n"
            "      --from VER, --to VER  the versions for takeover\n"
            "      --db rpm|dpkg|none|auto  the package database to read (default auto:\n"
            "                         every one the root has)\n"
            "      --progress         log progress to stderr during walks longer than a few\n"
            "                         seconds, with each step's line\n"
            "  -q, --quiet            log only errors to stderr (default: warnings and\n"
            "                         errors; the report on stdout says what changed)\n"
            "  -v, --verbose          also log each step and change to stderr; twice:\n"
            "                         debug lines too\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Exit status: 0 done or safe, 1 refused for safety, 2 usage or configuration\n"
            "error, 3 a step failed. See leofs-upgrade(8).\n");
}

static int usage_error(const char *format, const char *word)
{
    fprintf(stderr, PROGRAM ": ");
    fprintf(stderr, format, word);
    fprintf(stderr, " (see " PROGRAM " --help)\n");
    return LU_OUTCOME_CONFIG_ERROR;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"root", required_argument, NULL, 'r'},   {"dry-run", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},         {"policy", required_argument, NULL, 'p'},
        {"brief", no_argument, NULL, 'b'},
        {"old-version", required_argument, NULL, 'o'}, {"db", required_argument, NULL, 'd'},
        {"progress", no_argument, NULL, 'P'},     {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},     {NULL, 0, NULL, 0},
    };
    struct lu_request request = {.root = "/"};
    /* The report on stdout shows each step and change once: stderr adds
     * what the report cannot hold (warnings and errors in full). */
    struct lu_log_sink sink = {.prefix = PROGRAM, .stderr_level = LU_LOG_WARNING,
                               .use_syslog = true};
    const char *db_choice = "auto", *from = NULL, *to = NULL;
    bool json = false, brief = false, quiet = false;
    int verbose = 0;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:njbp:o:qvhV", options, NULL)) != -1) {
        switch (c) {
        case 'r': request.root = optarg; break;
        case 'n': request.dry_run = true; break;
        case 'j': json = true; break;
        case 'b': brief = true; break;
        case 'p': request.policy_path = optarg; break;
        case 'o': request.old_version = optarg; break;
        case 'd': db_choice = optarg; break;
        case 'P': request.progress = true; break;
        case 'q': quiet = true; break;
        case 'v': verbose++; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf(PROGRAM " " LEOFS_UPGRADE_VERSION "\n"); return 0;
        case 'F': from = optarg; break;
        case 'T': to = optarg; break;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "no command given: use check, pre, post or takeover");
    const char *command = argv[optind++];
    if (optind < argc)
        request.new_version = argv[optind++];
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (!*request.root)
        return usage_error("%s", "--root needs a directory");
    if (quiet && verbose)
        return usage_error("%s", "-q and -v go against each other: give one");
    if (brief && json)
        return usage_error("%s", "--brief prints no report, --json one: give one");
    if (quiet)
        sink.stderr_level = LU_LOG_ERROR;
    else if (verbose)
        sink.stderr_level = verbose > 1 ? LU_LOG_DEBUG : LU_LOG_DETAIL;
    else if (request.progress || brief)
        sink.stderr_level = LU_LOG_INFO; /* progress lines are info, as each step's line */
    const char *versions[] = {request.new_version, request.old_version, from, to};
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++)
        if (versions[i] && !lu_version_is_name(versions[i]))
            return usage_error("'%s' is not a LeoFS version (expected e.g. 1.3.8)", versions[i]);

    enum lu_outcome (*phase)(const struct lu_request *, struct lu_report **);
    if (strcmp(command, "check") == 0)
        phase = lu_run_check;
    else if (strcmp(command, "pre") == 0)
        phase = lu_run_pre;
    else if (strcmp(command, "post") == 0)
        phase = lu_run_post;
    else if (strcmp(command, "takeover") == 0)
        phase = NULL;
    else
        return usage_error("unknown command '%s': use check, pre, post or takeover", command);
    if ((from || to) && phase)
        return usage_error("%s", "--from and --to go with takeover");
    if (!phase && request.new_version)
        return usage_error("unexpected argument '%s': takeover takes --from and --to",
                           request.new_version);

    /* What changes nothing is not worth the system log. */
    sink.use_syslog = !request.dry_run && phase != lu_run_check;
    bool reads_packages = phase == lu_run_pre || phase == lu_run_check;
    if (sink.use_syslog)
        openlog(PROGRAM, LOG_PID, LOG_DAEMON);
    request.log = lu_log_to_sink;
    request.log_data = &sink;

    struct package_db db;
    char error[1024];
    if (package_db_read(request.root, reads_packages ? db_choice : "none", &db, error,
                        sizeof error) < 0) {
        fprintf(stderr, PROGRAM ": %s\n", error);
        return LU_OUTCOME_CONFIG_ERROR;
    }
    request.packages = db.packages;
    request.package_count = db.count;
    request.packages_known = db.name != NULL;
    request.remove_command = db.remove_command;
    /* The packages step compares what is installed with what this upgrade adds. */
    struct lu_package *with_new = NULL;
    if (db.name && request.new_version && phase != lu_run_post) {
        bool present = false;
        for (size_t i = 0; i < db.count; i++)
            present |= strcmp(db.packages[i].version, request.new_version) == 0;
        if (!present && (with_new = calloc(db.count + 1, sizeof *with_new))) {
            /* As an upgrade: the new version replaces what is installed. */
            for (size_t i = 0; i < db.count; i++) {
                with_new[i] = db.packages[i];
                if (db.count == 1)
                    with_new[i].state = LU_PACKAGE_REMOVED;
            }
            with_new[db.count] = (struct lu_package){
                .name = "leofs", .version = request.new_version, .state = LU_PACKAGE_ADDED};
            request.packages = with_new;
            request.package_count = db.count + 1;
        }
    }

    struct lu_report *report;
    enum lu_outcome outcome = phase ? phase(&request, &report)
                                    : lu_run_takeover(&request, from, to, &report);
    /* The version being replaced (or reinstalled) has its node configuration
     * saved: a package that marks it no config file (LeoFS's own rpm before
     * 1.3.3, its .debs) erases it, or writes the shipped copy over it. */
    const char *replaced = request.old_version;
    if (!replaced && db.name && db.count == 1)
        replaced = db.packages[0].version;
    if (phase == lu_run_pre && outcome == LU_OUTCOME_OK && !request.dry_run && replaced &&
        request.new_version)
        outcome = lu_run_save(&request, replaced, NULL);
    if (json)
        lu_report_write_json(report, stdout);
    else if (!brief) /* its steps' lines went to stderr */
        lu_report_write_text(report, stdout);
    lu_report_free(report);
    free(with_new);
    package_db_free(&db);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROGRAM ": cannot write the report to standard output\n");
        return LU_OUTCOME_FAILED;
    }
    return outcome;
}
