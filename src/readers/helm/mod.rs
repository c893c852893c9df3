//! Helm charts, rendered natively (DESIGN §1a "Helm charts"): no `helm`
//! binary. A Go template evaluator of our own ([`eval`]) runs each chart's
//! templates over its values, and every rendered field is located where a
//! person edits it: the template line, or the values file line a value came
//! from.

pub mod eval;
pub mod funcs;
pub mod lex;
pub mod parse;
pub mod value;

use super::Resource;
use super::kustomize::{SideFiles, View};
use super::yaml::{self, Budget, Node, Origin, Span, Value};
use eval::{Eval, Seg, Written, object};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;
use value::{Prov, V, Val};

/// The Kubernetes version `.Capabilities` reports, as `helm template` does
/// without a cluster.
const KUBE_VERSION: (&str, &str) = ("1", "30");

/// The API versions `.Capabilities.APIVersions.Has` knows: Kubernetes' own,
/// as `helm template` without a cluster (no custom resources).
const API_VERSIONS: &[&str] = &[
    "v1",
    "apps/v1",
    "batch/v1",
    "policy/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "coordination.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "discovery.k8s.io/v1",
    "certificates.k8s.io/v1",
    "node.k8s.io/v1",
    "events.k8s.io/v1",
    "apps/v1/Deployment",
    "apps/v1/StatefulSet",
    "apps/v1/DaemonSet",
    "batch/v1/Job",
    "batch/v1/CronJob",
    "policy/v1/PodDisruptionBudget",
    "autoscaling/v2/HorizontalPodAutoscaler",
    "networking.k8s.io/v1/Ingress",
    "networking.k8s.io/v1/NetworkPolicy",
];

/// The chart file that makes a folder a chart.
pub const CHART_FILE: &str = "Chart.yaml";

/// How one chart is rendered: `helm template RELEASE CHART -n NAMESPACE -f …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// The release name (default: the chart's name).
    pub name: Option<String>,
    /// The namespace (default `default`).
    pub namespace: Option<String>,
    /// Values files after the chart's `values.yaml`, as the plan writes them
    /// (from the chart folder, else from the repository root).
    pub values: Vec<String>,
}

/// One chart's render for one release.
#[derive(Clone, Debug, Default)]
pub struct Render {
    /// The chart folder.
    pub chart: String,
    /// Its resources, addressed `chart:Kind/namespace/name`; each one's
    /// path is the template it came from.
    pub resources: Vec<Arc<Resource>>,
    /// Files every resource depends on: `Chart.yaml`, the values files, the helpers.
    pub inputs: BTreeSet<String>,
    /// Templates that did not render, with why (`file:line: message`).
    pub failed: BTreeMap<String, String>,
    /// Things worth telling.
    pub notes: Vec<String>,
    /// Why nothing renders (no readable `Chart.yaml`, a values file that does not parse).
    pub error: Option<String>,
}

/// The folder of a path (`""` at the top).
fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn under(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// 1-based line of an offset.
fn line_of(text: &str, at: usize) -> usize {
    yaml::line_col(text, at).0
}

/// A chart's `Chart.yaml` read: (name, the `.Chart` object, its type).
fn chart_meta(text: &str) -> Result<(String, V, String), String> {
    let docs = yaml::parse_stream(text, Budget::default()).map_err(|e| e.message)?;
    let root = docs.first().map(|d| &d.root).ok_or("it is empty")?;
    let field = |k: &str| root.get(k).and_then(Node::scalar_text).unwrap_or_default();
    let name = field("name");
    if name.is_empty() {
        return Err("it has no `name`".into());
    }
    let chart = object(vec![
        ("Name", V::str(&name)),
        ("Version", V::str(field("version"))),
        ("AppVersion", V::str(field("appVersion"))),
        ("Description", V::str(field("description"))),
        ("Type", V::str(field("type"))),
        ("ApiVersion", V::str(field("apiVersion"))),
        ("KubeVersion", V::str(field("kubeVersion"))),
        ("Home", V::str(field("home"))),
    ]);
    Ok((name, chart, field("type")))
}

/// Whether `Chart.yaml` text declares a library chart.
pub fn is_library(text: &str) -> bool {
    chart_meta(text).is_ok_and(|(_, _, t)| t == "library")
}

/// The `.Capabilities` object.
fn capabilities() -> V {
    let (major, minor) = KUBE_VERSION;
    let version = format!("v{major}.{minor}.0");
    object(vec![
        (
            "KubeVersion",
            object(vec![
                ("Version", V::str(&version)),
                ("GitVersion", V::str(&version)),
                ("Major", V::str(major)),
                ("Minor", V::str(minor)),
            ]),
        ),
        (
            "APIVersions",
            object(vec![("Has", Val::Method("APIVersions.Has").into())]),
        ),
        ("HelmVersion", object(vec![("Version", V::str("v3.16.0"))])),
    ])
}

/// Reads and merges the values files: the chart's `values.yaml`, then each
/// named file (later wins). Returns the values and the files read.
fn values(
    files: &mut dyn SideFiles,
    dir: &str,
    release: &Release,
) -> Result<(V, Vec<String>), String> {
    let mut merged = V::map(BTreeMap::new());
    let mut used = Vec::new();
    let own = under(dir, "values.yaml");
    let mut wanted = vec![(own.clone(), false)];
    for v in &release.values {
        let in_chart = super::kustomize::join(dir, v).unwrap_or_default();
        let path = if files.exists(&in_chart) {
            in_chart
        } else {
            v.clone()
        };
        if path != own {
            wanted.push((path, true));
        }
    }
    for (path, required) in wanted {
        let Some(text) = files.text(&path) else {
            if required {
                return Err(format!("values file {path} not found"));
            }
            continue;
        };
        let docs = yaml::parse_stream(&text, Budget::default())
            .map_err(|e| format!("{path}:{}: {}", line_of(&text, e.span.start), e.message))?;
        if let Some(doc) = docs.first() {
            let file: Arc<str> = Arc::from(path.as_str());
            let v = value::from_node(&doc.root, &file);
            if matches!(v.val, Val::Map(_)) {
                merged = value::merge_values(&merged, &v);
            } else if !matches!(v.val, Val::Nil) {
                return Err(format!("{path}: values must be a mapping"));
            }
        }
        used.push(path);
    }
    Ok((merged, used))
}

/// Subcharts nested deeper than this are not rendered (a note).
const MAX_SUBCHART_DEPTH: usize = 5;

/// One chart of a render (the chart itself or a vendored subchart) with
/// the `.` its templates see (without `.Template`).
struct Part {
    dir: String,
    /// `name` or `parent/charts/name`: the prefix of its template names.
    name: String,
    dot: V,
    library: bool,
}

impl Part {
    /// A part whose `.` is `common` with its values and `.Chart`.
    fn new(
        dir: String,
        name: String,
        common: &[(&str, V)],
        values: V,
        chart: V,
        kind: &str,
    ) -> Part {
        let dot = object(
            common
                .iter()
                .cloned()
                .chain([("Values", values), ("Chart", chart)])
                .collect(),
        );
        Part {
            dir,
            name,
            dot,
            library: kind == "library",
        }
    }
}

/// The `.Files` object: its methods are not supported (a template that
/// calls one is not rendered).
fn files_object() -> V {
    object(
        ["Get", "Glob", "Lines", "AsConfig", "AsSecrets"]
            .iter()
            .map(|m| {
                let method: &'static str = match *m {
                    "Get" => "Files.Get",
                    "Glob" => "Files.Glob",
                    "Lines" => "Files.Lines",
                    "AsConfig" => "Files.AsConfig",
                    _ => "Files.AsSecrets",
                };
                (*m, Val::Method(method).into())
            })
            .collect(),
    )
}

/// Renders a chart for one release (`prefix` names it in addresses): its
/// templates and those of the subcharts vendored under `charts/`.
pub fn render(files: &mut dyn SideFiles, dir: &str, release: &Release, prefix: &str) -> Render {
    let mut out = Render {
        chart: dir.to_string(),
        ..Render::default()
    };
    let parts = match parts(files, dir, release, &mut out) {
        Ok(p) => p,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let namespace = release
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let mut ev = Eval::new();
    ev.api_versions = API_VERSIONS.iter().map(|s| (*s).to_string()).collect();
    let mut to_render = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if let Err(e) = load_templates(files, part, i, &mut ev, &mut out, &mut to_render) {
            out.error = Some(e);
            return out;
        }
    }
    let shown = if prefix.is_empty() { "." } else { prefix };
    for (idx, part, path, tname) in to_render {
        let part = &parts[part];
        let mut dot: BTreeMap<String, V> = part.dot.entries().into_iter().collect();
        dot.insert(
            "Template".into(),
            object(vec![
                ("Name", V::str(&tname)),
                ("BasePath", V::str(format!("{}/templates", part.name))),
            ]),
        );
        let rendered = ev
            .render(idx, &V::map(dot))
            .map_err(|f| failure(&ev, &f))
            .and_then(|(text, segs)| resources(&ev, idx, &text, &segs, &namespace));
        match rendered {
            Ok(rs) => {
                for mut r in rs {
                    r.address = format!("{shown}:{}", r.address);
                    out.resources.push(Arc::new(r));
                }
            }
            Err(why) => {
                out.failed.insert(path, why);
            }
        }
    }
    for why in out.failed.values() {
        out.notes.push(format!(
            "chart {shown}: template not rendered ({why}); its resources are not checked"
        ));
    }
    out
}

/// Parses every template of a part into the evaluator (definitions are
/// shared by all parts, as Helm's are); the ones to render are queued.
fn load_templates(
    files: &mut dyn SideFiles,
    part: &Part,
    part_index: usize,
    ev: &mut Eval,
    out: &mut Render,
    to_render: &mut Vec<(usize, usize, String, String)>,
) -> Result<(), String> {
    let templates_dir = under(&part.dir, "templates");
    let mut listed = files.list_under(&format!("{templates_dir}/"));
    listed.sort();
    for path in listed {
        let rel = &path[templates_dir.len() + 1..];
        let base = rel.rsplit('/').next().unwrap_or(rel);
        if base == "NOTES.txt" {
            continue;
        }
        let Some(text) = files.text(&path) else {
            continue;
        };
        let helper = base.starts_with('_') || part.library;
        if helper {
            out.inputs.insert(path.clone());
        }
        match parse::parse(&text) {
            Ok(parsed) => {
                let tname = format!("{}/templates/{rel}", part.name);
                let idx = ev.add(
                    Some(Arc::from(path.as_str())),
                    Some(&tname),
                    Rc::from(&*text),
                    parsed,
                );
                if !helper {
                    to_render.push((idx, part_index, path, tname));
                }
            }
            // Helm parses every template together: a broken helper breaks the chart.
            Err((at, msg)) if helper => {
                return Err(format!("{path}:{}: {msg}", line_of(&text, at)));
            }
            Err((at, msg)) => {
                let why = format!("{path}:{}: {msg}", line_of(&text, at));
                out.failed.insert(path, why);
            }
        }
    }
    Ok(())
}

/// The chart and its enabled subcharts, each with its values.
fn parts(
    files: &mut dyn SideFiles,
    dir: &str,
    release: &Release,
    out: &mut Render,
) -> Result<Vec<Part>, String> {
    let chart_file = under(dir, CHART_FILE);
    out.inputs.insert(chart_file.clone());
    let text = files.text(&chart_file).ok_or("no Chart.yaml")?;
    let (name, chart, kind) = chart_meta(&text).map_err(|e| format!("{chart_file}: {e}"))?;
    let (values, used) = values(files, dir, release)?;
    out.inputs.extend(used);
    let release_name = release.name.clone().unwrap_or_else(|| name.clone());
    let namespace = release
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let common = vec![
        (
            "Release",
            object(vec![
                ("Name", V::str(&release_name)),
                ("Namespace", V::str(&namespace)),
                ("Service", V::str("Helm")),
                ("IsInstall", V::bool(true)),
                ("IsUpgrade", V::bool(false)),
                ("Revision", V::int(1)),
            ]),
        ),
        ("Capabilities", capabilities()),
        ("Files", files_object()),
    ];
    let root = Part::new(dir.to_string(), name, &common, values, chart, &kind);
    let mut parts = vec![root];
    let mut i = 0;
    while i < parts.len() {
        let depth = parts[i].name.matches("/charts/").count();
        if depth < MAX_SUBCHART_DEPTH {
            let found = subcharts(files, &parts[i], &common, out)?;
            parts.extend(found);
        }
        i += 1;
    }
    Ok(parts)
}

/// The dependencies a chart's `Chart.yaml` declares: (name, alias, condition).
fn dependencies(chart_text: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let Ok(docs) = yaml::parse_stream(chart_text, Budget::default()) else {
        return Vec::new();
    };
    docs.first()
        .and_then(|d| d.root.get("dependencies"))
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|d| {
            let name = d.get("name")?.scalar_text()?;
            let field = |k: &str| d.get(k).and_then(Node::scalar_text);
            Some((name, field("alias"), field("condition")))
        })
        .collect()
}

/// A values path (`redis.enabled`) in a values tree.
fn lookup(values: &V, path: &str) -> Option<V> {
    path.split('.').try_fold(values.clone(), |v, k| v.get(k))
}

/// The subcharts vendored under a part's `charts/` folder that are enabled,
/// with their values: their own `values.yaml`, then the parent's section
/// under their name (or alias), and the parent's `global`.
fn subcharts(
    files: &mut dyn SideFiles,
    parent: &Part,
    common: &[(&str, V)],
    out: &mut Render,
) -> Result<Vec<Part>, String> {
    let charts_dir = under(&parent.dir, "charts");
    let parent_text = files
        .text(&under(&parent.dir, CHART_FILE))
        .unwrap_or_default();
    let declared = dependencies(&parent_text);
    let parent_values = parent.dot.get("Values").unwrap_or_else(V::nil);
    let mut dirs: Vec<String> = files
        .list_under(&format!("{charts_dir}/"))
        .into_iter()
        .filter_map(|p| {
            let rest = &p[charts_dir.len() + 1..];
            let (sub, file) = rest.split_once('/')?;
            (file == CHART_FILE).then(|| sub.to_string())
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut found = Vec::new();
    for (dep, _, _) in &declared {
        if !dirs.iter().any(|d| d == dep) {
            out.notes.push(format!(
                "chart {}: dependency `{dep}` is not vendored under charts/ (`helm dependency build` fetches it); rendered without it",
                parent.dir
            ));
        }
    }
    for sub in dirs {
        let dir = under(&charts_dir, &sub);
        let chart_file = under(&dir, CHART_FILE);
        let text = files.text(&chart_file).unwrap_or_default();
        let (name, chart, kind) = chart_meta(&text).map_err(|e| format!("{chart_file}: {e}"))?;
        let dep = declared.iter().find(|(n, _, _)| *n == name);
        let key = dep
            .and_then(|(_, alias, _)| alias.clone())
            .unwrap_or_else(|| name.clone());
        let enabled = dep
            .and_then(|(_, _, condition)| condition.as_ref())
            .and_then(|c| c.split(',').find_map(|c| lookup(&parent_values, c.trim())))
            .is_none_or(|v| v.truthy());
        if !enabled {
            continue;
        }
        out.inputs.insert(chart_file);
        let own = Release {
            name: None,
            namespace: None,
            values: Vec::new(),
        };
        let (mut values, used) = values(files, &dir, &own)?;
        out.inputs.extend(used);
        if let Some(section) = parent_values
            .get(&key)
            .filter(|v| matches!(v.val, Val::Map(_)))
        {
            values = value::merge_values(&values, &section);
        }
        if let Some(global) = parent_values.get("global") {
            let mut g = std::collections::BTreeMap::new();
            g.insert("global".to_string(), global);
            values = value::merge_values(&values, &V::map(g));
        }
        let name = format!("{}/charts/{key}", parent.name);
        found.push(Part::new(dir, name, common, values, chart, &kind));
    }
    Ok(found)
}

/// A failure as `file:line: message`.
fn failure(ev: &Eval, f: &eval::Fail) -> String {
    let Some(path) = &f.path else {
        return format!("in `tpl` text: {}", f.message);
    };
    let line = ev
        .sources
        .iter()
        .find(|s| s.path.as_ref() == Some(path))
        .map_or(0, |s| line_of(&s.text, f.at));
    format!("{path}:{line}: {}", f.message)
}

/// The resources of one rendered template, every node located in the files.
fn resources(
    ev: &Eval,
    own: usize,
    text: &str,
    segs: &[Seg],
    namespace: &str,
) -> Result<Vec<Resource>, String> {
    let docs = yaml::parse_stream(text, Budget::default()).map_err(|e| {
        format!(
            "renders to YAML that does not parse ({} at rendered line {})",
            e.message,
            line_of(text, e.span.start)
        )
    })?;
    let Some(path) = ev.sources[own].path.clone() else {
        return Ok(Vec::new());
    };
    let places = Places {
        ev,
        segs,
        len: text.len(),
        own,
    };
    let mut out = Vec::new();
    for doc in docs {
        let mut root = doc.root;
        places.walk(&mut root, Cp::Search);
        let items = if root.get("kind").and_then(Node::as_str) == Some("List") {
            root.get("items")
                .map(|i| i.items().to_vec())
                .unwrap_or_default()
        } else {
            vec![root]
        };
        for mut item in items {
            default_namespace(&mut item, namespace);
            out.extend(super::kubernetes::object(&path, &item));
        }
    }
    Ok(out)
}

/// `metadata.namespace` set to the release's namespace where a namespaced
/// object has none (`helm install -n` puts it there).
fn default_namespace(item: &mut Node, namespace: &str) {
    let kind = item.get("kind").and_then(Node::as_str).unwrap_or("");
    if super::kustomize::CLUSTER_KINDS.contains(&kind) || item.path("metadata.namespace").is_some()
    {
        return;
    }
    let at = item
        .get("metadata")
        .map_or(item.span, |m| Span::new(m.span.start, m.span.start));
    if item.get("metadata").is_some() {
        super::kustomize::set_path(
            item,
            &["metadata", "namespace"],
            Node::new(Value::Str(namespace.to_string()), at),
        );
    }
}

/// A rendered node's counterpart in the values it was printed from.
enum Cp {
    /// Not known yet: look at the output piece the node starts in.
    Search,
    /// Inside a printed value, with no counterpart: the action's place.
    Plain,
    /// This value, printed by the action at `span` of source `src`.
    Of(V, Span, usize),
}

/// Maps rendered offsets back to the files.
struct Places<'a> {
    ev: &'a Eval,
    segs: &'a [Seg],
    len: usize,
    own: usize,
}

impl Places<'_> {
    fn seg_at(&self, pos: usize) -> Option<usize> {
        self.segs.partition_point(|s| s.out <= pos).checked_sub(1)
    }

    fn seg_end(&self, i: usize) -> usize {
        self.segs.get(i + 1).map_or(self.len, |s| s.out)
    }

    /// The source and span a rendered span was written at.
    fn place(&self, span: Span) -> (usize, Span) {
        let Some(i) = self.seg_at(span.start) else {
            return (self.own, Span::default());
        };
        let seg = &self.segs[i];
        match &seg.written {
            Written::Literal { src, at } => {
                let start = at + (span.start - seg.out);
                let end = at + (span.end.min(self.seg_end(i)).max(span.start) - seg.out);
                (*src, Span::new(start, end))
            }
            Written::Action { src, span, .. } => (*src, *span),
        }
    }

    /// Sets a node's span (and origin, when written in another file).
    fn locate(&self, node: &mut Node) {
        let (src, span) = self.place(node.span);
        match self.ev.sources[src].path.clone() {
            Some(p) if src == self.own => {
                node.span = span;
                let _ = p;
            }
            Some(p) => {
                node.span = span;
                node.origin = Some(super::kustomize::written_in(&p));
            }
            // `tpl` text is no file: the template's first line.
            None => node.span = Span::default(),
        }
    }

    fn walk(&self, node: &mut Node, cp: Cp) {
        let cp = match cp {
            Cp::Search => {
                let collection = matches!(node.value, Value::Map(_) | Value::Seq(_));
                self.counterpart(node.span, collection)
            }
            other => other,
        };
        let (v, action, src) = match cp {
            Cp::Of(v, action, src) => (resolve(v), action, src),
            Cp::Plain | Cp::Search => {
                self.locate(node);
                self.children(node, |_| Cp::Plain, matches!(cp, Cp::Search));
                return;
            }
        };
        match v.from.as_deref() {
            Some(Prov::Written(file, span)) => {
                node.span = *span;
                node.origin = Some(Arc::new(Origin {
                    path: file.clone(),
                    used_at: if src == self.own {
                        action
                    } else {
                        Span::default()
                    },
                }));
            }
            _ => self.locate(node),
        }
        let child = |key: ChildKey| match (&v.val, key) {
            (Val::Map(_), ChildKey::Key(k)) => {
                v.get(&k).map_or(Cp::Plain, |c| Cp::Of(c, action, src))
            }
            (Val::List(l), ChildKey::Index(i)) => l
                .get(i)
                .map_or(Cp::Plain, |c| Cp::Of(c.clone(), action, src)),
            _ => Cp::Plain,
        };
        self.children(node, child, false);
    }

    /// Walks a node's children: keys are placed where written, values get
    /// `child`'s counterpart (or a fresh search outside printed values).
    fn children(&self, node: &mut Node, child: impl Fn(ChildKey) -> Cp, search: bool) {
        let pick = |k: ChildKey| if search { Cp::Search } else { child(k) };
        match &mut node.value {
            Value::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    let key = k.scalar_text().unwrap_or_default();
                    // A key printed from a values map (`toYaml` into a map
                    // of the template's) has its value there.
                    let cp = match self.counterpart(k.span, true) {
                        Cp::Of(m, action, src) if search => {
                            let m = resolve(m);
                            m.get(&key).map_or(Cp::Plain, |c| Cp::Of(c, action, src))
                        }
                        _ => pick(ChildKey::Key(key)),
                    };
                    self.locate(k);
                    self.walk(v, cp);
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, pick(ChildKey::Index(i)));
                }
            }
            _ => {}
        }
    }

    /// The value printed by the action a rendered node starts in, if it
    /// came from values: a scalar must lie within its output; a block
    /// (`toYaml … | nindent`) may run on past it (the line breaks after).
    fn counterpart(&self, span: Span, collection: bool) -> Cp {
        let Some(i) = self.seg_at(span.start) else {
            return Cp::Search;
        };
        match &self.segs[i].written {
            Written::Action {
                src,
                span: action,
                value: Some(v),
            } if collection || span.end <= self.seg_end(i) => Cp::Of(v.clone(), *action, *src),
            _ => Cp::Search,
        }
    }
}

enum ChildKey {
    Key(String),
    Index(usize),
}

/// The value a text was rendered from (`toYaml`, `quote` of a value).
fn resolve(mut v: V) -> V {
    for _ in 0..value::MAX_DEPTH {
        match v.from.as_deref() {
            Some(Prov::Rendered(inner)) => v = inner.clone(),
            _ => break,
        }
    }
    v
}

/// The charts of one side, rendered once each, and what each file is
/// through them.
#[derive(Debug, Default)]
pub struct SideCharts {
    /// The plan's `builds` entries for Helm, if it names any: then only
    /// those charts are rendered, with their releases.
    builds: Option<Vec<(String, Release)>>,
    /// Whether a folder has a `Chart.yaml`.
    has_chart: BTreeMap<String, bool>,
    /// Renders by chart folder (empty when the chart is not built).
    renders: BTreeMap<String, Arc<Vec<Render>>>,
}

impl SideCharts {
    /// Charts rendered as `builds` names them (`None`: every chart, with
    /// its defaults).
    pub fn new(builds: Option<Vec<(String, Release)>>) -> SideCharts {
        SideCharts {
            builds,
            ..SideCharts::default()
        }
    }

    fn is_chart(&mut self, dir: &str, side: &mut dyn SideFiles) -> bool {
        if let Some(has) = self.has_chart.get(dir) {
            return *has;
        }
        let has = side.exists(&under(dir, CHART_FILE));
        self.has_chart.insert(dir.to_string(), has);
        has
    }

    /// The chart a path belongs to: the outermost of nested charts, as a
    /// subchart under `charts/` is part of its parent.
    fn chart_of(&mut self, path: &str, side: &mut dyn SideFiles) -> Option<String> {
        let mut dir = folder(path);
        let mut found = None;
        loop {
            if self.is_chart(dir, side) {
                found = Some(dir.to_string());
            }
            if dir.is_empty() {
                break;
            }
            // Above a chart, only its parent's `charts/` folder continues it.
            if let Some(f) = &found
                && folder(f).rsplit('/').next() != Some("charts")
            {
                break;
            }
            dir = folder(dir);
        }
        found
    }

    fn renders(&mut self, chart: &str, side: &mut dyn SideFiles) -> Arc<Vec<Render>> {
        if let Some(r) = self.renders.get(chart) {
            return r.clone();
        }
        let releases: Vec<Release> = match &self.builds {
            None => vec![Release {
                name: None,
                namespace: None,
                values: Vec::new(),
            }],
            Some(list) => list
                .iter()
                .filter(|(p, _)| p.trim_end_matches('/') == chart)
                .map(|(_, r)| r.clone())
                .collect(),
        };
        let library = side
            .text(&under(chart, CHART_FILE))
            .is_some_and(|t| is_library(&t));
        let renders: Vec<Render> = if library {
            Vec::new()
        } else {
            releases
                .iter()
                .map(|r| {
                    let prefix = match (&r.name, releases.len()) {
                        (Some(n), 2..) => format!("{chart}@{n}"),
                        _ => chart.to_string(),
                    };
                    render(side, chart, r, &prefix)
                })
                .collect()
        };
        let renders = Arc::new(renders);
        self.renders.insert(chart.to_string(), renders.clone());
        renders
    }

    /// A file read through the chart it belongs to; `None` when it is in no
    /// chart, or is a chart file that is no input (`crds/`, an unused values file).
    pub fn view(&mut self, path: &str, side: &mut dyn SideFiles) -> Option<View> {
        let chart = self.chart_of(path, side)?;
        let rel = if chart.is_empty() {
            path
        } else {
            &path[chart.len() + 1..]
        };
        let in_templates = rel.starts_with("templates/") || rel.contains("/templates/");
        let renders = self.renders(&chart, side);
        let shown = if chart.is_empty() {
            "."
        } else {
            chart.as_str()
        };
        if renders.is_empty() {
            if !in_templates {
                return None;
            }
            let library = side
                .text(&under(&chart, CHART_FILE))
                .is_some_and(|t| is_library(&t));
            let why = if library {
                format!(
                    "{path}: a template of library chart {shown}, which is never rendered on its own"
                )
            } else {
                format!(
                    "{path}: chart {shown} is not rendered (the plan's `builds` names other charts)"
                )
            };
            return Some(View {
                notes: vec![why],
                replaces_read: true,
                ..View::default()
            });
        }
        let mut view = View {
            replaces_read: true,
            builder: format!("chart {shown}"),
            ..View::default()
        };
        let mut read_by_any = false;
        for r in renders.iter() {
            if let Some(e) = &r.error {
                if r.inputs.contains(path) || in_templates {
                    read_by_any = true;
                    view.error.get_or_insert_with(|| e.clone());
                    view.notes.push(format!(
                        "chart {shown} does not render ({e}); its resources are not checked"
                    ));
                }
                continue;
            }
            if r.inputs.contains(path) {
                read_by_any = true;
                view.notes.extend(r.notes.iter().cloned());
                view.resources.extend(r.resources.iter().cloned());
            } else if in_templates {
                read_by_any = true;
                if let Some(why) = r.failed.get(path) {
                    view.error.get_or_insert_with(|| why.clone());
                    view.notes.push(format!(
                        "{path}: template not rendered ({why}); its resources are not checked"
                    ));
                }
                view.resources
                    .extend(r.resources.iter().filter(|res| &*res.path == path).cloned());
            }
        }
        read_by_any.then_some(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::kustomize::MemFiles as Mem;

    /// The scaffold chart of the fixtures under `dir`, with `changes` on top.
    pub(crate) fn scaffold(dir: &str, changes: &[(&str, &str)]) -> Mem {
        let files: &[(&str, &str)] = &[
            (
                "Chart.yaml",
                include_str!("../../../fixtures/helm/_chart/Chart.yaml"),
            ),
            (
                "values.yaml",
                include_str!("../../../fixtures/helm/_chart/values.yaml"),
            ),
            (
                "templates/_helpers.tpl",
                include_str!("../../../fixtures/helm/_chart/templates/_helpers.tpl"),
            ),
            (
                "templates/deployment.yaml",
                include_str!("../../../fixtures/helm/_chart/templates/deployment.yaml"),
            ),
            (
                "templates/hpa.yaml",
                include_str!("../../../fixtures/helm/_chart/templates/hpa.yaml"),
            ),
            (
                "templates/service.yaml",
                include_str!("../../../fixtures/helm/_chart/templates/service.yaml"),
            ),
            (
                "templates/NOTES.txt",
                include_str!("../../../fixtures/helm/_chart/templates/NOTES.txt"),
            ),
        ];
        let mut m: BTreeMap<String, Arc<str>> = files
            .iter()
            .map(|(p, t)| (under(dir, p), Arc::from(*t)))
            .collect();
        for (p, t) in changes {
            m.insert(under(dir, p), Arc::from(*t));
        }
        Mem(m)
    }

    /// A chart rendered without error.
    fn rendered(files: &mut Mem, dir: &str, release: &Release) -> Render {
        let r = render(files, dir, release, dir);
        assert_eq!(r.error, None);
        r
    }

    fn addresses(r: &Render) -> Vec<&str> {
        r.resources.iter().map(|r| r.address.as_str()).collect()
    }

    fn default_release() -> Release {
        Release {
            name: None,
            namespace: None,
            values: Vec::new(),
        }
    }

    #[test]
    fn scaffold_renders_as_helm_template_does() {
        let mut files = scaffold("deploy/shop", &[]);
        let r = rendered(&mut files, "deploy/shop", &default_release());
        let addresses = addresses(&r);
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(
            addresses,
            [
                "deploy/shop:Deployment/default/shop",
                "deploy/shop:Service/default/shop"
            ]
        );
        let d = &r.resources[0];
        assert_eq!(&*d.path, "deploy/shop/templates/deployment.yaml");
        assert_eq!(
            d.labels
                .get("app.kubernetes.io/version")
                .map(String::as_str),
            Some("1.16.0")
        );
        assert_eq!(
            d.field("spec.template.spec.containers")
                .and_then(|c| c.items().first())
                .and_then(|c| c.get("image"))
                .and_then(Node::as_str),
            Some("nginx:1.16.0")
        );
        // The replica count is located at values.yaml's line, used at the template's.
        let replicas = d.field("spec.replicas").expect("replicas");
        assert_eq!(replicas.as_i64(), Some(3));
        let origin = replicas.origin.as_ref().expect("origin");
        assert_eq!(&*origin.path, "deploy/shop/values.yaml");
        let values = files.0["deploy/shop/values.yaml"].clone();
        assert_eq!(line_of(&values, replicas.span.start), 2);
        let template = files.0["deploy/shop/templates/deployment.yaml"].clone();
        assert_eq!(line_of(&template, origin.used_at.start), 9);
        // A field of a toYaml'd values block is located in values.yaml too.
        let key = d
            .field("spec.template.spec.topologySpreadConstraints")
            .and_then(|t| t.items().first())
            .and_then(|t| t.get("topologyKey"))
            .expect("spread");
        assert_eq!(
            key.origin.as_ref().map(|o| &*o.path),
            Some("deploy/shop/values.yaml")
        );
        assert_eq!(line_of(&values, key.span.start), 36);
        // Literal template text is located in the template; helper text in the helpers.
        let kind = d.field("kind").expect("kind");
        assert_eq!(
            (kind.origin.is_none(), line_of(&template, kind.span.start)),
            (true, 2)
        );
        let name_label = d.field("metadata.labels.app.kubernetes.io/name");
        let _ = name_label;
        let labels = d.field("metadata.labels").expect("labels");
        let chart_label = labels
            .entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some("helm.sh/chart"))
            .expect("label");
        assert_eq!(
            chart_label.0.origin.as_ref().map(|o| &*o.path),
            Some("deploy/shop/templates/_helpers.tpl")
                .filter(|_| false)
                .or(None),
            "an included helper's text is the include line's"
        );
        assert_eq!(line_of(&template, chart_label.0.span.start), 6);
    }

    #[test]
    fn values_files_release_and_hpa() {
        let prod = "replicaCount: 1\nautoscaling:\n  enabled: true\n  minReplicas: 2\n";
        let mut files = scaffold("chart", &[("values-prod.yaml", prod)]);
        let release = Release {
            name: Some("web".into()),
            namespace: Some("shop".into()),
            values: vec!["values-prod.yaml".into()],
        };
        let r = rendered(&mut files, "chart", &release);
        let addresses = addresses(&r);
        assert_eq!(
            addresses,
            [
                "chart:Deployment/shop/web-shop",
                "chart:HorizontalPodAutoscaler/shop/web-shop",
                "chart:Service/shop/web-shop"
            ]
        );
        assert!(
            r.resources[0].field("spec.replicas").is_none(),
            "the HPA owns it"
        );
        let min = r.resources[1].field("spec.minReplicas").expect("min");
        assert_eq!(min.as_i64(), Some(2));
        assert_eq!(
            min.origin.as_ref().map(|o| &*o.path),
            Some("chart/values-prod.yaml")
        );
        assert_eq!(line_of(prod, min.span.start), 4);
        assert!(r.inputs.contains("chart/values-prod.yaml"));
    }

    #[test]
    fn a_template_that_fails_is_not_rendered_and_others_are() {
        let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ nosuch . }}\n";
        let mut files = scaffold("c", &[("templates/bad.yaml", bad)]);
        let r = render(&mut files, "c", &default_release(), "c");
        assert_eq!(
            r.failed.get("c/templates/bad.yaml").map(String::as_str),
            Some("c/templates/bad.yaml:4: function \"nosuch\" not defined")
        );
        assert_eq!(r.resources.len(), 2);
        let mut charts = SideCharts::default();
        let view = charts
            .view("c/templates/bad.yaml", &mut files)
            .expect("a chart file");
        assert!(view.error.is_some() && view.resources.is_empty());
        let view = charts.view("c/values.yaml", &mut files).expect("an input");
        assert_eq!(view.resources.len(), 2);
        let view = charts
            .view("c/templates/deployment.yaml", &mut files)
            .expect("a template");
        assert_eq!(view.resources.len(), 1);
        assert!(Arc::ptr_eq(
            &view.resources[0],
            &charts
                .view("c/Chart.yaml", &mut files)
                .expect("chart")
                .resources[0]
        ));
    }

    #[test]
    fn vendored_subcharts_take_the_parents_values() {
        let parent_values = "db:\n  enabled: true\n  replicas: 2\nglobal: {env: prod}\n";
        let files: &[(&str, &str)] = &[
            (
                "p/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - {name: db, version: 1.x, condition: db.enabled}\n  - {name: common, version: 2.x}\n  - {name: cache, version: 1.x}\n",
            ),
            ("p/values.yaml", parent_values),
            (
                "p/templates/app.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"common.name\" . }}\n",
            ),
            (
                "p/charts/common/Chart.yaml",
                "apiVersion: v2\nname: common\ntype: library\nversion: 2.0.0\n",
            ),
            (
                "p/charts/common/templates/_names.tpl",
                "{{ define \"common.name\" }}{{ .Release.Name }}-{{ .Chart.Name }}{{ end }}",
            ),
            (
                "p/charts/db/Chart.yaml",
                "apiVersion: v2\nname: db\nversion: 1.0.0\n",
            ),
            ("p/charts/db/values.yaml", "replicas: 1\n"),
            (
                "p/charts/db/templates/sts.yaml",
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ include \"common.name\" . }}\n  labels: {env: {{ .Values.global.env }}}\nspec:\n  replicas: {{ .Values.replicas }}\n",
            ),
        ];
        let mut mem = Mem(files
            .iter()
            .map(|(p, t)| ((*p).to_string(), Arc::from(*t)))
            .collect());
        let r = rendered(&mut mem, "p", &default_release());
        let addresses = addresses(&r);
        assert_eq!(
            addresses,
            [
                "p:ConfigMap/default/web-web",
                "p:StatefulSet/default/web-db"
            ]
        );
        let sts = &r.resources[1];
        assert_eq!(sts.labels.get("env").map(String::as_str), Some("prod"));
        let replicas = sts.field("spec.replicas").expect("replicas");
        assert_eq!(replicas.as_i64(), Some(2));
        assert_eq!(
            replicas.origin.as_ref().map(|o| &*o.path),
            Some("p/values.yaml")
        );
        assert_eq!(line_of(parent_values, replicas.span.start), 3);
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("`cache` is not vendored")),
            "{:?}",
            r.notes
        );
        let off = parent_values.replace("enabled: true", "enabled: false");
        mem.0
            .insert("p/values.yaml".into(), Arc::from(off.as_str()));
        let r = render(&mut mem, "p", &default_release(), "p");
        assert_eq!(
            r.resources.len(),
            1,
            "a subchart whose condition is false is not rendered"
        );
    }

    #[test]
    fn builds_choose_charts_and_subcharts_are_not_roots() {
        let mut files = scaffold("a", &[]);
        files.0.extend(scaffold("b", &[]).0);
        files.0.extend(scaffold("a/charts/sub", &[]).0);
        let mut charts = SideCharts::new(Some(vec![("a".into(), default_release())]));
        assert_eq!(
            charts
                .view("a/templates/hpa.yaml", &mut files)
                .map(|v| v.resources.len()),
            Some(0)
        );
        let b = charts
            .view("b/templates/deployment.yaml", &mut files)
            .expect("in a chart");
        assert!(
            b.resources.is_empty() && b.notes[0].contains("not rendered"),
            "{:?}",
            b.notes
        );
        let sub = charts
            .view("a/charts/sub/templates/deployment.yaml", &mut files)
            .expect("in a chart");
        assert_eq!(
            sub.resources.len(),
            1,
            "a vendored subchart renders with its parent"
        );
        assert_eq!(
            &*sub.resources[0].path,
            "a/charts/sub/templates/deployment.yaml"
        );
        assert!(charts.view("elsewhere/x.yaml", &mut files).is_none());
        let lib = "apiVersion: v2\nname: common\ntype: library\nversion: 1.0.0\n";
        let mut files = scaffold("lib", &[("Chart.yaml", lib)]);
        let mut charts = SideCharts::default();
        let v = charts
            .view("lib/templates/deployment.yaml", &mut files)
            .expect("library");
        assert!(v.resources.is_empty() && v.notes[0].contains("library"));
    }
}
