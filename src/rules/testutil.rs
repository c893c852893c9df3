//! Helpers for rule unit tests: a plan from YAML text, hand-built facts, and
//! the violations of a rule at one side or across a change, either by
//! service name (`check`, `check_change`) or on a view built by the test
//! (`view_on`, `check_view`, `check_change_of`).

use super::{Rule, ServiceChange, ServiceView, Violation};
use crate::facts::Side;
use crate::facts::window::Window;
use crate::facts::{DataStore, Fact, Loc, ServiceFacts};
use crate::plan::model::Plan;
use crate::readers::Span;
use jiff::civil::Date;
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

/// A date `YYYY-MM-DD`.
pub fn date(text: &str) -> Date {
    text.parse().expect("test date")
}

/// A location in a file at head, one byte long.
pub fn head_loc(path: &str, start: usize) -> Loc {
    Loc {
        side: Side::Head,
        path: Arc::from(path),
        span: Span::new(start, start + 1),
    }
}

/// A view of a service at head on `as_of`, where no file exists.
pub fn view_on<'a>(
    plan: &'a Plan,
    name: &str,
    facts: &'a ServiceFacts,
    as_of: Date,
) -> ServiceView<'a> {
    ServiceView {
        service: plan.services.get(name).expect("service in test plan"),
        plan,
        facts,
        side: Side::Head,
        as_of,
        file_exists: &no_files,
    }
}

/// Runs a state rule on a view.
pub fn check_view(rule: &dyn Rule, view: &ServiceView) -> Vec<Violation> {
    let mut out = Vec::new();
    rule.check(view, &mut out);
    out
}

/// Runs a change rule on a change.
pub fn check_change_of(rule: &dyn Rule, change: &ServiceChange) -> Vec<Violation> {
    let mut out = Vec::new();
    rule.check_change(change, &mut out);
    out
}

/// An `aws_db_instance` with the given maintenance and backup windows (UTC text).
pub fn database(name: &str, maintenance: Option<&str>, backup: Option<&str>) -> DataStore {
    let known = |text: Option<&str>, at: usize| match text {
        Some(t) => Fact::Known {
            value: Window::parse(t).expect("test window"),
            loc: head_loc("terraform/db.tf", at),
        },
        None => Fact::Absent,
    };
    DataStore {
        address: format!("aws_db_instance.{name}"),
        display: format!("aws_db_instance {name}"),
        loc: head_loc("terraform/db.tf", 0),
        maintenance_window: known(maintenance, 100),
        backup_window: known(backup, 200),
        ..DataStore::default()
    }
}
