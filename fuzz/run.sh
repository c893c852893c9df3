#!/usr/bin/env bash
# Runs every fuzz target in turn, one job each (the machine is shared).
#   fuzz/run.sh [SECONDS]     per target, default 180
# The kept corpus (fuzz/corpus/<target>/, a few dozen files) seeds a working
# corpus under fuzz/work/ (ignored by git); crashes land in fuzz/artifacts/.
# A crasher that is fixed goes into fuzz/corpus/<target>/ so that
# `cargo test --test fuzz_corpus` replays it forever.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-180}"
for t in plan_load yaml hours schedule terraform; do
    mkdir -p "work/$t"
    cp -n corpus/$t/* "work/$t/" 2>/dev/null || true
    echo "== $t (${secs}s)"
    cargo +nightly fuzz run -O "$t" "work/$t" -- -max_total_time="$secs" -jobs=1 -timeout=10 -rss_limit_mb=2048 \
        > "work/$t.out" 2>&1 || echo "!! $t stopped: see fuzz/work/$t.out, fuzz/fuzz-0.log, fuzz/artifacts/$t/"
    # With -jobs the run's own log is fuzz-0.log.
    tail -n 2 fuzz-0.log 2>/dev/null || tail -n 2 "work/$t.out"
    mv -f fuzz-0.log "work/$t.log" 2>/dev/null || true
done
