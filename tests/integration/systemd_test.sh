#!/usr/bin/env bash
# systemd_test.sh: the epmd steps against a real systemd (Debian 12's, PID 1
# of a container booted with systemd-nspawn, systemd_container.sh) with
# LeoFS's units: the guide's stale epmd, socket activation, registered
# nodes, Debian's own epmd.socket, other nodes, Restart=always, active node
# units and the journal. Each case boots its own container on an overlay
# of the cached root, so cases share nothing and the halt ends everything
# a case started. Usage: systemd_test.sh BUILD_DIR SOURCE_DIR.
# Prints "N passed, N failed"; exits 77 (skipped) when not root or when
# systemd-nspawn or debootstrap is missing.
set -uo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (systemd-nspawn)"; exit 77; fi
for tool in systemd-nspawn debootstrap nsenter; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is missing"; exit 77; }
done
source "$source/tests/integration/systemd_container.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/lu-systemd-XXXXXX")
passed=0
failed=0
# The halt and unmount come first; --one-file-system keeps rm out of an
# overlay that would not unmount. CTest's timeout sends SIGTERM.
trap 'container_halt; rm -rf --one-file-system "$work"' EXIT
trap 'exit 1' TERM INT HUP

start=$SECONDS
container_cache || { echo "cannot build the container root"; exit 1; }
echo "# container root ready after $((SECONDS - start)) s"

upgrade_bin=$build/cli/leofs-upgrade
[[ -x $upgrade_bin ]] || { echo "no $upgrade_bin: build first"; exit 1; }

# ---- what each container gets before it boots ----

# Our program, the libraries it needs that the root lacks (librpm, the
# sanitizer runtimes), the sanitizers' suppressions; Debian's epmd.socket
# disabled (the guide's hosts have none; the case that wants it enables it).
container_boot_prepare() {
    local root=$1 lib
    install -m 755 "$upgrade_bin" "$root/usr/sbin/leofs-upgrade" || return
    for lib in $(ldd "$upgrade_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
        [[ -e $root$lib ]] || install -D -m 644 "$lib" "$root$lib" || return
    done
    if [[ -f $source/tests/sanitizer/lsan.supp ]]; then
        install -D -m 644 "$source/tests/sanitizer/lsan.supp" "$root$source/tests/sanitizer/lsan.supp"
    fi
    rm -f "$root/etc/systemd/system/sockets.target.wants/epmd.socket" \
        "$root/etc/systemd/system/multi-user.target.wants/epmd.service"
}

# ---- LeoFS in the container ----

root() { echo "$container_merged"; }

# LeoFS VERSION's files, as its package lays them down.
install_leofs() {
    sh "$source/tests/packages/leofs-tree.sh" "$(root)" "$1" || return
    in_container chown -R leofs:leofs "/usr/local/leofs/$1"
}

# LeoFS 1.3.8's units, as its packages ship them (leofs-facts.md); node
# units run a real Erlang node with the node's name, or NODE_COMMAND.
unit() { cat >"$(root)/usr/lib/systemd/system/$1"; }
install_units() {
    unit leofs-epmd.socket <<'EOF'
[Unit]
Description=LeoFS epmd socket

[Socket]
ListenStream=0.0.0.0:4369
Accept=no

[Install]
WantedBy=sockets.target
EOF
    unit leofs-epmd.service <<'EOF'
[Unit]
Description=LeoFS epmd
Requires=leofs-epmd.socket
After=network.target

[Service]
User=leofs
ExecStart=/usr/bin/epmd -systemd
ExecStop=/usr/bin/epmd -kill
Restart=always

[Install]
Also=leofs-epmd.socket
EOF
    local node name
    for node in manager-master:manager_0 manager-slave:manager_1 storage:storage_0 gateway:gateway_0; do
        name=${node#*:}
        unit "leofs-${node%%:*}.service" <<EOF
[Unit]
Description=LeoFS ${node%%:*} node
Requires=leofs-epmd.socket
After=leofs-epmd.socket

[Service]
User=leofs
Environment=HOME=/usr/local/leofs
ExecStart=${NODE_COMMAND:-/usr/bin/erl -sname $name -setcookie leofs-test -noshell}

[Install]
WantedBy=multi-user.target
EOF
    done
    in_container systemctl daemon-reload
}

# The package upgrade to 1.3.8 as LeoFS's own postinst does it: new files,
# units, daemon-reload, `systemctl start leofs-epmd.socket`. Its output in
# $work/start, its status in $start_status.
package_upgrade_to_138() {
    install_leofs 1.3.8 && install_units || return
    in_container systemctl start leofs-epmd.socket >"$work/start" 2>&1
    start_status=$?
}

# An epmd left by a pre-1.3.8 launch script: outside any unit, run as
# leofs. Its pid (as the container sees it) in $stale_pid.
start_stale_epmd() {
    in_container setpriv --reuid=leofs --regid=leofs --clear-groups epmd -daemon || return
    local i
    for i in $(seq 50); do
        stale_pid=$(listener_pid)
        [[ -n $stale_pid ]] && return 0
        sleep 0.1
    done
    fail "the stale epmd did not start"
}

# The pids listening on port 4369 inside the container, one per line
# (PID 1 for a socket systemd holds).
listener_pids() { in_container ss -Hltnp 'sport = :4369' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -un; }
listener_pid() { listener_pids | grep -vx 1 | head -1; }
alive() { in_container kill -0 "$1" 2>/dev/null; }
active() { [[ $(in_container systemctl is-active "$1") == active ]]; }
unit_of() { in_container sed -n 's|^0::.*/||p' "/proc/$1/cgroup"; }

# An Erlang node NAME run by hand (not by a unit) as leofs, registered
# with whatever epmd listens on 4369. Its pid in $node_pid.
start_node() {
    in_container setpriv --reuid=leofs --regid=leofs --clear-groups env HOME=/tmp \
        erl -sname "$1" -setcookie leofs-test -noshell -detached || return
    local i
    for i in $(seq 100); do
        in_container epmd -names 2>/dev/null | grep -q "name $1 " && break
        sleep 0.1
    done
    in_container epmd -names 2>/dev/null | grep -q "name $1 " || fail "node $1 did not register" || return
    node_pid=$(in_container pgrep -n -u leofs beam) # the newest BEAM, inside our own container
}

# Run leofs-upgrade inside; output in $work/out, status in $status. The
# sanitizers' settings go along when set.
leofs_upgrade() {
    in_container ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${LSAN_OPTIONS:+LSAN_OPTIONS=$LSAN_OPTIONS} \
        ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} /usr/sbin/leofs-upgrade "$@" >"$work/out" 2>&1
    status=$?
}

fail() { echo "FAIL - $case_name: $*"; return 1; }
said() { grep -qF -- "$1" "$work/out" || fail "output lacks '$1': $(head -c 1500 "$work/out")"; }
status_is() { ((status == $1)) || fail "exit status $status, not $1: $(head -c 1500 "$work/out")"; }

# ---- the cases ----

# The guide's 1.3.8 trouble: a stale epmd holds 4369, so the package's
# `systemctl start leofs-epmd.socket` fails; then post alone recovers.
case_stale_epmd_post_alone_recovers() {
    install_leofs 1.3.7 && start_stale_epmd || return
    package_upgrade_to_138
    ((start_status != 0)) || fail "leofs-epmd.socket started although epmd held the port" || return
    grep -q "Job failed" "$work/start" || fail "systemctl said: $(cat "$work/start")" || return
    [[ $(in_container systemctl is-active leofs-epmd.socket) == failed ]] || fail "socket not failed" || return
    leofs_upgrade post 1.3.8
    status_is 0 || return
    said "stopped stale epmd (pid $stale_pid) on port 4369" || return
    said "started leofs-epmd.socket" || return
    ! alive "$stale_pid" || fail "the stale epmd (pid $stale_pid) still runs" || return
    active leofs-epmd.socket || fail "leofs-epmd.socket is not active" || return
    [[ $(listener_pids) == 1 ]] || fail "port 4369 is held by $(listener_pids), not systemd" || return
    # Nodes can now use it: a connection starts LeoFS's epmd.
    in_container epmd -names >/dev/null 2>&1
    active leofs-epmd.service || fail "leofs-epmd.service did not start on a connection" || return
    # The journal has our lines, with our identifier, facility daemon (3)
    # and priority info.
    in_container journalctl -q -t leofs-upgrade SYSLOG_FACILITY=3 -p info..info -o cat >"$work/out"
    said "stopped stale epmd (pid $stale_pid) on port 4369" || return
    said "started leofs-epmd.socket" || return
    # post again: nothing to do.
    leofs_upgrade post 1.3.8
    status_is 0 && said "leofs-epmd.socket is active"
}

# The guide's order: pre before the package stops the stale epmd, the
# package's start works, post has nothing left to do.
case_stale_epmd_pre_then_post() {
    install_leofs 1.3.7 && start_stale_epmd || return
    leofs_upgrade pre 1.3.8
    status_is 0 && said "stopped stale epmd (pid $stale_pid) on port 4369" || return
    ! alive "$stale_pid" || fail "the stale epmd still runs" || return
    package_upgrade_to_138
    ((start_status == 0)) || fail "systemctl start leofs-epmd.socket: $(cat "$work/start")" || return
    leofs_upgrade post 1.3.8
    status_is 0 && said "leofs-epmd.socket is active"
}

# Socket activation: pre's own question to epmd starts leofs-epmd.service;
# pre leaves it (and the socket) alone, and so does the next run.
case_socket_activation_left_alone() {
    install_leofs 1.3.8 && install_units || return
    in_container systemctl start leofs-epmd.socket || return
    ! active leofs-epmd.service || fail "leofs-epmd.service ran before any connection" || return
    leofs_upgrade pre 1.3.8
    status_is 0 && said "is LeoFS's, run by systemd (leofs-epmd.socket): left alone" || return
    active leofs-epmd.service || fail "the connection did not start leofs-epmd.service" || return
    local epmd
    epmd=$(listener_pid)
    [[ $(unit_of "$epmd") == leofs-epmd.service ]] || fail "epmd $epmd is in $(unit_of "$epmd")" || return
    leofs_upgrade pre 1.3.8
    status_is 0 && said "left alone" || return
    [[ $(listener_pid) == "$epmd" ]] || fail "epmd $epmd was replaced by $(listener_pid)" || return
    grep -q "stopped" "$work/out" && fail "pre stopped something: $(cat "$work/out")"
    return 0
}

# A LeoFS node registered with systemd's epmd: refused, epmd untouched.
case_node_on_systemd_epmd_refused() {
    install_leofs 1.3.8 && install_units || return
    in_container systemctl start leofs-epmd.socket || return
    start_node storage_0 || return
    local epmd
    epmd=$(listener_pid)
    leofs_upgrade pre 1.3.9
    status_is 1 && said "LeoFS nodes are running on this host (storage_0)" || return
    [[ $(listener_pid) == "$epmd" ]] && alive "$node_pid" || fail "epmd or the node was touched" || return
    in_container journalctl -q -t leofs-upgrade -p err..err -o cat >"$work/out"
    said "LeoFS nodes are running on this host (storage_0)"
}

# A LeoFS node registered with a stale epmd: pre refuses, post fails with
# what to do; neither touches epmd or the node.
case_node_on_stale_epmd_refused() {
    install_leofs 1.3.7 && start_stale_epmd && start_node storage_0 || return
    leofs_upgrade pre 1.3.8
    status_is 1 && said "LeoFS nodes are running on this host (storage_0)" || return
    package_upgrade_to_138
    ((start_status != 0)) || fail "the socket started beside the stale epmd" || return
    leofs_upgrade post 1.3.8
    status_is 3 && said "leofs-epmd.socket is not active and cannot be started: LeoFS nodes are running on this host (storage_0)" || return
    said "run \`systemctl start leofs-epmd.socket\`" || return
    alive "$stale_pid" && alive "$node_pid" || fail "the stale epmd or the node was stopped"
}

# Debian's epmd.socket (and the epmd.service it started) holds 4369:
# named with the command in pre and post; that command then lets post
# start leofs-epmd.socket.
case_debian_epmd_socket_named() {
    install_leofs 1.3.7 || return
    in_container systemctl enable --now epmd.socket >/dev/null 2>&1 || return
    in_container epmd -names >/dev/null 2>&1 # socket activation starts epmd.service
    active epmd.service || fail "Debian's epmd.service did not start" || return
    local command='`systemctl disable --now epmd.socket epmd.service`'
    leofs_upgrade pre 1.3.8
    status_is 1 && said "port 4369 is held by epmd.socket, a systemd unit that is not LeoFS's" || return
    said "$command, then retry the upgrade" || return
    package_upgrade_to_138
    ((start_status != 0)) || fail "leofs-epmd.socket started beside epmd.socket" || return
    leofs_upgrade post 1.3.8
    status_is 3 && said "epmd.socket, a systemd unit that is not LeoFS's" && said "$command" || return
    active epmd.socket && active epmd.service || fail "Debian's units were stopped" || return
    in_container systemctl disable --now epmd.socket epmd.service >/dev/null 2>&1
    leofs_upgrade post 1.3.8
    status_is 0 && said "started leofs-epmd.socket" || return
    active leofs-epmd.socket || fail "leofs-epmd.socket is not active"
}

# Debian's epmd.service alone (started without its socket being asked
# for it): the listener's cgroup names it.
case_debian_epmd_service_named() {
    install_leofs 1.3.7 || return
    # epmd.service requires its socket: stop the socket's listening by
    # giving the service its own port-holding epmd instead.
    unit epmd.service <<'EOF'
[Unit]
Description=Erlang Port Mapper Daemon, as a site runs it without a socket

[Service]
ExecStart=/usr/bin/epmd
User=epmd
Restart=always
EOF
    in_container systemctl daemon-reload && in_container systemctl start epmd.service || return
    local i
    for i in $(seq 50); do [[ -n $(listener_pid) ]] && break; sleep 0.1; done
    leofs_upgrade pre 1.3.8
    status_is 1 && said "of epmd.service, a systemd unit that is not LeoFS's" || return
    said "\`systemctl disable --now epmd.service\`" || return
    active epmd.service || fail "epmd.service was stopped"
}

# Nodes that are not LeoFS's on a stale epmd: warned, left alone.
case_other_node_warned() {
    install_leofs 1.3.7 && start_stale_epmd && start_node rabbit || return
    leofs_upgrade pre 1.3.8
    status_is 0 && said "epmd on port 4369 serves nodes that are not LeoFS's (rabbit): left running" || return
    alive "$stale_pid" && alive "$node_pid" || fail "epmd or the node was stopped" || return
    in_container journalctl -q -t leofs-upgrade -p warning..warning -o cat >"$work/out"
    said "serves nodes that are not LeoFS's (rabbit)"
}

# Restart=always: killing LeoFS's epmd makes systemd start another, which
# is why the steps never stop an epmd of leofs-epmd.service. Seen here,
# and worse: the unit's ExecStop (`epmd -kill`) then runs, its connection
# is queued on the socket of the service being stopped until TimeoutStopSec
# (90 s by default; a drop-in makes it 3 s here), and the restarted epmd
# reads that queued KILL_REQ and exits: a loop that `systemctl stop
# leofs-epmd.socket leofs-epmd.service` (then start the socket) ends. Through it the socket stays
# active. pre leaves epmd alone, refuses (the port accepts but nobody
# answers) or fails (the connection is reset); post sees the socket
# active; neither signals epmd.
case_restart_always() {
    install_leofs 1.3.8 && install_units || return
    mkdir -p "$(root)/etc/systemd/system/leofs-epmd.service.d"
    printf '[Service]\nTimeoutStopSec=3\n' >"$(root)/etc/systemd/system/leofs-epmd.service.d/timeout.conf"
    in_container systemctl daemon-reload && in_container systemctl start leofs-epmd.socket || return
    in_container epmd -names >/dev/null 2>&1
    local first restarts i
    first=$(listener_pid)
    [[ -n $first && $(unit_of "$first") == leofs-epmd.service ]] || fail "leofs-epmd.service did not start" || return
    in_container kill -TERM "$first"
    # The restarted epmds may live for milliseconds only: count restarts.
    for i in $(seq 200); do
        restarts=$(in_container systemctl show -p NRestarts --value leofs-epmd.service)
        ((restarts >= 1)) && break
        sleep 0.1
    done
    ((restarts >= 1)) || fail "systemd did not restart epmd" || return
    in_container journalctl -q -u leofs-epmd.service -o cat >"$work/out"
    said "Scheduled restart job" || return
    local run
    for run in 1 2 3; do
        leofs_upgrade pre 1.3.9
        case $status in
        0) said "is LeoFS's, run by systemd (leofs-epmd.socket): left alone" || return ;;
        1) said "did not answer as epmd: cannot tell whether LeoFS nodes run" || return ;;
        *) status_is 3 && said "cannot ask epmd on port 4369 for its nodes" || return ;;
        esac
        ! grep -q "stopped\|SIGTERM" "$work/out" || fail "pre stopped epmd: $(cat "$work/out")" || return
        leofs_upgrade post 1.3.8
        status_is 0 && said "leofs-epmd.socket is active" || return
        sleep 1
    done
    # The operator's way out of the loop.
    in_container systemctl stop leofs-epmd.socket leofs-epmd.service &&
        in_container systemctl start leofs-epmd.socket && in_container epmd -names >/dev/null 2>&1
    leofs_upgrade pre 1.3.9
    status_is 0 && said "left alone"
}

# An active LeoFS node unit means a node runs, even when epmd does not
# know it (here the node's process never registers: epmd answers with no
# node at all).
case_active_node_unit_refused() {
    install_leofs 1.3.8 || return
    NODE_COMMAND="/bin/sleep infinity" install_units || return
    in_container systemctl start leofs-storage.service || return
    in_container epmd -names >"$work/out" 2>&1
    ! grep -q "^name " "$work/out" || fail "epmd has nodes: $(cat "$work/out")" || return
    leofs_upgrade pre 1.3.9
    status_is 1 && said "LeoFS node units are active (leofs-storage.service)" || return
    said "\`systemctl stop leofs-storage.service\`" || return
    in_container systemctl stop leofs-epmd.service
    leofs_upgrade post 1.3.8
    status_is 0 && said "leofs-epmd.socket is active" || return
    active leofs-storage.service || fail "the node unit was stopped"
}

run_case() {
    case_name=$1
    local dir=$work/$1 began=$SECONDS
    mkdir -p "$dir"
    if container_boot "$dir" && "$1"; then
        echo "ok - $1 ($((SECONDS - began)) s)"
        passed=$((passed + 1))
    else
        echo "# console: $(tail -5 "$dir/console.log" 2>/dev/null)"
        failed=$((failed + 1))
    fi
    container_halt
    rm -rf --one-file-system "$dir"
}

cases_start=$SECONDS
# LU_SYSTEMD_CASES="case_a case_b" runs only those (for debugging).
for c in ${LU_SYSTEMD_CASES:-$(declare -F | awk '$3 ~ /^case_/ { print $3 }')}; do
    run_case "$c"
done
echo "# cases took $((SECONDS - cases_start)) s"
echo "$passed passed, $failed failed"
((failed == 0))
