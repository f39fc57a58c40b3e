#!/usr/bin/env bash
# rpm_trigger_test.sh: the triggers on leofs in our own package
# (spec/rpm-plugin-leofs.spec), the route where rpm loads no transaction
# plugin: rpm 4.11 (EL6, EL7: the package built with leofs_plugin 0, as
# rhel < 8 builds it) and rpm --noplugins. Real rpm into temporary roots
# that have a shell, the libraries leofs-upgrade needs, rpm's config and
# /dev/urandom, as an installed system has. Also with the plugin loaded
# too: the triggers stand aside, the work is done once.
# Usage: rpm_trigger_test.sh SOURCE_DIR. Prints "N passed, N failed".
set -uo pipefail
source=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/lu-rpmtrig-XXXXXX")
source "$source/tests/integration/case_lib.sh"

version=$(sed -n 's/^project(leofs-upgrade-hooks VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")
name=leofs-upgrade-hooks-$version
plugindir=$(rpm --eval '%{__plugindir}')
macrodir=$(rpm --eval '%{_rpmmacrodir}')

# Our package from the working tree, built both ways, and leofs packages
# shaped like LeoFS's own, without scriptlets (as LeoFS's are).
build_packages() {
    mkdir -p "$work/top/SOURCES" "$work/hooks" "$work/rpms"
    git -C "$source" ls-files -co --exclude-standard -z |
        tar -C "$source" --null -T - --transform "s|^|$name/|" -czf "$work/top/SOURCES/$name.tar.gz"
    local variant
    for variant in 1 0; do
        rpmbuild -ta --nodeps --define "_topdir $work/top" --define 'debug_package %{nil}' \
            --define "leofs_plugin $variant" "$work/top/SOURCES/$name.tar.gz" \
            >"$work/hooks-$variant.log" 2>&1 || { tail -30 "$work/hooks-$variant.log"; exit 1; }
        mv "$work"/top/RPMS/*/rpm-plugin-leofs-"$version"-*.rpm "$work/hooks/plugin-$variant.rpm"
    done
    # A later release of it, for its own upgrade.
    rpmbuild -ta --nodeps --define "_topdir $work/top" --define 'debug_package %{nil}' \
        --define "leofs_plugin 0" --define 'dist .2' "$work/top/SOURCES/$name.tar.gz" \
        >"$work/hooks-next.log" 2>&1 || { tail -30 "$work/hooks-next.log"; exit 1; }
    mv "$work"/top/RPMS/*/rpm-plugin-leofs-"$version"-*.rpm "$work/hooks/plugin-next.rpm"
    # The libraries each packaged leofs-upgrade needs.
    for variant in 0 1; do
        mkdir -p "$work/hooks/files-$variant"
        # (Through a file: see rpm_package_test.sh.)
        rpm2cpio "$work/hooks/plugin-$variant.rpm" >"$work/hooks/plugin-$variant.cpio" &&
            (cd "$work/hooks/files-$variant" && cpio -idm --quiet <"$work/hooks/plugin-$variant.cpio") ||
            { echo "rpm2cpio | cpio could not unpack plugin-$variant.rpm" >&2; exit 1; }
        ldd "$work/hooks/files-$variant/usr/sbin/leofs-upgrade" |
            awk '/=>/ {print $3} /^[ \t]*\// {print $1}' >"$work/hooks/libs-$variant"
    done
    local spec=$source/tests/packages/leofs-test.spec.in tree=$source/tests/packages/leofs-tree.sh v
    for v in 1.3.7 1.3.8; do
        rpmbuild -bb --quiet --define "_topdir $work/top" --define "ver $v" --define "tree $tree" \
            "$spec" >"$work/rpmbuild-$v.log" 2>&1 || { cat "$work/rpmbuild-$v.log"; exit 1; }
    done
    mv "$work"/top/RPMS/noarch/leofs-*.rpm "$work/rpms/"
}

# rpm into $root, output in $work/out. No plugin unless the caller loads
# one: rpm >= 4.20's unshare plugin, which Debian (as Fedora and EL10)
# enables for every transaction, is turned off, as the rpm 4.11 these
# cases stand for has no plugins (case_unshare_plugin_isolates_triggers
# runs with it). The root has /proc, as an installed system has (mounted
# in a mount namespace of this rpm alone: it goes when rpm exits).
with_proc() {
    unshare --mount --propagation private sh -c \
        'mkdir -p "$0/proc" && mount -t proc proc "$0/proc" && exec "$@"' "$root" "$@"
}
unshare_plugin=$(rpm --eval '%{?__transaction_unshare}')
# rpm >= 6.0 fails a package's install when a %triggerprein fails (the
# spec's triggerprein_refuses); before, it warns and goes on.
refuses=$(rpm --eval '%{lua: local v = rpm.expand("%{?rpmversion}"); print((v ~= "" and rpm.vercmp(v, "6.0") >= 0) and "yes" or "no")}')
rpm_in() { # with_unshare=yes rpm_in ...: with rpm's unshare plugin, if it has one
    local off=()
    [[ -z $unshare_plugin || ${with_unshare:-} == yes ]] || off=(--define '__transaction_unshare %{nil}')
    with_proc rpm --root "$root" --dbpath /var/lib/rpm "${off[@]}" "$@" >"$work/out" 2>&1
}
rpm_q() { rpm --root "$root" --dbpath /var/lib/rpm -q "$@" 2>/dev/null; }
pkg() { echo "$work/rpms/leofs-$1-1.noarch.rpm"; }
# With the plugin our package installed in the root, enabled by its macros file.
with_plugin() {
    rpm_in --load "$root$macrodir/macros.transaction_leofs" --define "__plugindir $root$plugindir" "$@"
}

# What an installed system has, for scriptlets (rpm runs them chrooted):
# a shell, /dev/urandom, rpm's config (leofs-upgrade reads the rpmdb), then
# our package (VARIANT 1: with the plugin, 0: as built for EL7) and the
# libraries its leofs-upgrade needs.
hooks_root() {
    mkdir -p "$root/bin" "$root/dev" "$root/etc/rpm" "$root/etc/leofs"
    cp /bin/busybox "$root/bin/sh"
    [[ -e $root/dev/urandom ]] || mknod -m 666 "$root/dev/urandom" c 1 9
    [[ -e $root/dev/null ]] || mknod -m 666 "$root/dev/null" c 1 3
    cp --parents /usr/lib/rpm/rpmrc /usr/lib/rpm/macros "$root"
    echo '%_dbpath /var/lib/rpm' >"$root/etc/rpm/macros"
    # Never the machine's epmd: a port nothing listens on (start_epmd
    # starts one there when a case wants it).
    echo "epmd_port = $(free_port)" >"$root/etc/leofs/upgrade.conf"
    local lib
    for lib in $(cat "$work/hooks/libs-$1"); do
        [[ -e $root$lib ]] || cp --parents -L "$lib" "$root"
    done
    rpm_in -i --nodeps --noplugins "$work/hooks/plugin-$1.rpm" || fail "install our package: $(tail -3 "$work/out")" || return
    ! grep -q 'WARNING\|scriptlet failed' "$work/out" || fail "installing it: $(grep -v Alien "$work/out" | head -5)" || return
    notes_gone
}

# The notes our package's scriptlets leave its triggers are gone after
# the transaction.
notes_gone() {
    [[ ! -e $root/var/lib/rpm-plugin-leofs/prein && ! -e $root/var/lib/rpm-plugin-leofs/in ]] ||
        fail "the scriptlets' notes were left: $(ls "$root/var/lib/rpm-plugin-leofs")"
}

# The state an old install leaves, as in rpm_test.sh's upgrade case: a
# root-owned cookie, the operator's setting, a node's data.
old_state() {
    printf 'OLDCOOKIE' >"$root/usr/local/leofs/.erlang.cookie"
    chown 0:0 "$root/usr/local/leofs/.erlang.cookie"
    chmod 644 "$root/usr/local/leofs/.erlang.cookie"
    sed -i 's/^log.log_level = 1/log.log_level = 3/' \
        "$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf"
    mkdir -p "$root/usr/local/leofs/1.3.7/leo_storage/avs/object" &&
        echo data >"$root/usr/local/leofs/1.3.7/leo_storage/avs/object/0.avs"
}

# The repairs of an upgrade to 1.3.8 were all made.
upgraded() {
    local new_conf=$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf
    [[ $(rpm_q leofs) == leofs-1.3.8-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current not on 1.3.8: $(grep -v Alien "$work/out" | head -5)" || return
    grep -q '^log.log_level = 3$' "$new_conf" || fail "the operator's setting was not taken over" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 && $(mode /usr/local/leofs/.erlang.cookie) == 400 ]] ||
        fail "cookie $(owner /usr/local/leofs/.erlang.cookie) $(mode /usr/local/leofs/.erlang.cookie)" || return
    [[ $(cat "$root/usr/local/leofs/.erlang.cookie") == OLDCOOKIE ]] || fail "cookie content" || return
    # The data followed the version (data-move step), the config stays relative.
    [[ $(owner /usr/local/leofs/1.3.8/leo_storage/avs/object/0.avs) == 990:990 ]] ||
        fail "the data moved into 1.3.8 is not there or not leofs's" || return
    [[ ! -e $root/usr/local/leofs/1.3.7/leo_storage/avs ]] || fail "1.3.7's avs is still there" || return
    grep -q '^obj_containers.path = \[./avs\]$' "$new_conf" ||
        fail "obj_containers.path: $(grep obj_ "$new_conf")" || return
    [[ $(owner /usr/local/leofs/1.3.8/leo_manager_0/work) == 990:990 ]] || fail "work owner" || return
    ! grep -q 'WARNING\|scriptlet failed' "$work/out" || fail "warnings: $(grep -v Alien "$work/out" | head -5)" || return
    # Brief: a line per step that changed something, no report of what did not.
    grep -q '^leofs\(-upgrade\)\{0,1\}: cookie: ' "$work/out" || fail "no line for the cookie: $(grep -v Alien "$work/out" | head -5)" || return
    ! grep -q 'unchanged\|^post: ' "$work/out" || fail "the trigger printed the whole report: $(grep -v Alien "$work/out" | head -5)"
}

# rpm --noplugins (any rpm): the upgrade's repairs come from the triggers.
case_noplugins_upgrade_repairs() {
    hooks_root 1 || return
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    old_state
    rpm_in -U --noplugins "$(pkg 1.3.8)" || fail "rpm -U: $(tail -3 "$work/out")" || return
    upgraded || return
    # A re-run of the repairs changes nothing: they were complete.
    with_proc chroot "$root" /usr/sbin/leofs-upgrade post >"$work/rerun" 2>&1 || fail "re-run: $(cat "$work/rerun")" || return
    ! grep -Eq '^[a-z-]+ +changed' "$work/rerun" || fail "a re-run changed: $(cat "$work/rerun")"
}

# Our package as built for EL7 (no plugin in it), rpm as it is.
case_el7_package_upgrade_repairs() {
    hooks_root 0 || return
    [[ ! -e $root$plugindir/leofs.so && ! -e $root$macrodir/macros.transaction_leofs ]] ||
        fail "the EL7 package ships the plugin" || return
    rpm_in -i "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    old_state
    rpm_in -U "$(pkg 1.3.8)" || fail "rpm -U: $(tail -3 "$work/out")" || return
    upgraded
}

# A LeoFS node registered with epmd: rpm cannot be stopped from a trigger,
# but the trigger says loudly that the transaction is unsafe.
case_unsafe_upgrade_warns() {
    hooks_root 0 || return
    rpm_in -i "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    start_epmd || return
    start_node leo_storage_0 || return
    local status=0
    rpm_in -U "$(pkg 1.3.8)" || status=$?
    said "this leofs transaction is NOT safe" || return
    said "leo_storage_0" || return
    said "triggerprein(rpm-plugin-leofs" || return
    if [[ $refuses == yes ]]; then  # rpm 6: refused, the old version stays
        [[ $status != 0 && $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] ||
            fail "rpm 6 installed it (exit $status): $(rpm_q leofs)" || return
        said "rpm does not install this leofs package" || return
    else  # rpm 4: a warning, and rpm goes on
        [[ $(rpm_q leofs) == leofs-1.3.8-1.noarch ]] || fail "rpm -U did not go on: $(rpm_q leofs)" || return
        said "rpm goes on with it" || return
    fi
    kill -0 "$node_pid" || fail "the LeoFS node was stopped" || return
    stop_node leo_storage_0
}

# A stale epmd (no node) is stopped before the new files go in.
case_stale_epmd_stopped() {
    hooks_root 0 || return
    rpm_in -i "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    start_epmd || return
    rpm_in -U "$(pkg 1.3.8)" || fail "rpm -U: $(tail -3 "$work/out")" || return
    for _ in $(seq 50); do ERL_EPMD_PORT=$port epmd -names >/dev/null 2>&1 || break; sleep 0.1; done
    ! ERL_EPMD_PORT=$port epmd -names >/dev/null 2>&1 || fail "epmd still runs on $port" || return
    said "stopped stale epmd"
}

# rpm >= 4.20 with its unshare plugin on (Debian's, Fedora's and EL10's
# default: scriptlets without network, with private /tmp and /home) and
# our package without the plugin: the triggers cannot ask epmd, and say so
# loudly; rpm 4.20 warns and the repairs that need no epmd are made, rpm 6
# does not install the package (the old version stays). (The plugin itself
# runs in rpm, outside that isolation.)
case_unshare_plugin_isolates_triggers() {
    [[ -n $unshare_plugin ]] || { echo "skip - this rpm has no unshare plugin (rpm < 4.20)"; return 0; }
    hooks_root 0 || return
    rpm_in -i "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    old_state
    start_epmd || return
    with_unshare=yes rpm_in -U "$(pkg 1.3.8)"
    said "cannot ask epmd on port $port" || return
    said "triggerprein(rpm-plugin-leofs" || return
    if [[ $refuses == yes ]]; then
        [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "rpm 6 installed it: $(rpm_q leofs)" || return
        return 0
    fi
    [[ $(rpm_q leofs) == leofs-1.3.8-1.noarch && $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] ||
        fail "the upgrade or its repairs did not happen: $(rpm_q leofs)" || return
    grep -q '^log.log_level = 3$' "$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "the operator's setting was not taken over"
}

# Plugin and triggers both there: the plugin does the work (its lines are
# "leofs: STEP: ..."), the triggers stand aside (no leofs-upgrade output).
case_plugin_and_triggers_work_once() {
    hooks_root 1 || return
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    old_state
    with_plugin -U "$(pkg 1.3.8)" || fail "rpm -U: $(tail -3 "$work/out")" || return
    upgraded || return
    said "leofs: cookie: owned by leofs, mode 0400" || return
    # The triggers' leofs-upgrade would print its report ("pre: ", "post: ") or log lines.
    ! grep -q '^leofs-upgrade\|^pre: \|^post: ' "$work/out" ||
        fail "the triggers ran too: $(grep '^leofs-upgrade\|^pre: \|^post: ' "$work/out" | head -3)"
}

# Installing our package where leofs is installed changes nothing: its own
# triggers (rpm runs them for the leofs already there) leave it alone.
case_installing_hooks_changes_nothing() {
    mkdir -p "$root/bin" && cp /bin/busybox "$root/bin/sh"
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    old_state
    hooks_root 0 || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 0:0 && ! -e $root/usr/local/leofs/current ]] ||
        fail "installing the hooks repaired: $(grep -v Alien "$work/out" | head -5)"
}

# Upgrading our package, with LeoFS installed and running, changes
# nothing and warns of nothing: its triggers know they come from it.
case_upgrading_hooks_changes_nothing() {
    hooks_root 0 || return
    rpm_in -i "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    old_state
    chown 0:0 "$root/usr/local/leofs/.erlang.cookie" && chmod 644 "$root/usr/local/leofs/.erlang.cookie"
    start_epmd || return
    start_node leo_storage_0 || return
    rpm_in -U --nodeps "$work/hooks/plugin-next.rpm" || fail "rpm -U: $(tail -3 "$work/out")" || return
    [[ $(rpm_q rpm-plugin-leofs) == rpm-plugin-leofs-$version-1.2.* ]] ||
        fail "rpm -q: $(rpm_q rpm-plugin-leofs)" || return
    ! grep -q 'WARNING\|scriptlet failed\|leofs-upgrade' "$work/out" ||
        fail "the hooks upgrade acted: $(grep -v Alien "$work/out" | head -5)" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 0:0 ]] || fail "the cookie was changed" || return
    kill -0 "$node_pid" || fail "the LeoFS node was stopped" || return
    notes_gone || return
    stop_node leo_storage_0
}

# rpm -i beside an installed version is not refused without the plugin or
# the leofs package's own pretrans fragment (README says so); the repairs
# wait until one version is left.
case_install_beside_repairs_after_erase() {
    hooks_root 0 || return
    rpm_in -i "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    old_state
    rpm_in -i "$(pkg 1.3.8)" || fail "rpm -i 1.3.8: $(tail -3 "$work/out")" || return
    [[ $(rpm_q leofs | wc -l) == 2 && $(owner /usr/local/leofs/.erlang.cookie) == 0:0 ]] ||
        fail "repairs ran with two versions installed" || return
    # The EL7 build's leofs-upgrade reads the rpmdb too (no plugin, same view).
    with_proc chroot "$root" /usr/sbin/leofs-upgrade check >"$work/out" 2>&1
    said "several leofs versions are installed" || return
    rpm_in -e leofs-1.3.7 || fail "rpm -e 1.3.7: $(tail -3 "$work/out")" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current not on 1.3.8" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 ]] || fail "cookie not repaired"
}

build_packages
run_case case_noplugins_upgrade_repairs
run_case case_el7_package_upgrade_repairs
run_case case_unsafe_upgrade_warns
run_case case_stale_epmd_stopped
run_case case_unshare_plugin_isolates_triggers
run_case case_plugin_and_triggers_work_once
run_case case_installing_hooks_changes_nothing
run_case case_upgrading_hooks_changes_nothing
run_case case_install_beside_repairs_after_erase
finish
