//! Scope: which services a changed file, a resource or a plan edit
//! belongs to, at one side (DESIGN §1.5 "Affected").

use super::cache::{ParseCache, Parsed, SourceStore};
use super::side::SideCtx;
use super::{Gathered, Inputs, NEW, Sides};
use crate::facts::{self, ServiceFacts};
use crate::plan::model::{Matcher, Plan, Service};
use crate::readers::{self, FileKind, Resource};
use crate::source::{Change, EntryKind, Side};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Whether a resource matches a service's content selectors.
pub(crate) fn content_match(service: &Service, r: &Resource) -> bool {
    service.matchers.iter().any(|m| match m {
        Matcher::Kubernetes { namespace, labels } => {
            r.file_kind == FileKind::Kubernetes
                && namespace.as_ref().is_none_or(|ns| {
                    r.namespace.as_deref() == Some(ns.as_str())
                        || (r.kind == "Namespace" && &r.name == ns)
                })
                && readers::kubernetes::labels_match(r, labels)
        }
        Matcher::Terraform { patterns, set } => {
            let selected = |a: &str| readers::terraform::address_selected(patterns, set, a);
            r.file_kind == FileKind::Terraform
                && (selected(&r.address)
                    // A `moved` block belongs to the service of what it moves.
                    || readers::terraform::moved_pair(r)
                        .is_some_and(|(from, to)| selected(&from) || selected(&to)))
        }
        Matcher::Catalog(entity) => r.file_kind == FileKind::Catalog && &catalog_ref(r) == entity,
        Matcher::Resources { set, .. } => set.is_match(&r.address),
        Matcher::Paths { .. } => false,
    })
}

/// A catalog resource's normalised ref.
pub(crate) fn catalog_ref(r: &Resource) -> String {
    crate::plan::load::normalise_entity_ref(
        &format!(
            "{}:{}/{}",
            r.kind,
            r.namespace.as_deref().unwrap_or("default"),
            r.name
        ),
        "component",
    )
}

/// Whether a path is a Backstage entity file by the convention
/// (`catalog-info.yaml`, `catalog-info.prod.yml`, …).
pub(crate) fn is_catalog_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.starts_with("catalog-info") && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// Services that hard-depend on another through a Backstage entity's
/// `spec.dependsOn`, by dependency: `dependency → dependents`. Only when the
/// plan names entities (`catalog:` selectors), and read from the side's
/// `catalog-info*.yaml` files (one listing of the side, cached; each file
/// parsed once per blob).
pub(crate) fn catalog_dependents(
    ctx: &mut SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    out: &mut HashMap<String, BTreeSet<String>>,
) {
    let named = |s: &Service, entity: &str| {
        s.matchers
            .iter()
            .any(|m| matches!(m, Matcher::Catalog(c) if c.eq_ignore_ascii_case(entity)))
    };
    let catalog_services: Vec<&Service> = ctx
        .plan
        .services
        .values()
        .filter(|s| s.matchers.iter().any(|m| matches!(m, Matcher::Catalog(_))))
        .collect();
    if catalog_services.is_empty() {
        return;
    }
    let tree = ctx.tree;
    let files: Vec<String> = ctx
        .all_files
        .get_or_insert_with(|| {
            tree.list_under("")
                .into_iter()
                .filter(|p| is_infra_path(p))
                .collect()
        })
        .iter()
        .filter(|p| is_catalog_file(p) && !ctx.plan.is_ignored(p))
        .cloned()
        .collect();
    for path in files {
        let Some(read) = ctx.file(cache, sources, &path) else {
            continue;
        };
        for r in read
            .resources
            .iter()
            .filter(|r| r.file_kind == FileKind::Catalog)
        {
            let entity = catalog_ref(r);
            let owners: Vec<&Service> = catalog_services
                .iter()
                .copied()
                .filter(|s| named(s, &entity))
                .collect();
            if owners.is_empty() {
                continue;
            }
            // The entity's `spec.dependsOn`, read as the service's facts read it.
            let mut deps = ServiceFacts::default();
            facts::catalog::extract(ctx.side, std::slice::from_ref(r), &mut deps);
            for (dep, _) in &deps.depends_on {
                for target in catalog_services.iter().filter(|s| named(s, dep)) {
                    for owner in &owners {
                        let soft = owner
                            .depends_on
                            .iter()
                            .any(|d| d.soft && d.service.value == target.name);
                        if owner.name != target.name && !soft {
                            out.entry(target.name.clone())
                                .or_default()
                                .insert(owner.name.clone());
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn path_match(service: &Service, path: &str) -> bool {
    service.matchers.iter().any(|m| match m {
        Matcher::Paths { set, .. } => set.is_match(path),
        _ => false,
    })
}

pub(crate) fn has_content_selectors(service: &Service) -> bool {
    service
        .matchers
        .iter()
        .any(|m| !matches!(m, Matcher::Paths { .. }))
}

/// Which services a path or a resource can belong to, built once per plan so
/// a changed file is tested against the few services whose `paths` globs
/// could match it (by literal prefix) and the services with content
/// selectors, not against every service of the plan.
pub(crate) struct PlanIndex<'p> {
    /// Services by the literal prefix of each of their `paths` globs.
    pub(crate) by_prefix: HashMap<String, Vec<&'p Service>>,
    /// Services with content selectors.
    pub(crate) by_content: Vec<&'p Service>,
    /// Direct hard dependents of each service.
    pub(crate) dependents: HashMap<&'p str, Vec<&'p str>>,
}

impl<'p> PlanIndex<'p> {
    pub(crate) fn new(plan: &'p Plan) -> PlanIndex<'p> {
        let mut by_prefix: HashMap<String, Vec<&'p Service>> = HashMap::new();
        let mut dependents: HashMap<&'p str, Vec<&'p str>> = HashMap::new();
        for s in plan.services.values() {
            for m in &s.matchers {
                if let Matcher::Paths { patterns, .. } = m {
                    for p in patterns {
                        // An escaped character hides the real prefix: test everywhere.
                        let prefix = if p.contains('\\') {
                            String::new()
                        } else {
                            crate::plan::load::literal_prefix(p)
                        };
                        let list = by_prefix.entry(prefix).or_default();
                        if !list.iter().any(|x| x.name == s.name) {
                            list.push(s);
                        }
                    }
                }
            }
            for d in s.depends_on.iter().filter(|d| !d.soft) {
                dependents
                    .entry(d.service.value.as_str())
                    .or_default()
                    .push(s.name.as_str());
            }
        }
        PlanIndex {
            by_prefix,
            by_content: plan
                .services
                .values()
                .filter(|s| has_content_selectors(s))
                .collect(),
            dependents,
        }
    }

    /// Services whose `paths` could match `path`: those with a prefix that is
    /// `path` itself, or one of its folders, or empty.
    pub(crate) fn path_candidates<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = &'p Service> + 'a {
        let folders = std::iter::once(0)
            .chain(path.match_indices('/').map(|(i, _)| i + 1))
            .map(|end| &path[..end]);
        folders
            .chain(std::iter::once(path))
            .filter_map(|prefix| self.by_prefix.get(prefix))
            .flatten()
            .copied()
    }

    /// Services that hard-depend on `name`, directly or through others
    /// (the same set as [`Plan::hard_dependents`], without a scan per step).
    pub(crate) fn hard_dependents(&self, name: &str) -> BTreeSet<&'p str> {
        let mut out: BTreeSet<&'p str> = BTreeSet::new();
        let mut todo: Vec<&str> = vec![name];
        while let Some(n) = todo.pop() {
            for d in self.dependents.get(n).into_iter().flatten() {
                if *d != name && out.insert(d) {
                    todo.push(d);
                }
            }
        }
        out
    }
}

/// The services a file belongs to at one side.
pub(crate) fn services_of_file(
    plan: &Plan,
    index: &PlanIndex,
    path: &str,
    read: Option<&Parsed>,
) -> BTreeSet<String> {
    services_of_resources(plan, index, path, read, None)
}

/// [`services_of_file`], with content selectors applied only to the
/// resources `changed` marks (DESIGN §1.5: in a multi-document YAML or a
/// `.tf` file only the services of the documents or blocks that changed are
/// touched). `paths` still match the whole file.
pub(crate) fn services_of_resources(
    plan: &Plan,
    index: &PlanIndex,
    path: &str,
    read: Option<&Parsed>,
    changed: Option<&[bool]>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if plan.is_ignored(path) {
        return out;
    }
    for s in index.path_candidates(path) {
        if path_match(s, path) {
            out.insert(s.name.clone());
        }
    }
    if let Some(r) = read
        && !r.resources.is_empty()
    {
        let counts = |i: usize| changed.is_none_or(|c| c.get(i).copied().unwrap_or(true));
        for s in &index.by_content {
            if r.resources
                .iter()
                .enumerate()
                .any(|(i, res)| counts(i) && content_match(s, res))
            {
                out.insert(s.name.clone());
            }
        }
    }
    out
}

/// The services owning the Terraform resources next to a `.tf`/`.tfvars`
/// file that declares none itself (variables, locals, tfvars): its values
/// feed theirs. A file with resources of its own maps by them (else CG002).
pub(crate) fn terraform_neighbours(
    ctx: &SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    path: &str,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let declares = |read: &Parsed| {
        read.resources
            .iter()
            .any(|r| !readers::terraform::HELPER_KINDS.contains(&r.kind.as_str()))
    };
    if ctx.plan.is_ignored(path) || ctx.file(cache, sources, path).is_some_and(|r| declares(&r)) {
        return out;
    }
    for sibling in readers::terraform::module_siblings(path, |d| ctx.tree.list_under(d)) {
        if let Some(read) = ctx.file(cache, sources, &sibling) {
            for s in ctx.plan.services.values() {
                if read.resources.iter().any(|r| content_match(s, r)) {
                    out.insert(s.name.clone());
                }
            }
        }
    }
    out
}

pub(crate) fn is_infra_path(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".yaml") || l.ends_with(".yml") || l.ends_with(".tf") || l.ends_with(".json")
}

/// The files a service's `paths` selectors match at one side.
pub(crate) fn path_files(ctx: &SideCtx, service: &Service) -> BTreeSet<String> {
    let mut files: BTreeSet<String> = BTreeSet::new();
    for m in &service.matchers {
        if let Matcher::Paths { set, prefixes, .. } = m {
            for prefix in prefixes {
                for p in ctx.tree.list_under(prefix) {
                    if set.is_match(&p) && !ctx.plan.is_ignored(&p) {
                        files.insert(p);
                    }
                }
            }
        }
    }
    files
}

/// The services a changed file belongs to at one side: by `paths` and
/// content selectors, else through the Terraform resources beside it.
fn services_at(
    sides: &Sides,
    side: Side,
    path: &str,
    read: Option<&Parsed>,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
) -> BTreeSet<String> {
    let ctx = sides.side(side);
    let found = services_of_file(ctx.plan, sides.index(side), path, read);
    if found.is_empty() {
        terraform_neighbours(ctx, cache, sources, path)
    } else {
        found
    }
}

/// Step 1 for one changed file (DESIGN §1.5 "Affected"): the services it
/// touches at either side, and CG001, CG002 and CG004 for it.
pub(crate) fn map_change(
    change: &Change,
    inputs: &Inputs,
    sides: &mut Sides,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    got: &mut Gathered,
) {
    let mut at_base = BTreeSet::new();
    if let Some(p) = &change.old_path
        && matches!(sides.base.tree.kind(p), Some(EntryKind::File) | None)
    {
        let read = sides.base.file(cache, sources, p);
        at_base = services_at(sides, Side::Base, p, read.as_deref(), cache, sources);
    }
    let mut mapped = at_base.clone();
    let mut head_read = None;
    let mut at_head = BTreeSet::new();
    if let Some(p) = &change.new_path {
        head_read = sides.head.file(cache, sources, p);
        say_unread(&sides.head, p, head_read.as_deref(), &mut got.notes);
        at_head = services_at(sides, Side::Head, p, head_read.as_deref(), cache, sources);
        unreadable_at_head(&sides.head, p, &at_head, head_read.as_deref(), got);
        mapped.extend(at_head.iter().cloned());
        let read = head_read.as_deref();
        let why = super::side::not_assessed(sides.head.tree, p, read).or_else(|| {
            read.and_then(|r| super::side::unevaluable_calls(&sides.head, cache, sources, r))
        });
        not_assessed_at_head(&sides.head, p, &mapped, why, got);
    }
    let touched = touched(change, &mapped, head_read.as_deref(), sides, cache, sources);
    // Unmapped at head: a new file, or one moved (or edited) out of every
    // service it belonged to at base (DESIGN §1.5: CG002 names the move).
    if at_head.is_empty() {
        unmapped(change, head_read, &at_base, inputs, sides, got);
    }
    got.affected.extend(touched);
}

/// Notes for a changed head path the tool does not read (a link, a
/// submodule) or reads with reservations; nothing for ignored paths.
fn say_unread(head: &SideCtx, path: &str, read: Option<&Parsed>, notes: &mut Vec<String>) {
    if head.plan.is_ignored(path) {
        return;
    }
    match head.tree.kind(path) {
        Some(EntryKind::Symlink) => notes.push(format!("{path}: symbolic link, not followed")),
        Some(EntryKind::Submodule) => notes.push(format!("{path}: submodule, not read")),
        _ => {}
    }
    if let Some(r) = read {
        notes.extend(r.read.notes.iter().cloned());
    }
}

/// CG001: a changed file that cannot be read at head, for each service it
/// maps to (an unmapped `.tf` file too: it may hold anyone's resources).
fn unreadable_at_head(
    head: &SideCtx,
    path: &str,
    services: &BTreeSet<String>,
    read: Option<&Parsed>,
    got: &mut Gathered,
) {
    let Some((message, span)) = read.and_then(|r| r.read.error.as_ref()) else {
        return;
    };
    got.unreadable.insert(path.to_string());
    let owners: Vec<Option<String>> = if !services.is_empty() {
        services.iter().cloned().map(Some).collect()
    } else if path.ends_with(".tf") && !head.plan.is_ignored(path) {
        vec![None]
    } else {
        vec![]
    };
    for service in owners {
        let v = crate::rules::cg001_unreadable_file::violation(path, message, *span, service);
        got.violations.push((v, NEW));
    }
}

/// CG004: fail closed on a changed, mapped file that cannot be assessed.
/// What the file held at base may still be there: no change rule calls it
/// removed (as for CG001).
fn not_assessed_at_head(
    head: &SideCtx,
    path: &str,
    services: &BTreeSet<String>,
    why: Option<String>,
    got: &mut Gathered,
) {
    let Some(why) = why else {
        return;
    };
    if head.plan.is_ignored(path) {
        return;
    }
    got.unreadable.insert(path.to_string());
    for service in services {
        let v = crate::rules::cg004_not_assessed::violation(path, &why, service);
        got.violations.push((v, NEW));
    }
}

/// The services a change touches: for a YAML file read at both sides,
/// content selectors count only the documents that differ between them. (A
/// `.tf` file's blocks are built with variables and locals from the whole
/// folder: it is touched as a whole.)
fn touched(
    change: &Change,
    mapped: &BTreeSet<String>,
    head_read: Option<&Parsed>,
    sides: &Sides,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
) -> BTreeSet<String> {
    let yaml = |p: &str| p.ends_with(".yaml") || p.ends_with(".yml");
    let (Some(old), Some(new)) = (&change.old_path, &change.new_path) else {
        return mapped.clone();
    };
    if !(yaml(old) && yaml(new)) {
        return mapped.clone();
    }
    let base_read = sides.base.file(cache, sources, old);
    match (base_read.as_deref(), head_read) {
        (Some(b), Some(h))
            if b.read.error.is_none()
                && h.read.error.is_none()
                && !h.resources.is_empty()
                && !b.resources.is_empty() =>
        {
            let (bm, hm) = super::compare::changed_resources(&b.resources, &h.resources);
            let (bi, hi) = (sides.index(Side::Base), sides.index(Side::Head));
            let mut t = services_of_resources(sides.base.plan, bi, old, Some(b), Some(&bm));
            t.extend(services_of_resources(
                sides.head.plan,
                hi,
                new,
                Some(h),
                Some(&hm),
            ));
            t
        }
        _ => mapped.clone(),
    }
}

/// CG002: an added or modified infrastructure file no service maps at
/// head (a deleted file is no finding; the plan itself is none), naming
/// the services it belonged to at base when it moved out of them.
fn unmapped(
    change: &Change,
    head_read: Option<Arc<Parsed>>,
    at_base: &BTreeSet<String>,
    inputs: &Inputs,
    sides: &Sides,
    got: &mut Gathered,
) {
    let plans = [
        inputs.head_plan.path.as_ref(),
        inputs.base_plan.path.as_ref(),
    ];
    let (Some(path), Some(read)) = (&change.new_path, head_read) else {
        return;
    };
    if plans.contains(&change.path()) || plans.contains(&path.as_str()) {
        return;
    }
    if read.read.infrastructure && read.read.error.is_none() && !sides.head.plan.is_ignored(path) {
        let kinds: BTreeSet<&str> = read.resources.iter().map(|r| r.kind.as_str()).collect();
        let v = crate::rules::cg002_unmapped_change::violation(path, &kinds, at_base);
        got.violations.push((v, NEW));
    }
}

/// Step 2 (DESIGN §1.5 "Affected"): plan edits affect the services whose
/// entries changed (all of them when a plan-wide key changed: rules,
/// ignore, freezes, timezone; a waiver's service), and a changed recovery
/// plan document its service (CG403). CG407's relaxations are findings.
pub(crate) fn plan_edits(inputs: &Inputs, got: &mut Gathered) {
    for v in inputs.relaxations {
        got.affected.extend(v.service.clone());
        got.violations.push((v.clone(), NEW));
    }
    let (bp, hp) = (inputs.base_plan, inputs.head_plan);
    let same_plan = std::ptr::eq(bp, hp);
    let names: BTreeSet<&String> = bp.services.keys().chain(hp.services.keys()).collect();
    if !same_plan {
        for name in &names {
            if bp.services.get(*name) != hp.services.get(*name) {
                got.affected.insert((*name).clone());
            }
        }
        if bp.rules != hp.rules
            || bp.ignore != hp.ignore
            || bp.freezes != hp.freezes
            || bp.timezone != hp.timezone
        {
            got.affected.extend(names.iter().map(|n| (*n).clone()));
        }
        let added = hp.waivers.iter().filter(|w| !bp.waivers.contains(w));
        let removed = bp.waivers.iter().filter(|w| !hp.waivers.contains(w));
        got.affected
            .extend(added.chain(removed).map(|w| w.service.clone()));
    }
    let mut documents: HashMap<&str, Vec<&str>> = HashMap::new();
    let plans: &[&Plan] = if same_plan { &[bp] } else { &[bp, hp] };
    for s in plans.iter().flat_map(|p| p.services.values()) {
        if let Some(d) = &s.recovery_plan {
            documents
                .entry(d.value.trim_start_matches("./").trim_matches('/'))
                .or_default()
                .push(s.name.as_str());
        }
    }
    for change in &inputs.changes.changes {
        for path in change.old_path.iter().chain(change.new_path.iter()) {
            for name in documents.get(path.as_str()).into_iter().flatten() {
                got.affected.insert((*name).to_string());
            }
        }
    }
}

/// Step 3: hard dependents of the affected services, transitively, at
/// either side: through the plan's `depends_on` and, when the plan names
/// Backstage entities, through their `spec.dependsOn` (DESIGN §2).
pub(crate) fn close_over_dependents(
    sides: &mut Sides,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    affected: &mut BTreeSet<String>,
) {
    let mut by_catalog: HashMap<String, BTreeSet<String>> = HashMap::new();
    if !affected.is_empty() {
        catalog_dependents(&mut sides.base, cache, sources, &mut by_catalog);
        catalog_dependents(&mut sides.head, cache, sources, &mut by_catalog);
    }
    let mut todo: Vec<String> = affected.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let mut next: BTreeSet<String> = BTreeSet::new();
        for side in [Side::Base, Side::Head] {
            next.extend(
                sides
                    .index(side)
                    .hard_dependents(&name)
                    .into_iter()
                    .map(String::from),
            );
        }
        next.extend(by_catalog.get(&name).into_iter().flatten().cloned());
        for n in next {
            if affected.insert(n.clone()) {
                todo.push(n);
            }
        }
    }
}
