//! # CG201 backup-gap-exceeds-rpo
//!
//! ## What it checks
//! Each backup source of the service on its own (Velero `Schedule`, backup
//! CronJobs, `aws_backup_plan` rules, RDS automated backups): the largest
//! real elapsed interval between two consecutive runs over a year of fire
//! times from `--as-of`, in the schedule's own zone, against the service's
//! RPO. A weekday-only schedule leaves a weekend gap; a daily backup at a
//! fixed local time has a 25-hour gap on the night the clocks go back. RDS
//! automated backups with a retention of a day or more are continuous (5
//! minutes).
//!
//! ## Why it matters for continuity
//! The RPO is the most data the business accepts to lose. A failure just
//! before the next backup loses everything written since the previous one:
//! the largest gap, not the usual one, is what the RPO must cover.
//!
//! ## Example
//! ```diff
//!  kind: Schedule
//!  spec:
//! -  schedule: "0 2 * * *"
//! +  schedule: "0 2 * * 1-5"
//! ```
//! With an RPO of 24h, Friday 02:00 to Monday 02:00 is a 72h gap.
//!
//! ## How to fix
//! Back up often enough that the largest gap stays within the RPO (every day
//! of the week, and for a 24h RPO a little more often than daily, or at a
//! time in UTC), or agree a longer RPO with a change advisory board decision.

use super::recovery::{CONTINUOUS_GAP_SECONDS, SourceGap, duration_text, gap_text, source_gap};
use super::{Rule, ServiceView, Violation};
use crate::facts::{BackupKind, BackupSource};
use crate::plan::model::Severity;

/// CG201.
pub struct BackupGapExceedsRpo;

/// The field of a backup source that sets its frequency.
pub(crate) fn schedule_field(b: &BackupSource) -> &'static str {
    match b.kind {
        BackupKind::Velero | BackupKind::CronJob => "spec.schedule",
        BackupKind::AwsBackup => "schedule",
        BackupKind::Automated => "backup_retention_period",
    }
}

/// `Schedule velero/nightly (0 2 * * 1-5)`.
fn named(b: &BackupSource) -> String {
    match &b.schedule {
        Some(s) => format!("{} (`{s}`)", b.display),
        None => b.display.clone(),
    }
}

impl Rule for BackupGapExceedsRpo {
    fn code(&self) -> &'static str {
        "CG201"
    }
    fn name(&self) -> &'static str {
        "backup-gap-exceeds-rpo"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg201_backup_gap_exceeds_rpo.rs")
    }
    fn summary(&self) -> &'static str {
        "the largest gap between two runs of a backup source exceeds the RPO"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let Some(rpo) = &svc.service.targets.rpo else {
            return;
        };
        for b in &svc.facts.backups {
            let rpo_text = duration_text(rpo.value);
            // The measure: seconds of gap beyond the RPO (a year and more when unbounded).
            let (gap, message) = match source_gap(b, svc.as_of) {
                SourceGap::Every(g) if g.seconds > rpo.value => (
                    g.seconds,
                    format!(
                        "{}: largest gap {} {} exceeds RPO {rpo_text}",
                        named(b),
                        duration_text(g.seconds),
                        gap_text(&g, &zone_of(b)),
                    ),
                ),
                SourceGap::Continuous if CONTINUOUS_GAP_SECONDS > rpo.value => (
                    CONTINUOUS_GAP_SECONDS,
                    format!(
                        "{}: continuous backups are {} apart, more than RPO {rpo_text}",
                        named(b),
                        duration_text(CONTINUOUS_GAP_SECONDS),
                    ),
                ),
                SourceGap::Unbounded => (
                    366 * 86_400,
                    format!(
                        "{} runs fewer than twice in the year from {}: its gap is longer than a year, more than RPO {rpo_text}",
                        named(b),
                        svc.as_of,
                    ),
                ),
                _ => continue,
            };
            out.push(Violation {
                rule: self.code(),
                measure: (gap - rpo.value).unsigned_abs(),
                service: Some(svc.service.name.clone()),
                subject: format!("{} {}", b.address, schedule_field(b)),
                message,
                help: Some(format!(
                    "back up at least every {} on every day of the week, or agree a longer RPO with a CAB decision",
                    duration_text(rpo.value)
                )),
                primary: b.loc.clone(),
                secondary: vec![(
                    svc.plan_loc(rpo.span),
                    format!("RPO {} set here", duration_text(rpo.value)),
                )],
            });
        }
    }

    fn notes(&self, svc: &ServiceView, out: &mut Vec<String>) {
        if svc.service.targets.rpo.is_none() {
            return;
        }
        // An unreadable schedule is CG003's finding; here only a source without one.
        for b in svc.facts.backups.iter().filter(|b| b.schedule.is_none()) {
            if let SourceGap::Unreadable(why) = source_gap(b, svc.as_of) {
                out.push(format!(
                    "CG201: {}: the backup gap of {} (service {}) cannot be computed: {why}",
                    b.loc.path, b.display, svc.service.name
                ));
            }
        }
    }
}

/// The zone a source's schedule is read in (a `CRON_TZ=` prefix wins).
fn zone_of(b: &BackupSource) -> String {
    b.schedule
        .as_deref()
        .and_then(|s| crate::facts::schedule::Schedule::parse(s, &b.zone, b.dialect()).ok())
        .map_or_else(|| b.zone.clone(), |s| s.zone_name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::facts::Side;
    use crate::rules::testutil::{check, loc, notes, plan};

    fn source(schedule: &str, zone: &str) -> BackupSource {
        BackupSource {
            address: "Schedule/velero/nightly".into(),
            display: "Schedule velero/nightly".into(),
            kind: BackupKind::Velero,
            schedule: Some(schedule.into()),
            zone: zone.into(),
            loc: loc(Side::Head, "deploy/velero.yaml", 0),
        }
    }

    fn facts(b: Vec<BackupSource>) -> ServiceFacts {
        ServiceFacts {
            backups: b,
            ..ServiceFacts::default()
        }
    }

    const PLAN: &str =
        "version: 1\nservices:\n  ledger:\n    rpo: 24h\n    match: [{ paths: [\"t/**\"] }]\n";

    #[test]
    fn weekday_backups_leave_the_weekend() {
        let p = plan(PLAN);
        let v = check(
            &BackupGapExceedsRpo,
            &p,
            "ledger",
            &facts(vec![source("0 2 * * 1-5", "UTC")]),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "Schedule velero/nightly (`0 2 * * 1-5`): largest gap 72h between Fri 2026-11-27 02:00 and Mon 2026-11-30 02:00 UTC exceeds RPO 24h"
        );
        assert_eq!(v[0].subject, "Schedule/velero/nightly spec.schedule");
        assert!(
            check(
                &BackupGapExceedsRpo,
                &p,
                "ledger",
                &facts(vec![source("0 2 * * *", "UTC")])
            )
            .is_empty()
        );
    }

    #[test]
    fn the_autumn_night_is_25_hours() {
        let p = plan(PLAN);
        let v = check(
            &BackupGapExceedsRpo,
            &p,
            "ledger",
            &facts(vec![source("CRON_TZ=Europe/London 0 5 * * *", "UTC")]),
        );
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message.contains(
                "largest gap 25h between Sat 2027-10-30 05:00 and Sun 2027-10-31 05:00 Europe/London (the clocks go back) exceeds RPO 24h"
            ),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn automated_backups_are_continuous() {
        let p = plan(PLAN);
        let automated = BackupSource {
            kind: BackupKind::Automated,
            schedule: None,
            ..source("", "UTC")
        };
        assert!(
            check(
                &BackupGapExceedsRpo,
                &p,
                "ledger",
                &facts(vec![automated.clone()])
            )
            .is_empty()
        );
        let p0 = plan(
            "version: 1\nservices:\n  ledger:\n    rpo: 1m\n    match: [{ paths: [\"t/**\"] }]\n",
        );
        assert_eq!(
            check(&BackupGapExceedsRpo, &p0, "ledger", &facts(vec![automated])).len(),
            1
        );
    }

    #[test]
    fn yearly_schedule_is_unbounded() {
        let p = plan(PLAN);
        let v = check(
            &BackupGapExceedsRpo,
            &p,
            "ledger",
            &facts(vec![source("0 0 1 1 *", "UTC")]),
        );
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message
                .contains("runs fewer than twice in the year from 2026-11-23"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn unreadable_schedule_is_left_to_cg003() {
        let p = plan(PLAN);
        let f = facts(vec![source("not a cron", "UTC")]);
        assert!(check(&BackupGapExceedsRpo, &p, "ledger", &f).is_empty());
        assert!(notes(&BackupGapExceedsRpo, &p, "ledger", &f).is_empty());
        // A source without a schedule is still a note.
        let mut none = source("0 2 * * *", "UTC");
        none.schedule = None;
        let f = facts(vec![none]);
        assert_eq!(notes(&BackupGapExceedsRpo, &p, "ledger", &f).len(), 1);
    }
}
