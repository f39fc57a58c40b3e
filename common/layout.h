/* layout.h: what a LeoFS install looks like inside a root: version dirs
 * under /usr/local/leofs, the four node dirs, where each node's config and
 * environment files are (version dir or /etc/leofs with GLOBAL_CONFIG=yes),
 * and which user runs each node (RUNNER_USER, else "leofs"). */
#ifndef LU_LAYOUT_H
#define LU_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LEOFS_HOME "/usr/local/leofs"
#define LEOFS_ETC "/etc/leofs"
#define LEOFS_GLOBAL_CONF "/etc/leofs/leofs.conf"
#define LEOFS_DEFAULT_USER "leofs"
#define LEOFS_NODE_COUNT 4

struct lu_policy;

/* A user resolved in the root's own account files. */
struct lu_account {
    char *user;
    char *group; /* NULL: the user's primary group */
    uid_t uid;
    gid_t gid;
    bool found;  /* false: lookup_error says why */
    char lookup_error[256];
};

struct lu_node {
    const char *dir;   /* "leo_manager_0", "leo_manager_1", "leo_storage", "leo_gateway" */
    const char *type;  /* "manager", "storage", "gateway" */
    bool present;      /* the node dir exists in the version dir */
    char *node_dir;    /* /usr/local/leofs/<ver>/<dir> */
    char *config_dir;  /* <node_dir>/etc, or /etc/leofs/<dir> with GLOBAL_CONFIG=yes */
    char *pipe_dir;    /* PIPE_DIR from the environment file, NULL when unset */
    bool pipe_dir_expands; /* PIPE_DIR uses shell expansion we do not evaluate */
    bool pipe_dir_trusted; /* from a file only root can write (trust.h) */
    char *pipe_dir_origin; /* "FILE:LINE (why it is not trusted)" */
    /* A RUNNER_USER that was not used (the safe default was) and why, with
     * the policy line that would confirm it; NULL when none. */
    char *runner_refused;
    struct lu_account runner;
};

struct lu_layout {
    char *version;      /* the version dir name, NULL when none */
    char *version_dir;  /* /usr/local/leofs/<version> */
    bool global_config; /* GLOBAL_CONFIG=yes in /etc/leofs/leofs.conf */
    struct lu_account runner; /* who owns shared things (the cookie) */
    struct lu_node nodes[LEOFS_NODE_COUNT];
    char **warnings;    /* things the steps should report, e.g. nodes disagreeing on users */
    size_t warning_count;
};

/* Load the layout for VERSION (NULL: the newest version dir, if any).
 * Returns 0, or -1 with a message in ERROR for a configuration error
 * (an environment file that cannot be read or parsed, a version that is
 * not installed). */
int layout_load(int root_fd, const char *version, const struct lu_policy *policy,
                struct lu_layout *layout, char *error, size_t error_size);
void layout_free(struct lu_layout *layout);

/* Version dirs under /usr/local/leofs, oldest first. Returns the count
 * (0 when there is no such dir) or -1 with errno. */
int layout_list_versions(int root_fd, char ***versions);
void layout_free_versions(char **versions, int count);

/* Open /usr/local/leofs in the root with FLAGS (a root-owned symlink in its
 * place is followed inside the root, as admins move it to bigger disks). */
int layout_open_home(int root_fd, int flags);

/* The node's main configuration file path, "<config_dir>/leo_<type>.conf". */
char *layout_node_config_path(const struct lu_node *node);

#endif
