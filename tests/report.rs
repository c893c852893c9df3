//! `continuity-guard report`: fixture histories built with the git CLI
//! (merges touching different services, a waiver, a squash merge, a direct
//! commit, an unmapped file), snapshots of markdown and JSON, the HTML page
//! in headless Chromium when it is installed, errors, and a timed range of
//! many merges.

mod common;

use common::{git, run};
use std::path::Path;
use std::process::Command;

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// `git` with a given author and committer date.
fn git_at(dir: &Path, date: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const PLAN: &str = r#"version: 1
timezone: Europe/London
tiers:
  gold:   { rto: 1h,  rpo: 5m,  min_replicas: 3, multi_az: true, test_every: 180d }
  silver: { rto: 4h,  rpo: 1h,  min_replicas: 2, test_every: 365d }
  bronze: { rto: 24h, rpo: 24h }
services:
  payments:
    description: Money transfer between customer accounts
    tier: gold
    rto: 30m
    hours: "Mon-Fri 09:00-16:00"
    recovery_plan: docs/recovery/payments.md
    last_tested: 2026-01-10
    owners: ["@acme/payments"]
    match:
      - paths: ["deploy/payments/**"]
  statements:
    tier: silver
    hours: "Mon-Sat 07:00-20:00"
    recovery_plan: docs/recovery/statements.md
    last_tested: 2026-06-01
    owners: ["@acme/statements"]
    match:
      - kubernetes: { namespace: statements }
  reporting:
    description: Nightly regulatory reporting
    tier: bronze
    hours: "Mon-Fri 06:00-08:00 America/New_York"
    owners: ["@acme/finance-it"]
    match:
      - kubernetes: { namespace: reporting }
freezes:
  - { name: year-end, from: 2026-12-20, to: 2027-01-04 }
"#;

const WAIVER: &str = r#"waivers:
  - { rule: CG101, service: payments, resource: "Deployment/payments/canary-*",
      reason: "CAB-1234 canary runs one replica", approved_by: "@cab", expires: 2027-01-31 }
"#;

fn deployment(name: &str, namespace: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{ app: {name} }}\n  template:\n    metadata:\n      labels: {{ app: {name} }}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/{name}:1.0\n"
    )
}

fn pdb(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {{ app: {name} }}\n"
    )
}

fn cronjob(image: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: regulatory-report\n  namespace: reporting\nspec:\n  schedule: \"30 6 * * 1-5\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: report\n              image: {image}\n"
    )
}

/// Merges a branch made by `edit` into main with GitHub's message.
fn merge_pr(dir: &Path, number: u32, branch: &str, title: &str, edit: impl FnOnce(&Path)) {
    git(dir, &["checkout", "-q", "-b", branch]);
    edit(dir);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", title]);
    git(dir, &["checkout", "-q", "main"]);
    let message = format!("Merge pull request #{number} from acme/{branch}\n\n{title}");
    git(dir, &["merge", "-q", "--no-ff", branch, "-m", &message]);
}

/// The fixture history: `v1` is the starting point, `main` six changes later.
fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "continuity.yaml", PLAN);
    write(
        d,
        "deploy/payments/api.yaml",
        &deployment("payments-api", "payments", 3),
    );
    write(d, "docs/recovery/payments.md", "# Payments recovery\n");
    write(
        d,
        "deploy/statements/api.yaml",
        &deployment("statements-api", "statements", 2),
    );
    write(
        d,
        "deploy/statements/pdb.yaml",
        &pdb("statements-api", "statements"),
    );
    write(
        d,
        "deploy/reporting/job.yaml",
        &cronjob("registry.example.com/reporting:1.8"),
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "Initial platform"]);
    git(d, &["tag", "v1"]);
    // 1. A gold service drops to one replica: critical.
    merge_pr(
        d,
        101,
        "scale-down",
        "Scale the payments API down to one replica",
        |d| {
            write(
                d,
                "deploy/payments/api.yaml",
                &deployment("payments-api", "payments", 1),
            );
        },
    );
    // 2. A canary with one replica under a waiver: the CAB approves the waiver.
    merge_pr(
        d,
        102,
        "canary",
        "Payments canary under waiver CAB-1234",
        |d| {
            write(
                d,
                "deploy/payments/canary.yaml",
                &deployment("canary-api", "payments", 1),
            );
            write(d, "continuity.yaml", &format!("{PLAN}{WAIVER}"));
        },
    );
    // 3. A bronze service, repository text that must be escaped.
    merge_pr(
        d,
        103,
        "reporting-image",
        "Reporting: bump image <v1.9> | @here & more",
        |d| {
            write(
                d,
                "deploy/reporting/job.yaml",
                &cronjob("registry.example.com/reporting:1.9"),
            );
        },
    );
    // 4. A squash merge deleting a silver service's disruption budget.
    std::fs::remove_file(d.join("deploy/statements/pdb.yaml")).expect("rm");
    git(d, &["add", "-A"]);
    git(
        d,
        &[
            "commit",
            "-q",
            "-m",
            "Statements: drop the disruption budget (#104)",
        ],
    );
    // 5. A direct commit touching no service.
    write(
        d,
        "docs/recovery/payments.md",
        "# Payments recovery\n\nFail over to eu-west-2.\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "Runbook: fail-over region"]);
    // 6. An infrastructure file no service maps.
    merge_pr(d, 105, "misc", "Add the batch scheduler", |d| {
        write(
            d,
            "deploy/misc/scheduler.yaml",
            &deployment("scheduler", "batch", 2),
        );
    });
    dir
}

fn report(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["report", "--range", "v1..main", "--as-of", "2026-11-23"];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// Commit ids are stable (fixed dates and identity), but keep snapshots
/// readable across git versions by naming them by subject.
fn redact_commits(dir: &Path, text: &str) -> String {
    let log = git(dir, &["log", "--all", "--format=%H %s"]);
    let mut out = text.to_string();
    for line in log.lines() {
        let Some((id, subject)) = line.split_once(' ') else {
            continue;
        };
        let name: String = subject
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(40)
            .collect();
        out = out.replace(id, &format!("<{name}>"));
        out = out.replace(&id[..12], &format!("<{name}>"));
    }
    out
}

fn snap(name: &str, text: &str) {
    insta::with_settings!({ filters => vec![(r#",?\n\s*"tzdb": "[^"]*""#, "")], snapshot_path => Path::new("snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn markdown_and_json_with_a_window_inside_a_freeze_and_hours() {
    let repo = history();
    let d = repo.path();
    // Monday 2026-12-21 09:00 London: payments is open, the year-end freeze is on.
    let window = ["--window", "2026-12-21T08:30/2h"];
    let (code, md, err) = report(d, &[&window[..], &["--format", "markdown"]].concat());
    assert_eq!(code, 0, "{err}");
    snap("cab__history__markdown", &redact_commits(d, &md));
    let (code, json, err) = report(d, &[&window[..], &["--format", "json"]].concat());
    assert_eq!(code, 0, "{err}");
    snap("cab__history__json", &redact_commits(d, &json));

    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["schema"], "continuity-guard/cab/v1");
    assert_eq!(v["tzdb"], continuity_guard::tzdb::version());
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 6);
    let risks: Vec<&str> = changes
        .iter()
        .map(|c| c["risk"].as_str().expect("risk"))
        .collect();
    // #102's canary runs one replica: CG101 is waived, but one replica is
    // one zone (CG102, introduced) in a multi_az tier; it also grants its
    // own waiver (CG407, a warning).
    assert_eq!(
        risks,
        ["critical", "critical", "low", "medium", "medium", "low"]
    );
    let prs: Vec<Option<u64>> = changes.iter().map(|c| c["pull_request"].as_u64()).collect();
    assert_eq!(
        prs,
        [Some(101), Some(102), Some(103), Some(104), None, Some(105)]
    );
    assert_eq!(
        changes[3]["title"],
        "Statements: drop the disruption budget"
    );
    // The waiver makes the CAB an approver.
    let approvers: Vec<&str> = changes[1]["approvals"]
        .as_array()
        .expect("approvals")
        .iter()
        .map(|a| a["approver"].as_str().expect("approver"))
        .collect();
    assert_eq!(approvers, ["@acme/payments", "CAB"]);
    let reasons = changes[1]["approvals"][0]["reasons"].to_string();
    assert!(
        reasons.contains("plan relaxed: the plan adds a waiver"),
        "{reasons}"
    );
    // Judged as under --strict (DESIGN §4): the waiver the change grants
    // itself does not apply to it; CG407 asks for the approval.
    assert_eq!(changes[1]["waivers"], serde_json::json!([]));
    let canary_blocked = changes[1]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["rule"] == "CG101" && f["waived"] == false && f["introduced"] == true);
    assert!(canary_blocked, "{}", changes[1]);
    // The window: payments open and frozen, reporting neither open nor… but frozen.
    let ws = &changes[0]["window"]["services"][0];
    assert_eq!(ws["service"], "payments");
    assert_eq!(ws["inside_hours"], true);
    assert_eq!(ws["inside_freeze"], true);
    assert_eq!(
        ws["hours_overlap"][0]["local"],
        "Mon 2026-12-21 09:00–10:30 Europe/London"
    );
    let rep = &changes[2]["window"]["services"][0];
    assert_eq!(rep["service"], "reporting");
    assert_eq!(rep["inside_hours"], false);
    assert_eq!(rep["inside_freeze"], true);
    assert_eq!(v["summary"]["tests_overdue"][0], "payments");
    assert_eq!(
        v["summary"]["blocking"], 3,
        "CG101 of #101, CG102 and the self-waived CG101 of #102"
    );
    // Deterministic.
    let (_, again, _) = report(d, &[&window[..], &["--format", "json"]].concat());
    assert_eq!(json, again);
}

#[test]
fn markdown_escapes_repository_text() {
    let repo = history();
    let (_, md, _) = report(repo.path(), &[]);
    assert!(md.contains("bump image &lt;v1.9&gt; \\| @\u{200B}here &amp; more"));
    assert!(!md.contains("<v1.9>"));
    assert!(!md.contains("@here"));
    assert!(!md.contains("@acme"), "owners are not live mentions");
}

#[test]
fn window_outside_hours_and_freezes() {
    let repo = history();
    // Saturday night in London: outside every service's hours and before the freeze.
    let (code, json, err) = report(
        repo.path(),
        &["--window", "2026-11-28T22:00/2h", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["window"]["inside_freeze"], false);
    assert_eq!(v["window"]["start"], "2026-11-28T22:00:00Z");
    for s in v["services"].as_array().expect("services") {
        assert_eq!(s["window"]["inside_hours"], false, "{s}");
        assert_eq!(s["window"]["inside_freeze"], false, "{s}");
    }
    // An explicit offset: 13:00 in New York is 18:00 in London, when statements is open.
    let (_, json, _) = report(
        repo.path(),
        &["--window", "2026-11-27T13:00-05:00/30m", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let open: Vec<&str> = v["summary"]["window_inside_hours"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s.as_str().expect("name"))
        .collect();
    assert_eq!(open, ["statements"]);
}

#[test]
fn since_walks_the_current_branch() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "README.md", "infrastructure\n");
    git_at(d, "2026-09-01T12:00:00Z", &["add", "-A"]);
    git_at(
        d,
        "2026-09-01T12:00:00Z",
        &["commit", "-q", "-m", "Repository"],
    );
    write(d, "README.md", "infrastructure, soon with a plan\n");
    git_at(
        d,
        "2026-09-02T12:00:00Z",
        &["commit", "-qam", "Before the plan"],
    );
    write(d, "continuity.yaml", PLAN);
    write(
        d,
        "deploy/payments/api.yaml",
        &deployment("payments-api", "payments", 3),
    );
    git_at(d, "2026-10-01T12:00:00Z", &["add", "-A"]);
    git_at(
        d,
        "2026-10-01T12:00:00Z",
        &["commit", "-q", "-m", "Initial"],
    );
    write(
        d,
        "deploy/payments/api.yaml",
        &deployment("payments-api", "payments", 4),
    );
    git_at(
        d,
        "2026-10-20T12:00:00Z",
        &["commit", "-qam", "Old change (#1)"],
    );
    write(
        d,
        "deploy/payments/api.yaml",
        &deployment("payments-api", "payments", 2),
    );
    git_at(
        d,
        "2026-11-02T09:00:00Z",
        &["commit", "-qam", "New change (#2)"],
    );
    let (code, json, err) = run(
        d,
        &[
            "report",
            "--since",
            "2026-11-01",
            "--as-of",
            "2026-11-23",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{json}");
    assert_eq!(changes[0]["pull_request"], 2);
    assert_eq!(changes[0]["risk"], "critical");
    // Since before the root: the root commit and the commit before the plan
    // are noted, not assessed; the commit adding the plan is.
    let (code, json, _) = run(
        d,
        &[
            "report",
            "--since",
            "2026-01-01",
            "--as-of",
            "2026-11-23",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["changes"].as_array().expect("changes").len(), 3);
    // Listed as not assessed with the reason, never dropped (DESIGN §4).
    let skipped = v["not_assessed"].as_array().expect("not_assessed");
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    let text = v["not_assessed"].to_string();
    assert!(
        text.contains("Before the plan") && text.contains("no continuity plan"),
        "{text}"
    );
    assert!(
        text.contains("Repository") && text.contains("root commit"),
        "{text}"
    );
}

#[test]
fn cannot_assess_exits_2() {
    let repo = history();
    let d = repo.path();
    for (args, needle) in [
        (vec!["report", "--range", "v1..nope"], "`nope` not found"),
        (vec!["report", "--range", "v1"], "write A..B"),
        (vec!["report", "--range", "v1...main"], "A..B"),
        (vec!["report", "--since", "yesterday"], "not a date"),
        (vec!["report"], "--range"),
        (
            vec![
                "report",
                "--range",
                "v1..main",
                "--window",
                "2026-12-21 09:00/2h",
            ],
            "--window",
        ),
        (
            vec![
                "report",
                "--range",
                "v1..main",
                "--window",
                "2026-12-21T09:00/2q",
            ],
            "unknown unit",
        ),
        (
            vec!["report", "--range", "v1..main", "--format", "pdf"],
            "pdf",
        ),
    ] {
        let (code, _, err) = run(d, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // An invalid plan in the middle of the range names the commit and the plan's line.
    write(
        d,
        "continuity.yaml",
        &PLAN.replace("rto: 30m", "rto: 30 minutes"),
    );
    git(d, &["commit", "-qam", "Break the plan"]);
    let (code, _, err) = report(d, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Break the plan"), "{err}");
    assert!(err.contains("continuity.yaml:11:"), "{err}");
}

#[test]
fn empty_range_is_a_report() {
    let repo = history();
    let (code, md, err) = run(
        repo.path(),
        &["report", "--range", "main..main", "--as-of", "2026-11-23"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("No changes in the range."), "{md}");
}

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

fn chromium_cmd(bin: &str, profile: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn html_page_renders_in_chromium() {
    let repo = history();
    let d = repo.path();
    let out = tempfile::tempdir().expect("tmp");
    let page = out.path().join("cab.html");
    let page_arg = page.display().to_string();
    let (code, _, err) = report(
        d,
        &[
            "--window",
            "2026-12-21T08:30/2h",
            "--format",
            "html",
            "--output",
            &page_arg,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("@media print"));
    assert!(!html.contains("src=\"http"), "no external assets");
    assert!(!html.contains("href=\"http"), "no external assets");
    assert!(html.contains("bump image &lt;v1.9&gt; | @here &amp; more"));
    assert!(!html.contains("<v1.9>"));

    let Some(bin) = chromium() else {
        common::skip("chromium is not installed (apt-get install chromium)");
        return;
    };
    let profile = out.path().join("profile");
    let url = format!("file://{}", page.display());
    let dom = chromium_cmd(bin, &profile)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Change advisory board report"), "{dom}");
    for service in ["payments", "statements", "reporting"] {
        assert!(
            dom.contains(&format!("id=\"service-{service}\"")),
            "{service}"
        );
    }
    let log = git(d, &["log", "--first-parent", "--format=%H", "v1..main"]);
    assert_eq!(log.lines().count(), 6);
    for id in log.lines() {
        assert!(dom.contains(&format!("id=\"change-{id}\"")), "change {id}");
    }
    for title in [
        "#101 Scale the payments API down to one replica",
        "#102 Payments canary under waiver CAB-1234",
        "#104 Statements: drop the disruption budget",
        "Runbook: fail-over region",
        "#105 Add the batch scheduler",
    ] {
        assert!(dom.contains(title), "{title}");
    }
    // Prints to A4.
    let pdf = out.path().join("cab.pdf");
    let printed = chromium_cmd(bin, &profile)
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let bytes = std::fs::read(&pdf).expect("pdf written");
    assert!(bytes.starts_with(b"%PDF-"));
    // Every page is A4: 595 × 842 points (Chromium writes 594.96 × 841.92).
    let text = String::from_utf8_lossy(&bytes);
    let boxes: Vec<(f64, f64)> = text
        .split("/MediaBox [")
        .skip(1)
        .filter_map(|rest| {
            let nums: Vec<f64> = rest
                .split(']')
                .next()?
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            Some((*nums.get(2)?, *nums.get(3)?))
        })
        .collect();
    assert!(!boxes.is_empty(), "no pages");
    for (w, h) in &boxes {
        assert!(
            (w - 595.0).abs() < 2.0 && (h - 842.0).abs() < 2.0,
            "not A4: {w} × {h}"
        );
    }
    // Screenshot for the README, when asked.
    if let Ok(target) = std::env::var("CG_SCREENSHOT") {
        let shot = chromium_cmd(bin, &profile)
            .arg("--window-size=1100,1500")
            .arg(format!("--screenshot={target}"))
            .arg(&url)
            .output()
            .expect("chromium runs");
        assert!(shot.status.success());
    }
}

/// A generated repository of `services` services and `merges` merges, each
/// touching one or two services; prints the time `report` takes.
fn many_merges(services: usize, merges: usize) -> std::time::Duration {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    // One fast-import stream: the base tree, then merges of one-commit branches.
    let mut plan = String::from(
        "version: 1\ntimezone: Europe/London\ntiers:\n  gold: { rto: 1h, rpo: 5m, min_replicas: 3, test_every: 180d }\n  silver: { rto: 4h, rpo: 1h, min_replicas: 2 }\nservices:\n",
    );
    for s in 0..services {
        let _ = write!(
            plan,
            "  svc{s}:\n    tier: {}\n    hours: \"Mon-Fri 08:00-18:00\"\n    owners: [\"@acme/team{}\"]\n    match:\n      - paths: [\"deploy/svc{s}/**\"]\n",
            if s % 3 == 0 { "gold" } else { "silver" },
            s % 10
        );
    }
    let mut stream = String::new();
    let mut mark = 0usize;
    let mut blob = |stream: &mut String, text: &str| -> usize {
        mark += 1;
        let _ = write!(stream, "blob\nmark :{mark}\ndata {}\n{text}\n", text.len());
        mark
    };
    let plan_mark = blob(&mut stream, &plan);
    let mut files = Vec::new();
    for s in 0..services {
        for k in 0..4 {
            let m = blob(
                &mut stream,
                &deployment(&format!("svc{s}-app{k}"), &format!("svc{s}"), 3),
            );
            files.push((format!("deploy/svc{s}/app{k}.yaml"), m));
        }
    }
    let who = "Test <test@example.com> 1793534400 +0000";
    let _ = write!(
        stream,
        "commit refs/heads/main\nmark :1000000\ncommitter {who}\ndata 4\nbase\nM 100644 :{plan_mark} continuity.yaml\n"
    );
    for (p, m) in &files {
        let _ = writeln!(stream, "M 100644 :{m} {p}");
    }
    stream.push('\n');
    let mut main = 1_000_000usize;
    for i in 0..merges {
        let s = (i * 7) % services;
        let replicas = if i % 5 == 0 { 1 } else { 3 + (i % 4) as u32 };
        let m = blob(
            &mut stream,
            &deployment(
                &format!("svc{s}-app{}", i % 4),
                &format!("svc{s}"),
                replicas,
            ),
        );
        let branch = 2_000_000 + i;
        let _ = write!(
            stream,
            "commit refs/heads/b{i}\nmark :{branch}\ncommitter {who}\ndata 6\nchange\nfrom :{main}\nM 100644 :{m} deploy/svc{s}/app{}.yaml\n\n",
            i % 4
        );
        let msg = format!(
            "Merge pull request #{} from acme/b{i}\n\nChange {i}",
            1000 + i
        );
        let merge = 3_000_000 + i;
        let _ = write!(
            stream,
            "commit refs/heads/main\nmark :{merge}\ncommitter {who}\ndata {}\n{msg}\nfrom :{main}\nmerge :{branch}\n\n",
            msg.len()
        );
        main = merge;
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(d)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("fast-import");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(stream.as_bytes()).expect("stream");
    }
    assert!(child.wait().expect("fast-import").success());
    let base = git(d, &["rev-list", "--max-parents=0", "main"]);
    let range = format!("{base}..main");
    let started = std::time::Instant::now();
    let (code, json, err) = run(
        d,
        &[
            "report",
            "--range",
            &range,
            "--as-of",
            "2026-11-23",
            "--format",
            "json",
        ],
    );
    let took = started.elapsed();
    if std::env::var_os("CG_BENCH_KEEP").is_some() {
        eprintln!("repository kept at {}", dir.keep().display());
    }
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["changes"].as_array().expect("changes").len(), merges);
    took
}

#[test]
fn a_range_of_many_merges() {
    let (services, merges) = (50, 60);
    let took = many_merges(services, merges);
    eprintln!("report over {merges} merges, {services} services: {took:?}");
}

/// `cargo test --release --test report -- --ignored --nocapture`: the timing of the closing note.
#[test]
#[ignore]
fn benchmark_200_merges() {
    let sizes: Vec<usize> = std::env::var("CG_BENCH_SERVICES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1000]);
    for services in sizes {
        let took = many_merges(services, 200);
        eprintln!(
            "report over 200 merges, {services} services ({} files): {took:?}",
            services * 4 + 1
        );
    }
}
