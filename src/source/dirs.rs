//! Directory sides (`--before DIR --after DIR`): any two trees without git.

use super::{Blob, Change, ChangeSet, EntryKind, SourceError, Status, Tree};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A directory read as a tree. Symlinks are listed but never followed.
pub struct DirTree {
    root: PathBuf,
    files: BTreeMap<String, EntryKind>,
}

impl DirTree {
    /// Lists a directory (skipping `.git`).
    pub fn new(root: &Path) -> Result<DirTree, SourceError> {
        let meta = std::fs::metadata(root)
            .map_err(|e| SourceError::Directory(root.display().to_string(), e.to_string()))?;
        if !meta.is_dir() {
            return Err(SourceError::Directory(
                root.display().to_string(),
                "not a directory".into(),
            ));
        }
        let mut files = BTreeMap::new();
        let mut todo = vec![(root.to_path_buf(), String::new())];
        while let Some((dir, rel)) = todo.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| SourceError::Directory(dir.display().to_string(), e.to_string()))?;
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name == ".git" {
                    continue;
                }
                let path = format!("{rel}{name}");
                let Ok(ft) = entry.file_type() else { continue };
                if ft.is_symlink() {
                    files.insert(path, EntryKind::Symlink);
                } else if ft.is_dir() {
                    todo.push((entry.path(), format!("{path}/")));
                } else if ft.is_file() {
                    files.insert(path, EntryKind::File);
                }
            }
        }
        Ok(DirTree {
            root: root.to_path_buf(),
            files,
        })
    }

    fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.keys()
    }
}

/// Git's blob id of some bytes, so directories share the parse cache with git.
pub fn blob_id(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|o| o.to_string())
        .unwrap_or_default()
}

impl Tree for DirTree {
    fn read(&self, path: &str) -> Option<Blob> {
        if self.files.get(path) != Some(&EntryKind::File) {
            return None;
        }
        match super::read_regular_file(&self.root.join(path), crate::readers::MAX_FILE_BYTES) {
            Ok(bytes) => Some(Blob {
                id: blob_id(&bytes),
                size: bytes.len() as u64,
                bytes: Arc::from(bytes),
            }),
            Err(super::DiskReadError::TooLarge(size)) => Some(Blob {
                // Not read, so not hashed: its size stands for its identity.
                id: format!("over-limit:{size}"),
                bytes: Arc::from(Vec::new()),
                size,
            }),
            Err(_) => None,
        }
    }

    fn kind(&self, path: &str) -> Option<EntryKind> {
        self.files.get(path).copied()
    }

    fn list_under(&self, prefix: &str) -> Vec<String> {
        self.files
            .range(prefix.to_string()..)
            .take_while(|(p, _)| p.starts_with(prefix))
            .filter(|(_, k)| **k == EntryKind::File)
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// Changes between two directories; a file whose content is identical on
/// both sides under another path is a rename.
pub fn diff_dirs(before: &DirTree, after: &DirTree) -> ChangeSet {
    let mut deleted: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    let mut added: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    let mut changes = Vec::new();
    // Symbolic links are compared as links (their targets are never read),
    // files over the limit by size.
    let read = |t: &DirTree, p: &str| match t.files.get(p) {
        Some(EntryKind::Symlink) => std::fs::read_link(t.root.join(p))
            .ok()
            .map(|l| l.as_os_str().as_encoded_bytes().to_vec()),
        _ => match super::read_regular_file(&t.root.join(p), crate::readers::MAX_FILE_BYTES) {
            Ok(bytes) => Some(bytes),
            Err(super::DiskReadError::TooLarge(size)) => Some(size.to_string().into_bytes()),
            Err(_) => None,
        },
    };
    for p in before.paths() {
        if after.files.contains_key(p) {
            let (a, b) = (read(before, p), read(after, p));
            if a != b || before.files.get(p) != after.files.get(p) {
                changes.push(Change {
                    status: Status::Modified,
                    old_path: Some(p.clone()),
                    new_path: Some(p.clone()),
                });
            }
        } else {
            deleted.push((p.clone(), read(before, p)));
        }
    }
    for p in after.paths() {
        if !before.files.contains_key(p) {
            added.push((p.clone(), read(after, p)));
        }
    }
    for (path, content) in deleted {
        let twin = added
            .iter()
            .position(|(_, c)| content.is_some() && *c == content);
        match twin {
            Some(i) => {
                let (new, _) = added.remove(i);
                changes.push(Change {
                    status: Status::Renamed(100),
                    old_path: Some(path),
                    new_path: Some(new),
                });
            }
            None => changes.push(Change {
                status: Status::Deleted,
                old_path: Some(path),
                new_path: None,
            }),
        }
    }
    for (path, _) in added {
        changes.push(Change {
            status: Status::Added,
            old_path: None,
            new_path: Some(path),
        });
    }
    ChangeSet::sorted(changes)
}
