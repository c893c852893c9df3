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

/// The CG002 violation for an infrastructure file at head (with these
/// resource kinds) that no service maps; `left` are the services it
/// belonged to at base (a file moved or edited out of them).
pub fn violation(
    path: &str,
    kinds: &std::collections::BTreeSet<&str>,
    left: &std::collections::BTreeSet<String>,
) -> super::Violation {
    let kinds = if kinds.is_empty() {
        "no resources".to_string()
    } else {
        kinds.iter().copied().collect::<Vec<_>>().join(", ")
    };
    let left = if left.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = left.iter().map(String::as_str).collect();
        format!(" (it belonged to {} before this change)", names.join(", "))
    };
    super::Violation {
        rule: "CG002",
        measure: 1,
        service: None,
        subject: path.to_string(),
        message: format!(
            "changed infrastructure file {path} ({kinds}) belongs to no service of the plan{left}"
        ),
        help: Some(
            "add a `match` entry to the service it belongs to, or list it under `ignore`".into(),
        ),
        primary: crate::facts::Loc {
            side: crate::facts::Side::Head,
            path: std::sync::Arc::from(path),
            span: crate::readers::Span::default(),
        },
        secondary: Vec::new(),
    }
}
