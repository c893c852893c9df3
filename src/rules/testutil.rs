//! Helpers for rule unit tests: a plan from YAML text, hand-built facts, and
//! the violations of a rule at one side or across a change.

use super::{Rule, ServiceChange, ServiceView, Violation};
use crate::facts::{Fact, Loc, ServiceFacts};
use crate::plan::model::Plan;
use crate::readers::Span;
use crate::source::Side;
use std::sync::Arc;

/// The day the tests check for.
pub fn as_of() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 23)
}

/// A plan from text; panics on an invalid plan (a test bug).
pub fn plan(text: &str) -> Plan {
    match crate::plan::load::load("continuity.yaml", text) {
        Ok(p) => p,
        Err(e) => panic!("test plan is invalid: {e}"),
    }
}

/// A location in a test file, at byte `at`.
pub fn loc(side: Side, path: &str, at: usize) -> Loc {
    Loc {
        side,
        path: Arc::from(path),
        span: Span::new(at, at),
    }
}

/// A known fact at a test location.
pub fn known<T>(value: T, side: Side) -> Fact<T> {
    Fact::Known {
        value,
        loc: loc(side, "terraform/main.tf", 10),
    }
}

/// A view of a service at one side.
pub fn view<'a>(
    plan: &'a Plan,
    service: &str,
    facts: &'a ServiceFacts,
    side: Side,
) -> ServiceView<'a> {
    let Some(s) = plan.services.get(service) else {
        panic!("no service {service} in the test plan");
    };
    ServiceView {
        service: s,
        plan,
        facts,
        side,
        as_of: as_of(),
        file_exists: &no_files,
    }
}

fn no_files(_: &str) -> bool {
    false
}

/// A state rule's violations for a service at head.
pub fn check(rule: &dyn Rule, plan: &Plan, service: &str, facts: &ServiceFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    rule.check(&view(plan, service, facts, Side::Head), &mut out);
    out
}

/// A state rule's notes for a service at head.
pub fn notes(rule: &dyn Rule, plan: &Plan, service: &str, facts: &ServiceFacts) -> Vec<String> {
    let mut out = Vec::new();
    rule.notes(&view(plan, service, facts, Side::Head), &mut out);
    out
}

/// A change rule's violations for a service present at both sides.
pub fn check_change(
    rule: &dyn Rule,
    plan: &Plan,
    service: &str,
    base: &ServiceFacts,
    head: &ServiceFacts,
) -> Vec<Violation> {
    let change = ServiceChange {
        name: service,
        base: Some(view(plan, service, base, Side::Base)),
        head: Some(view(plan, service, head, Side::Head)),
        change_date: as_of(),
        orphans: Vec::new(),
    };
    let mut out = Vec::new();
    rule.check_change(&change, &mut out);
    out
}
