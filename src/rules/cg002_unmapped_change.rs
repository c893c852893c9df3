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
