//! The status report's model: `continuity-guard/status/v1` field for field
//! (docs/status-v1.md).

use super::discover::UnitKind;
use crate::engine::{Location, SourceStore};
use crate::facts::{Fact, Loc};
use crate::source::SideInfo;
use serde::Serialize;
use std::path::PathBuf;

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
    pub(crate) fn of(l: &Location) -> Place {
        Place {
            path: l.path.to_string(),
            line: l.line,
            column: l.column,
        }
    }

    pub(crate) fn at(sources: &SourceStore, loc: &Loc) -> Place {
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
    pub(crate) fn new(numerator: usize, denominator: usize) -> Ratio {
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
    pub(crate) fn of(f: &Fact<T>) -> FactOut<T> {
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
