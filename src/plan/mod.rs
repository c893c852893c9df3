//! The continuity plan (DESIGN §2): model, loading and validation, durations,
//! hours of operation.

pub mod de;
pub mod duration;
pub mod hours;
pub mod load;
pub mod model;
mod split;
pub mod strict;

pub use load::{PlanError, load, load_all};
pub use model::Plan;

use crate::source::Tree;
use std::collections::HashMap;
use std::sync::Arc;

/// Where the plan is looked for when `--plan` is not given.
pub const DEFAULT_PATHS: &[&str] = &["continuity.yaml", ".continuity/plan.yaml"];

/// Finds and reads the plan of one side: `Ok(None)` when there is none.
pub fn find(tree: &dyn Tree, explicit: Option<&str>) -> Result<Option<Plan>, PlanError> {
    locate(tree, explicit)
        .map(|(path, blob)| load(&path, &String::from_utf8_lossy(&blob.bytes)))
        .transpose()
}

/// Plans already read, by blob id: a plan that is the same at both sides, or
/// in several commits of a report range, is parsed and validated once.
#[derive(Default)]
pub struct PlanCache {
    plans: HashMap<(String, String), Arc<Plan>>,
}

impl PlanCache {
    /// [`find`], through the cache.
    pub fn find(
        &mut self,
        tree: &dyn Tree,
        explicit: Option<&str>,
    ) -> Result<Option<Arc<Plan>>, PlanError> {
        let candidates: Vec<&str> = match explicit {
            Some(p) => vec![p],
            None => DEFAULT_PATHS.to_vec(),
        };
        // A plan already parsed is found by its blob id, without reading it again.
        for path in candidates.iter().filter(|_| !is_outside(explicit)) {
            if let Some(id) = tree.blob_id(path)
                && let Some(plan) = self.plans.get(&(id, path.to_string()))
            {
                return Ok(Some(plan.clone()));
            }
        }
        locate(tree, explicit)
            .map(|(path, blob)| self.load_blob(&path, &blob))
            .transpose()
    }

    /// Loads a plan's blob found by [`locate`], through the cache.
    pub fn load_blob(
        &mut self,
        path: &str,
        blob: &crate::source::Blob,
    ) -> Result<Arc<Plan>, PlanError> {
        let key = (blob.id.clone(), path.to_string());
        if let Some(plan) = self.plans.get(&key) {
            return Ok(plan.clone());
        }
        let text = String::from_utf8_lossy(&blob.bytes);
        let plan = Arc::new(load(path, &text)?);
        self.plans.insert(key, plan.clone());
        Ok(plan)
    }
}

/// The largest plan read from outside the repository.
const OUTSIDE_LIMIT: u64 = 16 * 1024 * 1024;

/// `--plan PATH` as the engine takes it: a file outside the repository's
/// work tree becomes an absolute path, read from disk and used for both
/// sides and every commit (backtesting, a governance repository; DESIGN
/// §4); a file inside it becomes its path in the revision; anything else is
/// a path in the revision as written.
pub fn resolve_explicit(repo_dir: &std::path::Path, plan: &str) -> String {
    let Ok(abs) = std::fs::canonicalize(plan) else {
        return plan.to_string();
    };
    if !abs.is_file() {
        return plan.to_string();
    }
    let root = git2::Repository::discover(repo_dir)
        .ok()
        .and_then(|r| r.workdir().map(std::path::Path::to_path_buf))
        .and_then(|w| std::fs::canonicalize(w).ok())
        .or_else(|| std::fs::canonicalize(repo_dir).ok());
    match root.as_deref().and_then(|r| abs.strip_prefix(r).ok()) {
        Some(inside) => inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => abs.to_string_lossy().into_owned(),
    }
}

/// Reads a plan outside the repository (an absolute path), size-capped.
fn read_outside(path: &str) -> Option<crate::source::Blob> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(OUTSIDE_LIMIT).read_to_end(&mut bytes).ok()?;
    let id = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)
        .map(|o| o.to_string())
        .unwrap_or_default();
    Some(crate::source::Blob {
        id,
        size: bytes.len() as u64,
        bytes: Arc::from(bytes),
    })
}

/// Whether `--plan` names a plan outside the repository.
pub fn is_outside(explicit: Option<&str>) -> bool {
    explicit.is_some_and(|p| std::path::Path::new(p).is_absolute())
}

/// Where the plan of one side is, and its blob, without parsing it.
pub fn locate(tree: &dyn Tree, explicit: Option<&str>) -> Option<(String, crate::source::Blob)> {
    if let Some(p) = explicit.filter(|_| is_outside(explicit)) {
        return read_outside(p).map(|blob| (p.to_string(), blob));
    }
    let candidates: Vec<&str> = match explicit {
        Some(p) => vec![p],
        None => DEFAULT_PATHS.to_vec(),
    };
    candidates
        .into_iter()
        .find_map(|path| tree.read(path).map(|blob| (path.to_string(), blob)))
}
