//! The rule catalogue (DESIGN §3): one file per rule, each carrying its own
//! documentation, and one registry that feeds `rules`, `explain`, SARIF and
//! the engine.

pub(crate) mod cg001_unreadable_file;
pub(crate) mod cg002_unmapped_change;
mod cg003_unreadable_schedule;
pub mod cg004_not_assessed;
mod cg101_replicas_below_minimum;
mod cg102_single_zone;
mod cg103_disruption_budget_removed;
mod cg104_restore_exceeds_rto;
mod cg105_dependency_rto;
mod cg106_deletion_protection_off;
pub mod cg107_stateful_resource_replaced;
mod cg201_backup_gap_exceeds_rpo;
mod cg202_backups_removed;
mod cg203_point_in_time_recovery_off;
mod cg204_replication_rpo;
mod cg301_maintenance_in_hours;
mod cg302_scale_down_in_hours;
mod cg303_backup_window_in_hours;
mod cg304_dependency_hours;
mod cg401_targets_tightened_untested;
mod cg402_plan_test_overdue;
mod cg403_recovery_plan_missing;
mod cg404_service_removed;
mod cg405_waiver_expired;
mod cg406_suppression_without_reason;
pub mod cg407_plan_relaxed;
pub mod recovery;
#[cfg(test)]
mod testutil;
#[cfg(test)]
mod time_oracle;

use crate::facts::{Loc, ServiceFacts};
use crate::plan::model::{Plan, Service, Severity};

/// One violation, as a rule reports it. Its identity is (rule, service,
/// subject); the engine decides whether it is introduced.
#[derive(Clone, Debug)]
pub struct Violation {
    /// Rule code.
    pub rule: &'static str,
    /// The service (None for unmapped changes).
    pub service: Option<String>,
    /// Resource address plus field path, or the service itself.
    pub subject: String,
    /// How bad (DESIGN §1.5's table: a shortfall, an excess in seconds,
    /// minutes a year; 1 for yes/no rules). A change that only improves a
    /// resource never raises it; the engine calls a violation worsened when
    /// the head's measure exceeds the base's under the head's targets.
    pub measure: u64,
    /// What is wrong, with the numbers.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// Where.
    pub primary: Loc,
    /// Related places, e.g. the plan line that sets the target.
    pub secondary: Vec<(Loc, String)>,
}

/// A service at one side: its plan entry and its facts.
pub struct ServiceView<'a> {
    /// The plan entry.
    pub service: &'a Service,
    /// The whole plan of that side.
    pub plan: &'a Plan,
    /// Facts.
    pub facts: &'a ServiceFacts,
    /// The side.
    pub side: crate::facts::Side,
    /// The day of the check.
    pub as_of: jiff::civil::Date,
    /// Whether a repository path exists at this side (CG403).
    pub file_exists: &'a dyn Fn(&str) -> bool,
}

impl ServiceView<'_> {
    /// The plan location of a target, for secondary labels.
    pub fn plan_loc(&self, span: crate::readers::Span) -> Loc {
        Loc {
            side: self.side,
            path: self.plan.path.clone(),
            span,
        }
    }

    /// Direct hard dependencies with where each is declared: the plan's
    /// `depends_on` entries not written `soft: true`, then the service's
    /// Backstage `spec.dependsOn` refs resolved to services through their
    /// `catalog:` selectors (DESIGN §2). A dependency the plan marks soft stays soft.
    pub fn hard_dependencies(&self) -> Vec<(String, Loc)> {
        let mut out: Vec<(String, Loc)> = Vec::new();
        for d in self.service.depends_on.iter().filter(|d| !d.soft) {
            if !out.iter().any(|(n, _)| *n == d.service.value) {
                out.push((d.service.value.clone(), self.plan_loc(d.service.span)));
            }
        }
        for (entity, loc) in &self.facts.depends_on {
            for s in self.plan.services.values() {
                let named = s.matchers.iter().any(|m| {
                    matches!(m, crate::plan::model::Matcher::Catalog(c) if c.eq_ignore_ascii_case(entity))
                });
                let soft = self
                    .service
                    .depends_on
                    .iter()
                    .any(|d| d.soft && d.service.value == s.name);
                if named
                    && !soft
                    && s.name != self.service.name
                    && !out.iter().any(|(n, _)| *n == s.name)
                {
                    out.push((s.name.clone(), loc.clone()));
                }
            }
        }
        out
    }

    /// "tier gold" or "service payments", naming where a target comes from.
    pub fn target_owner(&self) -> String {
        match &self.service.tier {
            Some(t) => format!("tier {}", t.value),
            None => format!("service {}", self.service.name),
        }
    }
}

/// A service seen at both sides (either may be absent).
pub struct ServiceChange<'a> {
    /// Name.
    pub name: &'a str,
    /// At base.
    pub base: Option<ServiceView<'a>>,
    /// At head.
    pub head: Option<ServiceView<'a>>,
    /// The day of the change for CG401: the base commit's committer date in
    /// the plan's zone (`--as-of` in staged and directory mode).
    pub change_date: jiff::civil::Date,
    /// For a service whose plan entry exists only at base: the head resources
    /// its base entry still matches (CG404).
    pub orphans: Vec<std::sync::Arc<crate::readers::Resource>>,
}

/// A rule.
pub trait Rule: Sync {
    /// `CG101`.
    fn code(&self) -> &'static str;
    /// `replicas-below-minimum`.
    fn name(&self) -> &'static str;
    /// Default severity.
    fn severity(&self) -> Severity;
    /// The default severity of one of its violations, for rules whose
    /// severity depends on what is wrong (CG003: an error for a backup).
    fn severity_of(&self, _v: &Violation) -> Severity {
        self.severity()
    }
    /// The rule file's source; its leading `//!` comment is the documentation.
    fn source(&self) -> &'static str;
    /// A one-line summary.
    fn summary(&self) -> &'static str;
    /// State rule: violations at one side.
    fn check(&self, _svc: &ServiceView, _out: &mut Vec<Violation>) {}
    /// Change rule: violations of the change itself (always introduced).
    fn check_change(&self, _change: &ServiceChange, _out: &mut Vec<Violation>) {}
    /// Notes at one side (head): what the rule could not assess and why
    /// (e.g. CG104 without `restore_throughput`). Never a finding.
    fn notes(&self, _svc: &ServiceView, _out: &mut Vec<String>) {}
}

/// Every rule, sorted by code.
pub const RULES: &[&dyn Rule] = &[
    &cg001_unreadable_file::UnreadableFile,
    &cg002_unmapped_change::UnmappedChange,
    &cg003_unreadable_schedule::UnreadableSchedule,
    &cg004_not_assessed::NotAssessed,
    &cg101_replicas_below_minimum::ReplicasBelowMinimum,
    &cg102_single_zone::SingleZone,
    &cg103_disruption_budget_removed::DisruptionBudgetRemoved,
    &cg104_restore_exceeds_rto::RestoreExceedsRto,
    &cg105_dependency_rto::DependencyRto,
    &cg106_deletion_protection_off::DeletionProtectionOff,
    &cg107_stateful_resource_replaced::StatefulResourceReplaced,
    &cg201_backup_gap_exceeds_rpo::BackupGapExceedsRpo,
    &cg202_backups_removed::BackupsRemoved,
    &cg203_point_in_time_recovery_off::PointInTimeRecoveryOff,
    &cg204_replication_rpo::ReplicationRpo,
    &cg301_maintenance_in_hours::MaintenanceInHours,
    &cg302_scale_down_in_hours::ScaleDownInHours,
    &cg303_backup_window_in_hours::BackupWindowInHours,
    &cg304_dependency_hours::DependencyHours,
    &cg401_targets_tightened_untested::TargetsTightenedUntested,
    &cg402_plan_test_overdue::PlanTestOverdue,
    &cg403_recovery_plan_missing::RecoveryPlanMissing,
    &cg404_service_removed::ServiceRemoved,
    &cg405_waiver_expired::WaiverExpired,
    &cg406_suppression_without_reason::SuppressionWithoutReason,
    &cg407_plan_relaxed::PlanRelaxed,
];

/// All codes of DESIGN §3, including those whose rule files have not landed yet
/// (the plan may name them in `rules:` and `waivers:`).
pub const KNOWN_CODES: &[&str] = &[
    "CG001", "CG002", "CG003", "CG004", "CG101", "CG102", "CG103", "CG104", "CG105", "CG106",
    "CG107", "CG201", "CG202", "CG203", "CG204", "CG301", "CG302", "CG303", "CG304", "CG401",
    "CG402", "CG403", "CG404", "CG405", "CG406", "CG407",
];

/// Whether a code names a rule.
pub fn is_known(code: &str) -> bool {
    KNOWN_CODES.contains(&code)
}

/// The rule of a code.
pub fn find(code: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code().eq_ignore_ascii_case(code))
}

/// The documentation of a rule: its file's leading `//!` lines.
pub fn documentation(rule: &dyn Rule) -> String {
    let mut out = String::new();
    for line in rule.source().lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_and_sorted() {
        let codes: Vec<&str> = RULES.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
        for c in codes {
            assert!(is_known(c), "{c}");
        }
    }

    #[test]
    fn every_rule_documents_itself() {
        for rule in RULES {
            let doc = documentation(*rule);
            for section in [
                "## What it checks",
                "## Why it matters for continuity",
                "## Example",
                "## How to fix",
            ] {
                assert!(doc.contains(section), "{} lacks {section}", rule.code());
            }
        }
    }

    #[test]
    fn every_rule_has_a_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for rule in RULES {
            let dir = root.join(rule.code());
            assert!(
                dir.is_dir(),
                "{} has no fixture folder {}",
                rule.code(),
                dir.display()
            );
        }
    }
}
