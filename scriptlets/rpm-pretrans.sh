# LeoFS upgrade hooks: the leofs package's pretrans scriptlet, for systems where the
# rpm plugin (rpm-plugin-leofs) is not installed or rpm runs --noplugins.
# Paste into the leofs spec as its pretrans section (with -p /bin/sh). When the plugin is
# loaded it sets LEOFS_UPGRADE_PLUGIN for scriptlets and does the work
# itself, so nothing is done twice. A refusal fails this package's install
# before any of its files change.
if [ -z "${LEOFS_UPGRADE_PLUGIN:-}" ] && [ -x /usr/sbin/leofs-upgrade ]; then
    /usr/sbin/leofs-upgrade --brief pre %{version} || exit 1
fi
exit 0
