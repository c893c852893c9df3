//! Hostile and unusual repositories (issue 7): each gets its documented exit
//! code and a clear message, never a panic. Cases already covered by
//! `tests/cli.rs` (alias bomb, deep nesting, NUL bytes and non-UTF-8 in a
//! manifest, a YAML LFS pointer, a plan deleted at head, unrelated
//! histories) are not repeated here; these extend them.

mod common;

use common::{check, git, run};
use std::path::Path;

fn write(dir: &Path, path: &str, text: &[u8]) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// `main` with the CG101 demo (plan + healthy deployment), `feature` checked out.
fn repo() -> tempfile::TempDir {
    let root = common::fixtures().join("CG101/replicas-lowered");
    let dir = tempfile::tempdir().expect("tmp");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    common::copy_tree(&root.join("base"), dir.path());
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    dir
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// Runs the check and asserts it neither panicked nor took long.
fn checked(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let start = std::time::Instant::now();
    let (code, out, err) = check(dir, extra);
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
    assert!(!err.contains("panicked"), "{err}");
    (code, out, err)
}

fn lower_replicas(dir: &Path) {
    let api = dir.join("deploy/payments/api.yaml");
    let text = std::fs::read_to_string(&api).expect("api");
    std::fs::write(&api, text.replace("replicas: 3", "replicas: 1")).expect("write");
}

#[test]
fn file_over_the_size_limit_is_not_assessed_cg004() {
    let dir = repo();
    let limit = continuity_guard::readers::MAX_FILE_BYTES;
    let mut big = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big, namespace: payments }\ndata:\n",
    );
    while big.len() <= 50 * 1024 * 1024 {
        big.push_str(
            "  k: \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n",
        );
    }
    assert!(big.len() > limit);
    write(dir.path(), "deploy/payments/big.yaml", big.as_bytes());
    commit(dir.path(), "50 MB");
    let (code, out, _) = checked(dir.path(), &[]);
    assert_eq!(code, 1, "fails closed: {out}");
    assert!(
        out.contains("deploy/payments/big.yaml: skipped") && out.contains("MiB limit"),
        "{out}"
    );
    assert!(out.contains("error[CG004]"), "{out}");
    // Named in the plan's `ignore`: accepted, a note only.
    let plan = std::fs::read_to_string(dir.path().join("continuity.yaml")).expect("plan");
    write(
        dir.path(),
        "continuity.yaml",
        format!("{plan}ignore: [\"deploy/payments/big.yaml\"]\n").as_bytes(),
    );
    commit(dir.path(), "ignore it");
    let (code, out, _) = checked(dir.path(), &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn deep_nesting_and_bombs_in_the_plan_are_plan_errors() {
    let plan = std::fs::read_to_string(
        common::fixtures().join("CG101/replicas-lowered/base/continuity.yaml"),
    )
    .expect("plan");
    let cases: Vec<(&str, String)> = vec![
        ("deep", format!("{plan}x: {}\n", "[".repeat(100_000))),
        (
            "deep-map",
            format!(
                "{plan}x:\n{}",
                (0..100_000).map(|_| "{a: ").collect::<String>()
            ),
        ),
        ("bomb", {
            let mut b = format!("{plan}x:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
            for i in 1..15 {
                let p = i - 1;
                b.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
            }
            b
        }),
        ("nul", format!("{plan}\0\n")),
    ];
    for (name, text) in cases {
        let dir = repo();
        write(dir.path(), "continuity.yaml", text.as_bytes());
        commit(dir.path(), name);
        let (code, out, err) = checked(dir.path(), &[]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains("continuity.yaml"), "{name}: {err}");
    }
    // Not UTF-8: read lossily, so the plan still loads (the byte is in a comment).
    let dir = repo();
    write(
        dir.path(),
        "continuity.yaml",
        format!("# caf\u{e9}\n{plan}")
            .replace('\u{e9}', "")
            .as_bytes(),
    );
    let mut bytes = std::fs::read(dir.path().join("continuity.yaml")).expect("plan");
    bytes.splice(5..5, [0xe9]);
    std::fs::write(dir.path().join("continuity.yaml"), bytes).expect("write");
    commit(dir.path(), "latin1 comment");
    let (code, out, err) = checked(dir.path(), &[]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn deep_terraform_never_panics() {
    // The Terraform reader lands separately; whatever it is, 100,000 levels
    // of nesting are at most CG001 (exit 1), never a crash.
    let dir = repo();
    let tf = format!("locals {{\n  x = {}\n}}\n", "[".repeat(100_000));
    write(dir.path(), "deploy/payments/deep.tf", tf.as_bytes());
    write(
        dir.path(),
        "deploy/payments/lfs.tf",
        b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n",
    );
    commit(dir.path(), "deep tf");
    let (code, out, _) = checked(dir.path(), &[]);
    assert!(code == 1 && out.contains("CG004"), "{code}: {out}");
    assert!(
        out.contains("deploy/payments/lfs.tf: Git LFS pointer, content unavailable"),
        "{out}"
    );
}

#[test]
fn terraform_that_makes_the_parser_backtrack_is_cut_off() {
    // Found by the `terraform` fuzz target: hcl-edit backtracks exponentially
    // on unclosed `{` in expressions (this file alone takes seconds in a debug
    // build; three more braces take minutes). The parse has a deadline, so the
    // check ends with CG001 on the file instead of hanging.
    let hostile = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hcl-backtracking.tf"),
    )
    .expect("hostile file");
    let seg: &[u8] = b"n%o<fsarn%{n .\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\ro<ffsarn%{";
    let at = hostile
        .windows(b"fsaresr=n%o<fsarn%{n .".len())
        .position(|w| w == b"fsaresr=n%o<fsarn%{n .")
        .expect("pattern");
    let mut worse = hostile[..at].to_vec();
    for _ in 0..4 {
        worse.extend_from_slice(seg);
    }
    worse.extend_from_slice(&hostile[at..]);
    let dir = repo();
    write(dir.path(), "deploy/payments/main.tf", &worse);
    commit(dir.path(), "hostile tf");
    let started = std::time::Instant::now();
    let (code, out, err) = checked(dir.path(), &[]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("CG001") && out.contains("not parsed within"),
        "{out}"
    );
}

#[test]
fn symlinks_are_not_followed() {
    let dir = repo();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("deploy/payments/link.yaml"))
        .expect("symlink");
    std::os::unix::fs::symlink("api.yaml", dir.path().join("deploy/payments/alias.yaml"))
        .expect("symlink");
    commit(dir.path(), "links");
    let (code, out, _) = checked(dir.path(), &[]);
    assert_eq!(code, 1, "a mapped link is not assessed (CG004): {out}");
    assert!(
        out.contains("link.yaml changed and cannot be assessed"),
        "{out}"
    );
    assert!(
        out.contains("deploy/payments/link.yaml: symbolic link, not followed"),
        "{out}"
    );
    assert!(
        out.contains("deploy/payments/alias.yaml: symbolic link, not followed"),
        "{out}"
    );
}

#[test]
fn submodules_are_not_read() {
    let dir = repo();
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    git(
        dir.path(),
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{head},deploy/payments/vendored"),
        ],
    );
    git(dir.path(), &["commit", "-q", "-m", "gitlink"]);
    let (code, out, _) = checked(dir.path(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("deploy/payments/vendored: submodule, not read"),
        "{out}"
    );
}

#[test]
fn case_only_rename_keeps_findings_existing() {
    let dir = repo();
    lower_replicas(dir.path());
    commit(dir.path(), "lower");
    git(dir.path(), &["branch", "-f", "main"]);
    git(
        dir.path(),
        &["mv", "deploy/payments/api.yaml", "deploy/payments/API.yaml"],
    );
    git(dir.path(), &["commit", "-q", "-m", "case"]);
    let (code, out, _) = checked(dir.path(), &["--format", "json", "--all"]);
    assert_eq!(code, 0, "a renamed file keeps its finding existing: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["rule"] == "CG101"
            && f["introduced"] == false
            && f["location"]["path"] == "deploy/payments/API.yaml"),
        "{out}"
    );
}

#[test]
fn merge_commit_as_head_and_base_not_an_ancestor() {
    let dir = repo();
    lower_replicas(dir.path());
    commit(dir.path(), "lower replicas");
    // main moves on after feature branched: main is not an ancestor of feature.
    git(dir.path(), &["checkout", "-q", "main"]);
    write(dir.path(), "README.md", b"main moves on\n");
    commit(dir.path(), "main only");
    let main_tip = git(dir.path(), &["rev-parse", "main"]);
    let branch_point = git(dir.path(), &["rev-parse", "main~1"]);
    git(dir.path(), &["checkout", "-q", "feature"]);
    let (code, out, _) = checked(dir.path(), &["--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["base"]["commit"],
        branch_point.as_str(),
        "the merge-base is compared"
    );
    // Now merge main into feature: the head is a merge commit; the change is
    // still only feature's own, measured from the merge-base (main's tip).
    git(dir.path(), &["merge", "-q", "--no-edit", "main"]);
    assert_eq!(
        git(dir.path(), &["rev-list", "--parents", "-n", "1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    let (code, out, _) = checked(dir.path(), &["--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["base"]["commit"], main_tip.as_str());
    assert!(out.contains("\"rule\": \"CG101\""), "{out}");
    assert!(
        !out.contains("README.md"),
        "main's own change is not the head's: {out}"
    );
}

#[test]
fn empty_repository_exits_2_unless_staged() {
    let dir = tempfile::tempdir().expect("tmp");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let (code, _, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no base revision") && !err.contains("panicked"),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["check", "--base", "HEAD", "--head", "HEAD"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("revision `HEAD` not found"), "{err}");
    // --staged works before the first commit: everything staged is added,
    // the plan too, so what it finds is newly in scope (adopting the tool
    // blocks nothing, DESIGN §1.5) but listed.
    common::copy_tree(
        &common::fixtures().join("CG101/replicas-lowered/head"),
        dir.path(),
    );
    git(dir.path(), &["add", "-A"]);
    let (code, out, err) = run(dir.path(), &["check", "--staged", "--as-of", "2026-11-23"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("CG101") && out.contains("newly in scope"),
        "{out}"
    );
}

#[test]
fn plan_deleted_at_head_names_the_way_out() {
    // Documented in README: a head without a plan cannot be assessed (exit 2).
    let dir = repo();
    git(dir.path(), &["rm", "-q", "continuity.yaml"]);
    git(dir.path(), &["commit", "-q", "-m", "no plan"]);
    let (code, _, err) = checked(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no continuity plan on the head side") && err.contains("--plan"),
        "{err}"
    );
}

/// The pruned tree diff gives what libgit2's (and git's) diff gives.
#[test]
fn pruned_diff_agrees_with_git() {
    let dir = repo();
    let d = dir.path();
    write(d, "a/b/c.txt", b"1\n");
    write(d, "a/b/d.txt", b"1\n");
    write(d, "a/x.sh", b"#!/bin/sh\n");
    write(d, "keep/k.txt", b"k\n");
    write(d, "link-target.txt", b"t\n");
    commit(d, "more");
    git(d, &["branch", "-f", "main"]);
    // Modified, mode change, type change (file to symlink), added deep.
    write(d, "a/b/c.txt", b"2\n");
    git(d, &["update-index", "--chmod=+x", "a/x.sh"]);
    std::fs::remove_file(d.join("link-target.txt")).expect("rm");
    std::os::unix::fs::symlink("keep/k.txt", d.join("link-target.txt")).expect("symlink");
    write(d, "new/deep/er/n.yaml", b"a: 1\n");
    commit(d, "changes");
    let repo = continuity_guard::source::git::open(d).expect("open");
    let base = continuity_guard::source::git::resolve(&repo, "main").expect("main");
    let head = continuity_guard::source::git::resolve(&repo, "feature").expect("feature");
    let ours = continuity_guard::source::git::diff_commits(&repo, &base, &head).expect("diff");
    let ours: Vec<String> = ours
        .changes
        .iter()
        .map(|c| format!("{:?} {}", c.status, c.path()))
        .collect();
    let theirs: Vec<String> = git(
        d,
        &["diff", "--name-status", "--no-renames", "main", "feature"],
    )
    .lines()
    .map(|l| {
        let (s, p) = l.split_once('\t').expect("status");
        let s = match s {
            "A" => "Added",
            "D" => "Deleted",
            _ => "Modified",
        };
        format!("{s} {p}")
    })
    .collect();
    assert_eq!(ours, theirs);
}

/// `{a,{a,{a,…}}}`, `depth` levels of braces.
fn nested_braces(depth: usize) -> String {
    let mut g = String::from("a");
    for _ in 0..depth {
        g = format!("{{a,{g}}}");
    }
    g
}

#[test]
fn nested_brace_globs_are_plan_errors_with_their_line() {
    let deep = nested_braces(130);
    let plan = std::fs::read_to_string(
        common::fixtures().join("CG101/replicas-lowered/base/continuity.yaml"),
    )
    .expect("plan");
    let cases = [
        (
            "paths",
            plan.replace("\"deploy/payments/**\"", &format!("\"{deep}/**\"")),
            11,
        ),
        (
            "ignore",
            format!("{plan}ignore:\n  - \"x/**\"\n  - \"{deep}\"\n"),
            18,
        ),
        (
            "waiver",
            format!(
                "{plan}waivers:\n  - {{ rule: CG101, service: payments, resource: \"{deep}\", reason: r, expires: 2027-01-01 }}\n"
            ),
            17,
        ),
    ];
    for (name, text, line) in cases {
        let dir = repo();
        write(dir.path(), "continuity.yaml", text.as_bytes());
        let (code, out, err) = run(dir.path(), &["plan", "validate"]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(
            err.contains("levels deep") && err.contains(&format!("continuity.yaml:{line}:")),
            "{name}: {err}"
        );
        assert!(!err.contains(&deep), "the glob is not quoted whole: {err}");
        lower_replicas(dir.path());
        commit(dir.path(), name);
        let (code, out, err) = checked(dir.path(), &[]);
        assert_eq!(code, 2, "{name}: {out}{err}");
    }
    // CODEOWNERS is a hint for `init`: a rule over the limits owns nothing.
    let dir = repo();
    write(
        dir.path(),
        "CODEOWNERS",
        format!("{deep} @evil\ndeploy/ @acme/payments\n").as_bytes(),
    );
    std::fs::remove_file(dir.path().join("continuity.yaml")).expect("rm");
    let (code, out, err) = run(dir.path(), &["init", "--print"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_long_chain_of_locals_does_not_overflow_the_stack() {
    let dir = repo();
    let mut locals = String::from("locals {\n  l0 = 3\n");
    for i in 1..20_000 {
        locals.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    locals.push_str("}\n");
    write(dir.path(), "deploy/payments/locals.tf", locals.as_bytes());
    write(
        dir.path(),
        "deploy/payments/asg.tf",
        b"resource \"aws_autoscaling_group\" \"api\" {\n  min_size = local.l19999\n}\n",
    );
    commit(dir.path(), "chain");
    let (code, out, err) = checked(dir.path(), &[]);
    assert!(code == 0 || code == 1, "{code}: {out}{err}");
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_exit_2() {
    let dir = repo();
    lower_replicas(dir.path());
    commit(dir.path(), "lower");
    let args = [common::CHECK_MAIN_FEATURE.as_slice(), &["--all"]].concat();
    // `| head -0`: the reader is gone before anything is written.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_continuity-guard"))
        .args(&args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "keeps its exit code: {err}");
    assert!(err.is_empty(), "quiet: {err}");
    // `> /dev/full`.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    for extra in [&[][..], &["rules"][..]] {
        let args: Vec<&str> = if extra.is_empty() {
            args.to_vec()
        } else {
            extra.to_vec()
        };
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_continuity-guard"))
            .args(&args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdout(full.try_clone().expect("dup"))
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("cannot write to /dev/full") && !err.contains("panicked"),
            "{err}"
        );
    }
}

#[test]
fn directory_mode_never_follows_a_link_nor_opens_a_device_or_fifo() {
    let root = common::fixtures().join("CG101/replicas-lowered");
    let dirs = tempfile::tempdir().expect("tmp");
    let (before, after) = (dirs.path().join("before"), dirs.path().join("after"));
    for d in [&before, &after] {
        std::fs::create_dir_all(d).expect("mkdir");
        common::copy_tree(&root.join("base"), d);
    }
    let p = after.join("deploy/payments");
    std::os::unix::fs::symlink("/proc/self/environ", p.join("environ.yaml")).expect("link");
    std::os::unix::fs::symlink("/dev/zero", p.join("zero.yaml")).expect("link");
    // The same links at both sides: still never read to compare them.
    std::os::unix::fs::symlink("/dev/zero", before.join("deploy/payments/zero.yaml"))
        .expect("link");
    let fifo = p.join("fifo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // 12 GiB, sparse: over the limit by its size, never read.
    std::fs::File::create(p.join("huge.yaml"))
        .and_then(|f| f.set_len(12 << 30))
        .expect("sparse");
    let start = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_continuity-guard"))
        .args([
            "check",
            "--as-of",
            "2026-11-23",
            "--format",
            "human",
            "--format",
            "json",
            "--before",
        ])
        .arg(&before)
        .arg("--after")
        .arg(&after)
        .env("NO_COLOR", "1")
        .env("CG_TEST_SECRET", "hunter2-secret")
        .output()
        .expect("run");
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        !stdout.contains("hunter2") && !stderr.contains("hunter2"),
        "{stdout}{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains("deploy/payments/environ.yaml: symbolic link, not followed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("deploy/payments/huge.yaml: skipped, 12884901888 bytes"),
        "{stdout}"
    );
}

#[test]
fn plan_validate_never_follows_a_link_nor_prints_its_target() {
    let dir = tempfile::tempdir().expect("tmp");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "AWS_SECRET_ACCESS_KEY=hunter2\n").expect("write");
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).expect("mkdir");
    std::os::unix::fs::symlink(&secret, repo.join("continuity.yaml")).expect("link");
    for args in [
        &["plan", "validate"][..],
        &["plan", "validate", "continuity.yaml"][..],
    ] {
        let (code, out, err) = run(&repo, args);
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            !out.contains("hunter2") && !err.contains("hunter2"),
            "{out}{err}"
        );
        assert!(err.contains("symbolic link, not followed"), "{err}");
    }
    std::fs::remove_file(repo.join("continuity.yaml")).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", repo.join("continuity.yaml")).expect("link");
    let (code, _, err) = run(&repo, &["plan", "validate", "/dev/zero"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn names_with_line_breaks_and_escapes_stay_on_their_line_in_every_format() {
    let dir = repo();
    let hostile = "deploy/payments/x\n::error::boom\x1b[31m\u{9b}2J\u{202e}.yaml";
    let api = std::fs::read_to_string(dir.path().join("deploy/payments/api.yaml")).expect("api");
    write(
        dir.path(),
        hostile,
        api.replace("name: api", "name: evil")
            .replace("replicas: 3", "replicas: 1")
            .as_bytes(),
    );
    // A plan key with ESC and a line break (YAML's `\e` and `\n` escapes).
    let plan = std::fs::read_to_string(dir.path().join("continuity.yaml")).expect("plan");
    write(
        dir.path(),
        "continuity.yaml",
        format!(
            "{plan}  \"ev\\e]0;owned\\a\\n::warning::il\":\n    match: [{{ paths: [\"deploy/payments/x*\"] }}]\n"
        )
        .as_bytes(),
    );
    commit(dir.path(), "hostile name");
    for fmt in ["human", "json", "markdown", "sarif", "github"] {
        let (code, out, err) = checked(dir.path(), &["--format", fmt]);
        assert_eq!(code, 1, "{fmt}: {out}{err}");
        assert!(out.contains("CG101"), "{fmt}: {out}");
        for line in out.lines() {
            assert!(
                !line.starts_with("::error::boom") && !line.starts_with("::warning::il"),
                "{fmt}: a line starts with repository text: {line:?}"
            );
        }
        // JSON and SARIF are read by programs: C0 controls are escaped
        // (`\u001b`), other characters are text as JSON allows.
        let raw = |c: char| match fmt {
            "json" | "sarif" => matches!(c, '\x1b' | '\x07'),
            _ => matches!(c, '\x1b' | '\x07' | '\u{9b}' | '\u{202e}'),
        };
        assert!(
            !out.contains(raw),
            "{fmt}: a raw control character: {out:?}"
        );
        if fmt == "human" {
            assert!(
                out.contains("x\\n::error::boom\\x1b[31m\\u{9b}2J\\u{202e}.yaml"),
                "{out}"
            );
            assert!(
                out.contains("ev\\x1b]0;owned\\x07\\n::warning::il"),
                "{out}"
            );
        }
    }
}

/// Rewrites a work tree to hide a change from the readers.
type Hide = fn(&Path);

/// A real CG101 hidden four ways: each is CG004 in every format, never a pass.
#[test]
fn a_change_hidden_from_the_readers_fails_closed() {
    let hide: [(&str, Hide); 4] = [
        ("template", |d| {
            let api = d.join("deploy/payments/api.yaml");
            let text = std::fs::read_to_string(&api).expect("api");
            std::fs::write(&api, format!("{text}# padding\n---\nnote: a {{{{ b }}}}\n"))
                .expect("write");
        }),
        ("lfs", |d| {
            write(
                d,
                "deploy/payments/api.yaml",
                b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n",
            );
        }),
        ("symlink", |d| {
            let api = d.join("deploy/payments/api.yaml");
            std::fs::rename(&api, d.join("shared.yaml")).expect("mv");
            std::os::unix::fs::symlink("../../shared.yaml", &api).expect("link");
        }),
        ("tf-json", |d| {
            write(
                d,
                "deploy/payments/asg.tf.json",
                br#"{"resource": {"aws_autoscaling_group": {"api": {"min_size": 1}}}}"#,
            );
        }),
    ];
    for (name, how) in hide {
        let dir = repo();
        lower_replicas(dir.path());
        how(dir.path());
        commit(dir.path(), name);
        for fmt in ["human", "json", "markdown", "sarif", "github"] {
            let (code, out, err) = checked(dir.path(), &["--format", fmt]);
            assert_eq!(code, 1, "{name} {fmt}: {out}{err}");
            assert!(out.contains("CG004"), "{name} {fmt}: {out}");
        }
    }
}

#[test]
fn null_replicas_are_kubernetes_default_of_one() {
    for null in ["null", "~", ""] {
        let dir = repo();
        let api = dir.path().join("deploy/payments/api.yaml");
        let text = std::fs::read_to_string(&api).expect("api");
        std::fs::write(
            &api,
            text.replace("replicas: 3", &format!("replicas: {null}")),
        )
        .expect("write");
        commit(dir.path(), &format!("replicas {null:?}"));
        let (code, out, _) = checked(dir.path(), &[]);
        assert_eq!(code, 1, "replicas: {null}: {out}");
        assert!(out.contains("runs 1 replica"), "{out}");
    }
}

#[test]
fn missing_or_corrupt_objects_exit_2_naming_the_object() {
    let dir = repo();
    lower_replicas(dir.path());
    commit(dir.path(), "lower");
    // A `--filter=blob:none` clone: no blob is fetched, and the tool never fetches.
    git(dir.path(), &["config", "uploadpack.allowFilter", "true"]);
    let clones = tempfile::tempdir().expect("tmp");
    let url = format!("file://{}", dir.path().display());
    git(
        clones.path(),
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            "--no-checkout",
            &url,
            "partial",
        ],
    );
    let partial = clones.path().join("partial");
    let (code, out, err) = run(
        &partial,
        &[
            "check",
            "--base",
            "origin/main",
            "--head",
            "origin/feature",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("is missing or corrupt") && err.contains("filter `blob:none`"),
        "{err}"
    );
    // A damaged repository: the changed manifest's loose object is gone.
    let id = git(
        dir.path(),
        &["rev-parse", "feature:deploy/payments/api.yaml"],
    );
    let object = dir
        .path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    std::fs::remove_file(object).expect("rm object");
    let (code, out, err) = checked(dir.path(), &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "git object {id} of `deploy/payments/api.yaml` is missing"
        )),
        "{err}"
    );
}

#[test]
fn staged_mode_reads_the_index_git_commit_names() {
    // `git commit -a` runs the hook with GIT_INDEX_FILE set to a temporary
    // index; the repository's own index holds nothing staged.
    let dir = repo();
    lower_replicas(dir.path());
    let with_index = |index: Option<&str>, args: &[&str]| {
        let mut c = std::process::Command::new("git");
        c.args(args).current_dir(dir.path());
        if let Some(i) = index {
            c.env("GIT_INDEX_FILE", i);
        }
        assert!(c.status().expect("git").success(), "{args:?}");
    };
    with_index(Some(".git/commit-index"), &["read-tree", "HEAD"]);
    with_index(
        Some(".git/commit-index"),
        &["add", "deploy/payments/api.yaml"],
    );
    let staged = |index: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_continuity-guard"));
        c.args(["check", "--staged", "--as-of", "2026-11-23"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1");
        match index {
            Some(i) => c.env("GIT_INDEX_FILE", i),
            None => c.env_remove("GIT_INDEX_FILE"),
        };
        let out = c.output().expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = staged(None);
    assert_eq!(code, Some(0), "nothing staged in .git/index: {out}");
    let (code, out) = staged(Some(".git/commit-index"));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("CG101"), "{out}");
}

/// Rewrites a plan's text to relax it.
type Relax = fn(&str) -> String;

/// The pull request brings its own relaxed plan: each relaxation is CG407
/// (a warning needing approval), and `--strict` judges with the base's gate.
#[test]
fn a_change_cannot_relax_its_own_gate_under_strict() {
    let cases: [(&str, Relax); 5] = [
        ("ignore", |p| format!("{p}ignore: [\"**\"]\n")),
        ("rules", |p| format!("{p}rules:\n  CG101: off\n")),
        ("waiver", |p| {
            format!(
                "{p}waivers:\n  - {{ rule: CG101, service: payments, reason: mine, expires: 2027-06-30 }}\n"
            )
        }),
        ("tier", |p| p.replace("min_replicas: 3", "min_replicas: 1")),
        ("match", |p| {
            p.replace("paths: [\"deploy/payments/**\"]", "paths: [\"nothing/**\"]")
        }),
    ];
    for (name, relax) in cases {
        let dir = repo();
        lower_replicas(dir.path());
        let plan = std::fs::read_to_string(dir.path().join("continuity.yaml")).expect("plan");
        write(dir.path(), "continuity.yaml", relax(&plan).as_bytes());
        commit(dir.path(), name);
        let (code, out, err) = checked(dir.path(), &["--format", "json"]);
        assert!(code == 0 || code == 1, "{name}: {out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let findings = v["findings"].as_array().expect("findings");
        assert!(
            findings
                .iter()
                .any(|f| f["rule"] == "CG407" && f["severity"] == "warning"),
            "{name}: {out}"
        );
        let (code, out, err) = checked(dir.path(), &["--strict"]);
        assert_eq!(
            code, 1,
            "{name}: strict judges with the base's gate: {out}{err}"
        );
        assert!(out.contains("error[CG101]"), "{name}: {out}");
    }
}
