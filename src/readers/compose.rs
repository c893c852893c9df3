//! docker-compose files (`compose.yaml`, `docker-compose.yml` and their
//! `*.override.yml` / `docker-compose.<env>.yml` variants): every entry of
//! `services` is a resource of kind `service`, addressed
//! `compose/<directory>/<service>` (`compose/deploy/payments/api`; `.` for the
//! repository root), so a service written in a base file and an override file
//! has one address.

use super::yaml::{Document, Node, Span};
use super::{FileKind, Resource};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Whether a path names a compose file.
pub fn is_compose_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    matches!(stem, "compose" | "docker-compose")
        || stem.starts_with("compose.")
        || stem.starts_with("docker-compose.")
}

/// Whether a compose file is an override (`docker-compose.override.yml`,
/// `docker-compose.prod.yml`) rather than the project's base file.
pub fn is_override_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(&name);
    !matches!(stem, "compose" | "docker-compose")
}

/// The directory part of a compose file's address.
fn directory(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir,
        _ => ".",
    }
}

/// The services of a compose file.
pub fn read(path: &Arc<str>, docs: &[Document]) -> Vec<Resource> {
    let dir = directory(path);
    let mut out = Vec::new();
    for doc in docs {
        for (key, service) in doc.root.get("services").map(Node::entries).unwrap_or(&[]) {
            let Some(name) = key.scalar_text() else {
                continue;
            };
            out.push(Resource {
                file_kind: FileKind::Compose,
                kind: "service".into(),
                address: format!("compose/{dir}/{name}"),
                name,
                namespace: None,
                path: path.clone(),
                body: service.clone(),
                span: Span::new(key.span.start, service.span.end),
                labels: labels(service.get("labels")),
            });
        }
    }
    out
}

/// Compose labels: a mapping, or a list of `key=value`.
fn labels(node: Option<&Node>) -> BTreeMap<String, String> {
    let Some(node) = node else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<String, String> = node
        .entries()
        .iter()
        .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text().unwrap_or_default())))
        .collect();
    for item in node.items() {
        if let Some(text) = item.scalar_text() {
            let (k, v) = text.split_once('=').unwrap_or((&text, ""));
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::{Budget, line_col, parse_stream};

    #[test]
    fn paths() {
        for p in [
            "compose.yaml",
            "a/compose.yml",
            "deploy/docker-compose.yml",
            "docker-compose.prod.yaml",
            "x/compose.override.yaml",
        ] {
            assert!(is_compose_path(p), "{p}");
        }
        for p in ["composer.yaml", "deploy/api.yaml", "docker-compose.json"] {
            assert!(!is_compose_path(p), "{p}");
        }
        assert!(!is_override_path("a/docker-compose.yml"));
        assert!(is_override_path("a/docker-compose.prod.yml"));
    }

    #[test]
    fn services_with_addresses_and_spans() {
        let text = "services:\n  api:\n    image: api\n    deploy:\n      replicas: 3\n    labels: [\"tier=web\"]\n  db:\n    image: postgres\n";
        let docs = parse_stream(text, Budget::default()).expect("parses");
        let rs = read(&Arc::from("deploy/payments/compose.yaml"), &docs);
        let addrs: Vec<_> = rs.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addrs,
            ["compose/deploy/payments/api", "compose/deploy/payments/db"]
        );
        assert_eq!(line_col(text, rs[0].span.start), (2, 3));
        let replicas = rs[0].field("deploy.replicas").expect("replicas");
        assert_eq!(line_col(text, replicas.span.start), (5, 17));
        assert_eq!(rs[0].labels.get("tier").map(String::as_str), Some("web"));
        let root = read(&Arc::from("compose.yaml"), &docs);
        assert_eq!(root[1].address, "compose/./db");
    }
}
