//! Shared helpers for the unit tests of the hours and plan-governance rules:
//! a plan from YAML text, hand-built facts, and views of one side.

use super::{Rule, ServiceChange, ServiceView, Violation};
use crate::facts::window::Window;
use crate::facts::{DataStore, Fact, Loc, ServiceFacts};
use crate::plan::model::Plan;
use crate::readers::Span;
use crate::source::Side;
use jiff::civil::Date;
use std::sync::Arc;

/// The plan of a YAML text; panics on an invalid plan (tests only).
pub fn plan(yaml: &str) -> Plan {
    match crate::plan::load::load("continuity.yaml", yaml) {
        Ok(p) => p,
        Err(e) => panic!("invalid test plan: {e:?}"),
    }
}

/// A date `YYYY-MM-DD`.
pub fn date(text: &str) -> Date {
    text.parse().expect("test date")
}

/// A location in a file at head.
pub fn loc(path: &str, start: usize) -> Loc {
    Loc {
        side: Side::Head,
        path: Arc::from(path),
        span: Span::new(start, start + 1),
    }
}

fn no_files(_: &str) -> bool {
    false
}

/// A view of a service at head on `as_of`, where no file exists.
pub fn view<'a>(
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
pub fn check(rule: &dyn Rule, view: &ServiceView) -> Vec<Violation> {
    let mut out = Vec::new();
    rule.check(view, &mut out);
    out
}

/// Runs a change rule on a change.
pub fn check_change(rule: &dyn Rule, change: &ServiceChange) -> Vec<Violation> {
    let mut out = Vec::new();
    rule.check_change(change, &mut out);
    out
}

/// An `aws_db_instance` with the given maintenance and backup windows (UTC text).
pub fn database(name: &str, maintenance: Option<&str>, backup: Option<&str>) -> DataStore {
    let known = |text: Option<&str>, at: usize| match text {
        Some(t) => Fact::Known {
            value: Window::parse(t).expect("test window"),
            loc: loc("terraform/db.tf", at),
        },
        None => Fact::Absent,
    };
    DataStore {
        address: format!("aws_db_instance.{name}"),
        display: format!("aws_db_instance {name}"),
        loc: loc("terraform/db.tf", 0),
        maintenance_window: known(maintenance, 100),
        backup_window: known(backup, 200),
        ..DataStore::default()
    }
}
