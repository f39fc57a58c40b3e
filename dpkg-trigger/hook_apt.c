/* hook_apt.c: leofs-dpkg-hook apt-hook, run by apt as a
 * DPkg::Pre-Install-Pkgs command (protocol version 3) before it starts
 * dpkg. When the transaction unpacks a LeoFS package, the core's pre phase
 * runs as a dry run over the whole transaction, so that apt stops with a
 * clear message instead of half an upgrade; dpkg's pre-invoke hook (and a
 * preinst of ours) then does the real thing when dpkg unpacks, which is
 * what the changes it lists say. Transactions without LeoFS cost reading apt's input. */
#define _GNU_SOURCE
#include "apt_hook_input.h"
#include "hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_LIMIT (64u << 20)

/* All of IN: apt writes the whole list and must not see a broken pipe. */
static char *read_all(FILE *in, size_t *length)
{
    size_t size = 1 << 16, used = 0;
    char *data = malloc(size);
    while (data) {
        used += fread(data + used, 1, size - used, in);
        if (used < size)
            break;
        if (size >= INPUT_LIMIT) {
            free(data);
            return NULL;
        }
        char *grown = realloc(data, size * 2);
        if (!grown)
            free(data);
        data = grown;
        size *= 2;
    }
    if (data && ferror(in)) {
        free(data);
        return NULL;
    }
    *length = used;
    return data;
}

/* The unpack of a LeoFS package in INPUT, or NULL. */
static const struct apt_action *leofs_unpack(const struct apt_hook_input *input, const char *names)
{
    const struct apt_action *found = NULL;
    for (size_t i = 0; i < input->action_count; i++) {
        const struct apt_action *action = &input->actions[i];
        if (action->kind == APT_ACTION_UNPACK && lu_package_name_in(names, action->name))
            found = action;
    }
    return found;
}

/* The whole transaction over the installed PACKAGES. */
static int apply_actions(const struct apt_hook_input *input, const char *names,
                         struct lu_package_list *packages, char *new_upstream, size_t size,
                         char *error, size_t error_size)
{
    char upstream[256];
    for (size_t i = 0; i < input->action_count; i++) {
        const struct apt_action *action = &input->actions[i];
        if (!lu_package_name_in(names, action->name))
            continue;
        if (action->kind == APT_ACTION_REMOVE) {
            for (size_t p = 0; p < packages->count; p++)
                if (strcmp(packages->items[p].name, action->name) == 0)
                    packages->items[p].state = LU_PACKAGE_REMOVED;
        } else if (action->kind == APT_ACTION_UNPACK) {
            if (hook_replace_package(packages, action->name, action->new_version, upstream,
                                     sizeof upstream, error, error_size) < 0)
                return -1;
            snprintf(new_upstream, size, "%s", upstream);
        }
    }
    return 0;
}

static int check_transaction(struct hook *hook, const struct apt_hook_input *input,
                             const char *names, const struct apt_action *unpack)
{
    struct lu_package_list packages = {0};
    char error[1024], new_upstream[256] = "", old_upstream[256] = "";
    if (dpkg_view_read(&hook->location, names, DPKG_VIEW_ON_DISK, &packages, error,
                       sizeof error) < 0 ||
        apply_actions(input, names, &packages, new_upstream, sizeof new_upstream, error,
                      sizeof error) < 0) {
        fprintf(stderr, HOOK_PROGRAM ": %s\n", error);
        lu_package_list_free(&packages);
        return LU_OUTCOME_CONFIG_ERROR;
    }
    if (unpack->old_version)
        dpkg_view_upstream(unpack->old_version, old_upstream, sizeof old_upstream);
    /* The checks are a dry run here; dpkg's pre-invoke hook makes the changes
     * (the epmd stop, the config save) when dpkg unpacks. */
    hook->dry_run_label = "dpkg's pre-invoke hook will: ";
    int status = hook_run_pre(hook, &packages, old_upstream, new_upstream, true);
    if (status != LU_OUTCOME_OK) {
        char root[4200];
        hook_log(hook, LU_LOG_ERROR,
                 "apt stops before dpkg changes anything: installing %s %s is not safe (%s); "
                 "fix what is said above and retry, or see what is wrong with: "
                 "leofs-upgrade%s check %s",
                 unpack->name, unpack->new_version ? unpack->new_version : "",
                 lu_outcome_name(status), hook_root_option(hook, root, sizeof root),
                 new_upstream);
    }
    lu_package_list_free(&packages);
    return status;
}

int hook_apt(struct hook *hook, FILE *in)
{
    size_t length = 0;
    char *text = read_all(in, &length);
    if (!text) {
        fprintf(stderr, HOOK_PROGRAM ": cannot read apt's hook input (more than %u MiB, or a "
                        "read error)\n", INPUT_LIMIT >> 20);
        return LU_OUTCOME_FAILED;
    }
    struct apt_hook_input input;
    char error[1024];
    int parsed = apt_hook_input_parse(text, length, &input, error, sizeof error);
    free(text);
    if (parsed < 0) {
        fprintf(stderr, HOOK_PROGRAM ": %s\n", error);
        return LU_OUTCOME_CONFIG_ERROR;
    }
    const char *names = hook->names;
    if (!hook->names_given && input.package_names && *input.package_names)
        names = input.package_names;
    int status = LU_OUTCOME_OK;
    const struct apt_action *unpack = leofs_unpack(&input, names);
    if (unpack) {
        /* The root and admin dir dpkg will use, unless given to us. */
        if (!hook->root_given && input.dpkg_root && *input.dpkg_root)
            hook->location.root = input.dpkg_root;
        if (!hook->admindir_given && input.dpkg_admindir && *input.dpkg_admindir)
            hook->location.admindir = input.dpkg_admindir;
        status = check_transaction(hook, &input, names, unpack);
    }
    apt_hook_input_free(&input);
    return status;
}
