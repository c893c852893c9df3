//! # CG203 point-in-time-recovery-off
//!
//! ## What it checks
//! A table (DynamoDB and other key-value tables) whose point-in-time
//! recovery is off (`point_in_time_recovery { enabled = false }`, or not
//! configured: the default is off) while the service's RPO is shorter than
//! its backup interval: the smallest largest-gap over the backup sources that
//! can hold a table (AWS Backup plans, backup jobs; not a database's own
//! automated backups nor Velero), or no backup at all.
//!
//! ## Why it matters for continuity
//! Point-in-time recovery restores a table to any second of the last 35
//! days. Without it, a table can only go back to its last backup, and
//! everything written since is lost: more than the RPO allows when backups
//! are further apart than the RPO.
//!
//! ## Example
//! ```diff
//!  resource "aws_dynamodb_table" "orders" {
//!    point_in_time_recovery {
//! -    enabled = true
//! +    enabled = false
//!    }
//!  }
//! ```
//!
//! ## How to fix
//! Turn point-in-time recovery on, or back the table up at least as often
//! as the RPO.

use super::recovery::{duration_text, source_gap};
use super::{Rule, ServiceView, Violation};
use crate::facts::BackupKind;
use crate::facts::{Fact, StoreKind};
use crate::plan::model::Severity;

/// CG203.
pub struct PointInTimeRecoveryOff;

impl Rule for PointInTimeRecoveryOff {
    fn code(&self) -> &'static str {
        "CG203"
    }
    fn name(&self) -> &'static str {
        "point-in-time-recovery-off"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg203_point_in_time_recovery_off.rs")
    }
    fn summary(&self) -> &'static str {
        "point-in-time recovery is off where the RPO is under the backup interval"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let Some(rpo) = &svc.service.targets.rpo else {
            return;
        };
        // Backups that can hold a table: AWS Backup plans and backup jobs, not
        // a database's own automated backups nor Velero's cluster backups.
        let interval = svc
            .facts
            .backups
            .iter()
            .filter(|b| matches!(b.kind, BackupKind::AwsBackup | BackupKind::CronJob))
            .filter_map(|b| source_gap(b, svc.as_of).seconds())
            .min();
        let uncovered = match interval {
            Some(gap) if gap > rpo.value => format!(
                "its backups are {} apart at most, more than RPO {}",
                duration_text(gap),
                duration_text(rpo.value)
            ),
            Some(_) => return,
            None => format!(
                "no backup of service {} bounds the loss within RPO {}",
                svc.service.name,
                duration_text(rpo.value)
            ),
        };
        for s in &svc.facts.stores {
            if s.kind != StoreKind::Table {
                continue;
            }
            let (how, primary) = match &s.point_in_time_recovery {
                Fact::Known { value: false, loc } => ("is off", loc.clone()),
                Fact::Absent => ("is not configured (the default is off)", s.loc.clone()),
                _ => continue,
            };
            out.push(Violation {
                rule: self.code(),
                measure: 1,
                service: Some(svc.service.name.clone()),
                subject: format!("{} point_in_time_recovery", s.address),
                message: format!(
                    "point-in-time recovery of {} {how}, and {uncovered}",
                    s.display
                ),
                help: Some(
                    "turn point-in-time recovery on, or back the table up at least as often as the RPO"
                        .into(),
                ),
                primary,
                secondary: vec![(
                    svc.plan_loc(rpo.span),
                    format!("RPO {} set here", duration_text(rpo.value)),
                )],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Side;
    use crate::facts::{BackupKind, BackupSource, DataStore, ServiceFacts};
    use crate::rules::testutil::{check, known, loc, plan};

    fn table(pitr: Fact<bool>) -> DataStore {
        DataStore {
            address: "aws_dynamodb_table.orders".into(),
            display: "aws_dynamodb_table orders".into(),
            kind: StoreKind::Table,
            point_in_time_recovery: pitr,
            ..DataStore::default()
        }
    }

    fn daily() -> BackupSource {
        BackupSource {
            address: "aws_backup_plan.orders daily".into(),
            display: "aws_backup_plan orders rule daily".into(),
            kind: BackupKind::AwsBackup,
            schedule: Some("cron(0 3 * * ? *)".into()),
            zone: "UTC".into(),
            loc: loc(Side::Head, "terraform/backup.tf", 0),
        }
    }

    const PLAN: &str = "version: 1\nservices:\n  orders:\n    rpo: 1h\n    match: [{ paths: [\"t/**\"] }]\n  archive:\n    rpo: 48h\n    match: [{ paths: [\"a/**\"] }]\n";

    #[test]
    fn off_with_daily_backups_and_hourly_rpo() {
        let p = plan(PLAN);
        let f = ServiceFacts {
            stores: vec![table(known(false, Side::Head))],
            backups: vec![daily()],
            ..ServiceFacts::default()
        };
        let v = check(&PointInTimeRecoveryOff, &p, "orders", &f);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "point-in-time recovery of aws_dynamodb_table orders is off, and its backups are 24h apart at most, more than RPO 1h"
        );
        // An RPO the daily backup covers: fine.
        assert!(check(&PointInTimeRecoveryOff, &p, "archive", &f).is_empty());
    }

    #[test]
    fn a_databases_own_backups_do_not_cover_a_table() {
        let p = plan(PLAN);
        let aurora = BackupSource {
            address: "aws_rds_cluster.main automated".into(),
            display: "aws_rds_cluster main automated backups".into(),
            kind: BackupKind::Automated,
            schedule: None,
            zone: "UTC".into(),
            loc: loc(Side::Head, "terraform/db.tf", 0),
        };
        let f = ServiceFacts {
            stores: vec![table(known(false, Side::Head))],
            backups: vec![aurora],
            ..ServiceFacts::default()
        };
        let v = check(&PointInTimeRecoveryOff, &p, "orders", &f);
        assert_eq!(
            v.len(),
            1,
            "Aurora's continuous backups hold no DynamoDB table"
        );
        assert!(
            v[0].message.contains("no backup of service orders"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn absent_without_backups() {
        let p = plan(PLAN);
        let f = ServiceFacts {
            stores: vec![table(Fact::Absent), table(known(true, Side::Head))],
            ..ServiceFacts::default()
        };
        let v = check(&PointInTimeRecoveryOff, &p, "archive", &f);
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("not configured"), "{}", v[0].message);
    }
}
