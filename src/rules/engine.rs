//! The engine (DESIGN §1.5): affected services, their facts at both sides,
//! state rules at base and head, change rules, introduced vs existing,
//! waivers, inline suppressions and severity overrides.

use super::{RULES, ServiceChange, ServiceView, Violation};
use crate::engine::compare;
pub use crate::engine::compare::State;
use crate::facts::{self, Loc, ServiceFacts};
use crate::plan::model::{Matcher, Plan, Service, Severity};
use crate::readers::{self, FileKind, FileRead, Resource, Span};
use crate::source::{ChangeSet, EntryKind, Side, Tree};
use std::collections::{BTreeMap, BTreeSet, HashMap};
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

/// Texts of the files findings point into, by side and path.
#[derive(Clone, Debug, Default)]
pub struct SourceStore {
    texts: HashMap<(Side, Arc<str>), IndexedText>,
}

/// A file's text and the byte offset where each of its lines starts.
type IndexedText = (Arc<str>, Arc<[usize]>);

/// Byte offsets where each line starts.
fn line_starts(text: &str) -> Arc<[usize]> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

impl SourceStore {
    /// The text of a file at a side.
    pub fn text(&self, side: Side, path: &str) -> Option<&Arc<str>> {
        self.texts.get(&(side, Arc::from(path))).map(|(t, _)| t)
    }

    fn text_and_lines(&self, side: Side, path: &Arc<str>) -> Option<&IndexedText> {
        self.texts.get(&(side, path.clone()))
    }

    fn insert(&mut self, side: Side, path: Arc<str>, text: Arc<str>) {
        let lines = line_starts(&text);
        self.texts.insert((side, path), (text, lines));
    }

    fn locate(&self, loc: &Loc) -> Location {
        // A line index per file: plans of thousands of services get hundreds
        // of findings, and scanning from the top for each was quadratic.
        let (line, column) =
            self.text_and_lines(loc.side, &loc.path)
                .map_or((1, 1), |(t, starts)| {
                    let offset = loc.span.start.min(t.len());
                    let index = starts.partition_point(|&s| s <= offset).saturating_sub(1);
                    let start = starts.get(index).copied().unwrap_or(0);
                    let column = t.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
                    (index + 1, column)
                });
        Location {
            side: loc.side,
            path: loc.path.clone(),
            line,
            column,
            span: loc.span,
        }
    }

    /// The inline suppression of `code` on a line of a file, or the line above.
    fn suppression(&self, location: &Location, code: &str) -> Option<Suppression> {
        let (text, starts) = self.text_and_lines(location.side, &location.path)?;
        inline_suppression_at(text, starts, location.line, code)
    }
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

/// A file as read, its resources shared: every service and side that uses a
/// resource gets the same one instead of a copy of its tree. `read.resources`
/// is empty (they moved to `resources`), which is why there is no `Deref` to
/// [`FileRead`]: every use says which of the two it means.
struct Parsed {
    /// What the reader said; its `resources` are moved to [`Parsed::resources`].
    read: FileRead,
    resources: Vec<Arc<Resource>>,
    /// The text and its line index, when it is UTF-8 (for locations and snippets).
    text: Option<IndexedText>,
}

impl Parsed {
    /// A whole [`FileRead`] again (resources copied): for the few callers that
    /// need one, such as Terraform's reference resolution and discovery.
    fn to_file_read(&self) -> Arc<FileRead> {
        Arc::new(FileRead {
            resources: self.resources.iter().map(|r| (**r).clone()).collect(),
            ..self.read.clone()
        })
    }
}

/// Parses files once per blob id, across sides and commits.
#[derive(Default)]
pub struct ParseCache {
    reads: HashMap<String, Arc<Parsed>>,
    /// Plans, once per blob.
    pub plans: crate::plan::PlanCache,
}

impl ParseCache {
    /// The plan of one side (`--plan PATH`, else the default paths), parsed
    /// once per (blob id, path): `Ok(None)` when the side has none.
    pub fn plan(
        &mut self,
        tree: &dyn Tree,
        explicit: Option<&str>,
    ) -> Result<Option<Arc<Plan>>, crate::plan::PlanError> {
        self.plans.find(tree, explicit)
    }

    fn read(&mut self, path: &Arc<str>, blob: &crate::source::Blob) -> Arc<Parsed> {
        Self::read_into(&mut self.reads, path, blob)
    }

    /// A file of a tree, through the cache: a blob already parsed is found
    /// by its id, without reading its bytes again.
    fn read_path(&mut self, tree: &dyn Tree, path: &Arc<str>) -> Option<Arc<Parsed>> {
        if let Some(id) = tree.blob_id(path)
            && let Some(hit) = self.reads.get(&format!("{id}:{path}"))
        {
            return Some(hit.clone());
        }
        let blob = tree.read(path)?;
        Some(self.read(path, &blob))
    }

    fn read_into(
        reads: &mut HashMap<String, Arc<Parsed>>,
        path: &Arc<str>,
        blob: &crate::source::Blob,
    ) -> Arc<Parsed> {
        // The same blob under another path keeps its resources' paths right.
        let key = format!("{}:{}", blob.id, path);
        reads
            .entry(key)
            .or_insert_with(|| {
                let mut read = readers::read_blob(path, blob);
                let resources = std::mem::take(&mut read.resources)
                    .into_iter()
                    .map(Arc::new)
                    .collect();
                let text = std::str::from_utf8(&blob.bytes).ok().map(|t| {
                    let text: Arc<str> = Arc::from(t);
                    let lines = line_starts(&text);
                    (text, lines)
                });
                Arc::new(Parsed {
                    read,
                    resources,
                    text,
                })
            })
            .clone()
    }
}

impl ParseCache {
    /// Runs `f` with the plan cache on a second thread while this one reads
    /// computes the change set (`changes`: the tree diff, the costliest step
    /// of git's own) and then reads and parses the changed files of both
    /// sides into the cache (the engine reads exactly those first). On two cores the plan of a large
    /// monorepo, the biggest fixed cost of a check, then costs no wall time
    /// beyond the change's own files. The outcome does not depend on timing.
    pub(crate) fn with_plans_in_parallel<'c, R: Send, E>(
        &mut self,
        base: &dyn Tree,
        head: &dyn Tree,
        changes: impl FnOnce() -> Result<std::borrow::Cow<'c, ChangeSet>, E>,
        f: impl FnOnce(&mut crate::plan::PlanCache) -> R + Send,
    ) -> (R, Result<std::borrow::Cow<'c, ChangeSet>, E>) {
        let ParseCache { reads, plans } = self;
        std::thread::scope(|scope| {
            let plans = scope.spawn(|| f(plans));
            // The diff is computed here meanwhile, then its files are read.
            let changes = changes();
            let mut warm = |tree: &dyn Tree, path: &Option<String>| {
                if let Some(p) = path
                    && let Some(blob) = tree.read(p)
                {
                    let path: Arc<str> = Arc::from(p.as_str());
                    Self::read_into(reads, &path, &blob);
                }
            };
            if let Ok(changes) = &changes {
                for c in &changes.changes {
                    warm(base, &c.old_path);
                    warm(head, &c.new_path);
                }
            }
            let plans = plans
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (plans, changes)
        })
    }
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
}

struct SideCtx<'a> {
    side: Side,
    tree: &'a dyn Tree,
    plan: &'a Plan,
    all_files: Option<Vec<String>>,
    /// Notes of the last [`service_resources`] (module calls not evaluated).
    notes: Vec<String>,
    /// Kustomize roots built at this side (DESIGN §1a).
    kustomize: std::cell::RefCell<readers::kustomize::SideBuilds>,
}

impl<'a> SideCtx<'a> {
    fn new(side: Side, tree: &'a dyn Tree, plan: &'a Plan) -> SideCtx<'a> {
        SideCtx {
            side,
            tree,
            plan,
            all_files: None,
            kustomize: Default::default(),
            notes: Vec::new(),
        }
    }
}

/// A side's files as the kustomize builder reads them: through the parse
/// cache, so a finding can show the overlay or patch it points at.
struct KustomizeFiles<'s, 'a> {
    ctx: &'s SideCtx<'a>,
    cache: &'s mut ParseCache,
    sources: &'s mut SourceStore,
}

impl readers::kustomize::Files for KustomizeFiles<'_, '_> {
    fn text(&mut self, path: &str) -> Option<Arc<str>> {
        let read = self.ctx.raw_file(self.cache, self.sources, path)?;
        read.text.as_ref().map(|(t, _)| t.clone())
    }
}

impl readers::kustomize::SideFiles for KustomizeFiles<'_, '_> {
    fn list_under(&mut self, prefix: &str) -> Vec<String> {
        self.ctx.tree.list_under(prefix)
    }
    fn exists(&mut self, path: &str) -> bool {
        self.ctx.tree.kind(path) == Some(EntryKind::File)
    }
}

impl SideCtx<'_> {
    /// A file as the services see it: a kustomize input read through the
    /// roots that build it (a patch file is never a manifest of its own).
    fn file(
        &self,
        cache: &mut ParseCache,
        sources: &mut SourceStore,
        path: &str,
    ) -> Option<Arc<Parsed>> {
        let read = self.raw_file(cache, sources, path)?;
        let lower = path.to_ascii_lowercase();
        let may_be_input = [".yaml", ".yml", ".json"]
            .iter()
            .any(|e| lower.ends_with(e))
            || readers::kustomize::is_kustomization(path);
        if !may_be_input {
            return Some(read);
        }
        let mut files = KustomizeFiles {
            ctx: self,
            cache,
            sources,
        };
        let Some(view) = self.kustomize.borrow_mut().view(path, &mut files) else {
            return Some(read);
        };
        let mut notes = read.read.notes.clone();
        notes.extend(view.notes.iter().cloned());
        let error = read.read.error.clone().or_else(|| {
            view.error.as_ref().map(|why| {
                (
                    format!("the kustomization does not build: {why}"),
                    Span::default(),
                )
            })
        });
        Some(Arc::new(Parsed {
            read: FileRead {
                resources: Vec::new(),
                error,
                notes,
                infrastructure: true,
                not_assessed: None,
            },
            resources: view.resources.clone(),
            text: read.text.clone(),
        }))
    }

    /// A file as its own reader reads it.
    fn raw_file(
        &self,
        cache: &mut ParseCache,
        sources: &mut SourceStore,
        path: &str,
    ) -> Option<Arc<Parsed>> {
        let path: Arc<str> = Arc::from(path);
        let read = cache.read_path(self.tree, &path)?;
        if let Some(text) = &read.text
            && sources.text_and_lines(self.side, &path).is_none()
        {
            sources.texts.insert((self.side, path), text.clone());
        }
        Some(read)
    }
}

/// Whether a resource matches a service's content selectors.
fn content_match(service: &Service, r: &Resource) -> bool {
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
            r.file_kind == FileKind::Terraform
                && readers::terraform::address_selected(patterns, set, &r.address)
        }
        Matcher::Catalog(entity) => r.file_kind == FileKind::Catalog && &catalog_ref(r) == entity,
        Matcher::Paths { .. } => false,
    })
}

/// A catalog resource's normalised ref.
fn catalog_ref(r: &Resource) -> String {
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
fn is_catalog_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.starts_with("catalog-info") && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// Services that hard-depend on another through a Backstage entity's
/// `spec.dependsOn`, by dependency: `dependency → dependents`. Only when the
/// plan names entities (`catalog:` selectors), and read from the side's
/// `catalog-info*.yaml` files (one listing of the side, cached; each file
/// parsed once per blob).
fn catalog_dependents(
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

fn path_match(service: &Service, path: &str) -> bool {
    service.matchers.iter().any(|m| match m {
        Matcher::Paths { set, .. } => set.is_match(path),
        _ => false,
    })
}

fn has_content_selectors(service: &Service) -> bool {
    service
        .matchers
        .iter()
        .any(|m| !matches!(m, Matcher::Paths { .. }))
}

/// Which services a path or a resource can belong to, built once per plan so
/// a changed file is tested against the few services whose `paths` globs
/// could match it (by literal prefix) and the services with content
/// selectors, not against every service of the plan.
struct PlanIndex<'p> {
    /// Services by the literal prefix of each of their `paths` globs.
    by_prefix: HashMap<String, Vec<&'p Service>>,
    /// Services with content selectors.
    by_content: Vec<&'p Service>,
    /// Direct hard dependents of each service.
    dependents: HashMap<&'p str, Vec<&'p str>>,
}

impl<'p> PlanIndex<'p> {
    fn new(plan: &'p Plan) -> PlanIndex<'p> {
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
    fn path_candidates<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'p Service> + 'a {
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
    fn hard_dependents(&self, name: &str) -> BTreeSet<&'p str> {
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
fn services_of_file(
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
fn services_of_resources(
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
fn terraform_neighbours(
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

fn is_infra_path(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".yaml") || l.ends_with(".yml") || l.ends_with(".tf") || l.ends_with(".json")
}

/// The files a service's `paths` selectors match at one side.
fn path_files(ctx: &SideCtx, service: &Service) -> BTreeSet<String> {
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

/// Reads the files the affected services' `paths` match at both sides into
/// the cache before the rules ask for them one by one: the blobs are read
/// here (git objects stay on this thread) and parsed on the other cores
/// meanwhile. The outcome does not depend on it; only the time does.
fn prefetch(sides: [&SideCtx; 2], cache: &mut ParseCache, names: impl Iterator<Item = String>) {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) - 1;
    if workers == 0 {
        return;
    }
    let mut wanted: Vec<(&dyn Tree, String)> = Vec::new();
    for name in names {
        for side in sides {
            if let Some(service) = side.plan.services.get(&name) {
                wanted.extend(
                    path_files(side, service)
                        .into_iter()
                        .map(|p| (side.tree, p)),
                );
            }
        }
    }
    if wanted.len() < 8 {
        return;
    }
    let (blobs_tx, blobs_rx) = std::sync::mpsc::channel::<(Arc<str>, crate::source::Blob)>();
    let blobs_rx = std::sync::Mutex::new(blobs_rx);
    let parsed: Vec<(String, Arc<Parsed>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = HashMap::new();
                    loop {
                        // The lock is held while waiting, not while parsing.
                        let next = match blobs_rx.lock() {
                            Ok(rx) => rx.recv().ok(),
                            Err(_) => None,
                        };
                        let Some((path, blob)) = next else { break };
                        ParseCache::read_into(&mut done, &path, &blob);
                    }
                    done
                })
            })
            .collect();
        let mut sent = std::collections::HashSet::new();
        for (tree, path) in &wanted {
            let id = tree.blob_id(path);
            let known = id.as_ref().is_some_and(|id| {
                let key = format!("{id}:{path}");
                cache.reads.contains_key(&key) || !sent.insert(key)
            });
            if known {
                continue;
            }
            if let Some(blob) = tree.read(path) {
                let _ = blobs_tx.send((Arc::from(path.as_str()), blob));
            }
        }
        drop(blobs_tx);
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    cache.reads.extend(parsed);
}

/// The resources of a service at one side.
fn service_resources(
    ctx: &mut SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    service: &Service,
    changed: &[String],
) -> Vec<Arc<Resource>> {
    let files = path_files(ctx, service);
    let mut out: Vec<Arc<Resource>> = Vec::new();
    let push_file = |ctx: &SideCtx,
                     cache: &mut ParseCache,
                     sources: &mut SourceStore,
                     p: &str,
                     all: bool,
                     out: &mut Vec<Arc<Resource>>| {
        if let Some(read) = ctx.file(cache, sources, p) {
            for r in &read.resources {
                if all || content_match(service, r) {
                    out.push(r.clone());
                }
            }
        }
    };
    for p in &files {
        push_file(ctx, cache, sources, p, true, &mut out);
    }
    if has_content_selectors(service) {
        // Changed files first; then the folders where its resources were found.
        let mut folders: BTreeSet<String> = BTreeSet::new();
        for p in changed
            .iter()
            .filter(|p| !files.contains(*p) && is_infra_path(p))
        {
            if ctx.plan.is_ignored(p) {
                continue;
            }
            if let Some(read) = ctx.file(cache, sources, p)
                && read.resources.iter().any(|r| content_match(service, r))
            {
                folders.insert(
                    p.rsplit_once('/')
                        .map_or(String::new(), |(d, _)| format!("{d}/")),
                );
            }
        }
        let candidates: Vec<String> = if folders.is_empty() {
            // A plan-only change: one scan of the side, cached.
            ctx.all_files
                .get_or_insert_with(|| {
                    ctx.tree
                        .list_under("")
                        .into_iter()
                        .filter(|p| is_infra_path(p))
                        .collect()
                })
                .clone()
        } else {
            folders
                .iter()
                .flat_map(|f| ctx.tree.list_under(f))
                .filter(|p| is_infra_path(p))
                .collect()
        };
        for p in candidates {
            if files.contains(&p) || ctx.plan.is_ignored(&p) {
                continue;
            }
            push_file(ctx, cache, sources, &p, false, &mut out);
        }
    }
    // A kustomize build reaches a service through each of its input files.
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert(Arc::as_ptr(r)));
    out.sort_by(|a, b| (a.path.as_ref(), a.span.start).cmp(&(b.path.as_ref(), b.span.start)));
    readers::terraform::resolve_references(
        &mut out,
        |dir| ctx.tree.list_under(dir),
        |p| {
            ctx.file(cache, sources, p)
                .map(|parsed| parsed.to_file_read())
        },
    );
    ctx.notes = evaluate_module_calls(ctx, cache, sources, service, &files, &mut out);
    out
}

/// Why a changed file at head cannot be assessed at all (CG004), if so.
fn not_assessed(tree: &dyn Tree, path: &str, read: Option<&Parsed>) -> Option<String> {
    if path.contains('\u{FFFD}') {
        return Some("its name is not UTF-8, so it cannot be looked up".into());
    }
    match tree.kind(path) {
        Some(EntryKind::Symlink) => Some("it is a symbolic link, never followed".into()),
        Some(EntryKind::File) => match read {
            Some(r) => r.read.not_assessed.clone(),
            None if is_infra_path(path) => Some("its content cannot be read".into()),
            None => None,
        },
        _ => None,
    }
}

/// Local module calls as instances (DESIGN §1a): a call found through
/// `paths` brings all its resources, one found through `terraform:`
/// selectors those the selectors name.
fn evaluate_module_calls(
    ctx: &SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    service: &Service,
    files: &BTreeSet<String>,
    resources: &mut Vec<Arc<Resource>>,
) -> Vec<String> {
    readers::terraform_modules::instantiate_calls(
        resources,
        |call, instance| files.contains(call.path.as_ref()) || content_match(service, instance),
        &mut readers::terraform_modules::Files {
            list_dir: &|dir| ctx.tree.list_under(dir),
            read: &mut |p| {
                ctx.file(cache, sources, p)
                    .map(|parsed| parsed.to_file_read())
            },
            bytes: &|p| ctx.tree.read(p).map(|b| b.bytes),
        },
    )
}

/// The facts of a service at one side, with the notes of its module calls.
fn service_facts(
    ctx: &mut SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    service: &Service,
    changed: &[String],
) -> ServiceFacts {
    let resources = service_resources(ctx, cache, sources, service, changed);
    let mut facts = facts::derive(ctx.side, resources);
    facts.notes.append(&mut ctx.notes);
    facts.notes.sort();
    facts.notes.dedup();
    facts
}

/// Gives each violation located at a module argument the module's field
/// that uses it as a secondary label (DESIGN §1a).
fn label_module_arguments(violations: &mut [Violation], facts: &ServiceFacts) {
    for v in violations {
        if let Some((used_at, label)) = facts.module_arguments.get(&v.primary) {
            v.secondary.push((used_at.clone(), label.clone()));
        }
    }
}

/// Whether a repository path names a file, link or folder of a tree.
fn path_exists(tree: &dyn Tree, path: &str) -> bool {
    let path = path.trim_start_matches("./").trim_matches('/');
    !path.is_empty()
        && (tree.kind(path).is_some() || !tree.list_under(&format!("{path}/")).is_empty())
}

/// An inline suppression found for a finding.
#[derive(Debug, PartialEq, Eq)]
struct Suppression {
    /// The reason written after `]` (may be empty: CG406).
    reason: String,
    /// The codes between the brackets, as written.
    codes: String,
    /// The comment's bytes in the file.
    span: Span,
}

/// Inline suppression on the line or the line above: `# continuity-guard: ignore[CG101] reason`.
#[cfg(test)]
fn inline_suppression(text: &str, line: usize, code: &str) -> Option<Suppression> {
    inline_suppression_at(text, &line_starts(text), line, code)
}

fn inline_suppression_at(
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
fn judge(
    v: Violation,
    (state, base_measure): (State, Option<u64>),
    plan: &Plan,
    as_of: jiff::civil::Date,
    sources: &SourceStore,
) -> Option<(Finding, Option<Suppression>)> {
    let rule = super::find(v.rule)?;
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
                .find(|w| !w.expired(as_of) && w.covers(v.rule, service, &v.subject))
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

/// The first word of a subject: the resource's address, for most rules.
fn first_word(subject: &str) -> &str {
    subject.split(' ').next().unwrap_or(subject)
}

/// A violation's state and, when it was there at base, its base measure.
type Judged = (State, Option<u64>);

/// Violations with their states.
type JudgedViolations = Vec<(Violation, Judged)>;

/// One service's facts at both sides, compared (DESIGN §1.5 "Comparison").
struct Compared<'f> {
    base: &'f ServiceFacts,
    head: &'f ServiceFacts,
    /// No plan at base: every head violation is newly in scope.
    no_base_plan: bool,
    /// The service is in the head plan (else its removal is CG404's).
    head_has_service: bool,
}

impl Compared<'_> {
    /// Addresses of head resources the service did not have at base that
    /// stand unchanged in the same file at base: only their mapping to the
    /// service changed (a label added, a selector widened, a new entry).
    fn unchanged_outsiders(
        &self,
        base: &SideCtx,
        cache: &mut ParseCache,
        sources: &mut SourceStore,
    ) -> BTreeSet<String> {
        let paired: BTreeSet<usize> =
            compare::correspond(&self.base.resources, &self.head.resources, &[])
                .into_iter()
                .map(|(_, j)| j)
                .collect();
        let mut out = BTreeSet::new();
        for (j, r) in self.head.resources.iter().enumerate() {
            if paired.contains(&j) {
                continue;
            }
            let Some(read) = base.file(cache, sources, &r.path) else {
                continue;
            };
            if read.resources.iter().any(|b| compare::same_fields(b, r)) {
                out.insert(r.address.clone());
            }
        }
        out
    }

    /// Whether a base violation about `address` cannot count as resolved:
    /// the service left the plan (CG404 speaks), the resource's file cannot
    /// be read at head (CG001: unknown is not fixed), or the resource still
    /// stands at head but no longer belongs to the service (CG002/CG404).
    fn not_resolved(
        &self,
        address: &str,
        head: &SideCtx,
        cache: &mut ParseCache,
        sources: &mut SourceStore,
    ) -> bool {
        if !self.head_has_service {
            return true;
        }
        let Some(r) = self.base.resources.iter().find(|r| r.address == address) else {
            return false;
        };
        if self.head.resources.iter().any(|h| h.address == address) {
            return false;
        }
        if path_exists(head.tree, &r.path) {
            return match head.file(cache, sources, &r.path) {
                Some(read) => {
                    read.read.error.is_some()
                        || read.read.not_assessed.is_some()
                        || read.resources.iter().any(|h| h.address == address)
                }
                None => true,
            };
        }
        false
    }

    /// The state of each head violation, and the base violations the change
    /// resolved. `counter` holds the violations of the base facts against the
    /// head targets: a head measure above theirs is worsened.
    fn states(
        &self,
        at_base: Vec<Violation>,
        at_head: Vec<Violation>,
        counter: Vec<Violation>,
        outsiders: &BTreeSet<String>,
    ) -> (JudgedViolations, JudgedViolations) {
        let renames = compare::renames(&self.base.resources, &self.head.resources, &[]);
        let key = |v: &Violation| (v.rule, compare::translate(&v.subject, &renames));
        let worst = |vs: &[Violation]| {
            let mut by: HashMap<(&'static str, String), u64> = HashMap::new();
            for v in vs {
                let m = by.entry(key(v)).or_insert(0);
                *m = (*m).max(v.measure);
            }
            by
        };
        let (base_by, counter_by) = (worst(&at_base), worst(&counter));
        let head_keys: BTreeSet<(&'static str, String)> = at_head
            .iter()
            .map(|v| (v.rule, v.subject.clone()))
            .collect();
        let judged = at_head
            .into_iter()
            .map(|mut v| {
                let k = (v.rule, v.subject.clone());
                let state = if self.no_base_plan {
                    (State::NewlyInScope, None)
                } else if let Some(&was) = base_by.get(&k) {
                    let before = counter_by.get(&k).copied().unwrap_or(0);
                    if v.measure > before {
                        v.message = format!(
                            "{} (worse than at base: {}, was {})",
                            v.message,
                            measure_text(v.rule, v.measure),
                            measure_text(v.rule, was)
                        );
                        (State::Worsened, Some(was))
                    } else {
                        (State::Existing, Some(was))
                    }
                } else if outsiders.contains(first_word(&v.subject)) {
                    (State::NewlyInScope, None)
                } else {
                    (State::Introduced, None)
                };
                (v, state)
            })
            .collect();
        let resolved = at_base
            .into_iter()
            .filter(|v| !self.no_base_plan && !head_keys.contains(&key(v)))
            .map(|v| {
                let was = v.measure;
                (v, (State::Resolved, Some(was)))
            })
            .collect();
        (judged, resolved)
    }
}

/// A measure in words, in the rule's unit (DESIGN §1.5).
fn measure_text(rule: &str, m: u64) -> String {
    let duration =
        |secs: u64| super::recovery::duration_text(i64::try_from(secs).unwrap_or(i64::MAX));
    match rule {
        "CG101" => format!("{m} short of the floor"),
        "CG104" | "CG105" | "CG201" => format!("{} over the target", duration(m)),
        "CG301" | "CG303" => format!("{} a year in hours", duration(m.saturating_mul(60))),
        "CG304" => format!(
            "{} of hours uncovered a year",
            duration(m.saturating_mul(60))
        ),
        "CG302" => format!("{m} replica-minutes short a year"),
        _ => format!("measure {m}"),
    }
}

/// Runs the check.
pub fn run(inputs: &Inputs, cache: &mut ParseCache) -> Outcome {
    let mut sources = SourceStore::default();
    let mut notes: Vec<String> = Vec::new();
    sources.insert(
        Side::Base,
        inputs.base_plan.path.clone(),
        inputs.base_plan.text.clone(),
    );
    sources.insert(
        Side::Head,
        inputs.head_plan.path.clone(),
        inputs.head_plan.text.clone(),
    );
    let mut base = SideCtx::new(Side::Base, inputs.base, inputs.base_plan);
    let mut head = SideCtx::new(Side::Head, inputs.head, inputs.head_plan);
    let base_index = PlanIndex::new(inputs.base_plan);
    // The plan is usually the same blob at both sides (one `Arc`): one index.
    let head_own;
    let head_index = if std::ptr::eq(inputs.base_plan, inputs.head_plan) {
        &base_index
    } else {
        head_own = PlanIndex::new(inputs.head_plan);
        &head_own
    };
    // Each violation with its state and base measure (change rules: introduced).
    let mut violations: Vec<(Violation, (State, Option<u64>))> = Vec::new();
    const NEW: (State, Option<u64>) = (State::Introduced, None);
    let mut affected: BTreeSet<String> = BTreeSet::new();
    let changed_base: Vec<String> = inputs
        .changes
        .changes
        .iter()
        .filter_map(|c| c.old_path.clone())
        .collect();
    let changed_head: Vec<String> = inputs
        .changes
        .changes
        .iter()
        .filter_map(|c| c.new_path.clone())
        .collect();

    // Changed files that cannot be read at head (CG001): what they held is
    // unknown there, never "removed".
    let mut unreadable: BTreeSet<String> = BTreeSet::new();
    // 1. Changed files → services.
    for change in &inputs.changes.changes {
        let mut mapped = BTreeSet::new();
        if let Some(p) = &change.old_path
            && (base.tree.kind(p) == Some(EntryKind::File) || base.tree.kind(p).is_none())
        {
            let read = base.file(cache, &mut sources, p);
            let mut at_base = services_of_file(base.plan, &base_index, p, read.as_deref());
            if at_base.is_empty() {
                at_base = terraform_neighbours(&base, cache, &mut sources, p);
            }
            mapped.extend(at_base);
        }
        let mut head_read = None;
        if let Some(p) = &change.new_path {
            // Nothing is said about paths the plan ignores.
            let ignored = head.plan.is_ignored(p);
            match head.tree.kind(p) {
                Some(EntryKind::Symlink) if !ignored => {
                    notes.push(format!("{p}: symbolic link, not followed"));
                }
                Some(EntryKind::Submodule) if !ignored => {
                    notes.push(format!("{p}: submodule, not read"));
                }
                _ => {}
            }
            head_read = head.file(cache, &mut sources, p);
            if let Some(r) = &head_read
                && !ignored
            {
                notes.extend(r.read.notes.iter().cloned());
            }
            let mut at_head = services_of_file(head.plan, head_index, p, head_read.as_deref());
            if at_head.is_empty() {
                at_head = terraform_neighbours(&head, cache, &mut sources, p);
            }
            // CG001 at head: a changed file we cannot read.
            if let Some(read) = &head_read
                && let Some((message, span)) = &read.read.error
            {
                unreadable.insert(p.clone());
                let owners: Vec<Option<String>> = if at_head.is_empty() {
                    if p.ends_with(".tf") && !head.plan.is_ignored(p) {
                        vec![None]
                    } else {
                        vec![]
                    }
                } else {
                    at_head.iter().cloned().map(Some).collect()
                };
                for service in owners {
                    violations.push((
                            Violation {
                                rule: "CG001",
                                measure: 1,
                                service,
                                subject: p.clone(),
                                message: format!("{p} cannot be read: {message}"),
                                help: Some("fix the file at the line shown; until then its continuity impact cannot be checked".into()),
                                primary: Loc { side: Side::Head, path: Arc::from(p.as_str()), span: *span },
                                secondary: Vec::new(),
                            },
                            NEW,
                        ));
                }
            }
            mapped.extend(at_head);
            // CG004: fail closed on a mapped file that cannot be assessed.
            if let Some(why) = not_assessed(head.tree, p, head_read.as_deref())
                && !head.plan.is_ignored(p)
            {
                unreadable.insert(p.clone());
                for service in &mapped {
                    let v = super::cg004_not_assessed::violation(p, &why, service);
                    violations.push((v, NEW));
                }
            }
        }
        // Touched: for a YAML file read at both sides, content selectors
        // count only the documents that differ between them. (A `.tf` file's
        // blocks are built with variables and locals from the whole folder:
        // it is touched as a whole.)
        let yaml = |p: &str| p.ends_with(".yaml") || p.ends_with(".yml");
        let touched = match (&change.old_path, &change.new_path) {
            (Some(old), Some(new)) if yaml(old) && yaml(new) => {
                let b = base.file(cache, &mut sources, old);
                match (b.as_deref(), head_read.as_deref()) {
                    (Some(b), Some(h))
                        if b.read.error.is_none()
                            && h.read.error.is_none()
                            && !h.resources.is_empty()
                            && !b.resources.is_empty() =>
                    {
                        let (bm, hm) = compare::changed_resources(&b.resources, &h.resources);
                        let mut t =
                            services_of_resources(base.plan, &base_index, old, Some(b), Some(&bm));
                        t.extend(services_of_resources(
                            head.plan,
                            head_index,
                            new,
                            Some(h),
                            Some(&hm),
                        ));
                        t
                    }
                    _ => mapped.clone(),
                }
            }
            _ => mapped.clone(),
        };
        // CG002: added or modified infrastructure nobody maps (a deleted file
        // that no service maps is no finding).
        if mapped.is_empty()
            && change.new_path.is_some()
            && change.path() != inputs.head_plan.path.as_ref()
            && change.path() != inputs.base_plan.path.as_ref()
        {
            let (side, path, read) = match (&change.new_path, head_read) {
                (Some(p), Some(r)) => (Side::Head, p.clone(), Some(r)),
                _ => match &change.old_path {
                    Some(p) => (Side::Base, p.clone(), base.file(cache, &mut sources, p)),
                    None => (Side::Head, change.path().to_string(), None),
                },
            };
            let plan = if side == Side::Head {
                head.plan
            } else {
                base.plan
            };
            if let Some(read) = read
                && read.read.infrastructure
                && read.read.error.is_none()
                && !plan.is_ignored(&path)
            {
                let what = if side == Side::Base {
                    "deleted"
                } else {
                    "changed"
                };
                let kinds: BTreeSet<String> =
                    read.resources.iter().map(|r| r.kind.clone()).collect();
                violations.push((
                        Violation {
                            rule: "CG002",
                            measure: 1,
                            service: None,
                            subject: path.clone(),
                            message: format!(
                                "{what} infrastructure file {path} ({}) belongs to no service of the plan",
                                if kinds.is_empty() { "no resources".to_string() } else { kinds.into_iter().collect::<Vec<_>>().join(", ") }
                            ),
                            help: Some("add a `match` entry to the service it belongs to, or list it under `ignore`".into()),
                            primary: Loc { side, path: Arc::from(path.as_str()), span: Span::default() },
                            secondary: Vec::new(),
                        },
                        NEW,
                    ));
            }
        }
        affected.extend(touched);
    }

    // 2. Plan edits (none when the plan is the same blob at both sides).
    let (bp, hp) = (inputs.base_plan, inputs.head_plan);
    let same_plan = std::ptr::eq(bp, hp);
    let names: BTreeSet<&String> = bp.services.keys().chain(hp.services.keys()).collect();
    for name in names.iter().filter(|_| !same_plan) {
        if bp.services.get(*name) != hp.services.get(*name) {
            affected.insert((*name).clone());
        }
    }
    if !same_plan
        && (bp.rules != hp.rules
            || bp.ignore != hp.ignore
            || bp.freezes != hp.freezes
            || bp.timezone != hp.timezone)
    {
        affected.extend(names.iter().map(|n| (*n).clone()));
    }
    if !same_plan {
        for w in bp
            .waivers
            .iter()
            .filter(|w| !hp.waivers.contains(w))
            .chain(hp.waivers.iter().filter(|w| !bp.waivers.contains(w)))
        {
            affected.insert(w.service.clone());
        }
    }
    // A changed recovery plan document affects its service (CG403).
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
                affected.insert((*name).to_string());
            }
        }
    }
    // 3. Hard dependents, transitively, at either side: through the plan's
    // `depends_on` and, when the plan names Backstage entities, through their
    // `spec.dependsOn` (DESIGN §2).
    let mut by_catalog: HashMap<String, BTreeSet<String>> = HashMap::new();
    if !affected.is_empty() {
        catalog_dependents(&mut base, cache, &mut sources, &mut by_catalog);
        catalog_dependents(&mut head, cache, &mut sources, &mut by_catalog);
    }
    let mut todo: Vec<String> = affected.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let mut next: BTreeSet<String> = BTreeSet::new();
        next.extend(
            base_index
                .hard_dependents(&name)
                .into_iter()
                .map(String::from),
        );
        next.extend(
            head_index
                .hard_dependents(&name)
                .into_iter()
                .map(String::from),
        );
        next.extend(by_catalog.get(&name).into_iter().flatten().cloned());
        for n in next {
            if affected.insert(n.clone()) {
                todo.push(n);
            }
        }
    }

    // 4. Facts and rules per service.
    if !inputs.all {
        prefetch([&base, &head], cache, affected.iter().cloned());
    }
    let base_exists = |p: &str| path_exists(inputs.base, p);
    let head_exists = |p: &str| path_exists(inputs.head, p);
    let mut states = Vec::new();
    let mut resolved_violations: Vec<(Violation, (State, Option<u64>))> = Vec::new();
    // The plan did not exist at base: adopting the tool blocks nothing.
    let no_base_plan = bp.text.is_empty() && bp.services.is_empty();
    for name in &names {
        let is_affected = affected.contains(*name);
        let expired_waiver = hp
            .waivers
            .iter()
            .any(|w| &&w.service == name && w.expired(inputs.as_of));
        if !is_affected && !inputs.all && !expired_waiver {
            continue;
        }
        let need_facts = is_affected || inputs.all;
        let bs = bp.services.get(*name);
        let hs = hp.services.get(*name);
        let bf = bs
            .filter(|_| need_facts)
            .map(|s| service_facts(&mut base, cache, &mut sources, s, &changed_base));
        let hf = hs
            .filter(|_| need_facts)
            .map(|s| service_facts(&mut head, cache, &mut sources, s, &changed_head));
        // CG404: resources at head still matched by an entry removed from the plan.
        // Those another head service matches (a renamed or merged service) are not orphans.
        let orphans = match (bs, hs) {
            (Some(s), None) if need_facts => {
                let mut found = service_resources(&mut head, cache, &mut sources, s, &changed_head);
                found.retain(|r| {
                    !hp.services
                        .values()
                        .any(|o| path_match(o, &r.path) || content_match(o, r))
                });
                found
            }
            _ => Vec::new(),
        };
        // Values the facts could not know (unresolved expressions) are said, at head.
        if let Some(f) = &hf {
            notes.extend(f.notes.iter().map(|n| format!("{name}: {n}")));
        }
        let empty = ServiceFacts::default();
        fn view<'v>(
            s: &'v Service,
            plan: &'v Plan,
            f: Option<&'v ServiceFacts>,
            empty: &'v ServiceFacts,
            side: Side,
            as_of: jiff::civil::Date,
            file_exists: &'v dyn Fn(&str) -> bool,
        ) -> ServiceView<'v> {
            ServiceView {
                service: s,
                plan,
                facts: f.unwrap_or(empty),
                side,
                as_of,
                file_exists,
            }
        }
        let base_view = |s| {
            view(
                s,
                bp,
                bf.as_ref(),
                &empty,
                Side::Base,
                inputs.as_of,
                &base_exists,
            )
        };
        let head_view = |s| {
            view(
                s,
                hp,
                hf.as_ref(),
                &empty,
                Side::Head,
                inputs.as_of,
                &head_exists,
            )
        };
        if need_facts {
            // State rules at base (base targets), at head, and on the base
            // facts against the head targets (what "worsened" compares with).
            let (mut at_base, mut at_head, mut counter) = (Vec::new(), Vec::new(), Vec::new());
            for rule in RULES {
                if let Some(s) = bs {
                    let v = base_view(s);
                    rule.check(&v, &mut at_base);
                }
                if let Some(s) = hs {
                    let v = head_view(s);
                    let first = at_head.len();
                    rule.check(&v, &mut at_head);
                    label_module_arguments(&mut at_head[first..], v.facts);
                    rule.notes(&v, &mut notes);
                    if bs.is_some() {
                        let v = view(
                            s,
                            hp,
                            bf.as_ref(),
                            &empty,
                            Side::Base,
                            inputs.as_of,
                            &base_exists,
                        );
                        rule.check(&v, &mut counter);
                    }
                }
            }
            let sides = Compared {
                base: bf.as_ref().unwrap_or(&empty),
                head: hf.as_ref().unwrap_or(&empty),
                no_base_plan,
                head_has_service: hs.is_some(),
            };
            let outsiders = sides.unchanged_outsiders(&base, cache, &mut sources);
            let (judged, resolved) = sides.states(at_base, at_head, counter, &outsiders);
            violations.extend(judged);
            for (v, state) in resolved {
                if !sides.not_resolved(first_word(&v.subject), &head, cache, &mut sources) {
                    resolved_violations.push((v, state));
                }
            }
        }
        let change = ServiceChange {
            name,
            base: bs.map(base_view),
            head: hs.map(head_view),
            change_date: inputs.change_date,
            orphans,
        };
        let mut out = Vec::new();
        for rule in RULES {
            if need_facts || rule.code() == "CG405" {
                rule.check_change(&change, &mut out);
            }
        }
        violations.extend(
            out.into_iter()
                .filter(|v| {
                    v.primary.side != Side::Base || !unreadable.contains(v.primary.path.as_ref())
                })
                .map(|v| (v, NEW)),
        );
        if need_facts && let Some(service) = hs.or(bs) {
            states.push(ServiceState {
                name: (*name).clone(),
                service: service.clone(),
                affected: is_affected,
                base: bf,
                head: hf,
            });
        }
    }
    // 5. Verdicts.
    let mut findings = Vec::new();
    let mut unexplained: BTreeMap<Loc, (Option<String>, String, bool)> = BTreeMap::new();
    for (v, state) in resolved_violations {
        // Judged as the base plan judged it (its waivers and severities).
        if let Some((finding, _)) = judge(v, state, bp, inputs.as_of, &sources) {
            findings.push(finding);
        }
    }
    for (v, state) in violations {
        let introduced = state.0.is_new();
        let Some((finding, suppression)) = judge(v, state, hp, inputs.as_of, &sources) else {
            continue;
        };
        if let Some(s) = suppression
            && s.reason.is_empty()
        {
            // CG406, once per comment: introduced when a finding it hides is.
            let loc = Loc {
                side: finding.location.side,
                path: finding.location.path.clone(),
                span: s.span,
            };
            let entry = unexplained
                .entry(loc)
                .or_insert((finding.service.clone(), s.codes, false));
            entry.2 |= introduced;
        }
        findings.push(finding);
    }
    if let Some(rule) = super::find("CG406")
        && let Some(severity) = hp.severity(rule.code(), rule.severity())
    {
        for (loc, (service, codes, introduced)) in unexplained {
            findings.push(Finding {
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
            });
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.message.cmp(&b.message))
    });
    findings.dedup();
    notes.sort();
    notes.dedup();
    Outcome {
        findings,
        services: states,
        notes,
        sources,
        as_of: inputs.as_of,
    }
}

/// Groups findings by service name (unmapped under `None`).
pub fn by_service(findings: &[Finding]) -> BTreeMap<Option<&str>, Vec<&Finding>> {
    let mut map: BTreeMap<Option<&str>, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        map.entry(f.service.as_deref()).or_default().push(f);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressions() {
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

/// One service of the plan evaluated at one side, for `status`.
#[derive(Clone, Debug)]
pub struct SideService {
    /// The plan entry.
    pub service: Service,
    /// Its facts at this side.
    pub facts: ServiceFacts,
    /// Every file its `paths` selectors match (whether or not it holds resources).
    pub files: BTreeSet<String>,
    /// The state rules' findings, with locations, waivers, suppressions and
    /// severity overrides applied; `introduced` is false (there is no other side).
    pub findings: Vec<Finding>,
}

/// What one side holds: each service of the plan with its facts and findings.
#[derive(Clone, Debug, Default)]
pub struct SideOutcome {
    /// Services in name order.
    pub services: Vec<SideService>,
    /// File texts for rendering.
    pub sources: SourceStore,
}

impl SourceStore {
    /// A fact's location resolved to line and column.
    pub fn location(&self, loc: &Loc) -> Location {
        self.locate(loc)
    }
}

impl ParseCache {
    /// A file's reading at one side, parsed once per blob (shared with [`evaluate_side`]).
    pub fn read_blob(&mut self, path: &str, blob: &crate::source::Blob) -> Arc<FileRead> {
        self.read(&Arc::from(path), blob).to_file_read()
    }
}

/// Evaluates ONE side: every service of the plan, its facts, and the state
/// rules' violations (`Rule::check`) as findings with resolved locations.
pub fn evaluate_side(
    tree: &dyn Tree,
    plan: &Plan,
    as_of: jiff::civil::Date,
    cache: &mut ParseCache,
) -> SideOutcome {
    let side = Side::Head;
    let mut sources = SourceStore::default();
    sources.insert(side, plan.path.clone(), plan.text.clone());
    let ctx = SideCtx::new(side, tree, plan);
    // Every infrastructure file read once, for content selectors: the same
    // resources `service_resources` finds for a plan-only change, without one
    // scan per service (thousands of services share one repository).
    let mut all: Option<Vec<(String, Arc<Parsed>)>> = None;
    let mut services = Vec::new();
    for service in plan.services.values() {
        let mut files = BTreeSet::new();
        for m in &service.matchers {
            if let Matcher::Paths { set, prefixes, .. } = m {
                for prefix in prefixes {
                    files.extend(
                        tree.list_under(prefix)
                            .into_iter()
                            .filter(|p| set.is_match(p) && !plan.is_ignored(p)),
                    );
                }
            }
        }
        let mut resources: Vec<Arc<Resource>> = Vec::new();
        for p in &files {
            if let Some(read) = ctx.file(cache, &mut sources, p) {
                resources.extend(read.resources.iter().cloned());
            }
        }
        if has_content_selectors(service) {
            let all = all.get_or_insert_with(|| {
                tree.list_under("")
                    .into_iter()
                    .filter(|p| is_infra_path(p) && !plan.is_ignored(p))
                    .filter_map(|p| ctx.file(cache, &mut sources, &p).map(|r| (p, r)))
                    .collect()
            });
            for (p, read) in all.iter() {
                if files.contains(p) {
                    continue;
                }
                resources.extend(
                    read.resources
                        .iter()
                        .filter(|r| content_match(service, r))
                        .cloned(),
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        resources.retain(|r| seen.insert(Arc::as_ptr(r)));
        resources
            .sort_by(|a, b| (a.path.as_ref(), a.span.start).cmp(&(b.path.as_ref(), b.span.start)));
        // Variables, locals and tfvars as `check` resolves them.
        readers::terraform::resolve_references(
            &mut resources,
            |dir| tree.list_under(dir),
            |p| {
                ctx.file(cache, &mut sources, p)
                    .map(|parsed| parsed.to_file_read())
            },
        );
        let module_notes =
            evaluate_module_calls(&ctx, cache, &mut sources, service, &files, &mut resources);
        let mut facts = facts::derive(side, resources);
        facts.notes.extend(module_notes);
        facts.notes.sort();
        facts.notes.dedup();
        let mut violations = Vec::new();
        let exists = |p: &str| path_exists(tree, p);
        let view = ServiceView {
            service,
            plan,
            facts: &facts,
            side,
            as_of,
            file_exists: &exists,
        };
        for rule in RULES {
            rule.check(&view, &mut violations);
        }
        label_module_arguments(&mut violations, &facts);
        let mut findings: Vec<Finding> = violations
            .into_iter()
            .filter_map(|v| {
                judge(v, (State::Existing, None), plan, as_of, &sources).map(|(f, _)| f)
            })
            .collect();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.location.cmp(&b.location))
                .then_with(|| a.rule.cmp(b.rule))
                .then_with(|| a.subject.cmp(&b.subject))
                .then_with(|| a.message.cmp(&b.message))
        });
        findings.dedup();
        services.push(SideService {
            service: service.clone(),
            facts,
            files,
            findings,
        });
    }
    SideOutcome { services, sources }
}
