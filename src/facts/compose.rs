//! Facts from docker-compose services: a [`Workload`] per service whose floor
//! is `deploy.replicas` (else the legacy `scale`, else 1), and a note when a
//! service is not restarted after a failure.
//!
//! A service written in a base file and in overrides (`docker-compose.override.yml`,
//! `docker-compose.prod.yml`) has one address: every file that sets its
//! replicas gives a workload at that line (an override is a way the service
//! may run); when none does, one workload with the default of 1 at the base file's service.

use super::{Loc, ServiceFacts, Workload};
use crate::readers::compose::is_override_path;
use crate::readers::{FileKind, Node, Resource, Value};
use crate::source::Side;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Adds the facts of this file kind's resources.
pub fn extract(side: Side, resources: &[Arc<Resource>], facts: &mut ServiceFacts) {
    let mut by_address: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
    for r in resources
        .iter()
        .filter(|r| r.file_kind == FileKind::Compose)
    {
        by_address.entry(r.address.as_str()).or_default().push(r);
    }
    for (address, mut files) in by_address {
        // The base file first, then overrides by path.
        files.sort_by_key(|r| (is_override_path(&r.path), r.path.clone()));
        let display = match address.strip_prefix("stack/") {
            Some(rest) => format!("stack service {rest}"),
            None => format!("compose service {}", address.trim_start_matches("compose/")),
        };
        let mut set_anywhere = false;
        let mut unknown = false;
        for r in &files {
            let (field, node) = match (r.field("deploy.replicas"), r.field("scale")) {
                (Some(n), _) => ("deploy.replicas", n),
                (None, Some(n)) => ("scale", n),
                (None, None) => continue,
            };
            set_anywhere = true;
            // `replicas: null`, `~` or nothing is the default: one task.
            let floor = match node.value {
                Value::Null => Some(1),
                _ => node.as_i64(),
            };
            match floor {
                Some(floor) => facts.workloads.push(Workload {
                    address: address.to_string(),
                    display: display.clone(),
                    floor,
                    floor_field: field.into(),
                    floor_owner: address.to_string(),
                    floor_loc: Loc::of(side, r, Some(node)),
                    pod_labels: r.labels.clone(),
                    zone_spread: false,
                    zone_loc: Loc::of(side, r, None),
                }),
                None => {
                    unknown = true;
                    let shown = match &node.value {
                        Value::Unknown(s) => s.clone(),
                        _ => node.scalar_text().unwrap_or_else(|| "a collection".into()),
                    };
                    facts.notes.push(format!(
                        "{}: {display} sets {field} to `{shown}` (an interpolation or expression); its replicas are unknown",
                        r.path
                    ));
                }
            }
        }
        let global = files
            .iter()
            .find(|r| r.field("deploy.mode").and_then(Node::as_str) == Some("global"));
        if let Some(r) = global {
            facts.notes.push(format!(
                "{}: {display} runs in global mode (one task per node); its replicas are unknown",
                r.path
            ));
        } else if !set_anywhere
            && !unknown
            && let Some(first) = files.first()
        {
            facts.workloads.push(Workload {
                address: address.to_string(),
                display: display.clone(),
                floor: 1,
                floor_field: "deploy.replicas".into(),
                floor_owner: address.to_string(),
                floor_loc: Loc::of(side, first, None),
                pod_labels: first.labels.clone(),
                zone_spread: false,
                zone_loc: Loc::of(side, first, None),
            });
        }
        restart_note(&files, &display, &mut facts.notes);
        if let Some(r) = files
            .iter()
            .find(|r| r.field("deploy.placement.preferences").is_some())
        {
            facts.notes.push(format!(
                "{}: {display} spreads its tasks by placement preferences, which Swarm treats as soft; it is not counted as zone spread",
                r.path
            ));
        }
    }
}

/// A note when the effective restart policy does not restart a failed service.
fn restart_note(files: &[&Resource], display: &str, notes: &mut Vec<String>) {
    // The last file that sets a policy wins (overrides come after the base file).
    let policy = files.iter().rev().find_map(|r| {
        let condition = r
            .field("deploy.restart_policy.condition")
            .and_then(Node::scalar_text);
        let restart = r.field("restart").and_then(Node::scalar_text);
        condition.or(restart).map(|p| (p, r))
    });
    match policy {
        Some((p, r)) if p == "no" || p == "none" => notes.push(format!(
            "{}: {display} has restart policy `{p}`: it is not restarted after a failure",
            r.path
        )),
        None => {
            if let Some(r) = files.first() {
                notes.push(format!(
                    "{}: {display} has no restart policy (compose's default `no`): it is not restarted after a failure",
                    r.path
                ));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::read_file;
    use crate::readers::yaml::line_col;

    fn resources(files: &[(&str, &str)]) -> Vec<Arc<Resource>> {
        files
            .iter()
            .flat_map(|(p, t)| {
                let read = read_file(&Arc::from(*p), t.as_bytes());
                assert!(read.infrastructure && read.error.is_none(), "{p}");
                read.resources
            })
            .map(Arc::new)
            .collect()
    }

    #[test]
    fn null_replicas_are_the_default_of_one() {
        for replicas in ["null", "~", ""] {
            let text = format!(
                "services:\n  api:\n    image: api\n    deploy:\n      replicas: {replicas}\n"
            );
            let f = crate::facts::derive(Side::Head, resources(&[("compose.yaml", &text)]));
            assert_eq!(f.workloads.len(), 1, "{replicas}: {:?}", f.notes);
            assert_eq!(f.workloads[0].floor, 1, "{replicas}");
            assert_eq!(line_col(&text, f.workloads[0].floor_loc.span.start).0, 5);
        }
    }

    #[test]
    fn replicas_defaults_and_overrides() {
        let base = "services:\n  api:\n    image: api\n    restart: always\n    deploy:\n      replicas: 3\n  worker:\n    image: w\n";
        let prod = "services:\n  api:\n    environment: {A: b}\n  worker:\n    deploy:\n      replicas: ${WORKERS:-2}\n";
        let rs = resources(&[
            ("app/docker-compose.yml", base),
            ("app/docker-compose.prod.yml", prod),
        ]);
        let f = crate::facts::derive(Side::Head, rs);
        let w: Vec<_> = f
            .workloads
            .iter()
            .map(|w| {
                (
                    w.address.as_str(),
                    w.floor,
                    line_col(base, w.floor_loc.span.start),
                )
            })
            .collect();
        assert_eq!(w, [("compose/app/api", 3, (6, 17))]);
        assert!(f.notes.iter().any(|n| n.contains("${WORKERS:-2}")));
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains("compose service app/worker has no restart policy"))
        );
        assert!(!f.notes.iter().any(|n| n.contains("app/api has")));
    }

    #[test]
    fn default_floor_is_one_at_the_service() {
        let text = "services:\n  db:\n    image: postgres\n    restart: \"no\"\n";
        let f = crate::facts::derive(Side::Head, resources(&[("compose.yaml", text)]));
        assert_eq!(f.workloads.len(), 1);
        assert_eq!(f.workloads[0].floor, 1);
        assert_eq!(line_col(text, f.workloads[0].floor_loc.span.start), (2, 3));
        assert!(f.notes.iter().any(|n| n.contains("restart policy `no`")));
    }
}
