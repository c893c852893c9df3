//! # CG001 unreadable-file
//!
//! ## What it checks
//! A changed file that belongs to a service (or looks like infrastructure)
//! cannot be read: malformed YAML, a duplicate key in one mapping, binary or
//! non-UTF-8 content. The finding carries the parser's message and line.
//!
//! ## Why it matters for continuity
//! What cannot be read cannot be checked: a broken manifest hides every other
//! finding about the service, and a duplicate key makes it ambiguous which
//! value the cluster will apply (`replicas: 3` then `replicas: 1`).
//!
//! ## Example
//! ```yaml
//! spec:
//!   replicas: 3
//!   replicas: 1   # duplicated key: which one wins depends on the tool
//! ```
//!
//! ## How to fix
//! Fix the syntax at the line shown; keep one value per key.

use super::Rule;
use crate::plan::model::Severity;

/// CG001.
pub struct UnreadableFile;

impl Rule for UnreadableFile {
    fn code(&self) -> &'static str {
        "CG001"
    }
    fn name(&self) -> &'static str {
        "unreadable-file"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg001_unreadable_file.rs")
    }
    fn summary(&self) -> &'static str {
        "a changed file mapped to a service cannot be parsed, or has duplicate keys"
    }
    // Reported by the engine, which reads the files.
}

/// The CG001 violation for a changed file at head that cannot be read.
pub fn violation(
    path: &str,
    message: &str,
    span: crate::readers::Span,
    service: Option<String>,
) -> super::Violation {
    super::Violation {
        rule: "CG001",
        measure: 1,
        service,
        subject: path.to_string(),
        message: format!("{path} cannot be read: {message}"),
        help: Some(
            "fix the file at the line shown; until then its continuity impact cannot be checked"
                .into(),
        ),
        primary: crate::facts::Loc {
            side: crate::facts::Side::Head,
            path: std::sync::Arc::from(path),
            span,
        },
        secondary: Vec::new(),
    }
}
