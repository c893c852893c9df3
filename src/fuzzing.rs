//! Entry points of the fuzz targets (`fuzz/`), kept in the library so the
//! saved corpora replay through exactly the same code in a plain `cargo test`
//! (`tests/fuzz_corpus.rs`), without nightly. Each one must return, whatever
//! the bytes: an error is fine, a panic, hang or unbounded allocation is a bug.

use crate::facts::schedule::{Dialect, Schedule, largest_gap};
use crate::plan::hours::Hours;
use crate::readers::{self, yaml};
use std::sync::Arc;

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name (the folder names under `fuzz/corpus/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("plan_load", plan_load),
    ("yaml", yaml_reader),
    ("hours", hours),
    ("schedule", schedule),
    ("terraform", terraform),
    ("kustomize", kustomize),
    ("helm", helm),
];

/// `plan::load` on any text.
pub fn plan_load(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::plan::load("continuity.yaml", &text);
    // Read in pieces on threads, a plan must be what it is read whole.
    crate::plan::load::same_whole_and_in_pieces(&text, 3);
}

/// The YAML reader: `parse_stream`, then `read_file` on a `.yaml` path
/// (templates, LFS pointers, Kubernetes resources).
pub fn yaml_reader(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = yaml::parse_stream(text, yaml::Budget::default());
    }
    let _ = readers::read_file(&Arc::from("deploy/app.yaml"), data);
}

/// Hours of operation in a zone with daylight saving time, and their
/// intervals over a week.
pub fn hours(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(h) = Hours::parse(&text, "Europe/London") {
        let _ = h.canonical();
        let from =
            jiff::Timestamp::from_second(1_790_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        if let Ok(to) = from.checked_add(jiff::SignedDuration::from_hours(24 * 8)) {
            let _ = h.intervals(from, to);
        }
    }
}

/// Cron, AWS cron and rate schedules, and their largest gap over a year.
pub fn schedule(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for dialect in [Dialect::Robfig, Dialect::Aws, Dialect::Unix] {
        if let Ok(s) = Schedule::parse(&text, "America/New_York", dialect) {
            let _ = largest_gap(&s, jiff::civil::date(2026, 11, 23));
        }
    }
}

/// `read_file` on a `.tf` path (whatever Terraform reader is in the build).
pub fn terraform(data: &[u8]) {
    let read = Arc::new(readers::read_file(&Arc::from("terraform/main.tf"), data));
    // Then variables, locals and conditionals resolved as the engine does.
    let mut resources: Vec<Arc<readers::Resource>> =
        read.resources.iter().cloned().map(Arc::new).collect();
    readers::terraform::resolve_references(
        &mut resources,
        |_| vec!["terraform/main.tf".to_string()],
        |_| Some(read.clone()),
    );
    // Module calls, every folder holding this same file: cycles, depth and
    // counts must end in notes, never a hang.
    let list_dir = |d: &str| vec![format!("{d}main.tf")];
    let mut read_any = |_: &str| Some(read.clone());
    let bytes = |_: &str| None;
    let _ = readers::terraform_modules::instantiate_calls(
        &mut resources,
        |_, _| true,
        &mut readers::terraform_modules::Files {
            list_dir: &list_dir,
            read: &mut read_any,
            bytes: &bytes,
        },
    );
    let _ = crate::facts::derive(crate::source::Side::Head, resources);
}

/// The kustomize builder over up to four files cut from the input at lines
/// `----` (two kustomizations, a manifest, a patch, each able to name the
/// others, themselves or nothing): every root built, every file viewed.
pub fn kustomize(data: &[u8]) {
    use readers::kustomize::{MemFiles as Mem, SideBuilds};
    let text = String::from_utf8_lossy(data);
    let names = [
        "app/overlays/prod/kustomization.yaml",
        "app/base/kustomization.yaml",
        "app/base/api.yaml",
        "app/overlays/prod/patch.yaml",
    ];
    let mut files = Mem(names
        .iter()
        .zip(text.split("\n----\n"))
        .map(|(n, t)| ((*n).to_string(), Arc::from(t)))
        .collect());
    let mut side = SideBuilds::default();
    for name in names {
        if let Some(view) = side.view(name, &mut files) {
            let resources = view.resources.clone();
            let _ = crate::facts::derive(crate::source::Side::Head, resources);
        }
    }
}

/// A chart rendered from three files cut from the input at lines `----`
/// (a template, the helpers, the values), every file viewed through it:
/// any template either renders or fails with an error, within its budget.
pub fn helm(data: &[u8]) {
    use readers::helm::SideCharts;
    use readers::kustomize::MemFiles as Mem;
    let text = String::from_utf8_lossy(data);
    let names = [
        "chart/templates/app.yaml",
        "chart/templates/_helpers.tpl",
        "chart/values.yaml",
    ];
    let mut files = Mem(names
        .iter()
        .zip(text.split("\n----\n"))
        .map(|(n, t)| ((*n).to_string(), Arc::from(t)))
        .collect());
    files.0.insert(
        "chart/Chart.yaml".into(),
        Arc::from("apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: \"1\"\n"),
    );
    let mut charts = SideCharts::default();
    for name in names {
        if let Some(view) = charts.view(name, &mut files) {
            let _ = crate::facts::derive(crate::source::Side::Head, view.resources.clone());
        }
    }
}
