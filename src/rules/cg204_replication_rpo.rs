//! # CG204 replication-rpo
//!
//! ## What it checks
//! For a service whose RPO is zero: every data store replicates
//! synchronously. A store whose replication is asynchronous (a cross-region
//! read replica, an async replica set) is a finding, and so is one with no
//! replication at all that is not multi-zone (a Multi-AZ RDS standby is
//! written synchronously).
//!
//! ## Why it matters for continuity
//! An RPO of zero promises that no committed write is ever lost. Backups and
//! asynchronous replicas always trail the primary by some seconds or more:
//! only a synchronous copy keeps that promise when the primary fails.
//!
//! ## Example
//! ```diff
//!  resource "aws_db_instance" "ledger" {
//! -  multi_az = true
//! +  multi_az = false
//!  }
//! ```
//! with `rpo: 0` for the service.
//!
//! ## How to fix
//! Replicate synchronously (Multi-AZ, a synchronous standby, a quorum of
//! replicas), or agree a non-zero RPO with a change advisory board decision.

use super::{Rule, ServiceView, Violation};
use crate::facts::{Fact, StoreKind};
use crate::plan::model::Severity;

/// CG204.
pub struct ReplicationRpo;

impl Rule for ReplicationRpo {
    fn code(&self) -> &'static str {
        "CG204"
    }
    fn name(&self) -> &'static str {
        "replication-rpo"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg204_replication_rpo.rs")
    }
    fn summary(&self) -> &'static str {
        "RPO is zero and replication is asynchronous or absent"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let Some(rpo) = &svc.service.targets.rpo else {
            return;
        };
        if rpo.value != 0 {
            return;
        }
        for s in &svc.facts.stores {
            let (how, primary) = match (&s.synchronous_replication, &s.multi_az) {
                (Fact::Known { value: false, loc }, _) => {
                    ("replicates asynchronously", loc.clone())
                }
                (Fact::Absent, Fact::Known { value: false, loc }) => (
                    "has no synchronous replica (no replication, multi_az = false)",
                    loc.clone(),
                ),
                // Tables (DynamoDB) write to several zones synchronously by themselves.
                (Fact::Absent, Fact::Absent) if s.kind != StoreKind::Table => (
                    "has no synchronous replica (no replication, not multi-zone)",
                    s.loc.clone(),
                ),
                _ => continue,
            };
            out.push(Violation {
                rule: self.code(),
                measure: 1,
                service: Some(svc.service.name.clone()),
                subject: format!("{} replication", s.address),
                message: format!(
                    "{} {how}, so a failure loses committed writes; service {} has RPO 0",
                    s.display, svc.service.name
                ),
                help: Some(
                    "replicate synchronously (e.g. multi_az = true), or agree a non-zero RPO with a CAB decision"
                        .into(),
                ),
                primary,
                secondary: vec![(svc.plan_loc(rpo.span), "RPO 0 set here".to_string())],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Side;
    use crate::facts::{DataStore, Loc, ServiceFacts};
    use crate::rules::testutil::{check, known, plan};

    fn store(sync: Fact<bool>, multi_az: Fact<bool>) -> DataStore {
        DataStore {
            address: "aws_db_instance.ledger".into(),
            display: "aws_db_instance ledger".into(),
            synchronous_replication: sync,
            multi_az,
            ..DataStore::default()
        }
    }

    const PLAN: &str = "version: 1\nservices:\n  ledger:\n    rpo: 0\n    match: [{ paths: [\"t/**\"] }]\n  reports:\n    rpo: 5m\n    match: [{ paths: [\"r/**\"] }]\n";

    #[test]
    fn rpo_zero_needs_synchronous_replication() {
        let p = plan(PLAN);
        let f = ServiceFacts {
            stores: vec![
                store(known(false, Side::Head), known(true, Side::Head)),
                store(Fact::Absent, known(false, Side::Head)),
                store(Fact::Absent, Fact::Absent),
                store(Fact::Absent, known(true, Side::Head)),
                store(known(true, Side::Head), Fact::Absent),
                store(
                    Fact::Absent,
                    Fact::Unknown {
                        reason: "var.multi_az".into(),
                        loc: Loc::default(),
                    },
                ),
            ],
            ..ServiceFacts::default()
        };
        let v = check(&ReplicationRpo, &p, "ledger", &f);
        assert_eq!(v.len(), 3, "{v:?}");
        assert_eq!(
            v[0].message,
            "aws_db_instance ledger replicates asynchronously, so a failure loses committed writes; service ledger has RPO 0"
        );
        assert!(check(&ReplicationRpo, &p, "reports", &f).is_empty());
    }

    #[test]
    fn tables_replicate_by_themselves() {
        let p = plan(PLAN);
        let mut table = store(Fact::Absent, Fact::Absent);
        table.kind = StoreKind::Table;
        let f = ServiceFacts {
            stores: vec![table],
            ..ServiceFacts::default()
        };
        assert!(check(&ReplicationRpo, &p, "ledger", &f).is_empty());
    }
}
