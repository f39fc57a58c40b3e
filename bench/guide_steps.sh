#!/bin/sh
# bench/guide_steps.sh ROOT OLD NEW: the post-upgrade steps of LeoFS's
# migration guide as an operator's shell script runs them, on the install
# inside ROOT, for bench/post_phase to compare with the post phase. The
# host's epmd is only looked at (pgrep), never killed. "leofs:leofs" is
# the root's leofs, 990:990 (the host may have no leofs user).
set -eu
root=$1 old=$2 new=$3 owner=990:990
home=$root/usr/local/leofs
# "pgrep -a epmd ... kill them with pkill epmd" (here: look only).
pgrep -a -x epmd >/dev/null || true
# Carry each node's configuration over ("backup current config files"),
# and its data into the new version's dir, onto the empty dirs shipped.
for node in leo_manager_0 leo_manager_1 leo_storage leo_gateway; do
    for conf in "$home/$old/$node"/etc/*.conf; do
        cp -p "$conf" "$home/$new/$node/etc/$(basename "$conf")"
    done
    for part in avs cache work/queue work/mnesia; do
        if [ -d "$home/$old/$node/$part" ]; then
            rm -rf "$home/$new/$node/$part"
            mv "$home/$old/$node/$part" "$home/$new/$node/$part"
        fi
    done
done
ln -sfn "$new" "$home/current"
chown "$owner" "$home/.erlang.cookie"
chmod 0400 "$home/.erlang.cookie"
chown -R "$owner" "$home/$new/leo_storage/avs"
chown -R "$owner" "$home/$new/leo_gateway/cache"
chown -R "$owner" "$home/$new"/leo_*/log
chown -R "$owner" "$home/$new"/leo_*/work
chown -R "$owner" "$home/$new"/leo_*/etc
chown -R "$owner" "$home/$new"/leo_*/snmp/*/db
rm -rf "$root/tmp/usr"
