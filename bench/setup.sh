# bench/setup.sh, sourced by each benchmark from the repository's top: the
# Debian packages the benchmarks use (installed when missing, as tools/test
# does), and bench_build [TARGET...] for the Release build in build-bench/.
tools/need-packages cmake gcc make pkg-config librpm-dev libdpkg-dev libselinux1-dev rpm \
    dpkg-dev apt valgrind hyperfine python3 procps strace
bench_build() {
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    local targets=()
    (($#)) && targets=(--target "$@")
    cmake --build build-bench -j"$(nproc)" "${targets[@]}" >/dev/null
}
