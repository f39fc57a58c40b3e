#!/bin/sh
# make-official-deb.sh OUTDIR VERSION: build leofs_VERSION-1_all.deb shaped
# leofs_VERSION-1_all.deb as LeoFS's own deb/make_deb.sh made them at the
# 1.3.7 and 1.3.8 releases (leo-project/leofs_package), for the dpkg and apt
# integration tests: the tree leofs-tree.sh lays down (with each node's
# etc/leo_<type>.d/), no preinst, and no conffiles outside /etc (debhelper
# compat 9 marks only /etc: none in 1.3.7; /etc/leofs in 1.3.8). The
# postinst does what the official one does: 1.3.7 a /bin/sh one (user and
# group when missing, the cookie, chown -R and chmod 2755 of the new
# version's avs, cache, log and work, chown of etc and snmp/*/db); 1.3.8 a
# /bin/bash one under set -e that also owns /etc/leofs/leo_*, presets
# leofs-epmd.socket on upgrades from < 1.3.8, runs systemctl daemon-reload
# (fatal under set -e where it fails) and systemctl start leofs-epmd.socket
# || :, with a prerm and postrm calling systemctl. Only the Erlang release
# is left out, and the Depends (sudo, systemd) the test roots cannot meet.
set -eu
out=$1 ver=$2
here=$(dirname "$0")
stage=$(mktemp -d "${TMPDIR:-/tmp}/lu-odeb-XXXXXX")
trap 'rm -rf "$stage"' EXIT
sh "$here/leofs-tree.sh" "$stage" "$ver"
top=/usr/local/leofs/$ver
for n in leo_manager_0:manager leo_manager_1:manager leo_storage:storage leo_gateway:gateway; do
    mkdir -p "$stage$top/${n%%:*}/etc/leo_${n##*:}.d"
done
at_least_138=$([ "$(printf '%s\n' 1.3.8 "$ver" | sort -V | head -n1)" = 1.3.8 ] && echo yes || echo no)
mkdir -p "$stage/DEBIAN"
{
    echo "Package: leofs"
    echo "Version: $ver-1"
    echo "Architecture: all"
    echo "Maintainer: LeoProject <leoproject_leofs@googlegroups.com>"
    echo "Description: LeoFS test package shaped like the official one"
    echo " Built like deb/make_deb.sh of leo-project/leofs_package, without the release."
} >"$stage/DEBIAN/control"

if [ "$at_least_138" = yes ]; then
    # /etc/leofs: leofs.conf and a copy of each node's files (conffiles, as dh marks /etc).
    mkdir -p "$stage/etc/leofs" "$stage/lib/systemd/system"
    printf 'GLOBAL_CONFIG=no\n' >"$stage/etc/leofs/leofs.conf"
    for d in leo_manager_0 leo_manager_1 leo_storage leo_gateway; do
        mkdir -p "$stage/etc/leofs/$d"
        cp -r "$stage$top/$d/etc/." "$stage/etc/leofs/$d/"
    done
    printf '[Socket]\nListenStream=0.0.0.0:4369\n' >"$stage/lib/systemd/system/leofs-epmd.socket"
    (cd "$stage" && find etc -type f | sed 's|^|/|' | sort) >"$stage/DEBIAN/conffiles"
    shell=/bin/bash
else
    shell=/bin/sh
fi

# The postinst, written for these tests to do what the official one does
# (same commands on the same paths, same failure behaviour under set -e).
{
    echo "#!$shell"
    echo "set -e"
    echo "v=$ver"
    echo "with_etc_leofs=$at_least_138"
    cat <<'SCRIPT'
[ "$1" = configure ] || exit 0
# The account, only when it is missing.
getent group leofs >/dev/null || addgroup --quiet --system leofs
getent passwd leofs >/dev/null ||
    adduser --system --group --home /usr/local/leofs --quiet --shell /sbin/nologin \
        --gecos "LeoFS Object Storage" leofs
# The Erlang cookie: md5 hex of 32 random bytes when missing, then leofs's, 0400.
c=/usr/local/leofs/.erlang.cookie
if [ ! -f $c ]; then
    /bin/echo -ne "$(dd if=/dev/urandom bs=1 count=32 2>/dev/null | md5sum | cut -d ' ' -f 1)" >$c
fi
[ "$(stat -c %G:%U $c)" = leofs:leofs ] || chown leofs:leofs $c
[ "$(stat -c %a $c)" = 400 ] || chmod 0400 $c
# The new version's runtime dirs: recursively for data and logs.
top=/usr/local/leofs/$v
for d in $top/leo_storage/avs $top/leo_gateway/cache $top/leo_*/log; do
    chown -R leofs:leofs $d
    chmod -R 2755 $d
done
for d in $top/leo_*/work; do chown -R leofs:leofs $d; chmod 2755 $d; done
for d in $top/leo_*/etc $top/leo_*/snmp/*/db; do chown leofs:leofs $d; chmod 2755 $d; done
if [ "$with_etc_leofs" = yes ]; then
    for d in /etc/leofs/leo_manager_0 /etc/leofs/leo_manager_1 /etc/leofs/leo_storage \
        /etc/leofs/leo_gateway; do
        chown leofs:leofs $d
        chmod 2755 $d
    done
    # systemd: preset the socket when coming from < 1.3.8 (or new), reload
    # (fatal here when it fails), start the socket (not fatal).
    if [ -z "$2" ] || dpkg --compare-versions "$2" lt 1.3.8; then
        systemctl preset leofs-epmd.socket
    fi
    systemctl daemon-reload
    systemctl start leofs-epmd.socket || :
fi
exit 0
SCRIPT
} >"$stage/DEBIAN/postinst"
chmod 755 "$stage/DEBIAN/postinst"
if [ "$at_least_138" = yes ]; then
    printf '#!/bin/sh\nset -e\n[ "$1" != remove ] || for u in leofs-epmd.service leofs-epmd.socket; do\n    systemctl --no-reload disable $u >/dev/null 2>&1 || :\n    systemctl stop $u >/dev/null 2>&1 || :\ndone\nexit 0\n' \
        >"$stage/DEBIAN/prerm"
    printf '#!/bin/sh\nset -e\n[ "$1" != remove ] || systemctl daemon-reload\nexit 0\n' >"$stage/DEBIAN/postrm"
    chmod 755 "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"
fi
dpkg-deb --root-owner-group -Zxz -b "$stage" "$out/leofs_${ver}-1_all.deb" >/dev/null
echo "$out/leofs_${ver}-1_all.deb"
