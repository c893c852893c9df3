//! # CG407 plan-relaxed
//!
//! ## What it checks
//! The change relaxes its own gate in the plan: a service's target lowered
//! (a longer RTO or RPO, fewer `min_replicas`, `multi_az` dropped, a longer
//! `test_every`, shorter hours), a service removed, its `match` narrowed, a
//! dependency made soft or dropped, a raised `restore_throughput` or a
//! shorter `provisioning`, new `ignore` globs that cover infrastructure
//! files, a new waiver, or a rule's severity lowered.
//!
//! ## Why it matters for continuity
//! A pull request that lowers `replicas: 3` to `1` could also lower the
//! service's tier, `ignore: ["**"]` its folder, waive CG101 or set
//! `rules: {CG101: off}` in the plan it brings, and pass its own check. A
//! relaxation is a decision for the plan's owners, not for the change it
//! lets through.
//!
//! ## Example
//! ```yaml
//! services:
//!   payments:
//!     tier: gold
//!     min_replicas: 1   # was 3 through the tier
//! ```
//!
//! ## How to fix
//! Land the relaxation in a plan-only change of its own, approved by the
//! plan's owners (the PR comment and the CAB report list it under
//! approvals). With `--strict` (the Action's default) the head is judged by
//! the base plan's `ignore`, `rules`, `waivers` and the stricter of each
//! service's two entries, so the relaxation does not apply to the change
//! that brings it.

use super::{Rule, Violation};
use crate::facts::Loc;
use crate::facts::Side;
use crate::plan::model::{Plan, Service, Severity, Sp};
use crate::readers::Span;

/// CG407.
pub struct PlanRelaxed;

impl Rule for PlanRelaxed {
    fn code(&self) -> &'static str {
        "CG407"
    }
    fn name(&self) -> &'static str {
        "plan-relaxed"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn source(&self) -> &'static str {
        include_str!("cg407_plan_relaxed.rs")
    }
    fn summary(&self) -> &'static str {
        "the change relaxes its own gate in the plan (targets, services, match, ignore, waivers, severities)"
    }
    // Reported by the engine from the two plans (see [`relaxations`]).
}

/// One relaxation found.
struct Found<'p> {
    plan: &'p Plan,
    side: Side,
    service: Option<String>,
    what: String,
    message: String,
    span: Span,
}

impl Found<'_> {
    fn violation(self) -> Violation {
        Violation {
            rule: "CG407",
            measure: 1,
            subject: format!(
                "plan:{}{}",
                self.service.as_deref().map_or(String::new(), |s| format!("{s}:")),
                self.what
            ),
            service: self.service,
            message: self.message,
            help: Some(
                "land the relaxation in a plan-only change approved by the plan's owners; with --strict it does not apply to this change".into(),
            ),
            primary: Loc {
                side: self.side,
                path: self.plan.path.clone(),
                span: self.span,
            },
            secondary: Vec::new(),
        }
    }
}

fn seconds(v: Option<&Sp<i64>>) -> String {
    v.map_or_else(
        || "none".into(),
        |s| crate::plan::duration::format_duration(s.value),
    )
}

/// A target that got larger (or went away) at head: `rto`, `rpo`, `test_every`.
fn longer(base: Option<&Sp<i64>>, head: Option<&Sp<i64>>) -> bool {
    match (base, head) {
        (Some(b), Some(h)) => h.value > b.value,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The ways one service's head entry is laxer than its base entry.
fn service_relaxations<'p>(
    name: &str,
    b: &Service,
    h: &Service,
    head: &'p Plan,
    as_of: jiff::civil::Date,
    out: &mut Vec<Found<'p>>,
) {
    let (bt, ht) = (&b.targets, &h.targets);
    let mut push = |what: &str, message: String, span: Option<Span>| {
        out.push(Found {
            plan: head,
            side: Side::Head,
            service: Some(name.to_string()),
            what: what.to_string(),
            message,
            span: span.unwrap_or(h.span),
        });
    };
    for (what, bv, hv) in [
        ("rto", bt.rto.as_ref(), ht.rto.as_ref()),
        ("rpo", bt.rpo.as_ref(), ht.rpo.as_ref()),
        ("test_every", bt.test_every.as_ref(), ht.test_every.as_ref()),
    ] {
        if longer(bv, hv) {
            push(
                what,
                format!(
                    "the plan relaxes {name}'s {what}: {} → {}",
                    seconds(bv),
                    seconds(hv)
                ),
                hv.map(|v| v.span),
            );
        }
    }
    if ht.min_replicas() < bt.min_replicas() {
        push(
            "min_replicas",
            format!(
                "the plan lowers {name}'s min_replicas: {} → {}",
                bt.min_replicas(),
                ht.min_replicas()
            ),
            ht.min_replicas.as_ref().map(|m| m.span),
        );
    }
    let multi_az = |t: &crate::plan::model::Targets| t.multi_az.as_ref().is_some_and(|m| m.value);
    if multi_az(bt) && !multi_az(ht) {
        push(
            "multi_az",
            format!("the plan drops {name}'s multi_az"),
            ht.multi_az.as_ref().map(|m| m.span),
        );
    }
    if let Some(bh) = &bt.hours {
        let (from, to) = crate::plan::hours::year_from(as_of);
        let shorter = match &ht.hours {
            Some(hh) => hh.value.first_uncovered(&bh.value, from, to).is_some(),
            None => true,
        };
        if shorter {
            push(
                "hours",
                format!(
                    "the plan shortens {name}'s hours: `{}` → `{}`",
                    bh.value.canonical(),
                    ht.hours
                        .as_ref()
                        .map_or_else(|| "none".into(), |h| h.value.canonical())
                ),
                ht.hours.as_ref().map(|h| h.span),
            );
        }
    }
    if b.matchers.iter().any(|m| !h.matchers.contains(m)) {
        push(
            "match",
            format!("the plan narrows {name}'s match: a selector of the base is gone"),
            None,
        );
    }
    for d in b.depends_on.iter().filter(|d| !d.soft) {
        let at_head = h
            .depends_on
            .iter()
            .find(|x| x.service.value == d.service.value);
        if at_head.is_none_or(|x| x.soft) {
            push(
                "depends_on",
                format!(
                    "the plan makes {name}'s dependency on {} soft or drops it",
                    d.service.value
                ),
                at_head.map(|x| x.service.span),
            );
        }
    }
}

/// Every way the head plan relaxes the base plan's gate (CG407).
/// `infrastructure_at_base` lists the base side's infrastructure files, for
/// new `ignore` globs; it is called only when `ignore` grew.
pub fn relaxations(
    base: &Plan,
    head: &Plan,
    as_of: jiff::civil::Date,
    infrastructure_at_base: &dyn Fn() -> Vec<String>,
) -> Vec<Violation> {
    let mut out: Vec<Found> = Vec::new();
    for (name, b) in &base.services {
        match head.services.get(name) {
            None => out.push(Found {
                plan: base,
                side: Side::Base,
                service: Some(name.clone()),
                what: "removed".into(),
                message: format!("the plan removes service {name}"),
                span: b.span,
            }),
            Some(h) => service_relaxations(name, b, h, head, as_of, &mut out),
        }
    }
    let global = |what: &str, message: String, span: Span| Found {
        plan: head,
        side: Side::Head,
        service: None,
        what: what.to_string(),
        message,
        span,
    };
    if let Some(b) = &base.restore_throughput
        && head
            .restore_throughput
            .as_ref()
            .is_none_or(|h| h.value > b.value)
    {
        let span = head
            .restore_throughput
            .as_ref()
            .map_or(Span::default(), |h| h.span);
        out.push(global(
            "restore_throughput",
            "the plan raises (or drops) assumptions.restore_throughput: restores look faster"
                .into(),
            span,
        ));
    }
    if head.provisioning.value < base.provisioning.value {
        out.push(global(
            "provisioning",
            format!(
                "the plan shortens assumptions.provisioning: {} → {}",
                seconds(Some(&base.provisioning)),
                seconds(Some(&head.provisioning))
            ),
            head.provisioning.span,
        ));
    }
    let new_ignores: Vec<&String> = head
        .ignore
        .iter()
        .filter(|g| !base.ignore.contains(g))
        .collect();
    if !new_ignores.is_empty() {
        let files = infrastructure_at_base();
        for g in new_ignores {
            let Some(m) = crate::plan::model::checked_glob(g, true)
                .ok()
                .and_then(crate::plan::model::glob_matcher)
            else {
                continue;
            };
            let covered: Vec<&String> = files.iter().filter(|f| m.is_match(f.as_str())).collect();
            if let Some(first) = covered.first() {
                out.push(global(
                    &format!("ignore:{g}"),
                    format!(
                        "the plan's new ignore glob `{g}` covers {} infrastructure file{} ({first}{})",
                        covered.len(),
                        if covered.len() == 1 { "" } else { "s" },
                        if covered.len() > 1 { ", …" } else { "" }
                    ),
                    Span::default(),
                ));
            }
        }
    }
    let codes: std::collections::BTreeSet<&String> =
        base.rules.keys().chain(head.rules.keys()).collect();
    for code in codes {
        let Some(rule) = super::find(code) else {
            continue;
        };
        let (b, h) = (
            base.severity(code, rule.severity()),
            head.severity(code, rule.severity()),
        );
        if h < b {
            let show = |s: Option<Severity>| s.map_or("off", Severity::as_str);
            out.push(global(
                &format!("rules:{code}"),
                format!(
                    "the plan lowers {code}'s severity: {} → {}",
                    show(b),
                    show(h)
                ),
                head.rules.get(code).map_or(Span::default(), |s| s.span),
            ));
        }
    }
    for w in head.waivers.iter().filter(|w| !base.waivers.contains(w)) {
        out.push(Found {
            plan: head,
            side: Side::Head,
            service: Some(w.service.clone()),
            what: format!("waiver:{}:{}", w.rule, w.resource.as_deref().unwrap_or("*")),
            message: format!(
                "the plan adds a waiver of {} for {} ({})",
                w.rule, w.service, w.reason
            ),
            span: w.span,
        });
    }
    out.into_iter().map(Found::violation).collect()
}
