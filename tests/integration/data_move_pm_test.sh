#!/usr/bin/env bash
# data_move_pm_test.sh: issue 15 ("data follows the version") checked
# through the package managers the rpm -U tests do not drive: dnf upgrade
# and downgrade, dpkg -i upgrade and downgrade in dpkg's default chrooted
# mode and with --force-script-chrootless (our test debs and
# official-shaped ones, whose old configs dpkg deletes), apt, and a hostile
# runner user (symlinks, hard links, FIFOs, many entries) and a bind mount
# in the old version's dirs. Usage: data_move_pm_test.sh BUILD_DIR SOURCE_DIR
# (LU_HOOKS_DEB=PATH uses that leofs-upgrade-hooks .deb instead of building
# one). After each upgrade the old version dir is removed and every data
# file must be found exactly once under current/, with relative paths in
# the configs. Prints "N passed, N failed".
set -uo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
plugin_dir=$build/rpm-plugin
work=$(mktemp -d "${TMPDIR:-/tmp}/lu-dmpm-XXXXXX")
source "$source/tests/integration/case_lib.sh"
source "$source/tests/integration/rpm_sign.sh"
source "$source/tests/integration/dpkg_official_cases.sh"

# The helpers of rpm_test.sh and dpkg_test.sh (scripts that run their own
# cases when sourced), taken by name from them so that they stay one copy.
import_functions() {
    local file=$1 name body
    shift
    for name in "$@"; do
        body=$(sed -n -e "/^$name() {.*}\$/p" -e "/^$name() {\$/,/^}\$/p" "$file")
        [[ -n $body ]] || { echo "FAIL - $file has no function $name"; exit 1; }
        eval "$body"
    done
}
import_functions "$source/tests/integration/rpm_test.sh" build_packages rpm_in rpm_q pkg verify_clean
import_functions "$source/tests/integration/dpkg_test.sh" build_our_package build_base_stand_ins \
    build_leofs_debs deb dpkg_in installed_version with_137 apt_in

# LU_DEBUG=1: a failing check prints the whole output of the last command.
[[ -z ${LU_DEBUG:-} ]] || fail() { echo "FAIL - $case_name: $*"; cat "$work/out"; return 1; }

mounts=()
cleanup_mounts() {
    local m
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
    cleanup
}
trap cleanup_mounts EXIT

top=/usr/local/leofs
# The data files: node dir, path in it; one unique name each.
data_files=(
    leo_storage:avs/object/dm-1.avs
    leo_storage:avs/metadata/dm-2.meta
    leo_storage:work/queue/1/dm-3.msg
    leo_manager_0:work/mnesia/127.0.0.1/dm-4.DAT
    leo_manager_0:work/queue/dm-5.msg
    leo_manager_1:work/mnesia/127.0.0.1/dm-6.DAT
    leo_gateway:cache/dm-7.cache
    leo_storage:snmp/snmpa_storage/db/dm-8.db
)

# Lay the data into version $1's node dirs, owned by leofs as a node leaves it.
put_data() {
    local entry node rel
    for entry in "${data_files[@]}"; do
        node=${entry%%:*} rel=${entry#*:}
        mkdir -p "$(dirname "$root$top/$1/$node/$rel")" &&
            echo "$entry" >"$root$top/$1/$node/$rel" || return
    done
    chown -R 990:990 "$root$top/$1"/leo_*/work "$root$top/$1"/leo_storage/avs "$root$top/$1"/leo_gateway/cache
}

# Every data file is in version $1's dir, with its content, and exactly
# once under /usr/local/leofs (no copy left in another version's dir).
data_once_in() {
    local entry node rel count
    for entry in "${data_files[@]}"; do
        node=${entry%%:*} rel=${entry#*:}
        [[ -f $root$top/$1/$node/$rel && $(cat "$root$top/$1/$node/$rel") == "$entry" ]] ||
            fail "$node/$rel is not in $1's dir: $(find "$root$top" -name "$(basename "$rel")")" || return
        count=$(find "$root$top" -name "$(basename "$rel")" | wc -l)
        ((count == 1)) || fail "$node/$rel is there $count times: $(find "$root$top" -name "$(basename "$rel")")" || return
    done
}

# Version $1's node configs name no other version's dir, and the storage's
# data and queue paths are relative.
configs_relative() {
    local conf=$root$top/$1/leo_storage/etc/leo_storage.conf bad
    grep -q '^obj_containers.path = \[./avs\]$' "$conf" ||
        fail "$1's obj_containers.path: $(grep obj_ "$conf")" || return
    grep -q '^queue_dir = ./work/queue$' "$conf" || fail "$1's queue_dir: $(grep queue_dir "$conf")" || return
    bad=$(grep -rl "$top/[0-9]" "$root$top/$1"/leo_*/etc 2>/dev/null)
    [[ -z $bad ]] || fail "$1's configs name a version dir: $(grep -rh "$top/[0-9]" $bad | head -3)" || return
}

# The data went from $1 to $2: notes, configs, the data once, and $1 may go.
moved_and_old_removable() {
    local from=$1 to=$2 node
    for node in leo_storage leo_manager_0 leo_manager_1 leo_gateway; do
        [[ -f $root$top/$from/$node/DATA-MOVED ]] || fail "no DATA-MOVED note in $from/$node" || return
        [[ ! -e $root$top/$to/$node/DATA-MOVED ]] || fail "a stale note in $to/$node" || return
    done
    grep -q "^avs -> $top/$to/leo_storage/avs\$" "$root$top/$from/leo_storage/DATA-MOVED" ||
        fail "the note: $(cat "$root$top/$from/leo_storage/DATA-MOVED")" || return
    configs_relative "$to" || return
    data_once_in "$to" || return
    [[ $(owner $top/$to/leo_storage/avs/object/dm-1.avs) == 990:990 ]] || fail "the moved data is not leofs's" || return
}
upgraded_then_137_removed() {
    moved_and_old_removable 1.3.7 1.3.8 || return
    [[ $(readlink "$root$top/current") == 1.3.8 ]] || fail "current -> $(readlink "$root$top/current")" || return
    rm -rf "${root:?}$top/1.3.7"
    data_once_in current || return
}

## dnf

dnf_in() {
    local home=$work/dnf-home
    mkdir -p "$home"
    printf '%%_dbpath /var/lib/rpm\n%%__plugindir %s\n%%__transaction_leofs %%{__plugindir}/leofs.so\n%s\n' \
        "$plugin_dir" "$rpm_policy_macro" >"$home/.rpmmacros"
    HOME=$home /usr/bin/python3 /usr/bin/dnf --installroot="$root" --releasever=12 \
        --disablerepo='*' --nogpgcheck -y "$@" >"$work/out" 2>&1
}

case_dnf_upgrade_downgrade() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    put_data 1.3.7 || fail "put data" || return
    dnf_in upgrade "$(pkg 1.3.8)" || fail "dnf upgrade: $(tail -5 "$work/out")" || return
    [[ $(rpm_q leofs) == leofs-1.3.8-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    # (dnf does not show what the plugin logs in the transaction's end.)
    moved_and_old_removable 1.3.7 1.3.8 || return
    verify_clean || return
    dnf_in downgrade "$(pkg 1.3.7)" || fail "dnf downgrade: $(tail -5 "$work/out")" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    moved_and_old_removable 1.3.8 1.3.7 || return
    verify_clean || return
    dnf_in upgrade "$(pkg 1.3.8)" || fail "dnf upgrade again: $(tail -5 "$work/out")" || return
    upgraded_then_137_removed || return
}

## dpkg: our test debs (conffiles, our fragments in 1.3.8)

# dpkg ARGS... on the root: "chrootless" is dpkg --root
# --force-script-chrootless from the host (dpkg_test.sh's dpkg_in),
# "chroot" dpkg --root chrooting for the scripts (dpkg_official_cases.sh).
pm() {
    if [[ $deb_mode == chrootless ]]; then dpkg_in "$@"; else dpkg_mode=chroot odpkg "$@"; fi
}
# Our package and test deb 1.3.7 as an operator who ran 1.3.7 has it.
with_test_137() {
    if [[ $deb_mode == chrootless ]]; then with_137; return; fi
    mkdir -p "$root/var/log"
    chroot_base
    [[ -x $work/hooks-x/usr/sbin/leofs-dpkg-hook ]] || dpkg-deb -x "$hooks_deb" "$work/hooks-x"
    copy_libraries_of "$work/hooks-x/usr/sbin/leofs-dpkg-hook"
    copy_libraries_of "$work/hooks-x/usr/sbin/leofs-upgrade"
    dpkg --root="$root" --log="$root/var/log/dpkg.log" -i "${stand_ins[@]}" "$hooks_deb" \
        >"$work/out" 2>&1 || fail "dpkg -i of our package: $(tail -3 "$work/out")" || return
    pm -i "$(deb 1.3.7)" || fail "dpkg -i 1.3.7: $(tail -3 "$work/out")" || return
}

case_dpkg_test_debs() {
    with_test_137 || return
    put_data 1.3.7 || fail "put data" || return
    pm -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    [[ $(installed_version) == "1.3.8-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    moved_and_old_removable 1.3.7 1.3.8 || return
    pm -i "$(deb 1.3.7)" || fail "dpkg -i 1.3.7 (downgrade): $(tail -5 "$work/out")" || return
    [[ $(installed_version) == "1.3.7-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    moved_and_old_removable 1.3.8 1.3.7 || return
    pm -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8 again: $(tail -5 "$work/out")" || return
    if [[ $deb_mode == chrootless ]]; then
        # The trigger once more (dpkg --configure -a after a crash): nothing changes.
        local note_before
        note_before=$(md5sum <"$root$top/1.3.7/leo_storage/DATA-MOVED")
        DPKG_ROOT=$root "$root/usr/sbin/leofs-dpkg-hook" trigger >"$work/out" 2>&1 ||
            fail "a second trigger run failed: $(tail -3 "$work/out")" || return
        [[ $(md5sum <"$root$top/1.3.7/leo_storage/DATA-MOVED") == "$note_before" ]] || fail "the note changed" || return
        data_once_in 1.3.8 || return
    fi
    upgraded_then_137_removed || return
}

## dpkg: official-shaped debs (no conffiles, no preinst: the save is read)

case_dpkg_official_debs() {
    dpkg_mode=$deb_mode
    with_official_137 || return
    sed -i 's/^log.log_level = 1/log.log_level = 3/' "$root$top/1.3.7/leo_storage/etc/leo_storage.conf"
    put_data 1.3.7 || fail "put data" || return
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    said "config-save: saved" || return
    [[ ! -e $root$top/1.3.7/leo_storage/etc/leo_storage.conf ]] || fail "dpkg kept 1.3.7's config" || return
    grep -q '^log.log_level = 3$' "$root$top/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "the edited log level was not taken over from the save" || return
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
    moved_and_old_removable 1.3.7 1.3.8 || return
    odpkg -i "$(odeb 1.3.7)" || fail "dpkg -i 1.3.7 (downgrade): $(tail -5 "$work/out")" || return
    [[ $(status_of_leofs) == "1.3.7-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
    moved_and_old_removable 1.3.8 1.3.7 || return
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8 again: $(tail -5 "$work/out")" || return
    upgraded_then_137_removed || return
}

# The downgrade of official-shaped debs: dpkg deletes 1.3.8's node configs
# (no conffiles) after the hook saved them; the operator's edit must be in
# 1.3.7's config afterwards, as it was in 1.3.8's (the data comes back, so
# must the settings that go with it).
case_dpkg_official_downgrade_keeps_edits() {
    dpkg_mode=chroot
    with_official_137 || return
    sed -i 's/^log.log_level = 1/log.log_level = 3/' "$root$top/1.3.7/leo_storage/etc/leo_storage.conf"
    put_data 1.3.7 || fail "put data" || return
    odpkg -i "$(odeb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    grep -q '^log.log_level = 3$' "$root$top/1.3.8/leo_storage/etc/leo_storage.conf" || fail "upgrade lost the edit" || return
    odpkg -i "$(odeb 1.3.7)" || fail "dpkg -i 1.3.7 (downgrade): $(tail -5 "$work/out")" || return
    data_once_in 1.3.7 || return
    grep -q '^log.log_level = 3$' "$root$top/1.3.7/leo_storage/etc/leo_storage.conf" ||
        fail "the edited log level is lost in the downgrade (1.3.7's: $(grep log_level "$root$top/1.3.7/leo_storage/etc/leo_storage.conf"); saved: $(ls "$root/var/lib/leofs-upgrade-hooks/saved" 2>&1))" || return
}

# `data-move = off` in the policy: the data stays in 1.3.7's dir, 1.3.8's
# config names it there, and the output says 1.3.7's dir must stay.
case_policy_off_keeps_data() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    mkdir -p "$root/etc/leofs" && echo 'data-move = off' >"$root/etc/leofs/upgrade.conf"
    dpkg_in -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    data_once_in 1.3.7 || return
    [[ ! -e $root$top/1.3.7/leo_storage/DATA-MOVED ]] || fail "a note though nothing moved" || return
    grep -q "^obj_containers.path = \[$top/1.3.7/leo_storage/avs\]\$" "$root$top/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "1.3.8's data path: $(grep obj_ "$root$top/1.3.8/leo_storage/etc/leo_storage.conf")" || return
}

# The state the hooks left before issue 15 (data-move off): 1.3.8's config
# names 1.3.7's avs. The next upgrade, with the data move on, must leave
# no data only an old version dir holds unless it says so: either the data
# is in 1.3.9 with relative paths, or the output warns that 1.3.7's dir
# must stay.
case_legacy_absolute_paths_next_upgrade() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    mkdir -p "$root/etc/leofs" && echo 'data-move = off' >"$root/etc/leofs/upgrade.conf"
    dpkg_in -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    grep -q "^obj_containers.path = \[$top/1.3.7/leo_storage/avs\]\$" "$root$top/1.3.8/leo_storage/etc/leo_storage.conf" ||
        fail "the legacy state was not made: $(grep obj_ "$root$top/1.3.8/leo_storage/etc/leo_storage.conf")" || return
    rm "$root/etc/leofs/upgrade.conf"
    dpkg_in -i "$(deb 1.3.9)" || fail "dpkg -i 1.3.9: $(tail -5 "$work/out")" || return
    if configs_relative 1.3.9 2>/dev/null >/dev/null && data_once_in 1.3.9 >/dev/null; then
        rm -rf "${root:?}$top/1.3.7" "${root:?}$top/1.3.8"
        data_once_in current || return
        return 0
    fi
    grep -q "1\.3\.7.*\(do not remove\|must stay\|stays\)\|\(do not remove\|must stay\|stays\).*1\.3\.7" "$work/out" ||
        fail "data only 1.3.7's dir holds (1.3.9's obj_containers.path: $(grep obj_ "$root$top/1.3.9/leo_storage/etc/leo_storage.conf")), and nothing says that dir must stay: $(grep -i 'data-move\|takeover' "$work/out" | head -3)" || return
}

## apt

case_apt_test_debs() {
    deb_mode=chrootless with_test_137 || return
    put_data 1.3.7 || fail "put data" || return
    apt_in install ./leofs_1.3.8-1_all.deb || fail "apt-get install: $(tail -5 "$work/out")" || return
    [[ $(installed_version) == "1.3.8-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    moved_and_old_removable 1.3.7 1.3.8 || return
    apt_in install --allow-downgrades ./leofs_1.3.7-1_all.deb || fail "apt-get install 1.3.7: $(tail -5 "$work/out")" || return
    [[ $(installed_version) == "1.3.7-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    moved_and_old_removable 1.3.8 1.3.7 || return
    apt_in install ./leofs_1.3.8-1_all.deb || fail "apt-get install again: $(tail -5 "$work/out")" || return
    upgraded_then_137_removed || return
}

case_apt_official_debs() {
    dpkg_mode=chroot
    with_official_137 || return
    put_data 1.3.7 || fail "put data" || return
    cp "$(deb 1.3.8)" "$work/test-1.3.8.deb" && cp "$(odeb 1.3.8)" "$work/debs/leofs_1.3.8-1_all.deb"
    oapt install ./leofs_1.3.8-1_all.deb
    local status=$?
    cp "$work/test-1.3.8.deb" "$work/debs/leofs_1.3.8-1_all.deb" # the test deb back for the other cases
    ((status == 0)) || fail "apt-get install: $(tail -5 "$work/out")" || return
    [[ $(status_of_leofs) == "1.3.8-1 install ok installed" ]] || fail "status: $(status_of_leofs)" || return
    upgraded_then_137_removed || return
}

## An absolute path into the old version's own dir

# 1.3.7's config names its own avs by absolute path (as an operator may
# write it, or as earlier hooks left it): after the upgrade and the removal
# of 1.3.7's dir, the path 1.3.8's config names must still hold the data.
case_absolute_path_into_old_dir() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    sed -i "s|^obj_containers.path = .*|obj_containers.path = [$top/1.3.7/leo_storage/avs]|" \
        "$root$top/1.3.7/leo_storage/etc/leo_storage.conf"
    dpkg_in -i "$(deb 1.3.8)" || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    local conf=$root$top/1.3.8/leo_storage/etc/leo_storage.conf path
    path=$(sed -n 's/^obj_containers.path = \[\(.*\)\]$/\1/p' "$conf")
    rm -rf "${root:?}$top/1.3.7"
    [[ $path == /* ]] || path=$top/1.3.8/leo_storage/$path
    [[ -f $root$path/object/dm-1.avs ]] ||
        fail "1.3.8's obj_containers.path = [$(sed -n 's/^obj_containers.path = \[\(.*\)\]$/\1/p' "$conf")] holds no data once 1.3.7's dir is gone (data at: $(find "$root$top" -name dm-1.avs))" || return
}

## A hostile runner user, and a bind mount

as_runner() { setpriv --reuid=990 --regid=990 --clear-groups -- sh -c "$1"; }

# Run "$@" in the background; fail (and stop it) if it is not done when
# the guard gives up: a hang must not hold the whole test.
within_guard() {
    "$@" &
    local pid=$!
    if ! timeout 300 tail --pid="$pid" -f /dev/null; then
        kill -- "$pid" 2>/dev/null
        fail "still running after 300 s: $*"
        return 1
    fi
    wait "$pid"
}

# Sentinels outside the node dirs, root's: nothing may move or chown them.
make_sentinels() {
    outside=$work/outside-$RANDOM
    mkdir -p "$outside/inner" && echo secret >"$outside/inner/secret" && chmod 700 "$outside"
    echo root-file >"$root/etc/root-file" && chmod 600 "$root/etc/root-file"
}
sentinels_intact() {
    [[ $(stat -c %u:%g "$outside") == 0:0 && $(stat -c %u:%g "$outside/inner") == 0:0 &&
        $(stat -c %u:%g "$outside/inner/secret") == 0:0 && -f $outside/inner/secret ]] ||
        fail "the dir outside the root changed: $(stat -c '%n %u:%g' "$outside" "$outside"/inner "$outside"/inner/* 2>&1)" || return
    [[ $(owner /etc/root-file) == 0:0 && $(mode /etc/root-file) == 600 && $(cat "$root/etc/root-file") == root-file ]] ||
        fail "root's file changed: $(owner /etc/root-file) $(mode /etc/root-file)" || return
    [[ $(owner /etc/passwd) == 0:0 ]] || fail "the root's /etc/passwd is $(owner /etc/passwd)" || return
}

# As the runner user in V7 (it owns work/, avs and cache): the storage's
# queue a symlink outside, the gateway's cache holds a FIFO and a symlink,
# manager_1's mnesia a FIFO in its place, manager_0's queue many entries.
plant_hostile() {
    local v7=$1
    as_runner "rm -rf '$v7/leo_storage/work/queue' && ln -s '$outside' '$v7/leo_storage/work/queue' &&
        mkfifo '$v7/leo_gateway/cache/fifo' && ln -s '$outside/inner' '$v7/leo_gateway/cache/sym' &&
        rm -rf '$v7/leo_manager_1/work/mnesia' && mkfifo '$v7/leo_manager_1/work/mnesia' &&
        mkdir '$v7/leo_manager_0/work/queue/many' && cd '$v7/leo_manager_0/work/queue/many' &&
        seq -f e%g 20000 | xargs touch" || fail "the runner's planting failed"
}

case_hostile_runner() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    make_sentinels
    local v7=$root$top/1.3.7
    chown 990:990 "$v7"/leo_*/etc
    chmod 711 "$work" "$root"
    plant_hostile "$v7" || return
    # A hard link to a root file inside avs (a runner user makes it where
    # fs.protected_hardlinks is 0; made by root here, as it is 1).
    ln "$root/etc/root-file" "$v7/leo_storage/avs/object/link"
    # The queue symlink stays and 1.3.8's config names it: the ownership
    # step refuses to follow it and the run fails loudly (exit 3), 1.3.8 unpacked.
    within_guard dpkg_in -i "$(deb 1.3.8)" && fail "dpkg -i went through with a symlinked queue" && return 1
    said "work/queue .*goes through a symlink that root does not own: not followed" || return
    [[ $(installed_version) == "1.3.8-1 install ok installed" ]] || fail "status: $(installed_version)" || return
    sentinels_intact || return
    local v8=$root$top/1.3.8
    [[ ! -L $v8/leo_storage/work/queue && -L $v7/leo_storage/work/queue ]] ||
        fail "the queue symlink was moved into 1.3.8" || return
    [[ ! -e $v8/leo_storage/work/queue/inner ]] || fail "the outside dir's entries are in 1.3.8's queue" || return
    [[ -p $v7/leo_manager_1/work/mnesia && ! -p $v8/leo_manager_1/work/mnesia ]] || fail "the mnesia FIFO moved" || return
    [[ -f $v8/leo_storage/avs/object/dm-1.avs && -f $v8/leo_manager_0/work/queue/many/e20000 ]] ||
        fail "avs or the many-entry queue did not move" || return
    [[ $(find "$v8/leo_manager_0/work/queue/many" -type f | wc -l) == 20000 ]] || fail "entries lost" || return
    [[ -p $v8/leo_gateway/cache/fifo && -L $v8/leo_gateway/cache/sym ]] || fail "the cache's entries" || return
    [[ $(stat -c %u:%g "$v8/leo_storage/avs/object/link") == 0:0 ]] || fail "the hard link to root's file was chowned" || return
    # What stayed is said, and 1.3.8's config points at it (not at 1.3.8's empty queue).
    said "work/queue stays in" || return
    said "work/mnesia stays in" || return
    grep -q "^leofs-upgrade moved\|stays here" "$v7/leo_storage/DATA-MOVED" || fail "no note in 1.3.7/leo_storage" || return
    grep -q "^work/queue stays here" "$v7/leo_storage/DATA-MOVED" ||
        fail "the note does not say the queue stays: $(cat "$v7/leo_storage/DATA-MOVED")" || return
    # A second run (dpkg --configure -a after a crash) neither hangs nor changes the verdict.
    within_guard env DPKG_ROOT="$root" "$root/usr/sbin/leofs-dpkg-hook" trigger >"$work/out" 2>&1
    sentinels_intact || return
}

# The same through dnf (the plugin inside dnf's process): the queue a
# symlink outside, a FIFO in the cache and one in mnesia's place, many
# entries, a hard link to root's file; nothing outside moves or changes
# owner, and dnf finishes (the plugin's end is only a warning for rpm).
case_hostile_runner_dnf() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    put_data 1.3.7 || fail "put data" || return
    make_sentinels
    local v7=$root$top/1.3.7 v8=$root$top/1.3.8
    chmod 711 "$work" "$root"
    plant_hostile "$v7" || return
    ln "$root/etc/root-file" "$v7/leo_storage/avs/object/link"
    within_guard dnf_in upgrade "$(pkg 1.3.8)" || fail "dnf upgrade: $(tail -5 "$work/out")" || return
    [[ $(rpm_q leofs) == leofs-1.3.8-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    sentinels_intact || return
    [[ ! -L $v8/leo_storage/work/queue && -L $v7/leo_storage/work/queue ]] || fail "the queue symlink moved" || return
    [[ -p $v7/leo_manager_1/work/mnesia && ! -p $v8/leo_manager_1/work/mnesia ]] || fail "the mnesia FIFO moved" || return
    [[ $(find "$v8/leo_manager_0/work/queue/many" -type f | wc -l) == 20000 ]] || fail "the many entries did not move" || return
    [[ -p $v8/leo_gateway/cache/fifo && -L $v8/leo_gateway/cache/sym && -f $v8/leo_storage/avs/object/dm-1.avs ]] ||
        fail "the cache or avs did not move" || return
    [[ $(stat -c %u:%g "$v8/leo_storage/avs/object/link") == 0:0 ]] || fail "the hard link to root's file was chowned" || return
    grep -q "^work/queue stays here" "$v7/leo_storage/DATA-MOVED" ||
        fail "the note does not say the queue stays: $(cat "$v7/leo_storage/DATA-MOVED" 2>&1)" || return
}

# The runner points manager_0's old mnesia at the root's /etc (a relative
# link climbing out of the node dir) and its queue at a dir outside the
# root: nothing is moved or given to it. (Never a link to the host's /etc:
# a bug would give the machine's /etc away.)
case_hostile_symlinked_parts_in_root() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    make_sentinels
    local v7=$root$top/1.3.7
    chmod 711 "$work" "$root"
    as_runner "rm -rf '$v7/leo_manager_0/work/mnesia' && ln -s ../../../../../../etc '$v7/leo_manager_0/work/mnesia' &&
        rm -rf '$v7/leo_manager_0/work/queue' && ln -s '$outside' '$v7/leo_manager_0/work/queue'" ||
        fail "the runner's planting failed" || return
    # Both stay, 1.3.8's config names them, the ownership step does not
    # follow them: dpkg -i fails loudly.
    within_guard dpkg_in -i "$(deb 1.3.8)" && fail "dpkg -i went through with symlinked parts" && return 1
    said "goes through a symlink that root does not own: not followed" || return
    sentinels_intact || return
    [[ $(owner /etc) == 0:0 ]] || fail "the root's /etc is $(owner /etc)" || return
    [[ -L $v7/leo_manager_0/work/mnesia && ! -L $root$top/1.3.8/leo_manager_0/work/mnesia ]] ||
        fail "the mnesia symlink moved" || return
    [[ -f $root/etc/passwd && -f $root/etc/root-file ]] || fail "the root's /etc lost files" || return
}

# An operator's bind mount on the old gateway cache (same filesystem, so
# the device numbers are equal): it is a mount point and stays, with its
# owner and mode as they were, and 1.3.8 does not get a copy.
case_bind_mount_stays() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    local v7=$root$top/1.3.7 src=$root/srv/cache
    mkdir -p "$src" && mv "$v7/leo_gateway/cache/dm-7.cache" "$src/" && chown 990:990 "$src" && chmod 750 "$src"
    mount --bind "$src" "$v7/leo_gateway/cache" || fail "mount --bind" || return
    mounts+=("$v7/leo_gateway/cache")
    local before
    before=$(stat -c '%u:%g %a' "$v7/leo_gateway/cache")
    within_guard dpkg_in -i "$(deb 1.3.8)"
    local status=$?
    [[ -f $v7/leo_gateway/cache/dm-7.cache ]] || { umount "$v7/leo_gateway/cache"; fail "the cache left its mount"; return 1; }
    [[ $(stat -c '%u:%g %a' "$v7/leo_gateway/cache") == "$before" ]] ||
        { fail "the mount point changed: $before -> $(stat -c '%u:%g %a' "$v7/leo_gateway/cache")"; umount "$v7/leo_gateway/cache"; return 1; }
    umount "$v7/leo_gateway/cache" || fail "umount" || return
    ((status == 0)) || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    [[ ! -e $root$top/1.3.8/leo_gateway/cache/dm-7.cache ]] || fail "1.3.8 got a copy of the cache" || return
    [[ -f $src/dm-7.cache ]] || fail "the mounted data is gone" || return
    said "cache stays in" || return
    # The other nodes' data moved.
    [[ -f $root$top/1.3.8/leo_storage/avs/object/dm-1.avs ]] || fail "avs did not move" || return
}

# LU_CASES=WORD runs only the cases whose name holds WORD.
wanted() { [[ $1 == *"${LU_CASES:-}"* ]]; }
# The new version's dir on a filesystem of its own (a tmpfs mounted where
# dpkg unpacks 1.3.8): nothing can move by rename; the data stays in
# 1.3.7's dir, 1.3.8's configs name it there, the note says why.
case_new_version_on_another_filesystem() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    mkdir -p "$root$top/1.3.8" && mount -t tmpfs -o mode=755 tmpfs "$root$top/1.3.8" || fail "mount tmpfs" || return
    mounts+=("$root$top/1.3.8")
    dpkg_in -i "$(deb 1.3.8)"
    local status=$?
    local conf=$root$top/1.3.8/leo_storage/etc/leo_storage.conf
    local path
    path=$(sed -n 's/^obj_containers.path = \[\(.*\)\]$/\1/p' "$conf")
    local note
    note=$(cat "$root$top/1.3.7/leo_storage/DATA-MOVED" 2>&1)
    umount "$root$top/1.3.8" || fail "umount" || return
    ((status == 0)) || fail "dpkg -i 1.3.8: $(tail -5 "$work/out")" || return
    data_once_in 1.3.7 || return
    [[ $path == "$top/1.3.7/leo_storage/avs" ]] || fail "1.3.8's obj_containers.path = [$path]" || return
    said "avs stays in .*another filesystem" || return
    [[ $note != *"avs -> "* ]] || fail "the note says avs moved: $note" || return
}

# Upgrades 1.3.7 -> 1.3.8 (the gateway's cache, a bind mount, stays in
# 1.3.7's dir) -> 1.3.9, then dpkg -i 1.3.8 (a downgrade): the data in
# 1.3.9 must come back into 1.3.8, though 1.3.7's dir still holds data.
case_dpkg_downgrade_with_data_left_in_older_dir() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    local v7=$root$top/1.3.7 src=$root/srv/cache
    mkdir -p "$src" && mv "$v7/leo_gateway/cache/dm-7.cache" "$src/"
    mount --bind "$src" "$v7/leo_gateway/cache" || fail "mount --bind" || return
    mounts+=("$v7/leo_gateway/cache")
    local data_files=("${data_files[@]}")
    unset 'data_files[6]' # the cache stays in its mount
    local ok=yes
    dpkg_in -i "$(deb 1.3.8)" && data_once_in 1.3.8 || { fail "1.3.7 -> 1.3.8: $(tail -3 "$work/out")"; ok=no; }
    [[ $ok == no ]] || dpkg_in -i "$(deb 1.3.9)" && data_once_in 1.3.9 || { fail "1.3.8 -> 1.3.9: $(tail -3 "$work/out")"; ok=no; }
    [[ $ok == no ]] || dpkg_in -i "$(deb 1.3.8)" || { fail "dpkg -i 1.3.8 (downgrade): $(tail -3 "$work/out")"; ok=no; }
    [[ $ok == no ]] || data_once_in 1.3.8 ||
        { ok=no; echo "  1.3.8's $(grep obj_ "$root$top/1.3.8/leo_storage/etc/leo_storage.conf"); the downgrade said: $(grep -o 'data-move: .*' "$work/out" | cut -c1-160 | tail -1)"; }
    umount "$v7/leo_gateway/cache"
    [[ $ok == yes ]]
}

# The mirror image: 1.3.7 -> 1.3.8, the gateway's cache in 1.3.8 becomes
# a bind mount, dpkg -i 1.3.7 (a downgrade: the cache stays in 1.3.8's
# dir), then dpkg -i 1.3.9: the data 1.3.7 holds (the version dpkg
# replaces) must move into 1.3.9, though 1.3.8's dir still holds data.
case_dpkg_upgrade_with_data_left_in_skipped_dir() {
    with_137 || return
    put_data 1.3.7 || fail "put data" || return
    local data_files=("${data_files[@]}")
    unset 'data_files[6]' # the cache stays in its mount
    dpkg_in -i "$(deb 1.3.8)" && data_once_in 1.3.8 || fail "1.3.7 -> 1.3.8: $(tail -3 "$work/out")" || return
    local v8=$root$top/1.3.8 src=$root/srv/cache
    mkdir -p "$src" && mv "$v8/leo_gateway/cache/dm-7.cache" "$src/"
    mount --bind "$src" "$v8/leo_gateway/cache" || fail "mount --bind" || return
    mounts+=("$v8/leo_gateway/cache")
    local ok=yes
    dpkg_in -i "$(deb 1.3.7)" && data_once_in 1.3.7 || { fail "dpkg -i 1.3.7 (downgrade): $(tail -3 "$work/out")"; ok=no; }
    [[ $ok == no ]] || dpkg_in -i "$(deb 1.3.9)" || { fail "dpkg -i 1.3.9: $(tail -3 "$work/out")"; ok=no; }
    [[ $ok == no ]] || data_once_in 1.3.9 ||
        { ok=no; echo "  1.3.9's $(grep obj_ "$root$top/1.3.9/leo_storage/etc/leo_storage.conf"); $(grep -c 'leofs-dpkg-hook.*1\.3\.7' "$work/out") lines of ours name 1.3.7; $(grep -o 'config-takeover: .*' "$work/out" | cut -c1-60)"; }
    umount "$v8/leo_gateway/cache"
    [[ $ok == yes ]]
}

# The same through dnf, where rpm names the version it replaces: 1.3.7's
# data moves into 1.3.9 (the contrast to dpkg's file trigger above).
case_dnf_upgrade_with_data_left_in_skipped_dir() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    put_data 1.3.7 || fail "put data" || return
    local data_files=("${data_files[@]}")
    unset 'data_files[6]'
    dnf_in upgrade "$(pkg 1.3.8)" && data_once_in 1.3.8 || fail "1.3.7 -> 1.3.8: $(tail -3 "$work/out")" || return
    local v8=$root$top/1.3.8 src=$root/srv/cache
    mkdir -p "$src" && mv "$v8/leo_gateway/cache/dm-7.cache" "$src/"
    mount --bind "$src" "$v8/leo_gateway/cache" || fail "mount --bind" || return
    mounts+=("$v8/leo_gateway/cache")
    local ok=yes
    dnf_in downgrade "$(pkg 1.3.7)" && data_once_in 1.3.7 || { fail "dnf downgrade: $(tail -3 "$work/out")"; ok=no; }
    [[ $ok == no ]] || dnf_in upgrade "$work/rpms/leofs-1.3.9-1.noarch.rpm" || { fail "dnf upgrade 1.3.9: $(tail -3 "$work/out")"; ok=no; }
    [[ $ok == no ]] || data_once_in 1.3.9 || ok=no
    umount "$v8/leo_gateway/cache"
    [[ $ok == yes ]]
}

if [[ -n ${LU_HOOKS_DEB:-} ]]; then hooks_deb=$LU_HOOKS_DEB; else build_our_package; fi
build_base_stand_ins
build_leofs_debs
sh "$source/tests/packages/make-leofs-deb.sh" "$work/debs" 1.3.9 "$source/scriptlets" >/dev/null ||
    { echo "cannot build leofs 1.3.9"; exit 1; }
build_official_debs
build_packages
rpmbuild -bb --quiet --define "_topdir $work/top" --define "ver 1.3.9" \
    --define "tree $source/tests/packages/leofs-tree.sh" "$source/tests/packages/leofs-test.spec.in" \
    >"$work/rpmbuild-1.3.9.log" 2>&1 && mv "$work"/top/RPMS/noarch/leofs-1.3.9-1.noarch.rpm "$work/rpms/" &&
    sign_packages "$work/rpms/leofs-1.3.9-1.noarch.rpm" || { cat "$work/rpmbuild-1.3.9.log"; exit 1; }

! wanted case_dnf_upgrade_downgrade || run_case case_dnf_upgrade_downgrade
for deb_mode in chrootless chroot; do
    ! wanted case_dpkg_test_debs || run_case_as "$deb_mode" case_dpkg_test_debs
    ! wanted case_dpkg_official_debs || run_case_as "$deb_mode" case_dpkg_official_debs
done
deb_mode=chrootless
! wanted case_dpkg_official_downgrade_keeps_edits || run_case case_dpkg_official_downgrade_keeps_edits
! wanted case_policy_off_keeps_data || run_case case_policy_off_keeps_data
! wanted case_legacy_absolute_paths_next_upgrade || run_case case_legacy_absolute_paths_next_upgrade
! wanted case_apt_test_debs || run_case case_apt_test_debs
! wanted case_apt_official_debs || run_case case_apt_official_debs
! wanted case_absolute_path_into_old_dir || run_case case_absolute_path_into_old_dir
! wanted case_hostile_runner || run_case case_hostile_runner
! wanted case_hostile_runner_dnf || run_case case_hostile_runner_dnf
! wanted case_hostile_symlinked_parts_in_root || run_case case_hostile_symlinked_parts_in_root
! wanted case_bind_mount_stays || run_case case_bind_mount_stays
! wanted case_new_version_on_another_filesystem || run_case case_new_version_on_another_filesystem
! wanted case_dpkg_downgrade_with_data_left_in_older_dir || run_case case_dpkg_downgrade_with_data_left_in_older_dir
! wanted case_dpkg_upgrade_with_data_left_in_skipped_dir || run_case case_dpkg_upgrade_with_data_left_in_skipped_dir
! wanted case_dnf_upgrade_with_data_left_in_skipped_dir || run_case case_dnf_upgrade_with_data_left_in_skipped_dir
finish
