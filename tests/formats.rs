//! The CI formats: snapshots of the pull-request comment, SARIF and GitHub
//! annotations for fixture scenarios, the SARIF schema, the markdown's
//! safety once rendered by a CommonMark parser, the size cap, and the
//! pre-commit hook driven by the real `pre-commit` when it is installed.

mod common;
#[path = "formats/runner.rs"]
mod runner;

use continuity_guard::render::{github, gitlab, junit, markdown, sarif};
use continuity_guard::{CheckOptions, Report, Sides};
use std::path::Path;

fn as_of() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 23)
}

fn git_report(dir: &Path) -> Report {
    continuity_guard::check(&CheckOptions {
        sides: Sides::Git {
            base: Some("main".into()),
            head: Some("feature".into()),
        },
        repo_dir: dir.to_path_buf(),
        plan: None,
        as_of: as_of(),
        all: false,
        fail_on: Some(continuity_guard::plan::model::Severity::Error),
        strict: false,
    })
    .expect("check runs")
}

fn dir_report(before: &Path, after: &Path, all: bool) -> Report {
    continuity_guard::check(&CheckOptions {
        sides: Sides::Dirs {
            before: before.to_path_buf(),
            after: after.to_path_buf(),
        },
        repo_dir: before.to_path_buf(),
        plan: None,
        as_of: as_of(),
        all,
        fail_on: Some(continuity_guard::plan::model::Severity::Error),
        strict: false,
    })
    .expect("check runs")
}

fn md_opts() -> markdown::Options {
    markdown::Options::github(Some("https://github.com".into()), Some("acme/infra".into()))
}

fn sarif_opts() -> sarif::Options {
    sarif::Options {
        server_url: Some("https://github.com".into()),
        repository: Some("acme/infra".into()),
    }
}

fn snapshot(name: &str, report: &Report) {
    let md = markdown::render(report, &md_opts());
    let sarif = sarif::render(report, &sarif_opts());
    let gh = github::render(report);
    let gl = gitlab::render(report);
    let ju = junit::render(report);
    assert_markdown_safe(&md, &[]);
    assert_sarif_valid(&sarif);
    assert_gitlab_valid(&gl, report);
    assert_junit_valid(&ju, report);
    insta::with_settings!({ snapshot_path => Path::new("snapshots/formats"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{name}__markdown"), md);
        insta::assert_snapshot!(format!("{name}__sarif"), sarif);
        insta::assert_snapshot!(format!("{name}__github"), gh);
        insta::assert_snapshot!(format!("{name}__gitlab"), gl);
        insta::assert_snapshot!(format!("{name}__junit"), ju);
    });
}

/// Validates a SARIF log against the vendored official 2.1.0 schema.
fn assert_sarif_valid(text: &str) {
    // The schema's `language` pattern ends in `]?$`: a lone `]` that only
    // non-Unicode regex dialects accept, so the meta-schema check rejects it.
    // `\]` means the same in every dialect; patch it in memory, keep the
    // vendored file as published.
    let raw = include_str!("data/sarif-schema-2.1.0.json");
    let buggy = "{2}-[a-zA-Z]{2}]?$";
    assert_eq!(raw.matches(buggy).count(), 2, "the vendored schema changed");
    let patched = raw.replace(buggy, "{2}-[a-zA-Z]{2}\\\\]?$");
    let schema: serde_json::Value = serde_json::from_str(&patched).expect("schema is JSON");
    // Formats are annotations in draft 7 (GitHub does not check them either).
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .expect("schema compiles");
    let log: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

/// Validates a GitLab Code Quality report against the schema written from
/// GitLab's documentation of the format, with one issue per listed,
/// unresolved finding, unique fingerprints and blockers for what blocks.
fn assert_gitlab_valid(text: &str, report: &Report) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/gitlab-codequality.schema.json"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let issues: serde_json::Value = serde_json::from_str(text).expect("report is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&issues)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "Code Quality invalid:\n{}",
        errors.join("\n")
    );
    let issues = issues.as_array().expect("an array");
    let listed = report
        .listed()
        .filter(|f| f.state != continuity_guard::engine::State::Resolved)
        .count();
    assert_eq!(issues.len(), listed, "{text}");
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    let blockers = issues.iter().filter(|i| i["severity"] == "blocker").count();
    assert_eq!(blockers, report.summary().blocking, "{text}");
}

/// Parses the JUnit XML and checks its counts: a failing testcase per
/// blocking finding, totals that add up on each suite and on the whole.
fn assert_junit_valid(text: &str, report: &Report) {
    let doc = roxmltree::Document::parse(text).expect("JUnit XML is well-formed");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let attr = |n: roxmltree::Node, a: &str| -> usize {
        n.attribute(a)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{a}"))
    };
    let (mut tests, mut failures) = (0, 0);
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let failed = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(attr(suite, "tests"), cases.len(), "{text}");
        assert_eq!(attr(suite, "failures"), failed, "{text}");
        tests += cases.len();
        failures += failed;
    }
    assert_eq!(attr(root, "tests"), tests, "{text}");
    assert_eq!(attr(root, "failures"), failures, "{text}");
    assert_eq!(failures, report.summary().blocking, "{text}");
}

/// Renders the comment as GitHub-flavoured markdown and checks that no HTML
/// tag but ours survives, that no mention is live and that the marker
/// comment is the only comment.
fn assert_markdown_safe(md: &str, hostile: &[&str]) {
    use pulldown_cmark::{Event, Options, Parser};
    assert!(md.starts_with(markdown::MARKER), "{md}");
    assert!(markdown::utf16_len(md) <= markdown::COMMENT_LIMIT);
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let allowed = [
        "<!-- continuity-guard -->",
        "<details>",
        "<summary>",
        "</summary>",
        "</details>",
        "<sub>",
        "</sub>",
    ];
    let mut events = Vec::new();
    for event in parser {
        match &event {
            Event::Html(h) | Event::InlineHtml(h) => {
                // An HTML block holds whole lines; split them into tags.
                let mut rest = h.trim();
                while !rest.is_empty() {
                    let tag = allowed
                        .iter()
                        .find(|t| rest.starts_with(**t))
                        .unwrap_or_else(|| panic!("foreign HTML `{rest}` in:\n{md}"));
                    rest = rest[tag.len()..].trim_start();
                    if tag == &"<summary>" {
                        // Our summaries hold counts and words only.
                        let end = rest.find("</summary>").expect("summary closed");
                        assert!(!rest[..end].contains('<'), "{rest}");
                        rest = &rest[end..];
                    }
                }
            }
            _ => {}
        }
        events.push(event);
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH),
    );
    // A live mention is `@` followed directly by a name character outside code.
    let mut in_code = 0;
    for event in &events {
        match event {
            Event::Start(pulldown_cmark::Tag::CodeBlock(_)) => in_code += 1,
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => in_code -= 1,
            Event::Text(t) if in_code == 0 => {
                for (i, _) in t.match_indices('@') {
                    let next = t[i + 1..].chars().next();
                    assert!(
                        !next.is_some_and(|c| c.is_ascii_alphanumeric()),
                        "live mention in `{t}`"
                    );
                }
            }
            _ => {}
        }
    }
    // Mentions are inert inside code; tags are escaped everywhere.
    let mut outside_code = String::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<code>") {
        outside_code.push_str(&rest[..start]);
        rest = rest[start..]
            .find("</code>")
            .map_or("", |end| &rest[start + end + "</code>".len()..]);
    }
    outside_code.push_str(rest);
    for h in hostile {
        assert!(
            !outside_code.contains(h),
            "`{h}` survived into the HTML:\n{html}"
        );
    }
    // The marker is the only HTML comment; nothing else opens or closes one.
    assert_eq!(html.matches("<!--").count(), 1, "{html}");
    assert_eq!(html.matches("-->").count(), 1, "{html}");
}

#[test]
fn demo_formats() {
    let root = common::fixtures().join("demo");
    let repo = common::repo_from(&root.join("base"), &root.join("head"));
    snapshot("demo", &git_report(repo.path()));
}

#[test]
fn replicas_lowered_formats() {
    let repo = common::fixture_repo("CG101/replicas-lowered");
    snapshot("CG101__replicas-lowered", &git_report(repo.path()));
}

#[test]
fn existing_and_waived_are_folded() {
    for case in ["CG101/existing-not-introduced", "CG405/waiver-valid"] {
        let root = common::fixtures().join(case);
        let report = dir_report(&root.join("base"), &root.join("head"), true);
        let md = markdown::render(&report, &markdown::Options::default());
        assert_markdown_safe(&md, &[]);
        let folded = report
            .outcome
            .findings
            .iter()
            .filter(|f| !f.introduced || f.waived)
            .count();
        if folded > 0 {
            let fold = md.find("existing,").expect("a fold");
            assert!(md[..fold].contains("<details><summary>"), "{md}");
        }
        assert_sarif_valid(&sarif::render(&report, &sarif::Options::default()));
    }
}

#[test]
fn no_service_affected_says_so() {
    let root = common::fixtures().join("demo");
    let report = dir_report(&root.join("head"), &root.join("head"), false);
    let md = markdown::render(&report, &md_opts());
    assert!(
        md.contains("no longer affects any service"),
        "a stale verdict would stay: {md}"
    );
    assert_markdown_safe(&md, &[]);
    assert_eq!(github::render(&report), "");
    assert_sarif_valid(&sarif::render(&report, &sarif::Options::default()));
}

const PLAN: &str = "version: 1
timezone: Europe/London
tiers:
  gold: { rto: 1h, rpo: 5m, min_replicas: 3 }
services:
  payments:
    tier: gold
    hours: \"Mon-Fri 09:00-16:00\"
    match:
      - paths: [\"deploy/**\"]
";

fn deployment(name: &str, replicas: u32) -> String {
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: payments\nspec:\n  replicas: {replicas}\n"
    )
}

fn write_side(dir: &Path, file: &str, docs: &str) {
    std::fs::create_dir_all(dir.join("deploy")).expect("mkdir");
    std::fs::write(dir.join("continuity.yaml"), PLAN).expect("plan");
    std::fs::write(dir.join("deploy").join(file), docs).expect("manifest");
}

#[test]
fn hostile_content_is_inert() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
    let file = "<img src=x onerror=alert(1)> @everyone |a|b| `tick` %0A.yaml";
    let name = "'api<!-- x --> </details> <script>alert(1)</script> @everyone @acme/admins | ``code`` %0A%25 -->'";
    write_side(&before, file, &deployment(name, 3));
    write_side(&after, file, &deployment(name, 1));
    let repo = common::repo_from(&before, &after);
    let report = git_report(repo.path());
    assert!(!report.outcome.findings.is_empty());
    let md = markdown::render(&report, &md_opts());
    assert_markdown_safe(
        &md,
        &[
            "<img",
            "<script",
            "</details> <",
            "<!-- x",
            "@everyone",
            "@acme",
        ],
    );
    let gh = github::render(&report);
    for line in gh.lines() {
        assert!(line.starts_with("::"), "one command per line: {gh}");
    }
    assert!(gh.contains("%250A"), "{gh}");
    assert!(
        gh.contains(
            "file=deploy/<img src=x onerror=alert(1)> @everyone |a|b| `tick` %250A.yaml,line="
        ),
        "{gh}"
    );
    let sarif = sarif::render(&report, &sarif_opts());
    assert_sarif_valid(&sarif);
    insta::with_settings!({ snapshot_path => Path::new("snapshots/formats"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("hostile__markdown", md);
        insta::assert_snapshot!("hostile__github", gh);
    });
}

#[test]
fn thousands_of_findings_stay_under_the_comment_limit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
    let n = 2500;
    let names: Vec<String> = (0..n).map(|i| format!("api-🛑-{i:04}")).collect();
    let docs = |r| {
        names
            .iter()
            .map(|nm| deployment(&format!("'{nm}'"), r))
            .collect::<String>()
    };
    write_side(&before, "many.yaml", &docs(3));
    write_side(&after, "many.yaml", &docs(1));
    let report = dir_report(&before, &after, false);
    assert_eq!(report.outcome.findings.len(), n);

    let md = markdown::render(&report, &md_opts());
    let units = markdown::utf16_len(&md);
    assert!(units <= markdown::COMMENT_LIMIT, "{units}");
    // Emoji take two UTF-16 units: counting chars would have overshot.
    assert!(md.chars().count() < units);
    assert!(
        units > markdown::COMMENT_LIMIT - 2_000,
        "the cut keeps as much as fits: {units}"
    );
    assert!(
        md.contains("left out to stay within GitHub's comment limit"),
        "says so"
    );
    assert_markdown_safe(&md, &[]);

    let small = markdown::render(
        &report,
        &markdown::Options {
            max_utf16: 3_000,
            ..markdown::Options::default()
        },
    );
    assert!(markdown::utf16_len(&small) <= 3_000);
    assert!(small.starts_with(markdown::MARKER) && small.contains("left out"));

    let gh = github::render(&report);
    assert_eq!(gh.lines().count(), 11, "10 errors and one notice");
    assert!(gh.lines().last().is_some_and(
        |l| l.starts_with("::notice") && l.contains(&format!("{} more findings", n - 10))
    ));
    assert_sarif_valid(&sarif::render(&report, &sarif::Options::default()));
}

#[test]
fn annotations_cap_each_level_and_put_errors_first() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
    // 12 replicas lowered (errors) and 12 budgets deleted (warnings).
    let mut base = String::new();
    let mut head = String::new();
    for i in 0..12 {
        base.push_str(&deployment(&format!("a{i}"), 3));
        head.push_str(&deployment(&format!("a{i}"), 1));
        base.push_str(&format!(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: b{i}\n  namespace: payments\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels: {{ app: b{i} }}\n"
        ));
        base.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b{i}\n  namespace: payments\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {{ app: b{i} }}\n  template:\n    metadata:\n      labels: {{ app: b{i} }}\n"
        ));
        head.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b{i}\n  namespace: payments\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {{ app: b{i} }}\n  template:\n    metadata:\n      labels: {{ app: b{i} }}\n"
        ));
    }
    write_side(&before, "all.yaml", &base);
    write_side(&after, "all.yaml", &head);
    let report = dir_report(&before, &after, false);
    let gh = github::render(&report);
    let kinds: Vec<&str> = gh
        .lines()
        .map(|l| l.split([' ', ':']).nth(2).unwrap_or(""))
        .collect();
    let errors = kinds.iter().filter(|k| **k == "error").count();
    let warnings = kinds.iter().filter(|k| **k == "warning").count();
    assert_eq!((errors, warnings), (10, 10), "{gh}");
    let first_warning = kinds.iter().position(|k| *k == "warning").unwrap_or(0);
    assert!(kinds[..first_warning].iter().all(|k| *k == "error"), "{gh}");
    assert!(gh.ends_with("::notice title=continuity-guard::4 more findings not annotated (GitHub shows 10 per severity); the job summary lists them all\n"), "{gh}");
}

#[test]
fn github_format_appends_the_summary() {
    let repo = common::fixture_repo("CG101/replicas-lowered");
    let summary = repo.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_continuity-guard"))
        .args(common::CHECK_MAIN_FEATURE)
        .args([
            "--format",
            "github",
            "--format",
            "sarif=out.sarif",
            "--format",
            "markdown=comment.md",
        ])
        .current_dir(repo.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/infra")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("::error file=deploy/payments/api.yaml,line=7,col=13,title=CG101 replicas-below-minimum::"), "{stdout}");
    let written = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        written.starts_with("earlier step\n<!-- continuity-guard -->"),
        "{written}"
    );
    let comment = std::fs::read_to_string(repo.path().join("comment.md")).expect("comment");
    assert!(
        comment.contains("https://github.com/acme/infra/blob/"),
        "{comment}"
    );
    assert_sarif_valid(&std::fs::read_to_string(repo.path().join("out.sarif")).expect("sarif"));
}

/// `pre-commit try-repo` with the real pre-commit, when it is installed: a
/// staged downscale fails the commit, a harmless change passes.
#[test]
fn pre_commit_hook() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    // try-repo clones the hook repository: our own worktree, at its HEAD
    // plus uncommitted changes.
    let hook_repo = env!("CARGO_MANIFEST_DIR");
    let root = common::fixtures().join("CG101/replicas-lowered");
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    common::git(d, &["init", "-q", "-b", "main"]);
    common::copy_tree(&root.join("base"), d);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "-m", "base"]);
    let home = tempfile::tempdir().expect("home");
    let run = |d: &Path| {
        std::process::Command::new(&pre_commit)
            .args(["try-repo", hook_repo, "continuity-guard", "--verbose"])
            .current_dir(d)
            .env("PRE_COMMIT_HOME", home.path())
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("NO_COLOR", "1")
            .output()
            .expect("pre-commit runs")
    };
    // A harmless change: a comment line.
    let api = d.join("deploy/payments/api.yaml");
    let text = std::fs::read_to_string(&api).expect("read");
    std::fs::write(&api, format!("# owned by payments\n{text}")).expect("write");
    common::git(d, &["add", "-A"]);
    let ok = run(d);
    assert!(
        ok.status.success(),
        "harmless change blocked:\n{}\n{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    // The downscale.
    common::copy_tree(&root.join("head"), d);
    common::git(d, &["add", "-A"]);
    let bad = run(d);
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success(), "downscale passed:\n{stdout}");
    assert!(stdout.contains("CG101"), "{stdout}");
}

/// The real pre-commit (`$PRE_COMMIT`, else `pre-commit` on PATH), or a
/// visible skip — a failure under `CI=true`, where it must be there.
fn pre_commit() -> Option<String> {
    let pre_commit = std::env::var("PRE_COMMIT").unwrap_or_else(|_| "pre-commit".into());
    let found = std::process::Command::new(&pre_commit)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(pre_commit);
    }
    common::skip("pre-commit is not installed (set PRE_COMMIT to its path)");
    None
}

/// The hook of `.pre-commit-hooks.yaml` as a local hook over the binary
/// under test (so no build), in a configuration file outside the repository.
fn local_hook_config(dir: &Path) -> std::path::PathBuf {
    let hooks: serde_json::Value =
        serde_saphyr::from_str(include_str!("../.pre-commit-hooks.yaml")).expect("hooks parse");
    let hook = &hooks[0];
    let entry = hook["entry"].as_str().expect("entry");
    let rest = entry
        .strip_prefix("continuity-guard ")
        .expect("runs the binary");
    let config = serde_json::json!({
        "repos": [{
            "repo": "local",
            "hooks": [{
                "id": hook["id"],
                "name": hook["name"],
                "language": "system",
                "entry": format!("{} {rest}", env!("CARGO_BIN_EXE_continuity-guard")),
                "args": hook.get("args").cloned().unwrap_or_else(|| serde_json::json!([])),
                "pass_filenames": hook["pass_filenames"],
                "always_run": hook["always_run"],
                "require_serial": hook["require_serial"],
                "stages": ["pre-commit", "pre-push", "manual"],
            }],
        }],
    });
    let path = dir.join("pre-commit-config.yaml");
    // JSON is YAML.
    std::fs::write(&path, config.to_string()).expect("config");
    path
}

/// The hook under the real pre-commit, fast (a local hook over the built
/// binary): `run --from-ref A --to-ref B` compares that range and fails on a
/// breaking one; `run --all-files` with nothing staged compares the branch
/// with `main`; a repository without a plan passes with a note.
#[test]
fn pre_commit_range_mode_and_no_plan() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let config = local_hook_config(tmp.path());
    let run = |d: &Path, args: &[&str]| {
        let out = std::process::Command::new(&pre_commit)
            .arg("run")
            .arg("-c")
            .arg(&config)
            .args(args)
            .arg("--verbose")
            .current_dir(d)
            .env("PRE_COMMIT_HOME", tmp.path().join("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_BASE_REF")
            .output()
            .expect("pre-commit runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let repo = common::fixture_repo("CG101/replicas-lowered");
    let d = repo.path();
    let (ok, text) = run(d, &["--from-ref", "main", "--to-ref", "feature"]);
    assert!(!ok, "a breaking range passed:\n{text}");
    assert!(text.contains("CG101"), "{text}");
    // The same range backwards restores the replicas: nothing introduced.
    let (ok, text) = run(d, &["--from-ref", "feature", "--to-ref", "main"]);
    assert!(ok, "{text}");
    let (ok, text) = run(d, &["--all-files"]);
    assert!(!ok, "--all-files on a breaking branch passed:\n{text}");
    assert!(text.contains("CG101"), "{text}");

    let bare = tempfile::tempdir().expect("tmp");
    let b = bare.path();
    common::git(b, &["init", "-q", "-b", "main"]);
    std::fs::write(b.join("README.md"), "no plan here\n").expect("write");
    common::git(b, &["add", "-A"]);
    let (ok, text) = run(b, &[]);
    assert!(ok, "a repository without a plan is blocked:\n{text}");
    assert!(
        text.contains("no continuity plan in this repository yet"),
        "{text}"
    );
}

/// action.yml, when bash and jq are there to run its steps (else a skip, said).
fn action_with_bash_and_jq() -> Option<serde_json::Value> {
    let has = |cmd: &str| {
        std::process::Command::new(cmd)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("bash") || !has("jq") {
        common::skip("bash and jq are needed to run action.yml's steps");
        return None;
    }
    Some(serde_saphyr::from_str(include_str!("../action.yml")).expect("action.yml parses"))
}

/// The action's comment step, run by bash with a stub `gh` that logs its
/// calls: it updates its own marked comment (not another user's quoting the
/// marker), posts none when nothing is affected and there is nothing to
/// update, and turns a fork or a refused write into a notice, never a failure.
#[test]
fn action_comment_step() {
    let Some(action) = action_with_bash_and_jq() else {
        return;
    };
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let step = steps
        .iter()
        .find(|s| s["name"] == "Post or update the pull-request comment")
        .expect("the comment step");
    let script = step["run"].as_str().expect("a script");
    for s in steps {
        if let Some(run) = s["run"].as_str() {
            assert!(!run.contains("${{"), "expression inside run: {run}");
        }
    }

    let tmp = tempfile::tempdir().expect("tmp");
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let log = tmp.path().join("gh.log");
    // `gh api user` fails as it does for GITHUB_TOKEN; listing returns two
    // pages; writes fail when GH_FAIL_WRITES is set.
    let stub = format!(
        r#"#!/usr/bin/env bash
echo "$*" >> '{log}'
case "$*" in
  "api user --jq .login") exit 1 ;;
  *"-X "*) if [ -n "${{GH_FAIL_WRITES:-}}" ]; then exit 1; fi ;;
  *"--paginate"*) cat "$GH_COMMENTS" ;;
esac
"#,
        log = log.display()
    );
    let gh = bin.join("gh");
    std::fs::write(&gh, stub).expect("stub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let report = tmp.path().join("comment.md");
    std::fs::write(&report, "<!-- continuity-guard -->\nbody\n").expect("report");
    let comments = tmp.path().join("comments.json");
    let run = |pages: &str, head_repo: &str, affected: &str, fail: bool| {
        std::fs::write(&comments, pages).expect("comments");
        let _ = std::fs::remove_file(&log);
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["-c", script])
            .env("PATH", path)
            .env("GH_COMMENTS", &comments)
            .env("GITHUB_REPOSITORY", "acme/infra")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("PR_NUMBER", "7")
            .env("PR_HEAD_REPO", head_repo)
            .env("REPORT", &report)
            .env("FINDINGS", affected)
            .env("AFFECTED", affected)
            .env("CODE", "0");
        if fail {
            cmd.env("GH_FAIL_WRITES", "1");
        } else {
            cmd.env_remove("GH_FAIL_WRITES");
        }
        let out = cmd.output().expect("bash runs");
        let calls = std::fs::read_to_string(&log).unwrap_or_default();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            calls,
        )
    };
    let ours = r#"[{"id": 11, "user": {"login": "someone"}, "body": "<!-- continuity-guard -->\nquoted"}]
[{"id": 12, "user": {"login": "github-actions[bot]"}, "body": "<!-- continuity-guard -->\nold"}]"#;
    let theirs = r#"[{"id": 11, "user": {"login": "someone"}, "body": "<!-- continuity-guard -->\nquoted"}]"#;

    let (code, _, calls) = run(ours, "acme/infra", "0", false);
    assert_eq!(code, Some(0));
    assert!(
        calls.contains("-X PATCH repos/acme/infra/issues/comments/12 -F body=@"),
        "{calls}"
    );
    assert!(!calls.contains("comments/11"), "{calls}");

    let (code, stdout, calls) = run(theirs, "acme/infra", "0", false);
    assert_eq!(code, Some(0));
    assert!(!calls.contains("-X"), "nothing to post: {calls}");
    assert!(stdout.contains("nothing to post"), "{stdout}");

    let (code, _, calls) = run(theirs, "acme/infra", "1", false);
    assert_eq!(code, Some(0));
    assert!(
        calls.contains("-X POST repos/acme/infra/issues/7/comments"),
        "{calls}"
    );

    let (code, stdout, calls) = run(ours, "fork/infra", "1", false);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("::notice"), "{stdout}");
    assert!(calls.is_empty(), "{calls}");

    let (code, stdout, _) = run(theirs, "acme/infra", "1", true);
    assert_eq!(code, Some(0), "a refused write is a notice, not a failure");
    assert!(stdout.contains("::notice"), "{stdout}");
}

/// The action's check step, run as the runner runs it (`bash --noprofile
/// --norc -e -o pipefail FILE`): on exit 1 and 2 the outputs are still set
/// (the comment and verdict steps depend on them), exit 2 says so with an
/// `::error` annotation, a job summary and a comment, and the SARIF path
/// always holds a valid file.
#[test]
fn action_check_step_survives_bash_e() {
    let Some(action) = action_with_bash_and_jq() else {
        return;
    };
    let script = action["runs"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "check")
        .and_then(|s| s["run"].as_str())
        .expect("the check step's script")
        .to_string();
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("cg");
    std::fs::create_dir_all(root.join("bin")).expect("mkdir");
    std::fs::copy(
        env!("CARGO_BIN_EXE_continuity-guard"),
        root.join("bin/continuity-guard"),
    )
    .expect("binary");
    let file = tmp.path().join("step.sh");
    std::fs::write(&file, &script).expect("script");
    let run = |repo: &std::path::Path, name: &str| {
        let runner_temp = tmp.path().join(format!("runner-{name}"));
        std::fs::create_dir_all(&runner_temp).expect("mkdir");
        let output = runner_temp.join("output");
        let summary = runner_temp.join("summary");
        let sarif = runner_temp.join("cg.sarif");
        let base = common::git(repo, &["rev-parse", "main"]);
        let head = common::git(repo, &["rev-parse", "HEAD"]);
        let out = std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-e", "-o", "pipefail"])
            .arg(&file)
            .current_dir(repo)
            .env("CG_ROOT", &root)
            .env("RUNNER_TEMP", &runner_temp)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("INPUT_PLAN", "")
            .env("INPUT_BASE", "")
            .env("INPUT_HEAD", "")
            .env("INPUT_FAIL_ON", "error")
            .env("INPUT_STRICT", "true")
            .env("INPUT_SARIF", &sarif)
            .env("PR_BASE_SHA", base.trim())
            .env("PR_HEAD_SHA", head.trim())
            .env("GH_TOKEN", "")
            .env_remove("GITHUB_SERVER_URL")
            .output()
            .expect("bash runs");
        let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
        let sarif_text = read(&sarif);
        let valid: serde_json::Value = serde_json::from_str(&sarif_text).expect("valid SARIF JSON");
        assert_eq!(valid["version"], "2.1.0", "{sarif_text}");
        (
            out.status.code(),
            read(&output),
            read(&summary),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            read(&runner_temp.join("continuity-guard-report/comment.md")),
        )
    };

    // Exit 1: the step itself succeeds and says so in its outputs.
    let failing = common::fixture_repo("CG101/replicas-lowered");
    let (code, output, summary, _, comment) = run(failing.path(), "failing");
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("exit-code=1"), "{output}");
    assert!(output.contains("blocking=1"), "{output}");
    assert!(output.contains("report="), "{output}");
    assert!(summary.contains("CG101"), "{summary}");
    assert!(
        comment.starts_with("<!-- continuity-guard -->"),
        "{comment}"
    );

    // Exit 2 (an invalid plan at head): an error annotation, a summary, a comment.
    let invalid = common::fixture_repo("CG101/replicas-lowered");
    std::fs::write(
        invalid.path().join("continuity.yaml"),
        "version: 1\nservices: [\n",
    )
    .expect("plan");
    common::git(invalid.path(), &["commit", "-qam", "Break the plan"]);
    let (code, output, summary, stdout, comment) = run(invalid.path(), "invalid");
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("exit-code=2"), "{output}");
    assert!(
        stdout.contains("::error title=continuity-guard::"),
        "{stdout}"
    );
    assert!(summary.contains("could not assess"), "{summary}");
    assert!(comment.contains("could not assess"), "{comment}");
}

/// One step's outcome in a simulated job.
fn outcome<'j>(job: &'j runner::Job, step: &str) -> &'j str {
    job.steps
        .iter()
        .find(|(name, _)| name.starts_with(step))
        .map(|(_, o)| o.as_str())
        .unwrap_or_else(|| panic!("no step `{step}` in {:?}", job.steps))
}

/// The SARIF the action wrote in the workspace is valid.
fn assert_job_sarif(job: &runner::Job) {
    let text = std::fs::read_to_string(job.workspace.join("cg.sarif")).expect("SARIF written");
    assert_sarif_valid(&text);
}

/// A release of the binary under test for the simulated runner (Linux X64),
/// as the release workflow lays it out: `vVERSION/ASSET` and `ASSET.sha256`;
/// `tampered`: the checksum does not match.
fn release(tampered: bool) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let v = dir.path().join(concat!("v", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(&v).expect("mkdir");
    std::fs::copy(
        env!("CARGO_BIN_EXE_continuity-guard"),
        v.join("continuity-guard"),
    )
    .expect("binary");
    let asset = "continuity-guard-x86_64-unknown-linux-gnu.tar.gz";
    let tar = std::process::Command::new("tar")
        .args(["-czf", asset, "continuity-guard"])
        .current_dir(&v)
        .status()
        .expect("tar runs");
    assert!(tar.success());
    std::fs::remove_file(v.join("continuity-guard")).expect("rm");
    let out = std::process::Command::new("sha256sum")
        .arg(asset)
        .current_dir(&v)
        .output()
        .expect("sha256sum runs");
    let mut sum = String::from_utf8_lossy(&out.stdout).into_owned();
    if tampered {
        sum = format!("{}{}", "0".repeat(64), &sum[64..]);
    }
    std::fs::write(v.join(format!("{asset}.sha256")), sum).expect("checksum");
    let url = format!("file://{}", dir.path().display());
    (dir, url)
}

/// No release there: the action builds from source (the stub `cargo`).
const NO_RELEASE: &str = "file:///nonexistent/releases";

const OUR_EARLIER_COMMENT: &str = r#"[{"id": 12, "user": {"login": "github-actions[bot]"}, "body": "<!-- continuity-guard -->\nold verdict"}]"#;

/// A pull request that lowers replicas, run through every step of
/// action.yml as a runner runs them, from `actions/checkout`'s default
/// depth-1 checkout of the merge commit: the outputs, the summary, the
/// annotations, a posted comment, valid SARIF, and only the verdict fails.
#[test]
fn action_on_a_failing_pull_request() {
    let Some(action) = action_with_bash_and_jq() else {
        return;
    };
    let origin = common::fixture_repo("CG101/replicas-lowered");
    let (_release, url) = release(false);
    let job = runner::run(
        &action,
        &runner::PullRequest {
            origin: origin.path(),
            head_repo: "acme/infra",
            inputs: &[("sarif", "cg.sarif"), ("release-url", &url)],
            comments: "[]",
            env: &[],
        },
    );
    let log = &job.log;
    assert!(log.contains("installed continuity-guard"), "{log}");
    assert!(
        job.cargo_calls.is_empty(),
        "the release is used: {}",
        job.cargo_calls
    );
    assert_eq!(outcome(&job, "Check the change"), "success", "{log}");
    assert_eq!(outcome(&job, "Post or update"), "success", "{log}");
    assert_eq!(outcome(&job, "Verdict"), "failure (exit 1)", "{log}");
    assert!(job.failed);
    assert_eq!(job.outputs["blocking"], "1", "{:?}", job.outputs);
    assert_ne!(job.outputs["findings"], "0", "{:?}", job.outputs);
    assert!(
        job.outputs["report"].ends_with("comment.md"),
        "{:?}",
        job.outputs
    );
    assert!(
        log.contains("::error file=deploy/payments/api.yaml,line=7"),
        "{log}"
    );
    assert!(
        job.summary.starts_with("<!-- continuity-guard -->"),
        "{}",
        job.summary
    );
    assert!(job.summary.contains("CG101"), "{}", job.summary);
    assert!(
        job.gh_calls
            .contains("-X POST repos/acme/infra/issues/7/comments"),
        "{}",
        job.gh_calls
    );
    assert_eq!(job.bodies.len(), 1, "{}", job.gh_calls);
    assert!(job.bodies[0].starts_with("<!-- continuity-guard -->"));
    assert!(job.bodies[0].contains("CG101"), "{}", job.bodies[0]);
    assert_markdown_safe(&job.bodies[0], &[]);
    assert_job_sarif(&job);
}

/// A harmless pull request after a failing push: the verdict passes and the
/// earlier comment is updated rather than left stale.
#[test]
fn action_on_a_passing_pull_request() {
    let Some(action) = action_with_bash_and_jq() else {
        return;
    };
    let base = common::fixtures().join("CG101/replicas-lowered/base");
    let head = tempfile::tempdir().expect("tmp");
    common::copy_tree(&base, head.path());
    std::fs::write(head.path().join("NOTES.md"), "harmless\n").expect("write");
    let origin = common::repo_from(&base, head.path());
    let (_release, url) = release(true);
    let job = runner::run(
        &action,
        &runner::PullRequest {
            origin: origin.path(),
            head_repo: "acme/infra",
            inputs: &[("sarif", "cg.sarif"), ("release-url", &url)],
            comments: OUR_EARLIER_COMMENT,
            env: &[],
        },
    );
    let log = &job.log;
    // A release whose checksum does not match is never run: built from source.
    assert!(
        log.contains("::warning title=continuity-guard::the checksum"),
        "{log}"
    );
    assert!(
        job.cargo_calls.starts_with("install --locked --path"),
        "{}",
        job.cargo_calls
    );
    assert_eq!(outcome(&job, "Verdict"), "success", "{log}");
    assert!(!job.failed, "{:?}", job.steps);
    assert_eq!(job.outputs["blocking"], "0", "{:?}", job.outputs);
    assert!(!log.contains("::error"), "{log}");
    assert!(
        job.gh_calls
            .contains("-X PATCH repos/acme/infra/issues/comments/12"),
        "{}",
        job.gh_calls
    );
    assert!(job.bodies[0].starts_with("<!-- continuity-guard -->"));
    assert!(!job.bodies[0].contains("CG101"), "{}", job.bodies[0]);
    assert_job_sarif(&job);
}

/// A pull request that breaks the plan (exit 2): an `::error`, a summary
/// and a comment saying the change could not be assessed, an empty but
/// valid SARIF log, and the verdict fails with 2.
#[test]
fn action_on_an_invalid_plan() {
    let Some(action) = action_with_bash_and_jq() else {
        return;
    };
    let origin = common::fixture_repo("CG101/replicas-lowered");
    std::fs::write(
        origin.path().join("continuity.yaml"),
        "version: 1\nservices: [\n",
    )
    .expect("plan");
    common::git(origin.path(), &["commit", "-qam", "Break the plan"]);
    let job = runner::run(
        &action,
        &runner::PullRequest {
            origin: origin.path(),
            head_repo: "acme/infra",
            inputs: &[("sarif", "cg.sarif"), ("release-url", NO_RELEASE)],
            comments: "[]",
            env: &[],
        },
    );
    let log = &job.log;
    assert!(
        log.contains("no release asset at file:///nonexistent"),
        "{log}"
    );
    assert!(
        job.cargo_calls.starts_with("install --locked --path"),
        "{}",
        job.cargo_calls
    );
    assert_eq!(outcome(&job, "Check the change"), "success", "{log}");
    assert_eq!(outcome(&job, "Verdict"), "failure (exit 2)", "{log}");
    assert!(log.contains("::error title=continuity-guard::"), "{log}");
    assert!(job.summary.contains("could not assess"), "{}", job.summary);
    assert_eq!(job.bodies.len(), 1, "{}", job.gh_calls);
    assert!(
        job.bodies[0].contains("could not assess"),
        "{}",
        job.bodies[0]
    );
    assert_eq!(
        job.outputs["blocking"], "",
        "no count when nothing was assessed"
    );
    assert_job_sarif(&job);
}

/// A fork's pull request: its token is read-only, so the comment step is a
/// notice that writes nothing; annotations and the summary still appear and
/// the verdict still fails.
#[test]
fn action_on_a_fork_pull_request() {
    let Some(action) = action_with_bash_and_jq() else {
        return;
    };
    let origin = common::fixture_repo("CG101/replicas-lowered");
    let job = runner::run(
        &action,
        &runner::PullRequest {
            origin: origin.path(),
            head_repo: "fork/infra",
            inputs: &[("sarif", "cg.sarif"), ("release-url", NO_RELEASE)],
            comments: OUR_EARLIER_COMMENT,
            env: &[],
        },
    );
    let log = &job.log;
    assert_eq!(outcome(&job, "Post or update"), "success", "{log}");
    assert!(
        log.contains("::notice title=continuity-guard::pull request from a fork"),
        "{log}"
    );
    assert!(!job.gh_calls.contains("-X"), "{}", job.gh_calls);
    assert!(job.bodies.is_empty());
    assert!(job.summary.contains("CG101"), "{}", job.summary);
    assert!(log.contains("::error file="), "{log}");
    assert_eq!(outcome(&job, "Verdict"), "failure (exit 1)", "{log}");
    assert_job_sarif(&job);
}

/// The hook repository over the published wheel defines the same hook as
/// this repository and pins this crate's version.
#[test]
fn pre_commit_wheel_hook_repository_matches() {
    let ours: serde_json::Value =
        serde_saphyr::from_str(include_str!("../.pre-commit-hooks.yaml")).expect("hooks parse");
    let theirs: serde_json::Value = serde_saphyr::from_str(include_str!(
        "../integrations/pre-commit-wheel/.pre-commit-hooks.yaml"
    ))
    .expect("hooks parse");
    assert_eq!(ours, theirs);
    let pyproject = include_str!("../integrations/pre-commit-wheel/pyproject.toml");
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        pyproject.contains(&format!("version = \"{version}\"")),
        "{pyproject}"
    );
    assert!(
        pyproject.contains(&format!("\"continuity-guard=={version}\"")),
        "{pyproject}"
    );
}

/// README's fork recipe: the comment workflow takes the pull request from
/// the event that ran the check (the open pull request whose head is the
/// run's head commit), never from the artifact the fork wrote, so a forged
/// artifact cannot touch another pull request.
#[test]
fn the_fork_recipe_takes_the_pull_request_from_the_event_not_the_artifact() {
    if action_with_bash_and_jq().is_none() {
        return;
    }
    let readme = include_str!("../README.md");
    let at = readme
        .find("# .github/workflows/continuity-comment.yml")
        .expect("the fork recipe's comment workflow in README");
    let block = &readme[at..];
    let yaml = &block[..block.find("```").expect("end of the block")];
    let workflow: serde_json::Value = serde_saphyr::from_str(yaml).expect("the workflow parses");
    let script = workflow["jobs"]["comment"]["steps"][1]["run"]
        .as_str()
        .expect("the comment step's script");
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let log = d.join("gh.log");
    let gh = d.join("bin/gh");
    std::fs::create_dir_all(d.join("bin")).expect("bin");
    std::fs::write(
        &gh,
        format!(
            "#!/usr/bin/env bash\necho \"$*\" >> '{}'\ncase \"$*\" in\n  \"api repos/acme/shop/pulls?\"*) echo '[{{\"number\":2,\"head\":{{\"sha\":\"other\"}}}},{{\"number\":7,\"head\":{{\"sha\":\"abc123\"}}}}]' ;;\n  \"api --paginate repos/acme/shop/issues/\"*) echo '[]' ;;\nesac\n",
            log.display()
        ),
    )
    .expect("stub gh");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(
        d.join("comment.md"),
        "<!-- continuity-guard -->\nforged verdict\n",
    )
    .expect("comment");
    // A forged artifact names pull request 2; the recipe must not read it.
    std::fs::write(d.join("pr-number"), "2\n").expect("pr-number");
    std::fs::write(d.join("step.sh"), script).expect("script");
    let run = |head_sha: &str| {
        let _ = std::fs::remove_file(&log);
        let path = format!(
            "{}:{}",
            d.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-e", "-o", "pipefail", "step.sh"])
            .current_dir(d)
            .env("PATH", path)
            .env("REPO", "acme/shop")
            .env("HEAD_SHA", head_sha)
            .env("HEAD_OWNER", "fork")
            .env("HEAD_BRANCH", "feature")
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{out:?}");
        std::fs::read_to_string(&log).unwrap_or_default()
    };
    let calls = run("abc123");
    assert!(
        calls.contains("-X POST repos/acme/shop/issues/7/comments"),
        "{calls}"
    );
    assert!(!calls.contains("issues/2"), "{calls}");
    // No open pull request has the run's head: nothing is posted anywhere.
    let calls = run("unknown");
    assert!(!calls.contains("POST"), "{calls}");
}
