//! # CG003 unreadable-schedule
//!
//! ## What it checks
//! Every schedule of the service read in the dialect of the system that runs
//! it: backup schedules (Velero `Schedule` and backup CronJobs as
//! robfig/cron v3, AWS Backup rules as AWS `cron(...)`/`rate(...)`),
//! autoscaling recurrences (plain 5-field cron) and KEDA cron triggers
//! (robfig/cron v3), each with its time zone. What the runner would reject
//! — `0 24 * * *`, a day-of-week `8` (or `7` for Kubernetes), `rate(1 hours)`,
//! a time zone such as `Mars/Olympus` — is reported at its line: a warning,
//! and an error for a backup source, whose backups will then not run.
//!
//! ## Why it matters for continuity
//! A schedule the runner rejects never fires: the backup is not taken, the
//! scale-up does not happen. A schedule this tool cannot read has an unknown
//! continuity impact, so it is never a silent pass, and `status` calls the
//! target that depends on it unknown.
//!
//! ## Example
//! ```diff
//!  kind: Schedule
//!  spec:
//! -  schedule: "0 2 * * *"
//! +  schedule: "0 2 * * 7"
//! ```
//! Velero (robfig/cron v3) counts day-of-week 0–6; `7` is rejected.
//!
//! ## How to fix
//! Write the schedule in its runner's grammar (the message says what it
//! rejects), and the time zone as an IANA name such as `Europe/London`.

use super::{Rule, ServiceView, Violation};
use crate::facts::schedule::Schedule;
use crate::plan::model::Severity;

/// CG003.
pub struct UnreadableSchedule;

/// The measure of an unreadable backup schedule (an error: no backup will run).
const BACKUP: u64 = 2;

impl Rule for UnreadableSchedule {
    fn code(&self) -> &'static str {
        "CG003"
    }
    fn name(&self) -> &'static str {
        "unreadable-schedule"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn severity_of(&self, v: &Violation) -> Severity {
        if v.measure >= BACKUP {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
    fn source(&self) -> &'static str {
        include_str!("cg003_unreadable_schedule.rs")
    }
    fn summary(&self) -> &'static str {
        "a schedule, recurrence or time zone cannot be read in its runner's dialect"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let violation = |subject: String, message: String, measure, loc| {
            Violation {
            rule: self.code(),
            measure,
            service: Some(svc.service.name.clone()),
            subject,
            message,
            help: Some(
                "write it as its runner reads it (see the message), with an IANA time zone such as Europe/London".into(),
            ),
            primary: crate::facts::Loc::clone(loc),
            secondary: Vec::new(),
        }
        };
        for b in &svc.facts.backups {
            let Some(expr) = &b.schedule else { continue };
            if let Err(e) = Schedule::parse(expr, &b.zone, b.dialect()) {
                out.push(violation(
                    format!(
                        "{} {}",
                        b.address,
                        super::cg201_backup_gap_exceeds_rpo::schedule_field(b)
                    ),
                    format!("{}: {e}; no backup runs on it", b.display),
                    BACKUP,
                    &b.loc,
                ));
            }
        }
        for capacity in &svc.facts.scheduled {
            for a in capacity.schedule.actions() {
                if let Err(e) = Schedule::parse(&a.schedule, &a.zone, a.dialect) {
                    out.push(violation(
                        format!("{} schedule `{}`", capacity.target, a.schedule),
                        format!(
                            "scheduled capacity of {}: {e}; its floor is unknown",
                            capacity.display
                        ),
                        1,
                        &a.loc,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::schedule::Dialect;
    use crate::facts::{
        BackupKind, BackupSource, CapacitySchedule, CronTrigger, ScheduledAction,
        ScheduledCapacity, ServiceFacts,
    };
    use crate::rules::testutil::{check, head_loc, plan};

    const PLAN: &str = "version: 1\nservices:\n  payments:\n    rpo: 24h\n    hours: \"Mon-Fri 09:00-17:00\"\n    match: [{ paths: [\"deploy/**\"] }]\n";

    fn backup(kind: BackupKind, schedule: &str, zone: &str) -> BackupSource {
        BackupSource {
            address: "Schedule/velero/nightly".into(),
            display: "Velero Schedule velero/nightly".into(),
            kind,
            schedule: Some(schedule.into()),
            zone: zone.into(),
            loc: head_loc("deploy/backup.yaml", 7),
        }
    }

    fn action(schedule: &str, zone: &str, dialect: Dialect) -> ScheduledAction {
        ScheduledAction {
            schedule: schedule.into(),
            dialect,
            zone: zone.into(),
            floor: 1,
            loc: head_loc("deploy/asg.tf", 9),
        }
    }

    fn capacity(schedule: CapacitySchedule) -> ScheduledCapacity {
        ScheduledCapacity {
            target: "aws_autoscaling_group.web".into(),
            display: "aws_autoscaling_group web".into(),
            schedule,
        }
    }

    #[test]
    fn what_each_runner_rejects_is_reported_at_its_line() {
        let facts = ServiceFacts {
            backups: vec![
                backup(BackupKind::Velero, "0 5 * * 8", "UTC"),
                backup(BackupKind::Velero, "0 5 * * 6", "UTC"),
                backup(BackupKind::AwsBackup, "rate(1 hours)", "UTC"),
            ],
            scheduled: vec![
                capacity(CapacitySchedule::Actions(vec![
                    action("0 24 * * *", "UTC", Dialect::Unix),
                    action("0 8 * * *", "UTC", Dialect::Unix),
                ])),
                capacity(CapacitySchedule::Triggers {
                    min: 1,
                    min_loc: head_loc("deploy/keda.yaml", 3),
                    triggers: vec![CronTrigger {
                        start: action("0 8 * * *", "Mars/Olympus", Dialect::Robfig),
                        end: action("5/15 18 * * *", "UTC", Dialect::Robfig),
                    }],
                }),
            ],
            ..ServiceFacts::default()
        };
        let v = check(&UnreadableSchedule, &plan(PLAN), "payments", &facts);
        let got: Vec<(u64, &str)> = v.iter().map(|v| (v.measure, v.message.as_str())).collect();
        assert_eq!(got.len(), 4, "{got:#?}");
        assert_eq!(v[0].measure, BACKUP);
        assert!(
            got[0].1.contains("day-of-week 8 is out of range 0–6"),
            "{}",
            got[0].1
        );
        assert!(got[1].1.contains("rate(1 hour)"), "{}", got[1].1);
        assert!(got[2].1.contains("hour 24 is out of range"), "{}", got[2].1);
        assert_eq!(v[2].measure, 1);
        assert_eq!(v[2].primary.span.start, 9);
        assert!(
            got[3].1.contains("unknown time zone `Mars/Olympus`"),
            "{}",
            got[3].1
        );
        assert_eq!(UnreadableSchedule.severity_of(&v[0]), Severity::Error);
        assert_eq!(UnreadableSchedule.severity_of(&v[2]), Severity::Warning);
    }
}
