//! One verdict per target of a service (RTO, RPO, hours): kept
//! automatically, kept by recovery, not kept, unknown or no target, each
//! with its reasons; and the service's status as `status/v1` shows it.

use super::resilience::{
    Resilience, backup_kind, reason, resilience, restore_estimate, store_kind,
};
use super::{
    BackupOut, FactOut, FindingOut, GroupOut, Infrastructure, Place, Reason, ServiceStatus,
    StoreOut, TargetVerdict, TargetsOut, TestOut, Verdict, Verdicts, WindowOut, WorkloadOut,
};
use crate::engine::{Finding, SideService, SourceStore};
use crate::facts::schedule::largest_gap_cached;
use crate::facts::{BackupKind, Fact, Loc, ServiceFacts, Side};
use crate::plan::duration::format_duration;
use crate::plan::model::Targets;
use crate::plan::{self, Plan};

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

fn finding_reasons(findings: &[Finding], target: &str) -> Vec<Reason> {
    let mut errors = Vec::new();
    for f in findings {
        if target_of(f.rule) != Some(target) || f.severity != crate::plan::model::Severity::Error {
            continue;
        }
        let mut message = f.message.clone();
        if let Some(w) = &f.waived_by {
            message.push_str(&format!(" (accepted: {w})"));
        }
        errors.push(Reason {
            rule: Some(f.rule.to_string()),
            message,
            location: Some(Place::of(&f.location)),
        });
    }
    errors
}

fn verdict(verdict: Verdict, reasons: Vec<Reason>) -> TargetVerdict {
    TargetVerdict { verdict, reasons }
}

fn nothing_found() -> TargetVerdict {
    verdict(
        Verdict::Unknown,
        vec![reason(
            "no workloads, data stores or groups found for this service".into(),
            None,
        )],
    )
}

/// The backups of a service, read for the RPO.
struct Backups {
    out: Vec<BackupOut>,
    /// Schedules that cannot be read.
    gap_unknown: Vec<Reason>,
    /// The largest gap of any backup: seconds, where, which.
    largest_gap: Option<(i64, Place, String)>,
    /// Backups that run fewer than twice a year.
    never_repeats: Vec<Reason>,
}

fn backups(f: &ServiceFacts, sources: &SourceStore, as_of: jiff::civil::Date) -> Backups {
    let mut b = Backups {
        out: Vec::new(),
        gap_unknown: Vec::new(),
        largest_gap: None,
        never_repeats: Vec::new(),
    };
    for backup in &f.backups {
        let place = Place::at(sources, &backup.loc);
        let (secs, text) = match (&backup.kind, &backup.schedule) {
            (BackupKind::Automated, _) | (_, None) => (
                Some(300),
                "continuous (transaction logs every 5m)".to_string(),
            ),
            (_, Some(expr)) => {
                match largest_gap_cached(expr, &backup.zone, backup.dialect(), as_of) {
                    Ok(Some(g)) => (
                        Some(g.seconds),
                        format!(
                            "largest gap {} from {}",
                            format_duration(g.seconds),
                            g.after
                        ),
                    ),
                    Ok(None) => {
                        b.never_repeats.push(reason(
                            format!("{} runs fewer than twice a year", backup.display),
                            Some(place.clone()),
                        ));
                        (None, "runs fewer than twice a year".into())
                    }
                    Err(e) => {
                        b.gap_unknown.push(reason(
                            format!("schedule of {} cannot be read: {}", backup.display, e.0),
                            Some(place.clone()),
                        ));
                        (None, format!("unreadable schedule: {}", e.0))
                    }
                }
            }
        };
        if let Some(secs) = secs
            && b.largest_gap.as_ref().is_none_or(|(g, _, _)| secs > *g)
        {
            b.largest_gap = Some((secs, place.clone(), backup.display.clone()));
        }
        b.out.push(BackupOut {
            address: backup.address.clone(),
            kind: backup_kind(&backup.kind),
            schedule: backup.schedule.clone(),
            zone: backup.zone.clone(),
            largest_gap_seconds: secs,
            gap: text,
            location: place,
        });
    }
    b
}

/// Maintenance windows against the hours.
struct Windows {
    out: Vec<WindowOut>,
    /// Windows that fall in the hours.
    in_hours: Vec<Reason>,
    /// Windows that cannot be read.
    unknown: Vec<Reason>,
}

fn windows(
    f: &ServiceFacts,
    t: &Targets,
    sources: &SourceStore,
    as_of: jiff::civil::Date,
) -> Windows {
    let (from, to) = plan::hours::year_from(as_of);
    let open = t.hours.as_ref().map(|h| h.value.intervals(from, to));
    let mut w = Windows {
        out: Vec::new(),
        in_hours: Vec::new(),
        unknown: Vec::new(),
    };
    for st in &f.stores {
        let (window, overlaps, loc) = match &st.maintenance_window {
            Fact::Known { value, loc } => {
                let overlaps = open.as_ref().map(|open| {
                    let occ = value.occurrences(from, to);
                    !plan::hours::intersect_intervals(open, &occ).is_empty()
                });
                if overlaps == Some(true) {
                    let message = format!(
                        "maintenance window of {} ({}) falls in the hours",
                        st.display,
                        value.describe()
                    );
                    w.in_hours
                        .push(reason(message, Some(Place::at(sources, loc))));
                }
                (value.describe(), overlaps, loc)
            }
            Fact::Unknown { reason: why, loc } => {
                let message = format!("maintenance window of {} is unknown: {why}", st.display);
                w.unknown
                    .push(reason(message, Some(Place::at(sources, loc))));
                (format!("unknown: {why}"), None, loc)
            }
            Fact::Absent => continue,
        };
        w.out.push(WindowOut {
            address: st.address.clone(),
            window,
            overlaps_hours: overlaps,
            location: Place::at(sources, loc),
        });
    }
    w
}

/// Scheduled capacity that cannot be read (CG003): its floor is unknown.
fn capacity_unknown(f: &ServiceFacts, sources: &SourceStore) -> Vec<Reason> {
    f.scheduled
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
        .collect()
}

/// The RTO: findings first, then resilience and the restore estimate.
fn rto_verdict(
    s: &SideService,
    res: &Resilience,
    (restore_secs, restore_text): &(Option<i64>, String),
) -> TargetVerdict {
    let Some(rto) = &s.service.targets.rto else {
        return verdict(Verdict::NoTarget, Vec::new());
    };
    let errors = finding_reasons(&s.findings, "rto");
    if !errors.is_empty() {
        return verdict(Verdict::NotKept, errors);
    }
    let mut reasons = match res {
        Resilience::Nothing => return nothing_found(),
        Resilience::Unknown(r) => return verdict(Verdict::Unknown, r.clone()),
        Resilience::Automatic => return verdict(Verdict::KeptAutomatically, Vec::new()),
        Resilience::Recovery(r) => r.clone(),
    };
    let Some(est) = *restore_secs else {
        let message = format!("restore time cannot be estimated: {restore_text}");
        reasons.push(reason(message, None));
        return verdict(Verdict::Unknown, reasons);
    };
    let (word, kept) = if est <= rto.value {
        ("is within", Verdict::KeptByRecovery)
    } else {
        ("exceeds", Verdict::NotKept)
    };
    reasons.push(reason(
        format!(
            "recovery estimate {} {word} the RTO {}",
            format_duration(est),
            format_duration(rto.value)
        ),
        None,
    ));
    verdict(kept, reasons)
}

/// The RPO: findings, unreadable schedules, where the data lives, then
/// replication and backups.
fn rpo_verdict(s: &SideService, backups: &Backups, sources: &SourceStore) -> TargetVerdict {
    let f = &s.facts;
    let Some(rpo) = &s.service.targets.rpo else {
        return verdict(Verdict::NoTarget, Vec::new());
    };
    let errors = finding_reasons(&s.findings, "rpo");
    let sync_unknown: Vec<Reason> = (f.stores.iter())
        .filter_map(|st| match &st.synchronous_replication {
            Fact::Unknown { reason: why, loc } => Some(reason(
                format!("replication of {} is unknown: {why}", st.display),
                Some(Place::at(sources, loc)),
            )),
            _ => None,
        })
        .collect();
    let all_sync = !f.stores.is_empty()
        && (f.stores.iter()).all(|st| st.synchronous_replication.known() == Some(&true));
    let has_state = !f.stores.is_empty()
        || f.resources.iter().any(|r| r.kind == "StatefulSet")
        || !f.backups.is_empty();
    if !errors.is_empty() {
        verdict(Verdict::NotKept, errors)
    } else if !backups.gap_unknown.is_empty() {
        verdict(Verdict::Unknown, backups.gap_unknown.clone())
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
    } else if f.backups.is_empty() {
        no_backups(f, all_sync, sources)
    } else if !backups.never_repeats.is_empty() {
        verdict(Verdict::NotKept, backups.never_repeats.clone())
    } else {
        backup_gap(backups, rpo.value, all_sync, sync_unknown)
    }
}

/// The RPO of data no backup source covers: unknown when the stores'
/// backups hang on a value only Terraform knows, else not kept, pointing
/// at the data nothing backs up.
fn no_backups(f: &ServiceFacts, all_sync: bool, sources: &SourceStore) -> TargetVerdict {
    let unknown_retention = f
        .stores
        .iter()
        .find_map(|st| match &st.backup_retention_days {
            Fact::Unknown { reason: why, loc } => Some((st, why, loc)),
            _ => None,
        });
    if let Some((st, why, loc)) = unknown_retention {
        return verdict(
            Verdict::Unknown,
            vec![reason(
                format!("backups of {} are unknown: {why}", st.display),
                Some(Place::at(sources, loc)),
            )],
        );
    }
    let data = f
        .stores
        .first()
        .map(|st| (st.display.clone(), Place::at(sources, &st.loc)))
        .or_else(|| {
            let r = f.resources.iter().find(|r| r.kind == "StatefulSet")?;
            let loc = Loc::of(Side::Head, r, None);
            Some((r.address.clone(), Place::at(sources, &loc)))
        });
    let mut r = vec![match data {
        Some((what, place)) => reason(format!("no backups found for {what}"), Some(place)),
        None => reason("no backups found".into(), None),
    }];
    if all_sync {
        r.push(reason(
            "synchronous replication survives a failure but not a deletion or corruption".into(),
            None,
        ));
    }
    verdict(Verdict::NotKept, r)
}

/// The RPO from the largest backup gap, replication aside.
fn backup_gap(
    backups: &Backups,
    rpo: i64,
    all_sync: bool,
    sync_unknown: Vec<Reason>,
) -> TargetVerdict {
    match &backups.largest_gap {
        Some((gap, place, display)) if *gap > rpo => verdict(
            Verdict::NotKept,
            vec![reason(
                format!(
                    "{display}: largest gap {} exceeds the RPO {}",
                    format_duration(*gap),
                    format_duration(rpo)
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
                    format_duration(rpo)
                ),
                None,
            )],
        ),
        None => verdict(Verdict::Unknown, vec![reason("no backup gap".into(), None)]),
    }
}

/// The hours: findings (or our own overlap reading when no rule says it),
/// unreadable windows and schedules, then resilience.
fn hours_verdict(
    s: &SideService,
    res: &Resilience,
    windows: &Windows,
    capacity_unknown: Vec<Reason>,
) -> TargetVerdict {
    if s.service.targets.hours.is_none() {
        return verdict(Verdict::NoTarget, Vec::new());
    }
    let mut errors = finding_reasons(&s.findings, "hours");
    if errors.is_empty() {
        errors.extend(windows.in_hours.iter().cloned());
    }
    if !errors.is_empty() {
        return verdict(Verdict::NotKept, errors);
    } else if !windows.unknown.is_empty() {
        return verdict(Verdict::Unknown, windows.unknown.clone());
    } else if !capacity_unknown.is_empty() {
        return verdict(Verdict::Unknown, capacity_unknown);
    } else if !s.facts.scheduled.is_empty() && crate::rules::find("CG302").is_none() {
        let why = "scheduled capacity changes are not assessed by this build";
        return verdict(Verdict::Unknown, vec![reason(why.into(), None)]);
    }
    match res {
        Resilience::Automatic => verdict(Verdict::KeptAutomatically, Vec::new()),
        Resilience::Recovery(r) => {
            let mut r = r.clone();
            let why = "an outage in the hours lasts until recovery";
            r.push(reason(why.into(), None));
            verdict(Verdict::KeptByRecovery, r)
        }
        Resilience::Unknown(r) => verdict(Verdict::Unknown, r.clone()),
        Resilience::Nothing => nothing_found(),
    }
}

/// The plan test: when it is due, and whether it is overdue at `as_of`.
fn test_out(s: &SideService, as_of: jiff::civil::Date) -> TestOut {
    let last = s.service.last_tested.as_ref().map(|d| d.value);
    let every = s.service.targets.test_every.as_ref().map(|e| e.value);
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
    TestOut {
        last_tested: last.map(|d| d.to_string()),
        test_every_seconds: every,
        due,
        overdue,
    }
}

/// What the infrastructure gives, as `status/v1` shows it.
fn infrastructure(
    f: &ServiceFacts,
    sources: &SourceStore,
    backups: Vec<BackupOut>,
    (restore_secs, restore_text): (Option<i64>, String),
    windows: Vec<WindowOut>,
) -> Infrastructure {
    Infrastructure {
        resources: f.resources.len(),
        replica_floor: f.min_floor(),
        workloads: (f.workloads.iter())
            .map(|w| WorkloadOut {
                address: w.address.clone(),
                floor: w.floor,
                floor_field: w.floor_field.clone(),
                zone_spread: w.zone_spread,
                location: Place::at(sources, &w.floor_loc),
            })
            .collect(),
        stores: (f.stores.iter())
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
        groups: (f.groups.iter())
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
    }
}

/// One service's status at one side.
pub(super) fn evaluate(
    s: &SideService,
    plan: &Plan,
    sources: &SourceStore,
    as_of: jiff::civil::Date,
) -> ServiceStatus {
    let (svc, f) = (&s.service, &s.facts);
    let t = &svc.targets;
    let multi_az = t.multi_az.as_ref().is_some_and(|m| m.value);
    let mut spofs = Vec::new();
    let res = resilience(f, multi_az, sources, &mut spofs);
    let restore = restore_estimate(f, plan);
    let backups = backups(f, sources, as_of);
    let windows = windows(f, t, sources, as_of);
    let verdicts = Verdicts {
        rto: rto_verdict(s, &res, &restore),
        rpo: rpo_verdict(s, &backups, sources),
        hours: hours_verdict(s, &res, &windows, capacity_unknown(f, sources)),
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
            hours: t.hours.as_ref().map(|h| h.value.canonical()),
            min_replicas: t.min_replicas(),
            multi_az: t.multi_az.as_ref().map(|m| m.value),
            strategy: t.strategy.as_ref().map(|s| s.value.as_str().to_string()),
        },
        infrastructure: infrastructure(f, sources, backups.out, restore, windows.out),
        verdicts,
        test: test_out(s, as_of),
        single_points_of_failure: spofs,
        findings: (s.findings.iter())
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
