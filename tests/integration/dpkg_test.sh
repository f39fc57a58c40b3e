#!/usr/bin/env bash
# dpkg_test.sh: our Debian package and its hooks in real dpkg and apt
# transactions into temporary roots. Usage: dpkg_test.sh SOURCE_DIR
# Builds leofs-upgrade-hooks with dpkg-buildpackage from the working tree
# and checks it with lintian, builds leofs test debs (1.3.7 as old LeoFS
# releases were, 1.3.8 with our scriptlets/ fragments), installs our
# package into each root with dpkg --root --force-script-chrootless, then
# upgrades with dpkg -i and with apt. Prints "N passed, N failed".
set -uo pipefail
source=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/lu-dpkg-XXXXXX")
source "$source/tests/integration/case_lib.sh"
source "$source/tests/integration/dpkg_official_cases.sh"

# Our package, built from the working tree as it is (tracked and new files).
build_our_package() {
    mkdir -p "$work/src"
    git -C "$source" ls-files -co --exclude-standard -z |
        tar -C "$source" --null -T - -cf - | tar -C "$work/src" -xf -
    (cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
        { tail -30 "$work/build.log"; exit 1; }
    hooks_deb=$(ls "$work"/leofs-upgrade-hooks_*_*.deb | grep -v dbgsym)
}

# Empty packages standing in for the base system our package depends on.
build_base_stand_ins() {
    mapfile -t stand_ins < <(sh "$source/tests/packages/make-stand-ins.sh" "$work" "$hooks_deb") ||
        { echo "cannot build the stand-in packages"; exit 1; }
}

build_leofs_debs() {
    mkdir -p "$work/debs"
    sh "$source/tests/packages/make-leofs-deb.sh" "$work/debs" 1.3.7 >/dev/null &&
        sh "$source/tests/packages/make-leofs-deb.sh" "$work/debs" 1.3.8 "$source/scriptlets" >/dev/null ||
        { echo "cannot build the leofs test debs"; exit 1; }
}
deb() { echo "$work/debs/leofs_$1-1_all.deb"; }

dpkg_in() {
    dpkg --root="$root" --force-script-chrootless --log="$root/var/log/dpkg.log" "$@" >"$work/out" 2>&1
}
installed_version() { dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version} ${Status}' leofs 2>/dev/null; }

# A root with our package and leofs 1.3.7, as an operator who ran 1.3.7 has it.
with_137() {
    mkdir -p "$root/var/log"
    dpkg_in -i "${stand_ins[@]}" "$hooks_deb" || fail "dpkg -i of our package: $(tail -3 "$work/out")" || return
    dpkg_in -i "$(deb 1.3.7)" || fail "dpkg -i 1.3.7: $(tail -3 "$work/out")" || return
    printf 'OLDCOOKIE' >"$root/usr/local/leofs/.erlang.cookie"
    chmod 644 "$root/usr/local/leofs/.erlang.cookie"
}

# The trigger made current -> 1.3.7 when 1.3.7 went in; an operator
# replaced it with a directory of their own.
user_made_current_directory() {
    rm -f "$root/usr/local/leofs/current"
    mkdir "$root/usr/local/leofs/current" && echo precious >"$root/usr/local/leofs/current/notes"
}

case_our_package_installs() {
    mkdir -p "$root/var/log"
    dpkg_in -i "${stand_ins[@]}" "$hooks_deb" || fail "dpkg -i: $(tail -3 "$work/out")" || return
    [[ -x $root/usr/sbin/leofs-dpkg-hook && -x $root/usr/sbin/leofs-upgrade ]] || fail "programs missing" || return
    grep -q '"/usr/sbin/leofs-dpkg-hook apt-hook"' "$root/etc/apt/apt.conf.d/60leofs-upgrade-hooks" ||
        fail "the apt snippet does not run the installed helper" || return
    grep -q '/usr/sbin/leofs-dpkg-hook::Version "3"' "$root/etc/apt/apt.conf.d/60leofs-upgrade-hooks" ||
        fail "the apt snippet does not ask for protocol version 3" || return
    [[ $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' leofs-upgrade-hooks) == "install ok installed" ]] ||
        fail "not installed" || return
}

case_upgrade_through_trigger() {
    with_137 || return
    local old=/usr/local/leofs/1.3.7/leo_storage
    sed -i 's/^log.log_level = 1/log.log_level = 3/' "$root$old/etc/leo_storage.conf"
    mkdir -p "$root$old/avs/object" "$root$old/work/queue/1" &&
        echo data >"$root$old/avs/object/0.avs" && echo queued >"$root$old/work/queue/1/m0"
    dpkg_in -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    said "Processing triggers for leofs-upgrade-hooks" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current not on 1.3.8" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 && $(mode /usr/local/leofs/.erlang.cookie) == 400 ]] ||
        fail "cookie $(owner /usr/local/leofs/.erlang.cookie) $(mode /usr/local/leofs/.erlang.cookie)" || return
    [[ $(cat "$root/usr/local/leofs/.erlang.cookie") == OLDCOOKIE ]] || fail "cookie content" || return
    [[ $(owner /usr/local/leofs/1.3.8/leo_storage/avs) == 990:990 ]] || fail "avs owner" || return
    [[ $(owner /usr/local/leofs/1.3.8/leo_manager_0/work) == 990:990 ]] || fail "work owner" || return
    local conf=$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf
    grep -q '^log.log_level = 3$' "$conf" || fail "the operator's setting was not taken over" || return
    # The data followed the version: the config stays relative, 1.3.7 may go.
    local new=/usr/local/leofs/1.3.8/leo_storage
    grep -q '^obj_containers.path = \[./avs\]$' "$conf" || fail "data path: $(grep obj_ "$conf")" || return
    [[ -f $root$new/avs/object/0.avs && -f $root$new/work/queue/1/m0 && ! -e $root$old/avs ]] ||
        fail "the data did not move into 1.3.8" || return
    [[ $(owner $new/avs/object/0.avs) == 990:990 ]] || fail "the data moved is not leofs's" || return
    [[ -f $root$old/DATA-MOVED ]] || fail "no DATA-MOVED note" || return
    [[ $(installed_version) == "1.3.8-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    # A second trigger run (dpkg --configure -a after a crash) changes nothing and succeeds.
    DPKG_ROOT=$root "$root/usr/sbin/leofs-dpkg-hook" trigger >"$work/out" 2>&1 ||
        fail "a re-run failed: $(tail -3 "$work/out")" || return
}

# dpkg -i of the older package (a downgrade): the data comes back into
# 1.3.7's dir; and up again. The file trigger knows only the version now
# installed: the data is found in the newer dir the package left.
case_downgrade_through_trigger() {
    with_137 || return
    local v7=/usr/local/leofs/1.3.7/leo_storage v8=/usr/local/leofs/1.3.8/leo_storage
    mkdir -p "$root$v7/avs/object" && echo data >"$root$v7/avs/object/0.avs"
    dpkg_in -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    [[ -f $root$v8/avs/object/0.avs ]] || fail "the data did not move into 1.3.8" || return
    dpkg_in -i "$(deb 1.3.7)" || fail "dpkg -i 1.3.7 (downgrade): $(tail -5 "$work/out")" || return
    [[ $(installed_version) == "1.3.7-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    [[ -f $root$v7/avs/object/0.avs && ! -e $root$v8/avs/object ]] ||
        fail "the data did not come back into 1.3.7: $(ls -R "$root$v8" 2>&1 | head -5)" || return
    grep -q '^obj_containers.path = \[./avs\]$' "$root$v7/etc/leo_storage.conf" ||
        fail "1.3.7's data path: $(grep obj_ "$root$v7/etc/leo_storage.conf")" || return
    [[ ! -e $root$v7/DATA-MOVED && -f $root$v8/DATA-MOVED ]] || fail "notes" || return
    dpkg_in -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8 again: $(tail -5 "$work/out")" || return
    [[ -f $root$v8/avs/object/0.avs && ! -e $root$v7/avs/object ]] || fail "up again" || return
}

case_current_directory_refused() {
    with_137 || return
    user_made_current_directory
    if dpkg_in -i "$(deb 1.3.8)"; then fail "dpkg -i over a current directory went through"; return 1; fi
    said "is a real directory" || return
    # dpkg 1.23: "preinst maintainer script subprocess failed with exit status 1",
    # older dpkg: "pre-installation script subprocess returned error exit status 1".
    said "package pre[a-z -]* script subprocess .*exit status 1" || return
    [[ $(cat "$root/usr/local/leofs/current/notes") == precious ]] || fail "data lost" || return
    [[ $(installed_version) == "1.3.7-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    [[ ! -e $root/usr/local/leofs/1.3.8 && -f $root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf ]] ||
        fail "1.3.7 is not intact" || return
}

case_running_node_refuses_then_lone_epmd_is_stopped() {
    with_137 || return
    start_epmd || return
    start_node storage_0 || return
    if dpkg_in -i "$(deb 1.3.8)"; then fail "dpkg -i with a running node went through"; return 1; fi
    said "LeoFS nodes are running" || return
    [[ $(installed_version) == "1.3.7-1 install ok installed" && ! -e $root/usr/local/leofs/1.3.8 ]] ||
        fail "state changed: $(installed_version)" || return
    [[ -f $root/usr/local/leofs/1.3.7/leo_storage/bin/leo_storage ]] || fail "1.3.7 files lost" || return
    stop_node storage_0
    dpkg_in -i "$(deb 1.3.8)" || fail "dpkg -i after stopping the node: $(tail -8 "$work/out")" || return
    said "stopped stale epmd" || return
    if ERL_EPMD_PORT=$port epmd -names >/dev/null 2>&1; then fail "epmd still answers"; return 1; fi
    [[ $(installed_version) == "1.3.8-1 install ok installed" ]] || fail "status: $(installed_version)" || return
}

case_fragments_without_our_package() {
    mkdir -p "$root/var/log"
    dpkg_in -i "$(deb 1.3.7)" || fail "dpkg -i 1.3.7: $(tail -3 "$work/out")" || return
    # Past the missing Pre-Depends: the fragments alone must do no harm.
    dpkg_in -i --force-depends "$(deb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    said "leofs-upgrade-hooks is not installed" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current (the package's own link)" || return
    [[ $(installed_version) == "1.3.8-1 install ok installed" ]] || fail "status: $(installed_version)" || return
}

case_removal_leaves_nothing_to_repair() {
    with_137 || return
    dpkg_in -r leofs || fail "dpkg -r leofs: $(tail -3 "$work/out")" || return
    said "nothing to repair" || return
}

# apt on the root through its Dir options, with our installed apt snippet
# (apt runs outside the root here, so the helper's path gets the root
# prefixed; everything else is the snippet as installed).
apt_in() {
    mkdir -p "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" \
        "$root/etc/apt/preferences.d" "$root/etc/apt/sources.list.d" "$root/var/log/apt" \
        "$work/apt-parts"
    touch "$root/etc/apt/sources.list"
    sed "s|/usr/sbin/leofs-dpkg-hook|$root/usr/sbin/leofs-dpkg-hook|g" \
        "$root/etc/apt/apt.conf.d/60leofs-upgrade-hooks" >"$work/apt-parts/60leofs-upgrade-hooks"
    cat >"$work/apt.conf" <<CONF
Dir "$root/";
Dir::State::status "$root/var/lib/dpkg/status";
Dir::Etc::parts "$work/apt-parts";
DPkg::Options { "--root=$root"; "${apt_script_mode:---force-script-chrootless}"; "--log=$root/var/log/dpkg.log"; };
APT::Sandbox::User "root";
CONF
    (cd "$work/debs" && APT_CONFIG=$work/apt.conf apt-get -y "$@") >"$work/out" 2>&1
}

case_apt_upgrade() {
    with_137 || return
    apt_in install ./leofs_1.3.8-1_all.deb || fail "apt-get install: $(tail -5 "$work/out")" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current not on 1.3.8" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 ]] || fail "cookie owner" || return
    [[ $(installed_version) == "1.3.8-1 install ok installed" ]] || fail "status: $(installed_version)" || return
}

case_apt_stops_before_dpkg() {
    with_137 || return
    user_made_current_directory
    local status_before log_before
    status_before=$(md5sum <"$root/var/lib/dpkg/status")
    log_before=$(wc -l <"$root/var/log/dpkg.log")
    if apt_in install ./leofs_1.3.8-1_all.deb; then fail "apt went through"; return 1; fi
    said "apt stops before dpkg changes anything" || return
    said "leofs-dpkg-hook apt-hook returned an error code (1)" || return
    [[ $(md5sum <"$root/var/lib/dpkg/status") == "$status_before" ]] || fail "the dpkg status changed" || return
    [[ $(wc -l <"$root/var/log/dpkg.log") == "$log_before" ]] || fail "dpkg ran: $(tail -2 "$root/var/log/dpkg.log")" || return
    if grep -q 'Preparing to unpack' "$work/out"; then fail "dpkg unpacked"; return 1; fi
    [[ $(cat "$root/usr/local/leofs/current/notes") == precious ]] || fail "data lost" || return
}

case_apt_unrelated_package() {
    with_137 || return
    mkdir -p "$work/other/DEBIAN"
    printf 'Package: other\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: other\n' \
        >"$work/other/DEBIAN/control"
    dpkg-deb -b "$work/other" "$work/debs/other_1.0_all.deb" >/dev/null
    # Even with a current directory in the way: not LeoFS, not our business.
    user_made_current_directory
    apt_in install ./other_1.0_all.deb || fail "apt-get install other: $(tail -5 "$work/out")" || return
    if grep -q 'leofs-dpkg-hook' "$work/out"; then fail "the hook spoke: $(grep leofs-dpkg-hook "$work/out")"; return 1; fi
    # dpkg does not activate our trigger for files outside /usr/local/leofs.
    if grep -q 'Processing triggers for leofs-upgrade-hooks' "$work/out"; then fail "our trigger ran"; return 1; fi
}

# The installed helper run under valgrind by dpkg and apt: memory errors
# and definite leaks make it exit 99 (and the transaction fail).
case_valgrind_clean() {
    command -v valgrind >/dev/null || { echo "skip - valgrind not installed"; return 0; }
    with_137 || return
    local helper=$root/usr/sbin/leofs-dpkg-hook
    mv "$helper" "$helper.real"
    printf '#!/bin/sh
exec valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "%s" "$@"\n' \
        "$helper.real" >"$helper"
    chmod 755 "$helper"
    apt_in install ./leofs_1.3.8-1_all.deb || fail "apt-get install under valgrind: $(tail -5 "$work/out")" || return
    valgrind_clean 3 || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current not on 1.3.8" || return
    user_made_current_directory
    if dpkg_in -i "$(deb 1.3.8)"; then fail "the refusal went through"; return 1; fi
    said "is a real directory" || return
    valgrind_clean 1 || return
}

# Did valgrind run the helper $1 times with no error?
valgrind_clean() {
    local runs
    runs=$(grep -c 'ERROR SUMMARY: 0 errors' "$work/out")
    [[ $runs == "$1" ]] || fail "$runs clean valgrind runs, not $1: $(grep -m5 'ERROR SUMMARY' "$work/out")"
}

build_our_package
if command -v lintian >/dev/null; then
    lintian --tag-display-limit 0 "$work"/leofs-upgrade-hooks_*.changes >"$work/lint.log" 2>&1
    if grep -q '^E: ' "$work/lint.log"; then
        echo "FAIL - lintian reports errors:"; grep '^E: ' "$work/lint.log"; failed=$((failed + 1))
    else
        echo "ok - lintian: no errors ($(grep -c '^W: ' "$work/lint.log") warnings)"; passed=$((passed + 1))
    fi
fi
build_base_stand_ins
build_leofs_debs
run_case case_our_package_installs
run_case case_upgrade_through_trigger
run_case case_downgrade_through_trigger
run_case case_current_directory_refused
run_case case_running_node_refuses_then_lone_epmd_is_stopped
run_case case_fragments_without_our_package
run_case case_removal_leaves_nothing_to_repair
run_case case_apt_upgrade
run_case case_apt_stops_before_dpkg
run_case case_apt_unrelated_package
run_case case_valgrind_clean
run_official_cases
finish
