//! continuity-guard: assess the impact of infrastructure changes on service continuity plans.
//!
//! The pipeline (DESIGN.md §1): revisions → change set → documents → facts per
//! service → findings → renderers. [`check`] runs it for two sides.

pub mod engine;
pub mod facts;
#[doc(hidden)]
pub mod fuzzing;
pub mod plan;
pub mod readers;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
pub mod status;
pub mod tzdb;

use engine::{Outcome, ParseCache};
use plan::model::Severity;
use source::{ChangeSet, SideInfo, SourceError, Tree};
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

/// Which two sides to compare.
#[derive(Clone, Debug)]
pub enum Sides {
    /// Two git revisions (base defaults to the merge-base with the PR's base branch).
    Git {
        /// Base revision, or the default.
        base: Option<String>,
        /// Head revision (default `HEAD`).
        head: Option<String>,
    },
    /// `HEAD` against the index.
    Staged,
    /// Two directories.
    Dirs {
        /// Before.
        before: PathBuf,
        /// After.
        after: PathBuf,
    },
}

/// Options of `check`.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The sides.
    pub sides: Sides,
    /// Where the repository is (for git modes).
    pub repo_dir: PathBuf,
    /// `--plan`.
    pub plan: Option<String>,
    /// `--as-of` (default today).
    pub as_of: jiff::civil::Date,
    /// `--all`.
    pub all: bool,
    /// `--fail-on` (`None` = never).
    pub fail_on: Option<Severity>,
    /// `--strict`: judge the head with the base plan's `ignore`, `rules`,
    /// `waivers` and assumptions and the stricter of each service's entries.
    pub strict: bool,
}

/// Why a check could not assess (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Resolving the sides failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A plan is invalid.
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    /// No plan where one is needed.
    #[error("{0}")]
    NoPlan(String),
}

/// The result of a check, ready to render.
#[derive(Debug)]
pub struct Report {
    /// Base side.
    pub base: SideInfo,
    /// Head side.
    pub head: SideInfo,
    /// Changed paths.
    pub changes: ChangeSet,
    /// What the engine found.
    pub outcome: Outcome,
    /// Which severity fails the run.
    pub fail_on: Option<Severity>,
    /// Whether existing findings are listed.
    pub all: bool,
}

/// Counts of DESIGN §5's `summary`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Introduced unwaived errors.
    pub errors: usize,
    /// … warnings.
    pub warnings: usize,
    /// … notes.
    pub notes: usize,
    /// Of those, at or above `--fail-on`.
    pub blocking: usize,
    /// Existing findings.
    pub existing: usize,
    /// Of the introduced ones, those worse than at base (DESIGN §1.5).
    pub worsened: usize,
    /// Findings newly in scope (only the mapping changed, or a new plan): never blocking.
    pub newly_in_scope: usize,
    /// Base findings the change resolved.
    pub resolved: usize,
    /// Waived or suppressed findings.
    pub waived: usize,
    /// Affected services.
    pub services_affected: usize,
}

impl Report {
    /// The summary counts.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in &self.outcome.findings {
            if f.state == engine::State::Resolved {
                s.resolved += 1;
            } else if f.waived {
                s.waived += 1;
            } else if f.state == engine::State::NewlyInScope {
                s.newly_in_scope += 1;
            } else if !f.introduced {
                s.existing += 1;
            } else {
                if f.state == engine::State::Worsened {
                    s.worsened += 1;
                }
                match f.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                    Severity::Note => s.notes += 1,
                }
                if self.blocks(f) {
                    s.blocking += 1;
                }
            }
        }
        s.services_affected = self.outcome.services.iter().filter(|s| s.affected).count();
        s
    }

    /// Whether a finding fails the run: introduced (or worsened), not
    /// waived, at or above `--fail-on`.
    pub fn blocks(&self, f: &engine::Finding) -> bool {
        f.introduced
            && !f.waived
            && !matches!(
                f.state,
                engine::State::Resolved | engine::State::NewlyInScope
            )
            && self.fail_on.is_some_and(|min| f.severity >= min)
    }

    /// The findings to list: introduced, worsened, newly in scope and
    /// resolved ones (and existing ones with `--all`).
    pub fn listed(&self) -> impl Iterator<Item = &engine::Finding> {
        self.outcome
            .findings
            .iter()
            .filter(|f| self.all || f.state != engine::State::Existing)
    }

    /// A one-line description of what was compared, naming the commits.
    pub fn compared(&self) -> String {
        fn side(s: &SideInfo) -> String {
            match (&s.dir, &s.rev, &s.commit) {
                (Some(d), _, _) => format!("directory {d}"),
                (_, Some(r), Some(c)) => {
                    let short = c.get(..12).unwrap_or(c);
                    match &s.merge_base_of {
                        Some((a, b)) => format!("{short} (merge-base of {a} and {b})"),
                        None => format!("{short} ({r})"),
                    }
                }
                (_, Some(r), None) => r.clone(),
                _ => "?".into(),
            }
        }
        format!("{} → {}", side(&self.base), side(&self.head))
    }
}

/// The plans of both sides and the change set.
type PlansAndChanges<'c> = (Arc<plan::Plan>, Arc<plan::Plan>, Cow<'c, ChangeSet>);

/// The plans of both sides, parsed while `changes` computes the change set
/// and its files are read. A change-set error wins over a plan error.
fn plans_and_changes<'c>(
    base: &dyn Tree,
    head: &dyn Tree,
    changes: impl FnOnce() -> Result<Cow<'c, ChangeSet>, CheckError>,
    explicit: Option<&str>,
    cache: &mut ParseCache,
) -> Result<PlansAndChanges<'c>, CheckError> {
    let head_blob = plan::locate(head, explicit);
    let base_blob = plan::locate(base, explicit);
    let (plans, changes) = cache.with_plans_in_parallel(base, head, changes, |plans| {
        let head_plan = match &head_blob {
            Some((path, blob)) => plans.load_blob(path, blob)?,
            None => return Err(CheckError::NoPlan(match explicit {
                Some(p) => format!("no continuity plan at `{p}` on the head side"),
                None => "no continuity plan on the head side: looked for continuity.yaml and .continuity/plan.yaml; run `continuity-guard init` to write one, or pass --plan PATH".to_string(),
            })),
        };
        let base_plan = match &base_blob {
            Some((path, blob)) => plans.load_blob(path, blob)?,
            None => Arc::new(plan::Plan::empty(&head_plan.path)),
        };
        Ok((base_plan, head_plan))
    });
    let changes = changes?;
    let (base_plan, head_plan) = plans?;
    Ok((base_plan, head_plan, changes))
}

/// Runs a check between two trees with a change set already computed.
pub fn check_trees(
    base: &dyn Tree,
    head: &dyn Tree,
    changes: &ChangeSet,
    opts: &CheckOptions,
    base_commit_time: Option<i64>,
    cache: &mut ParseCache,
) -> Result<Outcome, CheckError> {
    let diff = || Ok(Cow::Borrowed(changes));
    check_trees_diffing(base, head, diff, opts, base_commit_time, false, cache).map(|(_, o)| o)
}

/// The note of a check in a repository that has no plan on either side.
pub const NO_PLAN_YET: &str = "no continuity plan in this repository yet (looked for continuity.yaml and .continuity/plan.yaml), so nothing was checked: `continuity-guard init` drafts one (`pip install continuity-guard` puts the command on PATH)";

/// A check with nothing to check: no plan on either side, no `--plan`.
fn no_plan_yet(base: &dyn Tree, head: &dyn Tree, opts: &CheckOptions) -> Option<Outcome> {
    let none = opts.plan.is_none() && plan::locate(head, None).is_none();
    (none && plan::locate(base, None).is_none()).then(|| Outcome {
        findings: Vec::new(),
        services: Vec::new(),
        notes: vec![NO_PLAN_YET.to_string()],
        sources: engine::SourceStore::default(),
        as_of: opts.as_of,
    })
}

/// [`check_trees`] with the change set computed by `diff` while the plans
/// are parsed. With `no_plan_passes`, a repository with no plan on either
/// side passes with a note (DESIGN §4); `report` lists such a commit as not
/// assessed instead.
fn check_trees_diffing<'c>(
    base: &dyn Tree,
    head: &dyn Tree,
    diff: impl FnOnce() -> Result<Cow<'c, ChangeSet>, CheckError>,
    opts: &CheckOptions,
    base_commit_time: Option<i64>,
    no_plan_passes: bool,
    cache: &mut ParseCache,
) -> Result<(Cow<'c, ChangeSet>, Outcome), CheckError> {
    if no_plan_passes && let Some(outcome) = no_plan_yet(base, head, opts) {
        return Ok((diff()?, outcome));
    }
    let (base_plan, head_plan, changes) =
        plans_and_changes(base, head, diff, opts.plan.as_deref(), cache)?;
    let relaxations = if std::ptr::eq(base_plan.as_ref(), head_plan.as_ref()) {
        Vec::new()
    } else {
        let infrastructure_at_base = || {
            base.list_under("")
                .into_iter()
                .filter(|p| readers::is_read(&p.to_ascii_lowercase()))
                .collect()
        };
        rules::cg407_plan_relaxed::relaxations(
            &base_plan,
            &head_plan,
            opts.as_of,
            &infrastructure_at_base,
        )
    };
    // A plan at base only is an error above; an empty base plan (none at
    // base) has nothing to be stricter with.
    let head_plan = if opts.strict && !relaxations.is_empty() {
        Arc::new(plan::strict::stricter(&base_plan, &head_plan, opts.as_of))
    } else {
        head_plan
    };
    let change_date = base_commit_time
        .and_then(|t| jiff::Timestamp::from_second(t).ok())
        .and_then(|t| crate::tzdb::zone(&head_plan.timezone).map(|(_, tz)| t.to_zoned(tz).date()))
        .unwrap_or(opts.as_of);
    let inputs = engine::Inputs {
        base,
        head,
        changes: &changes,
        base_plan: &base_plan,
        head_plan: &head_plan,
        as_of: opts.as_of,
        all: opts.all,
        change_date,
        relaxations: &relaxations,
        strict: opts.strict,
    };
    let outcome = engine::run(&inputs, cache);
    Ok((changes, outcome))
}

/// `continuity-guard check`.
pub fn check(opts: &CheckOptions) -> Result<Report, CheckError> {
    check_with_cache(opts, &mut ParseCache::default())
}

/// [`check`] with a parse cache of the caller's (which can keep it, or let
/// the process end without freeing every parsed file one by one).
pub fn check_with_cache(opts: &CheckOptions, cache: &mut ParseCache) -> Result<Report, CheckError> {
    match &opts.sides {
        Sides::Dirs { before, after } => {
            let b = source::dirs::DirTree::new(before)?;
            let a = source::dirs::DirTree::new(after)?;
            let changes = source::dirs::diff_dirs(&b, &a);
            let diff = || Ok(Cow::Borrowed(&changes));
            let (_, outcome) = check_trees_diffing(&b, &a, diff, opts, None, true, cache)?;
            Ok(Report {
                base: SideInfo {
                    dir: Some(before.display().to_string()),
                    ..SideInfo::default()
                },
                head: SideInfo {
                    dir: Some(after.display().to_string()),
                    ..SideInfo::default()
                },
                changes,
                outcome,
                fail_on: opts.fail_on,
                all: opts.all,
            })
        }
        Sides::Staged => {
            let repo = source::git::open(&opts.repo_dir)?;
            let head_commit = source::git::resolve(&repo, "HEAD").ok();
            let changes = source::git::diff_staged(&repo, head_commit.as_ref())?;
            // Nothing staged (`pre-commit run --all-files`): the branch
            // against its merge-base with the default branch, when there is one.
            if changes.changes.is_empty()
                && head_commit.is_some()
                && source::git::default_base(&repo).is_ok()
            {
                let sides = Sides::Git {
                    base: None,
                    head: None,
                };
                return check_with_cache(
                    &CheckOptions {
                        sides,
                        ..opts.clone()
                    },
                    cache,
                );
            }
            let index = source::git::IndexTree::new(&repo)?;
            let empty;
            let base_tree: Box<dyn Tree> = match &head_commit {
                Some(c) => Box::new(source::git::CommitTree::new(&repo, c)?),
                None => {
                    empty = EmptyTree;
                    Box::new(empty)
                }
            };
            let workdir = repo.workdir().unwrap_or(&opts.repo_dir).to_path_buf();
            let base_tree = source::terraform_init::WithTerraformInit {
                inner: base_tree.as_ref(),
                root: workdir.clone(),
            };
            let head_tree = source::terraform_init::WithTerraformInit {
                inner: &index,
                root: workdir,
            };
            let diff = || Ok(Cow::Borrowed(&changes));
            let outcome =
                check_trees_diffing(&base_tree, &head_tree, diff, opts, None, true, cache)
                    .map(|(_, o)| o);
            // A missing object explains whatever else went wrong (a plan not found).
            if let Some(e) = index.unreadable() {
                return Err(e.into());
            }
            let outcome = outcome?;
            Ok(Report {
                base: head_commit
                    .as_ref()
                    .map(|c| source::git::side_info("HEAD", c))
                    .unwrap_or_else(|| SideInfo {
                        rev: Some("HEAD".into()),
                        ..SideInfo::default()
                    }),
                head: SideInfo {
                    rev: Some("index".into()),
                    ..SideInfo::default()
                },
                changes,
                outcome,
                fail_on: opts.fail_on,
                all: opts.all,
            })
        }
        Sides::Git { base, head } => {
            let repo = source::git::open(&opts.repo_dir)?;
            let head_rev = head.clone().unwrap_or_else(|| "HEAD".to_string());
            let base_rev = match base {
                Some(b) => b.clone(),
                None => source::git::default_base(&repo)?,
            };
            let head_commit = source::git::resolve(&repo, &head_rev)?;
            let base_tip = source::git::resolve(&repo, &base_rev)?;
            let merge_base = repo
                .merge_base(base_tip.id(), head_commit.id())
                .map_err(|_| SourceError::NoMergeBase {
                    base: base_rev.clone(),
                    head: head_rev.clone(),
                    shallow: repo.is_shallow(),
                })?;
            let base_commit = repo.find_commit(merge_base).map_err(SourceError::from)?;
            let base_commit_tree = source::git::CommitTree::new(&repo, &base_commit)?;
            let head_commit_tree = source::git::CommitTree::new(&repo, &head_commit)?;
            // `terraform init`'s module copies are read from the work tree.
            let workdir = repo.workdir().unwrap_or(&opts.repo_dir).to_path_buf();
            let bt = source::terraform_init::WithTerraformInit {
                inner: &base_commit_tree,
                root: workdir.clone(),
            };
            let ht = source::terraform_init::WithTerraformInit {
                inner: &head_commit_tree,
                root: workdir,
            };
            let diff = || {
                source::git::diff_commits(&repo, &base_commit, &head_commit)
                    .map(Cow::Owned)
                    .map_err(CheckError::from)
            };
            let checked = check_trees_diffing(
                &bt,
                &ht,
                diff,
                opts,
                Some(base_commit.committer().when().seconds()),
                true,
                cache,
            );
            // A missing object explains whatever else went wrong (a plan not found).
            if let Some(e) = head_commit_tree
                .unreadable()
                .or_else(|| base_commit_tree.unreadable())
            {
                return Err(e.into());
            }
            let (changes, outcome) = checked?;
            let changes = changes.into_owned();
            let mut base_info = source::git::side_info(&base_rev, &base_commit);
            if merge_base != base_tip.id() {
                base_info.merge_base_of = Some((base_rev.clone(), head_rev.clone()));
            }
            Ok(Report {
                base: base_info,
                head: source::git::side_info(&head_rev, &head_commit),
                changes,
                outcome,
                fail_on: opts.fail_on,
                all: opts.all,
            })
        }
    }
}

/// `continuity-guard report`: the change advisory board report of a range
/// of commits (see [`cab`]).
pub fn report(opts: &report::ReportOptions) -> Result<report::CabReport, report::ReportError> {
    report::report(opts)
}

/// A side with no files (a repository without commits).
struct EmptyTree;

impl Tree for EmptyTree {
    fn read(&self, _: &str) -> Option<source::Blob> {
        None
    }
    fn kind(&self, _: &str) -> Option<source::EntryKind> {
        None
    }
    fn list_under(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}
