//! How a service survives the loss of one component: automatically (every
//! component redundant and failing over on its own), by recovery, or
//! unknown; its single points of failure, and the restore estimate.

use super::{Place, Reason, Spof};
use crate::engine::SourceStore;
use crate::facts::{
    BackupKind, DataStore, Fact, Group, Loc, ServiceFacts, Side, StoreKind, Workload,
};
use crate::plan::Plan;
use crate::plan::duration::format_duration;
use std::collections::BTreeSet;

/// How the service survives the loss of one component.
pub(super) enum Resilience {
    /// Every component is redundant and fails over on its own.
    Automatic,
    /// Some component needs recovery (the reasons name them).
    Recovery(Vec<Reason>),
    /// A fact needed is unknown.
    Unknown(Vec<Reason>),
    /// Nothing runs.
    Nothing,
}

/// A reason with no rule.
pub(super) fn reason(message: String, location: Option<Place>) -> Reason {
    Reason {
        rule: None,
        message,
        location,
    }
}

pub(super) fn store_kind(k: StoreKind) -> &'static str {
    match k {
        StoreKind::Relational => "relational",
        StoreKind::Cache => "cache",
        StoreKind::Table => "table",
    }
}

pub(super) fn backup_kind(k: &BackupKind) -> &'static str {
    match k {
        BackupKind::Velero => "velero",
        BackupKind::CronJob => "cronjob",
        BackupKind::AwsBackup => "aws-backup",
        BackupKind::Automated => "automated",
    }
}

/// What the components of a service say, as they are read.
struct Tally<'a> {
    sources: &'a SourceStore,
    /// Components that need recovery.
    manual: Vec<Reason>,
    /// Facts that are unknown.
    unknown: Vec<Reason>,
    spofs: &'a mut Vec<Spof>,
}

impl Tally<'_> {
    fn place(&self, loc: &Loc) -> Place {
        Place::at(self.sources, loc)
    }

    fn unknown(&mut self, message: String, loc: &Loc) {
        let place = self.place(loc);
        self.unknown.push(reason(message, Some(place)));
    }

    fn manual(&mut self, message: String, loc: &Loc) {
        let place = self.place(loc);
        self.manual.push(reason(message, Some(place)));
    }

    /// A single point of failure, which needs recovery.
    fn spof(&mut self, address: &str, why: String, message: String, loc: &Loc) {
        self.spofs.push(Spof {
            address: address.to_string(),
            why,
            location: self.place(loc),
        });
        self.manual(message, loc);
    }
}

/// The service's resilience from its facts; single points of failure are
/// added to `spofs`.
pub(super) fn resilience(
    f: &ServiceFacts,
    multi_az: bool,
    sources: &SourceStore,
    spofs: &mut Vec<Spof>,
) -> Resilience {
    let mut tally = Tally {
        sources,
        manual: Vec::new(),
        unknown: Vec::new(),
        spofs,
    };
    unread_workloads(f, &mut tally);
    for w in &f.workloads {
        workload(w, multi_az, &mut tally);
    }
    for (why, loc) in &f.opaque {
        tally.unknown(format!("{why}: what it builds is unknown"), loc);
    }
    for s in &f.stores {
        store(s, &mut tally);
    }
    for g in &f.groups {
        group(g, &mut tally);
    }
    if !tally.unknown.is_empty() {
        Resilience::Unknown(tally.unknown)
    } else if f.workloads.is_empty() && f.stores.is_empty() && f.groups.is_empty() {
        Resilience::Nothing
    } else if tally.manual.is_empty() {
        Resilience::Automatic
    } else {
        Resilience::Recovery(tally.manual)
    }
}

/// Workload kinds whose replicas could not be read are missing from the facts.
fn unread_workloads(f: &ServiceFacts, tally: &mut Tally) {
    let known: BTreeSet<&str> = f.workloads.iter().map(|w| w.address.as_str()).collect();
    for r in &f.resources {
        if crate::facts::kubernetes::WORKLOAD_KINDS.contains(&r.kind.as_str())
            && !known.contains(r.address.as_str())
        {
            let loc = Loc::of(Side::Head, r, r.field("spec.replicas"));
            let message = format!(
                "the replicas of {} cannot be read (an expression)",
                r.address
            );
            tally.unknown(message, &loc);
        }
    }
}

fn workload(w: &Workload, multi_az: bool, tally: &mut Tally) {
    if w.floor <= 1 {
        let noun = if w.floor == 1 { "replica" } else { "replicas" };
        let why = format!("runs {} {noun} ({})", w.floor, w.floor_field);
        let message = format!("{} {why}", w.display);
        tally.spof(&w.address, why, message, &w.floor_loc);
    } else if multi_az && !w.zone_spread {
        let message = format!(
            "{} runs {} replicas with no zone spread",
            w.display, w.floor
        );
        tally.manual(message, &w.zone_loc);
    }
}

fn store(s: &DataStore, tally: &mut Tally) {
    match &s.multi_az {
        Fact::Known { value: true, .. } => {}
        Fact::Known { value: false, loc } => {
            let why = format!("single-zone {}", store_kind(s.kind));
            tally.spof(
                &s.address,
                why,
                format!("{} is single-zone", s.display),
                loc,
            );
        }
        Fact::Unknown { reason: why, loc } => tally.unknown(
            format!("whether {} spans zones is unknown: {why}", s.display),
            loc,
        ),
        Fact::Absent if s.read_replica => {}
        Fact::Absent => {
            let why = format!("single-zone {} (multi-AZ not set)", store_kind(s.kind));
            let message = format!("{} does not set multi-AZ", s.display);
            tally.spof(&s.address, why, message, &s.loc);
        }
    }
    match &s.automatic_failover {
        Fact::Known { value: true, .. } => {}
        Fact::Unknown { reason: why, loc } => tally.unknown(
            format!("automatic failover of {} is unknown: {why}", s.display),
            loc,
        ),
        _ => tally.manual(format!("{} has no automatic failover", s.display), &s.loc),
    }
}

fn group(g: &Group, tally: &mut Tally) {
    match &g.min_size {
        Fact::Known { value, loc } if *value <= 1 => {
            let message = format!("{} keeps {value} instance at least", g.display);
            tally.spof(&g.address, format!("min_size {value}"), message, loc);
        }
        Fact::Known { .. } => {}
        Fact::Unknown { reason: why, loc } => {
            tally.unknown(format!("min_size of {} is unknown: {why}", g.display), loc)
        }
        Fact::Absent => tally.unknown(format!("{} sets no min_size", g.display), &g.loc),
    }
    match &g.zones {
        Fact::Known { value, loc } if *value <= 1 => {
            let message = format!("{} spans one zone", g.display);
            tally.spof(&g.address, "one zone".into(), message, loc);
        }
        Fact::Known { .. } => {}
        Fact::Unknown { reason: why, loc } => {
            tally.unknown(format!("zones of {} are unknown: {why}", g.display), loc)
        }
        Fact::Absent => tally.unknown(
            format!("the zones of {} are not written", g.display),
            &g.loc,
        ),
    }
}

/// The restore estimate: largest store ÷ throughput + provisioning.
pub(super) fn restore_estimate(f: &ServiceFacts, plan: &Plan) -> (Option<i64>, String) {
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
