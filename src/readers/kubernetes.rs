//! Kubernetes manifests: every document with `apiVersion` and `kind` is a
//! resource addressed `Kind/namespace/name` (`Deployment/payments/api`).

use super::yaml::Document;
use super::{FileKind, Resource};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Resources of a multi-document manifest (`List` items included).
pub fn read(path: &Arc<str>, docs: &[Document]) -> Vec<Resource> {
    let mut out = Vec::new();
    for doc in docs {
        let root = &doc.root;
        if root.get("kind").and_then(|k| k.as_str()) == Some("List") {
            for item in root.get("items").map(|i| i.items()).unwrap_or(&[]) {
                if let Some(r) = object(path, item) {
                    out.push(r);
                }
            }
        } else if let Some(r) = object(path, root) {
            out.push(r);
        }
    }
    out
}

/// Whether every label of a selector is on a resource: on its own metadata,
/// or on the pods it runs (a workload's pod template, a CronJob's job
/// template), as a workload labelled only on its pods is still selected.
pub fn labels_match(r: &Resource, wanted: &BTreeMap<String, String>) -> bool {
    let on = |labels: Option<&super::Node>| {
        labels.is_some_and(|l| {
            wanted
                .iter()
                .all(|(k, v)| l.get(k).and_then(super::Node::scalar_text).as_ref() == Some(v))
        })
    };
    wanted.iter().all(|(k, v)| r.labels.get(k) == Some(v))
        || on(r.field("spec.template.metadata.labels"))
        || on(r.field("spec.jobTemplate.spec.template.metadata.labels"))
}

/// One object as a resource, if it has `apiVersion` and `kind`.
pub(crate) fn object(path: &Arc<str>, node: &super::Node) -> Option<Resource> {
    let kind = node.get("kind")?.as_str()?.to_string();
    node.get("apiVersion")?;
    let metadata = node.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(|n| n.scalar_text())
        .unwrap_or_default();
    let namespace = if kind == "Namespace" {
        None
    } else {
        Some(
            metadata
                .and_then(|m| m.get("namespace"))
                .and_then(|n| n.scalar_text())
                .unwrap_or_else(|| "default".to_string()),
        )
    };
    let labels: BTreeMap<String, String> = metadata
        .and_then(|m| m.get("labels"))
        .map(|l| {
            l.entries()
                .iter()
                .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text()?)))
                .collect()
        })
        .unwrap_or_default();
    let address = match &namespace {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    };
    Some(Resource {
        file_kind: FileKind::Kubernetes,
        kind,
        name,
        namespace,
        address,
        path: path.clone(),
        span: node.span,
        body: node.clone(),
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::{Budget, parse_stream};

    #[test]
    fn addresses() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: payments}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: payments}\n---\n# empty\n";
        let docs = parse_stream(text, Budget::default()).expect("parses");
        let rs = read(&Arc::from("a.yaml"), &docs);
        let addrs: Vec<_> = rs.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(addrs, ["Deployment/payments/api", "Namespace/payments"]);
    }

    #[test]
    fn labels_match_metadata_or_pod_template() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: api, labels: {team: pay}}\nspec:\n  template:\n    metadata: {labels: {app: api, tier: web}}\n";
        let docs = parse_stream(text, Budget::default()).expect("parses");
        let r = &read(&Arc::from("a.yaml"), &docs)[0];
        let want = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(labels_match(r, &want(&[("team", "pay")])));
        assert!(labels_match(r, &want(&[("app", "api"), ("tier", "web")])));
        assert!(!labels_match(r, &want(&[("app", "web")])));
        assert!(
            !labels_match(r, &want(&[("app", "api"), ("team", "pay")])),
            "one place holds them all"
        );
    }
}
