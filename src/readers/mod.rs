//! Readers: one module per file kind, each turning a file's text into
//! [`Resource`]s with addresses and spanned fields (DESIGN §1.2).

pub mod catalog;
pub mod cloudformation;
pub mod compose;
pub mod helm;
pub mod kubernetes;
pub mod kustomize;
pub mod terraform;
pub mod terraform_modules;
pub mod terraform_plan;
pub mod yaml;

use std::collections::BTreeMap;
use std::sync::Arc;
pub use yaml::{Node, Origin, Span, Value};

/// The roots the plan's `builds` list names (DESIGN §1a "Which roots
/// run"): a kind it names builds only those roots; a kind it does not name
/// (`None`) builds every root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Builds {
    /// Helm charts by folder, with their releases.
    pub helm: Option<Vec<(String, helm::Release)>>,
    /// Kustomize roots by folder.
    pub kustomize: Option<Vec<String>>,
    /// Terraform roots by folder, with their var files.
    pub terraform: Option<Vec<(String, Vec<String>)>>,
}

/// The kind of file a resource was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// Kubernetes manifests.
    Kubernetes,
    /// docker-compose.
    Compose,
    /// Terraform (HCL).
    Terraform,
    /// CloudFormation.
    CloudFormation,
    /// Backstage catalog.
    Catalog,
}

/// One resource of a file: a Kubernetes object, a Terraform block, …
#[derive(Clone, Debug)]
pub struct Resource {
    /// The file kind it came from.
    pub file_kind: FileKind,
    /// `Deployment`, `aws_db_instance`, `AWS::RDS::DBInstance`, `service`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Kubernetes namespace (`default` when unset), if any.
    pub namespace: Option<String>,
    /// Stable address: `Deployment/payments/api`, `aws_db_instance.ledger`.
    pub address: String,
    /// The file it lives in.
    pub path: Arc<str>,
    /// Its fields.
    pub body: Node,
    /// Where the resource starts (its first line), for findings about missing fields.
    pub span: Span,
    /// Kubernetes metadata labels (empty elsewhere).
    pub labels: BTreeMap<String, String>,
}

impl Resource {
    /// A field by dotted path.
    pub fn field(&self, path: &str) -> Option<&Node> {
        self.body.path(path)
    }
}

/// What a reader made of one file.
#[derive(Clone, Debug, Default)]
pub struct FileRead {
    /// Its resources.
    pub resources: Vec<Resource>,
    /// Why it could not be read (CG001), with where.
    pub error: Option<(String, Span)>,
    /// Things worth telling the user (template skipped, LFS pointer, …).
    pub notes: Vec<String>,
    /// Whether it is an infrastructure file at all (for CG002).
    pub infrastructure: bool,
    /// Why its content could not be assessed at all (over the size limit, a
    /// Git LFS pointer, a template, a syntax not read): CG004 when a service
    /// maps it and it changed.
    pub not_assessed: Option<String>,
}

/// Files bigger than this are skipped with a note.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Reads one file of a side: a blob over [`MAX_FILE_BYTES`] is skipped with
/// a note without being read.
pub fn read_blob(path: &Arc<str>, blob: &crate::source::Blob) -> FileRead {
    if blob.size > MAX_FILE_BYTES as u64 {
        if !is_read(&path.to_ascii_lowercase()) {
            return FileRead::default();
        }
        return oversized(path, blob.size);
    }
    read_file(path, &blob.bytes)
}

/// Whether a (lowercase) path is one the readers read.
pub fn is_read(lower: &str) -> bool {
    [".yaml", ".yml", ".tf", ".json", ".template", ".tfvars"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// The read of a file over [`MAX_FILE_BYTES`]: a note, nothing read.
fn oversized(path: &Arc<str>, size: u64) -> FileRead {
    let lower = path.to_ascii_lowercase();
    FileRead {
        infrastructure: lower.ends_with(".tf") || compose::is_compose_path(&lower),
        notes: vec![format!(
            "{path}: skipped, {size} bytes is over the {} MiB limit",
            MAX_FILE_BYTES >> 20
        )],
        not_assessed: Some(format!(
            "it is {size} bytes, over the {} MiB limit",
            MAX_FILE_BYTES >> 20
        )),
        ..FileRead::default()
    }
}

/// Reads one file by path and content.
///
/// YAML files are compose files (by name), or documents that are each a
/// CloudFormation template, a Backstage entity or a Kubernetes object; JSON
/// and `.template` files are read only as CloudFormation (anything else there,
/// `package.json` or a broken `tsconfig.json`, is not infrastructure and never
/// an error).
pub fn read_file(path: &Arc<str>, bytes: &[u8]) -> FileRead {
    let lower = path.to_ascii_lowercase();
    let is_yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    let is_tf = lower.ends_with(".tf");
    let is_json = lower.ends_with(".json") || lower.ends_with(".template");
    let is_tfvars = lower.ends_with(".tfvars");
    if !is_read(&lower) {
        return FileRead::default();
    }
    if bytes.len() > MAX_FILE_BYTES {
        return oversized(path, bytes.len() as u64);
    }
    let is_compose = is_yaml && compose::is_compose_path(&lower);
    let mut read = FileRead {
        infrastructure: is_tf || is_compose,
        ..FileRead::default()
    };
    if bytes.starts_with(b"version https://git-lfs.github.com/spec/v1") {
        read.notes
            .push(format!("{path}: Git LFS pointer, content unavailable"));
        read.not_assessed =
            Some("it is a Git LFS pointer; its content is not in the repository".into());
        return read;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            read.error = Some((
                format!("not UTF-8 text (invalid byte at offset {at})"),
                Span::new(at, at),
            ));
            return read;
        }
    };
    if text.contains('\0') {
        let at = text.find('\0').unwrap_or(0);
        read.error = Some(("binary content (NUL byte)".into(), Span::new(at, at)));
        return read;
    }
    if lower.ends_with(".tf.json") {
        read.infrastructure = true;
        read.notes
            .push(format!("{path}: Terraform JSON syntax, not read"));
        read.not_assessed =
            Some("it is Terraform JSON syntax (`.tf.json`), which is not read".into());
        return read;
    }
    if is_json {
        read_cloudformation_only(path, text, &mut read);
        return read;
    }
    if is_yaml {
        if yaml::is_template(text) {
            read.notes
                .push(format!("{path}: template (`{{{{ … }}}}`), skipped"));
            read.not_assessed =
                Some("it is a template (`{{ … }}`) outside a chart the tool renders".into());
            return read;
        }
        match yaml::parse_stream(text, yaml::Budget::default()) {
            Ok(docs) if is_compose => read.resources = compose::read(path, &docs),
            // Swarm stacks and compose-format files of any name (DESIGN §1a).
            Ok(docs)
                if compose::is_stack_path(&lower)
                    || docs.iter().any(|d| compose::is_compose_document(&d.root)) =>
            {
                read.infrastructure = true;
                read.resources = compose::read(path, &docs);
            }
            Ok(docs) => {
                for doc in &docs {
                    if cloudformation::is_template(&doc.root) {
                        let (resources, notes) = cloudformation::read(path, &doc.root);
                        read.infrastructure = true;
                        read.resources.extend(resources);
                        read.notes.extend(notes);
                    } else if catalog::is_entity(&doc.root) {
                        if let Some(entity) = catalog::read(path, &doc.root) {
                            let kind = entity.kind.to_ascii_lowercase();
                            read.infrastructure |= catalog::SERVICE_KINDS.contains(&kind.as_str());
                            read.resources.push(entity);
                        }
                    } else {
                        let k8s = kubernetes::read(path, std::slice::from_ref(doc));
                        read.infrastructure |= !k8s.is_empty();
                        read.resources.extend(k8s);
                    }
                }
            }
            Err(e) => read.error = Some((e.message, e.span)),
        }
    }
    if is_tf || is_tfvars {
        terraform::read_into(&mut read, path, text, is_tfvars);
    }
    read
}

/// JSON and `.template` files: CloudFormation, a Terraform plan, or nothing.
fn read_cloudformation_only(path: &Arc<str>, text: &str, read: &mut FileRead) {
    match yaml::parse_stream(text, yaml::Budget::default()) {
        Ok(docs) if docs.iter().any(|d| terraform_plan::is_plan(&d.root)) => {
            read.infrastructure = true;
            for doc in docs.iter().filter(|d| terraform_plan::is_plan(&d.root)) {
                read.resources.extend(terraform_plan::read(path, &doc.root));
            }
        }
        Ok(docs) => {
            let is_json = path.to_ascii_lowercase().ends_with(".json");
            if is_json
                && docs.iter().any(|d| cloudformation::is_template(&d.root))
                && let Err(je) = serde_json::from_str::<serde_json::Value>(text)
            {
                // Valid YAML yet not JSON (a trailing comma, a single quote): CloudFormation rejects it.
                let at = byte_offset(text, je.line(), je.column());
                read.infrastructure = true;
                read.error = Some((format!("invalid JSON: {je}"), Span::new(at, at)));
                return;
            }
            for doc in docs.iter().filter(|d| cloudformation::is_template(&d.root)) {
                let (resources, notes) = cloudformation::read(path, &doc.root);
                read.infrastructure = true;
                read.resources.extend(resources);
                read.notes.extend(notes);
            }
        }
        Err(e) if cloudformation::looks_like_template(text) => {
            read.infrastructure = true;
            // A JSON error names the JSON problem; the YAML reader's words are for YAML.
            read.error = Some(match serde_json::from_str::<serde_json::Value>(text) {
                Err(je) if path.to_ascii_lowercase().ends_with(".json") => {
                    let at = byte_offset(text, je.line(), je.column());
                    (format!("invalid JSON: {je}"), Span::new(at, at))
                }
                _ => (e.message, e.span),
            });
        }
        Err(_) => {}
    }
}

/// The byte offset of a 1-based line and column (serde_json's, in bytes).
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}
