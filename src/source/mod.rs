//! Source: resolves the two sides of a check and yields the [`ChangeSet`]
//! (DESIGN §1.1). Sides are git trees, the git index, or directories.

pub mod changeset;
pub mod dirs;
pub mod git;
pub mod terraform_init;

pub use changeset::{Change, ChangeSet, Status};
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

/// Why a file on disk was not read.
#[derive(Debug, thiserror::Error)]
pub enum DiskReadError {
    /// A symbolic link: never followed.
    #[error("symbolic link, not followed")]
    Symlink,
    /// A device, FIFO, socket or folder: never opened.
    #[error("not a regular file, not opened")]
    Special,
    /// Larger than the limit (its size as the file system gives it).
    #[error("{0} bytes, over the {limit} MiB limit", limit = crate::readers::MAX_FILE_BYTES >> 20)]
    TooLarge(u64),
    /// The read failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads a regular file from disk without following a symbolic link or
/// opening anything else (`/dev/zero`, `/proc/self/environ`, a FIFO), and
/// never more than `limit` bytes: the size is checked before reading and the
/// read stops there whatever the size said.
pub fn read_regular_file(path: &Path, limit: usize) -> Result<Vec<u8>, DiskReadError> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(DiskReadError::Symlink);
    }
    if !meta.is_file() {
        return Err(DiskReadError::Special);
    }
    if meta.len() > limit as u64 {
        return Err(DiskReadError::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path)?;
    // Replaced by something else between the two looks: still not opened for reading.
    if !file.metadata()?.is_file() {
        return Err(DiskReadError::Special);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(DiskReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Which side of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Before the change.
    Base,
    /// After the change.
    Head,
}

impl Side {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Base => "base",
            Side::Head => "head",
        }
    }
}

/// A file's content and its identity (git's blob id, also for directories).
#[derive(Clone, Debug)]
pub struct Blob {
    /// The blob id (hex).
    pub id: String,
    /// The bytes; empty when the file is over [`crate::readers::MAX_FILE_BYTES`],
    /// which is then never read.
    pub bytes: Arc<[u8]>,
    /// Its size in bytes, known before reading.
    pub size: u64,
}

/// How an entry is stored, where it matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A symbolic link (never followed).
    Symlink,
    /// A submodule (gitlink).
    Submodule,
}

/// One side's tree of files.
pub trait Tree {
    /// The file at `path`, if it is a regular file.
    fn read(&self, path: &str) -> Option<Blob>;
    /// The kind of entry at `path`, if any.
    fn kind(&self, path: &str) -> Option<EntryKind>;
    /// All regular files under a folder prefix (`""` = everything), sorted.
    fn list_under(&self, prefix: &str) -> Vec<String>;
    /// The blob id of the regular file at `path`, without reading it where the
    /// side knows it (git); caches look a file up by it before reading.
    fn blob_id(&self, path: &str) -> Option<String> {
        self.read(path).map(|b| b.id)
    }
}

/// Describes one side for the reports: the revision asked for and the commit used.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SideInfo {
    /// The revision as given (`origin/main`, `HEAD`, `index`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    /// A directory, in directory mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// The commit compared (the merge-base for the base side), or null.
    pub commit: Option<String>,
    /// When the base is a merge-base: the two revisions it was computed from.
    #[serde(skip)]
    pub merge_base_of: Option<(String, String)>,
    /// The commit's committer date (seconds since the epoch), for CG401.
    #[serde(skip)]
    pub commit_time: Option<i64>,
}

/// Errors resolving the sides; each one is "could not assess" (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Not inside a git repository.
    #[error(
        "not a git repository (or any parent): {0}; use --before/--after to compare directories"
    )]
    NotARepository(String),
    /// A revision that does not resolve.
    #[error("revision `{rev}` not found{}", if *.shallow { "; this is a shallow clone, so the commit may simply not be fetched: fetch the history (`fetch-depth: 0` in actions/checkout, or `git fetch --deepen=100`)" } else { "" })]
    RevisionNotFound {
        /// As given.
        rev: String,
        /// Whether the repository is shallow.
        shallow: bool,
    },
    /// A local branch name that is missing while its remote-tracking branch
    /// exists (`--base main` on a CI runner, which has `origin/main` only).
    #[error(
        "revision `{rev}` not found; `{remote}` exists (a CI checkout has only the remote-tracking branch): pass `--base {remote}`"
    )]
    RevisionOnlyRemote {
        /// As given.
        rev: String,
        /// The remote-tracking name that exists.
        remote: String,
    },
    /// No default base could be found.
    #[error("no base revision: none of {tried} exists; pass --base REV (or fetch the base branch)")]
    NoDefaultBase {
        /// What was tried.
        tried: String,
    },
    /// The two sides share no history.
    #[error("`{base}` and `{head}` have no common ancestor (unrelated histories){}", if *.shallow { "; this is a shallow clone: fetch the history (`fetch-depth: 0` in actions/checkout, or `git fetch --deepen=100`)" } else { "" })]
    NoMergeBase {
        /// Base revision.
        base: String,
        /// Head revision.
        head: String,
        /// Whether the repository is shallow.
        shallow: bool,
    },
    /// A blob that is missing or corrupt.
    #[error("git object {id} of `{path}` is missing or corrupt{}", match .filter {
        Some(f) => format!("; this is a partial clone (filter `{f}`) and the tool never fetches: fetch the blobs (a full clone, or `filter:` unset in actions/checkout)"),
        None => "; the repository is damaged (`git fsck` names what is wrong)".into(),
    })]
    MissingObject {
        /// The file.
        path: String,
        /// The object id.
        id: String,
        /// The partial clone's filter, if the repository is one.
        filter: Option<String>,
    },
    /// A directory that cannot be read.
    #[error("cannot read directory `{0}`: {1}")]
    Directory(String, String),
    /// Any other git failure.
    #[error("git: {0}")]
    Git(String),
}

impl From<git2::Error> for SourceError {
    fn from(e: git2::Error) -> Self {
        SourceError::Git(e.message().to_string())
    }
}
