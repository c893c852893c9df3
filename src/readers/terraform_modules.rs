//! Terraform module calls evaluated as instances (DESIGN §1a "Terraform
//! modules"): a `module` block whose `source` is a local folder (`./db`,
//! `../..`) is instantiated — each resource of the folder is copied under
//! the address `module.NAME.TYPE.NAME` (`module.NAME[0]` / `module.NAME["k"]`
//! for a known `count` / `for_each`, nested calls chained), and its
//! variables take the caller's arguments, then their defaults. A value that
//! came from an argument keeps the caller's span and names the caller's file
//! ([`Origin`]), so a finding points at the line a person edits.
//!
//! Evaluation is bounded: a cycle of calls, a call deeper than
//! [`MAX_DEPTH`], a missing folder or more than [`MAX_INSTANCE_RESOURCES`]
//! resources end in a note, never a hang.

use super::terraform::{HELPER_KINDS, MAX_RESOLVED_NODES, Scope, contains_unknown};
use super::{FileRead, Node, Origin, Resource, Span, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Nested module calls followed before giving up with a note.
pub const MAX_DEPTH: usize = 32;

/// Resources all the instances of one root call may make.
pub const MAX_INSTANCE_RESOURCES: usize = 10_000;

/// Instances one `count` / `for_each` may make.
const MAX_INSTANCES: usize = 1_000;

/// Arguments of a `module` block that are Terraform's, not the module's variables.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Where a module's code comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    /// A folder of the same repository (`./db`, `../..`).
    Local(&'a str),
    /// A registry module: `NAMESPACE/NAME/PROVIDER`, optionally on a host and
    /// with a `//subdir`.
    Registry {
        /// The host (`registry.terraform.io` when not written).
        host: &'a str,
        /// `terraform-aws-modules`.
        namespace: &'a str,
        /// `rds`.
        name: &'a str,
        /// `aws`.
        provider: &'a str,
    },
    /// Anything else: git, an archive, a bucket.
    Other(&'a str),
}

/// What a `source` string names.
pub fn classify(source: &str) -> Source<'_> {
    if source.starts_with("./") || source.starts_with("../") || source == "." || source == ".." {
        return Source::Local(source);
    }
    let ident = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let module = source.split("//").next().unwrap_or(source);
    let parts: Vec<&str> = module.split('/').collect();
    match parts.as_slice() {
        [namespace, name, provider] if [namespace, name, provider].iter().all(|p| ident(p)) => {
            Source::Registry {
                host: "registry.terraform.io",
                namespace,
                name,
                provider,
            }
        }
        [host, namespace, name, provider]
            if host.contains('.')
                && !host.contains(':')
                && [namespace, name, provider].iter().all(|p| ident(p)) =>
        {
            Source::Registry {
                host,
                namespace,
                name,
                provider,
            }
        }
        _ => Source::Other(source),
    }
}

/// A folder joined to a relative path (`envs/prod` + `../../modules/db` →
/// `modules/db`); `None` when it climbs out of the repository.
pub fn join(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in relative.split('/') {
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

/// The folder of a file (`""` at the top).
pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The instances of one root module call.
#[derive(Debug, Default)]
pub struct Expansion {
    /// The module resources (and nested `module` blocks), addressed from the root.
    pub instances: Vec<Resource>,
    /// The folders evaluated as modules: not roots of their own.
    pub module_dirs: BTreeSet<String>,
    /// What could not be evaluated, and why.
    pub notes: Vec<String>,
    /// The calls that cannot be evaluated at all (a source that is not a
    /// literal string or leaves the repository, a folder without a readable
    /// `.tf` file), as notes: a changed file holding one is not assessed.
    pub failures: Vec<String>,
}

/// Evaluates a root `module` block (its arguments already resolved in the
/// caller's scope). `list_dir` lists a folder's files (any depth), `read`
/// reads one through the parse cache. A call whose source is not a local
/// folder gives nothing here: the facts read registry modules from their
/// tables.
pub fn expand(call: &Resource, files: &mut Files) -> Expansion {
    let mut expander = Expander {
        files,
        manifests: HashMap::new(),
        budget: MAX_INSTANCE_RESOURCES,
        out: Expansion::default(),
    };
    let mut stack = vec![dir_of(&call.path).to_string()];
    expander.call(call, &mut stack);
    expander.out
}

/// How the evaluator reaches a side's files.
pub struct Files<'a> {
    /// A folder's files (any depth).
    pub list_dir: &'a dyn Fn(&str) -> Vec<String>,
    /// A file read through the parse cache.
    pub read: &'a mut dyn FnMut(&str) -> Option<Arc<FileRead>>,
    /// A file's bytes (`modules.json`).
    pub bytes: &'a dyn Fn(&str) -> Option<Arc<[u8]>>,
}

/// `terraform init`'s manifest: module key (`db`, `db.replica`) → folder.
type Manifest = HashMap<String, String>;

struct Expander<'a, 'f> {
    files: &'a mut Files<'f>,
    /// Manifests by root folder, read once.
    manifests: HashMap<String, Option<Manifest>>,
    budget: usize,
    out: Expansion,
}

impl Expander<'_, '_> {
    fn note(&mut self, block: &Resource, what: String) {
        self.out
            .notes
            .push(format!("{}: {}: {what}", block.path, block.address));
    }

    /// A note for a call that cannot be evaluated at all.
    fn fail(&mut self, block: &Resource, what: String) {
        self.out
            .failures
            .push(format!("module call {} {what}", block.address));
        self.note(block, what);
    }

    /// The `.tf` files directly in a folder, read.
    fn folder(&mut self, dir: &str) -> Vec<(String, Arc<FileRead>)> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut files: Vec<String> = (self.files.list_dir)(&prefix)
            .into_iter()
            .filter(|p| {
                let rest = p.strip_prefix(&prefix).unwrap_or(p);
                !rest.contains('/') && rest.to_ascii_lowercase().ends_with(".tf")
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|p| (self.files.read)(&p).map(|r| (p, r)))
            .collect()
    }

    fn call(&mut self, block: &Resource, stack: &mut Vec<String>) {
        let source = match block.body.get("source").map(|n| &n.value) {
            Some(Value::Str(s)) => s.clone(),
            Some(Value::Unknown(e)) => {
                let e = e.clone();
                self.fail(
                    block,
                    format!("source `{e}` is not a literal string; not evaluated"),
                );
                return;
            }
            _ => return,
        };
        let caller_dir = stack.last().cloned().unwrap_or_default();
        let dir = match classify(&source) {
            Source::Local(relative) => join(&caller_dir, relative),
            _ => match self.installed(block, stack.first().map_or("", String::as_str)) {
                Some(dir) => {
                    self.note(
                        block,
                        format!("`{source}` read from `{dir}/`, as .terraform/modules/modules.json (written by `terraform init`, read from the work tree) maps it"),
                    );
                    Some(dir)
                }
                None => return,
            },
        };
        let Some(dir) = dir else {
            self.fail(
                block,
                format!("source `{source}` is outside the repository; not evaluated"),
            );
            return;
        };
        if stack.len() > MAX_DEPTH {
            self.note(
                block,
                format!("more than {MAX_DEPTH} nested module calls; not evaluated further"),
            );
            return;
        }
        if stack.contains(&dir) {
            self.note(
                block,
                format!("source `{source}` calls `{dir}` again (a cycle of module calls); not evaluated further"),
            );
            return;
        }
        let reads = self.folder(&dir);
        if reads.is_empty() {
            self.fail(
                block,
                format!("source `{source}`: no .tf file in `{dir}/`; not evaluated"),
            );
            return;
        }
        for (path, read) in &reads {
            if let Some((message, _)) = &read.error {
                self.fail(
                    block,
                    format!("{path} cannot be read ({message}); its resources are not evaluated"),
                );
            }
        }
        self.out.module_dirs.insert(dir.clone());
        let args = arguments(block);
        let instances = self.instance_keys(block);
        stack.push(dir);
        for (suffix, each) in instances {
            let scope = Scope::for_instance(&reads, args.clone(), each);
            for (_, read) in &reads {
                for r in &read.resources {
                    if HELPER_KINDS.contains(&r.kind.as_str()) {
                        continue;
                    }
                    if self.budget == 0 {
                        self.note(
                            block,
                            format!("more than {MAX_INSTANCE_RESOURCES} module resources; the rest are not evaluated"),
                        );
                        stack.pop();
                        return;
                    }
                    self.budget -= 1;
                    let mut instance = r.clone();
                    instance.address = format!("{}{suffix}.{}", block.address, r.address);
                    if contains_unknown(&instance.body) {
                        let mut budget = MAX_RESOLVED_NODES;
                        scope.substitute(&mut instance.body, &mut budget);
                    }
                    if instance.kind == "module" {
                        self.call(&instance, stack);
                    }
                    self.out.instances.push(instance);
                }
            }
        }
        stack.pop();
    }

    /// The folder `terraform init` installed a call's module in, from the
    /// root's `.terraform/modules/modules.json`, if there is one.
    fn installed(&mut self, block: &Resource, root: &str) -> Option<String> {
        let bytes = self.files.bytes;
        let manifest = self
            .manifests
            .entry(root.to_string())
            .or_insert_with(|| {
                let path = match root {
                    "" => ".terraform/modules/modules.json".to_string(),
                    r => format!("{r}/.terraform/modules/modules.json"),
                };
                read_manifest(&bytes(&path)?)
            })
            .as_ref()?;
        let installed = manifest.get(&module_key(&block.address))?;
        let dir = join(root, installed)?;
        (!dir.is_empty() && dir != root).then_some(dir)
    }

    /// The address suffix and `count.index` / `each.*` of each instance of
    /// a call: one unnamed instance without `count`/`for_each` (or when they
    /// are not known, with a note).
    fn instance_keys(&mut self, block: &Resource) -> Vec<(String, HashMap<String, Value>)> {
        let single = vec![(String::new(), HashMap::new())];
        if let Some(count) = block.body.get("count") {
            return match &count.value {
                Value::Int(n) if *n >= 0 => {
                    let n = usize::try_from(*n).unwrap_or(usize::MAX);
                    if n > MAX_INSTANCES {
                        self.note(
                            block,
                            format!("count = {n} is over {MAX_INSTANCES}; not evaluated"),
                        );
                        return Vec::new();
                    }
                    if n == 0 {
                        self.note(block, "count = 0: not created, not checked".into());
                    }
                    (0..n)
                        .map(|i| {
                            let index = Value::Int(i64::try_from(i).unwrap_or(i64::MAX));
                            (
                                format!("[{i}]"),
                                HashMap::from([("count.index".to_string(), index)]),
                            )
                        })
                        .collect()
                }
                _ => {
                    self.note(
                        block,
                        "count is not known; evaluated as one instance".into(),
                    );
                    single
                }
            };
        }
        let Some(for_each) = block.body.get("for_each") else {
            return single;
        };
        let keyed: Option<Vec<(String, Value)>> = match &for_each.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| Some((k.as_str()?.to_string(), v.value.clone())))
                .collect(),
            Value::Seq(items) => items
                .iter()
                .map(|i| {
                    let k = i.as_str()?.to_string();
                    Some((k.clone(), Value::Str(k)))
                })
                .collect(),
            _ => None,
        };
        match keyed {
            Some(keys) if keys.len() > MAX_INSTANCES => {
                self.note(
                    block,
                    format!("for_each has over {MAX_INSTANCES} keys; not evaluated"),
                );
                Vec::new()
            }
            Some(keys) => {
                if keys.is_empty() {
                    self.note(block, "an empty for_each: not created, not checked".into());
                }
                keys.into_iter()
                    .map(|(k, v)| {
                        let each = HashMap::from([
                            ("each.key".to_string(), Value::Str(k.clone())),
                            ("each.value".to_string(), v),
                        ]);
                        (format!("[\"{k}\"]"), each)
                    })
                    .collect()
            }
            None => {
                self.note(
                    block,
                    "for_each is not known; evaluated as one instance".into(),
                );
                single
            }
        }
    }
}

/// Evaluates the local module calls among a service's resources (their
/// references already resolved): the folders they call stop being roots of
/// their own (their resources are dropped from `resources`), and each
/// instance resource `keep(call, instance)` accepts is added. Calls that
/// live in a folder another call evaluates are reached through it. Returns
/// the notes.
pub fn instantiate_calls(
    resources: &mut Vec<Arc<Resource>>,
    keep: impl Fn(&Resource, &Resource) -> bool,
    files: &mut Files,
) -> Vec<String> {
    let mut expansions: Vec<(Arc<Resource>, Expansion)> = Vec::new();
    for r in resources.iter() {
        if r.kind == "module" {
            expansions.push((r.clone(), expand(r, files)));
        }
    }
    // `terraform init`'s copies are never roots of their own.
    resources.retain(|r| !crate::source::terraform_init::is_init_path(&r.path));
    if expansions.is_empty() {
        return Vec::new();
    }
    let module_dirs: BTreeSet<String> = expansions
        .iter()
        .flat_map(|(_, e)| e.module_dirs.iter().cloned())
        .collect();
    resources.retain(|r| {
        r.file_kind != super::FileKind::Terraform || !module_dirs.contains(dir_of(&r.path))
    });
    let mut notes = Vec::new();
    for (call, e) in expansions {
        if module_dirs.contains(dir_of(&call.path)) {
            continue;
        }
        notes.extend(e.notes);
        resources.extend(
            e.instances
                .into_iter()
                .filter(|i| keep(&call, i))
                .map(Arc::new),
        );
    }
    notes
}

/// Why the module calls among a file's resources cannot be evaluated, if
/// one cannot (DESIGN §3 CG004: fail closed on a changed file).
pub fn unevaluable_calls(resources: &[Arc<Resource>], files: &mut Files) -> Option<String> {
    resources
        .iter()
        .filter(|r| r.kind == "module")
        .find_map(|call| expand(call, files).failures.into_iter().next())
}

/// `modules.json`: `{"Modules": [{"Key": "db", "Dir": ".terraform/modules/db"}, …]}`.
fn read_manifest(bytes: &[u8]) -> Option<Manifest> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    Some(
        v.get("Modules")?
            .as_array()?
            .iter()
            .filter_map(|m| {
                Some((
                    m.get("Key")?.as_str()?.to_string(),
                    m.get("Dir")?.as_str()?.to_string(),
                ))
            })
            .collect(),
    )
}

/// `module.a[0].module.b` → `a.b`, the manifest's key for the call.
fn module_key(address: &str) -> String {
    let plain =
        super::terraform::strip_instance_keys(address).unwrap_or_else(|| address.to_string());
    plain
        .split('.')
        .skip(1)
        .step_by(2)
        .collect::<Vec<_>>()
        .join(".")
}

/// A call's arguments by variable name, each node marked as written in the
/// caller's file (unless it came from further up already).
fn arguments(block: &Resource) -> HashMap<String, Node> {
    let mut args = HashMap::new();
    for (k, v) in block.body.entries() {
        let Some(name) = k.as_str() else { continue };
        if META_ARGUMENTS.contains(&name) {
            continue;
        }
        let mut v = v.clone();
        mark_origin(&mut v, &block.path);
        args.insert(name.to_string(), v);
    }
    args
}

fn mark_origin(node: &mut Node, path: &Arc<str>) {
    if node.origin.is_none() {
        node.origin = Some(Arc::new(Origin {
            path: path.clone(),
            used_at: Span::default(),
        }));
    }
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| mark_origin(i, path)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| mark_origin(v, path)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::line_col;

    fn files(list: &[(&str, &str)]) -> HashMap<String, Arc<FileRead>> {
        list.iter()
            .map(|(p, t)| {
                let mut fr = FileRead::default();
                super::super::terraform::read_into(&mut fr, &Arc::from(*p), t, false);
                (p.to_string(), Arc::new(fr))
            })
            .collect()
    }

    fn run(list: &[(&str, &str)], root: &str) -> Expansion {
        let reads = files(list);
        let call = reads[root]
            .resources
            .iter()
            .find(|r| r.kind == "module")
            .expect("a module block")
            .clone();
        let names: Vec<String> = reads.keys().cloned().collect();
        let list_dir = move |d: &str| -> Vec<String> {
            names.iter().filter(|p| p.starts_with(d)).cloned().collect()
        };
        let mut read = |p: &str| reads.get(p).cloned();
        let bytes = |_: &str| None;
        expand(
            &call,
            &mut Files {
                list_dir: &list_dir,
                read: &mut read,
                bytes: &bytes,
            },
        )
    }

    const MODULE: &str = "variable \"multi_az\" {\n  default = true\n}\nvariable \"retention\" {\n  default = 7\n}\nresource \"aws_db_instance\" \"this\" {\n  multi_az                = var.multi_az\n  backup_retention_period = var.retention\n}\n";

    #[test]
    fn sources_are_classified() {
        assert_eq!(classify("./db"), Source::Local("./db"));
        assert_eq!(classify("../.."), Source::Local("../.."));
        assert!(matches!(
            classify("terraform-aws-modules/rds/aws"),
            Source::Registry { name: "rds", .. }
        ));
        assert!(matches!(
            classify("terraform-aws-modules/rds/aws//modules/db_instance"),
            Source::Registry { name: "rds", .. }
        ));
        assert!(matches!(
            classify("app.terraform.io/acme/payments/aws"),
            Source::Registry {
                host: "app.terraform.io",
                ..
            }
        ));
        assert!(matches!(
            classify("git::https://example.com/db.git"),
            Source::Other(_)
        ));
        assert!(matches!(classify("github.com/acme/db"), Source::Other(_)));
        assert_eq!(
            join("envs/prod", "../../modules/db").as_deref(),
            Some("modules/db")
        );
        assert_eq!(join("", "../x"), None);
    }

    #[test]
    fn caller_arguments_win_over_defaults_and_are_located_at_the_caller() {
        let root = "module \"db\" {\n  source   = \"./modules/db\"\n  multi_az = false\n}\n";
        let e = run(
            &[("main.tf", root), ("modules/db/main.tf", MODULE)],
            "main.tf",
        );
        assert!(e.notes.is_empty(), "{:?}", e.notes);
        assert_eq!(e.module_dirs, BTreeSet::from(["modules/db".to_string()]));
        let db = &e.instances[0];
        assert_eq!(db.address, "module.db.aws_db_instance.this");
        let multi_az = db.field("multi_az").expect("set");
        assert_eq!(multi_az.value, Value::Bool(false));
        let origin = multi_az.origin.as_ref().expect("from the caller");
        assert_eq!(origin.path.as_ref(), "main.tf");
        assert_eq!(line_col(root, multi_az.span.start), (3, 14));
        assert_eq!(line_col(MODULE, origin.used_at.start), (8, 29));
        let retention = db.field("backup_retention_period").expect("default");
        assert_eq!(retention.value, Value::Int(7));
        assert!(retention.origin.is_none());
    }

    #[test]
    fn nested_counted_and_keyed_instances_are_addressed() {
        let root = "module \"a\" {\n  source = \"./a\"\n  count  = 2\n  multi_az = false\n}\n";
        let a = "variable \"multi_az\" {}\nmodule \"b\" {\n  source   = \"../b\"\n  for_each = { x = 1 }\n  multi_az = var.multi_az\n}\n";
        let e = run(
            &[("main.tf", root), ("a/main.tf", a), ("b/main.tf", MODULE)],
            "main.tf",
        );
        let addresses: Vec<&str> = e.instances.iter().map(|r| r.address.as_str()).collect();
        assert!(addresses.contains(&"module.a[0].module.b[\"x\"].aws_db_instance.this"));
        assert!(addresses.contains(&"module.a[1].module.b"));
        let db = e
            .instances
            .iter()
            .find(|r| r.kind == "aws_db_instance")
            .expect("db");
        let multi_az = db.field("multi_az").expect("set");
        assert_eq!(multi_az.value, Value::Bool(false));
        assert_eq!(
            multi_az.origin.as_ref().map(|o| o.path.as_ref()),
            Some("main.tf")
        );
        assert_eq!(line_col(root, multi_az.span.start), (4, 14));
    }

    #[test]
    fn cycles_self_calls_depth_and_missing_folders_end_in_a_note() {
        let me = "module \"me\" {\n  source = \"./\"\n}\n";
        let e = run(&[("m/main.tf", me)], "m/main.tf");
        assert!(e.notes.iter().any(|n| n.contains("cycle")), "{:?}", e.notes);
        let a = "module \"b\" {\n  source = \"../b\"\n}\n";
        let b = "module \"a\" {\n  source = \"../a\"\n}\n";
        let e = run(&[("a/main.tf", a), ("b/main.tf", b)], "a/main.tf");
        assert!(e.notes.iter().any(|n| n.contains("cycle")), "{:?}", e.notes);
        let e = run(
            &[("main.tf", "module \"x\" {\n  source = \"./gone\"\n}\n")],
            "main.tf",
        );
        assert!(e.notes.iter().any(|n| n.contains("no .tf file in `gone/`")));
        // Every folder calls a thousand copies of the next: bounded.
        let wide = "module \"next\" {\n  source = \"./d\"\n  count  = 1000\n}\nresource \"aws_instance\" \"i\" {}\n";
        let reads = files(&[("main.tf", wide)]);
        let call = reads["main.tf"].resources[0].clone();
        let list_dir = |d: &str| vec![format!("{d}main.tf")];
        let mut read = |_: &str| reads.get("main.tf").cloned();
        let bytes = |_: &str| None;
        let started = std::time::Instant::now();
        let e = expand(
            &call,
            &mut Files {
                list_dir: &list_dir,
                read: &mut read,
                bytes: &bytes,
            },
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert!(e.instances.len() <= MAX_INSTANCE_RESOURCES);
        assert!(
            e.notes.iter().any(|n| n.contains("module resources")),
            "{:?}",
            e.notes
        );
        // 1,000 nested folders, each calling the next.
        let mut list: Vec<(String, String)> = Vec::new();
        let mut dir = String::from("d");
        for _ in 0..1000 {
            list.push((
                format!("{dir}/main.tf"),
                "module \"next\" {\n  source = \"./d\"\n}\n".to_string(),
            ));
            dir.push_str("/d");
        }
        let borrowed: Vec<(&str, &str)> =
            list.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let started = std::time::Instant::now();
        let e = run(&borrowed, "d/main.tf");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert!(
            e.notes.iter().any(|n| n.contains("nested module calls")),
            "{:?}",
            e.notes
        );
    }
}
