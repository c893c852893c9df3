//! The commits of a range (`--range A..B`, `--since DAY`): first-parent
//! history, oldest first, and what a commit message says.

use super::{Range, RangeInfo, ReportError, ReportOptions};
use crate::CheckError;
use crate::engine::ParseCache;
use crate::source::{self, SourceError};

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

/// The commits of the range, oldest first, and what the range was.
pub(crate) fn commits_of<'r>(
    repo: &'r git2::Repository,
    opts: &ReportOptions,
    cache: &mut ParseCache,
) -> Result<(Vec<git2::Commit<'r>>, RangeInfo), ReportError> {
    match &opts.range {
        Range::Revs(spec) => revs_commits(repo, spec),
        Range::Since(day) => since_commits(repo, opts, cache, *day),
    }
}

/// The commits of `A..B`: first-parent history of B not reachable from A.
fn revs_commits<'r>(
    repo: &'r git2::Repository,
    spec: &str,
) -> Result<(Vec<git2::Commit<'r>>, RangeInfo), ReportError> {
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
            spec: spec.to_string(),
            from: Some(from.id().to_string()),
            to: Some(to.id().to_string()),
        },
    ))
}

/// The commits of `--since DAY`: first-parent history of HEAD from 00:00 of
/// that day on the plan's wall clock.
fn since_commits<'r>(
    repo: &'r git2::Repository,
    opts: &ReportOptions,
    cache: &mut ParseCache,
    day: jiff::civil::Date,
) -> Result<(Vec<git2::Commit<'r>>, RangeInfo), ReportError> {
    let head = source::git::resolve(repo, "HEAD")?;
    let zone = head_zone(repo, &head, opts, cache)?;
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

/// The time zone of the plan at HEAD (UTC without a plan).
fn head_zone<'r>(
    repo: &'r git2::Repository,
    head: &git2::Commit<'r>,
    opts: &ReportOptions,
    cache: &mut ParseCache,
) -> Result<String, ReportError> {
    let tree = source::git::CommitTree::new(repo, head)?;
    match cache.plan(&tree, opts.plan.as_deref()) {
        Ok(Some(p)) => Ok(p.timezone.clone()),
        Ok(None) => Ok("UTC".to_string()),
        Err(e) => Err(ReportError::Change {
            commit: short(&head.id().to_string()),
            title: summary(head),
            error: Box::new(CheckError::Plan(e)),
        }),
    }
}

pub(crate) fn shallow_hint(repo: &git2::Repository, e: git2::Error) -> SourceError {
    if repo.is_shallow() {
        SourceError::RevisionNotFound {
            rev: format!("a parent in the range ({})", e.message()),
            shallow: true,
        }
    } else {
        SourceError::from(e)
    }
}

pub(crate) fn summary(c: &git2::Commit<'_>) -> String {
    String::from_utf8_lossy(c.summary_bytes().unwrap_or(b"")).into_owned()
}

pub(crate) fn short(id: &str) -> String {
    id.get(..12).unwrap_or(id).to_string()
}
