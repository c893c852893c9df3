//! Kustomize, built natively (DESIGN §1a "Kustomize"): no `kustomize` binary.
//!
//! Every *root* — a folder whose kustomization no other kustomization in
//! view includes — is built: `resources` (files, folders, the older
//! `bases`; remote bases are a note), `components`, then the overlay's
//! `patchesStrategicMerge` and `patches`, `namespace`,
//! `namePrefix`/`nameSuffix` (an HPA's `scaleTargetRef` follows),
//! `commonLabels`/`labels`, `patchesJson6902`, and `replicas`, in
//! kustomize's order. Generators and transformer plugins are not run (a
//! note). A value keeps the file and line it was last set at (the overlay's
//! `count`, the patch line), through [`Node::origin`]. Built resources are
//! addressed with their root folder (`overlays/prod:Deployment/shop/api`).
//! Patch files, bases and components are read only through the roots that
//! include them, never as manifests of their own.

use super::yaml::{self, Budget, Node, Span, Value};
use super::{FileKind, Resource};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The names kustomize looks for in a folder, in its order.
pub const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Nested kustomizations deeper than this do not build (a note).
const MAX_DEPTH: usize = 40;

/// Whether a path is a kustomization file.
pub fn is_kustomization(path: &str) -> bool {
    FILE_NAMES.contains(&path.rsplit('/').next().unwrap_or(path))
}

/// The folder of a path (`""` at the top).
fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir` joined with a relative path, `.` and `..` resolved; `None` when it
/// leaves the repository.
pub fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// What the builder reads: the files of one side.
pub trait Files {
    /// The text of a regular file, if there is one.
    fn text(&mut self, path: &str) -> Option<Arc<str>>;
}

/// A built resource and the files it was built from.
#[derive(Clone, Debug)]
pub struct Built {
    /// The resource, addressed `root:Kind/namespace/name`.
    pub resource: Resource,
    /// The manifest it came from, the patches that changed it, the
    /// kustomizations it went through.
    pub inputs: BTreeSet<Arc<str>>,
}

/// The build of one root.
#[derive(Clone, Debug, Default)]
pub struct Build {
    /// The root's kustomization file.
    pub kustomization: String,
    /// What it builds (empty when it does not build).
    pub resources: Vec<Built>,
    /// Every file read.
    pub inputs: BTreeSet<String>,
    /// Things said (remote bases, generators not run, cycles).
    pub notes: Vec<String>,
    /// Why it does not build: never a half-built read.
    pub error: Option<String>,
}

/// One resource while building.
#[derive(Clone, Debug)]
struct Item {
    body: Node,
    path: Arc<str>,
    /// The name it was first given (patches may name either).
    original_name: String,
    inputs: BTreeSet<Arc<str>>,
}

impl Item {
    fn kind(&self) -> &str {
        self.body.get("kind").and_then(Node::as_str).unwrap_or("")
    }
    fn name(&self) -> String {
        self.body
            .path("metadata.name")
            .and_then(Node::scalar_text)
            .unwrap_or_default()
    }
    fn namespace(&self) -> Option<String> {
        self.body
            .path("metadata.namespace")
            .and_then(Node::scalar_text)
    }
}

struct Builder<'f> {
    files: &'f mut dyn Files,
    notes: Vec<String>,
    inputs: BTreeSet<String>,
    /// Folders being built, outermost first (cycles).
    stack: Vec<String>,
}

/// The kustomization file of a folder, with its text.
fn kustomization_in(files: &mut dyn Files, dir: &str) -> Option<(String, Arc<str>)> {
    FILE_NAMES.iter().find_map(|name| {
        let path = if dir.is_empty() {
            (*name).to_string()
        } else {
            format!("{dir}/{name}")
        };
        files.text(&path).map(|t| (path, t))
    })
}

/// Whether a `resources` entry names something remote (a git URL, an HTTP file).
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.contains("?ref=")
        || entry.contains(".git//")
}

/// The origin of a node written in another file (an overlay or a patch):
/// there is no use site to point at beside it.
pub(crate) fn written_in(path: &Arc<str>) -> Arc<crate::readers::yaml::Origin> {
    Arc::new(crate::readers::yaml::Origin {
        path: path.clone(),
        used_at: Span::default(),
    })
}

/// A node and all its children marked as written in `path`.
fn set_origin(node: &mut Node, path: &Arc<str>) {
    let origin = written_in(path);
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        n.origin = Some(origin.clone());
        match &mut n.value {
            Value::Seq(items) => todo.extend(items.iter_mut()),
            Value::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    k.origin = Some(origin.clone());
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
}

/// The strings of a list field (`resources: [a, b]`).
fn strings(k: &Node, key: &str) -> Vec<String> {
    k.get(key)
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::scalar_text)
        .collect()
}

/// What a kustomization names, read without building it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listed {
    /// The folders and files it includes (`resources`, `bases`,
    /// `components`), for deciding which kustomizations are roots.
    pub includes: Vec<String>,
    /// The patch files it names (`patches`, `patchesStrategicMerge`,
    /// `patchesJson6902` by path): never manifests of their own.
    pub patches: Vec<String>,
}

/// What a kustomization names (paths resolved from its folder).
pub fn listed(kustomization_path: &str, text: &str) -> Listed {
    let dir = folder(kustomization_path);
    let Ok(docs) = yaml::parse_stream(text, Budget::default()) else {
        return Listed::default();
    };
    let Some(k) = docs.first().map(|d| &d.root) else {
        return Listed::default();
    };
    let includes = ["resources", "bases", "components"]
        .iter()
        .flat_map(|key| strings(k, key))
        .filter(|e| !is_remote(e))
        .filter_map(|e| join(dir, &e))
        .collect();
    let patches = ["patches", "patchesStrategicMerge", "patchesJson6902"]
        .iter()
        .flat_map(|key| k.get(key).map(Node::items).unwrap_or(&[]))
        .filter_map(|p| match p.get("path") {
            Some(path) => path.scalar_text(),
            None => p.as_str().filter(|s| !s.contains('\n')).map(str::to_string),
        })
        .filter_map(|p| join(dir, &p))
        .collect();
    Listed { includes, patches }
}

/// Builds the root whose kustomization file is `kustomization`.
pub fn build(files: &mut dyn Files, kustomization: &str) -> Build {
    let root = folder(kustomization).to_string();
    let mut b = Builder {
        files,
        notes: Vec::new(),
        inputs: BTreeSet::new(),
        stack: Vec::new(),
    };
    let mut items = Vec::new();
    let result = b.apply(&root, &mut items);
    let mut out = Build {
        kustomization: kustomization.to_string(),
        notes: std::mem::take(&mut b.notes),
        inputs: std::mem::take(&mut b.inputs),
        ..Build::default()
    };
    if let Err(why) = result {
        out.notes.push(format!(
            "{kustomization}: does not build ({why}); its resources are not checked"
        ));
        out.error = Some(why);
        return out;
    }
    let shown_root = if root.is_empty() { "." } else { &root };
    for item in items {
        let Some(mut r) = super::kubernetes::object(&item.path, &item.body) else {
            continue;
        };
        r.address = format!("{shown_root}:{}", r.address);
        out.resources.push(Built {
            resource: r,
            inputs: item.inputs,
        });
    }
    out
}

impl Builder<'_> {
    /// Reads a YAML file that the build needs.
    fn docs(&mut self, path: &str) -> Result<Vec<Node>, String> {
        let text = self
            .files
            .text(path)
            .ok_or_else(|| format!("{path} not found"))?;
        self.inputs.insert(path.to_string());
        if yaml::is_template(&text) {
            return Err(format!("{path} is a template (`{{{{ … }}}}`)"));
        }
        let docs = yaml::parse_stream(&text, Budget::default())
            .map_err(|e| format!("{path}: {}", e.message))?;
        Ok(docs.into_iter().map(|d| d.root).collect())
    }

    /// Applies the kustomization of `dir` to `items`: a Component works on
    /// the resources it is given (its own added); a resource folder is
    /// built on its own (`items` empty) and added by the caller.
    fn apply(&mut self, dir: &str, items: &mut Vec<Item>) -> Result<(), String> {
        if self.stack.iter().any(|d| d == dir) {
            self.notes.push(format!(
                "{}: includes itself (through {}); not built again",
                if dir.is_empty() { "." } else { dir },
                self.stack.join(" → ")
            ));
            return Ok(());
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("kustomizations nested deeper than {MAX_DEPTH}"));
        }
        let (kpath, _) = kustomization_in(self.files, dir).ok_or_else(|| {
            format!(
                "no kustomization in {}",
                if dir.is_empty() { "." } else { dir }
            )
        })?;
        let kfile: Arc<str> = Arc::from(kpath.as_str());
        let mut k = self
            .docs(&kpath)?
            .into_iter()
            .next()
            .unwrap_or_else(|| Node::new(Value::Null, Span::default()));
        set_origin(&mut k, &kfile);
        self.stack.push(dir.to_string());
        let result = self.apply_kustomization(dir, &kfile, &k, items);
        self.stack.pop();
        result
    }

    fn apply_kustomization(
        &mut self,
        dir: &str,
        kfile: &Arc<str>,
        k: &Node,
        items: &mut Vec<Item>,
    ) -> Result<(), String> {
        for entry in strings(k, "resources")
            .into_iter()
            .chain(strings(k, "bases"))
        {
            self.resource(dir, kfile, &entry, items)?;
        }
        for entry in strings(k, "components") {
            if is_remote(&entry) {
                self.notes.push(format!(
                    "{kfile}: remote component `{entry}` is not read; what it changes is not checked"
                ));
                continue;
            }
            let path =
                join(dir, &entry).ok_or_else(|| format!("{entry} is outside the repository"))?;
            self.apply(&path, items)?;
        }
        // Generators add ConfigMaps and Secrets (no continuity facts); plugins
        // and charts could add or change anything: said, not run.
        for key in ["generators", "transformers", "helmCharts", "replacements"] {
            if k.get(key).is_some() {
                self.notes.push(format!(
                    "{kfile}: `{key}` is not run by continuity-guard; what it would add or change is not checked"
                ));
            }
        }
        // kustomize's order of built-in transformers.
        for patch in k
            .get("patchesStrategicMerge")
            .map(Node::items)
            .unwrap_or(&[])
        {
            let docs = self.patch_docs(dir, kfile, patch)?;
            for (doc, from) in docs {
                strategic_merge(items, &doc, None, &from)?;
            }
        }
        for patch in k.get("patches").map(Node::items).unwrap_or(&[]) {
            self.patch(dir, kfile, patch, items)?;
        }
        if let Some(ns) = k.get("namespace").filter(|n| n.scalar_text().is_some()) {
            set_namespace(items, ns);
        }
        let prefix = k
            .get("namePrefix")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let suffix = k
            .get("nameSuffix")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        if !prefix.is_empty() || !suffix.is_empty() {
            rename(items, &prefix, &suffix);
        }
        if let Some(labels) = k.get("commonLabels") {
            add_labels(items, labels, true, true);
        }
        for set in k.get("labels").map(Node::items).unwrap_or(&[]) {
            let selectors = set.get("includeSelectors").and_then(Node::as_bool) == Some(true);
            let templates =
                selectors || set.get("includeTemplates").and_then(Node::as_bool) == Some(true);
            if let Some(pairs) = set.get("pairs") {
                add_labels(items, pairs, selectors, templates);
            }
        }
        for patch in k.get("patchesJson6902").map(Node::items).unwrap_or(&[]) {
            self.patch(dir, kfile, patch, items)?;
        }
        for r in k.get("replicas").map(Node::items).unwrap_or(&[]) {
            let (Some(name), Some(count)) =
                (r.get("name").and_then(Node::scalar_text), r.get("count"))
            else {
                continue;
            };
            for item in items.iter_mut().filter(|i| {
                matches!(
                    i.kind(),
                    "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController"
                ) && (i.name() == name || i.original_name == name)
            }) {
                set_path(&mut item.body, &["spec", "replicas"], count.clone());
            }
        }
        for item in items.iter_mut() {
            item.inputs.insert(kfile.clone());
        }
        Ok(())
    }

    /// One `resources` entry: a file of manifests or a folder with a kustomization.
    fn resource(
        &mut self,
        dir: &str,
        kfile: &Arc<str>,
        entry: &str,
        items: &mut Vec<Item>,
    ) -> Result<(), String> {
        if is_remote(entry) {
            self.notes.push(format!(
                "{kfile}: remote resource `{entry}` is not read; its resources are not checked"
            ));
            return Ok(());
        }
        let path = join(dir, entry).ok_or_else(|| format!("{entry} is outside the repository"))?;
        if self.files.text(&path).is_some() {
            let file: Arc<str> = Arc::from(path.as_str());
            for doc in self.docs(&path)? {
                let objects: Vec<Node> = if doc.get("kind").and_then(Node::as_str) == Some("List") {
                    doc.get("items").map(Node::items).unwrap_or(&[]).to_vec()
                } else {
                    vec![doc]
                };
                for body in objects {
                    if body.get("kind").is_none() || body.get("apiVersion").is_none() {
                        continue;
                    }
                    let mut item = Item {
                        original_name: String::new(),
                        path: file.clone(),
                        inputs: BTreeSet::from([file.clone()]),
                        body,
                    };
                    item.original_name = item.name();
                    items.push(item);
                }
            }
            return Ok(());
        }
        if kustomization_in(self.files, &path).is_none() {
            return Err(format!(
                "{kfile}: `{entry}` is neither a file nor a folder with a kustomization"
            ));
        }
        let mut sub = Vec::new();
        self.apply(&path, &mut sub)?;
        items.extend(sub);
        Ok(())
    }

    /// The documents of a patch entry: a path, or an inline string.
    fn patch_docs(
        &mut self,
        dir: &str,
        kfile: &Arc<str>,
        entry: &Node,
    ) -> Result<Vec<(Node, Arc<str>)>, String> {
        let (text_node, path) = match (entry.get("path"), entry.get("patch")) {
            (Some(p), _) => (None, p.scalar_text()),
            (None, Some(inline)) => (Some(inline), None),
            // patchesStrategicMerge entries are paths or inline documents.
            (None, None) => match &entry.value {
                Value::Str(s) if !s.contains('\n') && !s.trim_start().starts_with('{') => {
                    (None, Some(s.clone()))
                }
                Value::Str(_) => (Some(entry), None),
                _ => return Ok(Vec::new()),
            },
        };
        if let Some(rel) = path {
            let path = join(dir, &rel).ok_or_else(|| format!("{rel} is outside the repository"))?;
            let from: Arc<str> = Arc::from(path.as_str());
            return Ok(self
                .docs(&path)?
                .into_iter()
                .map(|mut d| {
                    set_origin(&mut d, &from);
                    (d, from.clone())
                })
                .collect());
        }
        let Some(node) = text_node else {
            return Ok(Vec::new());
        };
        let Some(text) = node.scalar_text() else {
            return Err(format!("{kfile}: an inline patch is not a string"));
        };
        let docs = yaml::parse_stream(&text, Budget::default())
            .map_err(|e| format!("{kfile}: inline patch: {}", e.message))?;
        // An inline patch's values are located at the patch in the kustomization.
        Ok(docs
            .into_iter()
            .map(|d| {
                let mut root = d.root;
                relocate(&mut root, node.span, kfile);
                (root, kfile.clone())
            })
            .collect())
    }

    /// A `patches` or `patchesJson6902` entry: a JSON 6902 list for its
    /// target, or a strategic merge patch (for its target, else for the
    /// resource it names).
    fn patch(
        &mut self,
        dir: &str,
        kfile: &Arc<str>,
        entry: &Node,
        items: &mut Vec<Item>,
    ) -> Result<(), String> {
        let target = entry.get("target");
        for (doc, from) in self.patch_docs(dir, kfile, entry)? {
            if matches!(doc.value, Value::Seq(_)) {
                let Some(target) = target else {
                    return Err(format!("{from}: a JSON 6902 patch needs a target"));
                };
                for item in items.iter_mut().filter(|i| targets(target, i)) {
                    json6902(&mut item.body, &doc).map_err(|e| format!("{from}: {e}"))?;
                    item.inputs.insert(from.clone());
                }
            } else {
                strategic_merge(items, &doc, target, &from)?;
            }
        }
        Ok(())
    }
}

/// Every node's span set to one span in `file` (an inline patch).
fn relocate(node: &mut Node, span: Span, file: &Arc<str>) {
    let origin = written_in(file);
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        n.span = span;
        n.origin = Some(origin.clone());
        match &mut n.value {
            Value::Seq(items) => todo.extend(items.iter_mut()),
            Value::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    k.span = span;
                    k.origin = Some(origin.clone());
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
}

/// Whether a patch `target` (kind, name, namespace, group, version,
/// labelSelector) selects an item.
fn targets(target: &Node, item: &Item) -> bool {
    let field = |k: &str| target.get(k).and_then(Node::scalar_text);
    let api = item
        .body
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let name_ok = field("name")
        .is_none_or(|n| regex_like(&n, &item.name()) || regex_like(&n, &item.original_name));
    let labels_ok = field("labelSelector").is_none_or(|sel| {
        sel.split(',').all(|pair| match pair.split_once('=') {
            Some((k, v)) => {
                item.body
                    .path("metadata.labels")
                    .and_then(|l| l.get(k.trim()))
                    .and_then(Node::scalar_text)
                    .as_deref()
                    == Some(v.trim())
            }
            None => item
                .body
                .path("metadata.labels")
                .and_then(|l| l.get(pair.trim()))
                .is_some(),
        })
    });
    field("kind").is_none_or(|k| regex_like(&k, item.kind()))
        && field("group").is_none_or(|g| g == group)
        && field("version").is_none_or(|v| v == version)
        && field("namespace").is_none_or(|ns| Some(ns) == item.namespace())
        && name_ok
        && labels_ok
}

/// kustomize matches target names as anchored regular expressions; the
/// common forms are a literal and `.*` wildcards.
fn regex_like(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '.', '|', '^', '$', '(', '[']) {
        return pattern == text;
    }
    if pattern.contains('|') {
        return pattern
            .split('|')
            .any(|p| regex_like(p.trim_matches(['(', ')']), text));
    }
    let p = pattern.trim_start_matches('^').trim_end_matches('$');
    let parts: Vec<&str> = p.split(".*").collect();
    if parts.len() == 1 {
        return p == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// A strategic merge patch: for its target, else for the resource it names.
fn strategic_merge(
    items: &mut Vec<Item>,
    patch: &Node,
    target: Option<&Node>,
    from: &Arc<str>,
) -> Result<(), String> {
    if matches!(patch.value, Value::Null) {
        return Ok(());
    }
    let kind = patch.get("kind").and_then(Node::as_str);
    let name = patch.path("metadata.name").and_then(Node::scalar_text);
    let namespace = patch.path("metadata.namespace").and_then(Node::scalar_text);
    let selected = |i: &Item| match target {
        Some(t) => targets(t, i),
        None => {
            kind == Some(i.kind())
                && name
                    .as_ref()
                    .is_some_and(|n| *n == i.name() || *n == i.original_name)
                && namespace
                    .as_ref()
                    .is_none_or(|ns| Some(ns) == i.namespace().as_ref())
        }
    };
    let delete = patch.get("$patch").and_then(Node::as_str) == Some("delete");
    let mut matched = false;
    let mut kept = Vec::with_capacity(items.len());
    for mut item in items.drain(..) {
        if !selected(&item) {
            kept.push(item);
            continue;
        }
        matched = true;
        if delete {
            continue;
        }
        let mut body = patch.clone();
        if target.is_some() {
            // A patch for a target keeps the target's identity.
            for key in ["kind", "apiVersion"] {
                remove_key(&mut body, key);
            }
            if let Some(meta) = map_get_mut(&mut body, "metadata") {
                remove_key(meta, "name");
                remove_key(meta, "namespace");
            }
        }
        merge(&mut item.body, &body, "");
        item.inputs.insert(from.clone());
        kept.push(item);
    }
    *items = kept;
    if !matched && target.is_none() {
        return Err(format!(
            "{from}: the patch's target {} {} is not among the resources",
            kind.unwrap_or("?"),
            name.unwrap_or_default()
        ));
    }
    Ok(())
}

/// The merge key of a list field, as the Kubernetes API declares it for
/// strategic merge; lists without one are replaced.
fn merge_key(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => &["name"],
        "ports" => &["containerPort", "port"],
        "volumeMounts" => &["mountPath"],
        "volumeDevices" => &["devicePath"],
        "topologySpreadConstraints" => &["topologyKey"],
        "hostAliases" => &["ip"],
        _ => return None,
    })
}

fn map_get_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn remove_key(node: &mut Node, key: &str) {
    if let Value::Map(entries) = &mut node.value {
        entries.retain(|(k, _)| k.as_str() != Some(key));
    }
}

/// A patch value without its `$patch` directives.
fn clean(node: &Node) -> Node {
    let mut n = node.clone();
    let mut todo = vec![&mut n];
    while let Some(n) = todo.pop() {
        match &mut n.value {
            Value::Map(entries) => {
                entries.retain(|(k, _)| !k.as_str().is_some_and(|k| k.starts_with('$')));
                todo.extend(entries.iter_mut().map(|(_, v)| v));
            }
            Value::Seq(items) => todo.extend(items.iter_mut()),
            _ => {}
        }
    }
    n
}

/// Strategic merge of `patch` into `target` (`field` is the key holding it).
fn merge(target: &mut Node, patch: &Node, field: &str) {
    match (&mut target.value, &patch.value) {
        (Value::Map(entries), Value::Map(patch_entries)) => {
            if patch.get("$patch").and_then(Node::as_str) == Some("replace") {
                *target = clean(patch);
                return;
            }
            for (pk, pv) in patch_entries {
                let Some(key) = pk.as_str() else { continue };
                if key.starts_with('$') {
                    continue;
                }
                let at = entries.iter().position(|(k, _)| k.as_str() == Some(key));
                let deletes = matches!(pv.value, Value::Null)
                    || pv.get("$patch").and_then(Node::as_str) == Some("delete");
                match (at, deletes) {
                    (Some(i), true) => {
                        entries.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => merge(&mut entries[i].1, pv, key),
                    (None, false) => entries.push((pk.clone(), clean(pv))),
                }
            }
        }
        (Value::Seq(items), Value::Seq(patch_items)) if merge_key(field).is_some() => {
            let keys = merge_key(field).unwrap_or(&[]);
            for p in patch_items {
                let key = keys
                    .iter()
                    .find_map(|k| p.get(k).and_then(Node::scalar_text).map(|v| (*k, v)));
                let Some((k, v)) = key else {
                    items.push(clean(p));
                    continue;
                };
                let at = items
                    .iter()
                    .position(|i| i.get(k).and_then(Node::scalar_text).as_deref() == Some(&v));
                let deletes = p.get("$patch").and_then(Node::as_str) == Some("delete");
                match (at, deletes) {
                    (Some(i), true) => {
                        items.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => merge(&mut items[i], p, ""),
                    (None, false) => items.push(clean(p)),
                }
            }
        }
        _ => *target = clean(patch),
    }
}

/// Sets a value at a path of mapping keys, creating the maps on the way.
pub(crate) fn set_path(node: &mut Node, path: &[&str], value: Node) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = node;
    for key in parents {
        if !matches!(at.value, Value::Map(_)) {
            at.value = Value::Map(Vec::new());
        }
        if map_get_mut(at, key).is_none()
            && let Value::Map(entries) = &mut at.value
        {
            entries.push((
                Node::new(Value::Str((*key).to_string()), at.span),
                Node::new(Value::Map(Vec::new()), at.span),
            ));
        }
        let Some(next) = map_get_mut(at, key) else {
            return;
        };
        at = next;
    }
    if !matches!(at.value, Value::Map(_)) {
        at.value = Value::Map(Vec::new());
    }
    if let Some(v) = map_get_mut(at, last) {
        *v = value;
    } else if let Value::Map(entries) = &mut at.value {
        let key = Node::new(Value::Str((*last).to_string()), value.span);
        entries.push((key, value));
    }
}

/// Kinds that have no namespace.
pub(crate) const CLUSTER_KINDS: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn set_namespace(items: &mut [Item], ns: &Node) {
    for item in items
        .iter_mut()
        .filter(|i| !CLUSTER_KINDS.contains(&i.kind()))
    {
        set_path(&mut item.body, &["metadata", "namespace"], ns.clone());
    }
}

/// `namePrefix`/`nameSuffix`, with an HPA's `scaleTargetRef` following its target.
fn rename(items: &mut [Item], prefix: &str, suffix: &str) {
    let mut renamed: BTreeMap<(String, String), String> = BTreeMap::new();
    for item in items
        .iter_mut()
        .filter(|i| !matches!(i.kind(), "Namespace" | "CustomResourceDefinition"))
    {
        let old = item.name();
        let new = format!("{prefix}{old}{suffix}");
        let span = item
            .body
            .path("metadata.name")
            .map_or(item.body.span, |n| n.span);
        let mut node = Node::new(Value::Str(new.clone()), span);
        node.origin = item
            .body
            .path("metadata.name")
            .and_then(|n| n.origin.clone());
        set_path(&mut item.body, &["metadata", "name"], node);
        renamed.insert((item.kind().to_string(), old), new);
    }
    for item in items
        .iter_mut()
        .filter(|i| i.kind() == "HorizontalPodAutoscaler")
    {
        let target = item.body.path("spec.scaleTargetRef");
        let kind = target
            .and_then(|t| t.get("kind"))
            .and_then(Node::scalar_text);
        let name = target
            .and_then(|t| t.get("name"))
            .and_then(Node::scalar_text);
        if let (Some(kind), Some(name)) = (kind, name)
            && let Some(new) = renamed.get(&(kind, name))
        {
            let span = target
                .and_then(|t| t.get("name"))
                .map_or(item.body.span, |n| n.span);
            set_path(
                &mut item.body,
                &["spec", "scaleTargetRef", "name"],
                Node::new(Value::Str(new.clone()), span),
            );
        }
    }
}

const SELECTOR_KINDS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Rollout",
];

/// Labels on every resource, and on workloads' selectors and pod templates when asked.
fn add_labels(items: &mut [Item], pairs: &Node, selectors: bool, templates: bool) {
    for (k, v) in pairs.entries() {
        let Some(key) = k.scalar_text() else { continue };
        for item in items.iter_mut() {
            set_path(&mut item.body, &["metadata", "labels", &key], v.clone());
            let workload = SELECTOR_KINDS.contains(&item.kind());
            if workload && templates {
                set_path(
                    &mut item.body,
                    &["spec", "template", "metadata", "labels", &key],
                    v.clone(),
                );
            }
            if workload && selectors {
                set_path(
                    &mut item.body,
                    &["spec", "selector", "matchLabels", &key],
                    v.clone(),
                );
            }
            if item.kind() == "Service" && selectors {
                set_path(&mut item.body, &["spec", "selector", &key], v.clone());
            }
        }
    }
}

/// A JSON pointer's tokens.
fn pointer(path: &str) -> Vec<String> {
    path.split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The node at a pointer.
fn at_pointer<'a>(node: &'a mut Node, tokens: &[String]) -> Option<&'a mut Node> {
    let mut at = node;
    for t in tokens {
        at = match &mut at.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.scalar_text().as_deref() == Some(t))
                .map(|(_, v)| v)?,
            Value::Seq(items) => items.get_mut(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Applies one JSON 6902 patch (a list of operations).
fn json6902(body: &mut Node, ops: &Node) -> Result<(), String> {
    for op in ops.items() {
        let kind = op.get("op").and_then(Node::as_str).unwrap_or("");
        let path = op
            .get("path")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let tokens = pointer(&path);
        let value = match kind {
            "move" | "copy" => {
                let from = pointer(
                    &op.get("from")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default(),
                );
                let v = at_pointer(body, &from)
                    .ok_or_else(|| format!("{kind}: no value at the from path"))?
                    .clone();
                if kind == "move" {
                    remove_at(body, &from)?;
                }
                Some(v)
            }
            _ => op.get("value").cloned(),
        };
        match kind {
            "add" | "move" | "copy" => add_at(
                body,
                &tokens,
                value.unwrap_or_else(|| Node::new(Value::Null, op.span)),
            )?,
            "replace" => {
                let v = value.unwrap_or_else(|| Node::new(Value::Null, op.span));
                let at = at_pointer(body, &tokens)
                    .ok_or_else(|| format!("replace: no value at {path}"))?;
                *at = v;
            }
            "remove" => remove_at(body, &tokens)?,
            "test" => {}
            other => return Err(format!("unknown JSON 6902 operation `{other}`")),
        }
    }
    Ok(())
}

fn add_at(body: &mut Node, tokens: &[String], value: Node) -> Result<(), String> {
    let Some((last, parents)) = tokens.split_last() else {
        *body = value;
        return Ok(());
    };
    let parent = at_pointer(body, parents)
        .ok_or_else(|| "add: the parent path does not exist".to_string())?;
    match &mut parent.value {
        Value::Map(entries) => {
            if let Some((_, v)) = entries
                .iter_mut()
                .find(|(k, _)| k.scalar_text().as_deref() == Some(last))
            {
                *v = value;
            } else {
                let key = Node::new(Value::Str(last.clone()), value.span);
                entries.push((key, value));
            }
        }
        Value::Seq(items) if last == "-" => items.push(value),
        Value::Seq(items) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("add: `{last}` is not an index"))?;
            if i > items.len() {
                return Err(format!("add: index {i} is past the end"));
            }
            items.insert(i, value);
        }
        _ => return Err("add: the parent is not a map or list".into()),
    }
    Ok(())
}

fn remove_at(body: &mut Node, tokens: &[String]) -> Result<(), String> {
    let Some((last, parents)) = tokens.split_last() else {
        return Err("remove: the whole document".into());
    };
    let parent =
        at_pointer(body, parents).ok_or_else(|| "remove: the path does not exist".to_string())?;
    match &mut parent.value {
        Value::Map(entries) => {
            let before = entries.len();
            entries.retain(|(k, _)| k.scalar_text().as_deref() != Some(last));
            if entries.len() == before {
                return Err(format!("remove: no `{last}`"));
            }
        }
        Value::Seq(items) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("remove: `{last}` is not an index"))?;
            if i >= items.len() {
                return Err(format!("remove: index {i} is past the end"));
            }
            items.remove(i);
        }
        _ => return Err("remove: the parent is not a map or list".into()),
    }
    Ok(())
}

/// Which kustomizations of a set are roots: included by no other one; and,
/// for kustomizations that include each other in a cycle with no root
/// above them, the first of the cycle (its build notes the cycle).
pub fn roots(kustomizations: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let included: BTreeSet<&str> = kustomizations
        .iter()
        .flat_map(|(k, inc)| inc.iter().filter(move |d| d.as_str() != folder(k)))
        .map(String::as_str)
        .collect();
    let mut roots: Vec<String> = kustomizations
        .keys()
        .filter(|k| !included.contains(folder(k)))
        .cloned()
        .collect();
    let by_folder: BTreeMap<&str, &String> =
        kustomizations.keys().map(|k| (folder(k), k)).collect();
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = kustomizations
        .keys()
        .filter(|k| !included.contains(folder(k)))
        .map(|k| folder(k))
        .collect();
    loop {
        while let Some(dir) = todo.pop() {
            if !reached.insert(dir) {
                continue;
            }
            let Some(k) = by_folder.get(dir) else {
                continue;
            };
            todo.extend(kustomizations[*k].iter().map(String::as_str));
        }
        let Some(unreached) = kustomizations.keys().find(|k| !reached.contains(folder(k))) else {
            break;
        };
        roots.push(unreached.clone());
        todo.push(folder(unreached));
    }
    roots.sort();
    roots
}

/// Whether a resource came out of a kustomize build (its address names the root).
pub fn is_built(r: &Resource) -> bool {
    r.file_kind == FileKind::Kubernetes && r.address.contains(':')
}

/// A side as the kustomize index sees it.
pub trait SideFiles: Files {
    /// Every regular file under a folder prefix (`""` = all).
    fn list_under(&mut self, prefix: &str) -> Vec<String>;
    /// Whether a regular file exists (without reading it).
    fn exists(&mut self, path: &str) -> bool;
}

/// A side's files in memory (tests and fuzz targets).
pub struct MemFiles(pub BTreeMap<String, Arc<str>>);

impl Files for MemFiles {
    fn text(&mut self, path: &str) -> Option<Arc<str>> {
        self.0.get(path).cloned()
    }
}

impl SideFiles for MemFiles {
    fn list_under(&mut self, prefix: &str) -> Vec<String> {
        self.0
            .keys()
            .filter(|p| p.starts_with(prefix))
            .cloned()
            .collect()
    }
    fn exists(&mut self, path: &str) -> bool {
        self.0.contains_key(path)
    }
}

/// What a file is, read through the kustomize builds that include it.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// The built resources it feeds (all of a root's, for its kustomization).
    pub resources: Vec<Arc<Resource>>,
    /// The build's notes (for a root's kustomization).
    pub notes: Vec<String>,
    /// Why a root that reads it does not build.
    pub error: Option<String>,
    /// Whether this read replaces the file's own (a chart's template is
    /// read only as rendered; its `{{ … }}` is no reason not to assess it).
    pub replaces_read: bool,
    /// What does not build: `a kustomize build`, `chart deploy/shop`.
    pub builder: String,
}

/// One root's build, its resources shared.
#[derive(Debug)]
struct RootBuild {
    build: Build,
    resources: Vec<(Arc<Resource>, BTreeSet<Arc<str>>)>,
}

/// The kustomize builds of one side, found near the files read: for a file,
/// the roots beside the nearest folder above it that has a kustomization
/// (`app/` for `app/base/api.yaml` and `app/overlays/prod/patch.yaml`).
#[derive(Debug, Default)]
pub struct SideBuilds {
    /// Whether a folder has a kustomization file.
    has_kustomization: BTreeMap<String, bool>,
    /// Scopes whose kustomization files were listed.
    scanned: BTreeSet<String>,
    /// Kustomization files found, with the folders each includes.
    found: BTreeMap<String, Vec<String>>,
    /// Patch files named by the kustomizations found.
    patches: BTreeSet<String>,
    /// Builds by root kustomization file.
    builds: BTreeMap<String, Arc<RootBuild>>,
    /// Views by file.
    views: BTreeMap<String, Option<Arc<View>>>,
    /// The Helm charts of the side (DESIGN §1a "Helm charts").
    charts: super::helm::SideCharts,
    /// The roots the plan's `builds` names, if it names kustomize roots.
    named_roots: Option<BTreeSet<String>>,
}

impl SideBuilds {
    /// The builds of a side as the plan's `builds` list names them.
    pub fn new(builds: &super::Builds) -> SideBuilds {
        SideBuilds {
            charts: super::helm::SideCharts::new(builds.helm.clone()),
            named_roots: builds.kustomize.as_ref().map(|roots| {
                roots
                    .iter()
                    .map(|r| r.trim_end_matches('/').to_string())
                    .collect()
            }),
            ..SideBuilds::default()
        }
    }

    /// The file read through the builds that include it; `None` when no
    /// build reads it (a plain manifest).
    pub fn view(&mut self, path: &str, side: &mut dyn SideFiles) -> Option<Arc<View>> {
        if let Some(v) = self.views.get(path) {
            return v.clone();
        }
        let view = self.compute(path, side).map(Arc::new);
        self.views.insert(path.to_string(), view.clone());
        view
    }

    fn folder_has_kustomization(&mut self, dir: &str, side: &mut dyn SideFiles) -> bool {
        if let Some(has) = self.has_kustomization.get(dir) {
            return *has;
        }
        let has = FILE_NAMES.iter().any(|name| {
            side.exists(&if dir.is_empty() {
                (*name).to_string()
            } else {
                format!("{dir}/{name}")
            })
        });
        self.has_kustomization.insert(dir.to_string(), has);
        has
    }

    /// Lists the kustomization files under a folder (`""` = all), once.
    fn scan(&mut self, scope: &str, side: &mut dyn SideFiles) {
        if !self.scanned.insert(scope.to_string()) {
            return;
        }
        let prefix = if scope.is_empty() {
            String::new()
        } else {
            format!("{scope}/")
        };
        for k in side.list_under(&prefix) {
            if is_kustomization(&k) && !self.found.contains_key(&k) {
                let text = side.text(&k);
                let listed = listed(&k, text.as_deref().unwrap_or_default());
                self.patches.extend(listed.patches);
                self.found.insert(k, listed.includes);
            }
        }
    }

    /// Whether the kustomization in `dir` includes no other kustomization
    /// folder and none of those under `scope` includes it (only what is
    /// under `scope` counts, so the answer does not depend on which files
    /// were read before).
    fn is_unincluded_leaf(&self, dir: &str, scope: &str) -> bool {
        let in_scope: Vec<(&str, &Vec<String>)> = self
            .found
            .iter()
            .map(|(k, inc)| (folder(k), inc))
            .filter(|(f, _)| {
                scope.is_empty()
                    || *f == scope
                    || f.strip_prefix(scope).is_some_and(|r| r.starts_with('/'))
            })
            .collect();
        let folders: BTreeSet<&str> = in_scope.iter().map(|(f, _)| *f).collect();
        let includes_other = in_scope
            .iter()
            .filter(|(f, _)| *f == dir)
            .flat_map(|(_, inc)| inc.iter())
            .any(|d| d != dir && folders.contains(d.as_str()));
        let included = in_scope
            .iter()
            .any(|(f, inc)| *f != dir && inc.iter().any(|d| d == dir));
        !includes_other && !included
    }

    fn compute(&mut self, path: &str, side: &mut dyn SideFiles) -> Option<View> {
        if let Some(view) = self.charts.view(path, side) {
            return Some(view);
        }
        let mut dir = folder(path);
        let nearest = loop {
            if self.folder_has_kustomization(dir, side) {
                break dir.to_string();
            }
            if dir.is_empty() {
                return None;
            }
            dir = folder(dir);
        };
        let mut scope = folder(&nearest).to_string();
        self.scan(&scope, side);
        // A base beside other bases (`deploy/bases/api`) is built by overlays
        // further up (`deploy/overlays/prod`): a kustomization that includes
        // no other and that nothing in scope includes widens the scope
        // until something includes it, or the whole side is scanned.
        while !scope.is_empty() && self.is_unincluded_leaf(&nearest, &scope) {
            scope = folder(&scope).to_string();
            self.scan(&scope, side);
        }
        let prefix = if scope.is_empty() {
            String::new()
        } else {
            format!("{scope}/")
        };
        let roots: Vec<String> = roots(&self.found)
            .into_iter()
            .filter(|r| r.starts_with(&prefix))
            .collect();
        let mut view = View::default();
        let mut read_by_any = false;
        for root in roots {
            let b = self
                .builds
                .entry(root.clone())
                .or_insert_with(|| {
                    let build = build(side, &root);
                    let resources = build
                        .resources
                        .iter()
                        .map(|b| (Arc::new(b.resource.clone()), b.inputs.clone()))
                        .collect();
                    Arc::new(RootBuild { build, resources })
                })
                .clone();
            let named = self
                .named_roots
                .as_ref()
                .is_none_or(|n| n.contains(folder(&root)));
            if !named {
                if root == path {
                    read_by_any = true;
                    view.notes.push(format!(
                        "{path}: not built (the plan's `builds` names other kustomize roots)"
                    ));
                } else if b.build.inputs.contains(path) {
                    read_by_any = true;
                }
                continue;
            }
            if root == path {
                read_by_any = true;
                view.resources
                    .extend(b.resources.iter().map(|(r, _)| r.clone()));
                view.notes.extend(b.build.notes.iter().cloned());
                view.error = b.build.error.clone();
                continue;
            }
            if !b.build.inputs.contains(path) {
                continue;
            }
            read_by_any = true;
            // An input of a root that does not build cannot be assessed either.
            if let Some(why) = &b.build.error
                && view.error.is_none()
            {
                view.error = Some(format!("{root} does not build: {why}"));
            }
            let fed: Vec<Arc<Resource>> = b
                .resources
                .iter()
                .filter(|(_, inputs)| inputs.iter().any(|i| &**i == path))
                .map(|(r, _)| r.clone())
                .collect();
            // A patch that deletes, or a file that feeds nothing built: it
            // still belongs to what its root builds.
            if fed.is_empty() {
                view.resources
                    .extend(b.resources.iter().map(|(r, _)| r.clone()));
            } else {
                view.resources.extend(fed);
            }
        }
        // A patch is never a manifest, even when its root does not build.
        (read_by_any || self.patches.contains(path)).then_some(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::line_col;

    struct Mem(BTreeMap<String, Arc<str>>);
    impl Files for Mem {
        fn text(&mut self, path: &str) -> Option<Arc<str>> {
            self.0.get(path).cloned()
        }
    }

    fn mem(files: &[(&str, &str)]) -> Mem {
        Mem(files
            .iter()
            .map(|(p, t)| ((*p).to_string(), Arc::from(*t)))
            .collect())
    }

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: api:1}]\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api}\nspec: {minAvailable: 1, selector: {matchLabels: {app: api}}}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}\n  minReplicas: 3\n";

    fn addresses(b: &Build) -> Vec<&str> {
        b.resources
            .iter()
            .map(|r| r.resource.address.as_str())
            .collect()
    }

    #[test]
    fn overlay_replicas_namespace_prefix_and_labels() {
        let prod = "resources: [../../base]\nnamespace: shop\nnamePrefix: prod-\ncommonLabels: {env: prod}\nreplicas:\n  - name: api\n    count: 1\n";
        let mut files = mem(&[
            ("app/base/kustomization.yaml", "resources: [api.yaml]\n"),
            ("app/base/api.yaml", DEPLOYMENT),
            ("app/overlays/prod/kustomization.yaml", prod),
        ]);
        let b = build(&mut files, "app/overlays/prod/kustomization.yaml");
        assert_eq!(b.error, None, "{:?}", b.notes);
        assert_eq!(
            addresses(&b),
            [
                "app/overlays/prod:Deployment/shop/prod-api",
                "app/overlays/prod:PodDisruptionBudget/shop/prod-api",
                "app/overlays/prod:HorizontalPodAutoscaler/shop/prod-api",
            ]
        );
        let d = &b.resources[0].resource;
        let replicas = d.field("spec.replicas").expect("replicas");
        assert_eq!(replicas.as_i64(), Some(1));
        assert_eq!(
            replicas.origin.as_ref().map(|o| o.path.as_ref()),
            Some("app/overlays/prod/kustomization.yaml")
        );
        assert_eq!(
            line_col(prod, replicas.span.start),
            (7, 12),
            "the overlay's count"
        );
        assert_eq!(d.labels.get("env").map(String::as_str), Some("prod"));
        assert_eq!(
            d.field("spec.template.metadata.labels.env")
                .and_then(Node::as_str),
            Some("prod")
        );
        let hpa = &b.resources[2].resource;
        assert_eq!(
            hpa.field("spec.scaleTargetRef.name").and_then(Node::as_str),
            Some("prod-api"),
            "the HPA follows its renamed target"
        );
        assert_eq!(&*d.path, "app/base/api.yaml");
        assert!(b.inputs.contains("app/base/api.yaml"));
    }

    #[test]
    fn patches_merge_delete_and_json6902() {
        let overlay = "resources: [../base]\npatches:\n  - path: spread.yaml\n  - path: no-pdb.yaml\n  - target: {kind: HorizontalPodAutoscaler, name: api}\n    patch: |-\n      - op: replace\n        path: /spec/minReplicas\n        value: 2\n";
        let spread = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      topologySpreadConstraints:\n        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app: api}}}\n      containers:\n        - {name: api, image: api:2}\n";
        let no_pdb = "$patch: delete\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api}\n";
        let mut files = mem(&[
            ("base/kustomization.yaml", "resources: [api.yaml]\n"),
            ("base/api.yaml", DEPLOYMENT),
            ("prod/kustomization.yaml", overlay),
            ("prod/spread.yaml", spread),
            ("prod/no-pdb.yaml", no_pdb),
        ]);
        let b = build(&mut files, "prod/kustomization.yaml");
        assert_eq!(b.error, None, "{:?}", b.notes);
        assert_eq!(
            addresses(&b),
            [
                "prod:Deployment/default/api",
                "prod:HorizontalPodAutoscaler/default/api"
            ]
        );
        let d = &b.resources[0].resource;
        let containers = d
            .field("spec.template.spec.containers")
            .expect("containers");
        assert_eq!(containers.items().len(), 1, "merged by name");
        assert_eq!(
            containers.items()[0].get("image").and_then(Node::as_str),
            Some("api:2")
        );
        assert!(
            d.field("spec.template.spec.topologySpreadConstraints")
                .is_some()
        );
        assert_eq!(d.field("spec.replicas").and_then(Node::as_i64), Some(3));
        assert!(b.resources[0].inputs.contains("prod/spread.yaml"));
        let min = b.resources[1]
            .resource
            .field("spec.minReplicas")
            .expect("min");
        assert_eq!(min.as_i64(), Some(2));
        assert_eq!(
            min.origin.as_ref().map(|o| o.path.as_ref()),
            Some("prod/kustomization.yaml")
        );
    }

    #[test]
    fn components_deprecated_fields_and_remote_bases() {
        let overlay = "bases: [../base, github.com/acme/x//base?ref=v1]\ncomponents: [../hpa]\npatchesStrategicMerge:\n  - replicas.yaml\npatchesJson6902:\n  - target: {group: apps, version: v1, kind: Deployment, name: api}\n    path: json.yaml\n";
        let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [hpa.yaml]\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - op: remove\n        path: /spec/replicas\n";
        let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {kind: Deployment, name: api}\n  minReplicas: 4\n";
        let mut files = mem(&[
            ("base/kustomization.yaml", "resources: [api.yaml]\n"),
            (
                "base/api.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 3}\n",
            ),
            ("hpa/kustomization.yaml", component),
            ("hpa/hpa.yaml", hpa),
            ("prod/kustomization.yaml", overlay),
            (
                "prod/replicas.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 5}\n",
            ),
            (
                "prod/json.yaml",
                "- {op: add, path: /metadata/labels, value: {tier: web}}\n",
            ),
        ]);
        let b = build(&mut files, "prod/kustomization.yaml");
        assert_eq!(b.error, None, "{:?}", b.notes);
        assert_eq!(
            addresses(&b),
            [
                "prod:Deployment/default/api",
                "prod:HorizontalPodAutoscaler/default/web"
            ]
        );
        let d = &b.resources[0].resource;
        assert_eq!(
            d.field("spec.replicas").and_then(Node::as_i64),
            Some(5),
            "removed by the component, set by the patch"
        );
        assert_eq!(d.labels.get("tier").map(String::as_str), Some("web"));
        assert!(
            b.notes.iter().any(|n| n.contains("remote resource")),
            "{:?}",
            b.notes
        );
    }

    #[test]
    fn cycles_and_missing_files_are_notes_never_a_hang() {
        let mut files = mem(&[
            ("a/kustomization.yaml", "resources: [../b]\n"),
            ("b/kustomization.yaml", "resources: [../a, x.yaml]\n"),
            (
                "b/x.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            ),
            ("self/kustomization.yaml", "resources: [.]\n"),
        ]);
        let b = build(&mut files, "a/kustomization.yaml");
        assert_eq!(b.error, None);
        assert!(
            b.notes.iter().any(|n| n.contains("includes itself")),
            "{:?}",
            b.notes
        );
        assert_eq!(addresses(&b), ["a:ConfigMap/default/x"]);
        let b = build(&mut files, "self/kustomization.yaml");
        assert!(
            b.notes.iter().any(|n| n.contains("includes itself")),
            "{:?}",
            b.notes
        );
        let mut files = mem(&[("c/kustomization.yaml", "resources: [gone.yaml]\n")]);
        let b = build(&mut files, "c/kustomization.yaml");
        assert!(b.error.is_some() && b.resources.is_empty());
    }

    #[test]
    fn deep_chains_stop_with_an_error() {
        let texts: Vec<(String, String)> = (0..100)
            .map(|i| {
                (
                    format!("k{i}/kustomization.yaml"),
                    format!("resources: [../k{}]\n", i + 1),
                )
            })
            .collect();
        let mut files = Mem(texts
            .iter()
            .map(|(p, t)| (p.clone(), Arc::from(t.as_str())))
            .collect());
        let b = build(&mut files, "k0/kustomization.yaml");
        assert!(
            b.error.as_deref().is_some_and(|e| e.contains("deeper")),
            "{:?}",
            b.error
        );
    }

    #[test]
    fn builds_name_the_roots_that_run() {
        let mut files = MemFiles(
            [
                ("app/base/kustomization.yaml", "resources: [api.yaml]\n"),
                ("app/base/api.yaml", DEPLOYMENT),
                (
                    "app/overlays/prod/kustomization.yaml",
                    "resources: [../../base]\n",
                ),
                (
                    "app/overlays/dev/kustomization.yaml",
                    "resources: [../../base]\n",
                ),
            ]
            .iter()
            .map(|(p, t)| ((*p).to_string(), Arc::from(*t)))
            .collect(),
        );
        let builds = crate::readers::Builds {
            kustomize: Some(vec!["app/overlays/prod/".into()]),
            ..Default::default()
        };
        let mut side = SideBuilds::new(&builds);
        let dev = side
            .view("app/overlays/dev/kustomization.yaml", &mut files)
            .expect("a root");
        assert!(
            dev.resources.is_empty() && dev.notes[0].contains("not built"),
            "{:?}",
            dev.notes
        );
        let base = side
            .view("app/base/api.yaml", &mut files)
            .expect("an input");
        assert!(
            base.resources
                .iter()
                .all(|r| r.address.starts_with("app/overlays/prod:")),
            "only the named root's build"
        );
        assert_eq!(base.resources.len(), 3);
    }

    #[test]
    fn roots_are_included_by_no_other() {
        let mut ks = BTreeMap::new();
        ks.insert("app/base/kustomization.yaml".to_string(), vec![]);
        ks.insert(
            "app/overlays/prod/kustomization.yaml".to_string(),
            listed(
                "app/overlays/prod/kustomization.yaml",
                "resources: [../../base]\npatches: [{path: p.yaml}, {patch: x}]\n",
            )
            .includes,
        );
        assert_eq!(
            listed(
                "o/kustomization.yaml",
                "patchesStrategicMerge: [a.yaml]\npatches: [{path: ../b.yaml}]\n"
            )
            .patches,
            ["b.yaml", "o/a.yaml"]
        );
        ks.insert(
            "lonely/kustomization.yaml".to_string(),
            vec!["lonely".to_string()],
        );
        ks.insert("a/kustomization.yaml".to_string(), vec!["b".to_string()]);
        ks.insert("b/kustomization.yaml".to_string(), vec!["a".to_string()]);
        assert_eq!(
            roots(&ks),
            [
                "a/kustomization.yaml",
                "app/overlays/prod/kustomization.yaml",
                "lonely/kustomization.yaml"
            ],
            "one listing itself is still a root; a cycle gets one"
        );
    }
}
