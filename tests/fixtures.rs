//! Every fixture scenario under `fixtures/` becomes a git repository; the
//! human and JSON output of `check` are snapshots.

mod common;

use std::path::Path;

fn scenarios() -> Vec<String> {
    let root = common::fixtures();
    let mut out = Vec::new();
    let mut todo = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        if dir.join("base").is_dir() && dir.join("head").is_dir() {
            let rel = dir.strip_prefix(&root).expect("under fixtures");
            out.push(rel.to_string_lossy().replace('\\', "/"));
            continue;
        }
        for e in std::fs::read_dir(&dir).expect("read").flatten() {
            if e.path().is_dir() {
                todo.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fixture_snapshots() {
    let scenarios = scenarios();
    assert!(scenarios.len() >= 10, "{scenarios:?}");
    for name in scenarios {
        let repo = common::fixture_repo(&name);
        let (code, human, stderr) = common::check(repo.path(), &[]);
        assert!(code == 0 || code == 1, "{name}: exit {code}: {stderr}");
        let (_, json, _) = common::check(repo.path(), &["--format", "json"]);
        // Snapshots leave the zone database's version out, so a newer bundle
        // does not rewrite them all; every report names it.
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["tzdb"], continuity_guard::tzdb::version(), "{name}");
        let snap = name.replace('/', "__");
        insta::with_settings!({ filters => vec![(r#",?\n\s*"tzdb": "[^"]*""#, "")], snapshot_path => Path::new("snapshots"), prepend_module_to_snapshot => false, description => format!("fixtures/{name}") }, {
            insta::assert_snapshot!(format!("{snap}__human"), human);
            insta::assert_snapshot!(format!("{snap}__json"), json);
        });
    }
}
