//! # CG406 suppression-without-reason
//!
//! ## What it checks
//! An inline suppression, `# continuity-guard: ignore[CODE]` on a finding's
//! line or the line above, that gives no reason after the bracket. The
//! suppression still applies; this warning is reported at the comment, once
//! per comment, and is introduced when a finding it hides is.
//!
//! ## Why it matters for continuity
//! A suppression is an accepted risk. Without a reason (a change advisory
//! board reference, why the risk is acceptable), nobody can later tell
//! whether it still holds, and auditors cannot trace who accepted it.
//!
//! ## Example
//! ```yaml
//! spec:
//!   replicas: 1  # continuity-guard: ignore[CG101]
//! ```
//!
//! ## How to fix
//! Write the reason after the bracket
//! (`# continuity-guard: ignore[CG101] CAB-1234 canary, one replica by design`),
//! or use a waiver in the plan, which also has an expiry date.

use super::Rule;
use crate::plan::model::Severity;

/// CG406. The engine reports it while it applies inline suppressions.
pub struct SuppressionWithoutReason;

impl Rule for SuppressionWithoutReason {
    fn code(&self) -> &'static str {
        "CG406"
    }
    fn name(&self) -> &'static str {
        "suppression-without-reason"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg406_suppression_without_reason.rs")
    }
    fn summary(&self) -> &'static str {
        "an inline suppression gives no reason"
    }
}
