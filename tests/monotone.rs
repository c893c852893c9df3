//! State rules are monotone (DESIGN §1.5): a change that only improves
//! resources — more replicas, a zone spread added, a shorter backup
//! interval, a longer retention, a window moved out of hours, a disruption
//! budget added — never introduces or worsens a finding. Generated cases run
//! through `check` in directory mode.

use continuity_guard::engine::State;
use continuity_guard::{CheckOptions, Sides, check};
use proptest::prelude::*;
use std::path::Path;

const PLAN: &str = "version: 1
timezone: Europe/London
tiers:
  gold: { rto: 1h, rpo: 12h, min_replicas: 3, multi_az: true, test_every: 180d }
services:
  payments:
    tier: gold
    hours: \"Mon-Fri 09:00-17:00\"
    last_tested: 2026-09-14
    match:
      - paths: [\"deploy/**\", \"terraform/**\"]
";

/// Backup schedules from the most to the least frequent.
const SCHEDULES: &[&str] = &[
    "0 * * * *",
    "0 */6 * * *",
    "0 2 * * *",
    "0 2 * * 1-5",
    "0 2 * * 0",
];

/// RDS maintenance windows, out of hours first.
const WINDOWS: &[&str] = &[
    "sun:03:00-sun:03:30",
    "sat:22:00-sat:23:00",
    "tue:10:00-tue:10:30",
];

/// One side of a generated repository.
#[derive(Clone, Debug)]
struct Side {
    replicas: u32,
    spread: bool,
    budget: bool,
    schedule: usize,
    retention: u32,
    multi_az: bool,
    window: usize,
}

fn write(dir: &Path, s: &Side) {
    std::fs::create_dir_all(dir.join("deploy")).expect("mkdir");
    std::fs::create_dir_all(dir.join("terraform")).expect("mkdir");
    std::fs::write(dir.join("continuity.yaml"), PLAN).expect("plan");
    let spread = if s.spread {
        "      topologySpreadConstraints:\n        - { maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: { matchLabels: { app: api } } }\n"
    } else {
        ""
    };
    let mut yaml = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: pay\nspec:\n  replicas: {}\n  selector:\n    matchLabels: {{ app: api }}\n  template:\n    metadata:\n      labels: {{ app: api }}\n    spec:\n{spread}      containers: [{{ name: api, image: \"api:1\" }}]\n",
        s.replicas
    );
    if s.budget {
        yaml.push_str("---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n  namespace: pay\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: { app: api }\n");
    }
    yaml.push_str(&format!(
        "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: dump\n  namespace: pay\nspec:\n  schedule: \"{}\"\n  timeZone: Europe/London\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{{ name: dump, image: \"postgres:16\", command: [\"pg_dump\"] }}]\n",
        SCHEDULES[s.schedule]
    ));
    std::fs::write(dir.join("deploy/api.yaml"), yaml).expect("yaml");
    std::fs::write(
        dir.join("terraform/db.tf"),
        format!(
            "resource \"aws_db_instance\" \"ledger\" {{\n  engine = \"postgres\"\n  allocated_storage = 20\n  multi_az = {}\n  backup_retention_period = {}\n  maintenance_window = \"{}\"\n  deletion_protection = true\n}}\n",
            s.multi_az, s.retention, WINDOWS[s.window]
        ),
    )
    .expect("tf");
}

fn side() -> impl Strategy<Value = Side> {
    (
        1u32..5,
        any::<bool>(),
        any::<bool>(),
        0..SCHEDULES.len(),
        0u32..10,
        any::<bool>(),
        0..WINDOWS.len(),
    )
        .prop_map(
            |(replicas, spread, budget, schedule, retention, multi_az, window)| Side {
                replicas,
                spread,
                budget,
                schedule,
                retention,
                multi_az,
                window,
            },
        )
}

/// A side and an improvement of it: each knob kept or made better.
fn improvement() -> impl Strategy<Value = (Side, Side)> {
    side().prop_flat_map(|b| {
        let base = b.clone();
        (
            b.replicas..6,
            any::<bool>(),
            any::<bool>(),
            0..=b.schedule,
            b.retention..12,
            any::<bool>(),
            0..=b.window,
        )
            .prop_map(
                move |(replicas, spread, budget, schedule, retention, multi_az, window)| {
                    let head = Side {
                        replicas,
                        spread: base.spread || spread,
                        budget: base.budget || budget,
                        schedule,
                        retention,
                        multi_az: base.multi_az || multi_az,
                        window,
                    };
                    (base.clone(), head)
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("CG_MONOTONE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn an_improving_change_introduces_nothing((base, head) in improvement()) {
        let tmp = tempfile::tempdir().expect("tmp");
        let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
        write(&before, &base);
        write(&after, &head);
        let report = check(&CheckOptions {
            sides: Sides::Dirs { before, after },
            repo_dir: tmp.path().to_path_buf(),
            plan: None,
            as_of: jiff::civil::date(2026, 11, 23),
            all: true,
            fail_on: None,
            strict: false,
        })
        .expect("assessed");
        let new: Vec<String> = report
            .outcome
            .findings
            .iter()
            .filter(|f| matches!(f.state, State::Introduced | State::Worsened))
            .map(|f| format!("{} {}: {}", f.rule, f.state.as_str(), f.message))
            .collect();
        prop_assert!(new.is_empty(), "{base:?} → {head:?}: {new:?}");
    }
}
