//! Verdicts (DESIGN §1.5, §2): severity overrides, waivers and inline
//! suppressions applied to violations, which become findings.

use super::cache::SourceStore;
#[cfg(test)]
use super::cache::line_starts;
use super::compare::{Judged, JudgedViolations};
use super::{Finding, Inputs, Location, State};
use crate::facts::Loc;
use crate::plan::model::{Plan, Waiver};
use crate::readers::Span;
use crate::rules::Violation;
use std::collections::BTreeMap;

impl SourceStore {
    /// The inline suppression of `code` on a line of a file, or the line above.
    pub(crate) fn suppression(&self, location: &Location, code: &str) -> Option<Suppression> {
        let (text, starts) = self.text_and_lines(location.side, &location.path)?;
        inline_suppression_at(text, starts, location.line, code)
    }
}

/// An inline suppression found for a finding.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Suppression {
    /// The reason written after `]` (may be empty: CG406).
    pub(crate) reason: String,
    /// The codes between the brackets, as written.
    pub(crate) codes: String,
    /// The comment's bytes in the file.
    pub(crate) span: Span,
}

/// Inline suppression on the line or the line above: `# continuity-guard: ignore[CG101] reason`.
#[cfg(test)]
pub(crate) fn inline_suppression(text: &str, line: usize, code: &str) -> Option<Suppression> {
    inline_suppression_at(text, &line_starts(text), line, code)
}

pub(crate) fn inline_suppression_at(
    text: &str,
    starts: &[usize],
    line: usize,
    code: &str,
) -> Option<Suppression> {
    const MARK: &str = "continuity-guard: ignore[";
    let line_text = |index: usize| -> Option<&str> {
        let start = *starts.get(index)?;
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        text.get(start..end)
            .map(|l| l.trim_end_matches('\n').trim_end_matches('\r'))
    };
    for l in [line, line.saturating_sub(1)] {
        let Some(index) = l.checked_sub(1) else {
            continue;
        };
        let Some(content) = line_text(index) else {
            continue;
        };
        let Some(at) = content.find(MARK) else {
            continue;
        };
        let rest = &content[at + MARK.len()..];
        let Some((codes, reason)) = rest.split_once(']') else {
            continue;
        };
        if codes
            .split(',')
            .any(|c| c.trim().eq_ignore_ascii_case(code))
        {
            // The comment starts at its `#` (or `//`) when there is one.
            let before = &content[..at];
            let comment = before
                .rfind('#')
                .or_else(|| before.rfind("//"))
                .unwrap_or(at);
            let start = starts.get(index).copied().unwrap_or(0);
            return Some(Suppression {
                reason: reason.trim().to_string(),
                codes: codes.trim().to_string(),
                span: Span::new(start + comment, start + content.len()),
            });
        }
    }
    None
}

/// A violation judged against a plan: its severity after overrides (`None`
/// when the rule is off), its location, and the waiver or inline suppression
/// that covers it (the suppression is returned too, for CG406).
pub(crate) fn judge(
    v: Violation,
    (state, base_measure): Judged,
    plan: &Plan,
    base_waivers: &[Waiver],
    as_of: jiff::civil::Date,
    sources: &SourceStore,
) -> Option<(Finding, Option<Suppression>)> {
    let rule = crate::rules::find(v.rule)?;
    let severity = plan.severity(v.rule, rule.severity_of(&v))?;
    let location = sources.locate(&v.primary);
    // An expired waiver (CG405) is never waived by a waiver.
    let waiver = v
        .service
        .as_ref()
        .filter(|_| v.rule != "CG405")
        .and_then(|service| {
            plan.waivers
                .iter()
                .filter(|w| !w.expired(as_of) && w.covers(v.rule, service, &v.subject))
                // A worsened finding is covered only by a waiver the same
                // change added (DESIGN §4): a waiver granted for 2 of 3
                // replicas does not silently cover 0.
                .find(|w| state != State::Worsened || !base_waivers.contains(w))
        })
        .map(|w| format!("waiver: {}", w.reason));
    let suppression = match waiver {
        Some(_) => None,
        None => sources.suppression(&location, v.rule),
    };
    let waived_by = waiver.or_else(|| {
        suppression.as_ref().map(|s| {
            if s.reason.is_empty() {
                "inline suppression".to_string()
            } else {
                format!("inline: {}", s.reason)
            }
        })
    });
    let finding = Finding {
        rule: rule.code(),
        name: rule.name(),
        severity,
        introduced: state.is_new(),
        state,
        measure: v.measure,
        base_measure,
        waived: waived_by.is_some(),
        waived_by,
        service: v.service,
        subject: v.subject,
        message: v.message,
        help: v.help,
        secondary: v
            .secondary
            .iter()
            .map(|(l, m)| (sources.locate(l), m.clone()))
            .collect(),
        location,
    };
    Some((finding, suppression))
}

/// Step 5: every violation judged, sorted and deduplicated. Resolved ones
/// are judged as the base plan judged them (its waivers and severities),
/// the rest by the head plan; an inline suppression without a reason is
/// CG406, once per comment, introduced when a finding it hides is.
pub(crate) fn verdicts(
    resolved: JudgedViolations,
    violations: JudgedViolations,
    inputs: &Inputs,
    sources: &SourceStore,
) -> Vec<Finding> {
    let (bp, hp, as_of) = (inputs.base_plan, inputs.head_plan, inputs.as_of);
    let mut findings: Vec<Finding> = resolved
        .into_iter()
        .filter_map(|(v, state)| judge(v, state, bp, &[], as_of, sources).map(|(f, _)| f))
        .collect();
    let mut unexplained: BTreeMap<Loc, (Option<String>, String, bool)> = BTreeMap::new();
    let mut added: BTreeMap<Loc, (Option<String>, String)> = BTreeMap::new();
    for (v, state) in violations {
        let introduced = state.0.is_new();
        let Some((mut finding, suppression)) = judge(v, state, hp, &bp.waivers, as_of, sources)
        else {
            continue;
        };
        if let Some(s) = suppression {
            let loc = Loc {
                side: finding.location.side,
                path: finding.location.path.clone(),
                span: s.span,
            };
            if added_by_change(&loc, inputs, sources) {
                // CG407; under --strict it does not apply to this change.
                added
                    .entry(loc.clone())
                    .or_insert((finding.service.clone(), s.codes.clone()));
                if inputs.strict {
                    finding.waived = false;
                    finding.waived_by = None;
                }
            }
            if s.reason.is_empty() {
                let entry =
                    unexplained
                        .entry(loc)
                        .or_insert((finding.service.clone(), s.codes, false));
                entry.2 |= introduced;
            }
        }
        findings.push(finding);
    }
    findings.extend(unexplained_suppressions(unexplained, hp, sources));
    findings.extend(added_suppressions(added, inputs, sources));
    sort_findings(&mut findings);
    findings
}

/// CG406 for each inline suppression that gives no reason.
fn unexplained_suppressions(
    unexplained: BTreeMap<Loc, (Option<String>, String, bool)>,
    plan: &Plan,
    sources: &SourceStore,
) -> Vec<Finding> {
    let Some(rule) = crate::rules::find("CG406") else {
        return Vec::new();
    };
    let Some(severity) = plan.severity(rule.code(), rule.severity()) else {
        return Vec::new();
    };
    unexplained
        .into_iter()
        .map(|(loc, (service, codes, introduced))| Finding {
            rule: rule.code(),
            name: rule.name(),
            severity,
            introduced,
            state: if introduced { State::Introduced } else { State::Existing },
            measure: 1,
            base_measure: None,
            waived: false,
            waived_by: None,
            service,
            subject: format!("{} ignore[{codes}]", loc.path),
            message: format!("the inline suppression of {codes} gives no reason"),
            help: Some(format!(
                "write why after the bracket: `# continuity-guard: ignore[{codes}] <reason, e.g. a CAB reference>`, or use a waiver in the plan"
            )),
            location: sources.locate(&loc),
            secondary: Vec::new(),
        })
        .collect()
}

/// Whether an inline suppression comment at head was added by the change:
/// its file changed and the base version (under its old path) does not hold
/// the same comment.
fn added_by_change(loc: &Loc, inputs: &Inputs, sources: &SourceStore) -> bool {
    if loc.side != crate::facts::Side::Head {
        return false;
    }
    let Some(change) =
        (inputs.changes.changes.iter()).find(|c| c.new_path.as_deref() == Some(loc.path.as_ref()))
    else {
        return false;
    };
    let Some(comment) = sources
        .text(crate::facts::Side::Head, &loc.path)
        .and_then(|t| t.get(loc.span.start..loc.span.end))
    else {
        return false;
    };
    let comment = comment.trim();
    let base = (change.old_path.as_deref()).and_then(|p| sources.text(crate::facts::Side::Base, p));
    !base.is_some_and(|t| t.lines().any(|l| l.contains(comment)))
}

/// CG407 for each inline suppression the change adds (DESIGN §3): the change
/// relaxes its own gate; the PR comment and the CAB report list it under
/// approvals, and `--strict` judges the change without it.
fn added_suppressions(
    added: BTreeMap<Loc, (Option<String>, String)>,
    inputs: &Inputs,
    sources: &SourceStore,
) -> Vec<Finding> {
    let Some(rule) = crate::rules::find("CG407") else {
        return Vec::new();
    };
    let plan = inputs.head_plan;
    let Some(severity) = plan.severity(rule.code(), rule.severity()) else {
        return Vec::new();
    };
    let applies = if inputs.strict {
        "; under --strict it does not apply to this change"
    } else {
        ""
    };
    added
        .into_iter()
        .map(|(loc, (service, codes))| Finding {
            rule: rule.code(),
            name: rule.name(),
            severity,
            introduced: true,
            state: State::Introduced,
            measure: 1,
            base_measure: None,
            waived: false,
            waived_by: None,
            service,
            subject: format!("{} ignore[{codes}] added", loc.path),
            message: format!("the change adds an inline suppression of {codes}{applies}"),
            help: Some(
                "an accepted risk needs the plan owners' approval: land the suppression (or a waiver) in a change of its own".into(),
            ),
            location: sources.locate(&loc),
            secondary: Vec::new(),
        })
        .collect()
}

/// Findings in report order (most severe first, then by place), without
/// duplicates.
pub(crate) fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.message.cmp(&b.message))
    });
    findings.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn suppressions() {
        let text = "a: 1\n# continuity-guard: ignore[CG101] canary\nreplicas: 1\n";
        let found = inline_suppression(text, 3, "CG101").map(|s| (s.reason, s.span));
        assert_eq!(found, Some(("canary".into(), Span::new(5, 45))));
        assert_eq!(inline_suppression(text, 3, "CG103"), None);
        assert_eq!(inline_suppression(text, 1, "CG101"), None);
        let bare = "replicas: 1 # continuity-guard: ignore[CG101]\n";
        let s = inline_suppression(bare, 1, "CG101");
        assert_eq!(
            s.map(|s| (s.reason, s.codes, s.span)),
            Some((String::new(), "CG101".into(), Span::new(12, 45)))
        );
    }
}
