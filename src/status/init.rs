//! `continuity-guard init`: a draft `continuity.yaml` from the services the
//! repository defines, with comments marking each decision a person must make
//! (tier, hours, RTO, RPO) and the facts found as hints.

use super::discover::{self, Discovered, UnitKind};
use crate::engine::ParseCache;
use crate::source::Tree;
use std::collections::{BTreeMap, BTreeSet};

/// Where CODEOWNERS is looked for, in GitHub's order.
const CODEOWNERS: &[&str] = &["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"];

/// CODEOWNERS rules, in file order (the last match wins).
struct Owners {
    rules: Vec<(globset::GlobSet, Vec<String>)>,
}

impl Owners {
    fn read(tree: &dyn Tree) -> Owners {
        let mut rules = Vec::new();
        let Some(blob) = CODEOWNERS.iter().find_map(|p| tree.read(p)) else {
            return Owners { rules };
        };
        let text = String::from_utf8_lossy(&blob.bytes);
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts
                .take_while(|p| !p.starts_with('#'))
                .map(str::to_string)
                .collect();
            // gitignore-like: anchored when it has a slash before its end.
            let trimmed = pattern.trim_end_matches('/');
            let anchored = trimmed.trim_start_matches('/');
            let mut glob = if pattern.starts_with('/') || anchored.contains('/') {
                anchored.to_string()
            } else {
                format!("**/{anchored}")
            };
            if pattern.ends_with('/') || !glob.ends_with("**") {
                // A folder pattern owns everything below it.
                glob = format!("{{{glob},{glob}/**}}");
            }
            // A rule whose glob is over the limits owns nothing (a draft's hint).
            if let Some(m) = crate::plan::model::checked_glob(&glob, true)
                .ok()
                .and_then(crate::plan::model::glob_matcher)
            {
                rules.push((m, owners));
            }
        }
        Owners { rules }
    }

    fn of(&self, path: &str) -> Vec<String> {
        self.rules
            .iter()
            .rev()
            .find(|(g, _)| g.is_match(path))
            .map(|(_, o)| o.clone())
            .unwrap_or_default()
    }
}

/// Text for a comment line: line breaks from the repository would end the comment.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A YAML key: plain when safe, quoted otherwise.
fn key(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"].contains(&s);
    if plain { s.to_string() } else { q(s) }
}

/// The facts of a discovered service, as hints: (availability, data).
fn hints(d: &Discovered) -> (String, String) {
    let f = d.facts();
    let mut run = Vec::new();
    match (f.min_floor(), f.workloads.len()) {
        (Some(1), _) => run.push("runs 1 replica".to_string()),
        (Some(n), 1) => run.push(format!("runs {n} replicas")),
        (Some(n), _) => run.push(format!("its smallest workload runs {n} replicas")),
        (None, _) => {}
    }
    let known: BTreeSet<&str> = f.workloads.iter().map(|w| w.address.as_str()).collect();
    for r in &f.resources {
        if crate::facts::kubernetes::WORKLOAD_KINDS.contains(&r.kind.as_str())
            && !known.contains(r.address.as_str())
        {
            run.push(format!("replicas of {} unreadable", r.address));
        }
    }
    if !f.workloads.is_empty() && f.workloads.iter().all(|w| !w.zone_spread) {
        run.push("no zone spread".into());
    }
    if f.stores
        .iter()
        .any(|s| s.multi_az.known() == Some(&false) || s.multi_az == crate::facts::Fact::Absent)
    {
        run.push("single-zone database".into());
    }
    for g in &f.groups {
        if g.zones.known().is_some_and(|z| *z <= 1) {
            run.push(format!("{} in one zone", g.display));
        }
    }
    let mut data = Vec::new();
    let stateful = f.resources.iter().any(|r| r.kind == "StatefulSet") || !f.stores.is_empty();
    match (stateful, f.backups.len()) {
        (true, 0) => data.push("no backups found".to_string()),
        (false, 0) => data.push("no data stores or backups found".to_string()),
        (_, n) => data.push(format!(
            "{n} backup source{}",
            if n == 1 { "" } else { "s" }
        )),
    }
    if run.is_empty() {
        run.push("no workloads, databases or groups found".into());
    }
    (run.join(", "), data.join(", "))
}

/// Escapes a path so a glob matches it literally.
fn literal(path: &str) -> String {
    globset::escape(path)
}

/// A service's dependencies by name: the edges kept, and those skipped.
type Edges<'d> = BTreeMap<&'d str, Vec<&'d str>>;

/// The catalog's dependencies between services, skipping any edge that would
/// close a cycle (the plan rejects cycles): (kept, skipped).
fn dependencies(discovery: &discover::Discovery) -> (Edges<'_>, Edges<'_>) {
    // Catalog refs → service names, for dependsOn.
    let by_entity: BTreeMap<&str, &str> = discovery
        .services
        .iter()
        .filter_map(|d| d.catalog().map(|c| (c.entity.as_str(), d.name.as_str())))
        .collect();
    let mut edges: Edges = BTreeMap::new();
    let mut skipped: Edges = BTreeMap::new();
    for d in &discovery.services {
        let Some(c) = d.catalog() else { continue };
        let targets: BTreeSet<&str> = c
            .depends_on
            .iter()
            .filter_map(|r| by_entity.get(r.as_str()).copied())
            .filter(|n| *n != d.name)
            .collect();
        for t in targets {
            if reaches(&edges, t, &d.name) {
                skipped.entry(d.name.as_str()).or_default().push(t);
            } else {
                edges.entry(d.name.as_str()).or_default().push(t);
            }
        }
    }
    (edges, skipped)
}

/// The draft's opening: how to use it, the version, timezone and tier examples.
const DRAFT_HEADER: &str = "# Draft continuity plan written by `continuity-guard init`.\n\
         # Every service below was discovered in this repository. With each service's\n\
         # owners, make the decisions marked DECIDE (tier, hours, RTO, RPO), then run\n\
         # `continuity-guard plan validate` and `continuity-guard status`.\n\
         # The plan's format: `continuity-guard plan schema`; the rules: `continuity-guard rules`.\n\
         version: 1\n\
         # DECIDE: the zone in which hours of operation are read.\n\
         timezone: UTC\n\
         # DECIDE: named policies the services pick with `tier:`, for example:\n\
         # tiers:\n\
         #   gold:   { rto: 1h,  rpo: 5m,  min_replicas: 3, multi_az: true, test_every: 180d }\n\
         #   silver: { rto: 4h,  rpo: 1h,  min_replicas: 2, test_every: 365d }\n\
         #   bronze: { rto: 24h, rpo: 24h }\n\
         # assumptions:\n\
         #   restore_throughput: 200MiB/s   # to estimate restore times from data sizes\n";

/// Writes the draft plan for a tree.
pub fn draft(tree: &dyn Tree) -> String {
    let mut cache = ParseCache::default();
    let discovery = discover::discover(tree, None, &mut cache);
    let owners = Owners::read(tree);
    let (edges, skipped) = dependencies(&discovery);

    let mut out = String::new();
    out.push_str(DRAFT_HEADER);
    if discovery.services.is_empty() {
        out.push_str("services: {}\n");
        return out;
    }
    out.push_str("services:\n");
    for d in &discovery.services {
        out.push_str(&format!("  {}:\n", key(&d.name)));
        draft_found(d, &mut out);
        draft_owners(d, &owners, &mut out);
        draft_depends(d, &edges, &skipped, &mut out);
        draft_match(d, &mut out);
    }
    draft_builds(tree, &discovery, &mut out);
    out
}

/// A service's units as found, its facts and the decisions to make (tier, hours, RTO, RPO).
fn draft_found(d: &Discovered, out: &mut String) {
    for u in &d.units {
        out.push_str(&format!(
            "    # found: {} {} ({})\n",
            u.kind.describe(),
            one_line(&u.id),
            one_line(u.files.iter().next().map_or("", String::as_str))
        ));
    }
    let (run, data) = hints(d);
    let (run, data) = (one_line(&run), one_line(&data));
    out.push_str(&format!("    # facts: {run}; {data}\n"));
    out.push_str(
        "    # DECIDE tier: which tier (once `tiers:` are defined), e.g. `tier: silver`\n",
    );
    out.push_str("    # DECIDE hours: when the service must run, e.g. `hours: \"Mon-Fri 08:00-18:00\"` or `hours: 24x7`\n");
    out.push_str(&format!(
        "    # DECIDE rto: the longest acceptable outage, e.g. `rto: 4h` (facts: {run})\n"
    ));
    out.push_str(&format!(
        "    # DECIDE rpo: the most data that may be lost, e.g. `rpo: 1h`; backups must run at least that often (facts: {data})\n"
    ));
}

/// A service's owners: the catalog's owner, else the first CODEOWNERS match of its files.
fn draft_owners(d: &Discovered, owners: &Owners, out: &mut String) {
    let owner_list: Vec<String> = match d.catalog().and_then(|c| c.owner.clone()) {
        Some(o) => vec![o],
        None => d
            .units
            .iter()
            .flat_map(|u| u.files.iter())
            .map(|f| owners.of(f))
            .find(|o| !o.is_empty())
            .unwrap_or_default(),
    };
    if owner_list.is_empty() {
        out.push_str("    # DECIDE owners: who approves changes, e.g. `owners: [\"@org/team\"]`\n");
    } else {
        let list: Vec<String> = owner_list.iter().map(|o| q(o)).collect();
        out.push_str(&format!("    owners: [{}]\n", list.join(", ")));
    }
}

/// A service's `depends_on` from the catalog, and the dependencies skipped as cycles.
fn draft_depends(d: &Discovered, edges: &Edges, skipped: &Edges, out: &mut String) {
    if let Some(deps) = edges.get(d.name.as_str()) {
        let list: Vec<String> = deps.iter().map(|n| key(n)).collect();
        out.push_str("    # from the catalog's spec.dependsOn; mark a dependency { service: x, soft: true } when the service runs without it\n");
        out.push_str(&format!("    depends_on: [{}]\n", list.join(", ")));
    }
    if let Some(deps) = skipped.get(d.name.as_str()) {
        out.push_str(&format!(
            "    # DECIDE: the catalog also says it depends on {}, which would close a dependency cycle\n",
            one_line(&deps.join(", "))
        ));
    }
}

/// A service's `match:` entries, one per unit.
fn draft_match(d: &Discovered, out: &mut String) {
    out.push_str("    match:\n");
    for u in &d.units {
        match u.kind {
            UnitKind::KubernetesNamespace => out.push_str(&format!(
                "      - kubernetes: {{ namespace: {} }}\n",
                q(&u.id)
            )),
            UnitKind::KubernetesWorkload
            | UnitKind::ComposeProject
            | UnitKind::CloudformationStack => {
                let files: Vec<String> = u.files.iter().map(|f| q(&literal(f))).collect();
                out.push_str(&format!("      - paths: [{}]\n", files.join(", ")));
            }
            UnitKind::TerraformRootModule => {
                let glob = if u.id.is_empty() {
                    "*.tf".to_string()
                } else {
                    format!("{}/*.tf", literal(&u.id))
                };
                out.push_str(&format!("      - paths: [{}]\n", q(&glob)));
            }
            UnitKind::CatalogComponent => {
                out.push_str(&format!("      - catalog: {}\n", q(&u.id)));
            }
            UnitKind::HelmChart => {
                let glob = if u.id.is_empty() {
                    "**".to_string()
                } else {
                    format!("{}/**", literal(&u.id))
                };
                out.push_str(&format!("      - paths: [{}]\n", q(&glob)));
            }
        }
    }
}

/// `builds` entries for the charts found (DESIGN §1a "Which roots run"),
/// with the chart's other values files as a decision to make.
fn draft_builds(tree: &dyn Tree, discovery: &discover::Discovery, out: &mut String) {
    let charts: BTreeSet<&str> = discovery
        .services
        .iter()
        .flat_map(|d| d.units.iter())
        .filter(|u| u.kind == UnitKind::HelmChart)
        .map(|u| u.id.as_str())
        .collect();
    if charts.is_empty() {
        return;
    }
    out.push_str("# The roots that run: each chart is rendered with its values.yaml and the values files listed.\nbuilds:\n");
    for dir in charts {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let others: Vec<String> = tree
            .list_under(&prefix)
            .into_iter()
            .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
            .filter(|p| !p.contains('/') && p.starts_with("values") && p != "values.yaml")
            .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
            .collect();
        if !others.is_empty() {
            out.push_str(&format!(
                "  # DECIDE: which values files production uses (found: {}), e.g. `values: [{}]`\n",
                one_line(&others.join(", ")),
                q(others
                    .iter()
                    .find(|v| v.contains("prod"))
                    .unwrap_or(&others[0]))
            ));
        }
        let shown = if dir.is_empty() { "." } else { dir };
        out.push_str(&format!("  - {{ helm: {} }}\n", q(shown)));
    }
}

fn reaches(edges: &BTreeMap<&str, Vec<&str>>, from: &str, to: &str) -> bool {
    let mut todo = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(n) = todo.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n) {
            todo.extend(edges.get(n).into_iter().flatten().copied());
        }
    }
    false
}

/// `continuity-guard init` in a working directory: the draft, and where it
/// was written (`None` with `--print`). Refuses when a plan exists and
/// `force` is false; nothing is written then.
pub fn run(
    dir: &std::path::Path,
    print: bool,
    force: bool,
) -> Result<(String, Option<std::path::PathBuf>), String> {
    // In a git repository: the tracked (and staged) files, at the repository's
    // root, so build output and untracked scratch files are not "services".
    let repo = crate::source::git::open(dir).ok();
    let (text, dir) = match repo.as_ref().and_then(|r| r.workdir().map(|w| (r, w))) {
        Some((repo, root)) => {
            let tree = crate::source::git::IndexTree::new(repo).map_err(|e| e.to_string())?;
            (draft(&tree), root.to_path_buf())
        }
        None => {
            let tree = crate::source::dirs::DirTree::new(dir).map_err(|e| e.to_string())?;
            (draft(&tree), dir.to_path_buf())
        }
    };
    let dir = dir.as_path();
    if print {
        return Ok((text, None));
    }
    if !force
        && let Some(existing) = crate::plan::DEFAULT_PATHS
            .iter()
            .map(|p| dir.join(p))
            .find(|p| p.exists())
    {
        return Err(format!(
            "a plan already exists at {}; nothing written (use --force to overwrite it, or --print to see the draft)",
            existing.display()
        ));
    }
    let path = dir.join("continuity.yaml");
    std::fs::write(&path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((text, Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(one_line("a\nb\rc"), "a b c");
    }

    #[test]
    fn keys_are_quoted_when_needed() {
        assert_eq!(key("payments"), "payments");
        assert_eq!(key("1abc"), "\"1abc\"");
        assert_eq!(key("yes"), "\"yes\"");
    }
}
