//! # CG404 service-removed
//!
//! ## What it checks
//! The plan and the infrastructure disagree about a service's existence
//! after a change:
//! - every resource of a service is deleted (the files that held them are
//!   gone) while its plan entry remains: the plan protects something that is
//!   gone (a file that is still there but can no longer be read is CG001's),
//!   or
//! - the plan entry of a service is removed while resources at head still
//!   match it (read with the removed entry's `match`): the service runs on
//!   without continuity targets.
//!
//! ## Why it matters for continuity
//! A plan entry without a service makes the coverage figures lie and sends
//! on-call engineers after systems that no longer exist; a service without a
//! plan entry has no recovery targets, no tests and no owner in an incident.
//!
//! ## Example
//! ```diff
//!  services:
//! -  ledger:
//! -    tier: gold
//! -    match: [{ paths: ["terraform/ledger/**"] }]
//! ```
//! while `terraform/ledger/main.tf` still exists.
//!
//! ## How to fix
//! Remove the plan entry together with the last resource (or the resources
//! together with the entry), or move the resources to another service's
//! `match`.

use super::{Rule, ServiceChange, Violation};
use crate::facts::Loc;
use crate::plan::model::Severity;

/// CG404.
pub struct ServiceRemoved;

/// At most this many addresses are named in a message.
const NAMED: usize = 3;

impl Rule for ServiceRemoved {
    fn code(&self) -> &'static str {
        "CG404"
    }
    fn name(&self) -> &'static str {
        "service-removed"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg404_service_removed.rs")
    }
    fn summary(&self) -> &'static str {
        "a service's resources are all deleted but its plan entry remains, or the reverse"
    }

    fn check_change(&self, change: &ServiceChange, out: &mut Vec<Violation>) {
        match (&change.base, &change.head) {
            (Some(base), Some(head))
                if !base.facts.resources.is_empty()
                    && head.facts.resources.is_empty()
                    // A file still there but unreadable is CG001's, not a deletion.
                    && !base
                        .facts
                        .resources
                        .iter()
                        .any(|r| (head.file_exists)(&r.path)) =>
            {
                let addresses = base.facts.resources.iter().map(|r| r.address.as_str());
                out.push(Violation {
                    rule: self.code(),
                    measure: 1,
                    service: Some(change.name.to_string()),
                    subject: "resources deleted".to_string(),
                    message: format!(
                        "every resource of {} is deleted ({}) but its plan entry remains",
                        change.name,
                        listing(addresses, base.facts.resources.len())
                    ),
                    help: Some(format!(
                        "remove {} from the plan if it is retired, or fix its `match` if it moved",
                        change.name
                    )),
                    primary: head.plan_loc(head.service.span),
                    secondary: Vec::new(),
                });
            }
            (Some(base), None) if !change.orphans.is_empty() => {
                let first = &change.orphans[0];
                let addresses = change.orphans.iter().map(|r| r.address.as_str());
                out.push(Violation {
                    rule: self.code(),
                    measure: 1,
                    service: Some(change.name.to_string()),
                    subject: "plan entry removed".to_string(),
                    message: format!(
                        "the plan entry of {} is removed but its resources remain ({})",
                        change.name,
                        listing(addresses, change.orphans.len())
                    ),
                    help: Some(format!(
                        "delete the resources too, keep the plan entry, or match them from another service; until then they run without continuity targets (was {})",
                        base.target_owner()
                    )),
                    primary: Loc::of(crate::facts::Side::Head, first, None),
                    secondary: vec![(
                        base.plan_loc(base.service.span),
                        format!("{} was defined here", change.name),
                    )],
                });
            }
            _ => {}
        }
    }
}

/// "a, b, c and 2 more".
fn listing<'a>(addresses: impl Iterator<Item = &'a str>, total: usize) -> String {
    let mut named: Vec<&str> = addresses.take(NAMED).collect();
    named.dedup();
    let more = total.saturating_sub(named.len());
    let noun = if total == 1 { "resource" } else { "resources" };
    if more == 0 {
        format!("{total} {noun}: {}", named.join(", "))
    } else {
        format!("{total} {noun}: {} and {more} more", named.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::readers::{FileKind, Node, Resource, Span, Value};
    use crate::rules::ServiceView;
    use crate::rules::testutil::{check_change_of, date, plan, view_on};
    use std::sync::Arc;

    const PLAN: &str = "version: 1\nservices:\n  ledger:\n    tier: gold\n    match: [{ paths: [\"terraform/ledger/**\"] }]\ntiers:\n  gold: { rto: 1h }\n";

    fn resource(name: &str) -> Arc<Resource> {
        Arc::new(Resource {
            file_kind: FileKind::Kubernetes,
            kind: "Deployment".into(),
            name: name.into(),
            namespace: Some("ledger".into()),
            address: format!("Deployment/ledger/{name}"),
            path: Arc::from("deploy/ledger.yaml"),
            body: Node::new(Value::Null, Span::default()),
            span: Span::new(10, 20),
            labels: Default::default(),
        })
    }

    fn base_view<'a>(
        plan: &'a crate::plan::model::Plan,
        facts: &'a ServiceFacts,
    ) -> ServiceView<'a> {
        let mut v = view_on(plan, "ledger", facts, date("2026-11-23"));
        v.side = crate::facts::Side::Base;
        v
    }

    #[test]
    fn all_resources_deleted() {
        let plan = plan(PLAN);
        let before = ServiceFacts {
            resources: vec![resource("api"), resource("worker")],
            ..ServiceFacts::default()
        };
        let after = ServiceFacts::default();
        let change = ServiceChange {
            name: "ledger",
            base: Some(base_view(&plan, &before)),
            head: Some(view_on(&plan, "ledger", &after, date("2026-11-23"))),
            change_date: date("2026-11-20"),
            orphans: Vec::new(),
        };
        let v = check_change_of(&ServiceRemoved, &change);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "every resource of ledger is deleted (2 resources: Deployment/ledger/api, Deployment/ledger/worker) but its plan entry remains"
        );
        // Some left: nothing to say.
        let change = ServiceChange {
            head: Some(view_on(&plan, "ledger", &before, date("2026-11-23"))),
            ..change
        };
        assert!(check_change_of(&ServiceRemoved, &change).is_empty());
    }

    #[test]
    fn entry_removed_with_resources_left() {
        let plan = plan(PLAN);
        let facts = ServiceFacts::default();
        let orphans: Vec<_> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| resource(n))
            .collect();
        let change = ServiceChange {
            name: "ledger",
            base: Some(base_view(&plan, &facts)),
            head: None,
            change_date: date("2026-11-20"),
            orphans,
        };
        let v = check_change_of(&ServiceRemoved, &change);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "the plan entry of ledger is removed but its resources remain (5 resources: Deployment/ledger/a, Deployment/ledger/b, Deployment/ledger/c and 2 more)"
        );
        assert_eq!(v[0].primary.span.start, 10);
        let gone = ServiceChange {
            orphans: Vec::new(),
            ..change
        };
        assert!(check_change_of(&ServiceRemoved, &gone).is_empty());
    }
}
