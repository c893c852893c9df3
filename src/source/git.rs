//! Git sides: commits' trees and the index, with git2.

use super::{Blob, Change, ChangeSet, EntryKind, SideInfo, SourceError, Status, Tree};
use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, ObjectType, Oid, Repository};
use std::sync::Arc;

/// Opens the repository containing `dir`.
pub fn open(dir: &std::path::Path) -> Result<Repository, SourceError> {
    Repository::discover(dir).map_err(|e| SourceError::NotARepository(e.message().to_string()))
}

/// Resolves a revision to a commit, with the shallow-clone hint when it fails.
pub fn resolve<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Commit<'r>, SourceError> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| SourceError::RevisionNotFound {
            rev: rev.to_string(),
            shallow: repo.is_shallow(),
        })
}

/// The default base revision (DESIGN §1.1): `origin/$GITHUB_BASE_REF`, `$GITHUB_BASE_REF`, `origin/main`, `main`.
pub fn default_base(repo: &Repository) -> Result<String, SourceError> {
    let mut candidates = Vec::new();
    if let Ok(b) = std::env::var("GITHUB_BASE_REF")
        && !b.is_empty()
    {
        candidates.push(format!("origin/{b}"));
        candidates.push(b);
    }
    candidates.push("origin/main".into());
    candidates.push("main".into());
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

/// A commit's tree.
pub struct CommitTree<'r> {
    repo: &'r Repository,
    tree: git2::Tree<'r>,
}

impl<'r> CommitTree<'r> {
    /// The tree of a commit.
    pub fn new(repo: &'r Repository, commit: &git2::Commit<'r>) -> Result<Self, SourceError> {
        Ok(CommitTree {
            repo,
            tree: commit.tree()?,
        })
    }
}

fn blob(repo: &Repository, id: Oid) -> Option<Blob> {
    let b = repo.find_blob(id).ok()?;
    Some(Blob {
        id: id.to_string(),
        bytes: Arc::from(b.content()),
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
        let entry = self.tree.get_path(std::path::Path::new(path)).ok()?;
        if entry_kind(entry.filemode()) != Some(EntryKind::File) {
            return None;
        }
        blob(self.repo, entry.id())
    }

    fn kind(&self, path: &str) -> Option<EntryKind> {
        let entry = self.tree.get_path(std::path::Path::new(path)).ok()?;
        entry_kind(entry.filemode())
    }

    fn blob_id(&self, path: &str) -> Option<String> {
        let entry = self.tree.get_path(std::path::Path::new(path)).ok()?;
        (entry_kind(entry.filemode()) == Some(EntryKind::File)).then(|| entry.id().to_string())
    }

    fn list_under(&self, prefix: &str) -> Vec<String> {
        // Walk only the subtree under the prefix's folder.
        let (folder, subtree) = if prefix.is_empty() {
            (String::new(), Some(self.tree.clone()))
        } else {
            let dir = prefix.trim_end_matches('/');
            match self.tree.get_path(std::path::Path::new(dir)) {
                Ok(e) if e.kind() == Some(ObjectType::Tree) => {
                    (format!("{dir}/"), self.repo.find_tree(e.id()).ok())
                }
                Ok(e) if entry_kind(e.filemode()) == Some(EntryKind::File) => {
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
}

impl<'r> IndexTree<'r> {
    /// The repository's index.
    pub fn new(repo: &'r Repository) -> Result<Self, SourceError> {
        Ok(IndexTree {
            repo,
            index: repo.index()?,
        })
    }
}

impl Tree for IndexTree<'_> {
    fn read(&self, path: &str) -> Option<Blob> {
        let e = self.index.get_path(std::path::Path::new(path), 0)?;
        if entry_kind(e.mode as i32) != Some(EntryKind::File) {
            return None;
        }
        blob(self.repo, e.id)
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
pub fn diff_commits(
    repo: &Repository,
    base: &git2::Commit<'_>,
    head: &git2::Commit<'_>,
) -> Result<ChangeSet, SourceError> {
    let diff = repo.diff_tree_to_tree(
        Some(&base.tree()?),
        Some(&head.tree()?),
        Some(&mut diff_options()),
    )?;
    changes_of(diff)
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
    let index = repo.index()?;
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
