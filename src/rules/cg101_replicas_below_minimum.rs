//! # CG101 replicas-below-minimum
//!
//! ## What it checks
//! The replica floor of each of the service's workloads against the service's
//! `min_replicas` (from its tier or its own entry; default 2, or 1 when the
//! strategy is backup-restore). The floor is a Deployment's or StatefulSet's
//! `spec.replicas` (1 when absent), or the `minReplicas` of the
//! HorizontalPodAutoscaler that targets it (the HPA owns `spec.replicas`).
//! The `min_size` of an autoscaling group (`aws_autoscaling_group`) is held to
//! the same minimum; a `min_size` that is an unresolved expression is not
//! checked (it is reported as a note).
//!
//! ## Why it matters for continuity
//! A single replica is a single point of failure: a node drain, an eviction or
//! a crash stops the service until it is rescheduled, which can exceed a short
//! recovery time objective on its own.
//!
//! ## Example
//! ```diff
//!  spec:
//! -  replicas: 3
//! +  replicas: 1
//! ```
//!
//! ## How to fix
//! Raise `spec.replicas` (or the HPA's `minReplicas`) to the minimum, or
//! change the plan's `min_replicas` with a change advisory board decision.

use super::{Rule, ServiceView, Violation};
use crate::plan::model::Severity;

/// CG101.
pub struct ReplicasBelowMinimum;

impl Rule for ReplicasBelowMinimum {
    fn code(&self) -> &'static str {
        "CG101"
    }
    fn name(&self) -> &'static str {
        "replicas-below-minimum"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg101_replicas_below_minimum.rs")
    }
    fn summary(&self) -> &'static str {
        "a workload's replica floor is below the service's min_replicas"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let targets = &svc.service.targets;
        let min = targets.min_replicas();
        for g in &svc.facts.groups {
            let Some(floor) = g.min_size.known().copied() else {
                continue;
            };
            if floor >= i64::from(min) {
                continue;
            }
            let (owner, plan_span) = match &targets.min_replicas {
                Some(m) => (svc.target_owner(), Some(m.span)),
                None => (
                    format!("the default min_replicas of service {}", svc.service.name),
                    None,
                ),
            };
            let noun = if floor == 1 { "instance" } else { "instances" };
            out.push(Violation {
                rule: self.code(),
                measure: (i64::from(min) - floor).unsigned_abs(),
                service: Some(svc.service.name.clone()),
                subject: format!("{} min_size", g.address),
                message: format!(
                    "{} keeps at least {floor} {noun}; {owner} needs at least {min}",
                    g.display
                ),
                help: Some(format!(
                    "raise {} to {min}, or change the plan's min_replicas with a CAB decision",
                    if g.display.starts_with("AWS::") {
                        "MinSize"
                    } else {
                        "min_size"
                    }
                )),
                primary: g.min_size.loc().cloned().unwrap_or_else(|| g.loc.clone()),
                secondary: plan_span
                    .map(|s| (svc.plan_loc(s), format!("min_replicas {min} set here")))
                    .into_iter()
                    .collect(),
            });
        }
        for w in &svc.facts.workloads {
            if w.floor >= i64::from(min) {
                continue;
            }
            let (owner, plan_span) = match &targets.min_replicas {
                Some(m) => (svc.target_owner(), Some(m.span)),
                None => (
                    format!("the default min_replicas of service {}", svc.service.name),
                    None,
                ),
            };
            let noun = if w.floor == 1 { "replica" } else { "replicas" };
            out.push(Violation {
                rule: self.code(),
                measure: (i64::from(min) - w.floor).unsigned_abs(),
                service: Some(svc.service.name.clone()),
                // The workload is the subject, whichever field sets its floor
                // (adding an HPA at the same floor is no new violation).
                subject: format!("{} replicas", w.address),
                message: format!(
                    "{} runs {} {noun}; {owner} needs at least {min}",
                    w.display, w.floor
                ),
                help: Some(format!(
                    "raise {} to {min}, or change the plan's min_replicas with a CAB decision",
                    w.floor_field
                )),
                primary: w.floor_loc.clone(),
                secondary: plan_span
                    .map(|s| (svc.plan_loc(s), format!("min_replicas {min} set here")))
                    .into_iter()
                    .collect(),
            });
        }
    }
}
