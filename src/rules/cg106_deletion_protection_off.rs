//! # CG106 deletion-protection-off
//!
//! ## What it checks
//! A database, cache or table (same address at both sides) whose deletion
//! protection was on at base (`deletion_protection = true`,
//! `DeletionProtection: true`) and is off at head: set to false, or removed
//! (the default is off).
//!
//! ## Why it matters for continuity
//! Deletion protection is what stands between a mistaken `terraform destroy`,
//! a renamed resource or a stack deletion and the loss of the data itself.
//! Without it, one bad apply turns into a restore from the last backup, with
//! its full RTO and everything written since the backup lost.
//!
//! ## Example
//! ```diff
//!  resource "aws_db_instance" "ledger" {
//! -  deletion_protection = true
//! +  deletion_protection = false
//!  }
//! ```
//!
//! ## How to fix
//! Keep `deletion_protection = true`. If the resource really must go, turn
//! protection off in a change of its own, approved for that purpose.

use super::{Rule, ServiceChange, Violation};
use crate::facts::Fact;
use crate::plan::model::Severity;

/// CG106.
pub struct DeletionProtectionOff;

impl Rule for DeletionProtectionOff {
    fn code(&self) -> &'static str {
        "CG106"
    }
    fn name(&self) -> &'static str {
        "deletion-protection-off"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg106_deletion_protection_off.rs")
    }
    fn summary(&self) -> &'static str {
        "deletion protection of a stateful resource is turned off"
    }

    fn check_change(&self, change: &ServiceChange, out: &mut Vec<Violation>) {
        let (Some(base), Some(head)) = (&change.base, &change.head) else {
            return;
        };
        for b in &base.facts.stores {
            if b.deletion_protection.known() != Some(&true) {
                continue;
            }
            for h in head.facts.stores.iter().filter(|h| h.address == b.address) {
                let (how, primary) = match &h.deletion_protection {
                    Fact::Known { value: false, loc } => ("set to false", loc.clone()),
                    Fact::Absent => ("removed; the default is off", h.loc.clone()),
                    _ => continue,
                };
                out.push(Violation {
                    rule: self.code(),
                    measure: 1,
                    service: Some(change.name.to_string()),
                    subject: format!("{} deletion_protection", h.address),
                    message: format!(
                        "deletion protection of {} is turned off ({how})",
                        h.display
                    ),
                    help: Some(
                        "keep deletion protection on; turn it off only in a change approved to delete the resource"
                            .into(),
                    ),
                    primary,
                    secondary: b
                        .deletion_protection
                        .loc()
                        .map(|l| (l.clone(), "on before the change".to_string()))
                        .into_iter()
                        .collect(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Side;
    use crate::facts::{DataStore, ServiceFacts};
    use crate::rules::testutil::{check_change, known, plan};

    fn facts(protection: Fact<bool>) -> ServiceFacts {
        ServiceFacts {
            stores: vec![DataStore {
                address: "aws_db_instance.ledger".into(),
                display: "aws_db_instance ledger".into(),
                deletion_protection: protection,
                ..DataStore::default()
            }],
            ..ServiceFacts::default()
        }
    }

    #[test]
    fn turned_off_or_removed() {
        let p = plan(
            "version: 1\nservices:\n  ledger:\n    rto: 1h\n    match: [{ paths: [\"t/**\"] }]\n",
        );
        let base = facts(known(true, Side::Base));
        let v = check_change(
            &DeletionProtectionOff,
            &p,
            "ledger",
            &base,
            &facts(known(false, Side::Head)),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "deletion protection of aws_db_instance ledger is turned off (set to false)"
        );
        let v = check_change(
            &DeletionProtectionOff,
            &p,
            "ledger",
            &base,
            &facts(Fact::Absent),
        );
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("removed"));
        // Still on, or never on: nothing.
        assert!(check_change(&DeletionProtectionOff, &p, "ledger", &base, &base).is_empty());
        let off = facts(Fact::Absent);
        assert!(
            check_change(
                &DeletionProtectionOff,
                &p,
                "ledger",
                &off,
                &facts(known(false, Side::Head))
            )
            .is_empty()
        );
    }
}
