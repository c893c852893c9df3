//! `continuity-guard status`: where the services stand at one revision — their
//! targets beside what the infrastructure gives, one verdict per target, single
//! points of failure, coverage of the repository and the continuity KPIs. The
//! JSON form is `continuity-guard/status/v1` (docs/status-v1.md); the model
//! below serialises to it field for field.

pub mod discover;
pub mod init;
mod model;
mod resilience;
mod verdicts;

pub use model::*;
pub use verdicts::target_of;

use crate::engine::{self, ParseCache, SideService};
use crate::plan::Plan;
use crate::source::{SideInfo, Tree};
use crate::{CheckError, plan, source};
use discover::{Discovery, UnitKind};
use std::collections::BTreeSet;
use verdicts::evaluate;

/// The schema name of the JSON form.
pub const SCHEMA: &str = "continuity-guard/status/v1";

/// Whether a plan service covers a unit of a discovered service.
fn covers(s: &SideService, files: &BTreeSet<String>, unit: &discover::Unit) -> bool {
    use crate::plan::model::Matcher;
    if unit.files.iter().any(|f| files.contains(f)) {
        return true;
    }
    s.service.matchers.iter().any(|m| match (m, unit.kind) {
        (
            Matcher::Kubernetes {
                namespace: Some(ns),
                labels,
            },
            UnitKind::KubernetesNamespace,
        ) => labels.is_empty() && *ns == unit.id,
        (Matcher::Catalog(entity), UnitKind::CatalogComponent) => *entity == unit.id,
        _ => false,
    })
}

/// Builds the report from one tree.
pub fn status_tree(
    tree: &dyn Tree,
    revision: SideInfo,
    explicit_plan: Option<&str>,
    as_of: jiff::civil::Date,
) -> Result<StatusReport, CheckError> {
    let mut cache = ParseCache::default();
    let found = plan::find(tree, explicit_plan)?;
    let mut notes = Vec::new();
    if found.is_none() {
        if let Some(p) = explicit_plan {
            return Err(CheckError::NoPlan(format!("no continuity plan at `{p}`")));
        }
        notes.push(
            "no continuity plan (continuity.yaml or .continuity/plan.yaml): run `continuity-guard init` to draft one"
                .to_string(),
        );
    }
    let plan = found
        .clone()
        .unwrap_or_else(|| Plan::empty("continuity.yaml"));
    let side = engine::evaluate_side(tree, &plan, as_of, &mut cache);
    let discovery: Discovery = discover::discover(tree, Some(&plan), &mut cache);
    notes.extend(discovery.notes.iter().cloned());

    let services: Vec<ServiceStatus> = side
        .services
        .iter()
        .map(|s| evaluate(s, &plan, &side.sources, as_of))
        .collect();

    let (coverage, with_targets) = coverage(&side.services, &plan, &discovery);
    let kpis = kpis(&services, with_targets, discovery.services.len());
    notes.sort();
    notes.dedup();
    Ok(StatusReport {
        schema: SCHEMA,
        revision,
        as_of: as_of.to_string(),
        plan: found.map(|p| p.path.to_string()),
        kpis,
        services,
        coverage,
        notes,
        tzdb: crate::tzdb::version(),
    })
}

/// Coverage of the repository: each discovered service with the plan
/// services that cover it, the plan services that cover nothing found, and
/// the infrastructure no service covers, by folder; with the number of
/// discovered services covered with RTO, RPO and hours.
fn coverage(sides: &[SideService], plan: &Plan, discovery: &Discovery) -> (Coverage, usize) {
    let covered_files: Vec<BTreeSet<String>> = sides
        .iter()
        .map(|s| {
            let mut files = s.files.clone();
            files.extend(s.facts.resources.iter().map(|r| r.path.to_string()));
            files
        })
        .collect();
    let pairs = || sides.iter().zip(&covered_files);
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut discovered = Vec::new();
    let mut with_targets = 0;
    for d in &discovery.services {
        let mut covered_by: Vec<String> = Vec::new();
        for (s, files) in pairs() {
            if d.units.iter().any(|u| covers(s, files, u)) {
                covered_by.push(s.service.name.clone());
            }
        }
        let has_targets = covered_by.iter().any(|n| {
            plan.services.get(n).is_some_and(|s| {
                s.targets.rto.is_some() && s.targets.rpo.is_some() && s.targets.hours.is_some()
            })
        });
        with_targets += usize::from(has_targets);
        used.extend(covered_by.iter().cloned());
        discovered.push(DiscoveredOut {
            name: d.name.clone(),
            units: (d.units.iter())
                .map(|u| UnitOut {
                    kind: u.kind,
                    id: u.id.clone(),
                    path: u.files.iter().next().cloned().unwrap_or_default(),
                })
                .collect(),
            covered_by,
            has_targets,
        });
    }
    let mut all_covered: BTreeSet<String> = covered_files.iter().flatten().cloned().collect();
    // A unit a content selector covers (namespace, catalog ref) covers its files.
    for u in discovery.services.iter().flat_map(|d| &d.units) {
        if pairs().any(|(s, files)| covers(s, files, u)) {
            all_covered.extend(u.files.iter().cloned());
        }
    }
    let uncovered_files: BTreeSet<String> = (discovery.infra_files.iter())
        .filter(|f| !all_covered.contains(*f))
        .cloned()
        .collect();
    let uncovered: Vec<UncoveredOut> = discover::group_by_folder(&uncovered_files, &all_covered)
        .into_iter()
        .map(|(folder, files)| UncoveredOut { folder, files })
        .collect();
    let plan_only: Vec<String> = (plan.services.keys())
        .filter(|n| !used.contains(*n))
        .cloned()
        .collect();
    let coverage = Coverage {
        discovered,
        plan_only,
        uncovered_files: uncovered_files.len(),
        uncovered,
    };
    (coverage, with_targets)
}

/// The continuity KPIs over the services' verdicts and tests.
fn kpis(services: &[ServiceStatus], with_targets: usize, discovered: usize) -> Kpis {
    let (mut targets, mut automatic, mut not_kept, mut tested_of, mut tested) = (0, 0, 0, 0, 0);
    for s in services {
        for v in [&s.verdicts.rto, &s.verdicts.rpo, &s.verdicts.hours] {
            if v.verdict == Verdict::NoTarget {
                continue;
            }
            targets += 1;
            match v.verdict {
                Verdict::KeptAutomatically => automatic += 1,
                Verdict::NotKept => not_kept += 1,
                _ => {}
            }
        }
        if s.test.test_every_seconds.is_some() {
            tested_of += 1;
            if !s.test.overdue {
                tested += 1;
            }
        }
    }
    Kpis {
        services_with_targets: Ratio::new(with_targets, discovered),
        targets_kept_automatically: Ratio::new(automatic, targets),
        services_tested_on_time: Ratio::new(tested, tested_of),
        targets_not_kept: Ratio::new(not_kept, targets),
    }
}

/// `continuity-guard status`.
pub fn status(opts: &StatusOptions) -> Result<StatusReport, CheckError> {
    match &opts.revision {
        Revision::Dir(dir) => {
            let tree = source::dirs::DirTree::new(dir)?;
            status_tree(
                &tree,
                SideInfo {
                    dir: Some(dir.display().to_string()),
                    ..SideInfo::default()
                },
                opts.plan.as_deref(),
                opts.as_of,
            )
        }
        Revision::Rev(rev) => {
            let repo = source::git::open(&opts.repo_dir)?;
            let rev = rev.clone().unwrap_or_else(|| "HEAD".to_string());
            let commit = source::git::resolve(&repo, &rev)?;
            let tree = source::git::CommitTree::new(&repo, &commit)?;
            // `terraform init`'s module copies are read from the work tree.
            let tree = source::terraform_init::WithTerraformInit {
                inner: &tree,
                root: repo.workdir().unwrap_or(&opts.repo_dir).to_path_buf(),
            };
            status_tree(
                &tree,
                source::git::side_info(&rev, &commit),
                opts.plan.as_deref(),
                opts.as_of,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SourceStore;
    use crate::facts::window::Window;
    use crate::facts::{
        BackupKind, BackupSource, DataStore, Fact, Group, Loc, ServiceFacts, Workload,
    };

    const PLAN: &str = "version: 1\ntimezone: UTC\nassumptions: { restore_throughput: 200MiB/s }\nservices:\n  svc:\n    rto: 1h\n    rpo: 24h\n    hours: \"Mon-Fri 09:00-16:00\"\n";

    fn as_of() -> jiff::civil::Date {
        jiff::civil::date(2026, 11, 23)
    }

    fn known<T>(value: T) -> Fact<T> {
        Fact::Known {
            value,
            loc: Loc::default(),
        }
    }

    fn workload(floor: i64) -> Workload {
        Workload {
            address: "Deployment/ns/api".into(),
            display: "Deployment ns/api".into(),
            floor,
            floor_field: "spec.replicas".into(),
            floor_owner: "Deployment/ns/api".into(),
            floor_loc: Loc::default(),
            pod_labels: Default::default(),
            zone_spread: true,
            zone_loc: Loc::default(),
        }
    }

    fn store() -> DataStore {
        DataStore {
            address: "aws_db_instance.db".into(),
            display: "aws_db_instance db".into(),
            ..DataStore::default()
        }
    }

    fn automated() -> BackupSource {
        BackupSource {
            address: "aws_db_instance.db".into(),
            display: "aws_db_instance db".into(),
            kind: BackupKind::Automated,
            schedule: None,
            zone: "UTC".into(),
            loc: Loc::default(),
        }
    }

    fn run(plan_text: &str, facts: ServiceFacts) -> ServiceStatus {
        let plan = plan::load("continuity.yaml", plan_text).expect("plan");
        let service = plan.services.get("svc").expect("svc").clone();
        let side = SideService {
            service,
            facts,
            files: BTreeSet::new(),
            findings: Vec::new(),
        };
        evaluate(&side, &plan, &SourceStore::default(), as_of())
    }

    #[test]
    fn unresolved_facts_are_unknown_never_kept() {
        let mut s = store();
        s.multi_az = Fact::Unknown {
            reason: "var.multi_az has no default".into(),
            loc: Loc::default(),
        };
        s.automatic_failover = known(true);
        s.synchronous_replication = Fact::Unknown {
            reason: "var.replica".into(),
            loc: Loc::default(),
        };
        let facts = ServiceFacts {
            workloads: vec![workload(3)],
            stores: vec![s],
            backups: vec![automated()],
            ..ServiceFacts::default()
        };
        let st = run(PLAN, facts);
        assert_eq!(st.verdicts.rto.verdict, Verdict::Unknown);
        assert!(st.verdicts.rto.reasons[0].message.contains("var.multi_az"));
        assert_eq!(st.verdicts.rpo.verdict, Verdict::Unknown);
        assert_eq!(st.verdicts.hours.verdict, Verdict::Unknown);
    }

    #[test]
    fn unreadable_schedules_make_their_targets_unknown_never_kept() {
        let mut s = store();
        s.multi_az = known(true);
        s.automatic_failover = known(true);
        let action = |schedule: &str, zone: &str| crate::facts::ScheduledAction {
            schedule: schedule.into(),
            dialect: crate::facts::schedule::Dialect::Robfig,
            zone: zone.into(),
            floor: 1,
            loc: Loc::default(),
        };
        let facts = ServiceFacts {
            workloads: vec![workload(3)],
            stores: vec![s],
            backups: vec![BackupSource {
                address: "Schedule/velero/nightly".into(),
                display: "Velero Schedule velero/nightly".into(),
                kind: BackupKind::Velero,
                schedule: Some("0 5 * * 8".into()),
                zone: "UTC".into(),
                loc: Loc::default(),
            }],
            scheduled: vec![crate::facts::ScheduledCapacity {
                target: "Deployment/pay/worker".into(),
                display: "Deployment pay/worker".into(),
                schedule: crate::facts::CapacitySchedule::Triggers {
                    min: 3,
                    min_loc: Loc::default(),
                    triggers: vec![crate::facts::CronTrigger {
                        start: action("0 8 * * *", "Mars/Olympus"),
                        end: action("0 18 * * *", "UTC"),
                    }],
                },
            }],
            ..ServiceFacts::default()
        };
        let st = run(PLAN, facts);
        assert_eq!(st.verdicts.rpo.verdict, Verdict::Unknown);
        assert!(st.verdicts.rpo.reasons[0].message.contains("out of range"));
        assert_eq!(st.verdicts.hours.verdict, Verdict::Unknown);
        assert!(
            st.verdicts.hours.reasons[0]
                .message
                .contains("Mars/Olympus"),
            "{:?}",
            st.verdicts.hours.reasons
        );
    }

    #[test]
    fn multi_az_failover_and_continuous_backups_are_kept_automatically() {
        let mut s = store();
        s.multi_az = known(true);
        s.automatic_failover = known(true);
        s.synchronous_replication = known(true);
        let facts = ServiceFacts {
            workloads: vec![workload(3)],
            stores: vec![s],
            backups: vec![automated()],
            ..ServiceFacts::default()
        };
        let st = run(PLAN, facts);
        assert_eq!(st.verdicts.rto.verdict, Verdict::KeptAutomatically);
        assert_eq!(st.verdicts.rpo.verdict, Verdict::KeptAutomatically);
        assert_eq!(st.verdicts.hours.verdict, Verdict::KeptAutomatically);
        assert_eq!(st.infrastructure.backups[0].largest_gap_seconds, Some(300));
        assert!(st.single_points_of_failure.is_empty());
    }

    #[test]
    fn single_zone_store_restores_in_time_but_a_dst_gap_breaks_the_rpo() {
        let mut s = store();
        s.multi_az = known(false);
        s.automatic_failover = known(false);
        s.storage_bytes = known(100 << 30);
        s.maintenance_window = known(Window::parse("tue:10:00-tue:11:00").expect("window"));
        let facts = ServiceFacts {
            workloads: vec![workload(2)],
            stores: vec![s],
            groups: vec![Group {
                address: "aws_autoscaling_group.web".into(),
                display: "aws_autoscaling_group web".into(),
                loc: Loc::default(),
                min_size: known(1),
                zones: known(1),
            }],
            backups: vec![BackupSource {
                address: "Schedule/velero/daily".into(),
                display: "Schedule velero/daily".into(),
                kind: BackupKind::Velero,
                schedule: Some("0 5 * * *".into()),
                zone: "Europe/London".into(),
                loc: Loc::default(),
            }],
            ..ServiceFacts::default()
        };
        let st = run(PLAN, facts);
        // 100 GiB at 200 MiB/s = 512 s, plus 15 m provisioning.
        assert_eq!(st.infrastructure.restore_estimate_seconds, Some(512 + 900));
        assert_eq!(st.verdicts.rto.verdict, Verdict::KeptByRecovery);
        // The autumn night makes a 25 h gap.
        assert_eq!(
            st.infrastructure.backups[0].largest_gap_seconds,
            Some(25 * 3600)
        );
        assert_eq!(st.verdicts.rpo.verdict, Verdict::NotKept);
        assert!(
            st.verdicts.rpo.reasons[0]
                .message
                .contains("largest gap 1d1h exceeds the RPO 1d")
        );
        // Tuesday 10:00 UTC is inside Mon-Fri 09:00-16:00 UTC.
        assert_eq!(st.verdicts.hours.verdict, Verdict::NotKept);
        assert_eq!(
            st.infrastructure.maintenance_windows[0].overlaps_hours,
            Some(true)
        );
        let spofs: Vec<&str> = st
            .single_points_of_failure
            .iter()
            .map(|s| s.why.as_str())
            .collect();
        assert_eq!(spofs, ["single-zone relational", "min_size 1", "one zone"]);
    }

    #[test]
    fn restore_without_throughput_is_unknown() {
        let plan = "version: 1\nservices:\n  svc:\n    rto: 1h\n";
        let mut s = store();
        s.multi_az = known(false);
        s.storage_bytes = known(1 << 30);
        let st = run(
            plan,
            ServiceFacts {
                stores: vec![s],
                ..ServiceFacts::default()
            },
        );
        assert_eq!(st.verdicts.rto.verdict, Verdict::Unknown);
        assert_eq!(st.verdicts.rpo.verdict, Verdict::NoTarget);
    }

    #[test]
    fn ratios_round_to_one_decimal() {
        assert_eq!(Ratio::new(1, 3).percent, Some(33.3));
        assert_eq!(Ratio::new(2, 3).percent, Some(66.7));
        assert_eq!(Ratio::new(0, 0).percent, None);
    }
}
