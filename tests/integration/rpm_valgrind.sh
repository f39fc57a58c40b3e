#!/usr/bin/env bash
# rpm_valgrind.sh: the rpm plugin path under valgrind. Debian's rpm hangs
# with the ASan runtime preloaded, so leofs.so never runs sanitized; here
# real rpm transactions load the plugin from the build tree under
# valgrind's memcheck, and leofs-upgrade reads the same rpmdb.
# Usage: rpm_valgrind.sh BUILD_DIR SOURCE_DIR
# Prints "valgrind: N runs, N errors" and fails on any error or leak.
set -uo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
plugin_dir=$build/rpm-plugin
tool=$build/cli/leofs-upgrade
work=$(mktemp -d "${TMPDIR:-/tmp}/lu-valgrind-XXXXXX")
trap 'rm -rf "$work"' EXIT
runs=0
errors=0
bad=0

for v in 1.3.7 1.3.8; do
    rpmbuild -bb --quiet --define "_topdir $work/top" --define "ver $v" \
        --define "tree $source/tests/packages/leofs-tree.sh" \
        "$source/tests/packages/leofs-test.spec.in" >"$work/rpmbuild.log" 2>&1 ||
        { cat "$work/rpmbuild.log"; exit 1; }
done
pkg() { echo "$work/top/RPMS/noarch/leofs-$1-1.noarch.rpm"; }

new_root() {
    root=$(mktemp -d "$work/root-XXXXXX")
    mkdir -p "$root/etc" "$root/root"
    printf 'root:x:0:0:root:/root:/bin/sh\nleofs:x:990:990:LeoFS:/usr/local/leofs:/sbin/nologin\n' \
        >"$root/etc/passwd"
    printf 'root:x:0:\nleofs:x:990:\n' >"$root/etc/group"
    # For leofs-upgrade --db rpm: Debian's rpm keeps its db in ~/.rpmdb.
    printf '%%_dbpath /var/lib/rpm\n' >"$root/root/.rpmmacros"
}

# vg EXPECTED_STATUS LABEL COMMAND...: run COMMAND under memcheck; count
# its errors (leaks of kind definite and possible count as errors).
vg() {
    local expected=$1 label=$2 log=$work/vg-$runs.log status
    shift 2
    HOME=$root/root valgrind --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,possible --show-leak-kinds=definite,possible \
        --suppressions="$source/tests/valgrind/rpm.supp" --log-file="$log" "$@" \
        >"$work/out" 2>&1
    status=$?
    runs=$((runs + 1))
    local n
    n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
    errors=$((errors + ${n:-1}))
    if [[ $status -eq 99 || ${n:-1} -ne 0 ]]; then
        echo "FAIL - $label: valgrind found ${n:-?} errors"; cat "$log"; bad=$((bad + 1))
    elif [[ $status -ne $expected ]]; then
        echo "FAIL - $label: exit $status, expected $expected"; tail -5 "$work/out"; bad=$((bad + 1))
    else
        echo "ok - $label"
    fi
}
new_root
rpm_in=(rpm --root "$root" --dbpath /var/lib/rpm --define "__plugindir $plugin_dir"
        --define '__transaction_leofs %{__plugindir}/leofs.so')
rpm --root "$root" --dbpath /var/lib/rpm --noplugins -i "$(pkg 1.3.7)" >/dev/null 2>&1 ||
    { echo "cannot install 1.3.7"; exit 1; }
printf 'OLD' >"$root/usr/local/leofs/.erlang.cookie"
vg 0 "leofs-upgrade check (rpmdb)" "$tool" --root "$root" --db rpm check 1.3.8
vg 0 "leofs-upgrade pre (rpmdb)" "$tool" --root "$root" --db rpm pre 1.3.8
vg 0 "rpm -U --test with the plugin" "${rpm_in[@]}" -U --test "$(pkg 1.3.8)"
vg 1 "rpm -i beside 1.3.7, refused by the plugin" "${rpm_in[@]}" -i "$(pkg 1.3.8)"
vg 0 "rpm -U 1.3.7 -> 1.3.8 with the plugin (pre and post phases)" "${rpm_in[@]}" -U "$(pkg 1.3.8)"
[[ $(readlink "$root/usr/local/leofs/current") == 1.3.8 ]] || { echo "FAIL - current not on 1.3.8"; bad=$((bad + 1)); }
vg 0 "leofs-upgrade post (rpmdb read by pre only)" "$tool" --root "$root" --db none post 1.3.8
vg 0 "leofs-upgrade --json check" "$tool" --root "$root" --db rpm --json check
vg 0 "rpm -e leofs with the plugin" "${rpm_in[@]}" -e leofs
vg 2 "leofs-upgrade --db rpm, root without rpmdb" "$tool" --root "$work/top" --db rpm pre

echo "valgrind: $runs runs, $errors errors"
((bad == 0))
