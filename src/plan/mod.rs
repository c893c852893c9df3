//! The continuity plan (DESIGN §2): model, loading and validation, durations,
//! hours of operation.

pub mod de;
pub mod duration;
pub mod hours;
pub mod load;
pub mod model;
mod split;
pub mod strict;

pub use load::{PlanError, load};
pub use model::Plan;

use crate::source::Tree;
use std::collections::HashMap;
use std::sync::Arc;

/// Where the plan is looked for when `--plan` is not given.
pub const DEFAULT_PATHS: &[&str] = &["continuity.yaml", ".continuity/plan.yaml"];

/// Finds and reads the plan of one side: `Ok(None)` when there is none.
pub fn find(tree: &dyn Tree, explicit: Option<&str>) -> Result<Option<Plan>, PlanError> {
    let candidates: Vec<&str> = match explicit {
        Some(p) => vec![p],
        None => DEFAULT_PATHS.to_vec(),
    };
    for path in candidates {
        if let Some(blob) = tree.read(path) {
            let text = String::from_utf8_lossy(&blob.bytes);
            return load(path, &text).map(Some);
        }
    }
    Ok(None)
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
        for path in &candidates {
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

/// Where the plan of one side is, and its blob, without parsing it.
pub fn locate(tree: &dyn Tree, explicit: Option<&str>) -> Option<(String, crate::source::Blob)> {
    let candidates: Vec<&str> = match explicit {
        Some(p) => vec![p],
        None => DEFAULT_PATHS.to_vec(),
    };
    candidates
        .into_iter()
        .find_map(|path| tree.read(path).map(|blob| (path.to_string(), blob)))
}
