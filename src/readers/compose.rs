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

/// The lowercase name of a YAML file without its extension (`None` for other files).
fn yaml_stem(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))?;
    Some(stem.to_string())
}

/// Whether a path names a compose file.
pub fn is_compose_path(path: &str) -> bool {
    yaml_stem(path).is_some_and(|stem| {
        matches!(stem.as_str(), "compose" | "docker-compose")
            || stem.starts_with("compose.")
            || stem.starts_with("docker-compose.")
    })
}

/// Whether a path names a Docker Swarm stack file (`docker-stack.yml`,
/// `*.stack.yml`): its own deployment, never an override of a compose file
/// beside it.
pub fn is_stack_path(path: &str) -> bool {
    yaml_stem(path).is_some_and(|stem| {
        matches!(stem.as_str(), "docker-stack" | "stack")
            || stem.ends_with(".stack")
            || stem.starts_with("docker-stack.")
    })
}

/// Whether a YAML document is in the compose format whatever its file's
/// name: a top-level `services` map whose entries have `image` or `build`,
/// and no Kubernetes `apiVersion`/`kind`.
pub fn is_compose_document(root: &Node) -> bool {
    if root.get("apiVersion").is_some() || root.get("kind").is_some() {
        return false;
    }
    let services = root.get("services").map(Node::entries).unwrap_or(&[]);
    !services.is_empty()
        && services.iter().all(|(_, s)| {
            matches!(
                s.value,
                crate::readers::Value::Map(_) | crate::readers::Value::Null
            )
        })
        && services
            .iter()
            .any(|(_, s)| s.get("image").is_some() || s.get("build").is_some())
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

/// The services of a compose file. A compose project's files (the base file
/// and its overrides) address a service `compose/<directory>/<service>`; any
/// other file in the format (a Swarm stack) is a deployment of its own,
/// `stack/<directory>/<file stem>/<service>`.
pub fn read(path: &Arc<str>, docs: &[Document]) -> Vec<Resource> {
    let dir = directory(path);
    let prefix = if is_compose_path(path) {
        format!("compose/{dir}")
    } else {
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name
            .strip_suffix(".yaml")
            .or_else(|| name.strip_suffix(".yml"))
            .unwrap_or(name);
        format!("stack/{dir}/{stem}")
    };
    let mut out = Vec::new();
    for doc in docs {
        for (key, service) in doc.root.get("services").map(Node::entries).unwrap_or(&[]) {
            let Some(name) = key.scalar_text() else {
                continue;
            };
            out.push(Resource {
                file_kind: FileKind::Compose,
                kind: "service".into(),
                address: format!("{prefix}/{name}"),
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
        for p in [
            "docker-stack.yml",
            "a/vote.stack.yaml",
            "a/docker-stack.prod.yml",
        ] {
            assert!(is_stack_path(p) && !is_compose_path(p), "{p}");
        }
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
        let stack = read(&Arc::from("deploy/docker-stack.yml"), &docs);
        assert_eq!(stack[0].address, "stack/deploy/docker-stack/api");
        assert!(is_compose_document(&docs[0].root));
        let k8s = parse_stream(
            "apiVersion: v1\nkind: List\nservices: {a: {image: x}}\n",
            Budget::default(),
        )
        .expect("parses");
        assert!(!is_compose_document(&k8s[0].root));
        let ci = parse_stream("services: [postgres]\n", Budget::default()).expect("parses");
        assert!(!is_compose_document(&ci[0].root));
    }
}
