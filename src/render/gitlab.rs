//! GitLab Code Quality JSON (`--format gitlab`), for a merge request's
//! `artifacts:reports:codequality`: one issue per listed finding (resolved
//! ones are not issues: GitLab works out what a merge request resolved by
//! comparing with the target branch's report), with the fields GitLab
//! requires — `description`, `check_name`, `fingerprint`, `severity`,
//! `location.path` and `location.lines.begin`.

use crate::Report;
use crate::engine::{Finding, State};
use crate::plan::model::Severity;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    categories: [&'static str; 1],
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// GitLab's scale (`info`, `minor`, `major`, `critical`, `blocker`): a
/// finding that fails the run is a blocker.
fn severity(report: &Report, f: &Finding) -> &'static str {
    if report.blocks(f) {
        return "blocker";
    }
    match f.severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

/// Renders the report; findings keep the report's order (most severe first).
pub fn render(report: &Report) -> String {
    // GitLab shows one issue per fingerprint: a second finding with the same
    // identity (rule, service, subject) gets a numbered one.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Issue> = report
        .listed()
        .filter(|f| f.state != State::Resolved)
        .map(|f| {
            let base = super::sarif::fingerprint(f);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}-{n}") };
            let mut description = format!("{}: {}", f.rule, f.message);
            if let Some(h) = &f.help {
                description.push_str(" (help: ");
                description.push_str(h);
                description.push(')');
            }
            Issue {
                kind: "issue",
                description,
                check_name: format!("{} {}", f.rule, f.name),
                fingerprint,
                severity: severity(report, f),
                categories: ["Bug Risk"],
                location: IssueLocation {
                    path: f.location.path.trim_start_matches("./"),
                    lines: Lines {
                        begin: f.location.line.max(1),
                    },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
