# leofs-upgrade-hooks: paste into the LeoFS package's preinst, before
# #DEBHELPER#, and give the package "Pre-Depends: leofs-upgrade-hooks" so
# that the helper is configured before this runs (without it, a first
# install of both in one run skips the check). Before dpkg unpacks LeoFS it
# refuses an unsafe upgrade (several LeoFS versions, a running LeoFS node,
# a directory where /usr/local/leofs/current goes) and stops a stale epmd;
# a refusal makes dpkg unwind and leave the old version as it was; then it
# saves the old version's node configuration for the takeover (dpkg
# deletes config files the package does not mark as conffiles). Works
# under DPKG_ROOT. Without the helper installed it does nothing. (With the
# helper installed, its dpkg pre-invoke hook already does all this before
# dpkg starts, also for packages without this fragment; the fragment keeps
# the check where that hook is not read, e.g. dpkg --root from a host
# without leofs-upgrade-hooks.)
if [ -x "$DPKG_ROOT/usr/sbin/leofs-dpkg-hook" ]; then
    "$DPKG_ROOT/usr/sbin/leofs-dpkg-hook" preinst "$@" || exit $?
fi
