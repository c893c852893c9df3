#!/usr/bin/env bash
# The synthetic-monorepo benchmark (benches/README.md).
#   benches/run.sh [REPEAT]        REPEAT runs per command (default 5)
#   benches/run.sh REPEAT large    the large-file shapes (generate_large.py)
# Environment: BENCH_DIR (cache, default target/bench), CARGO_TARGET_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
repeat="${1:-5}"
target="${CARGO_TARGET_DIR:-$root/target}"
cache="${BENCH_DIR:-$target/bench}"
repo="$cache/monorepo-v1"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$target/release/continuity-guard"

if [ "${2:-}" = large ]; then
    repo="$cache/large-v1"
    if [ ! -d "$repo/.git" ]; then
        mkdir -p "$cache"
        python3 "$here/generate_large.py" "$repo"
    fi
    exec python3 "$here/measure.py" "$repo" "$bin" "$repeat" \
        tf50k=main..tf50k cfn20k=main..cfn20k
fi

if [ ! -d "$repo/.git" ]; then
    mkdir -p "$cache"
    rm -rf "$repo"
    python3 "$here/generate.py" "$repo"
fi

python3 "$here/measure.py" "$repo" "$bin" "$repeat" \
    empty=main..main none=main..none s50=main..s50 s1000=main..s1000
