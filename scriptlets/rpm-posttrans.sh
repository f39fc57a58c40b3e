# LeoFS upgrade hooks: the leofs package's posttrans scriptlet, the repairs after the
# files are laid down, for systems without the rpm plugin (see
# rpm-pretrans.sh). Paste into the leofs spec as a "posttrans -p /bin/sh" section.
# A failing repair is reported with what to run by hand; it cannot undo
# the transaction.
if [ -z "${LEOFS_UPGRADE_PLUGIN:-}" ] && [ -x /usr/sbin/leofs-upgrade ]; then
    /usr/sbin/leofs-upgrade --brief post %{version} ||
        echo "leofs: the upgrade repairs did not all succeed: fix what is said above, then run: leofs-upgrade post %{version}" >&2
fi
exit 0
