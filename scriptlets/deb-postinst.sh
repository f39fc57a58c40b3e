# leofs-upgrade-hooks: paste into the LeoFS package's postinst, before
# #DEBHELPER#. The repairs after the upgrade (current symlink, cookie,
# ownership, /tmp/usr, configuration takeover, epmd socket) run from the
# helper package's file trigger on /usr/local/leofs, after this script:
# nothing to do here when it is installed. Without it, say what is missing.
if [ "$1" = configure ] && [ ! -x "$DPKG_ROOT/usr/sbin/leofs-dpkg-hook" ]; then
    echo "leofs: leofs-upgrade-hooks is not installed: follow LeoFS's System Migration guide" \
        "by hand, or install leofs-upgrade-hooks and run: leofs-upgrade post" >&2
fi
