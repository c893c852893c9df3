//! # CG105 dependency-rto
//!
//! ## What it checks
//! Every service the service hard-depends on, directly or through others
//! (`depends_on` entries not written `soft: true`), against the service's
//! own RTO: a dependency whose RTO is longer is a finding at the plan's
//! `depends_on` entry, and the message gives the chain of dependencies. A
//! service affected only because one of its dependencies changed is checked
//! too.
//!
//! ## Why it matters for continuity
//! A service cannot be back before the services it needs are back. If the
//! ledger database may take 4 hours to recover, a payments service that needs
//! it cannot keep a 30-minute RTO, whatever its own design: the plan promises
//! something it cannot deliver.
//!
//! ## Example
//! ```diff
//!  services:
//!    ledger:
//! -    rto: 30m
//! +    rto: 4h
//! ```
//! with `payments` (RTO 30m) depending on `ledger`.
//!
//! ## How to fix
//! Shorten the dependency's RTO (and prove it with a recovery test), make the
//! dependency soft if the service can run without it
//! (`{ service: ledger, soft: true }`), or agree a longer RTO for the
//! service with a change advisory board decision.

use super::recovery::duration_text;
use super::{Rule, ServiceView, Violation};
use crate::plan::model::Severity;
use std::collections::{BTreeSet, VecDeque};

/// CG105.
pub struct DependencyRto;

impl Rule for DependencyRto {
    fn code(&self) -> &'static str {
        "CG105"
    }
    fn name(&self) -> &'static str {
        "dependency-rto"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg105_dependency_rto.rs")
    }
    fn summary(&self) -> &'static str {
        "a hard dependency's RTO is longer than the service's RTO"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let service = svc.service;
        let Some(rto) = &service.targets.rto else {
            return;
        };
        // Breadth first, in the plan's order: each dependency is reported once,
        // with its shortest chain. `seen` also guards against cycles (the plan
        // rejects them, but rules never trust that).
        let mut seen: BTreeSet<&str> = BTreeSet::from([service.name.as_str()]);
        let direct = svc.hard_dependencies();
        let mut queue: VecDeque<(usize, Vec<&str>)> = VecDeque::new();
        for (i, (name, _)) in direct.iter().enumerate() {
            if seen.insert(name.as_str()) {
                queue.push_back((i, vec![name.as_str()]));
            }
        }
        while let Some((entry, chain)) = queue.pop_front() {
            let Some(name) = chain.last().copied() else {
                continue;
            };
            let Some(dep) = svc.plan.services.get(name) else {
                continue;
            };
            if let Some(dep_rto) = &dep.targets.rto
                && dep_rto.value > rto.value
                && let Some((_, first)) = direct.get(entry)
            {
                let path: Vec<&str> = std::iter::once(service.name.as_str())
                    .chain(chain.iter().copied())
                    .collect();
                out.push(Violation {
                    rule: self.code(),
                    measure: (dep_rto.value - rto.value).unsigned_abs(),
                    service: Some(service.name.clone()),
                    subject: name.to_string(),
                    message: format!(
                        "{}: {name} RTO {} exceeds {} RTO {}",
                        path.join(" → "),
                        duration_text(dep_rto.value),
                        service.name,
                        duration_text(rto.value),
                    ),
                    help: Some(format!(
                        "shorten {name}'s RTO (with a recovery test), mark the dependency `soft: true` if {} runs without it, or agree a longer RTO for {} with a CAB decision",
                        service.name, service.name
                    )),
                    primary: first.clone(),
                    secondary: vec![
                        (
                            svc.plan_loc(rto.span),
                            format!("{} RTO {} set here", service.name, duration_text(rto.value)),
                        ),
                        (
                            svc.plan_loc(dep_rto.span),
                            format!("{name} RTO {} set here", duration_text(dep_rto.value)),
                        ),
                    ],
                });
            }
            for d in &dep.depends_on {
                if !d.soft && seen.insert(d.service.value.as_str()) {
                    let mut next = chain.clone();
                    next.push(d.service.value.as_str());
                    queue.push_back((entry, next));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::rules::testutil::{check, plan};

    fn plan_with(ledger_db_rto: &str, soft: bool) -> crate::plan::model::Plan {
        let dep = if soft {
            "{ service: ledger, soft: true }"
        } else {
            "ledger"
        };
        plan(&format!(
            "version: 1\nservices:\n  payments:\n    rto: 30m\n    depends_on: [{dep}, fx]\n    match: [{{ paths: [\"p/**\"] }}]\n  ledger:\n    rto: 30m\n    depends_on: [ledger-db]\n    match: [{{ paths: [\"l/**\"] }}]\n  ledger-db:\n    rto: {ledger_db_rto}\n    match: [{{ paths: [\"d/**\"] }}]\n  fx:\n    rto: 10m\n    match: [{{ paths: [\"f/**\"] }}]\n"
        ))
    }

    #[test]
    fn transitive_chain() {
        let p = plan_with("4h", false);
        let v = check(&DependencyRto, &p, "payments", &ServiceFacts::default());
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(
            v[0].message,
            "payments → ledger → ledger-db: ledger-db RTO 4h exceeds payments RTO 30m"
        );
        assert_eq!(v[0].subject, "ledger-db");
        // At the `ledger` entry of payments' depends_on.
        let at = v[0].primary.span.start;
        assert_eq!(&p.text[at..at + 6], "ledger");
        assert_eq!(v[0].secondary.len(), 2);
    }

    #[test]
    fn equal_or_soft_is_fine() {
        let p = plan_with("30m", false);
        assert!(check(&DependencyRto, &p, "payments", &ServiceFacts::default()).is_empty());
        let p = plan_with("4h", true);
        assert!(check(&DependencyRto, &p, "payments", &ServiceFacts::default()).is_empty());
    }
}
