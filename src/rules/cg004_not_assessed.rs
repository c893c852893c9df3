//! # CG004 not-assessed
//!
//! ## What it checks
//! A changed file that a service maps cannot be assessed at all: it is over
//! the size limit (10 MiB), a Git LFS pointer whose content is not in the
//! repository, a symbolic link (never followed), a template (`{{ … }}`)
//! outside a chart the tool renders, Terraform JSON syntax, a file whose
//! content cannot be read, or a name that is not UTF-8. The check fails
//! closed: what it cannot see, it does not pass.
//!
//! ## Why it matters for continuity
//! A pull request that lowers `replicas: 3` to `1` could otherwise hide the
//! change by padding the manifest past the size limit, turning it into a
//! template with one `{{ }}` or replacing it with a link: every other rule
//! would see nothing, and the check would pass.
//!
//! ## Example
//! ```text
//! deploy/payments/api.yaml  →  symbolic link to ../shared/api.yaml
//! ```
//!
//! ## How to fix
//! Make the file readable (a regular file under the limit, its content in
//! the repository), or, when the file truly does not matter for continuity,
//! name it in the plan's `ignore` (a plan change its owners approve).

use super::{Rule, Violation};
use crate::facts::Loc;
use crate::facts::Side;
use crate::plan::model::Severity;
use crate::readers::Span;
use std::sync::Arc;

/// CG004.
pub struct NotAssessed;

impl Rule for NotAssessed {
    fn code(&self) -> &'static str {
        "CG004"
    }
    fn name(&self) -> &'static str {
        "not-assessed"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg004_not_assessed.rs")
    }
    fn summary(&self) -> &'static str {
        "a changed file that a service maps cannot be assessed (size, LFS, link, template, unreadable)"
    }
    // Reported by the engine, which reads the files.
}

/// The violation for a changed file of `service` that cannot be assessed
/// (`why`: "it is a symbolic link, …").
pub fn violation(path: &str, why: &str, service: &str) -> Violation {
    Violation {
        rule: "CG004",
        measure: 1,
        service: Some(service.to_string()),
        subject: path.to_string(),
        message: format!("{path} changed and cannot be assessed: {why}"),
        help: Some(
            "make it a regular file under the size limit with its content in the repository, or name it in the plan's `ignore` if it does not matter for continuity".into(),
        ),
        primary: Loc {
            side: Side::Head,
            path: Arc::from(path),
            span: Span::default(),
        },
        secondary: Vec::new(),
    }
}
