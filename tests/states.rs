//! The state of each finding (DESIGN §1.5 "Comparison"): a refactor or an
//! improvement blocks nothing, a worse value is `worsened`, a label that only
//! widens a service's scope is `newly-in-scope`.

mod common;

use serde_json::Value;

/// Exit code and the JSON report of `check --all` on a fixture scenario.
fn states(name: &str) -> (i32, Value) {
    let repo = common::fixture_repo(name);
    let (code, out, err) = common::check(repo.path(), &["--all", "--format", "json"]);
    assert!(code == 0 || code == 1, "{name}: exit {code}: {err}");
    (code, serde_json::from_str(&out).expect("JSON report"))
}

/// (rule, state) of every finding.
fn pairs(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn has(report: &Value, rule: &str, state: &str) -> bool {
    pairs(report).iter().any(|(r, s)| r == rule && s == state)
}

#[test]
fn a_namespace_move_keeps_its_findings_existing() {
    let (code, r) = states("states/namespace-move");
    assert_eq!(code, 0, "{r}");
    assert!(has(&r, "CG101", "existing"), "{r}");
    assert!(!pairs(&r).iter().any(|(_, s)| s == "introduced"), "{r}");
}

#[test]
fn a_logical_id_rename_keeps_its_findings_existing() {
    let (code, r) = states("states/logical-id-rename");
    assert_eq!(code, 0, "{r}");
    assert!(has(&r, "CG102", "existing"), "{r}");
}

#[test]
fn a_label_that_widens_the_scope_is_newly_in_scope() {
    let (code, r) = states("states/label-scope");
    assert_eq!(code, 0, "{r}");
    assert!(has(&r, "CG101", "newly-in-scope"), "{r}");
    assert_eq!(r["summary"]["blocking"], 0, "{r}");
}

#[test]
fn a_longer_gap_is_worsened_with_the_base_measure() {
    let (code, r) = states("states/worsened-gap");
    assert_eq!(code, 1, "{r}");
    let f = r["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["rule"] == "CG201"))
        .expect("CG201");
    assert_eq!(f["state"], "worsened", "{f}");
    assert_eq!(f["introduced"], true, "{f}");
    // Daily at base against a 12 h RPO: 13 h over (the autumn night's 25 h gap).
    assert_eq!(f["base_measure"], 13 * 3600, "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("was 13h"),
        "{f}"
    );
    assert_eq!(r["summary"]["worsened"], 1, "{r}");
}

#[test]
fn a_shorter_gap_still_over_the_target_is_existing() {
    let (code, r) = states("states/improved-gap");
    assert_eq!(code, 0, "{r}");
    assert!(has(&r, "CG201", "existing"), "{r}");
}

#[test]
fn resolved_findings_are_listed_at_base() {
    // Raising replicas to the floor (spread over zones) resolves CG101.
    let dir = common::fixtures().join("states/namespace-move");
    let fixed = tempfile::tempdir().expect("tmp");
    common::copy_tree(&dir.join("head"), fixed.path());
    let api = fixed.path().join("deploy/payments/api.yaml");
    let text = std::fs::read_to_string(&api).expect("api.yaml");
    let spread = "    spec:\n      topologySpreadConstraints:\n        - { maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: { matchLabels: { app: api } } }\n";
    let fixed_text = text
        .replace("replicas: 1", "replicas: 3")
        .replace("    spec:\n", spread);
    std::fs::write(&api, fixed_text).expect("write");
    let repo = common::repo_from(&dir.join("head"), fixed.path());
    let (code, out, err) = common::check(repo.path(), &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).expect("JSON");
    let f = r["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["rule"] == "CG101"))
        .expect("a resolved CG101");
    assert_eq!(f["state"], "resolved", "{f}");
    assert_eq!(f["location"]["side"], "base", "{f}");
    assert_eq!(r["summary"]["resolved"], 1, "{r}");
}
