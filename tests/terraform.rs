//! Terraform end to end on the fixture trees: facts at both sides, with the
//! line of the value they come from (resolved through variables and tfvars).

use continuity_guard::facts::{Fact, ServiceFacts};
use continuity_guard::readers::yaml::line_col;
use continuity_guard::{CheckOptions, Report, Sides, check};
use std::path::PathBuf;

/// `check` of a fixture's `base` and `head` folders.
fn check_fixture(case: &str, all: bool) -> Report {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case);
    let opts = CheckOptions {
        sides: Sides::Dirs {
            before: root.join("base"),
            after: root.join("head"),
        },
        repo_dir: root.clone(),
        plan: None,
        as_of: jiff::civil::date(2026, 11, 23),
        all,
        fail_on: None,
        strict: false,
    };
    check(&opts).expect("check runs")
}

fn facts(case: &str, service: &str) -> (ServiceFacts, ServiceFacts) {
    let report = check_fixture(case, true);
    let state = report
        .outcome
        .services
        .into_iter()
        .find(|s| s.name == service)
        .expect("service listed");
    (
        state.base.expect("base facts"),
        state.head.expect("head facts"),
    )
}

fn line_of<T>(case: &str, side: &str, fact: &Fact<T>) -> (usize, usize) {
    let loc = fact.loc().expect("located");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case)
        .join(side)
        .join(loc.path.as_ref());
    let text = std::fs::read_to_string(path).expect("file");
    line_col(&text, loc.span.start)
}

#[test]
fn multi_az_turned_off_is_seen_at_its_line() {
    let case = "terraform/rds-multi-az-off";
    let (base, head) = facts(case, "ledger");
    assert_eq!(base.stores[0].multi_az.known(), Some(&true));
    assert_eq!(head.stores[0].multi_az.known(), Some(&false));
    assert_eq!(line_of(case, "head", &head.stores[0].multi_az), (6, 29));
    assert_eq!(head.stores[0].backup_retention_days.known(), Some(&14));
    assert_eq!(head.backups.len(), 1);
}

#[test]
fn tfvars_override_variable_defaults() {
    let case = "terraform/tfvars-resolution";
    let (base, head) = facts(case, "ledger");
    assert_eq!(base.stores[0].multi_az.known(), Some(&true));
    assert_eq!(head.stores[0].multi_az.known(), Some(&false));
    // The fact points at the attribute that uses the variable.
    assert_eq!(line_of(case, "head", &head.stores[0].multi_az), (6, 29));
    assert_eq!(head.stores[0].backup_retention_days.known(), Some(&14));
    assert_eq!(head.stores[0].storage_bytes.known(), Some(&(200 << 30)));
}

#[test]
fn module_glob_selects_the_module_block() {
    let (_, head) = facts("terraform/module-selector", "payments");
    assert!(
        head.resources
            .iter()
            .any(|r| r.address == "module.payments")
    );
}

#[test]
fn unresolved_min_size_is_unknown_with_a_note() {
    let (_, head) = facts("CG101/asg-min-size-lowered", "payments");
    let workers = head
        .groups
        .iter()
        .find(|g| g.address == "aws_autoscaling_group.workers")
        .expect("workers");
    assert!(matches!(workers.min_size, Fact::Unknown { .. }));
    assert!(head.notes.iter().any(|n| n.contains("var.workers_min")));
    let payments = &head.groups[0];
    assert_eq!(payments.zones.known(), Some(&3));
}

#[test]
fn a_tfvars_change_affects_the_service_selected_by_address() {
    let report = check_fixture("terraform/tfvars-address-selector", false);
    let ledger = report
        .outcome
        .services
        .iter()
        .find(|s| s.name == "ledger")
        .expect("ledger affected");
    assert!(ledger.affected);
    let head = ledger.head.as_ref().expect("head facts");
    assert_eq!(head.stores[0].multi_az.known(), Some(&false));
    assert!(
        report.outcome.findings.iter().all(|f| f.rule != "CG002"),
        "{:?}",
        report.outcome.findings
    );
}
