# systemd_container.sh: a real systemd (Debian 12's, as PID 1) in a
# container for the integration tests, sourced by systemd_test.sh.
#
#   container_cache      make the cached root when it is missing, stale or
#                        incomplete (debootstrap; the stamp is written last)
#   container_boot DIR   boot it on an overlay in DIR (a copy where overlayfs
#                        does not work); sets $leader, the container's PID 1
#   in_container CMD...  run CMD inside, in every namespace of the container
#   container_halt       stop what container_boot started, and only that
#
# The cache lives outside the clone (LEOFS_SYSTEMD_CACHE, by default
# /var/cache/leofs-upgrade-hooks) so that every clone and build dir on the
# machine shares one root; its lower dir is never written to. The
# container has its own network (port 4369 inside is not the host's).

container_cache_dir=${LEOFS_SYSTEMD_CACHE:-/var/cache/leofs-upgrade-hooks}
container_suite=bookworm
container_packages=systemd,erlang-base,iproute2,procps
# Changing what goes into the root changes this, which rebuilds the cache.
container_recipe="v1 $container_suite minbase $container_packages"
container_root=$container_cache_dir/systemd-$container_suite
container_stamp=$container_root.stamp

# The Debian mirror this machine uses: the first URIs of its deb822
# sources, else the first deb line of sources.list.
container_mirror() {
    local uri
    uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -v -- -security | head -1)
    [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    echo "${uri:-http://deb.debian.org/debian}"
}

container_cache_ok() {
    [[ -f $container_stamp && $(cat "$container_stamp") == "$container_recipe" &&
        -x $container_root/usr/lib/systemd/systemd && -x $container_root/usr/bin/epmd &&
        -x $container_root/usr/bin/systemctl && -x $container_root/usr/bin/journalctl ]]
}

# Build the root under a lock (concurrent runs wait for one builder).
container_cache() {
    mkdir -p "$container_cache_dir" || return
    (
        flock 9 || exit 1
        container_cache_ok && exit 0
        local new=$container_root.new start=$SECONDS
        rm -f "$container_stamp"
        rm -rf "$new" "$container_root"
        echo "# building the systemd container root in $container_root (once per machine)"
        debootstrap --variant=minbase --include="$container_packages" "$container_suite" "$new" \
            "$(container_mirror)" >"$container_cache_dir/debootstrap.log" 2>&1 ||
            { tail -20 "$container_cache_dir/debootstrap.log"; exit 1; }
        # LeoFS's runner account, as its packages create it.
        chroot "$new" groupadd -r leofs && chroot "$new" useradd -r -g leofs -d /usr/local/leofs \
            -s /usr/sbin/nologin leofs || exit 1
        rm -rf "$new/var/cache/apt/archives"/*.deb
        mv "$new" "$container_root" || exit 1
        echo "$container_recipe" >"$container_stamp"
        echo "# container root built in $((SECONDS - start)) s"
    ) 9>"$container_cache_dir/.lock"
}

container_work=
container_merged=
nspawn_pid=
leader=

# Boot the cached root on an overlay in $1 (which must exist and be empty).
# The caller copies files into $container_merged before, through $1/upper
# or the merged dir, with container_boot_prepare (a function it defines).
container_boot() {
    container_work=$1
    leader=
    container_merged=$container_work/merged
    mkdir -p "$container_work/upper" "$container_work/ovl" "$container_merged"
    if ! mount -t overlay overlay -o "lowerdir=$container_root,upperdir=$container_work/upper,workdir=$container_work/ovl" \
        "$container_merged" 2>/dev/null; then
        echo "# overlayfs not available: booting a copy of the root"
        cp -a "$container_root/." "$container_merged/" || return
        container_copied=1
    fi
    if declare -F container_boot_prepare >/dev/null; then
        container_boot_prepare "$container_merged" || return
    fi
    local name=lu-systemd-$$
    systemd-nspawn -q -b -D "$container_merged" -M "$name" --register=no --keep-unit \
        --private-network >"$container_work/console.log" 2>&1 </dev/null &
    nspawn_pid=$!
    # The container's PID 1 is the child of systemd-nspawn that runs systemd.
    local i child
    for i in $(seq 300); do
        for child in $(cat /proc/"$nspawn_pid"/task/*/children 2>/dev/null); do
            [[ $(cat /proc/"$child"/comm 2>/dev/null) == systemd ]] && leader=$child
        done
        [[ -n $leader ]] && break
        kill -0 "$nspawn_pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n $leader ]] || { echo "# the container did not start:"; tail -20 "$container_work/console.log"; return 1; }
    # Wait until systemd has finished booting (degraded is fine: the
    # hybrid cgroup setup fails a unit or two that the tests do not need).
    local state
    for i in $(seq 600); do
        state=$(in_container systemctl is-system-running 2>/dev/null)
        [[ $state == running || $state == degraded ]] && return 0
        kill -0 "$nspawn_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "# systemd in the container did not finish booting (state: ${state:-none})"
    tail -20 "$container_work/console.log"
    return 1
}

# Run a command inside the container with a fixed, small environment.
in_container() {
    nsenter -t "$leader" -a -r -w /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        HOME=/root TERM=dumb SYSTEMD_COLORS=0 SYSTEMD_PAGER= "$@"
}

# Stop the container (SIGTERM to systemd-nspawn is a clean poweroff), then
# undo the overlay. Only the pids container_boot recorded are signalled.
container_halt() {
    if [[ -n $nspawn_pid ]]; then
        kill -TERM "$nspawn_pid" 2>/dev/null
        local i
        for i in $(seq 300); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            # SIGKILL to the container's PID 1 ends its whole pid namespace.
            echo "# systemd-nspawn (pid $nspawn_pid) did not stop in 30 s: killed"
            [[ -n $leader ]] && kill -KILL "$leader" 2>/dev/null
            kill -KILL "$nspawn_pid" 2>/dev/null
        fi
        wait "$nspawn_pid" 2>/dev/null
        nspawn_pid=
        leader=
    fi
    if [[ -n $container_merged ]] && mountpoint -q "$container_merged"; then
        umount "$container_merged" || umount -l "$container_merged"
    fi
}
