//! The JSON report, schema `continuity-guard/report/v1` (DESIGN §5).

use crate::Report;
use crate::source::SideInfo;
use serde::Serialize;

#[derive(Serialize)]
struct Json<'a> {
    schema: &'static str,
    base: &'a SideInfo,
    head: &'a SideInfo,
    services: Vec<Service<'a>>,
    findings: Vec<Finding<'a>>,
    notes: Vec<Note<'a>>,
    /// The built-in zone database's version (DESIGN §5).
    tzdb: &'static str,
    summary: crate::Summary,
}

/// A note: what could not be read or assessed (DESIGN §5 `notes`).
#[derive(Serialize)]
pub(crate) struct Note<'a> {
    pub path: Option<&'a str>,
    pub line: Option<usize>,
    pub message: &'a str,
}

impl<'a> Note<'a> {
    /// Splits a note written `path: message` or `path:line: message`.
    pub(crate) fn parse(text: &'a str) -> Note<'a> {
        let plain = Note {
            path: None,
            line: None,
            message: text,
        };
        let Some((head, message)) = text.split_once(": ") else {
            return plain;
        };
        let (path, line) = match head.rsplit_once(':') {
            Some((p, l)) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => {
                (p, l.parse().ok())
            }
            _ => (head, None),
        };
        // A path has a separator or an extension and no spaces; a service
        // name prefix (`payments: …`) is kept as part of the message.
        if path.is_empty() || path.contains(' ') || !(path.contains('/') || path.contains('.')) {
            return plain;
        }
        Note {
            path: Some(path),
            line,
            message,
        }
    }
}

#[derive(Serialize)]
struct Service<'a> {
    name: &'a str,
    tier: Option<&'a str>,
    affected: bool,
    targets: Targets,
    estimates: Estimates,
}

#[derive(Serialize)]
struct Targets {
    rto_seconds: Option<i64>,
    rpo_seconds: Option<i64>,
    hours: Option<String>,
}

#[derive(Serialize)]
struct Estimates {
    base: Option<Estimate>,
    head: Option<Estimate>,
}

#[derive(Serialize)]
struct Estimate {
    min_replicas: Option<i64>,
    backup_gap_seconds: Option<i64>,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'a str,
    state: &'static str,
    introduced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_measure: Option<u64>,
    waived: bool,
    service: Option<&'a str>,
    subject: &'a str,
    message: &'a str,
    location: Location<'a>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct Location<'a> {
    side: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
}

fn estimate(f: &crate::facts::ServiceFacts, as_of: jiff::civil::Date) -> Estimate {
    Estimate {
        min_replicas: f.min_floor(),
        backup_gap_seconds: crate::rules::recovery::largest_backup_gap_seconds(f, as_of),
    }
}

/// Renders the JSON report.
pub fn render(report: &Report) -> String {
    let services = report
        .outcome
        .services
        .iter()
        .map(|s| {
            let t = &s.service.targets;
            Service {
                name: &s.name,
                tier: s.service.tier.as_ref().map(|t| t.value.as_str()),
                affected: s.affected,
                targets: Targets {
                    rto_seconds: t.rto.as_ref().map(|r| r.value),
                    rpo_seconds: t.rpo.as_ref().map(|r| r.value),
                    hours: t.hours.as_ref().map(|h| h.value.canonical()),
                },
                estimates: Estimates {
                    base: s.base.as_ref().map(|f| estimate(f, report.outcome.as_of)),
                    head: s.head.as_ref().map(|f| estimate(f, report.outcome.as_of)),
                },
            }
        })
        .collect();
    let findings = report
        .listed()
        .map(|f| Finding {
            rule: f.rule,
            name: f.name,
            severity: f.severity.as_str(),
            state: f.state.as_str(),
            introduced: f.introduced,
            base_measure: f
                .base_measure
                .filter(|_| f.state == crate::engine::State::Worsened),
            waived: f.waived,
            service: f.service.as_deref(),
            subject: &f.subject,
            message: &f.message,
            location: Location {
                side: f.location.side.as_str(),
                path: &f.location.path,
                line: f.location.line,
                column: f.location.column,
            },
            help: f.help.as_deref(),
        })
        .collect();
    let json = Json {
        schema: "continuity-guard/report/v1",
        base: &report.base,
        head: &report.head,
        services,
        findings,
        notes: report
            .outcome
            .notes
            .iter()
            .map(|n| Note::parse(n))
            .collect(),
        tzdb: crate::tzdb::version(),
        summary: report.summary(),
    };
    let mut s = serde_json::to_string_pretty(&json).unwrap_or_default();
    s.push('\n');
    s
}
