//! # CG304 dependency-hours
//!
//! ## What it checks
//! For each hard dependency of a service (`depends_on` entries not written
//! `soft: true`), that the dependency's hours of operation cover the
//! service's: at every moment of the year from the day of the check when the
//! service is open, the dependency must be open too. Each side's hours are
//! read in its own zone with daylight saving time. A dependency whose plan
//! entry has no hours is not checked (its hours are unknown), nor is a
//! service without hours.
//!
//! ## Why it matters for continuity
//! A service cannot be more available than what it needs to run. When a
//! dependency closes earlier, opens later or is on another zone's clock, the
//! service's hours are a promise nobody keeps: an outage of the dependency
//! outside its own hours is nobody's incident.
//!
//! ## Example
//! ```diff
//!    payments:
//! -    hours: "Mon-Fri 09:00-16:00"
//! +    hours: "Mon-Fri 08:00-20:00"
//!      depends_on: [ledger]
//!    ledger:
//!      hours: "Mon-Fri 08:00-18:00"
//! ```
//!
//! ## How to fix
//! Extend the dependency's hours (with its owners' agreement), narrow the
//! service's hours, or make the dependency soft when the service can run
//! without it.

use super::{Rule, ServiceView, Violation};
use crate::plan::hours::{minutes_of, subtract_intervals, year_from};
use crate::plan::model::Severity;

/// CG304.
pub struct DependencyHours;

impl Rule for DependencyHours {
    fn code(&self) -> &'static str {
        "CG304"
    }
    fn name(&self) -> &'static str {
        "dependency-hours"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg304_dependency_hours.rs")
    }
    fn summary(&self) -> &'static str {
        "a hard dependency's hours of operation do not cover the service's hours"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let Some(hours) = &svc.service.targets.hours else {
            return;
        };
        let (from, to) = year_from(svc.as_of);
        for (name, declared) in svc.hard_dependencies() {
            let name = &name;
            let Some(dep_hours) = svc
                .plan
                .services
                .get(name)
                .and_then(|s| s.targets.hours.as_ref())
            else {
                continue;
            };
            let uncovered = subtract_intervals(
                &hours.value.intervals(from, to),
                &dep_hours.value.intervals(from, to),
            );
            let Some(&gap) = uncovered.first() else {
                continue;
            };
            let mine = hours.value.canonical();
            let theirs = dep_hours.value.canonical();
            out.push(Violation {
                rule: self.code(),
                measure: minutes_of(&uncovered),
                service: Some(svc.service.name.clone()),
                subject: name.clone(),
                message: format!(
                    "{} is open {mine} but its hard dependency {name} is open {theirs}: first uncovered {}",
                    svc.service.name,
                    hours.value.describe_local(gap)
                ),
                help: Some(format!(
                    "extend the hours of {name} to cover {mine}, narrow those of {}, or mark the dependency `soft: true` if {} runs without it",
                    svc.service.name, svc.service.name
                )),
                primary: declared,
                secondary: vec![
                    (svc.plan_loc(hours.span), format!("hours of {}: {mine}", svc.service.name)),
                    (svc.plan_loc(dep_hours.span), format!("hours of {name}: {theirs}")),
                ],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::rules::testutil::{check_view, date, plan, view_on};

    fn run(yaml: &str) -> Vec<Violation> {
        let plan = plan(yaml);
        let facts = ServiceFacts::default();
        check_view(
            &DependencyHours,
            &view_on(&plan, "payments", &facts, date("2026-11-23")),
        )
    }

    fn plan_text(mine: &str, theirs: Option<&str>, soft: bool) -> String {
        let dep = if soft {
            "[{ service: ledger, soft: true }]"
        } else {
            "[ledger]"
        };
        let theirs = theirs.map_or(String::new(), |h| format!("    hours: \"{h}\"\n"));
        format!(
            "version: 1\ntimezone: Europe/London\nservices:\n  payments:\n    hours: \"{mine}\"\n    depends_on: {dep}\n    match: [{{ paths: [\"a/**\"] }}]\n  ledger:\n{theirs}    match: [{{ paths: [\"b/**\"] }}]\n"
        )
    }

    #[test]
    fn shorter_dependency_hours() {
        let v = run(&plan_text(
            "Mon-Fri 08:00-20:00",
            Some("Mon-Fri 08:00-18:00"),
            false,
        ));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].subject, "ledger");
        assert_eq!(
            v[0].message,
            "payments is open Mon-Fri 08:00-20:00 Europe/London but its hard dependency ledger is open Mon-Fri 08:00-18:00 Europe/London: first uncovered Mon 2026-11-23 18:00–20:00 Europe/London"
        );
    }

    #[test]
    fn covered_soft_or_unknown() {
        assert!(
            run(&plan_text(
                "Mon-Fri 09:00-16:00",
                Some("Mon-Fri 08:00-18:00"),
                false
            ))
            .is_empty()
        );
        assert!(run(&plan_text("Mon-Fri 09:00-16:00", Some("24x7"), false)).is_empty());
        assert!(
            run(&plan_text(
                "Mon-Fri 08:00-20:00",
                Some("Mon-Fri 08:00-18:00"),
                true
            ))
            .is_empty()
        );
        assert!(run(&plan_text("Mon-Fri 08:00-20:00", None, false)).is_empty());
    }

    #[test]
    fn other_zone_dependency() {
        // 09:00-17:00 New York is 14:00-22:00 London: 09:00-14:00 London is uncovered.
        let v = run(&plan_text(
            "Mon-Fri 09:00-16:00",
            Some("Mon-Fri 09:00-17:00 America/New_York"),
            false,
        ));
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message
                .contains("Mon 2026-11-23 09:00–14:00 Europe/London"),
            "{}",
            v[0].message
        );
        // 24x7 service on a business-hours dependency.
        let v = run(&plan_text("24x7", Some("Mon-Fri 08:00-18:00"), false));
        assert_eq!(v.len(), 1);
    }
}
