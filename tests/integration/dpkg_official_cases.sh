# dpkg_official_cases.sh: sourced by dpkg_test.sh. LeoFS's OFFICIAL package
# shape (tests/packages/make-official-deb.sh: no preinst, no conffiles in
# 1.3.7, 1.3.8's bash postinst under set -e) upgraded with plain dpkg -i
# and apt, with our package's dpkg pre-invoke hook. Each case runs in two
# ways. "chroot": dpkg --root=ROOT from the host, which chroots into the
# root for the maintainer scripts and triggers (no /proc there); it reads
# the host's /etc/dpkg/dpkg.cfg.d, so the hook line our package installed
# in the root is given with --pre-invoke (its program's path in the root).
# "chrootless": dpkg run inside the root as on a live system (chroot ROOT
# dpkg --force-script-chrootless, in a private mount namespace with /proc
# mounted): the scripts run unchrooted and dpkg reads the root's own
# dpkg.cfg.d. (dpkg --root with --force-script-chrootless is not used for
# these packages: the official scripts are not DPKG_ROOT-aware and would
# act on the host's /usr/local/leofs and accounts.) The root gets what a
# minimal system has for this: a static busybox shell and tools, bash,
# getent, dpkg, dpkg-deb, a harmless systemctl, /dev/null, /dev/urandom,
# and the libraries of these (with glibc's NSS files module) and of our helper.
# Uses $work, $hooks_deb, $stand_ins and case_lib.sh.

build_official_debs() {
    mkdir -p "$work/odebs"
    sh "$source/tests/packages/make-official-deb.sh" "$work/odebs" 1.3.7 >/dev/null &&
        sh "$source/tests/packages/make-official-deb.sh" "$work/odebs" 1.3.8 >/dev/null ||
        { echo "cannot build the official-shaped leofs debs"; exit 1; }
}
odeb() { echo "$work/odebs/leofs_$1-1_all.deb"; }

# Copy the libraries FILE loads (as the host has them) into the root.
copy_libraries_of() {
    local lib
    for lib in $(ldd "$1" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
        [[ -e $root$lib ]] || cp -L --parents "$lib" "$root"
    done
}
# Copy host programs and their libraries into the root.
copy_programs() {
    local program
    for program in "$@"; do
        cp -L --parents "$program" "$root"
        copy_libraries_of "$program"
    done
}

# What dpkg's chroot and the official scripts need in a root.
chroot_base() {
    mkdir -p "$root/bin" "$root/dev" "$root/tmp" "$root/usr/bin"
    # GNU tar for dpkg-deb; the rest of the tools from a static busybox.
    copy_programs /bin/bash /bin/tar /usr/bin/getent /usr/bin/dpkg /usr/bin/dpkg-deb \
        /usr/bin/dpkg-split /sbin/ldconfig
    # getent finds the accounts through NSS, whose files module glibc < 2.34
    # loads with dlopen (ldd does not list it): without it "getent group
    # leofs" finds nothing and the official postinst calls addgroup.
    local nss
    for nss in $(ldd /usr/bin/getent | awk '$3 ~ /\/libc\.so/ {sub("/[^/]*$", "", $3); print $3 "/libnss_files.so.2"}'); do
        [[ ! -e $nss ]] || cp -L --parents "$nss" "$root"
    done
    cp /bin/busybox "$root/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do
        case $applet in dpkg | dpkg-deb | rpm | busybox) continue ;; esac
        [[ -e $root/bin/$applet || -e $root/usr/bin/$applet || -e $root/sbin/$applet ]] ||
            ln -s busybox "$root/bin/$applet"
    done
    printf '#!/bin/sh\n# stand-in: no systemd runs in this root\nexit 0\n' >"$root/bin/systemctl"
    chmod 755 "$root/bin/systemctl"
    mknod -m 666 "$root/dev/null" c 1 3
    mknod -m 444 "$root/dev/urandom" c 1 9
}

# The root's pre-invoke hook line, its program's path in the root.
root_hook_line() {
    sed -n 's/^pre-invoke=//p' "$root/etc/dpkg/dpkg.cfg.d/leofs-upgrade-hooks" |
        sed "s|/usr/sbin/|$root/usr/sbin/|g"
}

# dpkg ARGS... on the root in $dpkg_mode; archive paths are host paths.
odpkg() {
    if [[ $dpkg_mode == chroot ]]; then
        local hook=()
        [[ ! -f $root/etc/dpkg/dpkg.cfg.d/leofs-upgrade-hooks ]] || hook=(--pre-invoke="$(root_hook_line)")
        dpkg --root="$root" --log="$root/var/log/dpkg.log" "${hook[@]}" "$@" >"$work/out" 2>&1
        return
    fi
    local args=() arg
    mkdir -p "$root/debs" "$root/proc"
    for arg in "$@"; do
        if [[ -f $arg ]]; then
            cp "$arg" "$root/debs/" && arg=/debs/$(basename "$arg")
        fi
        args+=("$arg")
    done
    # ${no_proc:-}: as dpkg run in a chroot nobody mounted /proc in.
    unshare --mount --propagation private -- sh -c '[ -n "$1" ] || mount -t proc proc "$0/proc" &&
        shift && exec chroot "$0" /usr/bin/dpkg --force-script-chrootless \
        --log=/var/log/dpkg.log "$@"' "$root" "${no_proc:-}" "${args[@]}" >"$work/out" 2>&1
}

# Our package, then official leofs 1.3.7, as an operator who ran 1.3.7 has it.
with_official_137() {
    mkdir -p "$root/var/log"
    chroot_base
    [[ -x $work/hooks-x/usr/sbin/leofs-dpkg-hook ]] || dpkg-deb -x "$hooks_deb" "$work/hooks-x"
    copy_libraries_of "$work/hooks-x/usr/sbin/leofs-dpkg-hook"
    # Our package (root-aware scripts) the same way in both modes.
    dpkg --root="$root" --log="$root/var/log/dpkg.log" -i "${stand_ins[@]}" "$hooks_deb" \
        >"$work/out" 2>&1 || fail "dpkg -i of our package: $(tail -3 "$work/out")" || return
    [[ -f $root/etc/dpkg/dpkg.cfg.d/leofs-upgrade-hooks ]] || fail "no dpkg pre-invoke hook installed" || return
    odpkg -i "$(odeb 1.3.7)" || fail "dpkg -i 1.3.7: $(tail -5 "$work/out")" || return
    [[ $(owner /usr/local/leofs/1.3.7/leo_storage/avs) == 990:990 ]] || fail "1.3.7's postinst did not run" || return
}

status_of_leofs() { dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version} ${Status}' leofs 2>/dev/null; }

# Nothing changed since $status_before / $log_before (set by remember_state).
remember_state() {
    status_before=$(md5sum <"$root/var/lib/dpkg/status")
    log_before=$(wc -l <"$root/var/log/dpkg.log")
}
nothing_changed() {
    [[ $(md5sum <"$root/var/lib/dpkg/status") == "$status_before" ]] || fail "the dpkg status changed" || return
    [[ $(wc -l <"$root/var/log/dpkg.log") == "$log_before" ]] || fail "dpkg ran: $(tail -2 "$root/var/log/dpkg.log")" || return
    if grep -q 'Preparing to unpack' "$work/out"; then fail "dpkg unpacked"; return 1; fi
    [[ $(status_of_leofs) == "1.3.7-1 install ok installed" && ! -e $root/usr/local/leofs/1.3.8 ]] ||
        fail "leofs changed: $(status_of_leofs)" || return
    grep -q '^log.log_level = 3$' "$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf" ||
        fail "1.3.7's edited config is not intact" || return
}

operator_edits_137() {
    local conf=$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf
    sed -i 's/^log.log_level = 1/log.log_level = 3/; s|^obj_containers.path = .*|obj_containers.path = [/srv/leofs/avs]|' "$conf"
    # As a 1.3.7 node running as leofs has it: the guide's chown -R was done.
    mkdir -p "$root/srv/leofs/avs/object" && echo data >"$root/srv/leofs/avs/object/0.avs"
    chown -R 990:990 "$root/srv/leofs"
    mkdir -p "$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.d"
    echo 'log.log_level = 2' >"$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.d/10-mine.conf"
}

ocase_edited_config_and_data_path_kept() {
    with_official_137 || return
    operator_edits_137
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    said "config-save: saved" || return
    said "Processing triggers for leofs-upgrade-hooks" || return
    # What the issue saw: dpkg deleted the edited file with 1.3.7's files.
    [[ ! -e $root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf ]] ||
        fail "dpkg kept 1.3.7's config: the package is not shaped like the official one" || return
    local conf=$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf
    grep -q '^log.log_level = 3$' "$conf" || fail "the edited log level is lost: $(grep log_level "$conf")" || return
    grep -q '^obj_containers.path = \[/srv/leofs/avs\]$' "$conf" || fail "data path: $(grep obj_ "$conf")" || return
    [[ $(owner /srv/leofs/avs) == 990:990 && $(owner /srv/leofs/avs/object/0.avs) == 990:990 ]] ||
        fail "the custom data path is not leofs's: $(owner /srv/leofs/avs)" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current not on 1.3.8" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/saved/1.3.7 ]] || fail "the save was not removed" || return
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
    [[ $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' leofs-upgrade-hooks) == "install ok installed" ]] ||
        fail "our package is left with its trigger pending" || return
}

# dpkg -i of the installed version (a repair, or apt install --reinstall):
# dpkg puts back the shipped copy of every file that is no conffile, so
# the edited config is saved first and put back by the trigger; the
# shipped one stays beside it. Again: nothing to do, nothing said.
ocase_reinstall_keeps_the_edited_config() {
    with_official_137 || return
    operator_edits_137
    local conf=$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf
    odpkg -i "$(odeb 1.3.7)" || fail "dpkg -i 1.3.7 again: $(tail -5 "$work/out")" || return
    said "config-save: saved" || return
    said "put back" || return
    grep -q '^log.log_level = 3$' "$conf" || fail "the edited log level is lost: $(grep log_level "$conf")" || return
    grep -q '^obj_containers.path = \[/srv/leofs/avs\]$' "$conf" || fail "data path: $(grep obj_ "$conf")" || return
    grep -q '^log.log_level = 1$' "$conf.leofs-dist" || fail "the shipped file is not kept beside it" || return
    grep -q '^log.log_level = 2$' "$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.d/10-mine.conf" ||
        fail "the drop-in changed" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/saved/1.3.7 ]] || fail "the save was not removed" || return
    [[ $(status_of_leofs) == "1.3.7-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
    odpkg -i "$(odeb 1.3.7)" || fail "dpkg -i 1.3.7 a third time: $(tail -5 "$work/out")" || return
    grep -q '^log.log_level = 3$' "$conf" || fail "the edit is lost on the second reinstall" || return
    if grep -q 'WARNING\|warning' "$work/out"; then fail "warnings: $(grep -i warning "$work/out" | head -3)"; return 1; fi
    # Then the upgrade still takes the edit over into 1.3.8.
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    grep -q '^log.log_level = 3$' "$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "the edit did not reach 1.3.8" || return
}

# The data in the node dirs (./avs, ./work/queue) follows the version,
# though dpkg deleted 1.3.7's configs (taken over from the save): 1.3.8's
# config stays relative and 1.3.7's dir may go; a downgrade brings it back.
ocase_data_in_the_node_dir_follows() {
    with_official_137 || return
    local v7=/usr/local/leofs/1.3.7/leo_storage v8=/usr/local/leofs/1.3.8/leo_storage
    sed -i 's/^log.log_level = 1/log.log_level = 3/' "$root$v7/etc/leo_storage.conf"
    mkdir -p "$root$v7/avs/object" "$root$v7/work/queue/1" &&
        echo data >"$root$v7/avs/object/0.avs" && echo queued >"$root$v7/work/queue/1/m0" &&
        chown -R 990:990 "$root$v7/avs" "$root$v7/work"
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    [[ ! -e $root$v7/etc/leo_storage.conf ]] || fail "dpkg kept 1.3.7's config" || return
    local conf=$root$v8/etc/leo_storage.conf
    grep -q '^log.log_level = 3$' "$conf" || fail "the edited log level is lost" || return
    grep -q '^obj_containers.path = \[./avs\]$' "$conf" || fail "data path: $(grep obj_ "$conf")" || return
    grep -q '^queue_dir = ./work/queue$' "$conf" || fail "queue_dir: $(grep queue_dir "$conf")" || return
    [[ -f $root$v8/avs/object/0.avs && -f $root$v8/work/queue/1/m0 ]] || fail "the data did not move" || return
    [[ $(owner $v8/avs/object/0.avs) == 990:990 && $(mode $v8/avs) == 2755 ]] ||
        fail "avs: $(owner $v8/avs) $(mode $v8/avs)" || return
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
    odpkg -i "$(odeb 1.3.7)" || fail "dpkg -i 1.3.7 (downgrade): $(tail -5 "$work/out")" || return
    [[ -f $root$v7/avs/object/0.avs && -f $root$v7/work/queue/1/m0 && ! -e $root$v8/avs/object ]] ||
        fail "the data did not come back into 1.3.7" || return
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8 again: $(tail -5 "$work/out")" || return
    rm -rf "$root/usr/local/leofs/1.3.7"
    [[ -f $root/usr/local/leofs/current/leo_storage/avs/object/0.avs &&
        -f $root/usr/local/leofs/current/leo_storage/work/queue/1/m0 ]] || fail "data lost" || return
}

ocase_registered_node_refuses() {
    with_official_137 || return
    operator_edits_137
    start_epmd || return
    start_node storage_0 || return
    remember_state
    if odpkg -i "$(odeb 1.3.8)"; then fail "dpkg -i with a running node went through"; return 1; fi
    said "LeoFS nodes are running" || return
    said "dpkg stops before it changes anything" || return
    nothing_changed || return
    stop_node storage_0
}

ocase_current_directory_refuses() {
    with_official_137 || return
    operator_edits_137
    rm -f "$root/usr/local/leofs/current"
    mkdir "$root/usr/local/leofs/current" && echo precious >"$root/usr/local/leofs/current/notes"
    remember_state
    if odpkg -i "$(odeb 1.3.8)"; then fail "dpkg -i over a current directory went through"; return 1; fi
    said "is a real directory" || return
    nothing_changed || return
    [[ $(cat "$root/usr/local/leofs/current/notes") == precious ]] || fail "data lost" || return
}

ocase_stale_epmd_stopped() {
    with_official_137 || return
    start_epmd || return
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    said "stopped stale epmd" || return
    if ERL_EPMD_PORT=$port epmd -names >/dev/null 2>&1; then fail "epmd still answers"; return 1; fi
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
}

ocase_unrelated_runs_and_removals_untouched() {
    with_official_137 || return
    # Both would refuse a LeoFS upgrade; neither is an unrelated run's business.
    rm -f "$root/usr/local/leofs/current" && mkdir "$root/usr/local/leofs/current"
    start_epmd || return
    start_node storage_0 || return
    mkdir -p "$work/other/DEBIAN"
    printf 'Package: other\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: other\n' \
        >"$work/other/DEBIAN/control"
    dpkg-deb -b "$work/other" "$work/other_1.0_all.deb" >/dev/null
    odpkg -i "$work/other_1.0_all.deb" || fail "dpkg -i other: $(tail -3 "$work/out")" || return
    if grep -q 'leofs-dpkg-hook' "$work/out"; then fail "the hook spoke: $(grep leofs-dpkg-hook "$work/out")"; return 1; fi
    odpkg -r other || fail "dpkg -r other: $(tail -3 "$work/out")" || return
    odpkg -r leofs || fail "dpkg -r leofs with a node running: $(tail -3 "$work/out")" || return
    [[ -z $(status_of_leofs | grep ' installed$') ]] || fail "leofs still installed: $(status_of_leofs)" || return
    stop_node storage_0
}

# A data path the ownership step must refuse (a system dir): the trigger
# fails loudly with the command to run, instead of a warning and exit 0.
ocase_data_left_to_root_fails_loudly() {
    with_official_137 || return
    sed -i 's|^obj_containers.path = .*|obj_containers.path = [/srv]|' \
        "$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf"
    mkdir -p "$root/srv"
    if odpkg -i "$(odeb 1.3.8)"; then fail "dpkg -i went through with data left to root"; return 1; fi
    said "refusing to change the owner of system directory /srv" || return
    said "were not given all their dirs (see above).*run: leofs-upgrade.* post 1.3.8" || return
    [[ $(owner /srv) == 0:0 ]] || fail "/srv was given away" || return
    local ours
    ours=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' leofs-upgrade-hooks)
    [[ $ours == *half-configured || $ours == *triggers-pending ]] || fail "our package is $ours" || return
    # The operator points the node at a dir of its own, in a file the runner
    # user can write: the hooks say which policy line confirms it; with it,
    # dpkg --configure -a finishes.
    sed -i 's|^obj_containers.path = .*|obj_containers.path = [/srv/leofs]|' \
        "$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf"
    mkdir -p "$root/srv/leofs"
    if odpkg --configure -a; then fail "an unconfirmed dir from the runner's file was given away"; return 1; fi
    said "add \`data_dir = /srv/leofs\` to /etc/leofs/upgrade.conf" || return
    [[ $(owner /srv/leofs) == 0:0 ]] || fail "/srv/leofs given away unconfirmed" || return
    mkdir -p "$root/etc/leofs" && echo 'data_dir = /srv/leofs' >>"$root/etc/leofs/upgrade.conf"
    odpkg --configure -a || fail "dpkg --configure -a: $(tail -3 "$work/out")" || return
    [[ $(owner /srv/leofs) == 990:990 && $(owner /srv) == 0:0 ]] || fail "owners after the fix: $(tail -3 "$work/out")" || return
    [[ $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' leofs-upgrade-hooks) == "install ok installed" ]] ||
        fail "our package is not configured after the fix" || return
}

# Without /proc the hook cannot tell what the run installs: it blocks
# nothing, says so, and saves the installed LeoFS's configs in case.
ocase_no_proc_fails_safe() {
    with_official_137 || return
    operator_edits_137
    no_proc=1 odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8 without /proc: $(tail -5 "$work/out")" || return
    said "cannot tell which archives this dpkg run installs (/proc is not mounted)" || return
    said "config-save: saved" || return
    grep -q '^log.log_level = 3$' "$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "the edited log level is lost" || return
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
}

# Our package removed (its dpkg.cfg.d file stays, a conffile): dpkg still works.
ocase_our_package_removed() {
    with_official_137 || return
    odpkg -r leofs-upgrade-hooks || fail "dpkg -r leofs-upgrade-hooks: $(tail -3 "$work/out")" || return
    [[ -f $root/etc/dpkg/dpkg.cfg.d/leofs-upgrade-hooks && ! -e $root/usr/sbin/leofs-dpkg-hook ]] ||
        fail "expected the hook line to stay without its program" || return
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8 after our removal: $(tail -3 "$work/out")" || return
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
}

# dpkg --root --force-script-chrootless itself (scripts on the host with
# DPKG_ROOT): only with packages whose scripts are root-aware, here none,
# and without conffiles as LeoFS 1.3.7's own (make-leofs-deb.sh with
# LEOFS_DEB_CONFFILES=no); the pre-invoke hook saves and refuses alike.
case_pre_invoke_with_root_aware_packages() {
    mkdir -p "$work/plain" "$root/var/log"
    LEOFS_DEB_CONFFILES=no sh "$source/tests/packages/make-leofs-deb.sh" "$work/plain" 1.3.7 >/dev/null &&
        LEOFS_DEB_CONFFILES=no sh "$source/tests/packages/make-leofs-deb.sh" "$work/plain" 1.3.8 >/dev/null ||
        fail "cannot build the test debs" || return
    dpkg_in -i "${stand_ins[@]}" "$hooks_deb" || fail "dpkg -i of our package: $(tail -3 "$work/out")" || return
    local hook
    hook=$(root_hook_line)
    dpkg_in --pre-invoke="$hook" -i "$work/plain/leofs_1.3.7-1_all.deb" || fail "dpkg -i 1.3.7: $(tail -3 "$work/out")" || return
    operator_edits_137
    start_epmd || return
    start_node storage_0 || return
    remember_state
    if dpkg_in --pre-invoke="$hook" -i "$work/plain/leofs_1.3.8-1_all.deb"; then
        fail "dpkg -i with a running node went through"
        return 1
    fi
    said "LeoFS nodes are running" || return
    nothing_changed || return
    stop_node storage_0
    dpkg_in --pre-invoke="$hook" -i "$work/plain/leofs_1.3.8-1_all.deb" || fail "dpkg -i 1.3.8: $(tail -3 "$work/out")" || return
    said "stopped stale epmd" || return
    [[ ! -e $root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf ]] || fail "dpkg kept the old config" || return
    grep -q '^log.log_level = 3$' "$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "the edited log level is lost" || return
    [[ $(owner /srv/leofs/avs/object/0.avs) == 990:990 ]] || fail "custom data not leofs's" || return
}

# apt with the root's apt snippet and its dpkg pre-invoke hook (as
# DPkg::Options, since dpkg reads the host's dpkg.cfg.d).
oapt() {
    local apt_script_mode=--no-debsig # not chrootless: dpkg chroots for the official scripts
    apt_in "$@" -o "DPkg::Options::=--pre-invoke=$(root_hook_line)"
}

ocase_apt_edited_config_kept_and_epmd_stopped() {
    with_official_137 || return
    operator_edits_137
    start_epmd || return
    cp "$(odeb 1.3.8)" "$work/debs/leofs_1.3.8-1_all.deb"
    oapt install ./leofs_1.3.8-1_all.deb || fail "apt-get install: $(tail -5 "$work/out")" || return
    said "epmd: dpkg's pre-invoke hook will: stop stale epmd" || return
    said "stopped stale epmd" || return
    if grep -q 'would:' "$work/out"; then fail "apt's hook says 'would': $(grep would: "$work/out")"; return 1; fi
    grep -q '^log.log_level = 3$' "$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "the edited log level is lost" || return
    [[ $(owner /srv/leofs/avs/object/0.avs) == 990:990 ]] || fail "custom data not leofs's" || return
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
}

ocase_apt_reinstall_keeps_the_edited_config() {
    with_official_137 || return
    operator_edits_137
    cp "$(odeb 1.3.7)" "$work/debs/leofs_1.3.7-1_all.deb"
    oapt install --reinstall ./leofs_1.3.7-1_all.deb || fail "apt-get install --reinstall: $(tail -5 "$work/out")" || return
    grep -q 'Unpacking leofs (1.3.7-1) over (1.3.7-1)' "$work/out" || fail "apt did not reinstall: $(tail -5 "$work/out")" || return
    said "put back" || return
    if grep -q 'WARNING\|warning' "$work/out"; then fail "warnings: $(grep -i warning "$work/out" | head -3)"; return 1; fi
    local conf=$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf
    grep -q '^log.log_level = 3$' "$conf" || fail "the edited log level is lost: $(grep log_level "$conf")" || return
    grep -q '^log.log_level = 1$' "$conf.leofs-dist" || fail "the shipped file is not kept beside it" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/saved/1.3.7 ]] || fail "the save was not removed" || return
    [[ $(status_of_leofs) == "1.3.7-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
}

run_official_cases() {
    build_official_debs
    for dpkg_mode in chroot chrootless; do
        run_case_as "$dpkg_mode" ocase_edited_config_and_data_path_kept
        run_case_as "$dpkg_mode" ocase_data_in_the_node_dir_follows
        run_case_as "$dpkg_mode" ocase_reinstall_keeps_the_edited_config
        run_case_as "$dpkg_mode" ocase_registered_node_refuses
        run_case_as "$dpkg_mode" ocase_current_directory_refuses
        run_case_as "$dpkg_mode" ocase_stale_epmd_stopped
        run_case_as "$dpkg_mode" ocase_unrelated_runs_and_removals_untouched
        run_case_as "$dpkg_mode" ocase_data_left_to_root_fails_loudly
        run_case_as "$dpkg_mode" ocase_our_package_removed
    done
    # apt drives dpkg --root from the host: dpkg chroots for the scripts.
    dpkg_mode=chroot run_case_as chroot ocase_apt_edited_config_kept_and_epmd_stopped
    dpkg_mode=chroot run_case_as chroot ocase_apt_reinstall_keeps_the_edited_config
    # Only dpkg running inside the root can lack /proc (hooks of dpkg --root run on the host).
    dpkg_mode=chrootless run_case_as chrootless ocase_no_proc_fails_safe
    run_case_as "--root --force-script-chrootless" case_pre_invoke_with_root_aware_packages
}

run_case_as() {
    local mode=$1
    shift
    case_name="$1 ($mode)"
    new_root
    if "$1"; then
        echo "ok - $case_name"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}
