#!/bin/sh
# make-stand-ins.sh OUTDIR DEB: build empty packages standing in for the
# base system DEB depends on (libc6...), at the host's versions, into
# OUTDIR, and print their paths. Temporary roots have no base system, and
# dpkg runs the root's scripts and helper with the host's libraries; without
# them dpkg leaves DEB unconfigured and never runs its triggers.
set -eu
out=$1 deb=$2
arch=$(dpkg --print-architecture)
for name in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*//; s/|.*//' | tr -d ' '); do
    version=$(dpkg-query -W -f='${Version}' "$name")
    stage=$out/stand-in-$name
    mkdir -p "$stage/DEBIAN"
    printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: t <t@example.org>\nDescription: stand-in for the base system\n' \
        "$name" "$version" "$arch" >"$stage/DEBIAN/control"
    dpkg-deb -b "$stage" "$out/stand-in-$name.deb" >/dev/null
    rm -rf "$stage"
    echo "$out/stand-in-$name.deb"
done
