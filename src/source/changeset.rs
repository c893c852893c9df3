//! The changed paths between two sides.

/// How a path changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// New at head.
    Added,
    /// Changed content.
    Modified,
    /// Gone at head.
    Deleted,
    /// Moved (with git's similarity, 0–100).
    Renamed(u16),
}

/// One changed path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Status.
    pub status: Status,
    /// Path at base (absent for added files).
    pub old_path: Option<String>,
    /// Path at head (absent for deleted files).
    pub new_path: Option<String>,
}

impl Change {
    /// The path to show: head's, else base's.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or("")
    }
}

/// Every changed path, sorted by path.
#[derive(Clone, Debug, Default)]
pub struct ChangeSet {
    /// The changes.
    pub changes: Vec<Change>,
}

impl ChangeSet {
    /// Sorts for deterministic output.
    pub fn sorted(mut changes: Vec<Change>) -> ChangeSet {
        changes.sort_by(|a, b| a.path().cmp(b.path()).then(a.cmp(b)));
        ChangeSet { changes }
    }
}
