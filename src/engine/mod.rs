//! The engine (DESIGN §1.5, §7), shared by `check`, `status` and `report`:
//!
//! - [`cache`]: files parsed once per blob, and the texts findings point into;
//! - [`scope`]: which services a changed file, a resource or a plan edit
//!   belongs to (affected services);
//! - [`side`]: a service's resources and facts at one side;
//! - [`compare`]: which base resource is which head resource, and the state
//!   of each finding (introduced, worsened, existing, newly in scope,
//!   resolved);
//! - [`judge`]: severity overrides, waivers and inline suppressions.
//!
//! [`run`] strings them together for one change.

pub mod cache;
pub mod compare;
pub mod judge;
pub mod scope;
pub mod side;

pub use cache::{ParseCache, SourceStore};
pub use compare::State;
pub use side::{SideOutcome, SideService, evaluate_side};

use crate::facts::ServiceFacts;
use crate::plan::model::{Plan, Service, Severity};
use crate::readers::Span;
use crate::rules::{RULES, ServiceChange, ServiceView, Violation};
use crate::source::{ChangeSet, Side, Tree};
use compare::{Compared, Judged, JudgedViolations, first_word};
use scope::PlanIndex;
use side::SideCtx;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A finding as reported: a violation with its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Rule code.
    pub rule: &'static str,
    /// Rule name.
    pub name: &'static str,
    /// Severity after overrides.
    pub severity: Severity,
    /// New in this change: introduced or worsened (the state that blocks).
    pub introduced: bool,
    /// Introduced, worsened, existing, newly in scope or resolved (DESIGN §1.5).
    pub state: State,
    /// How bad, in the rule's unit (DESIGN §1.5).
    pub measure: u64,
    /// The measure of the same violation at base, when it was there.
    pub base_measure: Option<u64>,
    /// Waived by the plan or suppressed inline.
    pub waived: bool,
    /// Why it is waived (the waiver's reason or the inline comment).
    pub waived_by: Option<String>,
    /// The service.
    pub service: Option<String>,
    /// The identity's subject.
    pub subject: String,
    /// Message.
    pub message: String,
    /// Help.
    pub help: Option<String>,
    /// Where.
    pub location: Location,
    /// Related places.
    pub secondary: Vec<(Location, String)>,
}

/// A resolved location.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Side.
    pub side: Side,
    /// Path.
    pub path: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Bytes.
    pub span: Span,
}

/// The facts of a service at both sides, for the reports.
#[derive(Clone, Debug)]
pub struct ServiceState {
    /// Name.
    pub name: String,
    /// The plan entry at head (else base).
    pub service: Service,
    /// Whether the change affects it.
    pub affected: bool,
    /// Facts at base, if the service exists there.
    pub base: Option<ServiceFacts>,
    /// Facts at head.
    pub head: Option<ServiceFacts>,
}

/// What the engine found.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Services (affected ones, or all).
    pub services: Vec<ServiceState>,
    /// Notes for the user (skipped templates, unknown values, …).
    pub notes: Vec<String>,
    /// File texts for rendering.
    pub sources: SourceStore,
    /// The day the check was made for (backup gaps in the reports start there).
    pub as_of: jiff::civil::Date,
}

/// What the engine needs.
pub struct Inputs<'a> {
    /// Base tree.
    pub base: &'a dyn Tree,
    /// Head tree.
    pub head: &'a dyn Tree,
    /// Changes between them.
    pub changes: &'a ChangeSet,
    /// Plan at base.
    pub base_plan: &'a Plan,
    /// Plan at head.
    pub head_plan: &'a Plan,
    /// The day of the check.
    pub as_of: jiff::civil::Date,
    /// List every service, not only affected ones.
    pub all: bool,
    /// The day of the change (see [`ServiceChange::change_date`]).
    pub change_date: jiff::civil::Date,
    /// How the change relaxes its own plan (CG407, computed from the plans
    /// as written, also when `--strict` judges with a stricter head plan).
    pub relaxations: &'a [Violation],
    /// `--strict`: an inline suppression the change adds does not apply to it.
    pub strict: bool,
}

/// Both sides of a change as the engine reads them, with their plans' indexes.
pub(crate) struct Sides<'a> {
    /// The base side.
    pub(crate) base: SideCtx<'a>,
    /// The head side.
    pub(crate) head: SideCtx<'a>,
    base_index: PlanIndex<'a>,
    /// `None` when the plan is the same blob at both sides (one `Arc`): one index.
    head_index: Option<PlanIndex<'a>>,
}

impl<'a> Sides<'a> {
    fn new(inputs: &Inputs<'a>) -> Sides<'a> {
        let same_plan = std::ptr::eq(inputs.base_plan, inputs.head_plan);
        let changed = |f: fn(&crate::source::Change) -> Option<&String>| {
            inputs
                .changes
                .changes
                .iter()
                .filter_map(f)
                .cloned()
                .collect()
        };
        Sides {
            base: SideCtx::new(Side::Base, inputs.base, inputs.base_plan)
                .with_changed(changed(|c| c.old_path.as_ref())),
            head: SideCtx::new(Side::Head, inputs.head, inputs.head_plan)
                .with_changed(changed(|c| c.new_path.as_ref())),
            base_index: PlanIndex::new(inputs.base_plan),
            head_index: (!same_plan).then(|| PlanIndex::new(inputs.head_plan)),
        }
    }

    /// The plan index of one side.
    pub(crate) fn index(&self, side: Side) -> &PlanIndex<'a> {
        match side {
            Side::Base => &self.base_index,
            Side::Head => self.head_index.as_ref().unwrap_or(&self.base_index),
        }
    }

    /// One side.
    pub(crate) fn side(&self, side: Side) -> &SideCtx<'a> {
        match side {
            Side::Base => &self.base,
            Side::Head => &self.head,
        }
    }
}

/// What the steps of a run gather.
#[derive(Default)]
pub(crate) struct Gathered {
    /// Violations with their states (change rules: introduced).
    pub(crate) violations: JudgedViolations,
    /// Base violations the change resolved.
    pub(crate) resolved: JudgedViolations,
    /// Notes for the user.
    pub(crate) notes: Vec<String>,
    /// The services the change touches (then their hard dependents).
    pub(crate) affected: BTreeSet<String>,
    /// Changed files that cannot be read or assessed at head (CG001, CG004):
    /// what they held is unknown there, never "removed" nor "resolved".
    pub(crate) unreadable: BTreeSet<String>,
    /// The services assessed, with their facts.
    pub(crate) services: Vec<ServiceState>,
}

/// A violation's state when a change rule or a per-file rule finds it.
pub(crate) const NEW: Judged = (State::Introduced, None);

/// Runs the check (DESIGN §1.5): changed files and plan edits → affected
/// services and their hard dependents → facts and rules at both sides →
/// states → verdicts.
pub fn run(inputs: &Inputs, cache: &mut ParseCache) -> Outcome {
    let mut sources = SourceStore::default();
    for (side, plan) in [
        (Side::Base, inputs.base_plan),
        (Side::Head, inputs.head_plan),
    ] {
        sources.insert(side, plan.path.clone(), plan.text.clone());
    }
    let mut sides = Sides::new(inputs);
    let mut got = Gathered::default();
    for change in &inputs.changes.changes {
        scope::map_change(change, inputs, &mut sides, cache, &mut sources, &mut got);
    }
    scope::plan_edits(inputs, &mut got);
    scope::close_over_dependents(&mut sides, cache, &mut sources, &mut got.affected);
    if !inputs.all {
        side::prefetch(
            [&sides.base, &sides.head],
            cache,
            got.affected.iter().cloned(),
        );
    }
    let names: BTreeSet<&String> = (inputs.base_plan.services.keys())
        .chain(inputs.head_plan.services.keys())
        .collect();
    for name in names {
        assess_service(name, inputs, &mut sides, cache, &mut sources, &mut got);
    }
    let findings = judge::verdicts(
        std::mem::take(&mut got.resolved),
        std::mem::take(&mut got.violations),
        inputs,
        &sources,
    );
    got.notes.sort();
    got.notes.dedup();
    Outcome {
        findings,
        services: got.services,
        notes: got.notes,
        sources,
        as_of: inputs.as_of,
    }
}

/// Index of the base side in [`Both`]'s arrays.
const BASE: usize = 0;
/// Index of the head side in [`Both`]'s arrays.
const HEAD: usize = 1;

/// One service's plan entries and facts at both sides.
struct Both<'v> {
    plans: [&'v Plan; 2],
    services: [Option<&'v Service>; 2],
    facts: [Option<ServiceFacts>; 2],
    empty: ServiceFacts,
    as_of: jiff::civil::Date,
    exists: [&'v dyn Fn(&str) -> bool; 2],
}

impl Both<'_> {
    /// The plan entry of side `entry` over the facts of side `facts` (base
    /// facts against head targets: what "worsened" compares with).
    fn view(&self, entry: usize, facts: usize) -> Option<ServiceView<'_>> {
        Some(ServiceView {
            service: self.services[entry]?,
            plan: self.plans[entry],
            facts: self.facts[facts].as_ref().unwrap_or(&self.empty),
            side: if facts == BASE {
                Side::Base
            } else {
                Side::Head
            },
            as_of: self.as_of,
            file_exists: self.exists[facts],
        })
    }

    fn facts(&self, side: usize) -> &ServiceFacts {
        self.facts[side].as_ref().unwrap_or(&self.empty)
    }
}

/// Step 4 for one service of either plan, when the change affects it (or
/// `--all`): its facts at both sides, the state rules compared across the
/// sides, and the change rules.
fn assess_service(
    name: &str,
    inputs: &Inputs,
    sides: &mut Sides,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    got: &mut Gathered,
) {
    let (bp, hp) = (inputs.base_plan, inputs.head_plan);
    let affected = got.affected.contains(name);
    // CG405 too only for services the change affects (DESIGN §4).
    if !affected && !inputs.all {
        return;
    }
    let (bs, hs) = (bp.services.get(name), hp.services.get(name));
    let mut facts = |ctx: &mut SideCtx, s: Option<&Service>| {
        s.map(|s| side::service_facts(ctx, cache, sources, s))
    };
    let bf = facts(&mut sides.base, bs);
    let hf = facts(&mut sides.head, hs);
    let orphans = match (bs, hs) {
        (Some(s), None) => side::orphans(s, &mut sides.head, cache, sources),
        _ => Vec::new(),
    };
    // Values the facts could not know (unresolved expressions) are said, at head.
    if let Some(f) = &hf {
        got.notes
            .extend(f.notes.iter().map(|n| format!("{name}: {n}")));
    }
    let base_exists = |p: &str| side::path_exists(inputs.base, p);
    let head_exists = |p: &str| side::path_exists(inputs.head, p);
    let both = Both {
        plans: [bp, hp],
        services: [bs, hs],
        facts: [bf, hf],
        empty: ServiceFacts::default(),
        as_of: inputs.as_of,
        exists: [&base_exists, &head_exists],
    };
    compare_sides(&both, inputs, sides, cache, sources, got);
    change_rules(&both, name, orphans, inputs, sides, cache, sources, got);
    let [bf, hf] = both.facts;
    if let Some(service) = hs.or(bs) {
        got.services.push(ServiceState {
            name: name.to_string(),
            service: service.clone(),
            affected,
            base: bf,
            head: hf,
        });
    }
}

/// The state rules at base (base targets), at head, and on the base facts
/// against the head targets; head notes are said.
fn state_rules(both: &Both, notes: &mut Vec<String>) -> [Vec<Violation>; 3] {
    let (mut at_base, mut at_head, mut counter) = (Vec::new(), Vec::new(), Vec::new());
    for rule in RULES {
        if let Some(v) = both.view(BASE, BASE) {
            rule.check(&v, &mut at_base);
        }
        if let Some(v) = both.view(HEAD, HEAD) {
            let first = at_head.len();
            rule.check(&v, &mut at_head);
            side::label_module_arguments(&mut at_head[first..], v.facts);
            rule.notes(&v, notes);
            if both.services[BASE].is_some()
                && let Some(v) = both.view(HEAD, BASE)
            {
                rule.check(&v, &mut counter);
            }
        }
    }
    [at_base, at_head, counter]
}

/// The state rules of one service compared across the sides (DESIGN §1.5):
/// head violations with their states, and the base violations resolved.
fn compare_sides(
    both: &Both,
    inputs: &Inputs,
    sides: &Sides,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    got: &mut Gathered,
) {
    let [at_base, at_head, counter] = state_rules(both, &mut got.notes);
    let bp = inputs.base_plan;
    let compared = Compared {
        base: both.facts(BASE),
        head: both.facts(HEAD),
        // The plan did not exist at base: adopting the tool blocks nothing.
        no_base_plan: bp.text.is_empty() && bp.services.is_empty(),
        head_has_service: both.services[HEAD].is_some(),
    };
    let outsiders = compared.unchanged_outsiders(&sides.base, cache, sources);
    let (judged, resolved) = compared.states(at_base, at_head, counter, &outsiders);
    got.violations.extend(judged);
    for (v, state) in resolved {
        // A file that cannot be read or assessed at head resolves nothing.
        if !got.unreadable.contains(v.primary.path.as_ref())
            && !compared.not_resolved(first_word(&v.subject), &sides.head, cache, sources)
        {
            got.resolved.push((v, state));
        }
    }
}

/// The change rules of one service (DESIGN §1.5); what a base file held is
/// not called removed when that file cannot be assessed at head: changed
/// (CG001/CG004), or an input of a kustomize build that does not build.
#[allow(clippy::too_many_arguments)]
fn change_rules(
    both: &Both,
    name: &str,
    orphans: Vec<Arc<crate::readers::Resource>>,
    inputs: &Inputs,
    sides: &Sides,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    got: &mut Gathered,
) {
    let change = ServiceChange {
        name,
        base: both.view(BASE, BASE),
        head: both.view(HEAD, HEAD),
        change_date: inputs.change_date,
        orphans,
    };
    let mut out = Vec::new();
    for rule in RULES {
        rule.check_change(&change, &mut out);
    }
    out.retain(|v| {
        v.primary.side != Side::Base
            || !(got.unreadable.contains(v.primary.path.as_ref())
                || sides
                    .head
                    .file(cache, sources, &v.primary.path)
                    .is_some_and(|r| r.read.not_assessed.is_some()))
    });
    got.violations.extend(out.into_iter().map(|v| (v, NEW)));
}

/// Groups findings by service name (unmapped under `None`).
pub fn by_service(findings: &[Finding]) -> BTreeMap<Option<&str>, Vec<&Finding>> {
    let mut map: BTreeMap<Option<&str>, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        map.entry(f.service.as_deref()).or_default().push(f);
    }
    map
}
