//! `status` and `init` end to end on fixture repositories with known answers.

mod common;

use std::path::Path;

/// A repository with one commit holding a fixture tree.
fn repo_of(tree: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    common::git(d, &["init", "-q", "-b", "main"]);
    common::copy_tree(tree, d);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "--allow-empty", "-m", "estate"]);
    dir
}

fn estate() -> tempfile::TempDir {
    repo_of(&common::fixtures().join("status/estate"))
}

fn status(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["status", "--as-of", "2026-11-23"];
    args.extend_from_slice(extra);
    common::run(dir, &args)
}

/// Commit ids differ per run: replace them.
fn stable(text: &str, dir: &Path) -> String {
    let commit = common::git(dir, &["rev-parse", "HEAD"]);
    text.replace(&commit, "<commit>")
        .replace(commit.get(..12).unwrap_or(&commit), "<commit>")
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ filters => vec![(r#",?\n\s*"tzdb": "[^"]*""#, "")], snapshot_path => Path::new("snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn kpis_and_verdicts_of_the_estate() {
    let repo = estate();
    let (code, out, err) = status(repo.path(), &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["schema"], "continuity-guard/status/v1");
    let k = &v["kpis"];
    let ratio = |name: &str| {
        (
            k[name]["numerator"].as_u64().unwrap_or(99),
            k[name]["denominator"].as_u64().unwrap_or(99),
        )
    };
    // Six discovered services (payments, ledger, reports, search, billing,
    // network), four in the plan, three of them with RTO, RPO and hours.
    assert_eq!(ratio("services_with_targets"), (3, 6));
    assert_eq!(k["services_with_targets"]["percent"], 50.0);
    // Ten targets: payments' RTO and hours kept automatically; ledger's RTO
    // (CG101) and RPO (no backups) not kept.
    assert_eq!(ratio("targets_kept_automatically"), (2, 10));
    assert_eq!(ratio("targets_not_kept"), (2, 10));
    // payments on time; ledger overdue; reports never tested.
    assert_eq!(ratio("services_tested_on_time"), (1, 3));
    assert_eq!(k["services_tested_on_time"]["percent"], 33.3);

    let verdicts: Vec<(String, String, String, String)> = v["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| {
            let get = |t: &str| {
                s["verdicts"][t]["verdict"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            };
            (
                s["name"].as_str().unwrap_or("").to_string(),
                get("rto"),
                get("rpo"),
                get("hours"),
            )
        })
        .collect();
    let expect = |n: &str, a: &str, b: &str, c: &str| (n.into(), a.into(), b.into(), c.into());
    assert_eq!(
        verdicts,
        vec![
            expect("ledger", "not-kept", "not-kept", "kept-by-recovery"),
            expect(
                "payments",
                "kept-automatically",
                "unknown",
                "kept-automatically"
            ),
            expect("reports", "kept-by-recovery", "unknown", "kept-by-recovery"),
            // The replicas are an expression: unknown, never kept.
            expect("search", "unknown", "no-target", "no-target"),
        ]
    );
    let ledger = &v["services"][0];
    assert_eq!(ledger["test"]["overdue"], true);
    // CG101 at the replicas; CG102 too (one replica is one zone).
    let reasons = ledger["verdicts"]["rto"]["reasons"]
        .as_array()
        .expect("reasons");
    let rules: Vec<&str> = reasons.iter().filter_map(|r| r["rule"].as_str()).collect();
    assert!(rules.contains(&"CG102"), "{rules:?}");
    let cg101 = reasons
        .iter()
        .find(|r| r["rule"] == "CG101")
        .expect("CG101");
    assert_eq!(cg101["location"]["path"], "deploy/ledger/db.yaml");
    assert_eq!(cg101["location"]["line"], 12);
    assert_eq!(
        ledger["single_points_of_failure"][0]["address"],
        "StatefulSet/ledger/db"
    );
    let uncovered: Vec<&str> = v["coverage"]["uncovered"]
        .as_array()
        .expect("uncovered")
        .iter()
        .filter_map(|u| u["folder"].as_str())
        .collect();
    assert_eq!(uncovered, ["infra/", "legacy/"]);
}

#[test]
fn snapshots_of_every_text_format() {
    let repo = estate();
    for (fmt, name) in [
        ("human", "status__estate__human"),
        ("markdown", "status__estate__markdown"),
        ("json", "status__estate__json"),
    ] {
        let (code, out, err) = status(repo.path(), &["--format", fmt]);
        assert_eq!(code, 0, "{err}");
        snapshot(name, &stable(&out, repo.path()));
    }
}

#[test]
fn output_is_deterministic_and_dir_matches_rev() {
    let repo = estate();
    let (_, a, _) = status(repo.path(), &["--format", "json"]);
    let (_, b, _) = status(repo.path(), &["--format", "json", "--rev", "main"]);
    assert_eq!(a.replace("\"HEAD\"", "\"main\""), b);
    let dir = common::fixtures().join("status/estate");
    let dir_arg = dir.to_string_lossy().to_string();
    let (code, c, err) = status(repo.path(), &["--format", "json", "--dir", &dir_arg]);
    assert_eq!(code, 0, "{err}");
    let kpis = |t: &str| {
        let v: serde_json::Value = serde_json::from_str(t).expect("json");
        (
            v["kpis"].clone(),
            v["services"].clone(),
            v["coverage"].clone(),
        )
    };
    assert_eq!(kpis(&a), kpis(&c));
}

#[test]
fn output_file_and_exit_codes() {
    let repo = estate();
    let out = repo.path().join("status.md");
    let out_arg = out.to_string_lossy().to_string();
    let (code, stdout, _) = status(repo.path(), &["--format", "markdown", "--output", &out_arg]);
    assert_eq!(code, 0);
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.starts_with("# Continuity status"));
    // A revision that does not exist: cannot assess.
    let (code, _, err) = status(repo.path(), &["--rev", "nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn invalid_plan_is_exit_2_with_its_line() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("continuity.yaml"),
        "version: 1\nservices:\n  a:\n    rto: soon\n",
    )
    .expect("write");
    let d = dir.path().to_string_lossy().to_string();
    let (code, _, err) = status(dir.path(), &["--dir", &d]);
    assert_eq!(code, 2);
    assert!(err.contains("continuity.yaml:4"), "{err}");
}

#[test]
fn terraform_variables_resolve_as_in_check() {
    // `status` reads `var.x` through defaults and terraform.tfvars, as `check` does.
    let dir = tempfile::tempdir().expect("tmp");
    let write = |path: &str, text: &str| {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "continuity.yaml",
        "version: 1\nservices:\n  db:\n    rto: 1h\n    rpo: 5m\n    multi_az: true\n    match: [{ paths: [\"db/**\"] }]\n",
    );
    write(
        "db/main.tf",
        "variable \"multi_az\" {\n  default = false\n}\nresource \"aws_db_instance\" \"x\" {\n  multi_az = var.multi_az\n  backup_retention_period = 7\n}\n",
    );
    write("db/terraform.tfvars", "multi_az = true\n");
    let d = dir.path().to_string_lossy().to_string();
    let (code, out, err) = status(dir.path(), &["--dir", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("multi-AZ true"), "{out}");
    assert!(!out.contains("has no default"), "{out}");
}

#[test]
fn cloudformation_templates_are_discovered_stacks() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("stacks/orders/template.yaml");
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &p,
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {MultiAZ: false}\n",
    )
    .expect("write");
    let d = dir.path().to_string_lossy().to_string();
    let (code, out, err) = status(dir.path(), &["--dir", &d, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"cloudformation-stack\""), "{out}");
    assert!(out.contains("\"name\": \"orders\""), "{out}");
}

#[test]
fn without_a_plan_status_reports_coverage() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("k8s")).expect("mkdir");
    std::fs::write(
        dir.path().join("k8s/a.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\nspec: {replicas: 2}\n",
    )
    .expect("write");
    let d = dir.path().to_string_lossy().to_string();
    let (code, out, err) = status(dir.path(), &["--dir", &d, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["plan"], serde_json::Value::Null);
    assert_eq!(v["kpis"]["services_with_targets"]["denominator"], 1);
    assert_eq!(
        v["kpis"]["targets_kept_automatically"]["percent"],
        serde_json::Value::Null
    );
    assert!(v["notes"][0].as_str().unwrap_or("").contains("init"));
    assert_eq!(v["tzdb"], continuity_guard::tzdb::version());
}

/// A repository whose names carry markup.
fn hostile() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::create_dir_all(d.join("deploy")).expect("mkdir");
    std::fs::write(
        d.join("deploy/x.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"<img src=x onerror=alert(1)>\"\n  namespace: \"<script>alert(2)</script>\"\nspec:\n  replicas: 1\n",
    )
    .expect("write");
    std::fs::write(
        d.join("continuity.yaml"),
        "version: 1\nservices:\n  web:\n    rto: 1h\n    owners: [\"@evil <b>x</b>\"]\n    match:\n      - paths: [\"deploy/**\"]\n",
    )
    .expect("write");
    common::git(d, &["init", "-q", "-b", "main"]);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "-m", "x"]);
    dir
}

#[test]
fn html_is_self_contained_and_escaped() {
    let repo = hostile();
    let (code, html, err) = status(repo.path(), &["--format", "html"]);
    assert_eq!(code, 0, "{err}");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<img"), "unescaped markup");
    assert!(!html.contains("<script"), "unescaped markup");
    assert!(!html.contains("<b>"), "unescaped markup");
    assert!(html.contains("&lt;script&gt;"));
    for external in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!html.contains(external), "external asset: {external}");
    }
    let (_, md, _) = status(repo.path(), &["--format", "markdown"]);
    assert!(!md.contains("<img") && !md.contains("<script") && !md.contains("<b>"));
    assert!(md.contains("@\u{200B}evil"));
}

#[test]
fn html_renders_in_headless_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        common::skip("no /usr/bin/chromium (apt-get install chromium)");
        return;
    }
    let repo = estate();
    let page = repo.path().join("status.html");
    let page_arg = page.to_string_lossy().to_string();
    let (code, _, err) = status(repo.path(), &["--format", "html", "--output", &page_arg]);
    assert_eq!(code, 0, "{err}");
    let profile = tempfile::tempdir().expect("profile");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output();
    let Ok(out) = out else {
        common::skip("chromium does not start");
        return;
    };
    let dom = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || dom.trim().is_empty() {
        common::skip(&format!(
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
        return;
    }
    assert!(dom.contains("Continuity status"), "{dom}");
    assert!(dom.contains("services with targets"));
    assert!(dom.contains("3/6 (50.0%)"));
    assert!(dom.contains("class=\"badge not-kept\""));
    assert!(dom.contains("<svg"));
}

fn work_tree(tree: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    common::copy_tree(tree, dir.path());
    dir
}

#[test]
fn init_drafts_builds_for_charts_and_status_shows_their_workloads() {
    let dir = repo_of(&common::fixtures().join("helm/builds-values-prod/head"));
    let d = dir.path();
    let (code, printed, err) = common::run(d, &["init", "--print"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "# found: Helm chart deploy/shop (deploy/shop/Chart.yaml)",
        "# facts: runs 3 replicas",
        "- paths: [\"deploy/shop/**\"]",
        "\nbuilds:\n",
        "(found: values-dev.yaml, values-prod.yaml), e.g. `values: [\"values-prod.yaml\"]`",
        "  - { helm: \"deploy/shop\" }\n",
    ] {
        assert!(printed.contains(needle), "missing {needle}:\n{printed}");
    }
    // The plan's builds entry renders values-prod.yaml over values.yaml.
    let (code, out, err) = status(d, &[]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(
        out.contains("workload deploy/shop:Deployment/shop/web-shop: 2 replicas (spec.replicas), spread over zones  at deploy/shop/values-prod.yaml:2:15"),
        "{out}"
    );
    assert!(
        out.contains("coverage: 1 discovered service, 1 covered by the plan"),
        "{out}"
    );
}

#[test]
fn init_drafts_a_plan_that_validates_and_check_runs_with() {
    let dir = work_tree(&common::fixtures().join("status/estate"));
    let d = dir.path();
    std::fs::remove_file(d.join("continuity.yaml")).expect("rm");
    common::git(d, &["init", "-q", "-b", "main"]);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "-m", "estate"]);

    // Untracked files are not services.
    std::fs::create_dir_all(d.join("scratch")).expect("mkdir");
    std::fs::write(
        d.join("scratch/tmp.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: scratchpad}\n",
    )
    .expect("write");
    let (code, printed, err) = common::run(d, &["init", "--print"]);
    assert_eq!(code, 0, "{err}");
    assert!(!printed.contains("scratchpad"), "{printed}");
    std::fs::remove_dir_all(d.join("scratch")).expect("rm");
    assert!(
        !d.join("continuity.yaml").exists(),
        "--print writes nothing"
    );
    snapshot("status__init__estate", &printed);

    let (code, _, err) = common::run(d, &["init"]);
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(d.join("continuity.yaml")).expect("written");
    assert_eq!(written, printed);
    let (code, out, err) = common::run(d, &["plan", "validate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("valid, 6 services"), "{out}");
    for needle in [
        "owners: [\"group:payments-team\"]",
        "owners: [\"@acme/reports-team\"]",
        "depends_on: [ledger]",
        "- kubernetes: { namespace: \"payments\" }",
        "- catalog: \"component:default/payments\"",
        "- paths: [\"infra/network/*.tf\"]",
        "# DECIDE rto:",
        "# DECIDE rpo:",
        "# DECIDE hours:",
        "# DECIDE tier:",
        "runs 1 replica",
        "no backups found",
    ] {
        assert!(written.contains(needle), "missing {needle}:\n{written}");
    }

    // A second init refuses and changes nothing.
    let (code, _, err) = common::run(d, &["init"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("continuity.yaml")).expect("still there"),
        written
    );
    // --force overwrites.
    std::fs::write(d.join("continuity.yaml"), "version: 1\n").expect("write");
    let (code, _, err) = common::run(d, &["init", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("continuity.yaml")).expect("written"),
        written
    );

    // `check` right after init: the plan is committed on a branch.
    common::git(d, &["checkout", "-q", "-b", "feature"]);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "-m", "adopt continuity-guard"]);
    let (code, out, err) = common::check(d, &[]);
    assert!(code == 0 || code == 1, "check exit {code}: {err}");
    assert!(out.contains("continuity") || !out.is_empty(), "{out}");
    // And status reads the draft: every discovered service is covered.
    let (code, out, err) = status(d, &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let uncovered = v["coverage"]["discovered"]
        .as_array()
        .expect("discovered")
        .iter()
        .filter(|s| s["covered_by"].as_array().is_none_or(|c| c.is_empty()))
        .count();
    assert_eq!(uncovered, 0, "{out}");
    assert_eq!(v["coverage"]["uncovered_files"], 0, "{out}");
}

#[test]
fn init_breaks_catalog_cycles() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(
        d.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {owner: team-a, dependsOn: [component:b, resource:db, component:a]}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: b}\nspec: {owner: team-b, dependsOn: [component:default/A]}\n",
    )
    .expect("write");
    let (code, _, err) = common::run(d, &["init"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = common::run(d, &["plan", "validate"]);
    assert_eq!(code, 0, "{err}\n{out}");
    let text = std::fs::read_to_string(d.join("continuity.yaml")).expect("written");
    assert!(text.contains("depends_on: [b]"), "{text}");
    assert!(text.contains("would close a dependency cycle"), "{text}");
}

#[test]
fn odd_files_never_stop_status() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::create_dir_all(d.join("odd dir/ünï")).expect("mkdir");
    std::fs::write(d.join("odd dir/binary.yaml"), [0u8, 159, 146, 150, 0]).expect("write");
    std::fs::write(d.join("odd dir/broken.yaml"), "a: [1, 2\nb: {").expect("write");
    std::fs::write(
        d.join("odd dir/helm.yaml"),
        "replicas: {{ .Values.replicas }}\n",
    )
    .expect("write");
    std::fs::write(d.join("odd dir/ünï/deep.yaml"), "[".repeat(100_000)).expect("write");
    std::fs::write(d.join("odd dir/ünï/main.tf"), "resource \"x\" {").expect("write");
    std::fs::write(
        d.join("odd dir/docker-compose.yml"),
        "services: { web: [ image: nginx }\n",
    )
    .expect("write");
    std::fs::write(
        d.join("continuity.yaml"),
        "version: 1\nservices:\n  odd:\n    rto: 1h\n    rpo: 1h\n    hours: 24x7\n    match:\n      - paths: [\"odd dir/**\"]\n",
    )
    .expect("write");
    let arg = d.to_string_lossy().to_string();
    for fmt in ["human", "markdown", "json", "html"] {
        let (code, out, err) = status(d, &["--dir", &arg, "--format", fmt]);
        assert_eq!(code, 0, "{fmt}: {err}");
        assert!(!out.is_empty());
    }
    let (_, out, _) = status(d, &["--dir", &arg, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // Nothing readable runs: every set target is unknown, never kept.
    for t in ["rto", "rpo", "hours"] {
        assert_eq!(v["services"][0]["verdicts"][t]["verdict"], "unknown", "{t}");
    }
    let (code, _, err) = common::run(d, &["init", "--print"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_module_default_the_caller_overrides_is_never_kept() {
    let repo = repo_of(&common::fixtures().join("terraform/module-local/head"));
    let (_, out, err) = status(repo.path(), &[]);
    assert!(out.contains("RTO    not kept"), "{out}\n{err}");
    assert!(!out.contains("kept automatically\n"), "{out}");
    assert!(out.contains("terraform/ledger/main.tf:3:14"), "{out}");
}
