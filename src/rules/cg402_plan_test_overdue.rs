//! # CG402 plan-test-overdue
//!
//! ## What it checks
//! A service whose tier (or own entry) sets `test_every` and whose
//! `last_tested` is older than that on the day of the check (`--as-of`), or
//! absent: a service never tested is overdue from the start.
//!
//! ## Why it matters for continuity
//! Systems drift: a recovery procedure that worked a year ago may no longer
//! restore today's data within the RTO. Regular tests are how the plan stays
//! true, and auditors ask for their dates.
//!
//! ## Example
//! ```yaml
//! tiers:
//!   gold: { rto: 1h, test_every: 180d }
//! services:
//!   payments:
//!     tier: gold
//!     last_tested: 2026-01-10   # checked on 2026-11-23: due 2026-07-09
//! ```
//!
//! ## How to fix
//! Run a recovery test and record its date in `last_tested`.

use super::{Rule, ServiceView, Violation};
use crate::plan::duration::format_duration;
use crate::plan::model::Severity;

/// CG402.
pub struct PlanTestOverdue;

impl Rule for PlanTestOverdue {
    fn code(&self) -> &'static str {
        "CG402"
    }
    fn name(&self) -> &'static str {
        "plan-test-overdue"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg402_plan_test_overdue.rs")
    }
    fn summary(&self) -> &'static str {
        "last_tested is older than the tier's test_every"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let Some(every) = &svc.service.targets.test_every else {
            return;
        };
        let interval = format_duration(every.value);
        let owner = svc.target_owner();
        let name = &svc.service.name;
        let (message, primary) = match &svc.service.last_tested {
            None => (
                format!(
                    "{name} has never been tested (no last_tested); {owner} requires a recovery test every {interval}"
                ),
                svc.plan_loc(svc.service.span),
            ),
            Some(tested) => {
                let due = tested
                    .value
                    .to_datetime(jiff::civil::Time::midnight())
                    .checked_add(jiff::SignedDuration::from_secs(every.value));
                let Ok(due) = due else {
                    return; // a date past the calendar's end is never due
                };
                let today = svc.as_of.to_datetime(jiff::civil::Time::midnight());
                if due >= today {
                    return;
                }
                let late = today.duration_since(due).as_secs().div_euclid(86_400);
                let late = match late {
                    0 => "less than a day".to_string(),
                    1 => "1 day".to_string(),
                    n => format!("{n} days"),
                };
                (
                    format!(
                        "{name} was last tested on {}; {owner} requires a recovery test every {interval}, so it was due on {} and is {late} overdue",
                        tested.value,
                        due.date()
                    ),
                    svc.plan_loc(tested.span),
                )
            }
        };
        out.push(Violation {
            rule: self.code(),
            measure: 1,
            service: Some(name.clone()),
            subject: "last_tested".to_string(),
            message,
            help: Some("run a recovery test and record its date in last_tested".to_string()),
            primary,
            secondary: vec![(svc.plan_loc(every.span), format!("test_every {interval}"))],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::rules::testutil::{check_view, date, plan, view_on};

    fn run(last_tested: Option<&str>, as_of: &str) -> Vec<Violation> {
        let tested = last_tested.map_or(String::new(), |d| format!("    last_tested: {d}\n"));
        let plan = plan(&format!(
            "version: 1\ntiers:\n  gold: {{ rto: 1h, test_every: 180d }}\nservices:\n  payments:\n    tier: gold\n{tested}    match: [{{ paths: [\"a/**\"] }}]\n"
        ));
        let facts = ServiceFacts::default();
        check_view(
            &PlanTestOverdue,
            &view_on(&plan, "payments", &facts, date(as_of)),
        )
    }

    #[test]
    fn overdue_by_days() {
        let v = run(Some("2026-01-10"), "2026-11-23");
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "payments was last tested on 2026-01-10; tier gold requires a recovery test every 180d, so it was due on 2026-07-09 and is 137 days overdue"
        );
    }

    #[test]
    fn due_day_itself_is_not_overdue() {
        assert!(run(Some("2026-01-10"), "2026-07-09").is_empty());
        assert_eq!(run(Some("2026-01-10"), "2026-07-10").len(), 1);
        assert!(run(Some("2026-09-14"), "2026-11-23").is_empty());
    }

    #[test]
    fn never_tested() {
        let v = run(None, "2026-11-23");
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("never been tested"));
    }
}
