//! Replays the fuzz corpora (`fuzz/corpus/<target>/`, including the inputs
//! that once crashed) through the same entry points as the cargo-fuzz
//! targets, so CI exercises them without nightly.

use std::path::Path;

#[test]
fn fuzz_corpora_replay_without_panics() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, target) in continuity_guard::fuzzing::TARGETS {
        let dir = corpus.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{name}: empty corpus");
        for file in files {
            let data = std::fs::read(&file).expect("read");
            let start = std::time::Instant::now();
            target(&data);
            assert!(
                start.elapsed().as_secs() < 10,
                "{} took {:?}",
                file.display(),
                start.elapsed()
            );
        }
    }
}
