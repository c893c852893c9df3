//! The work tree's `terraform init` output laid over a side (DESIGN §1a):
//! `.terraform/modules/` holds the registry and git modules a root calls and
//! `modules.json` maps each call to its folder. It is usually not committed,
//! so in git mode a path with a `.terraform/` folder is read from the work
//! tree; every other path comes from the side itself. Nothing is walked
//! unless a module call asks for such a folder.

use super::{Blob, EntryKind, Tree};
use std::path::PathBuf;
use std::sync::Arc;

/// A side whose `.terraform/` folders come from the work tree.
pub struct WithTerraformInit<'a> {
    /// The side.
    pub inner: &'a dyn Tree,
    /// The work tree.
    pub root: PathBuf,
}

/// Whether a path (or folder prefix) lies in a `.terraform/` folder.
pub fn is_init_path(path: &str) -> bool {
    path.starts_with(".terraform/") || path.contains("/.terraform/")
}

impl Tree for WithTerraformInit<'_> {
    fn read(&self, path: &str) -> Option<Blob> {
        if !is_init_path(path) {
            return self.inner.read(path);
        }
        if path.split('/').any(|p| p == "..") {
            return None;
        }
        let bytes = std::fs::read(self.root.join(path)).ok()?;
        Some(Blob {
            id: super::dirs::blob_id(&bytes),
            size: bytes.len() as u64,
            bytes: Arc::from(bytes),
        })
    }

    fn kind(&self, path: &str) -> Option<EntryKind> {
        if !is_init_path(path) {
            return self.inner.kind(path);
        }
        let meta = std::fs::symlink_metadata(self.root.join(path)).ok()?;
        meta.is_file().then_some(EntryKind::File)
    }

    fn list_under(&self, prefix: &str) -> Vec<String> {
        if !is_init_path(prefix) || prefix.split('/').any(|p| p == "..") {
            return self.inner.list_under(prefix);
        }
        let mut out = Vec::new();
        let mut todo = vec![(self.root.join(prefix), prefix.to_string())];
        while let Some((dir, rel)) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = format!("{rel}{name}");
                match entry.file_type() {
                    Ok(ft) if ft.is_dir() && name != ".git" => {
                        todo.push((entry.path(), format!("{path}/")));
                    }
                    Ok(ft) if ft.is_file() => out.push(path),
                    _ => {}
                }
            }
        }
        out.sort();
        out
    }

    fn blob_id(&self, path: &str) -> Option<String> {
        if is_init_path(path) {
            self.read(path).map(|b| b.id)
        } else {
            self.inner.blob_id(path)
        }
    }
}
