//! Correspondence of resources across base and head, and the state of a
//! finding (DESIGN §1.5 "Comparison").
//!
//! Resources correspond one to one, per kind: equal address first (duplicates
//! pair by path, then in order), then Terraform `moved` blocks, then
//! similarity ≥ 0.5 over their (field path, value) leaves, highest first.
//! Names, namespaces, labels, annotations, `status`, selectors, pod-template
//! labels, tags, `identifier` and CloudFormation `Metadata` are left out of
//! the leaves: a rename or a namespace move keeps its resource's identity.

use super::cache::{ParseCache, SourceStore};
use super::side::{SideCtx, path_exists};
use crate::facts::ServiceFacts;
use crate::readers::Resource;
use crate::readers::yaml::{Node, Value};
use crate::rules::Violation;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The least similarity for two resources of one kind to correspond.
pub const MIN_SIMILARITY: f64 = 0.5;

/// Above this many candidate pairs of one kind, similarity is not tried
/// (the unpaired resources count as added and deleted).
const MAX_SIMILARITY_PAIRS: usize = 250_000;

/// The state of a finding (DESIGN §1.5, §5 `state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// New in this change.
    Introduced,
    /// There at base and worse at head (by the rule's measure).
    Worsened,
    /// There at base and not worse.
    Existing,
    /// Only the resource's mapping to the service changed, or the plan is new.
    NewlyInScope,
    /// There at base and gone at head: fixed by the change.
    Resolved,
}

impl State {
    /// The name used in JSON and SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Introduced => "introduced",
            State::Worsened => "worsened",
            State::Existing => "existing",
            State::NewlyInScope => "newly-in-scope",
            State::Resolved => "resolved",
        }
    }

    /// Whether the change brought it (introduced or worsened): only these block.
    pub fn is_new(self) -> bool {
        matches!(self, State::Introduced | State::Worsened)
    }
}

/// Keys whose values never decide a resource's identity.
pub(crate) fn left_out(key: &str, depth: usize, parent: &str) -> bool {
    matches!(
        key,
        "labels"
            | "annotations"
            | "namespace"
            | "status"
            | "selector"
            | "tags"
            | "Tags"
            | "tags_all"
            | "identifier"
            | "identifier_prefix"
            | "Metadata"
            | "generateName"
            | "resourceVersion"
            | "uid"
    ) || (key == "name" && (depth == 0 || parent == "metadata"))
}

/// The (field path, value) leaves of a resource, names and labels left out.
pub fn leaves(r: &Resource) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    walk(&r.body, String::new(), 0, "", &mut out);
    out
}

pub(crate) fn walk(
    node: &Node,
    path: String,
    depth: usize,
    parent: &str,
    out: &mut BTreeSet<(String, String)>,
) {
    if depth > 64 {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.scalar_text().unwrap_or_default();
                if left_out(&key, depth, parent) {
                    continue;
                }
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(v, sub, depth + 1, &key, out);
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{path}[{i}]"), depth + 1, parent, out);
            }
        }
        Value::Null => {
            out.insert((path, "null".into()));
        }
        Value::Unknown(e) => {
            out.insert((path, format!("${{{e}}}")));
        }
        _ => {
            out.insert((path, node.scalar_text().unwrap_or_default()));
        }
    }
}

/// Shared leaves divided by the leaves of the larger resource.
pub fn similarity(a: &BTreeSet<(String, String)>, b: &BTreeSet<(String, String)>) -> f64 {
    let larger = a.len().max(b.len());
    if larger == 0 {
        return 0.0;
    }
    let shared = if a.len() <= b.len() {
        a.iter().filter(|l| b.contains(*l)).count()
    } else {
        b.iter().filter(|l| a.contains(*l)).count()
    };
    shared as f64 / larger as f64
}

/// Whether two nodes hold the same values, wherever they are written.
pub fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| same_value(ka, kb) && same_value(va, vb))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (x, y) => x == y && a.tag == b.tag,
    }
}

/// Which resources of each side differ from the other side's resource of
/// the same kind and address (all fields, names and labels included):
/// `(base mask, head mask)`, true for a changed, added or deleted resource.
pub fn changed_resources(base: &[Arc<Resource>], head: &[Arc<Resource>]) -> (Vec<bool>, Vec<bool>) {
    let mut by_address: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (j, h) in head.iter().enumerate() {
        by_address
            .entry((h.kind.as_str(), h.address.as_str()))
            .or_default()
            .push(j);
    }
    let mut base_changed = vec![true; base.len()];
    let mut head_changed = vec![true; head.len()];
    for (i, b) in base.iter().enumerate() {
        let Some(candidates) = by_address.get(&(b.kind.as_str(), b.address.as_str())) else {
            continue;
        };
        if let Some(&j) = candidates
            .iter()
            .find(|&&j| head_changed[j] && same_value(&b.body, &head[j].body))
        {
            base_changed[i] = false;
            head_changed[j] = false;
        }
    }
    (base_changed, head_changed)
}

/// Whether two resources have the same fields (names and labels aside).
pub fn same_fields(a: &Resource, b: &Resource) -> bool {
    a.kind == b.kind && leaves(a) == leaves(b)
}

/// Pairs of (base index, head index) of corresponding resources.
///
/// `moved` lists Terraform `moved { from, to }` blocks as (from, to) addresses.
pub fn correspond(
    base: &[Arc<Resource>],
    head: &[Arc<Resource>],
    moved: &[(String, String)],
) -> Vec<(usize, usize)> {
    let mut m = Matching {
        base,
        head,
        base_used: vec![false; base.len()],
        head_used: vec![false; head.len()],
        pairs: Vec::new(),
    };
    m.by_address();
    m.by_moved(moved);
    m.by_similarity();
    let mut pairs = m.pairs;
    pairs.sort_unstable();
    pairs
}

/// Base and head resources, which are paired so far, and the pairs.
struct Matching<'a> {
    base: &'a [Arc<Resource>],
    head: &'a [Arc<Resource>],
    base_used: Vec<bool>,
    head_used: Vec<bool>,
    pairs: Vec<(usize, usize)>,
}

impl Matching<'_> {
    /// Pairs base resource `i` with head resource `j`.
    fn pair(&mut self, i: usize, j: usize) {
        self.base_used[i] = true;
        self.head_used[j] = true;
        self.pairs.push((i, j));
    }

    /// Pairs by equal address (and kind): the same path first, then in order.
    fn by_address(&mut self) {
        let (base, head) = (self.base, self.head);
        let mut by_address: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, r) in base.iter().enumerate() {
            by_address
                .entry((r.kind.as_str(), r.address.as_str()))
                .or_default()
                .push(i);
        }
        for same_path in [true, false] {
            for (j, h) in head.iter().enumerate() {
                if self.head_used[j] {
                    continue;
                }
                let Some(candidates) = by_address.get(&(h.kind.as_str(), h.address.as_str()))
                else {
                    continue;
                };
                if let Some(&i) = candidates
                    .iter()
                    .find(|&&i| !self.base_used[i] && (!same_path || base[i].path == h.path))
                {
                    self.pair(i, j);
                }
            }
        }
    }

    /// Pairs by Terraform `moved` blocks: a resource's own address, or a
    /// module's (`module.old` → `module.new` moves every resource under it).
    fn by_moved(&mut self, moved: &[(String, String)]) {
        let (base, head) = (self.base, self.head);
        for (from, to) in moved {
            for (i, b) in base.iter().enumerate() {
                if self.base_used[i] {
                    continue;
                }
                let Some(wanted) = moved_address(from, to, &b.address) else {
                    continue;
                };
                let j = (0..head.len()).find(|&j| {
                    !self.head_used[j] && head[j].address == wanted && head[j].kind == b.kind
                });
                if let Some(j) = j {
                    self.pair(i, j);
                }
            }
        }
    }

    /// Pairs by similarity, per kind, highest first, ties by address.
    fn by_similarity(&mut self) {
        let (base, head) = (self.base, self.head);
        let mut kinds: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (i, r) in base.iter().enumerate().filter(|(i, _)| !self.base_used[*i]) {
            kinds.entry(r.kind.as_str()).or_default().0.push(i);
        }
        for (j, r) in head.iter().enumerate().filter(|(j, _)| !self.head_used[*j]) {
            kinds.entry(r.kind.as_str()).or_default().1.push(j);
        }
        for (bs, hs) in kinds.values() {
            if bs.is_empty() || hs.is_empty() || bs.len() * hs.len() > MAX_SIMILARITY_PAIRS {
                continue;
            }
            for (i, j) in self.scored(bs, hs) {
                if !self.base_used[i] && !self.head_used[j] {
                    self.pair(i, j);
                }
            }
        }
    }

    /// The pairs of `bs` × `hs` similar enough, most similar first, ties by address.
    fn scored(&self, bs: &[usize], hs: &[usize]) -> Vec<(usize, usize)> {
        let (base, head) = (self.base, self.head);
        let bl: Vec<_> = bs.iter().map(|&i| leaves(&base[i])).collect();
        let hl: Vec<_> = hs.iter().map(|&j| leaves(&head[j])).collect();
        let mut scored = Vec::new();
        for (x, &i) in bs.iter().enumerate() {
            for (y, &j) in hs.iter().enumerate() {
                let s = similarity(&bl[x], &hl[y]);
                if s >= MIN_SIMILARITY {
                    scored.push((s, i, j));
                }
            }
        }
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| base[a.1].address.cmp(&base[b.1].address))
                .then_with(|| head[a.2].address.cmp(&head[b.2].address))
        });
        scored.into_iter().map(|(_, i, j)| (i, j)).collect()
    }
}

/// Base address → head address, for the corresponding resources whose
/// address changed.
pub fn renames(
    base: &[Arc<Resource>],
    head: &[Arc<Resource>],
    moved: &[(String, String)],
) -> HashMap<String, String> {
    renames_of(base, head, &correspond(base, head, moved))
}

/// [`renames`] over pairs already computed.
fn renames_of(
    base: &[Arc<Resource>],
    head: &[Arc<Resource>],
    pairs: &[(usize, usize)],
) -> HashMap<String, String> {
    pairs
        .iter()
        .filter(|&&(i, j)| base[i].address != head[j].address)
        .map(|&(i, j)| (base[i].address.clone(), head[j].address.clone()))
        .collect()
}

/// Where a `moved { from, to }` block puts `address`: the block's own
/// resource, or one under a moved module (`module.old.x` → `module.new.x`).
fn moved_address(from: &str, to: &str, address: &str) -> Option<String> {
    let rest = address.strip_prefix(from)?;
    (rest.is_empty() || rest.starts_with('.')).then(|| format!("{to}{rest}"))
}

/// A base subject in head terms: each word that is a renamed base address
/// becomes the head address.
pub fn translate(subject: &str, renames: &HashMap<String, String>) -> String {
    if renames.is_empty() {
        return subject.to_string();
    }
    subject
        .split(' ')
        .map(|word| renames.get(word).map(String::as_str).unwrap_or(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first word of a subject: the resource's address, for most rules.
pub(crate) fn first_word(subject: &str) -> &str {
    subject.split(' ').next().unwrap_or(subject)
}

/// A violation's state and, when it was there at base, its base measure.
pub(crate) type Judged = (State, Option<u64>);

/// Violations with their states.
pub(crate) type JudgedViolations = Vec<(Violation, Judged)>;

/// One service's facts at both sides, compared (DESIGN §1.5 "Comparison").
pub(crate) struct Compared<'f> {
    pub(crate) base: &'f ServiceFacts,
    pub(crate) head: &'f ServiceFacts,
    /// No plan at base: every head violation is newly in scope.
    pub(crate) no_base_plan: bool,
    /// The service is in the head plan (else its removal is CG404's).
    pub(crate) head_has_service: bool,
    /// The Terraform `moved { from, to }` blocks of both sides (a block
    /// left in place after the move still names it).
    moved: Vec<(String, String)>,
    /// Corresponding (base, head) resources, computed once.
    pairs: Vec<(usize, usize)>,
}

impl<'f> Compared<'f> {
    /// The two sides of a service, their resources paired.
    pub(crate) fn new(
        base: &'f ServiceFacts,
        head: &'f ServiceFacts,
        no_base_plan: bool,
        head_has_service: bool,
    ) -> Compared<'f> {
        let mut moved = crate::readers::terraform::moved_pairs(&head.resources);
        moved.extend(crate::readers::terraform::moved_pairs(&base.resources));
        let pairs = correspond(&base.resources, &head.resources, &moved);
        Compared {
            base,
            head,
            no_base_plan,
            head_has_service,
            moved,
            pairs,
        }
    }

    /// Base address → head address, for the corresponding resources whose
    /// address changed.
    fn renames(&self) -> HashMap<String, String> {
        renames_of(&self.base.resources, &self.head.resources, &self.pairs)
    }

    /// Corresponding stateful resources (the base side's data stores, and
    /// StatefulSets and volumes) whose identity changes in a way their
    /// deployer executes as delete-and-create (DESIGN §1.5, CG107): a new
    /// address not carried by a `moved` block. For Kubernetes the identity is
    /// kind, namespace and name: the folder of the build that made it is not.
    pub(crate) fn replaced(&self) -> Vec<(&'f Resource, &'f Resource)> {
        let stores: BTreeSet<&str> = (self.base.stores.iter())
            .map(|s| s.address.as_str())
            .collect();
        let identity = |r: &'f Resource| -> &'f str {
            match r.file_kind {
                crate::readers::FileKind::Kubernetes => r
                    .address
                    .rsplit_once(':')
                    .map_or(r.address.as_str(), |(_, a)| a),
                _ => r.address.as_str(),
            }
        };
        let moved = |b: &Resource, h: &Resource| {
            (self.moved.iter()).any(|(from, to)| {
                moved_address(from, to, &b.address).is_some_and(|a| a == h.address)
            })
        };
        // The same block of a module folder read as an instance at one side
        // and bare at the other (a call that does not evaluate): not a
        // deployer's action.
        let one_block = |b: &Resource, h: &Resource| {
            let nested = |outer: &str, inner: &str| outer.ends_with(&format!(".{inner}"));
            b.file_kind == crate::readers::FileKind::Terraform
                && b.path == h.path
                && (nested(&b.address, &h.address) || nested(&h.address, &b.address))
        };
        let stateful_kinds = crate::rules::cg107_stateful_resource_replaced::STATEFUL_KINDS;
        let (base, head) = (
            self.base.resources.as_slice(),
            self.head.resources.as_slice(),
        );
        (self.pairs.iter())
            .map(|&(i, j)| (&*base[i], &*head[j]))
            .filter(|(b, h)| {
                let stateful = stores.contains(b.address.as_str())
                    || (b.file_kind == crate::readers::FileKind::Kubernetes
                        && stateful_kinds.contains(&b.kind.as_str()));
                stateful && identity(b) != identity(h) && !moved(b, h) && !one_block(b, h)
            })
            .collect()
    }

    /// Addresses of head resources the service did not have at base that
    /// stand unchanged in the same file at base: only their mapping to the
    /// service changed (a label added, a selector widened, a new entry).
    pub(crate) fn unchanged_outsiders(
        &self,
        base: &SideCtx,
        cache: &mut ParseCache,
        sources: &mut SourceStore,
    ) -> BTreeSet<String> {
        let paired: BTreeSet<usize> = self.pairs.iter().map(|&(_, j)| j).collect();
        let mut out = BTreeSet::new();
        for (j, r) in self.head.resources.iter().enumerate() {
            if paired.contains(&j) {
                continue;
            }
            let Some(read) = base.file(cache, sources, &r.path) else {
                continue;
            };
            if read.resources.iter().any(|b| same_fields(b, r)) {
                out.insert(r.address.clone());
            }
        }
        out
    }

    /// Whether a base violation about `address` cannot count as resolved:
    /// the service left the plan (CG404 speaks), the resource's file cannot
    /// be read at head (CG001: unknown is not fixed), or the resource still
    /// stands at head but no longer belongs to the service (CG002/CG404).
    pub(crate) fn not_resolved(
        &self,
        address: &str,
        head: &SideCtx,
        cache: &mut ParseCache,
        sources: &mut SourceStore,
    ) -> bool {
        if !self.head_has_service {
            return true;
        }
        let Some(r) = self.base.resources.iter().find(|r| r.address == address) else {
            return false;
        };
        if self.head.resources.iter().any(|h| h.address == address) {
            return false;
        }
        if path_exists(head.tree, &r.path) {
            return match head.file(cache, sources, &r.path) {
                Some(read) => {
                    read.read.error.is_some()
                        || read.read.not_assessed.is_some()
                        || read.resources.iter().any(|h| h.address == address)
                }
                None => true,
            };
        }
        false
    }

    /// The state of each head violation, and the base violations the change
    /// resolved. `counter` holds the violations of the base facts against the
    /// head targets: a head measure above theirs is worsened.
    pub(crate) fn states(
        &self,
        at_base: Vec<Violation>,
        at_head: Vec<Violation>,
        counter: Vec<Violation>,
        outsiders: &BTreeSet<String>,
    ) -> (JudgedViolations, JudgedViolations) {
        let renames = self.renames();
        let key = |v: &Violation| (v.rule, translate(&v.subject, &renames));
        let worst = |vs: &[Violation]| {
            let mut by: HashMap<(&'static str, String), u64> = HashMap::new();
            for v in vs {
                let m = by.entry(key(v)).or_insert(0);
                *m = (*m).max(v.measure);
            }
            by
        };
        let (base_by, counter_by) = (worst(&at_base), worst(&counter));
        let head_keys: BTreeSet<(&'static str, String)> = at_head
            .iter()
            .map(|v| (v.rule, v.subject.clone()))
            .collect();
        let judged = at_head
            .into_iter()
            .map(|mut v| {
                let k = (v.rule, v.subject.clone());
                let state = if self.no_base_plan {
                    (State::NewlyInScope, None)
                } else if let Some(&was) = base_by.get(&k) {
                    let before = counter_by.get(&k).copied().unwrap_or(0);
                    if v.measure > before {
                        v.message = format!(
                            "{} (worse than at base: {}, was {})",
                            v.message,
                            measure_text(v.rule, v.measure),
                            measure_text(v.rule, was)
                        );
                        (State::Worsened, Some(was))
                    } else {
                        (State::Existing, Some(was))
                    }
                } else if outsiders.contains(first_word(&v.subject)) {
                    (State::NewlyInScope, None)
                } else {
                    (State::Introduced, None)
                };
                (v, state)
            })
            .collect();
        let resolved = at_base
            .into_iter()
            .filter(|v| !self.no_base_plan && !head_keys.contains(&key(v)))
            .map(|v| {
                let was = v.measure;
                (v, (State::Resolved, Some(was)))
            })
            .collect();
        (judged, resolved)
    }
}

/// A measure in words, in the rule's unit (DESIGN §1.5).
pub(crate) fn measure_text(rule: &str, m: u64) -> String {
    let duration =
        |secs: u64| crate::rules::recovery::duration_text(i64::try_from(secs).unwrap_or(i64::MAX));
    match rule {
        "CG101" => format!("{m} short of the floor"),
        "CG104" | "CG105" | "CG201" => format!("{} over the target", duration(m)),
        "CG301" | "CG303" => format!("{} a year in hours", duration(m.saturating_mul(60))),
        "CG304" => format!(
            "{} of hours uncovered a year",
            duration(m.saturating_mul(60))
        ),
        "CG302" => format!("{m} replica-minutes short a year"),
        _ => format!("measure {m}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::FileKind;
    use crate::readers::Span;

    pub(crate) fn res(kind: &str, address: &str, path: &str, yaml: &str) -> Arc<Resource> {
        let body = crate::readers::yaml::parse_stream(yaml, Default::default())
            .expect("test YAML parses")
            .remove(0)
            .root;
        Arc::new(Resource {
            file_kind: FileKind::Kubernetes,
            kind: kind.into(),
            name: address.rsplit('/').next().unwrap_or(address).into(),
            namespace: None,
            address: address.into(),
            path: Arc::from(path),
            body,
            span: Span::default(),
            labels: BTreeMap::new(),
        })
    }

    const API: &str = "metadata:\n  name: api\n  namespace: prod\n  labels: {app: api}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api:1\n";

    #[test]
    pub(crate) fn a_namespace_move_corresponds() {
        let moved = API.replace("namespace: prod", "namespace: payments");
        let base = [res("Deployment", "Deployment/prod/api", "a.yaml", API)];
        let head = [res(
            "Deployment",
            "Deployment/payments/api",
            "a.yaml",
            &moved,
        )];
        assert_eq!(correspond(&base, &head, &[]), vec![(0, 0)]);
        let r = renames(&base, &head, &[]);
        assert_eq!(
            translate("Deployment/prod/api replicas", &r),
            "Deployment/payments/api replicas"
        );
        assert!(same_fields(&base[0], &head[0]));
    }

    #[test]
    pub(crate) fn different_resources_do_not_correspond() {
        let other = "metadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:7\n";
        let base = [res("Deployment", "Deployment/prod/api", "a.yaml", API)];
        let head = [res("Deployment", "Deployment/prod/web", "a.yaml", other)];
        assert!(correspond(&base, &head, &[]).is_empty());
    }

    #[test]
    pub(crate) fn equal_addresses_pair_first_and_moved_blocks_next() {
        let base = [
            res(
                "aws_db_instance",
                "aws_db_instance.a",
                "m.tf",
                "multi_az: true\n",
            ),
            res(
                "aws_db_instance",
                "aws_db_instance.old",
                "m.tf",
                "engine: pg\n",
            ),
        ];
        let head = [
            res(
                "aws_db_instance",
                "aws_db_instance.new",
                "m.tf",
                "engine: mysql\n",
            ),
            res(
                "aws_db_instance",
                "aws_db_instance.a",
                "m.tf",
                "multi_az: false\n",
            ),
        ];
        let moved = [(
            "aws_db_instance.old".to_string(),
            "aws_db_instance.new".to_string(),
        )];
        assert_eq!(correspond(&base, &head, &moved), vec![(0, 1), (1, 0)]);
        assert_eq!(correspond(&base, &head, &[]), vec![(0, 1)]);
    }

    #[test]
    pub(crate) fn a_moved_module_moves_every_resource_under_it() {
        let base = [
            res(
                "aws_db_instance",
                "module.old.aws_db_instance.this",
                "m.tf",
                "engine: pg\n",
            ),
            res(
                "aws_db_instance",
                "module.older.aws_db_instance.this",
                "m.tf",
                "engine: my\n",
            ),
        ];
        let head = [
            res(
                "aws_db_instance",
                "module.new.aws_db_instance.this",
                "m.tf",
                "engine: mssql\n",
            ),
            res(
                "aws_db_instance",
                "module.newer.aws_db_instance.this",
                "m.tf",
                "engine: ora\n",
            ),
        ];
        let moved = [("module.old".to_string(), "module.new".to_string())];
        assert_eq!(correspond(&base, &head, &moved), vec![(0, 0)]);
    }

    #[test]
    pub(crate) fn the_more_similar_candidate_wins() {
        let a = "spec:\n  replicas: 3\n  image: x\n  port: 80\n";
        let b = "spec:\n  replicas: 3\n  image: x\n  port: 81\n";
        let base = [res("Deployment", "Deployment/p/a", "a.yaml", a)];
        let head = [
            res("Deployment", "Deployment/p/b", "a.yaml", b),
            res("Deployment", "Deployment/p/c", "a.yaml", a),
        ];
        assert_eq!(correspond(&base, &head, &[]), vec![(0, 1)]);
    }

    #[test]
    pub(crate) fn states_that_block() {
        assert!(State::Introduced.is_new() && State::Worsened.is_new());
        assert!(
            !State::Existing.is_new() && !State::NewlyInScope.is_new() && !State::Resolved.is_new()
        );
    }
}
