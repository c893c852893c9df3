//! Readers: one module per file kind, each turning a file's text into
//! [`Resource`]s with addresses and spanned fields (DESIGN §1.2).

pub mod kubernetes;
pub mod terraform;
pub mod yaml;

use std::collections::BTreeMap;
use std::sync::Arc;
pub use yaml::{Node, Span, Value};

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
}

/// Files bigger than this are skipped with a note.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Reads one file by path and content.
pub fn read_file(path: &Arc<str>, bytes: &[u8]) -> FileRead {
    let lower = path.to_ascii_lowercase();
    let is_yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    let is_tf = lower.ends_with(".tf");
    let is_json = lower.ends_with(".json");
    let is_tfvars = lower.ends_with(".tfvars");
    if !(is_yaml || is_tf || is_json || is_tfvars) {
        return FileRead::default();
    }
    let mut read = FileRead {
        infrastructure: is_tf,
        ..FileRead::default()
    };
    if bytes.len() > MAX_FILE_BYTES {
        read.notes.push(format!(
            "{path}: skipped, {} bytes is over the {} MiB limit",
            bytes.len(),
            MAX_FILE_BYTES >> 20
        ));
        return read;
    }
    if bytes.starts_with(b"version https://git-lfs.github.com/spec/v1") {
        read.notes
            .push(format!("{path}: Git LFS pointer, content unavailable"));
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
    if is_yaml {
        if yaml::is_template(text) {
            read.notes
                .push(format!("{path}: template (`{{{{ … }}}}`), skipped"));
            return read;
        }
        match yaml::parse_stream(text, yaml::Budget::default()) {
            Ok(docs) => {
                let k8s = kubernetes::read(path, &docs);
                read.infrastructure = !k8s.is_empty() || read.infrastructure;
                read.resources = k8s;
            }
            Err(e) => read.error = Some((e.message, e.span)),
        }
    }
    if is_tf || is_tfvars {
        terraform::read_into(&mut read, path, text, is_tfvars);
    }
    read
}
