//! Helpers for integration tests: temporary git repositories built from
//! fixture trees, and running the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A git command with a fixed identity, dates and no user config.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-01T12:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Copies a tree into a folder (replacing what is tracked there).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Empties a work tree (but `.git`).
pub fn clear_tree(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("read") {
        let entry = entry.expect("entry");
        if entry.file_name() == ".git" {
            continue;
        }
        if entry.file_type().expect("type").is_dir() {
            std::fs::remove_dir_all(entry.path()).expect("rm");
        } else {
            std::fs::remove_file(entry.path()).expect("rm");
        }
    }
}

/// A repository with `main` at the base tree and `feature` at the head tree.
pub fn repo_from(base: &Path, head: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    copy_tree(base, d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    clear_tree(d);
    copy_tree(head, d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "head"]);
    dir
}

/// A repository from `fixtures/<name>/{base,head}`.
pub fn fixture_repo(name: &str) -> tempfile::TempDir {
    let root = fixtures().join(name);
    repo_from(&root.join("base"), &root.join("head"))
}

/// Runs the binary in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_continuity-guard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_BASE_REF")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The arguments of `check` between main and feature at a fixed date.
pub const CHECK_MAIN_FEATURE: [&str; 7] = [
    "check",
    "--base",
    "main",
    "--head",
    "feature",
    "--as-of",
    "2026-11-23",
];

/// `check` between main and feature at a fixed date.
pub fn check(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = CHECK_MAIN_FEATURE.to_vec();
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// A test that cannot run here says so on a line of its own (`cargo test`
/// shows it with `--nocapture`, and always in the failure list when it
/// fails): under `CI=true`, where every tool is installed, it fails instead.
pub fn skip(why: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!ci, "SKIP is a failure under CI=true: {why}");
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIP: {why}");
}
