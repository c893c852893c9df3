//! # CG401 targets-tightened-untested
//!
//! ## What it checks
//! A plan change that makes a service's recovery harder — a shorter RTO or
//! RPO (or one set where there was none), hours of operation open at moments
//! they were not (checked over the year from the day of the check, each in
//! its zone), or another recovery strategy — while the service's
//! `last_tested` at head is not later than the day of the change (the base
//! commit's committer date in the plan's zone; `--as-of` in staged and
//! directory mode). The targets compared are the resolved ones: a tier's
//! change counts for every service of the tier. A service new in the plan is
//! not checked.
//!
//! ## Why it matters for continuity
//! A recovery target is only as good as the last test that met it. Writing a
//! shorter RTO, longer hours or a new strategy into the plan without testing
//! them turns the plan into a wish: the first real incident becomes the test.
//!
//! ## Example
//! ```diff
//!    payments:
//! -    rto: 1h
//! +    rto: 30m
//!      last_tested: 2026-09-14
//! ```
//!
//! ## How to fix
//! Run a recovery test against the new targets and set `last_tested` to its
//! date (after the change), or keep the old targets until the test is done.

use super::{Rule, ServiceChange, Violation};
use crate::facts::Loc;
use crate::plan::duration::format_duration;
use crate::plan::hours::year_from;
use crate::plan::model::{Severity, Sp};
use crate::readers::Span;

/// CG401.
pub struct TargetsTightenedUntested;

impl Rule for TargetsTightenedUntested {
    fn code(&self) -> &'static str {
        "CG401"
    }
    fn name(&self) -> &'static str {
        "targets-tightened-untested"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg401_targets_tightened_untested.rs")
    }
    fn summary(&self) -> &'static str {
        "the plan tightens RTO, RPO, hours or strategy without a recovery test after the change"
    }

    fn check_change(&self, change: &ServiceChange, out: &mut Vec<Violation>) {
        let (Some(base), Some(head)) = (&change.base, &change.head) else {
            return;
        };
        let (old, new) = (&base.service.targets, &head.service.targets);
        // (what changed, where at head)
        let mut changes: Vec<(String, Span)> = Vec::new();
        for (label, was, now) in [("RTO", &old.rto, &new.rto), ("RPO", &old.rpo, &new.rpo)] {
            if let Some(now) = now
                && was.as_ref().is_none_or(|was| now.value < was.value)
            {
                let was = was
                    .as_ref()
                    .map_or("none".to_string(), |w| format_duration(w.value));
                changes.push((
                    format!("{label} {was} → {}", format_duration(now.value)),
                    now.span,
                ));
            }
        }
        if let Some(now) = &new.hours {
            let (from, to) = year_from(head.as_of);
            let extended = match &old.hours {
                None => Some(String::new()),
                Some(was) => was
                    .value
                    .first_uncovered(&now.value, from, to)
                    .map(|gap| format!(" (newly open {})", now.value.describe_local(gap))),
            };
            if let Some(detail) = extended {
                let was = old
                    .hours
                    .as_ref()
                    .map_or("none".to_string(), |w| w.value.canonical());
                changes.push((
                    format!("hours {was} → {}{detail}", now.value.canonical()),
                    now.span,
                ));
            }
        }
        if old.strategy != new.strategy {
            let name = |s: &Option<Sp<crate::plan::model::Strategy>>| {
                s.as_ref().map_or("none", |s| s.value.as_str())
            };
            let span = new.strategy.as_ref().map_or(head.service.span, |s| s.span);
            changes.push((
                format!("strategy {} → {}", name(&old.strategy), name(&new.strategy)),
                span,
            ));
        }
        let Some((_, first_span)) = changes.first() else {
            return;
        };
        let tested = head.service.last_tested.as_ref();
        if tested.is_some_and(|t| t.value > change.change_date) {
            return;
        }
        let tested_text = match tested {
            Some(t) => format!("last tested {}", t.value),
            None => "never tested".to_string(),
        };
        let what: Vec<&str> = changes.iter().map(|(c, _)| c.as_str()).collect();
        let mut secondary: Vec<(Loc, String)> = changes
            .iter()
            .skip(1)
            .map(|(c, span)| (head.plan_loc(*span), c.clone()))
            .collect();
        if let Some(t) = tested {
            secondary.push((head.plan_loc(t.span), format!("last tested {}", t.value)));
        }
        out.push(Violation {
            rule: self.code(),
            measure: 1,
            service: Some(change.name.to_string()),
            subject: "targets".to_string(),
            message: format!(
                "the plan tightens {}: {}; {tested_text}, so it needs a recovery test after {}",
                change.name,
                what.join(", "),
                change.change_date
            ),
            help: Some(format!(
                "run a recovery test against the new targets and set last_tested to its date (after {}), or keep the old targets until then",
                change.change_date
            )),
            primary: head.plan_loc(*first_span),
            secondary,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::rules::ServiceView;
    use crate::rules::testutil::{check_change_of, date, plan, view_on};

    fn entry(fields: &str) -> String {
        format!(
            "version: 1\ntimezone: Europe/London\nservices:\n  payments:\n{fields}    match: [{{ paths: [\"a/**\"] }}]\n"
        )
    }

    fn run(base: &str, head: &str, change_date: &str) -> Vec<Violation> {
        let (bp, hp) = (plan(&entry(base)), plan(&entry(head)));
        let facts = ServiceFacts::default();
        let as_of = date("2026-11-23");
        let mut b: ServiceView = view_on(&bp, "payments", &facts, as_of);
        b.side = crate::facts::Side::Base;
        let change = ServiceChange {
            name: "payments",
            base: Some(b),
            head: Some(view_on(&hp, "payments", &facts, as_of)),
            change_date: date(change_date),
            orphans: Vec::new(),
        };
        check_change_of(&TargetsTightenedUntested, &change)
    }

    #[test]
    fn shorter_rto_needs_a_test() {
        let v = run(
            "    rto: 1h\n    last_tested: 2026-09-14\n",
            "    rto: 30m\n    last_tested: 2026-09-14\n",
            "2026-11-20",
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "the plan tightens payments: RTO 1h → 30m; last tested 2026-09-14, so it needs a recovery test after 2026-11-20"
        );
    }

    #[test]
    fn tested_after_the_change_or_loosened() {
        assert!(
            run(
                "    rto: 1h\n    last_tested: 2026-09-14\n",
                "    rto: 30m\n    last_tested: 2026-11-21\n",
                "2026-11-20",
            )
            .is_empty()
        );
        // Tested on the day of the change is not after it.
        assert_eq!(
            run(
                "    rpo: 1h\n    last_tested: 2026-09-14\n",
                "    rpo: 5m\n    last_tested: 2026-11-20\n",
                "2026-11-20",
            )
            .len(),
            1
        );
        assert!(run("    rto: 30m\n", "    rto: 1h\n", "2026-11-20").is_empty());
        assert!(
            run(
                "    hours: \"Mon-Fri 08:00-18:00\"\n",
                "    hours: \"Mon-Fri 09:00-16:00\"\n",
                "2026-11-20"
            )
            .is_empty()
        );
    }

    #[test]
    fn hours_extended_and_strategy_changed() {
        let v = run(
            "    hours: \"Mon-Fri 09:00-16:00\"\n    strategy: backup-restore\n",
            "    hours: \"Mon-Fri 09:00-18:00\"\n    strategy: warm-standby\n",
            "2026-11-20",
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "the plan tightens payments: hours Mon-Fri 09:00-16:00 Europe/London → Mon-Fri 09:00-18:00 Europe/London (newly open Mon 2026-11-23 16:00–18:00 Europe/London), strategy backup-restore → warm-standby; never tested, so it needs a recovery test after 2026-11-20"
        );
        assert_eq!(v[0].secondary.len(), 1);
    }

    #[test]
    fn new_service_is_not_checked() {
        let hp = plan(&entry("    rto: 30m\n"));
        let facts = ServiceFacts::default();
        let change = ServiceChange {
            name: "payments",
            base: None,
            head: Some(view_on(&hp, "payments", &facts, date("2026-11-23"))),
            change_date: date("2026-11-20"),
            orphans: Vec::new(),
        };
        assert!(check_change_of(&TargetsTightenedUntested, &change).is_empty());
    }
}
