//! Backstage catalog files (`catalog-info.yaml`, or any YAML document with
//! `apiVersion: backstage.io/…` and a `kind`): each entity is a resource of
//! kind `Component`, `Resource`, `System`, `API`, … with its namespace
//! (`default` when unset), addressed by its entity ref
//! (`component:default/payments`, the kind lowercased as Backstage writes refs).

use super::yaml::Node;
use super::{FileKind, Resource};
use std::sync::Arc;

/// Entity kinds that describe running software or the infrastructure it needs
/// (a file holding one is an infrastructure file for CG002; `User`, `Group`,
/// `Location`, `Template` are not).
pub const SERVICE_KINDS: &[&str] = &["component", "resource", "system", "api", "domain"];

/// Whether a document is a Backstage entity.
pub fn is_entity(root: &Node) -> bool {
    root.get("apiVersion")
        .and_then(Node::as_str)
        .is_some_and(|v| v.starts_with("backstage.io/"))
        && root.get("kind").and_then(Node::as_str).is_some()
}

/// The entity of a document, if it is one.
pub fn read(path: &Arc<str>, root: &Node) -> Option<Resource> {
    if !is_entity(root) {
        return None;
    }
    let kind = root.get("kind")?.as_str()?.to_string();
    let metadata = root.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    let namespace = metadata
        .and_then(|m| m.get("namespace"))
        .and_then(Node::scalar_text)
        .filter(|ns| !ns.is_empty())
        .unwrap_or_else(|| "default".to_string());
    let labels = metadata
        .and_then(|m| m.get("labels"))
        .map(|l| {
            l.entries()
                .iter()
                .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text()?)))
                .collect()
        })
        .unwrap_or_default();
    Some(Resource {
        file_kind: FileKind::Catalog,
        address: format!("{}:{namespace}/{name}", kind.to_ascii_lowercase()),
        kind,
        name,
        namespace: Some(namespace),
        path: path.clone(),
        body: root.clone(),
        span: root.span,
        labels,
    })
}

/// Normalises an entity ref written in an entity's `spec` (`resource:ledger-db`,
/// `Component:payments/api`): lowercased, kind defaulting to `default_kind`
/// and namespace to the referring entity's namespace, as Backstage resolves
/// relative refs.
pub fn normalise_ref(r: &str, default_kind: &str, namespace: &str) -> String {
    let r = r.trim().to_ascii_lowercase();
    let (kind, rest) = match r.split_once(':') {
        Some((k, rest)) => (k.to_string(), rest.to_string()),
        None => (default_kind.to_ascii_lowercase(), r.clone()),
    };
    let (ns, name) = match rest.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => (namespace.to_ascii_lowercase(), rest),
    };
    format!("{kind}:{ns}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::{Budget, parse_stream};

    #[test]
    fn entities() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Payments\nspec:\n  dependsOn: [resource:ledger-db]\n---\napiVersion: backstage.io/v1beta1\nkind: Resource\nmetadata: {name: ledger-db, namespace: finance}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n";
        let docs = parse_stream(text, Budget::default()).expect("parses");
        let path: Arc<str> = Arc::from("catalog-info.yaml");
        let rs: Vec<_> = docs.iter().filter_map(|d| read(&path, &d.root)).collect();
        let addrs: Vec<_> = rs.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addrs,
            ["component:default/Payments", "resource:finance/ledger-db"]
        );
        assert_eq!(rs[0].namespace.as_deref(), Some("default"));
    }

    #[test]
    fn refs() {
        assert_eq!(
            normalise_ref("Resource:Ledger-DB", "component", "default"),
            "resource:default/ledger-db"
        );
        assert_eq!(
            normalise_ref("fx-rates", "component", "Finance"),
            "component:finance/fx-rates"
        );
        assert_eq!(
            normalise_ref("component:ops/x", "component", "finance"),
            "component:ops/x"
        );
    }
}
