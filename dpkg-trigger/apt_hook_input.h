/* apt_hook_input.h: what apt writes to a DPkg::Pre-Install-Pkgs hook that
 * asked for protocol version 3: a "VERSION 3" line, apt's configuration as
 * "Key::Sub=value" lines (values %-encoded), a blank line, then one line per
 * package action: "name oldver oldarch oldMA dir newver newarch newMA
 * action", where a missing version is "- - none" and action is the .deb
 * path, **CONFIGURE** or **REMOVE**. See apt.conf(5). Pure parsing: no
 * file or database is read here. */
#ifndef LEOFS_APT_HOOK_INPUT_H
#define LEOFS_APT_HOOK_INPUT_H

#include <stddef.h>

enum apt_action_kind {
    APT_ACTION_UNPACK,    /* the .deb is unpacked: NEW version goes in */
    APT_ACTION_CONFIGURE, /* an unpacked package is configured */
    APT_ACTION_REMOVE,    /* the package is removed */
};

struct apt_action {
    char *name;
    char *old_version; /* NULL: not installed before */
    char *new_version; /* NULL: none (removal) */
    char *deb;         /* the .deb path of an unpack, else NULL */
    enum apt_action_kind kind;
};

struct apt_hook_input {
    /* From DPkg::Options (--root, --instdir, --admindir), the last one
     * given as dpkg would take it; NULL when not given. */
    char *dpkg_root;
    char *dpkg_admindir;
    char *package_names; /* LeoFS::Upgrade::Packages, NULL when not set */
    struct apt_action *actions;
    size_t action_count;
};

/* Parse TEXT (LENGTH bytes, need not end in a newline). -1 with a
 * one-line message in ERROR when it is not protocol version 3 input. */
int apt_hook_input_parse(const char *text, size_t length, struct apt_hook_input *input,
                         char *error, size_t error_size);
void apt_hook_input_free(struct apt_hook_input *input);

#endif
