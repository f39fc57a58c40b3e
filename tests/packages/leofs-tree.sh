#!/bin/sh
# leofs-tree.sh DESTDIR VERSION: lay down a tree shaped like LeoFS's own
# package (version dir with the four nodes and their etc/ log/ work/ bin/
# snmp/*/db, storage avs/, gateway cache/, and from 1.3.8 the packaged
# "current" symlink) under DESTDIR, for the test packages (rpm and deb).
set -eu
dest=$1 ver=$2
top=$dest/usr/local/leofs/$ver
for n in leo_manager_0:manager leo_manager_1:manager leo_storage:storage leo_gateway:gateway; do
    d=${n%%:*} t=${n##*:}
    for s in etc log work bin snmp/snmpa_$t/db; do mkdir -p "$top/$d/$s"; done
    printf 'nodename = %s@127.0.0.1\nqueue_dir = ./work/queue\nlog.log_level = 1\n' "${d#leo_}" \
        >"$top/$d/etc/leo_$t.conf"
    printf 'RUNNER_USER=\n' >"$top/$d/etc/leo_$t.environment"
    printf '#!/bin/sh\n' >"$top/$d/bin/leo_$t"
done
mkdir -p "$top/leo_storage/avs" "$top/leo_gateway/cache"
printf 'obj_containers.path = [./avs]\n' >>"$top/leo_storage/etc/leo_storage.conf"
if [ "$(printf '%s\n' 1.3.8 "$ver" | sort -V | head -n1)" = 1.3.8 ]; then
    ln -s "$ver" "$dest/usr/local/leofs/current"
fi
