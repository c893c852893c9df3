//! Git sides: commits' trees and the index, with git2.

use super::{Blob, Change, ChangeSet, EntryKind, SideInfo, SourceError, Status, Tree};
use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, ObjectType, Oid, Repository};
use std::sync::Arc;

/// Opens the repository containing `dir`.
pub fn open(dir: &std::path::Path) -> Result<Repository, SourceError> {
    // libgit2 hashes every object it reads to verify it; git itself does that
    // only when objects arrive (fetch, fsck), and on a large tree the hashing
    // costs more than the whole check.
    git2::opts::strict_hash_verification(false);
    Repository::discover(dir).map_err(|e| SourceError::NotARepository(e.message().to_string()))
}

/// Resolves a revision to a commit, with the shallow-clone hint when it fails.
pub fn resolve<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Commit<'r>, SourceError> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| {
            let remote = format!("origin/{rev}");
            let tracked = !rev.starts_with("origin/")
                && repo
                    .revparse_single(&remote)
                    .and_then(|o| o.peel_to_commit())
                    .is_ok();
            if tracked {
                SourceError::RevisionOnlyRemote {
                    rev: rev.to_string(),
                    remote,
                }
            } else {
                SourceError::RevisionNotFound {
                    rev: rev.to_string(),
                    shallow: repo.is_shallow(),
                }
            }
        })
}

/// The default base revision (DESIGN §4): `origin/$GITHUB_BASE_REF`,
/// `$GITHUB_BASE_REF`, `origin/HEAD` (the remote's default branch), then
/// `origin/main`, `main`, `origin/master`, `master`.
pub fn default_base(repo: &Repository) -> Result<String, SourceError> {
    let mut candidates = Vec::new();
    if let Ok(b) = std::env::var("GITHUB_BASE_REF")
        && !b.is_empty()
    {
        candidates.push(format!("origin/{b}"));
        candidates.push(b);
    }
    candidates.extend(
        [
            "origin/HEAD",
            "origin/main",
            "main",
            "origin/master",
            "master",
        ]
        .map(String::from),
    );
    for c in &candidates {
        if repo
            .revparse_single(c)
            .and_then(|o| o.peel_to_commit())
            .is_ok()
        {
            return Ok(c.clone());
        }
    }
    Err(SourceError::NoDefaultBase {
        tried: candidates
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The blobs a side could not read: (path, object id). A missing or
/// corrupt object (a `--filter=blob:none` clone, a damaged repository) must
/// not make a changed file vanish: the check then cannot assess (exit 2).
#[derive(Default)]
struct Unreadable(std::cell::RefCell<Option<(String, Oid)>>);

impl Unreadable {
    fn record(&self, path: &str, id: Oid) {
        self.0
            .borrow_mut()
            .get_or_insert_with(|| (path.to_string(), id));
    }
}

/// The first blob a side could not read, as an error naming it and, in a
/// partial clone, the clone's filter.
fn unreadable_error(repo: &Repository, u: &Unreadable) -> Option<SourceError> {
    let (path, id) = u.0.borrow().clone()?;
    Some(SourceError::MissingObject {
        path,
        id: id.to_string(),
        filter: partial_clone_filter(repo),
    })
}

/// The filter of a partial clone (`blob:none`), if the repository is one.
pub fn partial_clone_filter(repo: &Repository) -> Option<String> {
    let config = repo.config().ok()?;
    // git writes `remote.<name>.partialclonefilter` (and `promisor = true`);
    // older versions `extensions.partialclone = <name>` too.
    let mut entries = config
        .entries(Some(r"remote\..*\.partialclonefilter"))
        .ok()?;
    if let Some(Ok(entry)) = entries.next() {
        return entry.value().map(str::to_string).ok();
    }
    config
        .get_string("extensions.partialclone")
        .ok()
        .map(|_| "unknown".into())
}

/// A commit's tree.
pub struct CommitTree<'r> {
    repo: &'r Repository,
    tree: git2::Tree<'r>,
    unreadable: Unreadable,
    /// Folders already looked up (libgit2 re-reads and re-parses a large tree
    /// on every path lookup: its object cache keeps only trees under 4 KiB).
    folders: std::cell::RefCell<std::collections::HashMap<String, Option<git2::Tree<'r>>>>,
}

impl<'r> CommitTree<'r> {
    /// The tree of a commit.
    pub fn new(repo: &'r Repository, commit: &git2::Commit<'r>) -> Result<Self, SourceError> {
        Ok(CommitTree {
            repo,
            tree: commit.tree()?,
            unreadable: Unreadable::default(),
            folders: Default::default(),
        })
    }

    /// The first file this side could not read (a missing or corrupt object).
    pub fn unreadable(&self) -> Option<SourceError> {
        unreadable_error(self.repo, &self.unreadable)
    }

    /// The tree of a folder (`""` = the root), through the cache.
    fn folder(&self, dir: &str) -> Option<git2::Tree<'r>> {
        if dir.is_empty() {
            return Some(self.tree.clone());
        }
        if let Some(t) = self.folders.borrow().get(dir) {
            return t.clone();
        }
        let (parent, name) = dir.rsplit_once('/').unwrap_or(("", dir));
        let tree = self.folder(parent).and_then(|p| {
            let e = p.get_name(name)?;
            if e.kind() == Some(ObjectType::Tree) {
                self.repo.find_tree(e.id()).ok()
            } else {
                None
            }
        });
        self.folders
            .borrow_mut()
            .insert(dir.to_string(), tree.clone());
        tree
    }

    /// The entry at a path: (id, file mode, is a tree).
    fn entry(&self, path: &str) -> Option<(Oid, i32, bool)> {
        let path = path.trim_end_matches('/');
        if path.is_empty()
            || path
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return None;
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let folder = self.folder(dir)?;
        let e = folder.get_name(name)?;
        Some((e.id(), e.filemode(), e.kind() == Some(ObjectType::Tree)))
    }
}

fn blob(repo: &Repository, id: Oid) -> Option<Blob> {
    // The size first, from the object's header: a blob over the limit is never loaded.
    if let Ok((size, _)) = repo.odb().and_then(|odb| odb.read_header(id))
        && size > crate::readers::MAX_FILE_BYTES
    {
        return Some(Blob {
            id: id.to_string(),
            bytes: Arc::from(Vec::new()),
            size: size as u64,
        });
    }
    let b = repo.find_blob(id).ok()?;
    Some(Blob {
        id: id.to_string(),
        bytes: Arc::from(b.content()),
        size: b.size() as u64,
    })
}

fn entry_kind(mode: i32) -> Option<EntryKind> {
    match mode {
        m if m == i32::from(FileMode::Link) => Some(EntryKind::Symlink),
        m if m == i32::from(FileMode::Commit) => Some(EntryKind::Submodule),
        m if m == i32::from(FileMode::Tree) => None,
        _ => Some(EntryKind::File),
    }
}

impl Tree for CommitTree<'_> {
    fn read(&self, path: &str) -> Option<Blob> {
        let (id, mode, _) = self.entry(path)?;
        if entry_kind(mode) != Some(EntryKind::File) {
            return None;
        }
        let read = blob(self.repo, id);
        if read.is_none() {
            self.unreadable.record(path, id);
        }
        read
    }

    fn kind(&self, path: &str) -> Option<EntryKind> {
        let (_, mode, _) = self.entry(path)?;
        entry_kind(mode)
    }

    fn blob_id(&self, path: &str) -> Option<String> {
        let (id, mode, _) = self.entry(path)?;
        (entry_kind(mode) == Some(EntryKind::File)).then(|| id.to_string())
    }

    fn list_under(&self, prefix: &str) -> Vec<String> {
        // Walk only the subtree under the prefix's folder.
        let (folder, subtree) = if prefix.is_empty() {
            (String::new(), Some(self.tree.clone()))
        } else {
            let dir = prefix.trim_end_matches('/');
            match self.entry(dir) {
                Some((_, _, true)) => (format!("{dir}/"), self.folder(dir)),
                Some((_, mode, _)) if entry_kind(mode) == Some(EntryKind::File) => {
                    return vec![dir.to_string()];
                }
                _ => (String::new(), None),
            }
        };
        let mut out = Vec::new();
        if let Some(t) = subtree {
            let _ = t.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
                if entry_kind(entry.filemode()) == Some(EntryKind::File)
                    && let Ok(name) = entry.name()
                {
                    out.push(format!("{folder}{root}{name}"));
                }
                git2::TreeWalkResult::Ok
            });
        }
        out.sort();
        out
    }
}

/// The index (staged content).
pub struct IndexTree<'r> {
    repo: &'r Repository,
    index: git2::Index,
    unreadable: Unreadable,
}

impl<'r> IndexTree<'r> {
    /// The repository's index (`$GIT_INDEX_FILE` when set, see [`staged_index`]).
    pub fn new(repo: &'r Repository) -> Result<Self, SourceError> {
        Ok(IndexTree {
            repo,
            index: staged_index(repo)?,
            unreadable: Unreadable::default(),
        })
    }

    /// The first file this side could not read (a missing or corrupt object).
    pub fn unreadable(&self) -> Option<SourceError> {
        unreadable_error(self.repo, &self.unreadable)
    }
}

/// The index a commit is being made from: `$GIT_INDEX_FILE` when git sets
/// it (`git commit -a` and `git commit PATH` run the pre-commit hook with a
/// temporary index; relative to the work tree's top), else the repository's.
pub fn staged_index(repo: &Repository) -> Result<git2::Index, SourceError> {
    match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(file) => {
            let file = std::path::PathBuf::from(file);
            let path = match repo.workdir() {
                Some(top) if file.is_relative() => top.join(file),
                _ => file,
            };
            Ok(git2::Index::open(&path)?)
        }
        None => Ok(repo.index()?),
    }
}

impl Tree for IndexTree<'_> {
    fn read(&self, path: &str) -> Option<Blob> {
        let e = self.index.get_path(std::path::Path::new(path), 0)?;
        if entry_kind(e.mode as i32) != Some(EntryKind::File) {
            return None;
        }
        let read = blob(self.repo, e.id);
        if read.is_none() {
            self.unreadable.record(path, e.id);
        }
        read
    }

    fn kind(&self, path: &str) -> Option<EntryKind> {
        let e = self.index.get_path(std::path::Path::new(path), 0)?;
        entry_kind(e.mode as i32)
    }

    fn list_under(&self, prefix: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .index
            .iter()
            .filter(|e| entry_kind(e.mode as i32) == Some(EntryKind::File))
            .filter_map(|e| String::from_utf8(e.path).ok())
            .filter(|p| p.starts_with(prefix))
            .collect();
        out.sort();
        out
    }
}

fn diff_options() -> DiffOptions {
    let mut o = DiffOptions::new();
    o.ignore_submodules(false).include_typechange(true);
    o
}

fn changes_of(mut diff: git2::Diff<'_>) -> Result<ChangeSet, SourceError> {
    // Renames on explicitly, whatever the user's `diff.renames` says.
    let mut find = DiffFindOptions::new();
    find.renames(true).rename_threshold(50).copies(false);
    diff.find_similar(Some(&mut find))?;
    let mut changes = Vec::new();
    for delta in diff.deltas() {
        let old = delta
            .old_file()
            .path()
            .map(|p| p.to_string_lossy().into_owned());
        let new = delta
            .new_file()
            .path()
            .map(|p| p.to_string_lossy().into_owned());
        let status = match delta.status() {
            Delta::Added | Delta::Copied => Status::Added,
            Delta::Deleted => Status::Deleted,
            Delta::Renamed => Status::Renamed(similarity(&diff, &delta)),
            Delta::Modified | Delta::Typechange => Status::Modified,
            _ => continue,
        };
        let (old_path, new_path) = match status {
            Status::Added => (None, new),
            Status::Deleted => (old, None),
            _ => (old, new),
        };
        changes.push(Change {
            status,
            old_path,
            new_path,
        });
    }
    Ok(ChangeSet::sorted(changes))
}

fn similarity(_diff: &git2::Diff<'_>, delta: &git2::DiffDelta<'_>) -> u16 {
    // git2 does not expose the similarity score; identical blobs are 100.
    if delta.old_file().id() == delta.new_file().id() {
        100
    } else {
        50
    }
}

/// Changes between two commits.
///
/// Walks both trees in step and skips every subtree whose id is the same at
/// both sides, as `git diff` does, so the cost follows what changed, not the
/// repository's size (libgit2's tree-to-tree diff opens every tree). When the
/// change adds and deletes files, a rename is possible: then libgit2's diff
/// and its similarity detection decide, as before.
pub fn diff_commits(
    repo: &Repository,
    base: &git2::Commit<'_>,
    head: &git2::Commit<'_>,
) -> Result<ChangeSet, SourceError> {
    let (base_tree, head_tree) = (base.tree()?, head.tree()?);
    let mut changes = Vec::new();
    if pruned_diff(repo, Some(&base_tree), Some(&head_tree), "", &mut changes).is_some() {
        let adds = changes.iter().any(|c: &Change| c.status == Status::Added);
        let deletes = changes.iter().any(|c| c.status == Status::Deleted);
        if !(adds && deletes) {
            return Ok(ChangeSet::sorted(changes));
        }
    }
    let diff = repo.diff_tree_to_tree(
        Some(&base_tree),
        Some(&head_tree),
        Some(&mut diff_options()),
    )?;
    changes_of(diff)
}

/// One side's entry in [`pruned_diff`]: id, mode, and whether it is a tree.
type EntryInfo = (Oid, i32, bool);

/// The changes between two trees (either may be absent), skipping equal
/// subtrees; `None` when a tree cannot be read (the caller falls back to
/// libgit2's diff). Statuses as [`changes_of`] gives them without renames.
fn pruned_diff(
    repo: &Repository,
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    folder: &str,
    out: &mut Vec<Change>,
) -> Option<()> {
    let info = |e: git2::TreeEntry<'_>| -> EntryInfo {
        (e.id(), e.filemode(), e.kind() == Some(ObjectType::Tree))
    };
    // Names that differ: each entry of one side looked up in the other
    // (a binary search), with no copy of the equal ones.
    let mut differing: Vec<(Vec<u8>, Option<EntryInfo>, Option<EntryInfo>)> = Vec::new();
    if let Some(n) = new {
        for e in n.iter() {
            let other = old.and_then(|o| o.get_name_bytes(e.name_bytes()).map(info));
            let name = e.name_bytes().to_vec();
            let this = info(e);
            if other != Some(this) {
                differing.push((name, other, Some(this)));
            }
        }
    }
    if let Some(o) = old {
        for e in o.iter() {
            if new.and_then(|n| n.get_name_bytes(e.name_bytes())).is_none() {
                differing.push((e.name_bytes().to_vec(), Some(info(e)), None));
            }
        }
    }
    for (name, ea, eb) in differing {
        let (ea, eb) = (ea.as_ref(), eb.as_ref());
        let path = format!("{folder}{}", String::from_utf8_lossy(&name));
        let subtree = |e: Option<&EntryInfo>| -> Option<Option<git2::Tree<'_>>> {
            match e {
                Some((id, _, true)) => repo.find_tree(*id).ok().map(Some),
                _ => Some(None),
            }
        };
        let old_tree = subtree(ea)?;
        let new_tree = subtree(eb)?;
        // The files of each side: a tree recurses, anything else is a file.
        let old_file = ea.filter(|e| !e.2);
        let new_file = eb.filter(|e| !e.2);
        if old_tree.is_some() || new_tree.is_some() {
            pruned_diff(
                repo,
                old_tree.as_ref(),
                new_tree.as_ref(),
                &format!("{path}/"),
                out,
            )?;
        }
        let change = match (old_file, new_file) {
            (Some(_), Some(_)) => Change {
                status: Status::Modified,
                old_path: Some(path.clone()),
                new_path: Some(path),
            },
            (Some(_), None) => Change {
                status: Status::Deleted,
                old_path: Some(path),
                new_path: None,
            },
            (None, Some(_)) => Change {
                status: Status::Added,
                old_path: None,
                new_path: Some(path),
            },
            (None, None) => continue,
        };
        out.push(change);
    }
    Some(())
}

/// Changes between `HEAD` and the index (unstaged edits never count).
pub fn diff_staged(
    repo: &Repository,
    head: Option<&git2::Commit<'_>>,
) -> Result<ChangeSet, SourceError> {
    let tree = match head {
        Some(c) => Some(c.tree()?),
        None => None,
    };
    let index = staged_index(repo)?;
    let diff = repo.diff_tree_to_index(tree.as_ref(), Some(&index), Some(&mut diff_options()))?;
    changes_of(diff)
}

/// A commit's description for the reports.
pub fn side_info(rev: &str, commit: &git2::Commit<'_>) -> SideInfo {
    SideInfo {
        rev: Some(rev.to_string()),
        dir: None,
        commit: Some(commit.id().to_string()),
        merge_base_of: None,
        commit_time: Some(commit.committer().when().seconds()),
    }
}
