//! SARIF 2.1.0 (`--format sarif`) for code scanning: every rule with its
//! documentation, one result per listed finding with its location, a
//! fingerprint that survives line moves and whether the finding is new.
//!
//! Our own serde structs cover the part of SARIF we write: `serde-sarif`
//! generates its types at build time from the schema (typify, syn,
//! prettyplease), a heavy build for a few dozen fields. The schema test in
//! `tests/formats.rs` keeps these structs honest.

use crate::Report;
use crate::engine::{Finding, Location, State};
use crate::plan::model::Severity;
use crate::rules::{self, RULES};
use serde::Serialize;
use std::collections::BTreeMap;

/// Code scanning keeps at most this many results per run.
pub const MAX_RESULTS: usize = 25_000;

/// The key of our entry in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "continuityGuard/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: Vec<Invocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_control_provenance: Option<Vec<Provenance>>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Provenance {
    repository_uri: String,
    revision_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<ResultLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<ResultLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    baseline_state: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// FNV-1a, 64 bits: a fixed, dependency-free hash, so fingerprints stay the
/// same across releases and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The fingerprint of a finding's identity (rule, service, subject): it does
/// not move when lines do.
pub fn fingerprint(f: &Finding) -> String {
    let identity = format!(
        "{}\u{0}{}\u{0}{}",
        f.rule,
        f.service.as_deref().unwrap_or(""),
        f.subject
    );
    format!("{:016x}", fnv1a(identity.as_bytes()))
}

fn physical(loc: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: super::markdown::url_path(&loc.path),
            uri_base_id: "%SRCROOT%",
        },
        region: Region {
            start_line: loc.line.max(1),
            start_column: loc.column.max(1),
        },
    }
}

fn rule_descriptor(rule: &dyn rules::Rule) -> ReportingDescriptor {
    let doc = rules::documentation(rule);
    ReportingDescriptor {
        id: rule.code(),
        name: rule.name(),
        short_description: Message {
            text: rule.summary().to_string(),
        },
        full_description: Message { text: doc.clone() },
        help: MultiformatMessage {
            text: doc.clone(),
            markdown: doc,
        },
        default_configuration: Configuration {
            level: level(rule.severity()),
        },
    }
}

fn result<'a>(f: &'a Finding) -> SarifResult<'a> {
    let rule_index = RULES.iter().position(|r| r.code() == f.rule);
    let mut text = f.message.clone();
    if let Some(h) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    let suppressions = match &f.waived_by {
        Some(w) if f.waived => vec![Suppression {
            kind: if w.starts_with("waiver") {
                "external"
            } else {
                "inSource"
            },
            justification: w.clone(),
        }],
        _ => Vec::new(),
    };
    SarifResult {
        rule_id: f.rule,
        rule_index,
        level: level(f.severity),
        message: Message { text },
        locations: vec![ResultLocation {
            id: None,
            physical_location: physical(&f.location),
            message: None,
        }],
        related_locations: f
            .secondary
            .iter()
            .enumerate()
            .map(|(i, (loc, label))| ResultLocation {
                id: Some(i + 1),
                physical_location: physical(loc),
                message: Some(Message {
                    text: label.clone(),
                }),
            })
            .collect(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint(f))]),
        baseline_state: match f.state {
            State::Introduced => "new",
            State::Worsened => "updated",
            State::Existing | State::NewlyInScope => "unchanged",
            // Never written: resolved findings are not results (DESIGN §4).
            State::Resolved => "absent",
        },
        suppressions,
    }
}

/// Where the repository lives, for `versionControlProvenance` (both from the
/// GitHub environment; omitted when unknown).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `$GITHUB_SERVER_URL`.
    pub server_url: Option<String>,
    /// `$GITHUB_REPOSITORY`.
    pub repository: Option<String>,
}

/// Renders the SARIF log.
pub fn render(report: &Report, opts: &Options) -> String {
    // What the change resolved is no result (DESIGN §4).
    let listed: Vec<&Finding> = report
        .listed()
        .filter(|f| f.state != State::Resolved)
        .collect();
    let mut notifications = Vec::new();
    if listed.len() > MAX_RESULTS {
        notifications.push(Notification {
            level: "warning",
            message: Message {
                text: format!(
                    "{} less severe findings left out: code scanning keeps at most {MAX_RESULTS} results per run",
                    listed.len() - MAX_RESULTS
                ),
            },
        });
    }
    let provenance = match (&opts.server_url, &opts.repository, &report.head.commit) {
        (Some(server), Some(repo), Some(sha)) if !server.is_empty() && !repo.is_empty() => {
            Some(vec![Provenance {
                repository_uri: format!("{}/{}", server.trim_end_matches('/'), repo),
                revision_id: sha.clone(),
            }])
        }
        _ => None,
    };
    let info = env!("CARGO_PKG_REPOSITORY");
    let log = Log {
        schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "continuity-guard",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: (!info.is_empty()).then_some(info),
                    rules: RULES.iter().map(|r| rule_descriptor(*r)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            version_control_provenance: provenance,
            // Findings are sorted most severe first, so the cut keeps those.
            results: listed.into_iter().take(MAX_RESULTS).map(result).collect(),
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
