#!/usr/bin/env bash
# rpm_plugin_dir.sh CMAKE SOURCE_DIR: the plugin is installed where the rpm
# whose librpm pkg-config found loads plugins from, never where the first
# rpm in PATH says. Configures the project with a copy of this machine's
# rpm.pc (PKG_CONFIG_PATH) changed four ways:
#   a. with rpmplugindir (as rpm >= 4.20 has it): that dir;
#   b. as it is, with another rpm first in PATH: the dir of the rpm beside
#      the librpm (its prefix's bin/rpm), not the other one's;
#   c. with a prefix that has no bin/rpm: rpm's default, libdir/rpm-plugins,
#      and a warning;
#   d. with a prefix whose bin/rpm is another rpm version: not asked (a
#      warning), rpm's default again.
set -euo pipefail
cmake=$1 src=$2
pc=$(pkg-config --variable=pcfiledir rpm)/rpm.pc
prefix=$(pkg-config --variable=prefix rpm)
libdir=$(pkg-config --variable=libdir rpm)
real_dir=$("$prefix/bin/rpm" --eval '%{__plugindir}')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# configure NAME: the LEOFS_RPM_PLUGIN_DIR that CMake chose with
# $work/NAME/pc/rpm.pc; CMake's output in $work/NAME/log.
configure() {
    PKG_CONFIG_PATH=$work/$1/pc "$cmake" -S "$src" -B "$work/$1/build" -DBUILD_TESTING=OFF \
        -DLEOFS_DPKG_HOOK=OFF >"$work/$1/log" 2>&1 || { cat "$work/$1/log" >&2; return 1; }
    sed -n 's/^LEOFS_RPM_PLUGIN_DIR:PATH=//p' "$work/$1/build/CMakeCache.txt"
}

# expect NAME GOT WANT [TEXT]: GOT is WANT, and CMake's output has TEXT.
expect() {
    if [[ $2 != "$3" ]]; then
        echo "FAIL: $1: plugin dir '$2', expected '$3'" >&2
        failed=1
    elif [[ -n ${4:-} ]] && ! grep -q "$4" "$work/$1/log"; then
        echo "FAIL: $1: CMake did not warn '$4'" >&2
        failed=1
    else
        echo "ok: $1: $2"
    fi
}

# A copy of rpm.pc with absolute paths, so that its prefix can change.
new_pc() {
    mkdir -p "$work/$1/pc"
    sed -e "s|^libdir=.*|libdir=$libdir|" -e "s|^includedir=.*|includedir=$(pkg-config \
        --variable=includedir rpm)|" -e "s|^prefix=.*|prefix=${2:-$prefix}|" "$pc" \
        >"$work/$1/pc/rpm.pc"
}

new_pc a
grep -v '^rpmplugindir=' "$work/a/pc/rpm.pc" >"$work/a/rpm.pc"
{ echo "rpmplugindir=$work/plugins-from-pc"; cat "$work/a/rpm.pc"; } >"$work/a/pc/rpm.pc"
expect a "$(configure a)" "$work/plugins-from-pc"

# Another rpm first in PATH (a stand-in for a second rpm installation,
# e.g. one built from source into /usr/local) must not be asked.
new_pc b
mkdir -p "$work/other/bin"
printf '#!/bin/sh\necho /other-rpm/plugins\n' >"$work/other/bin/rpm"
chmod 755 "$work/other/bin/rpm"
if grep -q '^rpmplugindir=' "$work/b/pc/rpm.pc"; then
    real_dir=$(pkg-config --variable=rpmplugindir rpm)
fi
expect b "$(PATH=$work/other/bin:$PATH configure b)" "$real_dir"

mkdir -p "$work/empty"
new_pc c "$work/empty"
sed -i '/^rpmplugindir=/d' "$work/c/pc/rpm.pc"
expect c "$(configure c)" "$libdir/rpm-plugins" "no rpmplugindir in rpm.pc"

# An rpm of another version beside the librpm: its answer would be for
# another librpm, so it is not used.
mkdir -p "$work/mismatch/bin"
printf '#!/bin/sh\ncase "$1" in --version) echo "RPM version 0.0.1";; *) echo /mismatch;; esac\n' \
    >"$work/mismatch/bin/rpm"
chmod 755 "$work/mismatch/bin/rpm"
new_pc d "$work/mismatch"
sed -i '/^rpmplugindir=/d' "$work/d/pc/rpm.pc"
expect d "$(configure d)" "$libdir/rpm-plugins" "is rpm '0.0.1' but pkg-config's librpm"
exit $failed
