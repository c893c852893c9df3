//! Discovery: the services a repository defines, whether or not a plan names
//! them — Kubernetes namespaces (and workloads of the `default` namespace),
//! Terraform root modules, compose projects and Backstage Components — and the
//! infrastructure files among its files.

use crate::engine::ParseCache;
use crate::facts::{self, ServiceFacts};
use crate::plan::Plan;
use crate::readers::yaml::{Budget, parse_stream};
use crate::readers::{FileKind, Resource};
use crate::source::{Side, Tree};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What kind of thing defines a discovered service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    /// A Kubernetes namespace other than `default`.
    KubernetesNamespace,
    /// A workload of the `default` namespace.
    KubernetesWorkload,
    /// A directory with `.tf` files (not under a `modules/` folder).
    TerraformRootModule,
    /// A directory with a compose file.
    ComposeProject,
    /// A Backstage `Component`.
    CatalogComponent,
    /// A CloudFormation template (one stack).
    CloudformationStack,
    /// A Helm chart (a folder with `Chart.yaml`, not a subchart or a library).
    HelmChart,
}

impl UnitKind {
    /// Human wording.
    pub fn describe(self) -> &'static str {
        match self {
            UnitKind::KubernetesNamespace => "Kubernetes namespace",
            UnitKind::KubernetesWorkload => "Kubernetes workload",
            UnitKind::TerraformRootModule => "Terraform root module",
            UnitKind::ComposeProject => "compose project",
            UnitKind::CatalogComponent => "catalog component",
            UnitKind::CloudformationStack => "CloudFormation template",
            UnitKind::HelmChart => "Helm chart",
        }
    }
}

/// A Backstage Component as discovery reads it.
#[derive(Clone, Debug, Default)]
pub struct CatalogInfo {
    /// Normalised ref `component:namespace/name`.
    pub entity: String,
    /// `spec.owner`.
    pub owner: Option<String>,
    /// `spec.dependsOn`, normalised refs.
    pub depends_on: Vec<String>,
}

/// One thing that defines a service.
#[derive(Clone, Debug)]
pub struct Unit {
    /// What kind.
    pub kind: UnitKind,
    /// Its identity: the namespace, the workload address, the folder, the entity ref.
    pub id: String,
    /// The files it lives in (sorted).
    pub files: BTreeSet<String>,
    /// For catalog components.
    pub catalog: Option<CatalogInfo>,
    /// For Kubernetes units: the resources (for hints).
    pub resources: Vec<Arc<Resource>>,
}

/// A discovered service: the units that share one name.
#[derive(Clone, Debug)]
pub struct Discovered {
    /// The name (lowercase, `[a-z0-9-]`).
    pub name: String,
    /// What defines it.
    pub units: Vec<Unit>,
}

impl Discovered {
    /// The facts of its Kubernetes resources (hints for `init`).
    pub fn facts(&self) -> ServiceFacts {
        let resources: Vec<Arc<Resource>> = self
            .units
            .iter()
            .flat_map(|u| u.resources.iter().cloned())
            .collect();
        facts::derive(Side::Head, resources)
    }

    /// Its catalog component, if any.
    pub fn catalog(&self) -> Option<&CatalogInfo> {
        self.units.iter().find_map(|u| u.catalog.as_ref())
    }
}

/// What discovery found.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    /// Services by name.
    pub services: Vec<Discovered>,
    /// Every infrastructure or service-definition file (not ignored, not the plan).
    pub infra_files: BTreeSet<String>,
    /// Notes (unreadable files).
    pub notes: Vec<String>,
}

const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Rollout",
    "CronJob",
    "Job",
];

/// The folder of a path (`""` at the root).
pub fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// A service name from any text: lowercase, runs of other characters as `-`.
pub fn service_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("root");
    }
    out
}

fn is_backstage(r: &Resource) -> bool {
    r.body
        .get("apiVersion")
        .and_then(|v| v.as_str())
        .is_some_and(|v| v.starts_with("backstage.io/"))
}

/// Backstage Components of a YAML text.
fn catalog_components(text: &str) -> Vec<(String, CatalogInfo)> {
    if !text.contains("backstage.io/") {
        return Vec::new();
    }
    let Ok(docs) = parse_stream(text, Budget::default()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in docs {
        let root = &doc.root;
        let api = root.get("apiVersion").and_then(|v| v.as_str());
        let kind = root.get("kind").and_then(|v| v.as_str());
        if !api.is_some_and(|a| a.starts_with("backstage.io/"))
            || !kind.is_some_and(|k| k.eq_ignore_ascii_case("component"))
        {
            continue;
        }
        let Some(name) = root.path("metadata.name").and_then(|n| n.scalar_text()) else {
            continue;
        };
        let namespace = root
            .path("metadata.namespace")
            .and_then(|n| n.scalar_text())
            .unwrap_or_else(|| "default".into());
        let entity = crate::plan::load::normalise_entity_ref(
            &format!("component:{namespace}/{name}"),
            "component",
        );
        let owner = root.path("spec.owner").and_then(|n| n.scalar_text());
        let depends_on = root
            .path("spec.dependsOn")
            .map(|d| {
                d.items()
                    .iter()
                    .filter_map(|i| i.scalar_text())
                    .map(|r| crate::plan::load::normalise_entity_ref(&r, "component"))
                    .collect()
            })
            .unwrap_or_default();
        out.push((
            name,
            CatalogInfo {
                entity,
                owner,
                depends_on,
            },
        ));
    }
    out
}

/// A tree's files as the chart renderer reads them.
struct TreeFiles<'t>(&'t dyn Tree);

impl crate::readers::kustomize::Files for TreeFiles<'_> {
    fn text(&mut self, path: &str) -> Option<Arc<str>> {
        let blob = self.0.read(path)?;
        std::str::from_utf8(&blob.bytes).ok().map(Arc::from)
    }
}

impl crate::readers::kustomize::SideFiles for TreeFiles<'_> {
    fn list_under(&mut self, prefix: &str) -> Vec<String> {
        self.0.list_under(prefix)
    }
    fn exists(&mut self, path: &str) -> bool {
        self.0.kind(path) == Some(crate::source::EntryKind::File)
    }
}

/// A chart's name and rendered resources, when `path` is the `Chart.yaml`
/// of a chart that renders on its own (not a subchart, not a library).
fn helm_chart(tree: &dyn Tree, path: &str) -> Option<(String, Vec<Arc<Resource>>)> {
    use crate::readers::helm;
    let file = path.rsplit('/').next().unwrap_or(path);
    let dir = folder(path);
    if file != helm::CHART_FILE || folder(dir).rsplit('/').next() == Some("charts") {
        return None;
    }
    let mut files = TreeFiles(tree);
    let text = crate::readers::kustomize::Files::text(&mut files, path)?;
    if helm::is_library(&text) {
        return None;
    }
    let name = parse_stream(&text, Budget::default())
        .ok()?
        .first()?
        .root
        .get("name")?
        .scalar_text()?;
    let view = helm::SideCharts::default().view(path, &mut files);
    Some((name, view.map(|v| v.resources).unwrap_or_default()))
}

/// The units found so far, the infrastructure files and the notes.
#[derive(Default)]
struct Found {
    units: BTreeMap<(UnitKind, String), (String, Unit)>,
    infra_files: BTreeSet<String>,
    notes: Vec<String>,
}

impl Found {
    /// Adds `file` (and `resource`, if any) to the unit `(kind, id)`, named `name` when new.
    fn add(
        &mut self,
        kind: UnitKind,
        id: String,
        name: String,
        file: &str,
        catalog: Option<CatalogInfo>,
        resource: Option<Arc<Resource>>,
    ) {
        let entry = self.units.entry((kind, id.clone())).or_insert_with(|| {
            (
                name,
                Unit {
                    kind,
                    id,
                    files: BTreeSet::new(),
                    catalog: None,
                    resources: Vec::new(),
                },
            )
        });
        entry.1.files.insert(file.to_string());
        if catalog.is_some() {
            entry.1.catalog = catalog;
        }
        entry.1.resources.extend(resource);
    }

    /// Adds a helm chart's `Chart.yaml` and rendered resources, if `path` is one.
    fn helm(&mut self, tree: &dyn Tree, path: &str) -> bool {
        let Some((name, resources)) = helm_chart(tree, path) else {
            return false;
        };
        self.infra_files.insert(path.to_string());
        let dir = folder(path).to_string();
        self.add(
            UnitKind::HelmChart,
            dir.clone(),
            service_name(&name),
            path,
            None,
            None,
        );
        for r in resources {
            let file = r.path.to_string();
            self.add(
                UnitKind::HelmChart,
                dir.clone(),
                service_name(&name),
                &file,
                None,
                Some(r),
            );
        }
        true
    }

    /// Adds a `.tf` file to its root module (none under a `modules/` folder).
    fn terraform(&mut self, tree: &dyn Tree, path: &str, cache: &mut ParseCache) {
        self.infra_files.insert(path.to_string());
        let dir = folder(path);
        if dir.split('/').any(|s| s == "modules") {
            return;
        }
        let name = dir.rsplit('/').next().unwrap_or(dir);
        // Resources come with the Terraform reader; none until it reads them.
        let resources = tree
            .read(path)
            .map(|b| cache.read_blob(path, &b).resources.clone())
            .unwrap_or_default();
        self.add(
            UnitKind::TerraformRootModule,
            dir.to_string(),
            service_name(name),
            path,
            None,
            None,
        );
        for r in resources {
            self.add(
                UnitKind::TerraformRootModule,
                dir.to_string(),
                service_name(name),
                path,
                None,
                Some(Arc::new(r)),
            );
        }
    }

    /// Adds a compose file to its project, if `read` is one.
    fn compose(&mut self, path: &str, read: &crate::readers::FileRead) -> bool {
        if !read
            .resources
            .iter()
            .any(|r| r.file_kind == FileKind::Compose)
        {
            return false;
        }
        self.infra_files.insert(path.to_string());
        let resources = read.resources.clone();
        let dir = folder(path);
        let name = if dir.is_empty() {
            "compose"
        } else {
            dir.rsplit('/').next().unwrap_or(dir)
        };
        self.add(
            UnitKind::ComposeProject,
            dir.to_string(),
            service_name(name),
            path,
            None,
            None,
        );
        for r in resources {
            self.add(
                UnitKind::ComposeProject,
                dir.to_string(),
                service_name(name),
                path,
                None,
                Some(Arc::new(r)),
            );
        }
        true
    }

    /// Adds the Backstage Components a file declares.
    fn catalog(&mut self, path: &str, text: &str) {
        for (name, info) in catalog_components(text) {
            self.infra_files.insert(path.to_string());
            self.add(
                UnitKind::CatalogComponent,
                info.entity.clone(),
                service_name(&name),
                path,
                Some(info),
                None,
            );
        }
    }

    /// Adds a CloudFormation template as a stack: named by its file, or by its
    /// folder when the file has a generic name (`template.yaml`).
    fn cloudformation(&mut self, path: &str, read: &crate::readers::FileRead) {
        if !read
            .resources
            .iter()
            .any(|r| r.file_kind == FileKind::CloudFormation)
        {
            return;
        }
        let file = path.rsplit('/').next().unwrap_or(path);
        let stem = file.split('.').next().unwrap_or(file);
        let dir = folder(path);
        let name = if matches!(stem, "template" | "stack" | "cfn" | "main") && !dir.is_empty() {
            dir.rsplit('/').next().unwrap_or(dir)
        } else {
            stem
        };
        for r in read
            .resources
            .iter()
            .filter(|r| r.file_kind == FileKind::CloudFormation)
        {
            self.add(
                UnitKind::CloudformationStack,
                path.to_string(),
                service_name(name),
                path,
                None,
                Some(Arc::new(r.clone())),
            );
        }
    }

    /// Adds a file's Kubernetes resources to their namespace or workload.
    fn kubernetes(&mut self, path: &str, read: &crate::readers::FileRead) {
        for r in &read.resources {
            if r.file_kind != FileKind::Kubernetes || is_backstage(r) {
                continue;
            }
            self.infra_files.insert(path.to_string());
            let r = Arc::new(r.clone());
            match (r.kind.as_str(), r.namespace.as_deref()) {
                ("Namespace", _) => self.add(
                    UnitKind::KubernetesNamespace,
                    r.name.clone(),
                    service_name(&r.name),
                    path,
                    None,
                    None,
                ),
                (_, Some(ns)) if ns != "default" => self.add(
                    UnitKind::KubernetesNamespace,
                    ns.to_string(),
                    service_name(ns),
                    path,
                    None,
                    Some(r.clone()),
                ),
                (kind, Some(_)) if WORKLOAD_KINDS.contains(&kind) => self.add(
                    UnitKind::KubernetesWorkload,
                    r.address.clone(),
                    service_name(&r.name),
                    path,
                    None,
                    Some(r.clone()),
                ),
                _ => {}
            }
        }
    }

    /// Adds a YAML or JSON file: compose, catalog, CloudFormation or Kubernetes.
    fn data_file(&mut self, tree: &dyn Tree, path: &str, cache: &mut ParseCache) {
        let Some(blob) = tree.read(path) else {
            return;
        };
        let read = cache.read_blob(path, &blob);
        if self.compose(path, &read) {
            return;
        }
        let text = String::from_utf8_lossy(&blob.bytes);
        self.catalog(path, &text);
        let read = cache.read_blob(path, &blob);
        if let Some((message, _)) = &read.error {
            self.notes
                .push(format!("{path}: cannot be read: {message}"));
        }
        // Whatever a reader calls infrastructure (CloudFormation templates too).
        if read.infrastructure {
            self.infra_files.insert(path.to_string());
        }
        self.cloudformation(path, &read);
        self.kubernetes(path, &read);
    }

    /// The discovery: units grouped into services by name, notes sorted and deduplicated.
    fn finish(mut self) -> Discovery {
        let mut by_name: BTreeMap<String, Vec<Unit>> = BTreeMap::new();
        for (_, (name, unit)) in self.units {
            by_name.entry(name).or_default().push(unit);
        }
        let services = by_name
            .into_iter()
            .map(|(name, units)| Discovered { name, units })
            .collect();
        self.notes.sort();
        self.notes.dedup();
        Discovery {
            services,
            infra_files: self.infra_files,
            notes: self.notes,
        }
    }
}

/// Whether discovery skips `path`: the plan itself, its ignored paths, or a default plan path.
fn skipped(path: &str, plan: Option<&Plan>) -> bool {
    plan.is_some_and(|p| p.is_ignored(path) || *p.path == *path)
        || crate::plan::DEFAULT_PATHS.contains(&path)
}

/// Discovers the services of a tree (`plan` for its `ignore` list and path).
pub fn discover(tree: &dyn Tree, plan: Option<&Plan>, cache: &mut ParseCache) -> Discovery {
    let mut found = Found::default();
    for path in tree.list_under("") {
        if skipped(&path, plan) || found.helm(tree, &path) {
            continue;
        }
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".tf") {
            found.terraform(tree, &path, cache);
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json") {
            found.data_file(tree, &path, cache);
        }
    }
    found.finish()
}

/// Groups files under the shortest folders that hold none of `covered`
/// (files at the root, or whose every folder holds a covered file, stay
/// themselves). Returns (folder or file, number of files), sorted.
pub fn group_by_folder(
    files: &BTreeSet<String>,
    covered: &BTreeSet<String>,
) -> Vec<(String, usize)> {
    let mut busy: BTreeSet<&str> = BTreeSet::new();
    for c in covered {
        let mut dir = folder(c);
        while !dir.is_empty() {
            busy.insert(dir);
            dir = folder(dir);
        }
    }
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for f in files {
        let segments: Vec<&str> = f.split('/').collect();
        let mut key = f.clone();
        for end in 1..segments.len() {
            let prefix = segments[..end].join("/");
            if !busy.contains(prefix.as_str()) {
                key = format!("{prefix}/");
                break;
            }
        }
        *groups.entry(key).or_default() += 1;
    }
    groups.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(service_name("Payments_API"), "payments-api");
        assert_eq!(service_name("--"), "root");
        assert_eq!(service_name("a..b"), "a-b");
    }

    #[test]
    fn grouping_collapses_to_shortest_free_folder() {
        let files: BTreeSet<String> = [
            "legacy/a/x.yaml",
            "legacy/b/y.yaml",
            "apps/old/z.yaml",
            "apps/old/deep/w.yaml",
            "apps/top.yaml",
            "root.tf",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let covered: BTreeSet<String> = ["apps/new/api.yaml".to_string()].into_iter().collect();
        assert_eq!(
            group_by_folder(&files, &covered),
            vec![
                ("apps/old/".to_string(), 2),
                ("apps/top.yaml".to_string(), 1),
                ("legacy/".to_string(), 2),
                ("root.tf".to_string(), 1),
            ]
        );
    }
}
