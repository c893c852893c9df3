//! # CG303 backup-window-in-hours
//!
//! ## What it checks
//! The daily backup window of each of the service's databases and caches
//! (`backup_window` of `aws_db_instance` and `aws_rds_cluster`
//! (`preferred_backup_window`), ElastiCache `snapshot_window`,
//! `PreferredBackupWindow` in CloudFormation) against the service's hours of
//! operation, in UTC against the hours in the service's zone with daylight
//! saving time, over the year that starts on the day of the check. A window
//! that only touches the hours does not overlap; a `24x7` service overlaps
//! any window; a service without hours is not checked.
//!
//! ## Why it matters for continuity
//! A backup snapshot slows a single-zone database down (I/O is suspended for
//! a moment on single-AZ RDS) and loads its storage. Inside the hours of
//! operation that degrades the service the plan protects.
//!
//! ## Example
//! ```diff
//!  resource "aws_db_instance" "ledger" {
//! -  backup_window = "02:00-02:30"
//! +  backup_window = "12:00-12:30"
//!  }
//! ```
//! with `hours: "Mon-Fri 08:00-18:00"`.
//!
//! ## How to fix
//! Move the backup window to the night, in UTC, outside the hours in both
//! winter and summer time.

use super::cg301_maintenance_in_hours::{WindowUse, check_window};
use super::{Rule, ServiceView, Violation};
use crate::plan::model::Severity;

/// CG303.
pub struct BackupWindowInHours;

impl Rule for BackupWindowInHours {
    fn code(&self) -> &'static str {
        "CG303"
    }
    fn name(&self) -> &'static str {
        "backup-window-in-hours"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg303_backup_window_in_hours.rs")
    }
    fn summary(&self) -> &'static str {
        "a backup window overlaps the service's hours of operation"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        for store in &svc.facts.stores {
            check_window(
                self.code(),
                svc,
                WindowUse {
                    what: "backup window",
                    field: "backup_window",
                    owner: &store.address,
                    owner_display: &store.display,
                    window: &store.backup_window,
                },
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ServiceFacts;
    use crate::rules::testutil::{check_view, database, date, plan, view_on};

    const PLAN: &str = "version: 1\ntimezone: America/New_York\nservices:\n  ledger:\n    hours: \"Mon-Fri 08:00-18:00\"\n    match: [{ paths: [\"terraform/**\"] }]\n";

    fn run(window: &str) -> Vec<Violation> {
        let plan = plan(PLAN);
        let facts = ServiceFacts {
            stores: vec![database("ledger", None, Some(window))],
            ..ServiceFacts::default()
        };
        check_view(
            &BackupWindowInHours,
            &view_on(&plan, "ledger", &facts, date("2026-11-23")),
        )
    }

    #[test]
    fn daytime_backup_is_reported() {
        // 17:00 UTC is 12:00 EST.
        let v = run("17:00-17:30");
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "backup window daily 17:00–17:30 UTC of aws_db_instance ledger overlaps hours Mon-Fri 08:00-18:00 America/New_York: first on Mon 2026-11-23 12:00–12:30 America/New_York"
        );
        assert_eq!(v[0].subject, "aws_db_instance.ledger backup_window");
    }

    #[test]
    fn summer_only_and_night() {
        // 12:30 UTC is 07:30 EST (closed) but 08:30 EDT (open) from 2027-03-14.
        let v = run("12:00-12:30");
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message
                .contains("first on Mon 2027-03-15 08:00–08:30 America/New_York"),
            "{}",
            v[0].message
        );
        assert!(run("05:00-05:30").is_empty());
        // Ends 12:00 UTC = 08:00 EDT: touches only.
        assert!(run("11:30-12:00").is_empty());
    }
}
