//! `continuity-guard status`: where the services stand at one revision — their
//! targets beside what the infrastructure gives, one verdict per target, single
//! points of failure, coverage of the repository and the continuity KPIs. The
//! JSON form is `continuity-guard/status/v1` (docs/status-v1.md); the model
//! below serialises to it field for field.

pub mod discover;
pub mod init;

use crate::engine::{self, Finding, Location, ParseCache, SideService, SourceStore};
use crate::facts::schedule::largest_gap_cached;
use crate::facts::{BackupKind, Fact, Loc, ServiceFacts, StoreKind};
use crate::plan::Plan;
use crate::plan::duration::format_duration;
use crate::source::{SideInfo, Tree};
use crate::{CheckError, plan, source};
use discover::{Discovery, UnitKind};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The schema name of the JSON form.
pub const SCHEMA: &str = "continuity-guard/status/v1";

/// Which revision to look at.
#[derive(Clone, Debug)]
pub enum Revision {
    /// A commit of the repository (default `HEAD`).
    Rev(Option<String>),
    /// A directory.
    Dir(PathBuf),
}

/// Options of `status`.
#[derive(Clone, Debug)]
pub struct StatusOptions {
    /// The revision.
    pub revision: Revision,
    /// The repository (for `--rev`).
    pub repo_dir: PathBuf,
    /// `--plan`.
    pub plan: Option<String>,
    /// `--as-of`.
    pub as_of: jiff::civil::Date,
}

/// A location in the repository, 1-based.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    /// The file.
    pub path: String,
    /// Line.
    pub line: usize,
    /// Column.
    pub column: usize,
}

impl Place {
    fn of(l: &Location) -> Place {
        Place {
            path: l.path.to_string(),
            line: l.line,
            column: l.column,
        }
    }

    fn at(sources: &SourceStore, loc: &Loc) -> Place {
        Place::of(&sources.location(loc))
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// A share with its numerator and denominator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ratio {
    /// Counted.
    pub numerator: usize,
    /// Out of.
    pub denominator: usize,
    /// numerator ÷ denominator × 100, one decimal; null when the denominator is 0.
    pub percent: Option<f64>,
}

impl Ratio {
    fn new(numerator: usize, denominator: usize) -> Ratio {
        let percent = (denominator > 0)
            .then(|| (numerator as f64 * 1000.0 / denominator as f64).round() / 10.0);
        Ratio {
            numerator,
            denominator,
            percent,
        }
    }

    /// "4/6 (66.7%)".
    pub fn describe(&self) -> String {
        match self.percent {
            Some(p) => format!("{}/{} ({p:.1}%)", self.numerator, self.denominator),
            None => format!("{}/{} (n/a)", self.numerator, self.denominator),
        }
    }
}

/// The four KPIs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Kpis {
    /// Discovered services covered by a plan entry with RTO, RPO and hours set.
    pub services_with_targets: Ratio,
    /// Targets (RTO, RPO, hours set in the plan) kept automatically.
    pub targets_kept_automatically: Ratio,
    /// Plan services with `test_every` whose last test is within it.
    pub services_tested_on_time: Ratio,
    /// Targets not kept.
    pub targets_not_kept: Ratio,
}

/// The verdict on one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Kept without anyone acting: redundancy and automatic failover.
    KeptAutomatically,
    /// Kept only through a restore, a reschedule or a manual failover.
    KeptByRecovery,
    /// Not kept: findings or facts say why.
    NotKept,
    /// Facts are missing or unresolved.
    Unknown,
    /// The plan sets no such target.
    NoTarget,
}

impl Verdict {
    /// The wording.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::KeptAutomatically => "kept automatically",
            Verdict::KeptByRecovery => "kept by recovery",
            Verdict::NotKept => "not kept",
            Verdict::Unknown => "unknown",
            Verdict::NoTarget => "no target",
        }
    }
}

/// One reason behind a verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// The rule whose finding this is, if any.
    pub rule: Option<String>,
    /// What.
    pub message: String,
    /// Where.
    pub location: Option<Place>,
}

/// A target's verdict and its reasons.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetVerdict {
    /// The verdict.
    pub verdict: Verdict,
    /// Why.
    pub reasons: Vec<Reason>,
}

/// Verdicts per target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdicts {
    /// RTO.
    pub rto: TargetVerdict,
    /// RPO.
    pub rpo: TargetVerdict,
    /// Hours of operation.
    pub hours: TargetVerdict,
}

/// A fact as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum FactOut<T> {
    /// Known.
    Known {
        /// Value.
        value: T,
    },
    /// Written but unresolved.
    Unknown {
        /// Why.
        reason: String,
    },
    /// Not written.
    Absent,
}

impl<T: Clone> FactOut<T> {
    fn of(f: &Fact<T>) -> FactOut<T> {
        match f {
            Fact::Known { value, .. } => FactOut::Known {
                value: value.clone(),
            },
            Fact::Unknown { reason, .. } => FactOut::Unknown {
                reason: reason.clone(),
            },
            Fact::Absent => FactOut::Absent,
        }
    }
}

/// The plan's targets, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetsOut {
    /// RTO.
    pub rto_seconds: Option<i64>,
    /// RPO.
    pub rpo_seconds: Option<i64>,
    /// Hours, canonical.
    pub hours: Option<String>,
    /// Effective min_replicas.
    pub min_replicas: u32,
    /// multi_az.
    pub multi_az: Option<bool>,
    /// Strategy.
    pub strategy: Option<String>,
}

/// A workload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkloadOut {
    /// Address.
    pub address: String,
    /// Floor.
    pub floor: i64,
    /// What sets it.
    pub floor_field: String,
    /// Spread over zones.
    pub zone_spread: bool,
    /// Where the floor is set.
    pub location: Place,
}

/// A data store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreOut {
    /// Address.
    pub address: String,
    /// relational, cache, table.
    pub kind: &'static str,
    /// Multi-AZ.
    pub multi_az: FactOut<bool>,
    /// Automatic failover.
    pub automatic_failover: FactOut<bool>,
    /// Synchronous replication.
    pub synchronous_replication: FactOut<bool>,
    /// Storage.
    pub storage_bytes: FactOut<u64>,
    /// Where.
    pub location: Place,
}

/// A group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupOut {
    /// Address.
    pub address: String,
    /// min_size.
    pub min_size: FactOut<i64>,
    /// Zones.
    pub zones: FactOut<usize>,
    /// Where.
    pub location: Place,
}

/// A backup source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackupOut {
    /// Address.
    pub address: String,
    /// velero, cronjob, aws-backup, automated.
    pub kind: &'static str,
    /// Expression as written.
    pub schedule: Option<String>,
    /// Zone.
    pub zone: String,
    /// Largest gap over the year from --as-of; null when unknown or never repeating.
    pub largest_gap_seconds: Option<i64>,
    /// What the gap is, in words (or why it is unknown).
    pub gap: String,
    /// Where.
    pub location: Place,
}

/// A maintenance window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowOut {
    /// Address.
    pub address: String,
    /// Described (`Tue 03:00–04:00 UTC`), or why unknown.
    pub window: String,
    /// Whether it overlaps the hours (null when unknown or no hours).
    pub overlaps_hours: Option<bool>,
    /// Where.
    pub location: Place,
}

/// What the infrastructure gives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Infrastructure {
    /// Resources found.
    pub resources: usize,
    /// Smallest workload floor.
    pub replica_floor: Option<i64>,
    /// Workloads.
    pub workloads: Vec<WorkloadOut>,
    /// Stores.
    pub stores: Vec<StoreOut>,
    /// Groups.
    pub groups: Vec<GroupOut>,
    /// Backups.
    pub backups: Vec<BackupOut>,
    /// Restore estimate: largest store ÷ restore_throughput + provisioning.
    pub restore_estimate_seconds: Option<i64>,
    /// How it was computed, or why it is unknown.
    pub restore_estimate: String,
    /// Maintenance windows.
    pub maintenance_windows: Vec<WindowOut>,
}

/// The last test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestOut {
    /// Date.
    pub last_tested: Option<String>,
    /// Interval.
    pub test_every_seconds: Option<i64>,
    /// Last day it is on time.
    pub due: Option<String>,
    /// Overdue (never tested counts when test_every is set).
    pub overdue: bool,
}

/// A single point of failure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spof {
    /// Address.
    pub address: String,
    /// Why its loss stops the service.
    pub why: String,
    /// Where.
    pub location: Place,
}

/// A finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingOut {
    /// Rule.
    pub rule: String,
    /// Name.
    pub name: String,
    /// Severity.
    pub severity: String,
    /// Waived.
    pub waived: bool,
    /// Message.
    pub message: String,
    /// Where.
    pub location: Place,
    /// Help.
    pub help: Option<String>,
}

/// One plan service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceStatus {
    /// Name.
    pub name: String,
    /// Tier.
    pub tier: Option<String>,
    /// Owners.
    pub owners: Vec<String>,
    /// Targets.
    pub targets: TargetsOut,
    /// Infrastructure.
    pub infrastructure: Infrastructure,
    /// Verdicts.
    pub verdicts: Verdicts,
    /// Test.
    pub test: TestOut,
    /// SPOFs.
    pub single_points_of_failure: Vec<Spof>,
    /// Findings.
    pub findings: Vec<FindingOut>,
    /// Notes.
    pub notes: Vec<String>,
}

/// A unit of a discovered service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitOut {
    /// Kind.
    pub kind: UnitKind,
    /// Identity.
    pub id: String,
    /// First file.
    pub path: String,
}

/// A discovered service and who covers it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiscoveredOut {
    /// Name.
    pub name: String,
    /// Units.
    pub units: Vec<UnitOut>,
    /// Plan services covering it.
    pub covered_by: Vec<String>,
    /// Whether a covering plan service sets RTO, RPO and hours.
    pub has_targets: bool,
}

/// A folder of infrastructure no service covers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UncoveredOut {
    /// Folder (ending in `/`) or file.
    pub folder: String,
    /// Files.
    pub files: usize,
}

/// Coverage of the repository.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Coverage {
    /// Discovered services.
    pub discovered: Vec<DiscoveredOut>,
    /// Plan services that cover no discovered service.
    pub plan_only: Vec<String>,
    /// Uncovered infrastructure by folder.
    pub uncovered: Vec<UncoveredOut>,
    /// Files in `uncovered`.
    pub uncovered_files: usize,
}

/// The status report (`continuity-guard/status/v1`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusReport {
    /// Schema name.
    pub schema: &'static str,
    /// The revision.
    pub revision: SideInfo,
    /// --as-of.
    pub as_of: String,
    /// The plan's path, null without one.
    pub plan: Option<String>,
    /// KPIs.
    pub kpis: Kpis,
    /// Plan services.
    pub services: Vec<ServiceStatus>,
    /// Coverage.
    pub coverage: Coverage,
    /// Notes.
    pub notes: Vec<String>,
    /// The version of the built-in zone database every time was read in.
    pub tzdb: &'static str,
}

/// Which target a rule's findings speak to: CG1xx recovery time, CG2xx
/// recovery point, CG3xx hours of operation (the catalogue's grouping).
pub fn target_of(code: &str) -> Option<&'static str> {
    match code.get(..3) {
        Some("CG1") => Some("rto"),
        Some("CG2") => Some("rpo"),
        Some("CG3") => Some("hours"),
        _ => None,
    }
}

fn store_kind(k: StoreKind) -> &'static str {
    match k {
        StoreKind::Relational => "relational",
        StoreKind::Cache => "cache",
        StoreKind::Table => "table",
    }
}

fn backup_kind(k: &BackupKind) -> &'static str {
    match k {
        BackupKind::Velero => "velero",
        BackupKind::CronJob => "cronjob",
        BackupKind::AwsBackup => "aws-backup",
        BackupKind::Automated => "automated",
    }
}

/// How the service survives the loss of one component.
enum Resilience {
    /// Every component is redundant and fails over on its own.
    Automatic,
    /// Some component needs recovery (the reasons name them).
    Recovery(Vec<Reason>),
    /// A fact needed is unknown.
    Unknown(Vec<Reason>),
    /// Nothing runs.
    Nothing,
}

fn reason(message: String, location: Option<Place>) -> Reason {
    Reason {
        rule: None,
        message,
        location,
    }
}

fn resilience(
    f: &ServiceFacts,
    multi_az: bool,
    sources: &SourceStore,
    spofs: &mut Vec<Spof>,
) -> Resilience {
    let mut manual = Vec::new();
    let mut unknown = Vec::new();
    // Workload kinds whose replicas could not be read are missing from the facts.
    let known: BTreeSet<&str> = f.workloads.iter().map(|w| w.address.as_str()).collect();
    for r in &f.resources {
        if crate::facts::kubernetes::WORKLOAD_KINDS.contains(&r.kind.as_str())
            && !known.contains(r.address.as_str())
        {
            let loc = Loc::of(crate::source::Side::Head, r, r.field("spec.replicas"));
            unknown.push(reason(
                format!(
                    "the replicas of {} cannot be read (an expression)",
                    r.address
                ),
                Some(Place::at(sources, &loc)),
            ));
        }
    }
    for w in &f.workloads {
        let place = Place::at(sources, &w.floor_loc);
        if w.floor <= 1 {
            let noun = if w.floor == 1 { "replica" } else { "replicas" };
            let why = format!("runs {} {noun} ({})", w.floor, w.floor_field);
            spofs.push(Spof {
                address: w.address.clone(),
                why: why.clone(),
                location: place.clone(),
            });
            manual.push(reason(format!("{} {why}", w.display), Some(place)));
        } else if multi_az && !w.zone_spread {
            manual.push(reason(
                format!(
                    "{} runs {} replicas with no zone spread",
                    w.display, w.floor
                ),
                Some(Place::at(sources, &w.zone_loc)),
            ));
        }
    }
    for (why, loc) in &f.opaque {
        unknown.push(reason(
            format!("{why}: what it builds is unknown"),
            Some(Place::at(sources, loc)),
        ));
    }
    for s in &f.stores {
        let place = Place::at(sources, &s.loc);
        match &s.multi_az {
            Fact::Known { value: true, .. } => {}
            Fact::Known { value: false, loc } => {
                spofs.push(Spof {
                    address: s.address.clone(),
                    why: format!("single-zone {}", store_kind(s.kind)),
                    location: Place::at(sources, loc),
                });
                manual.push(reason(
                    format!("{} is single-zone", s.display),
                    Some(Place::at(sources, loc)),
                ));
            }
            Fact::Unknown { reason: why, loc } => unknown.push(reason(
                format!("whether {} spans zones is unknown: {why}", s.display),
                Some(Place::at(sources, loc)),
            )),
            Fact::Absent if s.read_replica => {}
            Fact::Absent => {
                spofs.push(Spof {
                    address: s.address.clone(),
                    why: format!("single-zone {} (multi-AZ not set)", store_kind(s.kind)),
                    location: place.clone(),
                });
                manual.push(reason(
                    format!("{} does not set multi-AZ", s.display),
                    Some(place.clone()),
                ));
            }
        }
        match &s.automatic_failover {
            Fact::Known { value: true, .. } => {}
            Fact::Unknown { reason: why, loc } => unknown.push(reason(
                format!("automatic failover of {} is unknown: {why}", s.display),
                Some(Place::at(sources, loc)),
            )),
            _ => manual.push(reason(
                format!("{} has no automatic failover", s.display),
                Some(place),
            )),
        }
    }
    for g in &f.groups {
        let place = Place::at(sources, &g.loc);
        match &g.min_size {
            Fact::Known { value, loc } if *value <= 1 => {
                spofs.push(Spof {
                    address: g.address.clone(),
                    why: format!("min_size {value}"),
                    location: Place::at(sources, loc),
                });
                manual.push(reason(
                    format!("{} keeps {value} instance at least", g.display),
                    Some(Place::at(sources, loc)),
                ));
            }
            Fact::Known { .. } => {}
            Fact::Unknown { reason: why, loc } => unknown.push(reason(
                format!("min_size of {} is unknown: {why}", g.display),
                Some(Place::at(sources, loc)),
            )),
            Fact::Absent => unknown.push(reason(
                format!("{} sets no min_size", g.display),
                Some(place.clone()),
            )),
        }
        match &g.zones {
            Fact::Known { value, loc } if *value <= 1 => {
                spofs.push(Spof {
                    address: g.address.clone(),
                    why: "one zone".into(),
                    location: Place::at(sources, loc),
                });
                manual.push(reason(
                    format!("{} spans one zone", g.display),
                    Some(Place::at(sources, loc)),
                ));
            }
            Fact::Known { .. } => {}
            Fact::Unknown { reason: why, loc } => unknown.push(reason(
                format!("zones of {} are unknown: {why}", g.display),
                Some(Place::at(sources, loc)),
            )),
            Fact::Absent => unknown.push(reason(
                format!("the zones of {} are not written", g.display),
                Some(place),
            )),
        }
    }
    if !unknown.is_empty() {
        Resilience::Unknown(unknown)
    } else if f.workloads.is_empty() && f.stores.is_empty() && f.groups.is_empty() {
        Resilience::Nothing
    } else if manual.is_empty() {
        Resilience::Automatic
    } else {
        Resilience::Recovery(manual)
    }
}

/// The restore estimate: largest store ÷ throughput + provisioning.
fn restore_estimate(f: &ServiceFacts, plan: &Plan) -> (Option<i64>, String) {
    let provisioning = plan.provisioning.value;
    if f.stores.is_empty() {
        return (
            Some(provisioning),
            format!(
                "no data to restore: provisioning {}",
                format_duration(provisioning)
            ),
        );
    }
    let Some(throughput) = plan.restore_throughput.as_ref().map(|t| t.value) else {
        return (
            None,
            "no restore_throughput in the plan's assumptions".into(),
        );
    };
    let mut largest: Option<(u64, &str)> = None;
    for s in &f.stores {
        match &s.storage_bytes {
            Fact::Known { value, .. } => {
                if largest.is_none_or(|(b, _)| *value > b) {
                    largest = Some((*value, &s.display));
                }
            }
            Fact::Unknown { reason: why, .. } => {
                return (None, format!("storage of {} is unknown: {why}", s.display));
            }
            Fact::Absent => {
                return (None, format!("{} states no storage size", s.display));
            }
        }
    }
    let Some((bytes, display)) = largest else {
        return (None, "no storage size".into());
    };
    let secs = (bytes / throughput.max(1)) as i64 + provisioning;
    (
        Some(secs),
        format!(
            "{display}: {} GiB at {} MiB/s + provisioning {} = {}",
            bytes >> 30,
            throughput >> 20,
            format_duration(provisioning),
            format_duration(secs)
        ),
    )
}

fn finding_reasons(findings: &[Finding], target: &str) -> (Vec<Reason>, Vec<Reason>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for f in findings {
        if target_of(f.rule) != Some(target) {
            continue;
        }
        let mut message = f.message.clone();
        if let Some(w) = &f.waived_by {
            message.push_str(&format!(" (accepted: {w})"));
        }
        let r = Reason {
            rule: Some(f.rule.to_string()),
            message,
            location: Some(Place::of(&f.location)),
        };
        if f.severity == crate::plan::model::Severity::Error {
            errors.push(r);
        } else {
            warnings.push(r);
        }
    }
    (errors, warnings)
}

fn verdict(verdict: Verdict, reasons: Vec<Reason>) -> TargetVerdict {
    TargetVerdict { verdict, reasons }
}

fn year(as_of: jiff::civil::Date) -> (jiff::Timestamp, jiff::Timestamp) {
    plan::hours::year_from(as_of)
}

fn evaluate(
    s: &SideService,
    plan: &Plan,
    sources: &SourceStore,
    as_of: jiff::civil::Date,
) -> ServiceStatus {
    let svc = &s.service;
    let f = &s.facts;
    let t = &svc.targets;
    let multi_az = t.multi_az.as_ref().is_some_and(|m| m.value);
    let mut spofs = Vec::new();
    let res = resilience(f, multi_az, sources, &mut spofs);
    let (restore_secs, restore_text) = restore_estimate(f, plan);
    let (from, to) = year(as_of);

    // Backups.
    let mut backups = Vec::new();
    let mut gap_unknown = Vec::new();
    let mut largest_gap: Option<(i64, Place, String)> = None;
    let mut never_repeats = Vec::new();
    for b in &f.backups {
        let place = Place::at(sources, &b.loc);
        let (secs, text) = match (&b.kind, &b.schedule) {
            (BackupKind::Automated, _) | (_, None) => (
                Some(300),
                "continuous (transaction logs every 5m)".to_string(),
            ),
            (_, Some(expr)) => match largest_gap_cached(expr, &b.zone, b.dialect(), as_of) {
                Ok(Some(g)) => (
                    Some(g.seconds),
                    format!(
                        "largest gap {} from {}",
                        format_duration(g.seconds),
                        g.after
                    ),
                ),
                Ok(None) => {
                    never_repeats.push(reason(
                        format!("{} runs fewer than twice a year", b.display),
                        Some(place.clone()),
                    ));
                    (None, "runs fewer than twice a year".into())
                }
                Err(e) => {
                    gap_unknown.push(reason(
                        format!("schedule of {} cannot be read: {}", b.display, e.0),
                        Some(place.clone()),
                    ));
                    (None, format!("unreadable schedule: {}", e.0))
                }
            },
        };
        if let Some(secs) = secs
            && largest_gap.as_ref().is_none_or(|(g, _, _)| secs > *g)
        {
            largest_gap = Some((secs, place.clone(), b.display.clone()));
        }
        backups.push(BackupOut {
            address: b.address.clone(),
            kind: backup_kind(&b.kind),
            schedule: b.schedule.clone(),
            zone: b.zone.clone(),
            largest_gap_seconds: secs,
            gap: text,
            location: place,
        });
    }

    // Maintenance windows against the hours.
    let hours = t.hours.as_ref().map(|h| &h.value);
    let open = hours.map(|h| h.intervals(from, to));
    let mut windows = Vec::new();
    let mut in_hours = Vec::new();
    let mut window_unknown = Vec::new();
    for st in &f.stores {
        match &st.maintenance_window {
            Fact::Known { value, loc } => {
                let place = Place::at(sources, loc);
                let overlaps = open.as_ref().map(|open| {
                    let occ = value.occurrences(from, to);
                    !plan::hours::intersect_intervals(open, &occ).is_empty()
                });
                if overlaps == Some(true) {
                    in_hours.push(reason(
                        format!(
                            "maintenance window of {} ({}) falls in the hours",
                            st.display,
                            value.describe()
                        ),
                        Some(place.clone()),
                    ));
                }
                windows.push(WindowOut {
                    address: st.address.clone(),
                    window: value.describe(),
                    overlaps_hours: overlaps,
                    location: place,
                });
            }
            Fact::Unknown { reason: why, loc } => {
                let place = Place::at(sources, loc);
                window_unknown.push(reason(
                    format!("maintenance window of {} is unknown: {why}", st.display),
                    Some(place.clone()),
                ));
                windows.push(WindowOut {
                    address: st.address.clone(),
                    window: format!("unknown: {why}"),
                    overlaps_hours: None,
                    location: place,
                });
            }
            Fact::Absent => {}
        }
    }

    // Scheduled capacity that cannot be read (CG003): its floor is unknown.
    let capacity_unknown: Vec<Reason> = f
        .scheduled
        .iter()
        .flat_map(|c| {
            c.schedule.actions().into_iter().filter_map(|a| {
                let e = crate::facts::schedule::Schedule::parse(&a.schedule, &a.zone, a.dialect)
                    .err()?;
                Some(reason(
                    format!(
                        "scheduled capacity of {} cannot be read: {}",
                        c.display, e.0
                    ),
                    Some(Place::at(sources, &a.loc)),
                ))
            })
        })
        .collect();

    // RTO.
    let rto = match &t.rto {
        None => verdict(Verdict::NoTarget, Vec::new()),
        Some(rto) => {
            let (errors, _) = finding_reasons(&s.findings, "rto");
            if !errors.is_empty() {
                verdict(Verdict::NotKept, errors)
            } else {
                match &res {
                    Resilience::Nothing => verdict(
                        Verdict::Unknown,
                        vec![reason(
                            "no workloads, data stores or groups found for this service".into(),
                            None,
                        )],
                    ),
                    Resilience::Unknown(r) => verdict(Verdict::Unknown, r.clone()),
                    Resilience::Automatic => verdict(Verdict::KeptAutomatically, Vec::new()),
                    Resilience::Recovery(r) => {
                        let mut reasons = r.clone();
                        match restore_secs {
                            None => {
                                reasons.push(reason(
                                    format!("restore time cannot be estimated: {restore_text}"),
                                    None,
                                ));
                                verdict(Verdict::Unknown, reasons)
                            }
                            Some(est) if est <= rto.value => {
                                reasons.push(reason(
                                    format!(
                                        "recovery estimate {} is within the RTO {}",
                                        format_duration(est),
                                        format_duration(rto.value)
                                    ),
                                    None,
                                ));
                                verdict(Verdict::KeptByRecovery, reasons)
                            }
                            Some(est) => {
                                reasons.push(reason(
                                    format!(
                                        "recovery estimate {} exceeds the RTO {}",
                                        format_duration(est),
                                        format_duration(rto.value)
                                    ),
                                    None,
                                ));
                                verdict(Verdict::NotKept, reasons)
                            }
                        }
                    }
                }
            }
        }
    };

    // RPO.
    let has_state = !f.stores.is_empty()
        || f.resources.iter().any(|r| r.kind == "StatefulSet")
        || !f.backups.is_empty();
    let rpo = match &t.rpo {
        None => verdict(Verdict::NoTarget, Vec::new()),
        Some(rpo) => {
            let (errors, _) = finding_reasons(&s.findings, "rpo");
            let sync: Vec<&crate::facts::DataStore> = f.stores.iter().collect();
            let sync_unknown: Vec<Reason> = sync
                .iter()
                .filter_map(|st| match &st.synchronous_replication {
                    Fact::Unknown { reason: why, loc } => Some(reason(
                        format!("replication of {} is unknown: {why}", st.display),
                        Some(Place::at(sources, loc)),
                    )),
                    _ => None,
                })
                .collect();
            let all_sync = !sync.is_empty()
                && sync
                    .iter()
                    .all(|st| st.synchronous_replication.known() == Some(&true));
            if !errors.is_empty() {
                verdict(Verdict::NotKept, errors)
            } else if !gap_unknown.is_empty() {
                verdict(Verdict::Unknown, gap_unknown.clone())
            } else if !has_state {
                verdict(
                    Verdict::Unknown,
                    vec![reason(
                        "no data stores, stateful workloads or backup sources found: where the data lives is unknown".into(),
                        None,
                    )],
                )
            } else if rpo.value == 0 {
                if all_sync {
                    verdict(Verdict::KeptAutomatically, Vec::new())
                } else if !sync_unknown.is_empty() {
                    verdict(Verdict::Unknown, sync_unknown)
                } else {
                    verdict(
                        Verdict::NotKept,
                        vec![reason(
                            "RPO 0 needs synchronous replication of every data store".into(),
                            None,
                        )],
                    )
                }
            } else if f.backups.is_empty()
                && let Some((st, why, loc)) =
                    f.stores
                        .iter()
                        .find_map(|st| match &st.backup_retention_days {
                            Fact::Unknown { reason: why, loc } => Some((st, why, loc)),
                            _ => None,
                        })
            {
                // Backups that may exist, set by a value only Terraform knows.
                verdict(
                    Verdict::Unknown,
                    vec![reason(
                        format!("backups of {} are unknown: {why}", st.display),
                        Some(Place::at(sources, loc)),
                    )],
                )
            } else if f.backups.is_empty() {
                // Point at the data that nothing backs up.
                let data = f
                    .stores
                    .first()
                    .map(|st| (st.display.clone(), Place::at(sources, &st.loc)))
                    .or_else(|| {
                        f.resources
                            .iter()
                            .find(|r| r.kind == "StatefulSet")
                            .map(|r| {
                                (
                                    r.address.clone(),
                                    Place::at(
                                        sources,
                                        &Loc::of(crate::source::Side::Head, r, None),
                                    ),
                                )
                            })
                    });
                let mut r = vec![match data {
                    Some((what, place)) => {
                        reason(format!("no backups found for {what}"), Some(place))
                    }
                    None => reason("no backups found".into(), None),
                }];
                if all_sync {
                    r.push(reason(
                        "synchronous replication survives a failure but not a deletion or corruption".into(),
                        None,
                    ));
                }
                verdict(Verdict::NotKept, r)
            } else if !never_repeats.is_empty() {
                verdict(Verdict::NotKept, never_repeats.clone())
            } else {
                match &largest_gap {
                    Some((gap, place, display)) if *gap > rpo.value => verdict(
                        Verdict::NotKept,
                        vec![reason(
                            format!(
                                "{display}: largest gap {} exceeds the RPO {}",
                                format_duration(*gap),
                                format_duration(rpo.value)
                            ),
                            Some(place.clone()),
                        )],
                    ),
                    _ if all_sync => verdict(Verdict::KeptAutomatically, Vec::new()),
                    _ if !sync_unknown.is_empty() => verdict(Verdict::Unknown, sync_unknown),
                    Some((gap, _, _)) => verdict(
                        Verdict::KeptByRecovery,
                        vec![reason(
                            format!(
                                "data since the last backup is restored from it: largest gap {} within the RPO {}",
                                format_duration(*gap),
                                format_duration(rpo.value)
                            ),
                            None,
                        )],
                    ),
                    None => verdict(Verdict::Unknown, vec![reason("no backup gap".into(), None)]),
                }
            }
        }
    };

    // Hours.
    let hours_verdict = match &t.hours {
        None => verdict(Verdict::NoTarget, Vec::new()),
        Some(_) => {
            let (mut errors, _) = finding_reasons(&s.findings, "hours");
            let ruled = |code: &str| crate::rules::find(code).is_some();
            // Our own overlap reading stands when no finding says it (the rule
            // not built in, or turned off in the plan).
            if errors.is_empty() {
                errors.extend(in_hours.clone());
            }
            if !errors.is_empty() {
                verdict(Verdict::NotKept, errors)
            } else if !window_unknown.is_empty() {
                verdict(Verdict::Unknown, window_unknown)
            } else if !capacity_unknown.is_empty() {
                verdict(Verdict::Unknown, capacity_unknown)
            } else if !f.scheduled.is_empty() && !ruled("CG302") {
                verdict(
                    Verdict::Unknown,
                    vec![reason(
                        "scheduled capacity changes are not assessed by this build".into(),
                        None,
                    )],
                )
            } else {
                match &res {
                    Resilience::Automatic => verdict(Verdict::KeptAutomatically, Vec::new()),
                    Resilience::Recovery(r) => {
                        let mut r = r.clone();
                        r.push(reason(
                            "an outage in the hours lasts until recovery".into(),
                            None,
                        ));
                        verdict(Verdict::KeptByRecovery, r)
                    }
                    Resilience::Unknown(r) => verdict(Verdict::Unknown, r.clone()),
                    Resilience::Nothing => verdict(
                        Verdict::Unknown,
                        vec![reason(
                            "no workloads, data stores or groups found for this service".into(),
                            None,
                        )],
                    ),
                }
            }
        }
    };

    // Test.
    let last = svc.last_tested.as_ref().map(|d| d.value);
    let every = t.test_every.as_ref().map(|e| e.value);
    let due = match (last, every) {
        (Some(l), Some(e)) => l
            .checked_add(jiff::Span::new().days(e / 86_400))
            .ok()
            .map(|d| d.to_string()),
        _ => None,
    };
    let overdue = match (last, every) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(_), Some(_)) => due.as_ref().is_none_or(|d| as_of.to_string() > *d),
    };

    let mut notes = f.notes.clone();
    if f.resources.is_empty() {
        notes.push("no resources found for this service at this revision".into());
    }
    ServiceStatus {
        name: svc.name.clone(),
        tier: svc.tier.as_ref().map(|t| t.value.clone()),
        owners: svc.owners.clone(),
        targets: TargetsOut {
            rto_seconds: t.rto.as_ref().map(|r| r.value),
            rpo_seconds: t.rpo.as_ref().map(|r| r.value),
            hours: hours.map(|h| h.canonical()),
            min_replicas: t.min_replicas(),
            multi_az: t.multi_az.as_ref().map(|m| m.value),
            strategy: t.strategy.as_ref().map(|s| s.value.as_str().to_string()),
        },
        infrastructure: Infrastructure {
            resources: f.resources.len(),
            replica_floor: f.min_floor(),
            workloads: f
                .workloads
                .iter()
                .map(|w| WorkloadOut {
                    address: w.address.clone(),
                    floor: w.floor,
                    floor_field: w.floor_field.clone(),
                    zone_spread: w.zone_spread,
                    location: Place::at(sources, &w.floor_loc),
                })
                .collect(),
            stores: f
                .stores
                .iter()
                .map(|st| StoreOut {
                    address: st.address.clone(),
                    kind: store_kind(st.kind),
                    multi_az: FactOut::of(&st.multi_az),
                    automatic_failover: FactOut::of(&st.automatic_failover),
                    synchronous_replication: FactOut::of(&st.synchronous_replication),
                    storage_bytes: FactOut::of(&st.storage_bytes),
                    location: Place::at(sources, &st.loc),
                })
                .collect(),
            groups: f
                .groups
                .iter()
                .map(|g| GroupOut {
                    address: g.address.clone(),
                    min_size: FactOut::of(&g.min_size),
                    zones: FactOut::of(&g.zones),
                    location: Place::at(sources, &g.loc),
                })
                .collect(),
            backups,
            restore_estimate_seconds: restore_secs,
            restore_estimate: restore_text,
            maintenance_windows: windows,
        },
        verdicts: Verdicts {
            rto,
            rpo,
            hours: hours_verdict,
        },
        test: TestOut {
            last_tested: last.map(|d| d.to_string()),
            test_every_seconds: every,
            due,
            overdue,
        },
        single_points_of_failure: spofs,
        findings: s
            .findings
            .iter()
            .map(|f| FindingOut {
                rule: f.rule.to_string(),
                name: f.name.to_string(),
                severity: f.severity.as_str().to_string(),
                waived: f.waived,
                message: f.message.clone(),
                location: Place::of(&f.location),
                help: f.help.clone(),
            })
            .collect(),
        notes,
    }
}

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

    // Coverage.
    let covered_files: Vec<BTreeSet<String>> = side
        .services
        .iter()
        .map(|s| {
            let mut files = s.files.clone();
            files.extend(s.facts.resources.iter().map(|r| r.path.to_string()));
            files
        })
        .collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut discovered = Vec::new();
    let mut with_targets = 0;
    for d in &discovery.services {
        let mut covered_by = Vec::new();
        for (s, files) in side.services.iter().zip(&covered_files) {
            if d.units.iter().any(|u| covers(s, files, u)) {
                covered_by.push(s.service.name.clone());
            }
        }
        let has_targets = covered_by.iter().any(|n| {
            plan.services.get(n).is_some_and(|s| {
                s.targets.rto.is_some() && s.targets.rpo.is_some() && s.targets.hours.is_some()
            })
        });
        if has_targets {
            with_targets += 1;
        }
        used.extend(covered_by.iter().cloned());
        discovered.push(DiscoveredOut {
            name: d.name.clone(),
            units: d
                .units
                .iter()
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
    for d in &discovery.services {
        for u in &d.units {
            if side
                .services
                .iter()
                .zip(&covered_files)
                .any(|(s, files)| covers(s, files, u))
            {
                all_covered.extend(u.files.iter().cloned());
            }
        }
    }
    let uncovered_files: BTreeSet<String> = discovery
        .infra_files
        .iter()
        .filter(|f| !all_covered.contains(*f))
        .cloned()
        .collect();
    let covered_infra: BTreeSet<String> = all_covered.clone();
    let uncovered: Vec<UncoveredOut> = discover::group_by_folder(&uncovered_files, &covered_infra)
        .into_iter()
        .map(|(folder, files)| UncoveredOut { folder, files })
        .collect();
    let plan_only: Vec<String> = plan
        .services
        .keys()
        .filter(|n| !used.contains(*n))
        .cloned()
        .collect();

    // KPIs.
    let mut targets = 0;
    let mut automatic = 0;
    let mut not_kept = 0;
    let mut tested_of = 0;
    let mut tested = 0;
    for s in &services {
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
    notes.sort();
    notes.dedup();
    Ok(StatusReport {
        schema: SCHEMA,
        revision,
        as_of: as_of.to_string(),
        plan: found.map(|p| p.path.to_string()),
        kpis: Kpis {
            services_with_targets: Ratio::new(with_targets, discovery.services.len()),
            targets_kept_automatically: Ratio::new(automatic, targets),
            services_tested_on_time: Ratio::new(tested, tested_of),
            targets_not_kept: Ratio::new(not_kept, targets),
        },
        services,
        coverage: Coverage {
            discovered,
            plan_only,
            uncovered_files: uncovered_files.len(),
            uncovered,
        },
        notes,
        tzdb: crate::tzdb::version(),
    })
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
    use crate::facts::window::Window;
    use crate::facts::{BackupSource, DataStore, Group, Workload};

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
