#!/bin/sh
# make-leofs-deb.sh OUTDIR VERSION [SCRIPTLETS_DIR]: build leofs_VERSION-1_all.deb,
# a package shaped like LeoFS's own (the tree leofs-tree.sh lays down), for
# the dpkg and apt integration tests. With SCRIPTLETS_DIR its preinst and
# postinst hold our scriptlets/deb-*.sh fragments and it pre-depends on
# leofs-upgrade-hooks, as LeoFS packagers would do; without, it has no
# maintainer scripts, like an old LeoFS release. Its etc/*.conf files are
# conffiles, unless LEOFS_DEB_CONFFILES=no (as LeoFS's own 1.3.7 .deb:
# dpkg then deletes an edited one with the old version's files).
set -eu
out=$1 ver=$2 scriptlets=${3:-}
here=$(dirname "$0")
stage=$(mktemp -d "${TMPDIR:-/tmp}/lu-deb-XXXXXX")
trap 'rm -rf "$stage"' EXIT
sh "$here/leofs-tree.sh" "$stage" "$ver"
mkdir -p "$stage/DEBIAN"
{
    echo "Package: leofs"
    echo "Version: $ver-1"
    echo "Architecture: all"
    echo "Maintainer: LeoFS test <test@example.org>"
    [ -z "$scriptlets" ] || echo "Pre-Depends: leofs-upgrade-hooks"
    echo "Description: LeoFS test package"
    echo " A package shaped like LeoFS, for testing the upgrade hooks."
} >"$stage/DEBIAN/control"
# As LeoFS's own package: an operator's edits survive upgrades.
[ "${LEOFS_DEB_CONFFILES:-yes}" = no ] ||
    find "$stage/usr/local/leofs/$ver" -path '*/etc/*.conf' | sed "s|^$stage||" >"$stage/DEBIAN/conffiles"
if [ -n "$scriptlets" ]; then
    for script in preinst postinst; do
        { echo '#!/bin/sh'; echo 'set -e'; cat "$scriptlets/deb-$script.sh"; echo 'exit 0'; } \
            >"$stage/DEBIAN/$script"
        chmod 755 "$stage/DEBIAN/$script"
    done
fi
dpkg-deb --root-owner-group -Zgzip -b "$stage" "$out/leofs_${ver}-1_all.deb" >/dev/null
echo "$out/leofs_${ver}-1_all.deb"
