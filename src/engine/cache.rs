//! Parse once per blob (DESIGN §1, "Cost"): the parse cache shared by
//! `check`, `status` and `report`, and the texts findings point into.

use super::Location;
use crate::facts::Loc;
use crate::plan::model::Plan;
use crate::readers::{self, FileRead, Resource};
use crate::source::{ChangeSet, Side, Tree};
use std::collections::HashMap;
use std::sync::Arc;

/// Texts of the files findings point into, by side and path.
#[derive(Clone, Debug, Default)]
pub struct SourceStore {
    pub(crate) texts: HashMap<(Side, Arc<str>), IndexedText>,
}

/// A file's text and the byte offset where each of its lines starts.
pub(crate) type IndexedText = (Arc<str>, Arc<[usize]>);

/// Byte offsets where each line starts.
pub(crate) fn line_starts(text: &str) -> Arc<[usize]> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

impl SourceStore {
    /// The text of a file at a side.
    pub fn text(&self, side: Side, path: &str) -> Option<&Arc<str>> {
        self.texts.get(&(side, Arc::from(path))).map(|(t, _)| t)
    }

    pub(crate) fn text_and_lines(&self, side: Side, path: &Arc<str>) -> Option<&IndexedText> {
        self.texts.get(&(side, path.clone()))
    }

    pub(crate) fn insert(&mut self, side: Side, path: Arc<str>, text: Arc<str>) {
        let lines = line_starts(&text);
        self.texts.insert((side, path), (text, lines));
    }

    pub(crate) fn locate(&self, loc: &Loc) -> Location {
        // A line index per file: plans of thousands of services get hundreds
        // of findings, and scanning from the top for each was quadratic.
        let (line, column) =
            self.text_and_lines(loc.side, &loc.path)
                .map_or((1, 1), |(t, starts)| {
                    let offset = loc.span.start.min(t.len());
                    let index = starts.partition_point(|&s| s <= offset).saturating_sub(1);
                    let start = starts.get(index).copied().unwrap_or(0);
                    let column = t.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
                    (index + 1, column)
                });
        Location {
            side: loc.side,
            path: loc.path.clone(),
            line,
            column,
            span: loc.span,
        }
    }
}

/// A file as read, its resources shared: every service and side that uses a
/// resource gets the same one instead of a copy of its tree. `read.resources`
/// is empty (they moved to `resources`), which is why there is no `Deref` to
/// [`FileRead`]: every use says which of the two it means.
pub(crate) struct Parsed {
    /// What the reader said; its `resources` are moved to [`Parsed::resources`].
    pub(crate) read: FileRead,
    pub(crate) resources: Vec<Arc<Resource>>,
    /// The text and its line index, when it is UTF-8 (for locations and snippets).
    pub(crate) text: Option<IndexedText>,
}

impl Parsed {
    /// A whole [`FileRead`] again (resources copied): for the few callers that
    /// need one, such as Terraform's reference resolution and discovery.
    pub(crate) fn to_file_read(&self) -> Arc<FileRead> {
        Arc::new(FileRead {
            resources: self.resources.iter().map(|r| (**r).clone()).collect(),
            ..self.read.clone()
        })
    }
}

/// Parses files once per blob id, across sides and commits.
#[derive(Default)]
pub struct ParseCache {
    pub(crate) reads: HashMap<String, Arc<Parsed>>,
    /// Plans, once per blob.
    pub plans: crate::plan::PlanCache,
}

impl ParseCache {
    /// The plan of one side (`--plan PATH`, else the default paths), parsed
    /// once per (blob id, path): `Ok(None)` when the side has none.
    pub fn plan(
        &mut self,
        tree: &dyn Tree,
        explicit: Option<&str>,
    ) -> Result<Option<Arc<Plan>>, crate::plan::PlanError> {
        self.plans.find(tree, explicit)
    }

    pub(crate) fn read(&mut self, path: &Arc<str>, blob: &crate::source::Blob) -> Arc<Parsed> {
        Self::read_into(&mut self.reads, path, blob)
    }

    /// A file of a tree, through the cache: a blob already parsed is found
    /// by its id, without reading its bytes again.
    pub(crate) fn read_path(&mut self, tree: &dyn Tree, path: &Arc<str>) -> Option<Arc<Parsed>> {
        if let Some(id) = tree.blob_id(path)
            && let Some(hit) = self.reads.get(&format!("{id}:{path}"))
        {
            return Some(hit.clone());
        }
        let blob = tree.read(path)?;
        Some(self.read(path, &blob))
    }

    pub(crate) fn read_into(
        reads: &mut HashMap<String, Arc<Parsed>>,
        path: &Arc<str>,
        blob: &crate::source::Blob,
    ) -> Arc<Parsed> {
        // The same blob under another path keeps its resources' paths right.
        let key = format!("{}:{}", blob.id, path);
        reads
            .entry(key)
            .or_insert_with(|| {
                let mut read = readers::read_blob(path, blob);
                let resources = std::mem::take(&mut read.resources)
                    .into_iter()
                    .map(Arc::new)
                    .collect();
                let text = std::str::from_utf8(&blob.bytes).ok().map(|t| {
                    let text: Arc<str> = Arc::from(t);
                    let lines = line_starts(&text);
                    (text, lines)
                });
                Arc::new(Parsed {
                    read,
                    resources,
                    text,
                })
            })
            .clone()
    }
}

impl ParseCache {
    /// Runs `f` with the plan cache on a second thread while this one reads
    /// computes the change set (`changes`: the tree diff, the costliest step
    /// of git's own) and then reads and parses the changed files of both
    /// sides into the cache (the engine reads exactly those first). On two cores the plan of a large
    /// monorepo, the biggest fixed cost of a check, then costs no wall time
    /// beyond the change's own files. The outcome does not depend on timing.
    pub(crate) fn with_plans_in_parallel<'c, R: Send, E>(
        &mut self,
        base: &dyn Tree,
        head: &dyn Tree,
        changes: impl FnOnce() -> Result<std::borrow::Cow<'c, ChangeSet>, E>,
        f: impl FnOnce(&mut crate::plan::PlanCache) -> R + Send,
    ) -> (R, Result<std::borrow::Cow<'c, ChangeSet>, E>) {
        let ParseCache { reads, plans } = self;
        std::thread::scope(|scope| {
            let plans = scope.spawn(|| f(plans));
            // The diff is computed here meanwhile, then its files are read.
            let changes = changes();
            let mut warm = |tree: &dyn Tree, path: &Option<String>| {
                if let Some(p) = path
                    && let Some(blob) = tree.read(p)
                {
                    let path: Arc<str> = Arc::from(p.as_str());
                    Self::read_into(reads, &path, &blob);
                }
            };
            if let Ok(changes) = &changes {
                for c in &changes.changes {
                    warm(base, &c.old_path);
                    warm(head, &c.new_path);
                }
            }
            let plans = plans
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (plans, changes)
        })
    }
}

impl SourceStore {
    /// A fact's location resolved to line and column.
    pub fn location(&self, loc: &Loc) -> Location {
        self.locate(loc)
    }
}

impl ParseCache {
    /// A file's reading at one side, parsed once per blob (shared with [`evaluate_side`]).
    pub fn read_blob(&mut self, path: &str, blob: &crate::source::Blob) -> Arc<FileRead> {
        self.read(&Arc::from(path), blob).to_file_read()
    }
}
