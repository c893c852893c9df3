//! # CG301 maintenance-in-hours
//!
//! ## What it checks
//! The weekly maintenance window of each of the service's databases and
//! caches (`maintenance_window` of `aws_db_instance`, `aws_rds_cluster`,
//! ElastiCache, Cloud SQL and Azure servers; `PreferredMaintenanceWindow` in
//! CloudFormation) against the service's hours of operation. The windows are
//! in UTC; the hours are read in the service's zone with daylight saving time,
//! for every week of the year that starts on the day of the check, so a window
//! that falls inside the hours only in summer is caught. A window that only
//! touches the hours (ends at 08:00 when they open at 08:00) does not overlap.
//! A service open `24x7` overlaps any window. A service without hours is not
//! checked.
//!
//! ## Why it matters for continuity
//! During maintenance the provider may restart or fail over the database:
//! minutes of downtime, or longer when a patch goes wrong. Inside the hours of
//! operation that outage is an incident the recovery plan did not accept.
//!
//! ## Example
//! ```diff
//!  resource "aws_db_instance" "ledger" {
//! -  maintenance_window = "sun:02:00-sun:02:30"
//! +  maintenance_window = "tue:11:00-tue:11:30"
//!  }
//! ```
//! with `hours: "Mon-Fri 08:00-18:00"` in Europe/London.
//!
//! ## How to fix
//! Move the window outside the hours of operation (a night or the weekend,
//! in UTC, remembering that summer time moves the local hours by an hour).
//! For a `24x7` service, rely on Multi-AZ failover and accept the window with
//! a waiver approved by the change advisory board.

use super::{Rule, ServiceView, Violation};
use crate::facts::window::Window;
use crate::facts::{Fact, Loc};
use crate::plan::hours::{Interval, intersect_intervals, merge_intervals, minutes_of, year_from};
use crate::plan::model::Severity;

/// CG301.
pub struct MaintenanceInHours;

impl Rule for MaintenanceInHours {
    fn code(&self) -> &'static str {
        "CG301"
    }
    fn name(&self) -> &'static str {
        "maintenance-in-hours"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg301_maintenance_in_hours.rs")
    }
    fn summary(&self) -> &'static str {
        "a maintenance window overlaps the service's hours of operation"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        for store in &svc.facts.stores {
            check_window(
                self.code(),
                svc,
                WindowUse {
                    what: "maintenance window",
                    field: "maintenance_window",
                    owner: &store.address,
                    owner_display: &store.display,
                    window: &store.maintenance_window,
                },
                out,
            );
        }
    }
}

/// A window of a resource, as CG301 and CG303 check it.
pub(super) struct WindowUse<'a> {
    /// "maintenance window" / "backup window".
    pub what: &'a str,
    /// The field, for the subject.
    pub field: &'a str,
    /// The resource's address.
    pub owner: &'a str,
    /// The resource's human name.
    pub owner_display: &'a str,
    /// The window.
    pub window: &'a Fact<Window>,
}

/// The first stretch of the year from `as_of` where a window is active
/// during the service's hours (whole, even when it began before the year),
/// and the minutes of that year they overlap (the measure).
pub(super) fn first_in_hours(svc: &ServiceView, window: &Window) -> Option<(Interval, u64)> {
    let hours = &svc.service.targets.hours.as_ref()?.value;
    let (from, to) = year_from(svc.as_of);
    // Many resources share a window and many services their hours: each
    // pair is worked out once per thread.
    type Key = (crate::plan::hours::Hours, Window, jiff::Timestamp);
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<Key, Option<(Interval, u64)>>> =
            Default::default();
    }
    let key: Key = (hours.clone(), window.clone(), from);
    if let Some(hit) = MEMO.with_borrow(|memo| memo.get(&key).copied()) {
        return hit;
    }
    // From two days early, so a stretch in progress at the start is reported whole.
    let lead = from
        .checked_sub(jiff::SignedDuration::from_hours(48))
        .unwrap_or(from);
    let overlaps = intersect_intervals(
        &hours.intervals(lead, to),
        &merge_intervals(window.occurrences(lead, to)),
    );
    let stretch = overlaps.iter().copied().find(|s| s.1 > from).map(|first| {
        let year = intersect_intervals(&[(from, to)], &overlaps);
        (first, minutes_of(&year).max(1))
    });
    MEMO.with_borrow_mut(|memo| {
        if memo.len() >= 4096 {
            memo.clear();
        }
        memo.insert(key, stretch);
    });
    stretch
}

/// Reports a window of a resource that overlaps the service's hours.
pub(super) fn check_window(
    rule: &'static str,
    svc: &ServiceView,
    w: WindowUse,
    out: &mut Vec<Violation>,
) {
    let Some(hours) = &svc.service.targets.hours else {
        return;
    };
    let Fact::Known { value: window, loc } = w.window else {
        return;
    };
    let Some((stretch, minutes)) = first_in_hours(svc, window) else {
        return;
    };
    let canonical = hours.value.canonical();
    let first = hours.value.describe_local(stretch);
    let (message, help) = if hours.value.is_24x7() {
        (
            format!(
                "{} {} of {} falls inside hours 24x7: the service is always open, so every window is in its hours (first on {first})",
                w.what,
                window.describe(),
                w.owner_display
            ),
            "a 24x7 service cannot avoid its windows: make sure failover (Multi-AZ) keeps it up during them, and record the accepted risk as a waiver".to_string(),
        )
    } else {
        (
            format!(
                "{} {} of {} overlaps hours {canonical}: first on {first}",
                w.what,
                window.describe(),
                w.owner_display
            ),
            format!(
                "move the {} outside {canonical} (the window is in UTC; summer time shifts the local hours)",
                w.what
            ),
        )
    };
    out.push(Violation {
        rule,
        service: Some(svc.service.name.clone()),
        subject: format!("{} {}", w.owner, w.field),
        message,
        help: Some(help),
        primary: Loc::clone(loc),
        measure: minutes,
        secondary: vec![(
            svc.plan_loc(hours.span),
            format!("hours of operation {canonical}"),
        )],
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::rules::testutil::{check_view, database, date, plan, view_on};

    const PLAN: &str = "version: 1\ntimezone: Europe/London\nservices:\n  ledger:\n    hours: \"Mon-Fri 08:00-18:00\"\n    match: [{ paths: [\"terraform/**\"] }]\n  batch:\n    hours: \"24x7\"\n    match: [{ paths: [\"batch/**\"] }]\n  archive:\n    match: [{ paths: [\"archive/**\"] }]\n";

    fn run(service: &str, window: &str) -> Vec<Violation> {
        let plan = plan(PLAN);
        let facts = ServiceFacts {
            stores: vec![database("ledger", Some(window), None)],
            ..ServiceFacts::default()
        };
        check_view(
            &MaintenanceInHours,
            &view_on(&plan, service, &facts, date("2026-11-23")),
        )
    }

    #[test]
    fn an_overlap_in_progress_at_the_start_of_the_year_is_reported_whole() {
        // Midnight UTC on Monday 2026-11-23 is 19:00 on Sunday in New York,
        // inside the Sunday 18:00–21:00 overlap.
        let plan = plan(
            "version: 1\nservices:\n  shop:\n    hours: \"Mon-Sun 18:00-23:00 America/New_York\"\n",
        );
        let facts = ServiceFacts {
            stores: vec![database("shop", Some("sun:23:00-mon:02:00"), None)],
            ..ServiceFacts::default()
        };
        let v = check_view(
            &MaintenanceInHours,
            &view_on(&plan, "shop", &facts, date("2026-11-23")),
        );
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message
                .ends_with("first on Sun 2026-11-22 18:00–21:00 America/New_York"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn business_hours_window_is_reported_in_local_time() {
        let v = run("ledger", "tue:11:00-tue:11:30");
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "maintenance window Tue 11:00–11:30 UTC of aws_db_instance ledger overlaps hours Mon-Fri 08:00-18:00 Europe/London: first on Tue 2026-11-24 11:00–11:30 Europe/London"
        );
        assert_eq!(v[0].subject, "aws_db_instance.ledger maintenance_window");
        assert_eq!(v[0].primary.span.start, 100);
    }

    #[test]
    fn summer_only_overlap_is_caught() {
        // 07:30 UTC is 07:30 in winter (closed) and 08:30 BST in summer (open).
        let v = run("ledger", "wed:07:00-wed:07:30");
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message
                .contains("first on Wed 2027-03-31 08:00–08:30 Europe/London"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn edge_touching_and_night_windows_are_not() {
        // Ends 07:00 UTC = 08:00 BST in summer: touches, never overlaps.
        assert!(run("ledger", "wed:06:00-wed:07:00").is_empty());
        assert!(run("ledger", "sun:02:00-sun:02:30").is_empty());
        assert!(run("ledger", "fri:18:00-fri:18:30").is_empty());
    }

    #[test]
    fn always_open_and_no_hours() {
        let v = run("batch", "sun:02:00-sun:02:30");
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("24x7"), "{}", v[0].message);
        assert!(run("archive", "tue:11:00-tue:11:30").is_empty());
    }

    #[test]
    fn unknown_window_is_not_a_violation() {
        let plan = plan(PLAN);
        let mut store = database("ledger", None, None);
        store.maintenance_window = Fact::Unknown {
            reason: "var.window has no default".into(),
            loc: Loc::default(),
        };
        let facts = ServiceFacts {
            stores: vec![store],
            ..ServiceFacts::default()
        };
        let v = check_view(
            &MaintenanceInHours,
            &view_on(&plan, "ledger", &facts, date("2026-11-23")),
        );
        assert!(v.is_empty());
    }
}
