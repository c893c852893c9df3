//! The validated continuity plan: every invariant holds (durations parsed,
//! tiers and dependencies resolved, no cycles), and every value keeps the span
//! of the plan text it came from.

use crate::readers::Span;
use globset::{Glob, GlobSet};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// A set of globs, validated when the plan is read and compiled on first use.
///
/// Compiling a `GlobSet` builds automata; a plan of 2,000 services would
/// spend most of a check compiling sets of services the change never asks
/// about, so each set is compiled only when a path is matched against it.
#[derive(Clone, Debug, Default)]
pub struct LazyGlobSet {
    patterns: Vec<String>,
    literal_separator: bool,
    /// When every glob is `folder/**` (the usual `paths` entry): the folders,
    /// matched as prefixes without compiling anything.
    folders: Option<Vec<String>>,
    compiled: OnceLock<Option<GlobSet>>,
}

/// The longest glob a plan (or CODEOWNERS) may hold, in bytes.
pub const MAX_GLOB_BYTES: usize = 1024;

/// The deepest `{…}` nesting a glob may have. globset accepts any depth but
/// turns each level into a regex group, and compiling a glob past the regex
/// parser's nesting limit panics inside globset (`{a,{a,…}}` 130 deep).
pub const MAX_GLOB_NESTING: usize = 8;

/// A glob, refused when it is longer than [`MAX_GLOB_BYTES`] or nests braces
/// deeper than [`MAX_GLOB_NESTING`]; within those limits it always compiles.
/// The message never quotes the pattern (it may be long or hostile).
pub fn checked_glob(pattern: &str, literal_separator: bool) -> Result<Glob, String> {
    if pattern.len() > MAX_GLOB_BYTES {
        return Err(format!(
            "glob of {} bytes; at most {MAX_GLOB_BYTES} are accepted",
            pattern.len()
        ));
    }
    let (mut depth, mut deepest, mut escaped) = (0usize, 0usize, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_GLOB_NESTING {
        return Err(format!(
            "glob nests `{{…}}` {deepest} levels deep; at most {MAX_GLOB_NESTING} are accepted"
        ));
    }
    globset::GlobBuilder::new(pattern)
        .literal_separator(literal_separator)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// A matcher for one glob, without globset's panic on a regex it cannot
/// compile (`Glob::compile_matcher`): `None` then.
pub fn glob_matcher(glob: Glob) -> Option<GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    b.add(glob);
    b.build().ok()
}

fn glob(pattern: &str, literal_separator: bool) -> Result<Glob, String> {
    checked_glob(pattern, literal_separator)
}

/// `deploy/payments/` of `deploy/payments/**`, when the folder is literal.
fn literal_folder(pattern: &str) -> Option<&str> {
    let folder = pattern.strip_suffix("**")?;
    let special = |c: char| matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\');
    (folder.ends_with('/') && folder.len() > 1 && !folder.contains(special)).then_some(folder)
}

impl LazyGlobSet {
    /// Validates the patterns (each error names its pattern); compiles nothing.
    pub fn new(
        patterns: &[String],
        literal_separator: bool,
    ) -> Result<LazyGlobSet, (String, String)> {
        let folders: Option<Vec<String>> = patterns
            .iter()
            .map(|p| literal_folder(p).map(String::from))
            .collect();
        if folders.is_none() {
            for p in patterns {
                if literal_folder(p).is_none() {
                    glob(p, literal_separator).map_err(|e| (p.clone(), e))?;
                }
            }
        } else if let Some(p) = patterns.iter().find(|p| p.len() > MAX_GLOB_BYTES) {
            glob(p, literal_separator).map_err(|e| (p.clone(), e))?;
        }
        Ok(LazyGlobSet {
            patterns: patterns.to_vec(),
            literal_separator,
            folders,
            compiled: OnceLock::new(),
        })
    }

    /// Whether any glob matches.
    pub fn is_match(&self, candidate: &str) -> bool {
        if let Some(folders) = &self.folders {
            return folders.iter().any(|f| candidate.starts_with(f.as_str()));
        }
        let globs = || {
            self.patterns
                .iter()
                .filter_map(|p| glob(p, self.literal_separator).ok())
        };
        let compiled = self.compiled.get_or_init(|| {
            let mut b = globset::GlobSetBuilder::new();
            for g in globs() {
                b.add(g);
            }
            // Building fails only past the regex size limit, which globs that
            // parsed do not reach; then each glob is tried on its own.
            b.build().ok()
        });
        match compiled {
            Some(set) => set.is_match(candidate),
            None => globs().any(|g| glob_matcher(g).is_some_and(|m| m.is_match(candidate))),
        }
    }
}

/// A value with the span of the plan text that set it. Equality ignores the
/// span, so two plans compare equal when their values do.
#[derive(Clone, Debug)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it is written in the plan.
    pub span: Span,
}

impl<T: PartialEq> PartialEq for Sp<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// A recovery strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    /// Restore from backups onto new infrastructure.
    BackupRestore,
    /// A minimal copy runs; scale it up on failover.
    PilotLight,
    /// A scaled-down copy runs.
    WarmStandby,
    /// Every site serves traffic.
    ActiveActive,
}

impl Strategy {
    /// The plan's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::BackupRestore => "backup-restore",
            Strategy::PilotLight => "pilot-light",
            Strategy::WarmStandby => "warm-standby",
            Strategy::ActiveActive => "active-active",
        }
    }

    /// Parses the plan's spelling.
    pub fn parse(s: &str) -> Option<Strategy> {
        Some(match s {
            "backup-restore" => Strategy::BackupRestore,
            "pilot-light" => Strategy::PilotLight,
            "warm-standby" => Strategy::WarmStandby,
            "active-active" => Strategy::ActiveActive,
            _ => return None,
        })
    }
}

/// The targets of a service after its tier's values are applied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Targets {
    /// Recovery time objective, seconds.
    pub rto: Option<Sp<i64>>,
    /// Recovery point objective, seconds.
    pub rpo: Option<Sp<i64>>,
    /// Fewest replicas a workload may run (explicit; see [`Targets::min_replicas`]).
    pub min_replicas: Option<Sp<u32>>,
    /// Whether databases and groups must span zones.
    pub multi_az: Option<Sp<bool>>,
    /// How often the plan must be tested, seconds.
    pub test_every: Option<Sp<i64>>,
    /// Hours of operation, canonical text with zone.
    pub hours: Option<Sp<crate::plan::hours::Hours>>,
    /// Recovery strategy.
    pub strategy: Option<Sp<Strategy>>,
}

impl Targets {
    /// The effective minimum replicas: explicit, else 2 (1 for backup-restore).
    pub fn min_replicas(&self) -> u32 {
        match &self.min_replicas {
            Some(m) => m.value,
            None if self.strategy.as_ref().map(|s| s.value) == Some(Strategy::BackupRestore) => 1,
            None => 2,
        }
    }
}

/// A dependency of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    /// The service depended on.
    pub service: Sp<String>,
    /// Soft dependencies degrade the service but do not stop it.
    pub soft: bool,
}

/// What belongs to a service.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// Path globs.
    Paths {
        /// The patterns as written.
        patterns: Vec<String>,
        /// Compiled on first use.
        set: LazyGlobSet,
        /// The literal prefix of each pattern (the folder walked).
        prefixes: Vec<String>,
    },
    /// Kubernetes namespace and/or labels (all given must match).
    Kubernetes {
        /// Namespace.
        namespace: Option<String>,
        /// Labels.
        labels: BTreeMap<String, String>,
    },
    /// Terraform addresses (globs).
    Terraform {
        /// As written.
        patterns: Vec<String>,
        /// Compiled on first use.
        set: LazyGlobSet,
    },
    /// A Backstage entity ref, normalised `kind:namespace/name` lowercase.
    Catalog(String),
    /// Resource address globs, any reader (`compose/vote/*`).
    Resources {
        /// As written.
        patterns: Vec<String>,
        /// Compiled on first use.
        set: LazyGlobSet,
    },
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Matcher::Paths { patterns: a, .. }, Matcher::Paths { patterns: b, .. }) => a == b,
            (Matcher::Terraform { patterns: a, .. }, Matcher::Terraform { patterns: b, .. }) => {
                a == b
            }
            (
                Matcher::Kubernetes {
                    namespace: a,
                    labels: la,
                },
                Matcher::Kubernetes {
                    namespace: b,
                    labels: lb,
                },
            ) => a == b && la == lb,
            (Matcher::Catalog(a), Matcher::Catalog(b)) => a == b,
            (Matcher::Resources { patterns: a, .. }, Matcher::Resources { patterns: b, .. }) => {
                a == b
            }
            _ => false,
        }
    }
}

/// One service of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Its tier, if any.
    pub tier: Option<Sp<String>>,
    /// Targets, tier applied.
    pub targets: Targets,
    /// Dependencies.
    pub depends_on: Vec<Dependency>,
    /// The recovery plan document.
    pub recovery_plan: Option<Sp<String>>,
    /// When the plan was last tested.
    pub last_tested: Option<Sp<jiff::civil::Date>>,
    /// Owners to ask for approval.
    pub owners: Vec<String>,
    /// What belongs to it.
    pub matchers: Vec<Matcher>,
    /// The span of its entry (its name's value).
    pub span: Span,
}

/// A change freeze.
#[derive(Clone, Debug, PartialEq)]
pub struct Freeze {
    /// Name.
    pub name: String,
    /// First day.
    pub from: jiff::civil::Date,
    /// Last day (inclusive).
    pub to: jiff::civil::Date,
    /// Where.
    pub span: Span,
}

/// A severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Note,
    /// Should be looked at.
    Warning,
    /// Breaks a target.
    Error,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A waiver: an accepted risk.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiver {
    /// Rule code.
    pub rule: String,
    /// Service.
    pub service: String,
    /// Resource address glob, if any.
    pub resource: Option<String>,
    /// Why.
    pub reason: String,
    /// Who approved.
    pub approved_by: Option<String>,
    /// Last day it applies.
    pub expires: Sp<jiff::civil::Date>,
    /// Where the waiver is written.
    pub span: Span,
}

impl Waiver {
    /// Whether it covers a violation.
    pub fn covers(&self, rule: &str, service: &str, subject: &str) -> bool {
        if self.rule != rule || self.service != service {
            return false;
        }
        match &self.resource {
            None => true,
            Some(pattern) => {
                let address = subject.split(' ').next().unwrap_or(subject);
                checked_glob(pattern, false)
                    .ok()
                    .and_then(glob_matcher)
                    .is_some_and(|m| m.is_match(address))
            }
        }
    }

    /// Whether it has expired on `as_of`.
    pub fn expired(&self, as_of: jiff::civil::Date) -> bool {
        as_of > self.expires.value
    }
}

/// The validated plan.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Its path in the repository.
    pub path: Arc<str>,
    /// Its text.
    pub text: Arc<str>,
    /// Default zone for hours of operation.
    pub timezone: String,
    /// Services by name.
    pub services: BTreeMap<String, Service>,
    /// Restore throughput, bytes per second.
    pub restore_throughput: Option<Sp<u64>>,
    /// Added to every restore estimate, seconds.
    pub provisioning: Sp<i64>,
    /// Freezes.
    pub freezes: Vec<Freeze>,
    /// The roots that run, as `builds` names them (DESIGN §1a).
    pub builds: crate::readers::Builds,
    /// Ignored path globs, as written.
    pub ignore: Vec<String>,
    /// Compiled ignore globs.
    pub ignore_set: GlobSet,
    /// Severity overrides (`None` = off).
    pub rules: BTreeMap<String, Sp<Option<Severity>>>,
    /// Waivers.
    pub waivers: Vec<Waiver>,
}

impl Plan {
    /// An empty plan (a side that has none).
    pub fn empty(path: &str) -> Plan {
        Plan {
            path: Arc::from(path),
            text: Arc::from(""),
            timezone: "UTC".into(),
            services: BTreeMap::new(),
            restore_throughput: None,
            provisioning: Sp {
                value: 900,
                span: Span::default(),
            },
            freezes: Vec::new(),
            builds: crate::readers::Builds::default(),
            ignore: Vec::new(),
            ignore_set: GlobSet::empty(),
            rules: BTreeMap::new(),
            waivers: Vec::new(),
        }
    }

    /// Whether a path is ignored.
    pub fn is_ignored(&self, path: &str) -> bool {
        self.ignore_set.is_match(path)
    }

    /// The severity of a rule after overrides (`None` = off).
    pub fn severity(&self, code: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(code) {
            Some(s) => s.value,
            None => Some(default),
        }
    }

    /// Services that hard-depend on `name`, directly or through others.
    pub fn hard_dependents(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut todo = vec![name.to_string()];
        while let Some(n) = todo.pop() {
            for s in self.services.values() {
                let depends = s.depends_on.iter().any(|d| !d.soft && d.service.value == n);
                if depends && s.name != name && !out.contains(&s.name) {
                    out.push(s.name.clone());
                    todo.push(s.name.clone());
                }
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_glob_set_matches_like_globset() {
        let patterns = [
            "deploy/payments/**",
            "a/**",
            "a/b/**",
            "**/x.yaml",
            "a/*/c/**",
            "a\\*/**",
            "a/**/b",
            "/**",
            "a/{b,c}/**",
        ];
        let paths = [
            "a",
            "a/",
            "a/b",
            "a/b/c",
            "a/b/c/d.yaml",
            "ab/c",
            "deploy/payments/x.yaml",
            "deploy/payments/",
            "deploy/paymentsx/y",
            "b/x.yaml",
            "x.yaml",
            "a*/q",
            "a/c/q",
            "/a",
            "/",
        ];
        for separator in [true, false] {
            for p in patterns {
                let lazy = LazyGlobSet::new(&[p.to_string()], separator).expect("valid");
                let matcher = glob(p, separator).expect("valid").compile_matcher();
                for path in paths {
                    assert_eq!(
                        lazy.is_match(path),
                        matcher.is_match(path),
                        "{p} on {path} (literal_separator {separator})"
                    );
                }
            }
        }
    }
}
