//! # CG202 backups-removed
//!
//! ## What it checks
//! A service with an RPO (any value, zero included) that had at least one
//! backup source at base and has none at head: a Velero `Schedule` or backup
//! CronJob deleted, an `aws_backup_plan` rule removed, automated backups
//! turned off (`backup_retention_period = 0`, `BackupRetentionPeriod: 0`).
//! Each backup source that went is a finding: at the deleted resource (base
//! side), at the retention set to 0, or at what stops a resource that is
//! still there from backing up (`spec.paused: true`; head side).
//!
//! ## Why it matters for continuity
//! With no backup at all, the RPO is not stretched but lost: a failure of the
//! data store, a bad migration or ransomware leaves nothing to restore.
//!
//! ## Example
//! Deleting `deploy/velero/nightly.yaml`, or:
//! ```diff
//!  resource "aws_db_instance" "ledger" {
//! -  backup_retention_period = 7
//! +  backup_retention_period = 0
//!  }
//! ```
//!
//! ## How to fix
//! Keep a backup that covers the RPO; when a backup moves (e.g. to AWS
//! Backup), add the new one in the same change as the old one goes.

use super::recovery::duration_text;
use super::{Rule, ServiceChange, Violation};
use crate::facts::{BackupKind, Fact, Loc};
use crate::plan::model::Severity;

/// CG202.
pub struct BackupsRemoved;

impl Rule for BackupsRemoved {
    fn code(&self) -> &'static str {
        "CG202"
    }
    fn name(&self) -> &'static str {
        "backups-removed"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg202_backups_removed.rs")
    }
    fn summary(&self) -> &'static str {
        "the service has a finite RPO and no backup covers it any more"
    }

    fn check_change(&self, change: &ServiceChange, out: &mut Vec<Violation>) {
        let (Some(base), Some(head)) = (&change.base, &change.head) else {
            return;
        };
        let Some(rpo) = &head.service.targets.rpo else {
            return;
        };
        if base.facts.backups.is_empty() || !head.facts.backups.is_empty() {
            return;
        }
        let rpo_text = duration_text(rpo.value);
        for b in &base.facts.backups {
            // A retention the change made unknown (an expression only
            // Terraform evaluates) is not backups removed: the reader's note
            // says it cannot be told.
            let unknown_now = b.kind == BackupKind::Automated
                && head.facts.stores.iter().any(|s| {
                    (b.address == s.address || b.address.starts_with(&format!("{} ", s.address)))
                        && matches!(s.backup_retention_days, Fact::Unknown { .. })
                });
            if unknown_now {
                continue;
            }
            // Automated backups turned off: the store is still there with retention 0.
            let retention_zero = (b.kind == BackupKind::Automated)
                .then(|| {
                    head.facts
                        .stores
                        .iter()
                        .filter(|s| {
                            b.address == s.address
                                || b.address.starts_with(&format!("{} ", s.address))
                        })
                        .find_map(|s| match &s.backup_retention_days {
                            Fact::Known { value: 0, loc } => Some((s, loc.clone())),
                            _ => None,
                        })
                })
                .flatten();
            let (message, primary, help) = match retention_zero {
                Some((store, loc)) => (
                    format!(
                        "automated backups of {} are turned off (backup retention 0 days) and no other backup covers service {} (RPO {rpo_text})",
                        store.display, change.name
                    ),
                    loc,
                    "keep a backup retention of at least 1 day, or add another backup in the same change",
                ),
                None => match head.facts.resources.iter().find(|r| r.address == b.address) {
                    // Still there but no longer backing up (a paused Velero schedule).
                    Some(r) => (
                        format!(
                            "backup {} no longer takes backups and no other backup covers service {} (RPO {rpo_text})",
                            b.display, change.name
                        ),
                        Loc::of(head.side, r, r.field("spec.paused")),
                        "resume the backup schedule, or add its replacement in the same change",
                    ),
                    None => (
                        if b.kind == BackupKind::Automated {
                            // "automated backups of aws_db_instance x"
                            format!(
                                "{} are removed and no other backup covers service {} (RPO {rpo_text})",
                                b.display, change.name
                            )
                        } else {
                            format!(
                                "backup {} is removed and no other backup covers service {} (RPO {rpo_text})",
                                b.display, change.name
                            )
                        },
                        b.loc.clone(),
                        "keep the backup schedule, or add its replacement in the same change",
                    ),
                },
            };
            out.push(Violation {
                rule: self.code(),
                measure: 1,
                service: Some(change.name.to_string()),
                subject: format!("{} removed", b.address),
                message,
                help: Some(help.into()),
                primary,
                secondary: vec![(head.plan_loc(rpo.span), format!("RPO {rpo_text} set here"))],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Side;
    use crate::facts::{BackupSource, DataStore, ServiceFacts};
    use crate::rules::testutil::{check_change, known, loc, plan};

    const PLAN: &str = "version: 1\nservices:\n  ledger:\n    rpo: 24h\n    match: [{ paths: [\"t/**\"] }]\n  scratch:\n    rto: 4h\n    match: [{ paths: [\"s/**\"] }]\n";

    fn velero() -> BackupSource {
        BackupSource {
            address: "Schedule/velero/nightly".into(),
            display: "Schedule velero/nightly".into(),
            kind: BackupKind::Velero,
            schedule: Some("0 2 * * *".into()),
            zone: "UTC".into(),
            loc: loc(Side::Base, "deploy/velero.yaml", 0),
        }
    }

    #[test]
    fn schedule_deleted() {
        let p = plan(PLAN);
        let base = ServiceFacts {
            backups: vec![velero()],
            ..ServiceFacts::default()
        };
        let head = ServiceFacts::default();
        let v = check_change(&BackupsRemoved, &p, "ledger", &base, &head);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "backup Schedule velero/nightly is removed and no other backup covers service ledger (RPO 24h)"
        );
        assert_eq!(v[0].primary.side, Side::Base);
        // No RPO: nothing to cover.
        assert!(check_change(&BackupsRemoved, &p, "scratch", &base, &head).is_empty());
        // Another backup remains.
        assert!(check_change(&BackupsRemoved, &p, "ledger", &base, &base).is_empty());
    }

    #[test]
    fn retention_set_to_zero() {
        let p = plan(PLAN);
        let automated = BackupSource {
            address: "aws_db_instance.ledger".into(),
            display: "automated backups of aws_db_instance ledger".into(),
            kind: BackupKind::Automated,
            schedule: None,
            zone: "UTC".into(),
            loc: loc(Side::Base, "terraform/main.tf", 5),
        };
        let store = |days: i64, side: Side| DataStore {
            address: "aws_db_instance.ledger".into(),
            display: "aws_db_instance ledger".into(),
            backup_retention_days: known(days, side),
            ..DataStore::default()
        };
        let base = ServiceFacts {
            backups: vec![automated],
            stores: vec![store(7, Side::Base)],
            ..ServiceFacts::default()
        };
        let head = ServiceFacts {
            stores: vec![store(0, Side::Head)],
            ..ServiceFacts::default()
        };
        let v = check_change(&BackupsRemoved, &p, "ledger", &base, &head);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].primary.side, Side::Head);
        assert!(
            v[0].message.contains("retention 0 days"),
            "{}",
            v[0].message
        );
        // terraform-aws-rds af8c0ec72: `length(var.x) > 0 ? … : var.retention`
        // is unknown, not backups removed.
        let head = ServiceFacts {
            stores: vec![DataStore {
                backup_retention_days: Fact::Unknown {
                    reason: "an expression".into(),
                    loc: loc(Side::Head, "terraform/main.tf", 5),
                },
                ..store(0, Side::Head)
            }],
            ..ServiceFacts::default()
        };
        assert!(check_change(&BackupsRemoved, &p, "ledger", &base, &head).is_empty());
    }
}
