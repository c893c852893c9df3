//! # CG103 disruption-budget-removed
//!
//! ## What it checks
//! A PodDisruptionBudget that protects a replicated workload (floor of 2 or
//! more) is deleted, or lets every pod go at once (`maxUnavailable: 100%`,
//! `minAvailable: 0`).
//!
//! ## Why it matters for continuity
//! Without a budget, a node pool upgrade or a cluster autoscaler drain may
//! evict all replicas together: the redundancy the replicas pay for is lost
//! exactly when maintenance happens.
//!
//! ## Example
//! Deleting `deploy/payments/pdb.yaml`, or changing it to
//! `maxUnavailable: 100%`.
//!
//! ## How to fix
//! Keep a budget that leaves at least one pod running (`maxUnavailable: 1`).

use super::{Rule, ServiceChange, ServiceView, Violation};
use crate::plan::model::Severity;

/// CG103.
pub struct DisruptionBudgetRemoved;

impl Rule for DisruptionBudgetRemoved {
    fn code(&self) -> &'static str {
        "CG103"
    }
    fn name(&self) -> &'static str {
        "disruption-budget-removed"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg103_disruption_budget_removed.rs")
    }
    fn summary(&self) -> &'static str {
        "a PodDisruptionBudget of a replicated workload is deleted or allows all pods to go"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        for b in &svc.facts.budgets {
            let Some((setting, loc)) = &b.allows_all else {
                continue;
            };
            let Some(w) = svc
                .facts
                .workloads
                .iter()
                .find(|w| w.floor >= 2 && b.selects(w))
            else {
                continue;
            };
            out.push(Violation {
                rule: self.code(),
                measure: 1,
                service: Some(svc.service.name.clone()),
                subject: format!("{} spec", b.address),
                message: format!(
                    "disruption budget {} allows every pod of {} to go at once ({setting})",
                    b.address, w.display
                ),
                help: Some("leave at least one pod running, e.g. `maxUnavailable: 1`".into()),
                primary: loc.clone(),
                secondary: Vec::new(),
            });
        }
    }

    fn check_change(&self, change: &ServiceChange, out: &mut Vec<Violation>) {
        let (Some(base), Some(head)) = (&change.base, &change.head) else {
            return;
        };
        for b in &base.facts.budgets {
            if head.facts.budgets.iter().any(|h| h.address == b.address) {
                continue;
            }
            let Some(w) = base
                .facts
                .workloads
                .iter()
                .find(|w| w.floor >= 2 && b.selects(w))
            else {
                continue;
            };
            out.push(Violation {
                rule: self.code(),
                measure: 1,
                service: Some(change.name.to_string()),
                subject: format!("{} deleted", b.address),
                message: format!(
                    "the disruption budget {} of {} ({} replicas) is deleted",
                    b.address, w.display, w.floor
                ),
                help: Some("keep a disruption budget for replicated workloads".into()),
                primary: b.loc.clone(),
                secondary: Vec::new(),
            });
        }
    }
}
