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

use crate::engine::{Finding, ParseCache};
use crate::plan::hours::{Hours, Interval, describe_in_zone};
use crate::plan::model::{Plan, Service, Severity};
use crate::source::{self, SourceError, Tree};
use crate::{CheckError, CheckOptions, Sides};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
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

/// Pull-request number and title from a commit message: GitHub merges
/// (`Merge pull request #123 from org/branch` + the body's first line),
/// squash merges (`Title (#123)`), Bitbucket (`Merged in branch (pull request
/// #123)`) and GitLab (`See merge request group/project!123`).
pub fn pull_request(message: &str) -> (Option<u64>, String) {
    let mut lines = message.lines().map(str::trim);
    let first = lines.next().unwrap_or("").to_string();
    let body_first = message
        .lines()
        .skip(1)
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string);
    let number = |s: &str| -> Option<u64> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            None
        } else {
            digits.parse().ok()
        }
    };
    if let Some(rest) = first.strip_prefix("Merge pull request #")
        && let Some(n) = number(rest)
    {
        return (Some(n), body_first.unwrap_or(first));
    }
    if let Some(at) = first.find("(pull request #")
        && first.starts_with("Merged in ")
        && let Some(n) = number(&first[at + "(pull request #".len()..])
    {
        return (Some(n), body_first.unwrap_or(first));
    }
    if let Some(open) = first.rfind("(#")
        && first.ends_with(')')
        && let Some(n) = number(&first[open + 2..])
        && first[open + 2..first.len() - 1]
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        let title = first[..open].trim_end().to_string();
        return (Some(n), if title.is_empty() { first } else { title });
    }
    for line in message.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("See merge request ")
            && let Some((_, n)) = rest.rsplit_once('!')
            && let Some(n) = number(n)
        {
            let title = if first.starts_with("Merge branch ") {
                body_first
                    .filter(|b| !b.starts_with("See merge request "))
                    .unwrap_or(first)
            } else {
                first
            };
            return (Some(n), title);
        }
    }
    (None, first)
}

/// Parses `--window START/DURATION`: START is `YYYY-MM-DDTHH:MM[:SS]` with an
/// optional `Z` or `±HH:MM`, else on the wall clock of `zone`. Returns the
/// UTC bounds and a note when the local start is ambiguous or skipped.
pub fn parse_window(
    text: &str,
    zone_name: &str,
) -> Result<(Timestamp, Timestamp, Option<String>), String> {
    let bad = |why: &str| {
        format!(
            "--window `{text}`: {why}; write START/DURATION, e.g. 2026-11-28T22:00/2h or 2026-11-28T22:00+01:00/90m"
        )
    };
    let (start, duration) = text
        .split_once('/')
        .ok_or_else(|| bad("no `/` between start and duration"))?;
    let seconds = crate::plan::duration::parse_duration(duration).map_err(|e| bad(&e))?;
    if seconds <= 0 {
        return Err(bad("the duration must be longer than 0"));
    }
    if seconds > 366 * 86_400 {
        return Err(bad("the duration must be at most 366 days"));
    }
    let (local, offset) = if let Some(s) = start.strip_suffix('Z').or(start.strip_suffix('z')) {
        (s, Some(0))
    } else if start.len() > 16
        && let Some(tail) = start.get(start.len() - 6..)
        && (tail.starts_with('+') || tail.starts_with('-'))
    {
        let sign = if tail.starts_with('-') { -1 } else { 1 };
        let hh: i32 = tail
            .get(1..3)
            .and_then(|h| h.parse().ok())
            .ok_or_else(|| bad("bad UTC offset"))?;
        let mm: i32 = tail
            .get(4..6)
            .filter(|_| tail.get(3..4) == Some(":"))
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| bad("bad UTC offset; write ±HH:MM"))?;
        if hh > 23 || mm > 59 {
            return Err(bad("bad UTC offset"));
        }
        (
            &start[..start.len() - 6],
            Some(sign * (hh * 3600 + mm * 60)),
        )
    } else {
        (start, None)
    };
    let shape_ok = local.is_ascii()
        && (local.len() == 16 || local.len() == 19)
        && local.as_bytes().get(10) == Some(&b'T');
    if !shape_ok {
        return Err(bad(
            "the start must be YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS",
        ));
    }
    let dt: jiff::civil::DateTime = local
        .parse()
        .map_err(|_| bad("the start is not a valid date and time"))?;
    let mut note = None;
    let start_ts = match offset {
        Some(secs) => jiff::tz::Offset::from_seconds(secs)
            .map_err(|_| bad("bad UTC offset"))?
            .to_timestamp(dt)
            .map_err(|_| bad("the start is out of range"))?,
        None => {
            let tz = crate::tzdb::zone(zone_name)
                .map(|(_, tz)| tz)
                .ok_or_else(|| bad("unknown plan time zone"))?;
            let amb = tz.to_ambiguous_timestamp(dt);
            match amb.offset() {
                jiff::tz::AmbiguousOffset::Gap { .. } => {
                    note = Some(format!(
                        "--window: {local} does not exist in {zone_name} (clocks go forward); read as the instant after the gap"
                    ));
                }
                jiff::tz::AmbiguousOffset::Fold { .. } => {
                    note = Some(format!(
                        "--window: {local} happens twice in {zone_name} (clocks go back); read as the first one — give an offset (±HH:MM) to choose"
                    ));
                }
                jiff::tz::AmbiguousOffset::Unambiguous { .. } => {}
            }
            amb.compatible()
                .map_err(|_| bad("the start is out of range"))?
        }
    };
    let end = Timestamp::from_second(start_ts.as_second().saturating_add(seconds))
        .map_err(|_| bad("the window ends out of range"))?;
    Ok((start_ts, end, note))
}

/// A freeze as a UTC interval: whole days on the plan's wall clock.
fn freeze_interval(from: Date, to: Date, tz: &TimeZone) -> Option<Interval> {
    let midnight = |d: Date| {
        tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .ok()
    };
    Some((midnight(from)?, midnight(to.tomorrow().ok()?)?))
}

fn clip(a: Interval, b: Interval) -> Option<Interval> {
    let s = a.0.max(b.0);
    let e = a.1.min(b.1);
    (s < e).then_some((s, e))
}

fn window_service(
    service: &Service,
    plan: &Plan,
    window: Interval,
    freezes: &[(String, Date, Date, Interval)],
) -> WindowService {
    let hours: Option<&Hours> = service.targets.hours.as_ref().map(|h| &h.value);
    let plan_tz = crate::tzdb::zone_or_utc(&plan.timezone);
    let describe = |stretch: Interval| match hours {
        Some(h) => h.describe_local(stretch),
        None => describe_in_zone(stretch, &plan_tz, &plan.timezone),
    };
    let hours_overlap: Vec<Stretch> = hours
        .map(|h| h.intervals(window.0, window.1))
        .unwrap_or_default()
        .into_iter()
        .map(|s| Stretch {
            start: s.0,
            end: s.1,
            local: describe(s),
        })
        .collect();
    let freezes: Vec<FreezeHit> = freezes
        .iter()
        .filter_map(|(name, from, to, iv)| {
            clip(*iv, window).map(|s| FreezeHit {
                name: name.clone(),
                from: *from,
                to: *to,
                stretch: Stretch {
                    start: s.0,
                    end: s.1,
                    local: describe(s),
                },
            })
        })
        .collect();
    WindowService {
        service: service.name.clone(),
        hours: hours.map(Hours::canonical),
        inside_hours: !hours_overlap.is_empty(),
        hours_overlap,
        inside_freeze: !freezes.is_empty(),
        freezes,
    }
}

fn duration_text(secs: i64) -> String {
    crate::plan::duration::format_duration(secs)
}

/// What a change does to a service's plan entry and replica floor.
fn target_changes(
    base: Option<&Service>,
    head: Option<&Service>,
    plans: (Option<&Plan>, Option<&Plan>),
    state: &crate::engine::ServiceState,
) -> Vec<String> {
    let mut out = Vec::new();
    match (base, head) {
        (None, Some(_)) => out.push("added to the plan".to_string()),
        (Some(_), None) => out.push("removed from the plan".to_string()),
        (Some(b), Some(h)) => {
            let opt = |v: Option<String>| v.unwrap_or_else(|| "none".into());
            let mut diff = |what: &str, a: Option<String>, c: Option<String>| {
                if a != c {
                    out.push(format!("{what} {} → {}", opt(a), opt(c)));
                }
            };
            diff(
                "tier",
                b.tier.as_ref().map(|t| t.value.clone()),
                h.tier.as_ref().map(|t| t.value.clone()),
            );
            let (bt, ht) = (&b.targets, &h.targets);
            let dur = |x: &Option<crate::plan::model::Sp<i64>>| {
                x.as_ref().map(|v| duration_text(v.value))
            };
            diff("RTO", dur(&bt.rto), dur(&ht.rto));
            diff("RPO", dur(&bt.rpo), dur(&ht.rpo));
            diff(
                "hours",
                bt.hours.as_ref().map(|x| x.value.canonical()),
                ht.hours.as_ref().map(|x| x.value.canonical()),
            );
            diff(
                "strategy",
                bt.strategy.as_ref().map(|x| x.value.as_str().to_string()),
                ht.strategy.as_ref().map(|x| x.value.as_str().to_string()),
            );
            diff(
                "min_replicas",
                Some(bt.min_replicas().to_string()),
                Some(ht.min_replicas().to_string()),
            );
            diff(
                "multi_az",
                bt.multi_az.as_ref().map(|x| x.value.to_string()),
                ht.multi_az.as_ref().map(|x| x.value.to_string()),
            );
            diff("test_every", dur(&bt.test_every), dur(&ht.test_every));
            diff(
                "last_tested",
                b.last_tested.as_ref().map(|d| d.value.to_string()),
                h.last_tested.as_ref().map(|d| d.value.to_string()),
            );
            diff(
                "recovery_plan",
                b.recovery_plan.as_ref().map(|d| d.value.clone()),
                h.recovery_plan.as_ref().map(|d| d.value.clone()),
            );
            if b.owners != h.owners {
                out.push(format!(
                    "owners {} → {}",
                    b.owners.join(", "),
                    h.owners.join(", ")
                ));
            }
            if b.depends_on != h.depends_on {
                out.push("dependencies changed".into());
            }
            if b.matchers != h.matchers {
                out.push("match rules changed".into());
            }
        }
        (None, None) => {}
    }
    let name = &state.name;
    let describe = |w: &crate::plan::model::Waiver| {
        format!(
            "{} for {}{} ({}, expires {})",
            w.rule,
            w.service,
            w.resource
                .as_ref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default(),
            w.reason,
            w.expires.value
        )
    };
    let ws = |p: Option<&Plan>| -> Vec<crate::plan::model::Waiver> {
        p.map(|p| {
            p.waivers
                .iter()
                .filter(|w| &w.service == name)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
    };
    let (bw, hw) = (ws(plans.0), ws(plans.1));
    for w in hw.iter().filter(|w| !bw.contains(w)) {
        out.push(format!("waiver added: {}", describe(w)));
    }
    for w in bw.iter().filter(|w| !hw.contains(w)) {
        out.push(format!("waiver removed: {}", describe(w)));
    }
    let floor = |f: &Option<crate::facts::ServiceFacts>| f.as_ref().and_then(|f| f.min_floor());
    let (bf, hf) = (floor(&state.base), floor(&state.head));
    if bf != hf {
        let show = |v: Option<i64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        out.push(format!("lowest replica floor {} → {}", show(bf), show(hf)));
    }
    out
}

/// The approvals a change needs: the owners of every service it touches,
/// and the CAB for high and critical risk and for every waiver relied on.
fn approvals(services: &[ChangeService], risk: Risk, waivers: &[WaiverUse]) -> Vec<Approval> {
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in services {
        for o in &s.info.owners {
            owners
                .entry(o.clone())
                .or_default()
                .push(format!("owner of {}", s.info.name));
        }
    }
    let mut out: Vec<Approval> = owners
        .into_iter()
        .map(|(approver, reasons)| Approval { approver, reasons })
        .collect();
    let mut cab = Vec::new();
    if risk >= Risk::High {
        cab.push(format!("risk {}", risk.as_str()));
    }
    for w in waivers {
        cab.push(format!(
            "waiver of {} for {} ({})",
            w.rule, w.service, w.reason
        ));
    }
    let ownerless: Vec<&str> = services
        .iter()
        .filter(|s| s.info.owners.is_empty())
        .map(|s| s.info.name.as_str())
        .collect();
    if !ownerless.is_empty() && risk >= Risk::Medium {
        cab.push(format!("no owner in the plan for {}", ownerless.join(", ")));
    }
    if !cab.is_empty() {
        out.push(Approval {
            approver: "CAB".into(),
            reasons: cab,
        });
    }
    out
}

/// CG407: a change that relaxes the plan needs the approval of the owners
/// of what it relaxes (the service's owners in the base plan), else the CAB.
fn relaxation_approvals(
    approvals: &mut Vec<Approval>,
    findings: &[crate::engine::Finding],
    base_plan: Option<&crate::plan::Plan>,
) {
    for f in findings
        .iter()
        .filter(|f| f.rule == "CG407" && f.introduced)
    {
        let owners = f
            .service
            .as_deref()
            .and_then(|s| base_plan?.services.get(s))
            .map(|s| s.owners.clone())
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| vec!["CAB".into()]);
        for approver in owners {
            let reason = format!("plan relaxed: {}", f.message);
            match approvals.iter_mut().find(|a| a.approver == approver) {
                Some(a) => a.reasons.push(reason),
                None => approvals.push(Approval {
                    approver,
                    reasons: vec![reason],
                }),
            }
        }
    }
}

/// The commits of the range, oldest first, and what the range was.
fn commits_of<'r>(
    repo: &'r git2::Repository,
    opts: &ReportOptions,
    cache: &mut ParseCache,
) -> Result<(Vec<git2::Commit<'r>>, RangeInfo), ReportError> {
    match &opts.range {
        Range::Revs(spec) => {
            if spec.contains("...") {
                return Err(ReportError::Usage(format!(
                    "--range `{spec}`: the symmetric difference `A...B` is not a history; write A..B"
                )));
            }
            let Some((a, b)) = spec.split_once("..") else {
                return Err(ReportError::Usage(format!(
                    "--range `{spec}`: write A..B (e.g. v1.4.0..v1.5.0, or origin/main~50..origin/main)"
                )));
            };
            let a = if a.is_empty() { "HEAD" } else { a };
            let b = if b.is_empty() { "HEAD" } else { b };
            let from = source::git::resolve(repo, a)?;
            let to = source::git::resolve(repo, b)?;
            let mut walk = repo.revwalk().map_err(SourceError::from)?;
            walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
                .map_err(SourceError::from)?;
            walk.simplify_first_parent().map_err(SourceError::from)?;
            walk.push(to.id()).map_err(SourceError::from)?;
            walk.hide(from.id()).map_err(SourceError::from)?;
            let mut commits = Vec::new();
            for id in walk {
                let id = id.map_err(|e| shallow_hint(repo, e))?;
                commits.push(repo.find_commit(id).map_err(SourceError::from)?);
            }
            Ok((
                commits,
                RangeInfo {
                    spec: spec.clone(),
                    from: Some(from.id().to_string()),
                    to: Some(to.id().to_string()),
                },
            ))
        }
        Range::Since(day) => {
            let head = source::git::resolve(repo, "HEAD")?;
            let tree = source::git::CommitTree::new(repo, &head)?;
            let zone = match cache.plan(&tree, opts.plan.as_deref()) {
                Ok(Some(p)) => p.timezone.clone(),
                Ok(None) => "UTC".to_string(),
                Err(e) => {
                    return Err(ReportError::Change {
                        commit: short(&head.id().to_string()),
                        title: summary(&head),
                        error: Box::new(CheckError::Plan(e)),
                    });
                }
            };
            let tz = crate::tzdb::zone_or_utc(&zone);
            let since = tz
                .to_ambiguous_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
                .compatible()
                .map_err(|_| ReportError::Usage(format!("--since {day}: out of range")))?
                .as_second();
            let mut commits = Vec::new();
            let mut at = Some(head.clone());
            while let Some(c) = at {
                if c.time().seconds() < since {
                    break;
                }
                at = if c.parent_count() > 0 {
                    Some(c.parent(0).map_err(|e| shallow_hint(repo, e))?)
                } else {
                    None
                };
                commits.push(c);
            }
            commits.reverse();
            Ok((
                commits,
                RangeInfo {
                    spec: format!("since {day} (first-parent history of HEAD, from 00:00 {zone})"),
                    from: None,
                    to: Some(head.id().to_string()),
                },
            ))
        }
    }
}

fn shallow_hint(repo: &git2::Repository, e: git2::Error) -> SourceError {
    if repo.is_shallow() {
        SourceError::RevisionNotFound {
            rev: format!("a parent in the range ({})", e.message()),
            shallow: true,
        }
    } else {
        SourceError::from(e)
    }
}

fn summary(c: &git2::Commit<'_>) -> String {
    String::from_utf8_lossy(c.summary_bytes().unwrap_or(b"")).into_owned()
}

fn short(id: &str) -> String {
    id.get(..12).unwrap_or(id).to_string()
}

/// `continuity-guard report`.
pub fn report(opts: &ReportOptions) -> Result<CabReport, ReportError> {
    let repo = source::git::open(&opts.repo_dir)?;
    let mut cache = ParseCache::default();
    let (commits, range) = commits_of(&repo, opts, &mut cache)?;
    let check_opts = CheckOptions {
        sides: Sides::Git {
            base: None,
            head: None,
        },
        repo_dir: opts.repo_dir.clone(),
        plan: opts.plan.clone(),
        as_of: opts.as_of,
        all: false,
        fail_on: Some(Severity::Error),
        // DESIGN §4 judges each commit as under --strict; not yet: a commit
        // that grants its own waiver keeps it here, and CG407 lists the
        // relaxation under approvals.
        strict: false,
    };
    let mut notes = Vec::new();
    let mut not_assessed = Vec::new();
    let mut changes = Vec::new();
    // The latest plan entry seen for each service touched, and its plan.
    let mut latest: BTreeMap<String, (Service, Arc<Plan>)> = BTreeMap::new();
    for commit in &commits {
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let (pull_request, title) = pull_request(&message);
        let id = commit.id().to_string();
        let mut skip = |reason: String| {
            not_assessed.push(NotAssessed {
                commit: id.clone(),
                title: title.clone(),
                reason,
            });
        };
        if commit.parent_count() == 0 {
            skip("a root commit: there is no parent to compare it with".into());
            continue;
        }
        let parent = commit
            .parent(0)
            .map_err(|e| ReportError::Source(shallow_hint(&repo, e)))?;
        let base_tree = source::git::CommitTree::new(&repo, &parent)?;
        let head_tree = source::git::CommitTree::new(&repo, commit)?;
        // Before the plan existed there is nothing to check against; a commit
        // that deletes the plan is an error, as in `check`.
        let no_plan = |t: &dyn Tree, cache: &mut ParseCache| {
            matches!(cache.plan(t, opts.plan.as_deref()), Ok(None))
        };
        if no_plan(&head_tree, &mut cache) && no_plan(&base_tree, &mut cache) {
            skip("no continuity plan at this commit or its parent (pass --plan FILE outside the repository to replay history against one plan)".into());
            continue;
        }
        let diff = source::git::diff_commits(&repo, &parent, commit)?;
        let outcome = crate::check_trees(
            &base_tree,
            &head_tree,
            &diff,
            &check_opts,
            Some(parent.time().seconds()),
            &mut cache,
        );
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                skip(e.to_string());
                continue;
            }
        };
        // Both plans are cached by blob id now; check_trees has validated them.
        let plans = cache
            .plan(&head_tree, opts.plan.as_deref())
            .and_then(|h| Ok((h, cache.plan(&base_tree, opts.plan.as_deref())?)));
        let (head_plan, base_plan) = match plans {
            Ok((Some(h), b)) => (h, b),
            Ok((None, _)) => {
                skip("no continuity plan at this commit".into());
                continue;
            }
            Err(e) => {
                skip(CheckError::Plan(e).to_string());
                continue;
            }
        };
        let mut services = Vec::new();
        for state in outcome.services.iter().filter(|s| s.affected) {
            let b = base_plan.as_ref().and_then(|p| p.services.get(&state.name));
            let h = head_plan.services.get(&state.name);
            let plan_of_entry = if h.is_some() {
                head_plan.clone()
            } else {
                base_plan.clone().unwrap_or_else(|| head_plan.clone())
            };
            latest.insert(state.name.clone(), (state.service.clone(), plan_of_entry));
            services.push(ChangeService {
                info: ServiceInfo::of(&state.service, opts.as_of),
                removed: h.is_none(),
                target_changes: target_changes(
                    b,
                    h,
                    (base_plan.as_deref(), Some(head_plan.as_ref())),
                    state,
                ),
            });
        }
        services.sort_by(|a, b| a.info.name.cmp(&b.info.name));
        let mut waivers: Vec<WaiverUse> = outcome
            .findings
            .iter()
            .filter(|f| f.waived)
            .filter_map(|f| {
                let service = f.service.as_deref()?;
                let w = head_plan
                    .waivers
                    .iter()
                    .find(|w| !w.expired(opts.as_of) && w.covers(f.rule, service, &f.subject))?;
                Some(WaiverUse {
                    rule: w.rule.clone(),
                    service: w.service.clone(),
                    resource: w.resource.clone(),
                    subject: f.subject.clone(),
                    reason: w.reason.clone(),
                    approved_by: w.approved_by.clone(),
                    expires: w.expires.value,
                })
            })
            .collect();
        waivers.sort();
        waivers.dedup();
        let impact = services
            .iter()
            .map(|s| s.info.impact)
            .max()
            .unwrap_or(Level::Low);
        let likelihood = likelihood_of(&outcome.findings);
        let risk = Risk::rate(impact, likelihood);
        let changed: BTreeSet<&str> = diff
            .changes
            .iter()
            .flat_map(|c| [c.old_path.as_deref(), c.new_path.as_deref()])
            .flatten()
            .collect();
        let recovery_plans: Vec<RecoveryPlan> = services
            .iter()
            .map(|s| RecoveryPlan {
                service: s.info.name.clone(),
                path: s.info.recovery_plan.clone(),
                exists: s
                    .info
                    .recovery_plan
                    .as_deref()
                    .is_some_and(|p| head_tree.kind(p).is_some()),
                updated: s
                    .info
                    .recovery_plan
                    .as_deref()
                    .is_some_and(|p| changed.contains(p)),
                last_tested: s.info.last_tested,
                test_overdue: s.info.test_overdue,
            })
            .collect();
        let mut recovery_plans: Vec<RecoveryPlan> = recovery_plans;
        for s in head_plan.services.values() {
            if let Some(p) = &s.recovery_plan
                && changed.contains(p.value.as_str())
                && !recovery_plans.iter().any(|r| r.service == s.name)
            {
                let info = ServiceInfo::of(s, opts.as_of);
                recovery_plans.push(RecoveryPlan {
                    service: s.name.clone(),
                    path: Some(p.value.clone()),
                    exists: head_tree.kind(&p.value).is_some(),
                    updated: true,
                    last_tested: info.last_tested,
                    test_overdue: info.test_overdue,
                });
            }
        }
        let mut approvals = approvals(&services, risk, &waivers);
        relaxation_approvals(&mut approvals, &outcome.findings, base_plan.as_deref());
        changes.push(Change {
            commit: id,
            title,
            pull_request,
            author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
            date: Timestamp::from_second(commit.time().seconds()).unwrap_or(Timestamp::UNIX_EPOCH),
            merge: commit.parent_count() > 1,
            files_changed: diff.changes.len(),
            services,
            findings: outcome.findings,
            impact,
            likelihood,
            risk,
            waivers,
            approvals,
            recovery_plans,
            notes: outcome.notes,
        });
    }
    // The plan at the end of the range: current targets, zone and freezes.
    let end_plan = match &range.to {
        Some(to) => {
            let oid = git2::Oid::from_str(to).map_err(SourceError::from)?;
            let commit = repo.find_commit(oid).map_err(SourceError::from)?;
            let tree = source::git::CommitTree::new(&repo, &commit)?;
            cache
                .plan(&tree, opts.plan.as_deref())
                .map_err(|e| ReportError::Change {
                    commit: short(to),
                    title: summary(&commit),
                    error: Box::new(CheckError::Plan(e)),
                })?
        }
        None => None,
    };
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
    let services: Vec<ServiceEntry> = latest
        .iter()
        .map(|(name, (service, _))| ServiceEntry {
            info: ServiceInfo::of(service, opts.as_of),
            changes: changes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.services.iter().any(|s| &s.info.name == name))
                .map(|(i, _)| i)
                .collect(),
        })
        .collect();
    let window = match &opts.window {
        None => None,
        Some(text) => {
            let (start, end, note) = parse_window(text, &timezone).map_err(ReportError::Usage)?;
            notes.extend(note);
            let tz = crate::tzdb::zone_or_utc(&timezone);
            let empty = Plan::empty("continuity.yaml");
            let plan: &Plan = end_plan.as_deref().unwrap_or(&empty);
            let freezes: Vec<(String, Date, Date, Interval)> = plan
                .freezes
                .iter()
                .filter_map(|f| {
                    freeze_interval(f.from, f.to, &tz).map(|iv| (f.name.clone(), f.from, f.to, iv))
                })
                .collect();
            let hits = freezes
                .iter()
                .filter_map(|(name, from, to, iv)| {
                    clip(*iv, (start, end)).map(|s| FreezeHit {
                        name: name.clone(),
                        from: *from,
                        to: *to,
                        stretch: Stretch {
                            start: s.0,
                            end: s.1,
                            local: describe_in_zone(s, &tz, &timezone),
                        },
                    })
                })
                .collect();
            let services = latest
                .iter()
                .map(|(name, (service, plan))| {
                    // Freezes are the end plan's; a removed service keeps its last plan's hours.
                    (
                        name.clone(),
                        window_service(service, plan, (start, end), &freezes),
                    )
                })
                .collect();
            Some(Window {
                text: text.clone(),
                start,
                end,
                local: describe_in_zone((start, end), &tz, &timezone),
                freezes: hits,
                services,
            })
        }
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
