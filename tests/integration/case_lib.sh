# case_lib.sh: what the package manager integration tests (rpm_test.sh,
# dpkg_test.sh) share, sourced by them: temporary roots with a leofs
# account, checks that name what went wrong, Erlang nodes and epmd on
# private ports, and the case runner. The caller sets $work before sourcing.
passed=0
failed=0
epmd_ports=()
node_pids=()

cleanup() {
    local pid port
    for pid in "${node_pids[@]}"; do kill "$pid" 2>/dev/null; done
    for port in "${epmd_ports[@]}"; do ERL_EPMD_PORT=$port epmd -kill >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL - $case_name: $*"; return 1; }
owner() { stat -c '%u:%g' "$root$1"; }
mode() { stat -c '%a' "$root$1"; }
# Did the last command's output ($work/out) say $1?
said() { grep -q -- "$1" "$work/out" || fail "output lacks '$1': $(grep -v Alien "$work/out" | head -5)"; }

# A fresh root in $root with a leofs account (uid and gid 990).
new_root() {
    root=$(mktemp -d "$work/root-XXXXXX")
    mkdir -p "$root/etc"
    printf 'root:x:0:0:root:/root:/bin/sh\nleofs:x:990:990:LeoFS:/usr/local/leofs:/sbin/nologin\n' \
        >"$root/etc/passwd"
    printf 'root:x:0:\nleofs:x:990:\n' >"$root/etc/group"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Start epmd on a free port in $port, and the root's policy pointing at it.
start_epmd() {
    port=$(free_port)
    mkdir -p "$root/etc/leofs" && echo "epmd_port = $port" >"$root/etc/leofs/upgrade.conf"
    epmd_ports+=("$port")
    ERL_EPMD_PORT=$port epmd -daemon || fail "epmd did not start"
}

# Start an Erlang node named $1 on epmd's $port; its pid in $node_pid.
start_node() {
    ERL_EPMD_PORT=$port erl -sname "$1" -noshell -detached
    for _ in $(seq 50); do ERL_EPMD_PORT=$port epmd -names 2>/dev/null | grep "$1" >/dev/null && break; sleep 0.2; done
    # Ours, not another test's node of the same name on this machine (the
    # newest one may be someone else's): the one with our epmd port.
    node_pid=
    local pid
    for pid in $(pgrep -f -- "-sname $1"); do
        tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -x "ERL_EPMD_PORT=$port" >/dev/null &&
            node_pid=$pid
    done
    [[ -n $node_pid ]] || fail "the Erlang node did not start" || return
    node_pids+=("$node_pid")
}

# (grep without -q in these waits: under pipefail, epmd killed by SIGPIPE
# after grep -q's early exit would read as "not registered".)
stop_node() {
    kill "$node_pid"
    for _ in $(seq 50); do ERL_EPMD_PORT=$port epmd -names 2>/dev/null | grep "$1" >/dev/null || break; sleep 0.2; done
}

run_case() {
    case_name=$1
    new_root
    if "$1"; then
        echo "ok - $1"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}

# The summary line, and the exit status.
finish() {
    echo "$passed passed, $failed failed"
    ((failed == 0))
}
