#!/usr/bin/env bash
# glibc_symbols.sh CC BINARY...: no binary or plugin we build imports a
# glibc function that glibc 2.17 (EL7) lacks. A newer call goes through
# syscall(2) in common/compat.c with an ENOSYS fallback instead.
#
# Built against a newer glibc, a binary imports some old functions under
# newer symbol versions (dlopen@GLIBC_2.34, stat@GLIBC_2.33): built against
# 2.17 it links the old ones. So an import above 2.17 is allowed when
# this glibc still exports the same name at a version <= 2.17 (a compat
# symbol), or when it is one of the stat calls that were inline wrappers of
# __xstat & co. in 2.17 (exported since 2.2.5). Everything else fails,
# unless listed in ALLOWED (a function called through a weak reference or
# dlsym with a fallback: none today).
#
# Then a probe calling getrandom, built with CC, must be caught: the check
# is proven to fail.
set -euo pipefail
cc=$1
shift
(($#)) || { echo "glibc_symbols: no binaries given" >&2; exit 2; }
ALLOWED=()
limit=2.17

# The glibc libraries CC links against, where the old versions are looked up.
libs=()
for lib in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2; do
    path=$("$cc" -print-file-name="$lib")
    [[ -e $path ]] && libs+=("$(readlink -f "$path")")
done
((${#libs[@]})) || { echo "glibc_symbols: $cc names no libc.so.6" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "name version" for every function the glibc libraries export, compat
# versions included (objdump shows them in parentheses).
for lib in "${libs[@]}"; do
    objdump -T "$lib" | awk '$NF !~ /^\(|^GLIBC/ && NF >= 7 { v = $(NF-1); gsub(/[()]/, "", v);
                                if (v ~ /^GLIBC_/) print $NF, substr(v, 7) }'
done | sort -u >"$work/exports"
[[ -s $work/exports ]] || { echo "glibc_symbols: cannot read the exports of ${libs[*]}" >&2; exit 2; }

# Print "name@GLIBC_version" for each import of BINARY above the limit
# that a glibc-2.17 build could not have.
newer_imports() {
    nm -D --undefined-only --with-symbol-versions "$1" |
        awk -v limit="$limit" -v allowed="${ALLOWED[*]}" -v exports="$work/exports" '
        function newer(v,   a, b) {
            split(v, a, "."); split(limit, b, ".")
            return a[1] + 0 > b[1] + 0 || (a[1] + 0 == b[1] + 0 && a[2] + 0 > b[2] + 0)
        }
        BEGIN {
            n = split(allowed, list, " "); for (i = 1; i <= n; i++) ok[list[i]] = 1
            # 2.33 made these real functions; 2.17 had them inline over __xstat etc.
            split("stat stat64 fstat fstat64 lstat lstat64 fstatat fstatat64 mknod mknodat", s, " ")
            for (i in s) wrapper[s[i]] = 1
            while ((getline line < exports) > 0) {
                split(line, f, " ")
                if (!newer(f[2])) old[f[1]] = 1
            }
        }
        {
            sym = $NF
            if (!match(sym, /@GLIBC_[0-9.]+$/)) next
            name = substr(sym, 1, RSTART - 1); version = substr(sym, RSTART + 7)
            # The headers of glibc 2.38 send strtol and the scanf family to their
            # C23 forms (__isoc23_strtol): built on 2.17 the same call links strtol.
            base = name
            if (substr(name, 1, 9) == "__isoc23_") base = substr(name, 10)
            if (base != name && old[base]) next
            if (!newer(version) || old[name] || wrapper[name] || ok[name]) next
            print sym
        }'
}

failed=0 checked=0 imports=0
for binary in "$@"; do
    count=$(nm -D --undefined-only --with-symbol-versions "$binary" | grep -c '@GLIBC_' || true)
    if ((count == 0)); then
        echo "glibc_symbols: $binary imports nothing from glibc: is it a dynamic binary?" >&2
        failed=1
        continue
    fi
    checked=$((checked + 1)) imports=$((imports + count))
    bad=$(newer_imports "$binary")
    if [[ -n $bad ]]; then
        echo "FAIL: $binary imports what glibc $limit lacks: $(echo $bad); call it through" \
             "syscall(2) in common/compat.c with an ENOSYS fallback" >&2
        failed=1
    fi
done

# The probe: a binary that calls getrandom must be caught.
printf '#include <sys/random.h>\nint main(void) { char b; return (int)getrandom(&b, 1, 0); }\n' \
    >"$work/probe.c"
"$cc" -o "$work/probe" "$work/probe.c"
if [[ -z $(newer_imports "$work/probe") ]]; then
    echo "FAIL: the check did not catch getrandom@GLIBC_2.25 in a probe" >&2
    failed=1
fi
((failed == 0)) || exit 1
echo "glibc_symbols: $checked binaries, $imports glibc imports, none newer than glibc $limit"
