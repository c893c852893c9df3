#!/usr/bin/env bash
# The synthetic-monorepo benchmark (benches/README.md).
#   benches/run.sh [REPEAT]        REPEAT runs per command (default 5)
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

if [ ! -d "$repo/.git" ]; then
    mkdir -p "$cache"
    rm -rf "$repo"
    python3 "$here/generate.py" "$repo"
fi

python3 "$here/measure.py" "$repo" "$bin" "$repeat" \
    empty=main..main none=main..none s50=main..s50 s1000=main..s1000
