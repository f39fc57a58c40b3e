#!/usr/bin/env bash
# demo_test.sh: README's first command, as CI can run it: tools/demo with
# no apt and this build tree (tools/demo --no-install --build-dir BUILD).
# Checks its exit status, the outcomes it reports (three refusals, two
# upgrades), every value of its before/after table (24, with where the
# objects are; read by the demo from the roots, not from the hooks'
# messages), the result of the by-hand
# part, and that it left neither its temp dir nor its epmd and node behind.
# Usage: demo_test.sh BUILD_DIR SOURCE_DIR. Prints "N passed, N failed".
set -uo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
out=$(mktemp "${TMPDIR:-/tmp}/lu-demo-XXXXXX")
trap 'rm -f "$out"' EXIT
passed=0
failed=0
check() { # NAME CONDITION...: one check, run as a command
    local name=$1
    shift
    if "$@"; then
        echo "ok - $name"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}
fail() { echo "FAIL - $*"; return 1; }

"$source/tools/demo" --no-install --build-dir "$build" </dev/null >"$out" 2>&1
status=$?
exited_0() { ((status == 0)) || fail "tools/demo exited $status: $(tail -15 "$out")"; }

# The table row whose first cell is LABEL, as "before|after rpm|after dpkg".
row() {
    awk -F'|' -v label="$1" '
        function trim(s) { gsub(/^ +| +$/, "", s); return s }
        trim($1) == label { print trim($2) "|" trim($3) "|" trim($4); exit }' "$out"
}
row_is() { # LABEL BEFORE AFTER_RPM AFTER_DPKG
    local got
    got=$(row "$1")
    [[ $got == "$2|$3|$4" ]] || fail "table row '$1' is '$got', not '$2|$3|$4'"
}
count_is() { # PATTERN N
    local n
    n=$(grep -c -- "$1" "$out")
    [[ $n == "$2" ]] || fail "$n lines match '$1', not $2: $(grep -- '=>' "$out")"
}

table() {
    row_is "leofs installed" 1.3.7 1.3.8 1.3.8 &&
        row_is "current ->" 1.3.7 1.3.8 1.3.8 &&
        row_is "cookie" "root:root 0644" "leofs:leofs 0400" "leofs:leofs 0400" &&
        row_is "objects, log, work" root leofs leofs &&
        row_is "objects in, path" "1.3.7 [./avs]" "1.3.8 [./avs]" "1.3.8 [./avs]" &&
        row_is "/tmp/usr" "there, root's" gone gone &&
        row_is "log.log_level" 2 2 2 &&
        row_is "epmd (private port)" running stopped stopped
}

by_hand() {
    grep -qx '   => after post: current -> 1.3.8, cookie leofs:leofs 0400, objects, log, work leofs, /tmp/usr gone, log.log_level 2' \
        "$out" || fail "the by-hand part ended otherwise: $(grep -A3 'By hand' "$out" | tail -1; grep 'after post' "$out")"
}

# Its temp dir is gone, and so are the epmds and nodes it started (each
# epmd named by port and pid in the output, each node by pid).
left_nothing() {
    local dir port pid
    dir=$(sed -n 's/.*removing \(\/[^ ]*\) and stopping.*/\1/p' "$out")
    [[ -n $dir ]] || fail "the demo did not say what it removes" || return
    [[ ! -e $dir ]] || fail "$dir is left behind" || return
    while read -r port pid; do
        if epmd -port "$port" -names >/dev/null 2>&1; then fail "an epmd still answers on port $port"; return 1; fi
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) != epmd ]] || fail "epmd $pid still runs" || return
    done < <(sed -n 's/.*epmd on port \([0-9]*\) (pid \([0-9]*\)).*/\1 \2/p' "$out")
    for pid in $(sed -n 's/.*\$ kill \([0-9]*\) .*/\1/p' "$out"); do
        if grep -q storage_0 "/proc/$pid/cmdline" 2>/dev/null; then fail "node $pid still runs"; return 1; fi
    done
}

check "tools/demo exits 0" exited_0
check "three refusals (rpm -i beside, rpm -U and dpkg -i under a node)" count_is '^   => refused: ' 3
check "two upgrades (rpm -U, dpkg -i)" count_is '^   => done: ' 2
check "the before/after table" table
check "leofs-upgrade by hand" by_hand
check "nothing left behind" left_nothing
((failed == 0)) || { echo "--- tools/demo's output:"; cat "$out"; }
echo "$passed passed, $failed failed"
((failed == 0))
