//! The change advisory board report (DESIGN §4, §6): every first-parent
//! commit of a range is one change, checked against its first parent exactly
//! as `check` would, with one parse cache for the whole range. Each change
//! gets the services it touches, its findings, a risk rating, the approvals it
//! needs and the recovery plans to update; `--window` says whether a planned
//! implementation window falls in any affected service's hours of operation
//! or in a change freeze. The renderers are in `render/cab.rs`.
//!
//! # Risk matrix
//!
//! *Impact* comes from the most critical service the change touches, by its
//! recovery time objective (the tier's, or the service's own when it
//! overrides it): RTO ≤ 1h is **high**, ≤ 4h **medium**, longer (or none)
//! **low**; a change that touches no service has low impact.
//! *Likelihood* comes from the worst finding the change introduces and no
//! waiver or inline suppression covers: an error is **high**, a warning
//! **medium**, a note or nothing **low**. Existing findings were there before
//! the change and do not count.
//!
//! | impact \ likelihood | low    | medium | high     |
//! | ---                 | ---    | ---    | ---      |
//! | high                | medium | high   | critical |
//! | medium              | low    | medium | high     |
//! | low                 | low    | low    | medium   |

mod change;
mod commits;
mod window;

pub use commits::pull_request;
pub use window::parse_window;

use crate::engine::{Finding, ParseCache};
use crate::plan::model::{Plan, Service, Severity};
use crate::source::{self, SourceError, Tree};
use crate::{CheckError, CheckOptions, Sides};
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Which commits the report covers.
#[derive(Clone, Debug)]
pub enum Range {
    /// `A..B`: the first-parent history of B, without what A reaches (git's `A..B`).
    Revs(String),
    /// The first-parent history of `HEAD` committed on or after the day
    /// (midnight in the plan's zone at `HEAD`).
    Since(Date),
}

/// Options of `report`.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The commits.
    pub range: Range,
    /// Where the repository is.
    pub repo_dir: PathBuf,
    /// `--plan`.
    pub plan: Option<String>,
    /// `--as-of` (default today).
    pub as_of: Date,
    /// `--window START/DURATION`, as written.
    pub window: Option<String>,
}

/// Why a report could not be made (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A bad `--range`, `--since` or `--window`.
    #[error("{0}")]
    Usage(String),
    /// Resolving revisions failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// One change could not be checked (an invalid or missing plan at that commit).
    #[error("commit {commit} ({title}): {error}")]
    Change {
        /// The commit (12 hex digits).
        commit: String,
        /// Its title.
        title: String,
        /// What went wrong.
        error: Box<CheckError>,
    },
}

/// A level of impact or likelihood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Level {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// A change's risk rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Risk {
    /// Every rating, lowest first.
    pub const ALL: [Risk; 4] = [Risk::Low, Risk::Medium, Risk::High, Risk::Critical];

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }

    /// The risk matrix of the module documentation: impact × likelihood.
    pub fn rate(impact: Level, likelihood: Level) -> Risk {
        use Level::*;
        match (impact, likelihood) {
            (High, High) => Risk::Critical,
            (High, Medium) | (Medium, High) => Risk::High,
            (High, Low) | (Medium, Medium) | (Low, High) => Risk::Medium,
            (Medium, Low) | (Low, Medium) | (Low, Low) => Risk::Low,
        }
    }
}

/// The impact of touching a service, from its RTO (see the module documentation).
pub fn impact_of(service: &Service) -> Level {
    match service.targets.rto.as_ref().map(|r| r.value) {
        Some(rto) if rto <= 3600 => Level::High,
        Some(rto) if rto <= 4 * 3600 => Level::Medium,
        _ => Level::Low,
    }
}

/// The likelihood from the worst unwaived introduced finding of a service
/// (an unmapped file, CG002, asks for a plan entry, not for CAB risk).
pub fn likelihood_of(findings: &[Finding]) -> Level {
    match findings
        .iter()
        .filter(|f| f.introduced && !f.waived && f.service.is_some())
        .map(|f| f.severity)
        .max()
    {
        Some(Severity::Error) => Level::High,
        Some(Severity::Warning) => Level::Medium,
        Some(Severity::Note) | None => Level::Low,
    }
}

/// A service's targets as the report shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Tier.
    pub tier: Option<String>,
    /// RTO, seconds.
    pub rto: Option<i64>,
    /// RPO, seconds.
    pub rpo: Option<i64>,
    /// Hours of operation, canonical.
    pub hours: Option<String>,
    /// Owners.
    pub owners: Vec<String>,
    /// Impact of touching it.
    pub impact: Level,
    /// Recovery plan document.
    pub recovery_plan: Option<String>,
    /// When the plan was last tested.
    pub last_tested: Option<Date>,
    /// How often it must be tested, seconds.
    pub test_every: Option<i64>,
    /// The day the next test is due (`last_tested` + `test_every`).
    pub test_due: Option<Date>,
    /// Whether the test is overdue at `--as-of` (never tested counts when a
    /// `test_every` applies).
    pub test_overdue: bool,
}

impl ServiceInfo {
    fn of(s: &Service, as_of: Date) -> ServiceInfo {
        let t = &s.targets;
        let test_every = t.test_every.as_ref().map(|x| x.value);
        let last_tested = s.last_tested.as_ref().map(|d| d.value);
        let test_due = match (last_tested, test_every) {
            (Some(d), Some(every)) => d
                .checked_add(jiff::Span::new().days(every.div_euclid(86_400)))
                .ok(),
            _ => None,
        };
        let test_overdue = match (test_every, test_due) {
            (Some(_), Some(due)) => as_of > due,
            (Some(_), None) => last_tested.is_none(),
            _ => false,
        };
        ServiceInfo {
            name: s.name.clone(),
            description: s.description.clone(),
            tier: s.tier.as_ref().map(|t| t.value.clone()),
            rto: t.rto.as_ref().map(|x| x.value),
            rpo: t.rpo.as_ref().map(|x| x.value),
            hours: t.hours.as_ref().map(|h| h.value.canonical()),
            owners: s.owners.clone(),
            impact: impact_of(s),
            recovery_plan: s.recovery_plan.as_ref().map(|p| p.value.clone()),
            last_tested,
            test_every,
            test_due,
            test_overdue,
        }
    }
}

/// A service touched by one change.
#[derive(Clone, Debug)]
pub struct ChangeService {
    /// Its targets after the change (before it, for a service the change removes).
    pub info: ServiceInfo,
    /// Whether the change removes its plan entry.
    pub removed: bool,
    /// What the change does to its plan entry and replica floor ("rto 1h → 30m").
    pub target_changes: Vec<String>,
}

/// A waiver a change relies on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WaiverUse {
    /// Rule code.
    pub rule: String,
    /// Service.
    pub service: String,
    /// The waiver's resource glob, if any.
    pub resource: Option<String>,
    /// The finding's subject it covers.
    pub subject: String,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// Last day it applies.
    pub expires: Date,
}

/// One approval a change needs, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// A service owner, or `CAB`.
    pub approver: String,
    /// Why their approval is needed.
    pub reasons: Vec<String>,
}

/// A recovery plan to review after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryPlan {
    /// The service.
    pub service: String,
    /// The document, if the plan names one.
    pub path: Option<String>,
    /// Whether the document exists after the change.
    pub exists: bool,
    /// Whether the change edits it.
    pub updated: bool,
    /// Last test.
    pub last_tested: Option<Date>,
    /// Whether the test is overdue at `--as-of`.
    pub test_overdue: bool,
}

/// One change (a first-parent commit).
#[derive(Clone, Debug)]
pub struct Change {
    /// Full commit id.
    pub commit: String,
    /// The pull request's title, else the commit's summary.
    pub title: String,
    /// The pull (merge) request number, from the message.
    pub pull_request: Option<u64>,
    /// The commit's author.
    pub author: String,
    /// The committer date, UTC (when it landed on the branch).
    pub date: Timestamp,
    /// Whether it is a merge commit.
    pub merge: bool,
    /// Paths changed against the first parent.
    pub files_changed: usize,
    /// Services touched, by name.
    pub services: Vec<ChangeService>,
    /// Findings as `check` reports them (introduced, existing, waived).
    pub findings: Vec<Finding>,
    /// Impact (highest of the services touched).
    pub impact: Level,
    /// Likelihood (worst unwaived introduced finding).
    pub likelihood: Level,
    /// Risk from the matrix.
    pub risk: Risk,
    /// Waivers relied on.
    pub waivers: Vec<WaiverUse>,
    /// Approvals required.
    pub approvals: Vec<Approval>,
    /// Recovery plans to review.
    pub recovery_plans: Vec<RecoveryPlan>,
    /// Notes from the check (skipped templates, …).
    pub notes: Vec<String>,
}

impl Change {
    /// The first 12 hex digits of the commit.
    pub fn short(&self) -> &str {
        self.commit.get(..12).unwrap_or(&self.commit)
    }

    /// Introduced, unwaived errors: what `check` would fail on.
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.introduced && !f.waived && f.severity == Severity::Error)
    }
}

/// One stretch of an overlap: UTC bounds and the text in a local zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stretch {
    /// Start, UTC.
    pub start: Timestamp,
    /// End, UTC.
    pub end: Timestamp,
    /// On the service's wall clock (or the plan's, for a service without hours).
    pub local: String,
}

/// A freeze the window falls in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreezeHit {
    /// Its name.
    pub name: String,
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// The part of the window inside it.
    pub stretch: Stretch,
}

/// The window seen from one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowService {
    /// The service.
    pub service: String,
    /// Its hours of operation, canonical (None: the plan gives none).
    pub hours: Option<String>,
    /// Whether the window overlaps its hours of operation.
    pub inside_hours: bool,
    /// The overlapping stretches, on its wall clock.
    pub hours_overlap: Vec<Stretch>,
    /// Whether the window overlaps a freeze.
    pub inside_freeze: bool,
    /// The freezes, with the overlapping stretch on its wall clock.
    pub freezes: Vec<FreezeHit>,
}

/// The planned implementation window.
#[derive(Clone, Debug)]
pub struct Window {
    /// As written.
    pub text: String,
    /// Start, UTC.
    pub start: Timestamp,
    /// End, UTC.
    pub end: Timestamp,
    /// The window on the plan's wall clock.
    pub local: String,
    /// Freezes it overlaps (on the plan's wall clock).
    pub freezes: Vec<FreezeHit>,
    /// Every service touched in the range, by name.
    pub services: BTreeMap<String, WindowService>,
}

/// The per-service view: every change that touched the service.
#[derive(Clone, Debug)]
pub struct ServiceEntry {
    /// Targets at the end of the range (or where last seen).
    pub info: ServiceInfo,
    /// Indexes into [`CabReport::changes`].
    pub changes: Vec<usize>,
}

/// What the range was.
#[derive(Clone, Debug, Default)]
pub struct RangeInfo {
    /// As asked (`v1.4..v1.5`, `since 2026-11-01`).
    pub spec: String,
    /// The commit the range starts after, if any.
    pub from: Option<String>,
    /// The commit it ends at.
    pub to: Option<String>,
}

/// The report, ready to render.
#[derive(Clone, Debug)]
pub struct CabReport {
    /// The range.
    pub range: RangeInfo,
    /// `--as-of`.
    pub as_of: Date,
    /// The plan's zone at the end of the range.
    pub timezone: String,
    /// The changes, oldest first.
    pub changes: Vec<Change>,
    /// Services touched, by name.
    pub services: Vec<ServiceEntry>,
    /// `--window`.
    pub window: Option<Window>,
    /// Notes (ambiguous window start, …).
    pub notes: Vec<String>,
    /// Commits of the range that could not be assessed, with the reason
    /// (DESIGN §4: never dropped).
    pub not_assessed: Vec<NotAssessed>,
}

/// A commit `report` could not assess.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NotAssessed {
    /// Full commit id.
    pub commit: String,
    /// The pull request's title, else the commit's summary.
    pub title: String,
    /// Why.
    pub reason: String,
}

/// A waiver used in the range, with the change that used it.
#[derive(Clone, Debug)]
pub struct WaiverInRange<'a> {
    /// The change.
    pub change: &'a Change,
    /// The waiver.
    pub waiver: &'a WaiverUse,
}

/// The executive summary's numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CabSummary {
    /// Changes in the range.
    pub changes: usize,
    /// Of those, touching at least one service.
    pub changes_touching_services: usize,
    /// Services touched.
    pub services_affected: usize,
    /// Changes by risk.
    pub risk: RiskCounts,
    /// Introduced, unwaived errors.
    pub errors: usize,
    /// Introduced, unwaived warnings.
    pub warnings: usize,
    /// Introduced, unwaived notes.
    pub notes: usize,
    /// Introduced, unwaived errors (what `check` fails on by default).
    pub blocking: usize,
    /// Existing findings.
    pub existing: usize,
    /// Waived or suppressed findings.
    pub waived: usize,
    /// Waivers relied on.
    pub waivers_used: usize,
    /// Services touched whose plan test is overdue at `--as-of`.
    pub tests_overdue: Vec<String>,
    /// With `--window`: services whose hours the window overlaps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_inside_hours: Option<Vec<String>>,
    /// With `--window`: whether it overlaps a freeze.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_inside_freeze: Option<bool>,
}

/// Changes by risk.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RiskCounts {
    /// Low.
    pub low: usize,
    /// Medium.
    pub medium: usize,
    /// High.
    pub high: usize,
    /// Critical.
    pub critical: usize,
}

impl RiskCounts {
    /// The count of one rating.
    pub fn get(&self, r: Risk) -> usize {
        match r {
            Risk::Low => self.low,
            Risk::Medium => self.medium,
            Risk::High => self.high,
            Risk::Critical => self.critical,
        }
    }
}

impl CabReport {
    /// The summary numbers.
    pub fn summary(&self) -> CabSummary {
        let mut s = CabSummary {
            changes: self.changes.len(),
            services_affected: self.services.len(),
            ..CabSummary::default()
        };
        for c in &self.changes {
            if !c.services.is_empty() {
                s.changes_touching_services += 1;
            }
            match c.risk {
                Risk::Low => s.risk.low += 1,
                Risk::Medium => s.risk.medium += 1,
                Risk::High => s.risk.high += 1,
                Risk::Critical => s.risk.critical += 1,
            }
            s.waivers_used += c.waivers.len();
            for f in &c.findings {
                if f.waived {
                    s.waived += 1;
                } else if !f.introduced {
                    s.existing += 1;
                } else {
                    match f.severity {
                        Severity::Error => {
                            s.errors += 1;
                            s.blocking += 1;
                        }
                        Severity::Warning => s.warnings += 1,
                        Severity::Note => s.notes += 1,
                    }
                }
            }
        }
        s.tests_overdue = self
            .services
            .iter()
            .filter(|e| e.info.test_overdue)
            .map(|e| e.info.name.clone())
            .collect();
        if let Some(w) = &self.window {
            s.window_inside_hours = Some(
                w.services
                    .values()
                    .filter(|x| x.inside_hours)
                    .map(|x| x.service.clone())
                    .collect(),
            );
            s.window_inside_freeze = Some(!w.freezes.is_empty());
        }
        s
    }

    /// Every waiver relied on, in change order.
    pub fn waivers(&self) -> Vec<WaiverInRange<'_>> {
        self.changes
            .iter()
            .flat_map(|c| {
                c.waivers.iter().map(move |w| WaiverInRange {
                    change: c,
                    waiver: w,
                })
            })
            .collect()
    }
}

/// `continuity-guard report`: each first-parent commit of the range
/// assessed as `check` would (or listed as not assessed, with the reason),
/// then the services touched with their targets at the end of the range,
/// and the implementation window.
pub fn report(opts: &ReportOptions) -> Result<CabReport, ReportError> {
    let repo = source::git::open(&opts.repo_dir)?;
    let mut cache = ParseCache::default();
    let (commits, range) = commits::commits_of(&repo, opts, &mut cache)?;
    let mut notes = Vec::new();
    let mut not_assessed = Vec::new();
    let mut changes = Vec::new();
    // The latest plan entry seen for each service touched, and its plan.
    let mut latest: Latest = BTreeMap::new();
    for commit in &commits {
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let (pull_request, title) = commits::pull_request(&message);
        match change::assess(&repo, commit, opts, &mut cache, &mut latest)? {
            Ok(mut c) => {
                (c.title, c.pull_request) = (title, pull_request);
                changes.push(c);
            }
            Err(reason) => not_assessed.push(NotAssessed {
                commit: commit.id().to_string(),
                title,
                reason,
            }),
        }
    }
    let end_plan = end_plan(&repo, &range, opts, &mut cache)?;
    let timezone = end_plan
        .as_ref()
        .map_or_else(|| "UTC".to_string(), |p| p.timezone.clone());
    for (name, (service, plan)) in latest.iter_mut() {
        if let Some(p) = &end_plan
            && let Some(s) = p.services.get(name)
        {
            *service = s.clone();
            *plan = p.clone();
        }
    }
    let services = service_entries(&latest, &changes, opts.as_of);
    let window = match &opts.window {
        None => None,
        Some(text) => Some(window::range_window(
            text,
            &timezone,
            end_plan.as_deref(),
            &latest,
            &mut notes,
        )?),
    };
    if commits.is_empty() {
        notes.push(format!("the range {} holds no commits", range.spec));
    }
    notes.sort();
    notes.dedup();
    Ok(CabReport {
        range,
        as_of: opts.as_of,
        timezone,
        changes,
        services,
        window,
        notes,
        not_assessed,
    })
}

/// The latest plan entry seen in the range for each service touched, with
/// the plan it came from.
pub(crate) type Latest = BTreeMap<String, (Service, Arc<Plan>)>;

/// The plan at the end of the range: current targets, zone and freezes.
fn end_plan(
    repo: &git2::Repository,
    range: &RangeInfo,
    opts: &ReportOptions,
    cache: &mut ParseCache,
) -> Result<Option<Arc<Plan>>, ReportError> {
    let Some(to) = &range.to else {
        return Ok(None);
    };
    let oid = git2::Oid::from_str(to).map_err(SourceError::from)?;
    let commit = repo.find_commit(oid).map_err(SourceError::from)?;
    let tree = source::git::CommitTree::new(repo, &commit)?;
    cache
        .plan(&tree, opts.plan.as_deref())
        .map_err(|e| ReportError::Change {
            commit: commits::short(to),
            title: commits::summary(&commit),
            error: Box::new(CheckError::Plan(e)),
        })
}

/// Each service touched in the range, with the changes that touched it.
fn service_entries(latest: &Latest, changes: &[Change], as_of: Date) -> Vec<ServiceEntry> {
    latest
        .iter()
        .map(|(name, (service, _))| ServiceEntry {
            info: ServiceInfo::of(service, as_of),
            changes: changes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.services.iter().any(|s| &s.info.name == name))
                .map(|(i, _)| i)
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix() {
        assert_eq!(Risk::rate(Level::High, Level::High), Risk::Critical);
        assert_eq!(Risk::rate(Level::High, Level::Low), Risk::Medium);
        assert_eq!(Risk::rate(Level::Low, Level::High), Risk::Medium);
        assert_eq!(Risk::rate(Level::Medium, Level::Medium), Risk::Medium);
        assert_eq!(Risk::rate(Level::Low, Level::Low), Risk::Low);
        assert_eq!(Risk::rate(Level::Medium, Level::High), Risk::High);
    }

    #[test]
    fn pull_requests() {
        assert_eq!(
            pull_request(
                "Merge pull request #123 from acme/scale-down\n\nLower payments replicas\n"
            ),
            (Some(123), "Lower payments replicas".into())
        );
        assert_eq!(
            pull_request("Merge pull request #7 from acme/x"),
            (Some(7), "Merge pull request #7 from acme/x".into())
        );
        assert_eq!(
            pull_request("Ledger: move maintenance window (#42)\n\n* details"),
            (Some(42), "Ledger: move maintenance window".into())
        );
        assert_eq!(
            pull_request("Merged in feature/x (pull request #9)\n\nAdd a PDB\n"),
            (Some(9), "Add a PDB".into())
        );
        assert_eq!(
            pull_request(
                "Merge branch 'x' into 'main'\n\nFaster backups\n\nSee merge request acme/infra!55\n"
            ),
            (Some(55), "Faster backups".into())
        );
        assert_eq!(pull_request("Fix (typo)"), (None, "Fix (typo)".into()));
        assert_eq!(pull_request("Bump (#12a)"), (None, "Bump (#12a)".into()));
        assert_eq!(pull_request(""), (None, String::new()));
        assert_eq!(
            pull_request("Merge pull request #99999999999999999999999 from a/b"),
            (
                None,
                "Merge pull request #99999999999999999999999 from a/b".into()
            )
        );
    }

    #[test]
    fn windows() {
        let (s, e, note) = parse_window("2026-11-28T22:00/2h", "Europe/London").expect("ok");
        assert_eq!(s.to_string(), "2026-11-28T22:00:00Z");
        assert_eq!(e.to_string(), "2026-11-29T00:00:00Z");
        assert!(note.is_none());
        let (s, _, _) = parse_window("2026-07-01T22:00/2h", "Europe/London").expect("ok");
        assert_eq!(s.to_string(), "2026-07-01T21:00:00Z");
        let (s, _, _) = parse_window("2026-07-01T22:00:30Z/2h", "Europe/London").expect("ok");
        assert_eq!(s.to_string(), "2026-07-01T22:00:30Z");
        let (s, _, _) = parse_window("2026-07-01T22:00-05:00/90m", "Europe/London").expect("ok");
        assert_eq!(s.to_string(), "2026-07-02T03:00:00Z");
        let (_, _, note) = parse_window("2026-03-29T01:30/1h", "Europe/London").expect("ok");
        assert!(note.is_some_and(|n| n.contains("does not exist")));
        let (_, _, note) = parse_window("2026-10-25T01:30/1h", "Europe/London").expect("ok");
        assert!(note.is_some_and(|n| n.contains("twice")));
        for bad in [
            "2026-11-28T22:00",
            "2026-11-28T22:00/0",
            "2026-11-28T22:00/2x",
            "2026-11-28 22:00/2h",
            "2026-11-28T22/2h",
            "2026-13-28T22:00/2h",
            "2026-11-28T22:00+25:00/2h",
            "2026-11-28T22:00+0100/2h",
            "/2h",
            "2026-11-28T22:00/400d",
            "2026-11-28T22:00é/1h",
        ] {
            assert!(parse_window(bad, "UTC").is_err(), "{bad}");
        }
    }
}
