# leofs-upgrade-hooks: paste into the LeoFS package's preinst, before
# #DEBHELPER#, and give the package "Pre-Depends: leofs-upgrade-hooks" so
# that the helper is configured before this runs (without it, a first
# install of both in one run skips the check). Before dpkg unpacks LeoFS it
# refuses an unsafe upgrade (several LeoFS versions, a running LeoFS node,
# a directory where /usr/local/leofs/current goes) and stops a stale epmd;
# a refusal makes dpkg unwind and leave the old version as it was. Works
# under DPKG_ROOT. Without the helper installed it does nothing.
if [ -x "$DPKG_ROOT/usr/sbin/leofs-dpkg-hook" ]; then
    "$DPKG_ROOT/usr/sbin/leofs-dpkg-hook" preinst "$@" || exit $?
fi
