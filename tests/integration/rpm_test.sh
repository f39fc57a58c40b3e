#!/usr/bin/env bash
# rpm_test.sh: the rpm plugin in real rpm, rpmbuild and dnf transactions
# into temporary roots. Usage: rpm_test.sh BUILD_DIR SOURCE_DIR
# Builds leofs test packages with rpmbuild, then upgrades with the plugin
# loaded from the build tree. Prints "N passed, N failed".
set -uo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
plugin_dir=$build/rpm-plugin
work=$(mktemp -d "${TMPDIR:-/tmp}/lu-rpm-XXXXXX")
source "$source/tests/integration/case_lib.sh"
source "$source/tests/integration/rpm_sign.sh"

build_packages() {
    local spec=$source/tests/packages/leofs-test.spec.in
    local tree=$source/tests/packages/leofs-tree.sh
    for v in 1.3.2 1.3.7 1.3.8; do
        rpmbuild -bb --quiet --define "_topdir $work/top" --define "ver $v" --define "tree $tree" "$spec" \
            >"$work/rpmbuild-$v.log" 2>&1 || { cat "$work/rpmbuild-$v.log"; exit 1; }
    done
    mkdir -p "$work/rpms" && mv "$work"/top/RPMS/noarch/*.rpm "$work/rpms/"
    rpmbuild -bb --quiet --define "_topdir $work/top" --define "ver 1.3.8" --define "tree $tree" \
        --define "with_fallback 1" --define "scriptlets $source/scriptlets" "$spec" \
        >"$work/rpmbuild-fallback.log" 2>&1 || { cat "$work/rpmbuild-fallback.log"; exit 1; }
    mkdir -p "$work/fallback" && mv "$work"/top/RPMS/noarch/*.rpm "$work/fallback/"
    # A package that is not LeoFS.
    mkdir -p "$work/other" && cat >"$work/other/other.spec" <<'SPEC'
Name: other
Version: 1
Release: 1
Summary: not LeoFS
License: MIT
BuildArch: noarch
%description
Not LeoFS.
%install
mkdir -p %{buildroot}/opt/other && echo x >%{buildroot}/opt/other/file
%files
/opt/other/file
SPEC
    rpmbuild -bb --quiet --define "_topdir $work/other/top" "$work/other/other.spec" \
        >"$work/other/log" 2>&1 || { cat "$work/other/log"; exit 1; }
    mv "$work"/other/top/RPMS/noarch/other-1-1.noarch.rpm "$work/other.rpm"
    # Signed, as rpm 6 by default installs nothing else (one copy not).
    cp "$work/other.rpm" "$work/other-unsigned.rpm"
    sign_packages "$work"/rpms/*.rpm "$work"/fallback/*.rpm "$work/other.rpm" || exit 1
}

# rpm into $root with our plugin from the build tree; output in $work/out.
rpm_in() {
    trust_test_key "$root" >"$work/out" || return
    rpm --root "$root" --dbpath /var/lib/rpm "${rpm_policy[@]}" \
        --define "__plugindir $plugin_dir" \
        --define '__transaction_leofs %{__plugindir}/leofs.so' "$@" >"$work/out" 2>&1
}
rpm_q() { rpm --root "$root" --dbpath /var/lib/rpm -q "$@" 2>/dev/null; }
pkg() { echo "$work/rpms/leofs-$1-1.noarch.rpm"; }

# The node's data in 1.3.7's dir, as nodes leave it.
put_data() {
    local v=/usr/local/leofs/$1
    mkdir -p "$root$v/leo_storage/avs/object" "$root$v/leo_storage/work/queue/1" \
        "$root$v/leo_manager_0/work/mnesia/127.0.0.1" &&
        echo data >"$root$v/leo_storage/avs/object/0.avs" &&
        echo queued >"$root$v/leo_storage/work/queue/1/message0" &&
        echo schema >"$root$v/leo_manager_0/work/mnesia/127.0.0.1/schema.DAT"
}
# The data is in version $1's dir, and not in $2's.
data_in() {
    local f
    for f in leo_storage/avs/object/0.avs leo_storage/work/queue/1/message0 \
        leo_manager_0/work/mnesia/127.0.0.1/schema.DAT; do
        [[ -f $root/usr/local/leofs/$1/$f ]] || fail "$f is not in $1's dir" || return
        [[ ! -e $root/usr/local/leofs/$2/$f ]] || fail "$f is still in $2's dir" || return
    done
}
# rpm -V: no packaged file changed owner, group or mode.
verify_clean() {
    local verify
    verify=$(rpm --root "$root" --dbpath /var/lib/rpm -V leofs 2>&1 | grep -v Alien)
    if grep -Eq '^.(M|.{3}[UG]|.{4}G)' <<<"$verify"; then
        fail "rpm -V reports owner or mode changes: $verify"; return 1
    fi
}

case_upgrade() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    printf 'OLDCOOKIE' >"$root/usr/local/leofs/.erlang.cookie"
    chmod 644 "$root/usr/local/leofs/.erlang.cookie"
    # The operator's setting and the node's data, to be taken over.
    local conf=/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf
    sed -i 's/^log.log_level = 1/log.log_level = 3/' "$root$conf"
    put_data 1.3.7 || fail "put data" || return
    rpm_in -U "$(pkg 1.3.8)" || fail "rpm -U failed: $(tail -3 "$work/out")" || return
    local new_conf=$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf
    grep -q '^log.log_level = 3$' "$new_conf" || fail "the operator's setting was not taken over" || return
    # The data followed the version: the config stays relative.
    said "^leofs: data-move: moved " || return
    grep -q '^obj_containers.path = \[./avs\]$' "$new_conf" ||
        fail "obj_containers.path is not relative: $(grep obj_ "$new_conf")" || return
    grep -q '^queue_dir = ./work/queue$' "$new_conf" || fail "queue_dir: $(grep queue "$new_conf")" || return
    data_in 1.3.8 1.3.7 || return
    [[ $(owner /usr/local/leofs/1.3.8/leo_storage/avs/object/0.avs) == 990:990 ]] ||
        fail "the data moved is not leofs's" || return
    [[ -f $root/usr/local/leofs/1.3.7/leo_storage/DATA-MOVED ]] || fail "no DATA-MOVED note" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current not on 1.3.8" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 ]] || fail "cookie owner" || return
    [[ $(mode /usr/local/leofs/.erlang.cookie) == 400 ]] || fail "cookie mode" || return
    [[ $(cat "$root/usr/local/leofs/.erlang.cookie") == OLDCOOKIE ]] || fail "cookie content" || return
    [[ $(owner /usr/local/leofs/1.3.8/leo_storage/avs) == 990:990 ]] || fail "avs owner" || return
    [[ $(mode /usr/local/leofs/1.3.8/leo_storage/avs) == 2755 ]] || fail "avs mode" || return
    [[ $(owner /usr/local/leofs/1.3.8/leo_manager_0/work) == 990:990 ]] || fail "work owner" || return
    [[ $(rpm_q leofs) == leofs-1.3.8-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    # rpm -V: no packaged file changed owner, group or mode (the merged
    # config file's content and time change, as the man page says).
    verify_clean || return
    [[ $(rpm --root "$root" --dbpath /var/lib/rpm -V leofs 2>&1) == *"/1.3.8/leo_storage/etc/leo_storage.conf"* ]] ||
        fail "rpm -V does not see the merged config" || return
    # The operator tidies up: nothing is lost.
    rm -rf "$root/usr/local/leofs/1.3.7"
    [[ -f $root/usr/local/leofs/current/leo_storage/avs/object/0.avs &&
        -f $root/usr/local/leofs/current/leo_storage/work/queue/1/message0 &&
        -f $root/usr/local/leofs/current/leo_manager_0/work/mnesia/127.0.0.1/schema.DAT ]] ||
        fail "data lost with the old version dir" || return
}

# rpm -U --oldpackage: the data moves back into the version rpm installs.
case_downgrade_brings_the_data_back() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    put_data 1.3.7 || fail "put data" || return
    rpm_in -U "$(pkg 1.3.8)" || fail "rpm -U failed: $(tail -3 "$work/out")" || return
    data_in 1.3.8 1.3.7 || return
    rpm_in -U -v --oldpackage "$(pkg 1.3.7)" || fail "rpm -U --oldpackage failed: $(tail -3 "$work/out")" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    said "^leofs: data-move: moved .* from 1.3.8 to 1.3.7" || return
    data_in 1.3.7 1.3.8 || return
    grep -q '^obj_containers.path = \[./avs\]$' "$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf" ||
        fail "1.3.7's config: $(grep obj_ "$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf")" || return
    [[ ! -e $root/usr/local/leofs/1.3.7/leo_storage/DATA-MOVED ]] || fail "stale note in 1.3.7" || return
    grep -q '^avs -> /usr/local/leofs/1.3.7/leo_storage/avs$' "$root/usr/local/leofs/1.3.8/leo_storage/DATA-MOVED" ||
        fail "1.3.8's note: $(cat "$root/usr/local/leofs/1.3.8/leo_storage/DATA-MOVED" 2>&1)" || return
    verify_clean || return
    rm -rf "$root/usr/local/leofs/1.3.8"
    [[ -f $root/usr/local/leofs/1.3.7/leo_storage/avs/object/0.avs ]] || fail "data lost" || return
}

case_install_beside_refused() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    if rpm_in -i "$(pkg 1.3.8)"; then fail "rpm -i of a second version went through"; return 1; fi
    said "would leave several leofs versions installed" || return
    [[ ! -e $root/usr/local/leofs/1.3.8 ]] || fail "1.3.8 files were laid down" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
}

case_two_installed_refused() {
    rpm_in -i --noplugins "$(pkg 1.3.2)" "$(pkg 1.3.7)" || fail "install both" || return
    if rpm_in -U "$(pkg 1.3.8)"; then fail "upgrade with two installed went through"; return 1; fi
    said "several leofs versions are installed" || return
    said "rpm -e leofs-1.3.2-1.noarch" || return
    [[ $(rpm_q leofs | wc -l) == 2 && ! -e $root/usr/local/leofs/1.3.8 ]] || fail "state changed" || return
}

case_current_directory_refused() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    mkdir -p "$root/usr/local/leofs/current" && echo precious >"$root/usr/local/leofs/current/notes"
    if rpm_in -U "$(pkg 1.3.8)"; then fail "upgrade over a current directory went through"; return 1; fi
    said "is a real directory" || return
    [[ $(cat "$root/usr/local/leofs/current/notes") == precious ]] || fail "data lost" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch && ! -e $root/usr/local/leofs/1.3.8 ]] ||
        fail "state changed" || return
}

case_test_mode_changes_nothing() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    printf 'C' >"$root/usr/local/leofs/.erlang.cookie"
    rpm_in -U --test "$(pkg 1.3.8)" || fail "rpm -U --test failed: $(tail -3 "$work/out")" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 0:0 ]] || fail "cookie changed" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
}

case_disabled_by_macro() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    # Read as rpm reads a number: 0 and "no" leave the plugin on; other
    # package names leave leofs to nobody.
    local value
    for value in 0 no; do
        if rpm_in -i --define "_leofs_upgrade_disabled $value" "$(pkg 1.3.8)"; then
            fail "_leofs_upgrade_disabled $value switched the plugin off"; return 1
        fi
    done
    rpm_in -i --test --define '_leofs_upgrade_packages other-leofs' "$(pkg 1.3.8)" ||
        fail "leofs counted with _leofs_upgrade_packages other-leofs" || return
    rpm_in -i --define '_leofs_upgrade_disabled yes' --test "$(pkg 1.3.8)" ||
        fail "_leofs_upgrade_disabled yes did not switch it off: $(tail -3 "$work/out")" || return
    rpm_in -i --define '_leofs_upgrade_disabled 1' "$(pkg 1.3.8)" ||
        fail "a disabled plugin still refused: $(tail -3 "$work/out")" || return
    [[ $(rpm_q leofs | wc -l) == 2 ]] || fail "rpm -q: $(rpm_q leofs)" || return
}

# A shell and leofs-upgrade inside the root, for the scriptlet fallback
# (rpm runs scriptlets chrooted into the root).
install_tools_in_root() {
    mkdir -p "$root/bin" "$root/usr/sbin"
    cp /bin/busybox "$root/bin/sh"
    cp "$build/cli/leofs-upgrade" "$root/usr/sbin/leofs-upgrade"
    local lib
    for lib in $(ldd "$build/cli/leofs-upgrade" | awk '/=>/ {print $3} /^[ \t]*\// {print $1}'); do
        cp --parents -L "$lib" "$root"
    done
    # rpm's own configuration, as a system with rpm has it (leofs-upgrade
    # reads the root's rpmdb), with the rpmdb where these tests keep it.
    cp --parents /usr/lib/rpm/rpmrc /usr/lib/rpm/macros "$root"
    mkdir -p "$root/etc/rpm" && echo '%_dbpath /var/lib/rpm' >"$root/etc/rpm/macros"
}

# LeoFS's own spec before 1.3.3 marks no file %config: rpm -U erases the
# edited config with 1.3.2's files, and the plugin's pre phase saved it.
edited_132() {
    rpm_in -i --noplugins "$(pkg 1.3.2)" || fail "install 1.3.2" || return
    local conf=$root/usr/local/leofs/1.3.2/leo_storage/etc/leo_storage.conf
    sed -i 's/^log.log_level = 1/log.log_level = 3/' "$conf"
    grep -q '^log.log_level = 3$' "$conf" || fail "the edit did not take: $(grep log_level "$conf")"
}
took_132s_edit_over() {
    [[ ! -e $root/usr/local/leofs/1.3.2/leo_storage/etc/leo_storage.conf ]] ||
        fail "rpm kept 1.3.2's config: the package is not shaped like LeoFS's own before 1.3.3" || return
    local conf=$root/usr/local/leofs/1.3.8/leo_storage/etc/leo_storage.conf
    grep -q '^log.log_level = 3$' "$conf" || fail "the edit is lost: $(grep log_level "$conf")" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/saved/1.3.2 ]] || fail "the save was not removed" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/replacing ]] || fail "the replacing note was not forgotten"
}
case_upgrade_from_a_spec_without_config_files() {
    edited_132 || return
    rpm_in -U "$(pkg 1.3.8)" || fail "rpm -U failed: $(tail -5 "$work/out")" || return
    said "config-save: saved" || return
    took_132s_edit_over
}
case_noplugins_fallback_saves_the_config() {
    edited_132 || return
    install_tools_in_root
    # (The scriptlet runs chrooted into a root without /dev: with the cookie
    # there, no step needs a random source, which the old-kernel run lacks.)
    printf 'C' >"$root/usr/local/leofs/.erlang.cookie"
    rpm_in -U --noplugins --nodeps "$work/fallback/leofs-1.3.8-1.noarch.rpm" ||
        fail "rpm -U --noplugins failed: $(tail -5 "$work/out")" || return
    took_132s_edit_over
}
# Reinstalling it writes the shipped copy over the edit: the saved one is
# put back, root's own file as root's (1.3.2's etc is root's alone), with
# no shipped copy beside it that would mark it as merged.
case_reinstall_from_a_spec_without_config_files() {
    edited_132 || return
    local conf=$root/usr/local/leofs/1.3.2/leo_storage/etc/leo_storage.conf
    rpm_in -U --replacepkgs "$(pkg 1.3.2)" || fail "rpm -U --replacepkgs failed: $(tail -5 "$work/out")" || return
    said "put back" || return
    grep -q '^log.log_level = 3$' "$conf" || fail "the edit is lost: $(grep log_level "$conf")" || return
    [[ ! -e $conf.leofs-dist ]] || fail "root's own file came back marked as merged" || return
    grep -q '^log.log_level = 1$' "$conf.leofs-replaced" || fail "the shipped copy is not kept as .leofs-replaced" || return
    [[ $(owner /usr/local/leofs/1.3.2/leo_storage/etc/leo_storage.conf) == 0:0 &&
        $(mode /usr/local/leofs/1.3.2/leo_storage/etc/leo_storage.conf) == 644 ]] ||
        fail "owner or mode: $(owner /usr/local/leofs/1.3.2/leo_storage/etc/leo_storage.conf)" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/saved/1.3.2 ]] || fail "the save was not removed" || return
}

# A config the save must not read (the runner user owns etc/ from 1.3.3
# on: a symlink to a root-only file): refused before rpm changes anything.
case_config_that_cannot_be_saved_refuses() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    local conf=$root/usr/local/leofs/1.3.7/leo_storage/etc/leo_storage.conf
    echo 'root:secret' >"$root/etc/shadow-test" && chmod 600 "$root/etc/shadow-test"
    rm "$conf" && ln -s /etc/shadow-test "$conf"
    if rpm_in -U "$(pkg 1.3.8)"; then fail "the upgrade went through"; return 1; fi
    said "leo_storage.conf" || return
    said "could not be saved" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch && ! -e $root/usr/local/leofs/1.3.8 ]] ||
        fail "rpm changed something: $(rpm_q leofs)" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/saved/1.3.7 ]] || fail "something was saved" || return
}

# The rpmdb lists 1.3.7, its dir is gone (moved away by hand): nothing to
# save, and that blocks nothing.
case_old_version_dir_gone_is_not_refused() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    mv "$root/usr/local/leofs/1.3.7" "$root/moved-away"
    rpm_in -U "$(pkg 1.3.8)" || fail "rpm -U refused: $(grep -v Alien "$work/out" | tail -3)" || return
    [[ $(rpm_q leofs) == leofs-1.3.8-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    [[ ! -e $root/var/lib/leofs-upgrade-hooks/saved/1.3.7 ]] || fail "a save was made" || return
}

case_noplugins_fallback() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    install_tools_in_root
    printf 'C' >"$root/usr/local/leofs/.erlang.cookie"
    rpm_in -U --noplugins --nodeps "$work/fallback/leofs-1.3.8-1.noarch.rpm" ||
        fail "rpm -U --noplugins failed: $(tail -5 "$work/out")" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 ]] || fail "fallback did not fix the cookie" || return
    # Brief, as rpm's own lines: a line per step that changed something, no report.
    said "leofs-upgrade: cookie: owned by leofs, mode 0400" || return
    if grep -q "unchanged\|^post: " "$work/out"; then fail "the scriptlet printed the whole report: $(head -5 "$work/out")"; return 1; fi
}

case_plugin_and_fallback_work_once() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    install_tools_in_root
    printf 'C' >"$root/usr/local/leofs/.erlang.cookie"
    rpm_in -U --nodeps "$work/fallback/leofs-1.3.8-1.noarch.rpm" ||
        fail "rpm -U failed: $(tail -5 "$work/out")" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 ]] || fail "cookie" || return
    said "leofs: cookie:" || return
    # The fallback's leofs-upgrade would print its report ("post: done") or log lines.
    if grep -q "leofs-upgrade: \|^post: " "$work/out"; then fail "the scriptlet fallback ran too"; return 1; fi
}

case_running_node_refuses_then_lone_epmd_is_stopped() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    start_epmd || return
    start_node storage_0 || return
    if rpm_in -U "$(pkg 1.3.8)"; then fail "upgrade with a running node went through"; return 1; fi
    said "LeoFS nodes are running" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "state changed" || return
    stop_node storage_0
    rpm_in -U "$(pkg 1.3.8)" || fail "upgrade after stopping the node: $(tail -3 "$work/out")" || return
    said "stopped stale epmd" || return
    if ERL_EPMD_PORT=$port epmd -names >/dev/null 2>&1; then fail "epmd still answers"; return 1; fi
}

case_dnf_installroot() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    printf 'C' >"$root/usr/local/leofs/.erlang.cookie"
    local home=$work/dnf-home
    mkdir -p "$home"
    printf '%%_dbpath /var/lib/rpm\n%%__plugindir %s\n%%__transaction_leofs %%{__plugindir}/leofs.so\n%s\n' \
        "$plugin_dir" "$rpm_policy_macro" >"$home/.rpmmacros"
    HOME=$home /usr/bin/python3 /usr/bin/dnf --installroot="$root" --releasever=12 \
        --disablerepo='*' --nogpgcheck -y -q upgrade "$(pkg 1.3.8)" >"$work/out" 2>&1 ||
        fail "dnf upgrade failed: $(tail -5 "$work/out")" || return
    [[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || fail "current" || return
    [[ $(owner /usr/local/leofs/.erlang.cookie) == 990:990 ]] || fail "cookie" || return
}

# Under dnf (Python loads librpm RTLD_LOCAL, so leofs.so finds librpm's
# functions only among the loaded objects) the plugin still refuses an
# unsafe upgrade, and nothing changes.
case_dnf_refuses_unsafe_upgrade() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    mkdir -p "$root/usr/local/leofs/current" && echo precious >"$root/usr/local/leofs/current/notes"
    local home=$work/dnf-home
    mkdir -p "$home"
    printf '%%_dbpath /var/lib/rpm\n%%__plugindir %s\n%%__transaction_leofs %%{__plugindir}/leofs.so\n%s\n' \
        "$plugin_dir" "$rpm_policy_macro" >"$home/.rpmmacros"
    if HOME=$home /usr/bin/python3 /usr/bin/dnf --installroot="$root" --releasever=12 \
        --disablerepo='*' --nogpgcheck -y -q upgrade "$(pkg 1.3.8)" >"$work/out" 2>&1; then
        fail "dnf upgrade over a current directory went through"; return 1
    fi
    said "is a real directory" || return
    [[ $(cat "$root/usr/local/leofs/current/notes") == precious ]] || fail "data lost" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch && ! -e $root/usr/local/leofs/1.3.8 ]] ||
        fail "state changed" || return
}

# A leofs.so built for another librpm (its soname changed in a copy, as
# if built for librpm.so.x): every transaction stops, with a line saying
# what to do, rather than run without the plugin.
case_built_for_another_librpm_refuses() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    local other=$work/other-librpm
    mkdir -p "$other/leofs" && cp "$plugin_dir/leofs/core.so" "$other/leofs/"
    perl -0777 -pe 's/librpm\.so\.(\d+)\0/"librpm.so." . ("x" x length($1)) . "\0"/ge' \
        "$plugin_dir/leofs.so" >"$other/leofs.so"
    cmp -s "$plugin_dir/leofs.so" "$other/leofs.so" && { fail "the copy's soname was not changed"; return 1; }
    local saved=$plugin_dir status
    plugin_dir=$other
    rpm_in -i "$work/other.rpm"
    status=$?
    plugin_dir=$saved
    ((status != 0)) || fail "an rpm -i went through with a plugin built for another librpm" || return
    said "leofs: the rpm plugin leofs.so was built for librpm.so.x*, but librpm.so.x* is not loaded in this program: reinstall the rpm-plugin-leofs built for this rpm" ||
        return
    plugin_dir=$other
    rpm_in -U "$(pkg 1.3.8)"
    status=$?
    plugin_dir=$saved
    ((status != 0)) || fail "a leofs upgrade went through unchecked" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    rpm_q other >/dev/null && { fail "other was installed"; return 1; }
    return 0
}

# Quiet on success, as rpm's own plugins: a leofs upgrade prints one line
# per step that changed something, rpm -v adds each change, and a
# transaction without leofs prints nothing of ours.
case_quiet_unless_asked() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    printf 'C' >"$root/usr/local/leofs/.erlang.cookie"
    # Objects a root-run node left, for the ownership step to give away.
    mkdir -p "$root/usr/local/leofs/1.3.7/leo_storage/avs/object" &&
        echo data >"$root/usr/local/leofs/1.3.7/leo_storage/avs/object/0.avs"
    rpm_in -U "$(pkg 1.3.8)" || fail "rpm -U failed: $(tail -3 "$work/out")" || return
    local lines
    lines=$(grep -c '^leofs: ' "$work/out")
    [[ $(grep '^leofs: ' "$work/out" | cut -d: -f2 | sort | uniq -d) == "" ]] ||
        fail "a step said more than one line: $(grep '^leofs: ' "$work/out")" || return
    ((lines >= 2 && lines <= 6)) || fail "$lines leofs lines: $(grep '^leofs: ' "$work/out")" || return
    said "^leofs: ownership: " || return
    if grep -q "entries owned by" "$work/out"; then
        fail "per-directory detail without -v: $(grep 'entries owned' "$work/out" | head -2)"; return 1
    fi
    rpm_in -e --noplugins leofs && rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "reinstall 1.3.7" || return
    rm -f "$root/usr/local/leofs/.erlang.cookie" && printf 'C' >"$root/usr/local/leofs/.erlang.cookie"
    chmod 644 "$root/usr/local/leofs/.erlang.cookie"
    rpm_in -U -v "$(pkg 1.3.8)" || fail "rpm -U -v failed: $(tail -3 "$work/out")" || return
    said "^leofs: cookie: /usr/local/leofs/.erlang.cookie mode 0644 -> 0400$" || return
    # An unrelated package, with leofs installed and the plugin loaded.
    rpm_in -i "$work/other.rpm" || fail "rpm -i other" || return
    if grep -q "leofs" "$work/out"; then fail "unrelated rpm -i: $(cat "$work/out")"; return 1; fi
}

# leofs.so without its core module: a leofs transaction stops with a line
# saying what to do, one without leofs goes through as if nothing were there.
case_missing_core_refuses_leofs_only() {
    rpm_in -i --noplugins "$(pkg 1.3.7)" || fail "install 1.3.7" || return
    local lone=$work/lone-plugin
    mkdir -p "$lone" && cp "$plugin_dir/leofs.so" "$lone/"
    local saved=$plugin_dir
    plugin_dir=$lone
    rpm_in -U "$(pkg 1.3.8)"
    local status=$?
    plugin_dir=$saved
    ((status != 0)) || fail "rpm -U went through without the plugin's core" || return
    said "leofs: cannot load the plugin's core $lone/leofs/core.so" || return
    [[ $(rpm_q leofs) == leofs-1.3.7-1.noarch ]] || fail "rpm -q: $(rpm_q leofs)" || return
    plugin_dir=$lone
    rpm_in -i "$work/other.rpm"
    status=$?
    plugin_dir=$saved
    ((status == 0)) || fail "an unrelated rpm -i failed: $(cat "$work/out")" || return
    if grep -q "leofs" "$work/out"; then fail "unrelated rpm -i: $(cat "$work/out")"; return 1; fi
}

# The signature policy the tests run under is in force: an unsigned
# package is refused, and --nosignature (what rpm-plugin-leofs(8) tells
# sites with unsigned LeoFS packages) lets it in for one transaction.
case_signature_policy_in_force() {
    if rpm_in -i "$work/other-unsigned.rpm"; then fail "an unsigned package went in"; return 1; fi
    said "does not verify" || return
    rpm_in -i --nosignature "$work/other-unsigned.rpm" ||
        fail "rpm -i --nosignature: $(tail -3 "$work/out")" || return
    [[ $(rpm_q other) == other-1-1.noarch ]] || fail "rpm -q: $(rpm_q other)" || return
}

build_packages
if [[ $signing_on == yes ]]; then
    run_case case_signature_policy_in_force
else
    echo "skip - case_signature_policy_in_force: unsigned under the old-kernel filter (rpm_sign.sh)"
fi
run_case case_upgrade
run_case case_downgrade_brings_the_data_back
run_case case_quiet_unless_asked
run_case case_missing_core_refuses_leofs_only
run_case case_built_for_another_librpm_refuses
run_case case_install_beside_refused
run_case case_two_installed_refused
run_case case_current_directory_refused
run_case case_test_mode_changes_nothing
run_case case_disabled_by_macro
run_case case_noplugins_fallback
run_case case_upgrade_from_a_spec_without_config_files
run_case case_noplugins_fallback_saves_the_config
run_case case_reinstall_from_a_spec_without_config_files
run_case case_config_that_cannot_be_saved_refuses
run_case case_old_version_dir_gone_is_not_refused
run_case case_plugin_and_fallback_work_once
run_case case_running_node_refuses_then_lone_epmd_is_stopped
run_case case_dnf_installroot
run_case case_dnf_refuses_unsafe_upgrade
finish
