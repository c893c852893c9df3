//! One side of a change: a service's resources and facts at base or head,
//! read through the cache (kustomize roots built, module calls evaluated),
//! and `status`'s evaluation of a whole side.

use super::cache::{ParseCache, Parsed, SourceStore};
use super::judge::judge;
use super::scope::{content_match, has_content_selectors, is_infra_path, path_files, path_match};
use super::{Finding, State};
use crate::facts::{self, ServiceFacts};
use crate::plan::model::{Plan, Service};
use crate::readers::{self, FileRead, Resource};
use crate::rules::{RULES, ServiceView, Violation};
use crate::source::{EntryKind, Side, Tree};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

pub(crate) struct SideCtx<'a> {
    pub(crate) side: Side,
    pub(crate) tree: &'a dyn Tree,
    pub(crate) plan: &'a Plan,
    pub(crate) all_files: Option<Vec<String>>,
    /// Notes of the last [`service_resources`] (module calls not evaluated).
    pub(crate) notes: Vec<String>,
    /// Kustomize roots built at this side (DESIGN §1a).
    pub(crate) kustomize: std::cell::RefCell<readers::kustomize::SideBuilds>,
    /// The paths the change touches at this side.
    pub(crate) changed: Vec<String>,
    /// Terraform module folder → the `.tf` files whose `module` blocks call
    /// it with a local `source`; built on first use (one scan of the side).
    pub(crate) module_callers:
        std::cell::RefCell<Option<std::collections::BTreeMap<String, Vec<String>>>>,
}

impl<'a> SideCtx<'a> {
    pub(crate) fn new(side: Side, tree: &'a dyn Tree, plan: &'a Plan) -> SideCtx<'a> {
        SideCtx {
            side,
            tree,
            plan,
            all_files: None,
            kustomize: std::cell::RefCell::new(readers::kustomize::SideBuilds::new(&plan.builds)),
            notes: Vec::new(),
            changed: Vec::new(),
            module_callers: Default::default(),
        }
    }

    /// The side with the paths the change touches there (searched first for
    /// resources of content selectors).
    pub(crate) fn with_changed(mut self, changed: Vec<String>) -> SideCtx<'a> {
        self.changed = changed;
        self
    }
}

/// A side's files as the kustomize builder reads them: through the parse
/// cache, so a finding can show the overlay or patch it points at.
pub(crate) struct KustomizeFiles<'s, 'a> {
    pub(crate) ctx: &'s SideCtx<'a>,
    pub(crate) cache: &'s mut ParseCache,
    pub(crate) sources: &'s mut SourceStore,
}

impl readers::kustomize::Files for KustomizeFiles<'_, '_> {
    fn text(&mut self, path: &str) -> Option<Arc<str>> {
        let read = self.ctx.raw_file(self.cache, self.sources, path)?;
        read.text.as_ref().map(|(t, _)| t.clone())
    }
}

impl readers::kustomize::SideFiles for KustomizeFiles<'_, '_> {
    /// A kustomization under the plan's `ignore` is never a root nor an
    /// includer: a test root that does not build cannot make the files it
    /// shares with the real roots "not assessed".
    fn list_under(&mut self, prefix: &str) -> Vec<String> {
        let mut files = self.ctx.tree.list_under(prefix);
        files.retain(|p| !self.ctx.plan.is_ignored(p));
        files
    }
    fn exists(&mut self, path: &str) -> bool {
        self.ctx.tree.kind(path) == Some(EntryKind::File)
    }
}

impl SideCtx<'_> {
    /// A file as the services see it: a kustomize input read through the
    /// roots that build it (a patch file is never a manifest of its own).
    pub(crate) fn file(
        &self,
        cache: &mut ParseCache,
        sources: &mut SourceStore,
        path: &str,
    ) -> Option<Arc<Parsed>> {
        let read = self.raw_file(cache, sources, path)?;
        let lower = path.to_ascii_lowercase();
        let may_be_input = [".yaml", ".yml", ".json", ".tpl"]
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
        // A chart's template is read only as rendered: its `{{ … }}` is no note.
        let own = (!view.replaces_read).then_some(&read.read);
        let mut notes = own.map(|r| r.notes.clone()).unwrap_or_default();
        notes.extend(view.notes.iter().cloned());
        // A root that does not build is not assessed (CG004), never half-read.
        let not_assessed = own.and_then(|r| r.not_assessed.clone()).or_else(|| {
            view.error.as_ref().map(|why| {
                if view.builder.is_empty() {
                    format!("a kustomize build that reads it does not ({why})")
                } else {
                    format!("{} does not render it ({why})", view.builder)
                }
            })
        });
        Some(Arc::new(Parsed {
            read: FileRead {
                resources: Vec::new(),
                error: read.read.error.clone(),
                notes,
                infrastructure: true,
                not_assessed,
            },
            resources: view.resources.clone(),
            text: read.text.clone(),
        }))
    }

    /// A file as its own reader reads it.
    pub(crate) fn raw_file(
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

/// Reads the files the affected services' `paths` match at both sides into
/// the cache before the rules ask for them one by one: the blobs are read
/// here (git objects stay on this thread) and parsed on the other cores
/// meanwhile. The outcome does not depend on it; only the time does.
pub(crate) fn prefetch(
    sides: [&SideCtx; 2],
    cache: &mut ParseCache,
    names: impl Iterator<Item = String>,
) {
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
pub(crate) fn service_resources(
    ctx: &mut SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    service: &Service,
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
        for p in ctx
            .changed
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
    settle(ctx, cache, sources, &mut out);
    ctx.notes = evaluate_module_calls(ctx, cache, sources, service, &files, &mut out);
    out
}

/// Why a changed file at head cannot be assessed at all (CG004), if so.
pub(crate) fn not_assessed(tree: &dyn Tree, path: &str, read: Option<&Parsed>) -> Option<String> {
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

/// Why a file's module calls cannot be evaluated, if one cannot (a source
/// that is not a literal string or leaves the repository, a folder with no
/// readable `.tf` file): CG004 when the file changed.
pub(crate) fn unevaluable_calls(
    ctx: &SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    read: &Parsed,
) -> Option<String> {
    if !read.resources.iter().any(|r| r.kind == "module") {
        return None;
    }
    readers::terraform_modules::unevaluable_calls(
        &read.resources,
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

/// Local module calls as instances (DESIGN §1a): a call found through
/// `paths` brings all its resources, one found through `terraform:`
/// selectors those the selectors name.
pub(crate) fn evaluate_module_calls(
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
pub(crate) fn service_facts(
    ctx: &mut SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    service: &Service,
) -> ServiceFacts {
    let resources = service_resources(ctx, cache, sources, service);
    let mut facts = facts::derive(ctx.side, resources);
    facts.notes.append(&mut ctx.notes);
    facts.notes.sort();
    facts.notes.dedup();
    facts
}

/// Gives each violation located at a module argument the module's field
/// that uses it as a secondary label (DESIGN §1a).
pub(crate) fn label_module_arguments(violations: &mut [Violation], facts: &ServiceFacts) {
    for v in violations {
        if let Some((used_at, label)) = facts.module_arguments.get(&v.primary) {
            v.secondary.push((used_at.clone(), label.clone()));
        }
    }
}

/// Whether a repository path names a file, link or folder of a tree.
pub(crate) fn path_exists(tree: &dyn Tree, path: &str) -> bool {
    let path = path.trim_start_matches("./").trim_matches('/');
    !path.is_empty()
        && (tree.kind(path).is_some() || !tree.list_under(&format!("{path}/")).is_empty())
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

/// Evaluates ONE side: every service of the plan, its facts, and the state
/// rules' violations (`Rule::check`) as findings with resolved locations.
pub fn evaluate_side(
    tree: &dyn Tree,
    plan: &Plan,
    as_of: jiff::civil::Date,
    cache: &mut ParseCache,
) -> SideOutcome {
    let mut sources = SourceStore::default();
    sources.insert(Side::Head, plan.path.clone(), plan.text.clone());
    let ctx = SideCtx::new(Side::Head, tree, plan);
    // Every infrastructure file read once, for content selectors: the same
    // resources `service_resources` finds for a plan-only change, without one
    // scan per service (thousands of services share one repository).
    let mut all: Option<Vec<(String, Arc<Parsed>)>> = None;
    let services = plan
        .services
        .values()
        .map(|service| {
            let files = path_files(&ctx, service);
            let (resources, notes) =
                whole_side_resources(&ctx, cache, &mut sources, service, &files, &mut all);
            let mut facts = facts::derive(ctx.side, resources);
            facts.notes.extend(notes);
            facts.notes.sort();
            facts.notes.dedup();
            let findings = side_findings(&ctx, service, &facts, as_of, &sources);
            SideService {
                service: service.clone(),
                facts,
                files,
                findings,
            }
        })
        .collect();
    SideOutcome { services, sources }
}

/// A service's resources at a side read whole (`status`): the files its
/// `paths` match, then what its content selectors match in `all` (every
/// infrastructure file of the side, read on first need), settled, with its
/// module calls evaluated (their notes go to the facts).
fn whole_side_resources(
    ctx: &SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    service: &Service,
    files: &BTreeSet<String>,
    all: &mut Option<Vec<(String, Arc<Parsed>)>>,
) -> (Vec<Arc<Resource>>, Vec<String>) {
    let mut resources: Vec<Arc<Resource>> = Vec::new();
    for p in files {
        if let Some(read) = ctx.file(cache, sources, p) {
            resources.extend(read.resources.iter().cloned());
        }
    }
    if has_content_selectors(service) {
        let all = all.get_or_insert_with(|| {
            ctx.tree
                .list_under("")
                .into_iter()
                .filter(|p| is_infra_path(p) && !ctx.plan.is_ignored(p))
                .filter_map(|p| ctx.file(cache, sources, &p).map(|r| (p, r)))
                .collect()
        });
        for (_, read) in all.iter().filter(|(p, _)| !files.contains(p)) {
            let matched = read.resources.iter().filter(|r| content_match(service, r));
            resources.extend(matched.cloned());
        }
    }
    settle(ctx, cache, sources, &mut resources);
    let notes = evaluate_module_calls(ctx, cache, sources, service, files, &mut resources);
    (resources, notes)
}

/// The state rules' findings of a service at one side, judged by its plan.
fn side_findings(
    ctx: &SideCtx,
    service: &Service,
    facts: &ServiceFacts,
    as_of: jiff::civil::Date,
    sources: &SourceStore,
) -> Vec<Finding> {
    let mut violations = Vec::new();
    let exists = |p: &str| path_exists(ctx.tree, p);
    let view = ServiceView {
        service,
        plan: ctx.plan,
        facts,
        side: ctx.side,
        as_of,
        file_exists: &exists,
    };
    for rule in RULES {
        rule.check(&view, &mut violations);
    }
    label_module_arguments(&mut violations, facts);
    let mut findings: Vec<Finding> = violations
        .into_iter()
        .filter_map(|v| {
            judge(v, (State::Existing, None), ctx.plan, &[], as_of, sources).map(|(f, _)| f)
        })
        .collect();
    super::judge::sort_findings(&mut findings);
    findings
}

/// Resources made ready for facts: each once (a kustomize build reaches a
/// service through each of its inputs), in file order, with variables,
/// locals and tfvars resolved.
fn settle(
    ctx: &SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
    resources: &mut Vec<Arc<Resource>>,
) {
    let mut seen = std::collections::HashSet::new();
    resources.retain(|r| seen.insert(Arc::as_ptr(r)));
    resources.sort_by(|a, b| (a.path.as_ref(), a.span.start).cmp(&(b.path.as_ref(), b.span.start)));
    let var_files = ctx.plan.builds.terraform.as_deref().unwrap_or(&[]);
    readers::terraform::resolve_references_with(
        resources,
        var_files,
        |dir| ctx.tree.list_under(dir),
        |p| {
            ctx.file(cache, sources, p)
                .map(|parsed| parsed.to_file_read())
        },
    );
}

/// CG404's orphans: the head resources still matched by the base entry of a
/// service removed from the plan, that no head service matches (a renamed
/// or merged service's resources are not orphans).
pub(crate) fn orphans(
    removed: &Service,
    head: &mut SideCtx,
    cache: &mut ParseCache,
    sources: &mut SourceStore,
) -> Vec<Arc<Resource>> {
    let mut found = service_resources(head, cache, sources, removed);
    let plan = head.plan;
    found.retain(|r| {
        !plan
            .services
            .values()
            .any(|o| path_match(o, &r.path) || content_match(o, r))
    });
    found
}
