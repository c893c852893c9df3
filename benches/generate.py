#!/usr/bin/env python3
"""Generates the synthetic monorepo of the benchmark (see benches/README.md).

Standard library only. Writes everything through `git fast-import`, so the
repository (about 38,000 files, four commits) takes seconds, not minutes.

Branches:
  main     base: 2,000 services (Kubernetes Deployment, HPA, PDB and a
           Terraform module each), all in continuity.yaml, plus 30,000
           unrelated files.
  s50      main + 50 services changed + 50 unrelated files changed.
  s1000    main + 1,000 services changed + 1,000 unrelated files changed.
  none     main + 50 unrelated files changed (no service touched).
"""

import argparse
import os
import subprocess
import sys

SERVICES = 2000
UNRELATED = 30000
TIERS = ["gold", "silver", "bronze"]
HOURS = [
    "Mon-Fri 09:00-17:00",
    "24x7",
    "Mon-Sat 08:00-20:00 America/New_York",
    "Mon-Fri 07:00-19:00; Sat 09:00-13:00",
]


def svc(i):
    return f"svc-{i:04d}"


def deployment(i, replicas=3):
    n = svc(i)
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: {n}
  labels: {{ app: {n} }}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{ app: {n} }}
  template:
    metadata:
      labels: {{ app: {n} }}
    spec:
      containers:
        - name: api
          image: "registry.example.com/{n}:1.{i % 17}"
          resources:
            requests: {{ cpu: 100m, memory: 128Mi }}
"""


def hpa(i, min_replicas=3):
    n = svc(i)
    return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: {n}
spec:
  scaleTargetRef: {{ apiVersion: apps/v1, kind: Deployment, name: api }}
  minReplicas: {min_replicas}
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {{ name: cpu, target: {{ type: Utilization, averageUtilization: 70 }} }}
"""


def pdb(i):
    n = svc(i)
    return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
  namespace: {n}
spec:
  minAvailable: 2
  selector:
    matchLabels: {{ app: {n} }}
"""


def terraform(i, multi_az=True, retention=7):
    n = svc(i)
    u = n.replace("-", "_")
    return f"""resource "aws_db_instance" "{u}" {{
  identifier              = "{n}"
  engine                  = "postgres"
  instance_class          = "db.m6g.large"
  allocated_storage       = {20 + i % 500}
  multi_az                = {"true" if multi_az else "false"}
  backup_retention_period = {retention}
  backup_window           = "02:00-03:00"
  maintenance_window      = "sun:03:00-sun:04:00"
  deletion_protection     = true
}}

resource "aws_autoscaling_group" "{u}" {{
  name             = "{n}"
  min_size         = 3
  max_size         = 9
  desired_capacity = 3
  vpc_zone_identifier = ["subnet-a", "subnet-b", "subnet-c"]
}}
"""


def plan():
    out = [
        "version: 1",
        "timezone: Europe/London",
        "tiers:",
        "  gold:   { rto: 1h,  rpo: 5m,  min_replicas: 3, multi_az: true, test_every: 180d }",
        "  silver: { rto: 4h,  rpo: 1h,  min_replicas: 2, test_every: 365d }",
        "  bronze: { rto: 24h, rpo: 24h }",
        "ignore: [\"docs/**\"]",
        "services:",
    ]
    for i in range(SERVICES):
        n = svc(i)
        out.append(f"  {n}:")
        out.append(f"    tier: {TIERS[i % 3]}")
        out.append(f"    hours: \"{HOURS[i % len(HOURS)]}\"")
        out.append("    last_tested: 2026-09-14")
        # Chains: every group of five services is a dependency chain
        # svc-5k+4 -> svc-5k+3 -> ... -> svc-5k.
        if i % 5 != 0:
            out.append(f"    depends_on: [{svc(i - 1)}]")
        out.append("    match:")
        out.append(f"      - paths: [\"deploy/{n}/**\", \"terraform/{n}/**\"]")
        if i % 10 == 0:
            # Some services also select by content.
            out.append(f"      - kubernetes: {{ namespace: {n} }}")
    return "\n".join(out) + "\n"


def unrelated_path(j):
    return f"src/pkg{j // 1000:02d}/mod{(j // 100) % 10}/file{j:05d}.{['py', 'md', 'txt', 'json'][j % 4]}"


def unrelated(j, version=0):
    body = f"# file {j} version {version}\n" + ("lorem ipsum dolor sit amet\n" * (5 + j % 20))
    if j % 4 == 3:
        return f'{{"file": {j}, "version": {version}, "enabled": true}}\n'
    return body


class FastImport:
    def __init__(self, repo):
        self.p = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"],
            cwd=repo,
            stdin=subprocess.PIPE,
        )
        self.mark = 0
        self.out = self.p.stdin

    def w(self, s):
        self.out.write(s.encode() if isinstance(s, str) else s)

    def commit(self, branch, message, files, parent=None, when=1764000000):
        self.mark += 1
        msg = message.encode()
        self.w(f"commit refs/heads/{branch}\nmark :{self.mark}\n")
        self.w(f"author Bench <bench@example.com> {when} +0000\n")
        self.w(f"committer Bench <bench@example.com> {when} +0000\n")
        self.w(f"data {len(msg)}\n")
        self.w(msg + b"\n")
        if parent:
            self.w(f"from {parent}\n")
        for path, text in files:
            data = text.encode()
            self.w(f"M 100644 inline {path}\ndata {len(data)}\n")
            self.w(data + b"\n")
        self.w("\n")
        return f":{self.mark}"

    def done(self):
        self.w("done\n")
        self.out.close()
        if self.p.wait() != 0:
            sys.exit("git fast-import failed")


def service_files(i):
    n = svc(i)
    return [
        (f"deploy/{n}/deployment.yaml", deployment(i)),
        (f"deploy/{n}/hpa.yaml", hpa(i)),
        (f"deploy/{n}/pdb.yaml", pdb(i)),
        (f"terraform/{n}/main.tf", terraform(i)),
    ]


def changed_service(i, k):
    """A realistic edit (the k-th of the commit): a mix of harmless and
    continuity-relevant changes."""
    n = svc(i)
    kind = k % 4
    if kind == 0:  # image bump only
        return [(f"deploy/{n}/deployment.yaml", deployment(i).replace(":1.", ":2."))]
    if kind == 1:  # replicas lowered (CG101 for gold/silver)
        return [
            (f"deploy/{n}/deployment.yaml", deployment(i, replicas=1)),
            (f"deploy/{n}/hpa.yaml", hpa(i, min_replicas=1)),
        ]
    if kind == 2:  # database goes single-AZ, backups shortened
        return [(f"terraform/{n}/main.tf", terraform(i, multi_az=False, retention=1))]
    return [(f"deploy/{n}/hpa.yaml", hpa(i, min_replicas=4))]


def pick(count, total, salt):
    """`count` distinct indices spread over `total`, deterministic."""
    step = total / count
    return sorted({int(k * step + salt) % total for k in range(count)})


def new_repo(doc):
    """The command line's folder made an empty repository: (folder, git
    environment, fast-import stream)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="where to create the repository (must not exist)")
    args = ap.parse_args()
    if os.path.exists(args.dir):
        sys.exit(f"{args.dir} exists; remove it first")
    os.makedirs(args.dir)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True, env=env)
    return args, env, FastImport(args.dir)


def main():
    args, env, fi = new_repo(__doc__)
    files = [("continuity.yaml", plan())]
    for i in range(SERVICES):
        files.extend(service_files(i))
    files.extend((unrelated_path(j), unrelated(j)) for j in range(UNRELATED))
    base = fi.commit("main", "base: 2000 services, 30000 unrelated files", files)

    def head(branch, services, unrelated_count, salt):
        changes = []
        for k, i in enumerate(services):
            changes.extend(changed_service(i, k))
        for j in pick(unrelated_count, UNRELATED, salt) if unrelated_count else []:
            changes.append((unrelated_path(j), unrelated(j, version=1)))
        fi.commit(branch, f"{branch}: {len(services)} services, {unrelated_count} unrelated files",
                  changes, parent=base, when=1764000600)

    head("s50", pick(50, SERVICES, 7), 50, 3)
    head("s1000", pick(1000, SERVICES, 1), 1000, 5)
    head("none", [], 50, 11)
    fi.done()
    subprocess.run(["git", "-C", args.dir, "repack", "-adq"], check=True, env=env)
    subprocess.run(["git", "-C", args.dir, "checkout", "-q", "main"], check=True, env=env)
    print(f"generated {args.dir}: branches main, s50, s1000, none")


if __name__ == "__main__":
    main()
