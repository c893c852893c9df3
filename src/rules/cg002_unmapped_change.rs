//! # CG002 unmapped-change
//!
//! ## What it checks
//! A changed infrastructure file (a Kubernetes manifest, Terraform, CloudFormation,
//! docker-compose or catalog file) that no service of the plan matches and that
//! the plan's `ignore` does not exclude.
//!
//! ## Why it matters for continuity
//! A change nobody maps to a service is a change whose continuity impact
//! nobody assessed. New infrastructure usually belongs to some service.
//!
//! ## Example
//! Adding `deploy/search/deployment.yaml` when no service's `match` covers
//! `deploy/search/**`.
//!
//! ## How to fix
//! Add a `match` entry to the service it belongs to, or list the path under
//! `ignore` if it has no continuity relevance.

use super::Rule;
use crate::plan::model::Severity;

/// CG002.
pub struct UnmappedChange;

impl Rule for UnmappedChange {
    fn code(&self) -> &'static str {
        "CG002"
    }
    fn name(&self) -> &'static str {
        "unmapped-change"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg002_unmapped_change.rs")
    }
    fn summary(&self) -> &'static str {
        "a changed infrastructure file is matched by no service and not ignored"
    }
    // Reported by the engine, which maps files to services.
}

/// The CG002 violation for an infrastructure file (with these resource
/// kinds) that no service maps, at the side where it was found.
pub fn violation(
    side: crate::facts::Side,
    path: &str,
    kinds: &std::collections::BTreeSet<&str>,
) -> super::Violation {
    let what = match side {
        crate::facts::Side::Base => "deleted",
        crate::facts::Side::Head => "changed",
    };
    let kinds = if kinds.is_empty() {
        "no resources".to_string()
    } else {
        kinds.iter().copied().collect::<Vec<_>>().join(", ")
    };
    super::Violation {
        rule: "CG002",
        measure: 1,
        service: None,
        subject: path.to_string(),
        message: format!(
            "{what} infrastructure file {path} ({kinds}) belongs to no service of the plan"
        ),
        help: Some(
            "add a `match` entry to the service it belongs to, or list it under `ignore`".into(),
        ),
        primary: crate::facts::Loc {
            side,
            path: std::sync::Arc::from(path),
            span: crate::readers::Span::default(),
        },
        secondary: Vec::new(),
    }
}
