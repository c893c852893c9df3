//! The binary end to end: exit codes, messages, bad input.

mod common;

use common::{check, fixture_repo, git, run};
use std::path::Path;

fn write(dir: &Path, path: &str, text: &[u8]) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn demo_plan() -> String {
    std::fs::read_to_string(common::fixtures().join("CG101/replicas-lowered/base/continuity.yaml"))
        .expect("plan")
}

/// A repository on `main` with the plan and a healthy deployment committed.
fn base_repo() -> tempfile::TempDir {
    let root = common::fixtures().join("CG101/replicas-lowered");
    let dir = tempfile::tempdir().expect("tmp");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    common::copy_tree(&root.join("base"), dir.path());
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

#[test]
fn demo_in_directory_mode_fails_with_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, err) = run(
        root,
        &[
            "check",
            "--before",
            "fixtures/demo/base",
            "--after",
            "fixtures/demo/head",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("error[CG101]"), "{out}");
    assert!(out.contains("deploy/payments/api.yaml:8:13"), "{out}");
}

#[test]
fn explain_and_rules() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, _) = run(here, &["explain", "CG101"]);
    assert_eq!(code, 0);
    assert!(out.contains("## How to fix"));
    let (code, _, err) = run(here, &["explain", "CG999"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `CG999`"), "{err}");
    let (code, out, _) = run(here, &["rules"]);
    assert_eq!(code, 0);
    assert!(out.contains("CG101  replicas-below-minimum"), "{out}");
    let (code, _, _) = run(here, &["check", "--format", "yaml"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(here, &["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn plan_errors_exit_2_with_file_line_and_column() {
    let dir = base_repo();
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    write(
        dir.path(),
        "continuity.yaml",
        demo_plan().replace("rpo: 5m", "rpo: 5 minutes").as_bytes(),
    );
    git(dir.path(), &["commit", "-qam", "bad plan"]);
    let (code, _, err) = check(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("continuity.yaml:4:"), "{err}");
    assert!(err.contains("rpo"), "{err}");
    let (code, _, err) = run(dir.path(), &["plan", "validate"]);
    assert_eq!(code, 2);
    assert!(err.contains("continuity.yaml:4:"), "{err}");
    git(dir.path(), &["checkout", "-q", "main"]);
    let (code, out, _) = run(dir.path(), &["plan", "validate"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run(dir.path(), &["plan", "schema"]);
    assert_eq!(code, 0);
    assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
}

#[test]
fn missing_revision_and_unrelated_histories_exit_2() {
    let dir = fixture_repo("CG101/replicas-lowered");
    let (code, _, err) = run(
        dir.path(),
        &["check", "--base", "nope", "--head", "feature"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("`nope` not found"), "{err}");
    git(dir.path(), &["checkout", "-q", "--orphan", "other"]);
    git(dir.path(), &["commit", "-q", "-m", "unrelated"]);
    let (code, _, err) = run(dir.path(), &["check", "--base", "main", "--head", "other"]);
    assert_eq!(code, 2);
    assert!(err.contains("no common ancestor"), "{err}");
}

#[test]
fn shallow_clone_says_to_fetch_history() {
    let src = fixture_repo("CG101/replicas-lowered");
    let base = git(src.path(), &["rev-parse", "main"]);
    let clone = tempfile::tempdir().expect("tmp");
    let url = format!("file://{}", src.path().display());
    git(
        clone.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "c",
        ],
    );
    let c = clone.path().join("c");
    let (code, _, err) = run(&c, &["check", "--base", &base, "--head", "HEAD"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
}

#[test]
fn default_base_is_the_merge_base_with_main() {
    let dir = fixture_repo("CG101/replicas-lowered");
    let (code, out, err) = run(dir.path(), &["check", "--as-of", "2026-11-23"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("(main)"), "{out}");
    // main moves on after the branch point: the merge-base is still compared.
    git(dir.path(), &["checkout", "-q", "main"]);
    write(dir.path(), "README.md", b"moved on\n");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "main moves"]);
    git(dir.path(), &["checkout", "-q", "feature"]);
    let (code, out, _) = run(dir.path(), &["check", "--as-of", "2026-11-23"]);
    assert_eq!(code, 1);
    assert!(out.contains("merge-base of main and HEAD"), "{out}");
}

#[test]
fn renames_keep_existing_findings_existing() {
    let dir = fixture_repo("CG101/existing-not-introduced");
    git(dir.path(), &["config", "diff.renames", "false"]);
    git(
        dir.path(),
        &[
            "mv",
            "deploy/payments/api.yaml",
            "deploy/payments/api-deployment.yaml",
        ],
    );
    git(dir.path(), &["commit", "-qm", "move"]);
    let (code, out, err) = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // CG101 (1 replica of 3) and CG102 (one replica is one zone).
    assert_eq!(v["summary"]["existing"], 2, "{out}");
    assert_eq!(v["summary"]["errors"], 0, "{out}");
}

#[test]
fn staged_ignores_unstaged_edits() {
    let dir = base_repo();
    let api = "deploy/payments/api.yaml";
    let text = std::fs::read_to_string(dir.path().join(api)).expect("read");
    write(
        dir.path(),
        api,
        text.replace("replicas: 3", "replicas: 1").as_bytes(),
    );
    let (code, out, err) = run(dir.path(), &["check", "--staged", "--as-of", "2026-11-23"]);
    assert_eq!(code, 0, "unstaged edits must not count: {out}{err}");
    git(dir.path(), &["add", api]);
    let (code, out, _) = run(
        dir.path(),
        &[
            "check",
            "--staged",
            "--as-of",
            "2026-11-23",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["head"]["rev"], "index");
    assert_eq!(v["head"]["commit"], serde_json::Value::Null);
    // The work tree goes back to 3 but the index still says 1.
    write(dir.path(), api, text.as_bytes());
    let (code, _, _) = run(dir.path(), &["check", "--staged", "--as-of", "2026-11-23"]);
    assert_eq!(code, 1);
}

fn hostile(name: &str, content: &[u8]) -> (i32, String) {
    let dir = base_repo();
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    write(dir.path(), &format!("deploy/payments/{name}"), content);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "hostile"]);
    let start = std::time::Instant::now();
    let (code, out, err) = check(dir.path(), &[]);
    assert!(
        start.elapsed().as_secs() < 20,
        "{name} took {:?}",
        start.elapsed()
    );
    assert!(!err.contains("panicked"), "{err}");
    (code, out)
}

#[test]
fn hostile_files_are_cg001_not_crashes() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..15 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (code, out) = hostile("bomb.yaml", bomb.as_bytes());
    assert_eq!(code, 1);
    assert!(out.contains("CG001") && out.contains("alias"), "{out}");
    let (code, out) = hostile("deep.yaml", "[".repeat(100_000).as_bytes());
    assert_eq!(code, 1);
    assert!(
        out.contains("CG001")
            && (out.contains("nesting deeper") || out.contains("recursion limit")),
        "{out}"
    );
    let (code, out) = hostile("nul.yaml", b"kind: Deployment\0\nx: 1\n");
    assert_eq!(code, 1);
    assert!(out.contains("NUL"), "{out}");
    let (code, out) = hostile("latin1.yaml", b"name: caf\xe9\n");
    assert_eq!(code, 1);
    assert!(out.contains("not UTF-8"), "{out}");
    let (code, out) = hostile(
        "chart.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n",
    );
    assert_eq!(code, 1, "a mapped template is not assessed (CG004): {out}");
    assert!(out.contains("template") && out.contains("CG004"), "{out}");
    let (code, out) = hostile(
        "big.yaml",
        b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n",
    );
    assert_eq!(
        code, 1,
        "a mapped LFS pointer is not assessed (CG004): {out}"
    );
    assert!(out.contains("LFS") && out.contains("CG004"), "{out}");
}

#[test]
fn fail_on_and_determinism() {
    let dir = fixture_repo("CG103/pdb-deleted");
    let (code, _, _) = check(dir.path(), &[]);
    assert_eq!(code, 0, "a warning does not fail by default");
    let (code, _, _) = check(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);
    let dir = fixture_repo("CG101/replicas-lowered");
    let (code, _, _) = check(dir.path(), &["--fail-on", "never"]);
    assert_eq!(code, 0);
    let (_, a, _) = check(dir.path(), &["--format", "json"]);
    let (_, b, _) = check(dir.path(), &["--format", "json"]);
    assert_eq!(a, b);
    let out = dir.path().join("r.json");
    let arg = format!("json={}", out.display());
    let (code, human, _) = check(dir.path(), &["--format", "human", "--format", &arg]);
    assert_eq!(code, 1);
    assert!(human.contains("error[CG101]"));
    assert_eq!(std::fs::read_to_string(out).expect("written"), a);
}

#[test]
fn plan_deleted_at_head_exits_2() {
    let dir = base_repo();
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    git(dir.path(), &["rm", "-q", "continuity.yaml"]);
    git(dir.path(), &["commit", "-qm", "no plan"]);
    let (code, _, err) = check(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no continuity plan"), "{err}");
}

/// `--base main` where only `origin/main` exists (a CI checkout) names it.
#[test]
fn missing_local_branch_suggests_the_remote_tracking_one() {
    let src = fixture_repo("CG101/replicas-lowered");
    let clone = tempfile::tempdir().expect("tmp");
    let url = format!("file://{}", src.path().display());
    git(
        clone.path(),
        &["clone", "-q", "--branch", "feature", &url, "c"],
    );
    let c = clone.path().join("c");
    let (code, _, err) = run(&c, &["check", "--base", "main", "--head", "HEAD"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pass `--base origin/main`"), "{err}");
}

/// `--color`: `always` and `FORCE_COLOR` colour a pipe, `never` and
/// `NO_COLOR` do not; the flag wins over the environment.
#[test]
fn color_flag_and_environment() {
    let dir = fixture_repo("CG101/replicas-lowered");
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_continuity-guard"))
            .args(common::CHECK_MAIN_FEATURE)
            .args(args)
            .current_dir(dir.path())
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .envs(env.iter().copied())
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
    };
    assert!(!colored(&[], &[]), "a pipe is not coloured by default");
    assert!(colored(&["--color", "always"], &[]));
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(colored(&[], &[("FORCE_COLOR", "1")]));
    assert!(!colored(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(!colored(&[], &[("FORCE_COLOR", "0")]));
}

/// `explain` takes a name as well as a code; `rules --format json` lists
/// every rule; a plan error points at its place once.
#[test]
fn explain_by_name_rules_as_json_and_one_pointer_per_plan_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, by_name, _) = run(dir.path(), &["explain", "replicas-below-minimum"]);
    assert_eq!(code, 0);
    let (_, by_code, _) = run(dir.path(), &["explain", "CG101"]);
    assert_eq!(by_name, by_code);
    let (code, json, _) = run(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let rules = rules.as_array().expect("an array");
    assert_eq!(rules.len(), continuity_guard::rules::RULES.len());
    assert_eq!(rules[0]["code"], "CG001");
    write(dir.path(), "continuity.yaml", b"version: 1\nservices: [\n");
    let (code, _, err) = run(dir.path(), &["plan", "validate"]);
    assert_eq!(code, 2);
    assert_eq!(err.matches("-->").count(), 1, "{err}");
}

/// `plan validate` reports every error of the plan in one run, in file
/// order (the services are listed out of alphabetical order on purpose).
#[test]
fn plan_validate_reports_every_error_in_file_order() {
    let plan = common::fixtures().join("plan-validate/many-errors/continuity.yaml");
    let dir = tempfile::tempdir().expect("tmp");
    let (code, _, err) = run(
        dir.path(),
        &["plan", "validate", &plan.display().to_string()],
    );
    assert_eq!(code, 2, "{err}");
    let titles: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("error: invalid continuity plan: "))
        .collect();
    let expected = [
        "unknown time zone",
        "rto: bad duration `1x`",
        "bad hours: time `25:00`",
        "unknown tier `bronze`",
        "unknown rule `CG999`",
        "unknown severity `loud`",
        "freeze ends before it starts",
        "waiver names service `ghost`",
    ];
    assert_eq!(titles.len(), expected.len(), "{err}");
    for (title, want) in titles.iter().zip(expected) {
        assert!(title.starts_with(want), "{title} is not {want}:\n{err}");
    }
    assert_eq!(err.matches("-->").count(), expected.len(), "{err}");
    assert!(err.contains(": 8 errors"), "{err}");
}
