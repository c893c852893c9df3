#!/usr/bin/env python3
"""Runs commands side by side and prints wall time and peak memory.

Usage: measure.py REPO BIN REPEAT CASE...   where CASE is NAME=BASE..HEAD.
For each case, runs `git diff BASE HEAD` (the floor: reading the changed
blobs) and `BIN check --base BASE --head HEAD --format json`, REPEAT times
each, interleaved, and keeps the median wall time and the largest peak RSS
(getrusage of the child, via os.wait4). Standard library only.
"""

import os
import statistics
import subprocess
import sys
import time


def run(cmd, cwd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {code}: {err}")
    return wall, usage.ru_maxrss / 1024.0  # KiB -> MiB


def main():
    repo, binary, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = [c.split("=", 1) for c in sys.argv[4:]]
    env_note = f"{os.cpu_count()} CPUs"
    rows = {}
    for name, rng in cases:
        base, head = rng.split("..")
        git = ["git", "-c", "core.pager=cat", "diff", base, head]
        cg = [binary, "check", "--base", base, "--head", head, "--format", "json", "--as-of", "2026-11-23"]
        gw, gm, cw, cm = [], 0.0, [], 0.0
        run(git, repo), run(cg, repo)  # warm the page cache
        for _ in range(repeat):
            w, m = run(git, repo)
            gw.append(w)
            gm = max(gm, m)
            w, m = run(cg, repo)
            cw.append(w)
            cm = max(cm, m)
        rows[name] = (statistics.median(gw), gm, statistics.median(cw), cm)
    print(f"median of {repeat} runs, {env_note}")
    print(f"{'case':<8} {'git diff':>10} {'git MiB':>8} {'check':>10} {'check MiB':>10} {'check/git':>10}")
    for name, (gw, gm, cw, cm) in rows.items():
        print(f"{name:<8} {gw * 1000:>8.1f}ms {gm:>8.1f} {cw * 1000:>8.1f}ms {cm:>10.1f} {cw / gw:>9.1f}x")
    if "s50" in rows and "s1000" in rows:
        print(f"s1000 / s50 check time: {rows['s1000'][2] / rows['s50'][2]:.1f}x (target <= 20x)")
    if "none" in rows and "empty" in rows:
        print(f"none / empty check time: {rows['none'][2] / rows['empty'][2]:.2f}x (target ~1x)")
    if "s50" in rows:
        gw, gm, cw, cm = rows["s50"]
        ok = cw / gw <= 10 and cm < 100
        print(f"s50 target (<= 10x git diff, < 100 MiB): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
