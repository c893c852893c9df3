//! # CG405 waiver-expired
//!
//! ## What it checks
//! A waiver in the head plan whose `expires` date is before the day of the
//! check (`--as-of`, default today). An expired waiver suppresses nothing, so
//! the finding it waived is reported again too.
//!
//! ## Why it matters for continuity
//! A waiver is a risk accepted for a time. Once that time is over, the risk is
//! unowned: the change advisory board must renew the decision or the gap must
//! be closed.
//!
//! ## Example
//! ```yaml
//! waivers:
//!   - { rule: CG101, service: payments, reason: "CAB-1234", expires: 2026-01-31 }
//! ```
//! checked on 2026-02-01.
//!
//! ## How to fix
//! Fix the waived finding and remove the waiver, or renew it with a new
//! approval and a new `expires` date.

use super::{Rule, ServiceChange, Violation};
use crate::facts::Loc;
use crate::plan::model::Severity;

/// CG405.
pub struct WaiverExpired;

impl Rule for WaiverExpired {
    fn code(&self) -> &'static str {
        "CG405"
    }
    fn name(&self) -> &'static str {
        "waiver-expired"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg405_waiver_expired.rs")
    }
    fn summary(&self) -> &'static str {
        "a waiver in the head plan has expired"
    }

    fn check_change(&self, change: &ServiceChange, out: &mut Vec<Violation>) {
        let Some(head) = &change.head else { return };
        for w in head
            .plan
            .waivers
            .iter()
            .filter(|w| w.service == change.name)
        {
            if !w.expired(head.as_of) {
                continue;
            }
            out.push(Violation {
                rule: self.code(),
                measure: 1,
                service: Some(change.name.to_string()),
                subject: format!("waiver {} {}", w.rule, w.resource.as_deref().unwrap_or("*")),
                message: format!(
                    "the waiver of {} for {} expired on {} (\"{}\")",
                    w.rule, change.name, w.expires.value, w.reason
                ),
                help: Some("renew the waiver with a new approval and date, or fix what it waived and remove it".into()),
                primary: Loc {
                    side: head.side,
                    path: head.plan.path.clone(),
                    span: w.expires.span,
                },
                secondary: Vec::new(),
            });
        }
    }
}
