#!/usr/bin/env bash
# rpm_package_test.sh: our own package rpm-plugin-leofs builds with
# rpmbuild from the source tree, installs with rpm into a temporary root,
# and the installed plugin, enabled by its installed macros file, does an
# upgrade. Usage: rpm_package_test.sh SOURCE_DIR. Prints "N passed, N failed".
set -uo pipefail
source=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/lu-rpmpkg-XXXXXX")
trap 'rm -rf "$work"' EXIT
source "$source/tests/integration/rpm_sign.sh"
passed=0
failed=0
result() {
    if [[ $1 == 0 ]]; then echo "ok - $2"; passed=$((passed + 1)); else echo "FAIL - $2"; failed=$((failed + 1)); return 1; fi
}

version=$(sed -n 's/^project(leofs-upgrade-hooks VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")
name=leofs-upgrade-hooks-$version
mkdir -p "$work/top/SOURCES"
# The working tree as it is (tools/dist archives commits only): tracked and
# new files, not what git ignores (build dirs).
git -C "$source" ls-files -co --exclude-standard -z |
    tar -C "$source" --null -T - --transform "s|^|$name/|" -czf "$work/top/SOURCES/$name.tar.gz"

# Debian's rpmdb does not know Debian's packages, hence --nodeps; no
# debuginfo extraction on a Debian host.
rpmbuild -ta --nodeps --define "_topdir $work/top" --define 'debug_package %{nil}' \
    "$work/top/SOURCES/$name.tar.gz" >"$work/build.log" 2>&1
result $? "rpmbuild -ta builds rpm-plugin-leofs" || grep -E "error|Error" "$work/build.log" | head -20
package=$(ls "$work"/top/RPMS/*/rpm-plugin-leofs-"$version"-*.rpm 2>/dev/null | head -n1)
[[ -n $package ]]
result $? "the package file exists"

root=$work/root
mkdir -p "$root/etc"
# Signed with a test key the root trusts, as rpm 6 by default installs
# nothing else.
if [[ $signing_on == yes ]]; then
    sign_packages "$package" && trust_test_key "$root"
    result $? "the package is signed with a test key the root trusts"
    rpm --root "$root" --dbpath /var/lib/rpm -K "$package" 2>&1 | grep -q ': digests signatures OK$'
    result $? "rpm -K in the root finds its signature good"
else
    echo "skip - signing: gpg-agent does not run under the old-kernel filter"
fi
rpm --root "$root" --dbpath /var/lib/rpm "${rpm_policy[@]}" -i --nodeps "$package" >"$work/install.log" 2>&1
result $? "rpm -i installs it into a root" || cat "$work/install.log"
plugindir=$(rpm --eval '%{__plugindir}')
macrodir=$(rpm --eval '%{_rpmmacrodir}')
[[ -f $root$plugindir/leofs.so && -f $root$plugindir/leofs/core.so &&
   -f $root$macrodir/macros.transaction_leofs && -x $root/usr/sbin/leofs-upgrade ]]
result $? "it ships leofs.so with its core, the macros file and leofs-upgrade"
rpm --root "$root" --dbpath /var/lib/rpm -V --nodeps rpm-plugin-leofs >"$work/verify.log" 2>&1
result $? "rpm -V finds the installed files as packaged" || cat "$work/verify.log"
# The installed macros file enables the installed plugin: load both from
# the root, as they would be on a system where the package is installed.
rpm --load "$root$macrodir/macros.transaction_leofs" --define "__plugindir $root$plugindir" \
    --eval '%{__transaction_leofs}' | grep -q "$root$plugindir/leofs.so"
result $? "the installed macros file names the installed plugin"

# The reference leofs spec for packagers builds, with the scriptlets/ fragments.
rpmbuild -bb --define "_topdir $work/top" --define "_sourcedir $source/scriptlets" \
    "$source/spec/leofs.spec.example" >"$work/reference.log" 2>&1
result $? "the reference leofs spec builds" || tail -20 "$work/reference.log"
rpm -qp --scripts "$work"/top/RPMS/noarch/leofs-1.3.8-*.rpm 2>/dev/null | grep -q 'leofs-upgrade --brief pre 1.3.8'
result $? "its %pretrans calls leofs-upgrade pre for its version"

# The spec with the flags Fedora and EL's redhat-rpm-config give (Fedora
# 40's %optflags and %build_ldflags on x86_64, less its -specs= files,
# which only exist there): LTO, _FORTIFY_SOURCE=3, and -z now reaching the
# link through %set_build_flags and LDFLAGS.
if [[ $(uname -m) == x86_64 ]]; then
    fedora_optflags='-O2 -flto=auto -ffat-lto-objects -fexceptions -g -grecord-gcc-switches -pipe
        -Wall -Werror=format-security -Wp,-U_FORTIFY_SOURCE,-D_FORTIFY_SOURCE=3
        -Wp,-D_GLIBCXX_ASSERTIONS -fstack-protector-strong -m64 -march=x86-64 -mtune=generic
        -fasynchronous-unwind-tables -fstack-clash-protection -fcf-protection
        -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer'
    fedora_ldflags='-Wl,-z,relro -Wl,--as-needed -Wl,-z,pack-relative-relocs -Wl,-z,now
        -Wl,--build-id=sha1 -flto=auto'
    mkdir -p "$work/fedora/SOURCES"
    cp "$work/top/SOURCES/$name.tar.gz" "$work/fedora/SOURCES/"
    rpmbuild -ta --nodeps --define "_topdir $work/fedora" --define 'debug_package %{nil}' \
        --define "optflags $(echo $fedora_optflags)" --define "build_ldflags $(echo $fedora_ldflags)" \
        "$work/fedora/SOURCES/$name.tar.gz" >"$work/fedora.log" 2>&1
    result $? "it builds with Fedora's %optflags and %build_ldflags" ||
        grep -E "error|Error" "$work/fedora.log" | head -20
    fedora_package=$(ls "$work"/fedora/RPMS/*/rpm-plugin-leofs-"$version"-*.rpm 2>/dev/null | head -n1)
    mkdir -p "$work/fedora/x"
    # (Its own result: without cpio the flags check below would fail for nothing to read.
    # Through a file, not a pipe: cpio stops reading at the archive's trailer, and
    # an rpm2cpio still writing then dies of SIGPIPE, silently, which pipefail counts
    # as a failure. Once in sid (rpm 6.1) the pipe failed with no message while
    # every file had been unpacked. Each side's status is told apart now.)
    if [[ -z $fedora_package ]]; then
        unpacked="no package in $work/fedora/RPMS"
    else
        rpm2cpio "$fedora_package" >"$work/fedora/payload.cpio"
        status=$?
        unpacked="rpm2cpio exited $status"
        if ((status == 0)); then
            (cd "$work/fedora/x" && cpio -idm --quiet <"$work/fedora/payload.cpio")
            status=$?
            unpacked="cpio exited $status"
            ((status == 0)) && unpacked=yes
        fi
    fi
    [[ $unpacked == yes ]]
    result $? "rpm2cpio and cpio unpack the package built with them" || echo "  $unpacked"
    bind_now=0
    for f in "$work/fedora/x/usr/sbin/leofs-upgrade" "$work/fedora/x$plugindir/leofs.so"; do
        # Whole outputs, not grep -q on a pipe: with pipefail an early exit of grep fails it.
        [[ $(readelf -d "$f" 2>/dev/null) == *BIND_NOW* ]] && bind_now=$((bind_now + 1))
    done
    [[ $bind_now == 2 && $(nm -D "$work/fedora/x/usr/sbin/leofs-upgrade") == *_chk@* ]]
    result $? "its flags reach the compiler and the link (fortified calls, BIND_NOW)"
fi

if command -v rpmlint >/dev/null; then
    rpmlint -o 'NetworkEnabled False' "$package" "$source/spec/rpm-plugin-leofs.spec" >"$work/lint.log" 2>&1
    ! grep -q ' E: ' "$work/lint.log"
    result $? "rpmlint reports no errors" || grep ' E: ' "$work/lint.log"
fi
echo "$passed passed, $failed failed"
((failed == 0))
