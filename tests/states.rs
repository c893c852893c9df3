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
    // The database keeps its findings (CG102 existing), and the rename
    // itself is CG107: CloudFormation replaces a renamed DBInstance.
    let (code, r) = states("states/logical-id-rename");
    assert_eq!(code, 1, "{r}");
    assert!(has(&r, "CG102", "existing"), "{r}");
    assert!(!has(&r, "CG102", "introduced"), "{r}");
    assert!(has(&r, "CG107", "introduced"), "{r}");
}

#[test]
fn a_renamed_statefulset_is_replaced_and_a_resized_one_is_not() {
    let (code, r) = states("CG107/statefulset-renamed");
    assert_eq!(code, 1, "{r}");
    assert!(has(&r, "CG107", "introduced"), "{r}");
    let (code, r) = states("CG107/statefulset-kept");
    assert_eq!(code, 0, "{r}");
    assert!(!has(&r, "CG107", "introduced"), "{r}");
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
    // Raising replicas to the floor, spread over zones, resolves CG101.
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
    // The zone spread added with it resolves CG102 too (one replica is one zone).
    assert_eq!(r["summary"]["resolved"], 2, "{r}");
}

/// A repository without a plan: the backup schedule goes from daily to weekly.
fn planless_history() -> (tempfile::TempDir, tempfile::TempDir) {
    let scenario = common::fixtures().join("states/worsened-gap");
    let repo = tempfile::tempdir().expect("tmp");
    let d = repo.path();
    common::git(d, &["init", "-q", "-b", "main"]);
    common::copy_tree(&scenario.join("base"), d);
    std::fs::remove_file(d.join("continuity.yaml")).expect("rm plan");
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-qm", "Backups"]);
    std::fs::copy(
        scenario.join("head/deploy/payments/backup.yaml"),
        d.join("deploy/payments/backup.yaml"),
    )
    .expect("copy");
    common::git(d, &["commit", "-qam", "Weekly backups"]);
    let governance = tempfile::tempdir().expect("tmp");
    std::fs::copy(
        scenario.join("base/continuity.yaml"),
        governance.path().join("plan.yaml"),
    )
    .expect("copy plan");
    (repo, governance)
}

#[test]
fn a_plan_outside_the_repository_applies_to_both_sides() {
    let (repo, governance) = planless_history();
    let plan = governance.path().join("plan.yaml");
    let plan = plan.to_str().expect("utf-8 path");
    let (code, out, err) = common::run(
        repo.path(),
        &[
            "check",
            "--base",
            "HEAD~1",
            "--as-of",
            "2026-11-23",
            "--plan",
            plan,
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("CG201") && out.contains("was 13h"), "{out}");
}

#[test]
fn report_lists_what_it_could_not_assess_and_replays_with_an_outside_plan() {
    let (repo, governance) = planless_history();
    let d = repo.path();
    let range = ["report", "--range", "HEAD~1..HEAD", "--as-of", "2026-11-23"];
    // No plan anywhere: the one commit is listed as not assessed, exit 2.
    let (code, out, err) = common::run(d, &[&range[..], &["--format", "json"]].concat());
    assert_eq!(code, 2, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["not_assessed"].as_array().map(Vec::len), Some(1), "{v}");
    assert!(v["not_assessed"].to_string().contains("--plan"), "{v}");
    // Today's plan, kept outside, replays the history.
    let plan = governance.path().join("plan.yaml");
    let plan = plan.to_str().expect("utf-8 path");
    let (code, out, err) = common::run(
        d,
        &[&range[..], &["--format", "json", "--plan", plan]].concat(),
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["changes"].as_array().map(Vec::len), Some(1), "{v}");
    assert!(
        v["changes"][0]["findings"].to_string().contains("CG201"),
        "{v}"
    );
}

#[test]
fn the_default_base_falls_back_to_master() {
    let scenario = common::fixtures().join("states/worsened-gap");
    let repo = tempfile::tempdir().expect("tmp");
    let d = repo.path();
    common::git(d, &["init", "-q", "-b", "master"]);
    common::copy_tree(&scenario.join("base"), d);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-qm", "Backups"]);
    common::git(d, &["checkout", "-qb", "weekly"]);
    std::fs::copy(
        scenario.join("head/deploy/payments/backup.yaml"),
        d.join("deploy/payments/backup.yaml"),
    )
    .expect("copy");
    common::git(d, &["commit", "-qam", "Weekly backups"]);
    let (code, out, err) = common::run(d, &["check", "--as-of", "2026-11-23"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("(master)") && out.contains("CG201"), "{out}");
}

#[test]
fn one_document_of_a_multi_document_file_touches_its_own_service() {
    let (code, r) = states("states/multi-document");
    assert_eq!(code, 0, "{r}");
    let affected: Vec<&str> = r["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter(|s| s["affected"] == true)
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(affected, ["loadgen"], "{r}");
}

#[test]
fn a_workload_moved_out_of_its_service_is_named_by_cg002_and_cg404() {
    let (_, r) = states("states/moved-out-of-service");
    let cg002 = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "CG002")
        .unwrap_or_else(|| panic!("no CG002: {r}"));
    assert_eq!(cg002["location"]["path"], "deploy/other/api.yaml", "{r}");
    assert!(
        cg002["message"]
            .as_str()
            .is_some_and(|m| m.contains("belonged to shop")),
        "{r}"
    );
    assert!(has(&r, "CG404", "introduced"), "{r}");
}

#[test]
fn a_waiver_from_before_the_change_does_not_cover_a_worse_value() {
    // Waived at 2 of 3 replicas; the change goes to 1: worsened, not waived.
    let (code, r) = states("states/waiver-worsened");
    assert_eq!(code, 1, "{r}");
    let cg101 = &r["findings"][0];
    assert_eq!(cg101["rule"], "CG101", "{r}");
    assert_eq!(cg101["state"], "worsened", "{r}");
    assert_eq!(cg101["waived"], false, "{r}");
}

#[test]
fn under_strict_an_inline_suppression_the_change_adds_does_not_apply() {
    // The change lowers replicas and suppresses the finding in one go.
    let repo = common::fixture_repo("CG406/with-reason");
    let (code, out, err) = common::check(repo.path(), &["--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = common::check(repo.path(), &["--strict", "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let r: Value = serde_json::from_str(&out).expect("JSON report");
    assert!(has(&r, "CG407", "introduced"), "{r}");
    assert!(
        r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "CG101" && f["waived"] == false),
        "{r}"
    );
}

#[test]
fn a_disabled_module_instance_is_not_judged() {
    // `create = false` makes `count = local.create && … ? 1 : 0` zero, even
    // when the rest of the condition is unknown (terraform-aws-rds's
    // `db_disabled` examples).
    let (code, r) = states("states/terraform-disabled-module");
    assert_eq!(code, 0, "{r}");
    assert!(!has(&r, "CG102", "introduced"), "{r}");
}

#[test]
fn a_base_beside_other_bases_is_read_through_its_overlay() {
    // `deploy/bases/web` is built by `deploy/overlays/prod`, not on its own:
    // lowering the HPA floor in the base is the service's, and blocks.
    let (code, r) = states("states/kustomize-sibling-bases");
    assert_eq!(code, 1, "{r}");
    assert!(has(&r, "CG101", "introduced"), "{r}");
    assert!(!has(&r, "CG002", "introduced"), "{r}");
}

#[test]
fn braces_in_a_block_scalar_are_text_not_a_template() {
    let (code, r) = states("kustomize/configmap-with-braces");
    assert_eq!(code, 1, "{r}");
    assert!(has(&r, "CG101", "introduced"), "{r}");
    assert!(!has(&r, "CG004", "introduced"), "{r}");
}

#[test]
fn terraform_moved_blocks_keep_renamed_resources_findings_existing() {
    // `moved { from = aws_db_instance.main  to = aws_db_instance.primary }`:
    // resized too much for similarity to pair them, the rename introduces
    // nothing; `archive` → `cold` turned single-zone, which is introduced.
    let (code, r) = states("states/terraform-moved");
    assert_eq!(code, 1, "{r}");
    let findings = r["findings"].as_array().expect("findings");
    let state_of = |service: &str, needle: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| {
                f["rule"] == "CG102"
                    && f["service"] == service
                    && f["message"].as_str().unwrap_or_default().contains(needle)
            })
            .map(|f| f["state"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(state_of("ledger", "primary"), ["existing"], "{r}");
    assert_eq!(state_of("ledger", "cold"), ["introduced"], "{r}");
    // A service selected by address: the moved block is its too.
    assert_eq!(
        state_of("reporting", "reports_replica"),
        ["existing"],
        "{r}"
    );
    assert_eq!(r["summary"]["resolved"], 0, "{r}");
    assert_eq!(r["summary"]["blocking"], 1, "{r}");
}

#[test]
fn an_ignored_kustomize_root_that_does_not_build_blocks_nothing() {
    // `app/tests/all` (ignored) includes the base and a component that does
    // not build; the base's change is read through `app/overlays/prod` only.
    let (code, r) = states("states/ignored-kustomize-root");
    assert_eq!(code, 0, "{r}");
    assert!(!has(&r, "CG004", "introduced"), "{r}");
}

#[test]
fn a_module_folder_belongs_to_the_services_whose_roots_call_it() {
    // `modules/db` is called by `envs/prod` (mapped): turning its database
    // single-zone is the ledger's, not an unmapped file (CG002).
    let (code, r) = states("states/terraform-module-input");
    assert_eq!(code, 1, "{r}");
    assert!(has(&r, "CG102", "introduced"), "{r}");
    assert!(!has(&r, "CG002", "introduced"), "{r}");
}

#[test]
fn a_binary_the_plan_maps_is_never_read() {
    // A mirror or partial clone may lack a large binary's blob; the check
    // never needs it (no reader reads a `.zip`), so it is no "could not
    // assess" (exit 2).
    let repo = common::fixture_repo("states/binary-beside-infra");
    let id = common::git(repo.path(), &["rev-parse", "feature:infra/db/seed.zip"]);
    let id = id.trim();
    let object = repo
        .path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    std::fs::remove_file(&object).expect("the blob is a loose object");
    let (code, out, err) = common::check(repo.path(), &["--all", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_tf_edit_that_changes_no_block_touches_no_service() {
    // A `required_version` bump and realigned `=` build nothing different.
    let (code, r) = states("states/terraform-version-bump");
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["summary"]["services_affected"], 0, "{r}");
}

#[test]
fn the_pr_comment_lists_a_relaxation_under_approvals() {
    let repo = common::fixture_repo("CG406/with-reason");
    let (_, out, err) = common::check(repo.path(), &["--format", "markdown"]);
    let at = out
        .find("### Approvals needed")
        .unwrap_or_else(|| panic!("{out}{err}"));
    assert!(
        out[at..].contains("the change adds an inline suppression of CG101"),
        "{out}"
    );
}
