//! # CG403 recovery-plan-missing
//!
//! ## What it checks
//! A service's `recovery_plan` names a file (a path from the repository's
//! root) that does not exist in the tree being checked: the file was deleted
//! or moved, or the path is mistyped.
//!
//! ## Why it matters for continuity
//! The recovery plan is what the on-call engineer opens in an incident. A
//! dangling link is found at the worst moment.
//!
//! ## Example
//! ```diff
//! -docs/recovery/payments.md   (deleted)
//! ```
//! while the plan still says `recovery_plan: docs/recovery/payments.md`.
//!
//! ## How to fix
//! Restore the document, or point `recovery_plan` at where it now lives.

use super::{Rule, ServiceView, Violation};
use crate::plan::model::Severity;

/// CG403.
pub struct RecoveryPlanMissing;

impl Rule for RecoveryPlanMissing {
    fn code(&self) -> &'static str {
        "CG403"
    }
    fn name(&self) -> &'static str {
        "recovery-plan-missing"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg403_recovery_plan_missing.rs")
    }
    fn summary(&self) -> &'static str {
        "recovery_plan names a file that does not exist"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let Some(doc) = &svc.service.recovery_plan else {
            return;
        };
        if (svc.file_exists)(&doc.value) {
            return;
        }
        out.push(Violation {
            rule: self.code(),
            measure: 1,
            service: Some(svc.service.name.clone()),
            subject: format!("recovery_plan {}", doc.value),
            message: format!(
                "the recovery plan of {} names {}, which does not exist",
                svc.service.name, doc.value
            ),
            help: Some(
                "restore the document, or set recovery_plan to its path from the repository root"
                    .to_string(),
            ),
            primary: svc.plan_loc(doc.span),
            secondary: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::rules::testutil::{check_view, date, plan, view_on};

    #[test]
    fn missing_and_present() {
        let plan = plan(
            "version: 1\nservices:\n  payments:\n    recovery_plan: docs/recovery/payments.md\n    match: [{ paths: [\"a/**\"] }]\n  ledger:\n    match: [{ paths: [\"b/**\"] }]\n",
        );
        let facts = ServiceFacts::default();
        let mut v = view_on(&plan, "payments", &facts, date("2026-11-23"));
        let missing = check_view(&RecoveryPlanMissing, &v);
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].message,
            "the recovery plan of payments names docs/recovery/payments.md, which does not exist"
        );
        let exists = |p: &str| p == "docs/recovery/payments.md";
        v.file_exists = &exists;
        assert!(check_view(&RecoveryPlanMissing, &v).is_empty());
        let none = view_on(&plan, "ledger", &facts, date("2026-11-23"));
        assert!(check_view(&RecoveryPlanMissing, &none).is_empty());
    }
}
