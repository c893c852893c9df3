#!/usr/bin/env python3
"""Replays a repository's first-parent history against one plan (benches/history/README.md).

    replay.py REPO_GIT_DIR PLAN [N]

For each of the last N first-parent commits C (default 150) with parent P, runs
`continuity-guard check --repo R --base P --head C --plan PLAN --format json`
and prints one line per commit, then totals, then one `report --range` over
the same commits. Python 3 standard library only.

Environment: CONTINUITY_GUARD (the binary, default `continuity-guard` on
PATH), REPLAY_HEAD (where the history ends, default HEAD), REPLAY_AS_OF
(passed as --as-of), REPLAY_KEEP (a folder: each commit's JSON is kept there
as SHORTID.json, with SHORTID.err for its standard error).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

STATES = ["introduced", "worsened", "existing", "newly-in-scope", "resolved"]
SHORT = {"introduced": "intro", "worsened": "worse", "existing": "exist",
         "newly-in-scope": "nis", "resolved": "resolved"}


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True,
                          capture_output=True, text=True).stdout


def usable_repo(repo):
    """The repository to pass to --repo: REPO itself when continuity-guard can
    open it (a bare git dir included), else a throwaway shared clone."""
    try:
        git(repo, "rev-parse", "--git-dir")
    except subprocess.CalledProcessError:
        sys.exit(f"replay: {repo} is not a git repository")
    return repo


def shared_clone(repo):
    tmp = tempfile.mkdtemp(prefix="cg-replay-")
    subprocess.run(["git", "clone", "--quiet", "--shared", "--no-checkout", repo, tmp],
                   check=True)
    return tmp


def summarize(doc):
    """(counts by state, blocking rule codes) of one check's JSON."""
    counts = dict.fromkeys(STATES, 0)
    blocking = []
    for f in doc.get("findings", []):
        state = f.get("state", "introduced" if f.get("introduced") else "existing")
        counts[state] = counts.get(state, 0) + 1
        if state in ("introduced", "worsened") and not f.get("waived") \
                and f.get("severity") == "error":
            blocking.append(f.get("rule", "?"))
    return counts, blocking


def check(cg, repo, plan, parent, commit, extra):
    cmd = [cg, "check", "--repo", repo, "--base", parent, "--head", commit,
           "--plan", plan, "--format", "json", *extra]
    start = time.monotonic()
    run = subprocess.run(cmd, capture_output=True, text=True)
    return run, time.monotonic() - start


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    repo, plan = argv[1], os.path.abspath(argv[2])
    n = int(argv[3]) if len(argv) > 3 else 150
    cg = os.environ.get("CONTINUITY_GUARD", "continuity-guard")
    head = os.environ.get("REPLAY_HEAD", "HEAD")
    keep = os.environ.get("REPLAY_KEEP")
    extra = ["--as-of", os.environ["REPLAY_AS_OF"]] if os.environ.get("REPLAY_AS_OF") else []
    if keep:
        os.makedirs(keep, exist_ok=True)
    repo = usable_repo(repo)

    # Oldest first: the last N first-parent commits that have a parent.
    lines = git(repo, "rev-list", "--first-parent", "--parents", f"-n{n}", head).split("\n")
    commits = [l.split()[:2] for l in reversed(lines) if len(l.split()) >= 2]
    if not commits:
        sys.exit("replay: no commit with a parent in the range")

    # A bare repository that continuity-guard cannot open: a shared clone.
    probe, _ = check(cg, repo, plan, commits[0][1], commits[0][0], extra)
    if probe.returncode == 2 and "not a git repository" in probe.stderr.lower():
        repo = shared_clone(repo)
        print(f"# using a shared clone at {repo}")

    print(f"# {repo}  plan {plan}  {len(commits)} commits")
    print(f"{'commit':<10} {'exit':>4} {'secs':>6}  "
          + " ".join(f"{SHORT[s]:>8}" for s in STATES) + "  blocking")
    exits, times = {0: 0, 1: 0, 2: 0}, []
    for commit, parent in commits:
        short = commit[:9]
        run, secs = check(cg, repo, plan, parent, commit, extra)
        times.append(secs)
        exits[run.returncode] = exits.get(run.returncode, 0) + 1
        if keep:
            with open(os.path.join(keep, f"{short}.json"), "w") as out:
                out.write(run.stdout)
            with open(os.path.join(keep, f"{short}.err"), "w") as out:
                out.write(run.stderr)
        try:
            counts, blocking = summarize(json.loads(run.stdout))
            cells = " ".join(f"{counts[s]:>8}" for s in STATES)
            why = " ".join(sorted(blocking))
        except ValueError:
            cells = " ".join(f"{'-':>8}" for _ in STATES)
            why = (run.stderr.strip().splitlines() or ["(no output)"])[-1][:100]
        print(f"{short:<10} {run.returncode:>4} {secs:>6.2f}  {cells}  {why}", flush=True)

    print(f"# totals: {len(commits)} commits; exit 0: {exits.get(0, 0)}, "
          f"exit 1: {exits.get(1, 0)}, exit 2: {exits.get(2, 0)}"
          + "".join(f", exit {k}: {v}" for k, v in exits.items() if k not in (0, 1, 2))
          + f"; time mean {sum(times) / len(times):.2f} s, max {max(times):.2f} s")

    first_parent = commits[0][1]
    cmd = [cg, "report", "--repo", repo, "--range", f"{first_parent}..{commits[-1][0]}",
           "--plan", plan, "--format", "json", *extra]
    start = time.monotonic()
    run = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.monotonic() - start
    try:
        doc = json.loads(run.stdout)
        changes = doc.get("changes", [])
        risks = {}
        for c in changes:
            risks[c.get("risk", "?")] = risks.get(c.get("risk", "?"), 0) + 1
        touching = doc.get("summary", {}).get("changes_touching_services", "?")
        print(f"# report --range: exit {run.returncode}, {secs:.2f} s, {len(changes)} changes, "
              f"{touching} touching services (risk "
              f"{', '.join(f'{k} {v}' for k, v in sorted(risks.items()))}), "
              f"{len(doc.get('not_assessed', []))} not assessed")
    except ValueError:
        last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        print(f"# report --range: exit {run.returncode}, {secs:.2f} s: {last}")
    if keep:
        with open(os.path.join(keep, "report.json"), "w") as out:
            out.write(run.stdout)


if __name__ == "__main__":
    main(sys.argv)
