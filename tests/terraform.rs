//! Terraform end to end on the fixture trees: facts at both sides, with the
//! line of the value they come from (resolved through variables and tfvars).

mod common;

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

#[test]
fn a_local_module_argument_overrides_the_default_and_is_located_at_the_caller() {
    let case = "terraform/module-local";
    let (base, head) = facts(case, "ledger");
    let db = |f: &ServiceFacts| {
        f.stores
            .iter()
            .find(|s| s.address == "module.local_db.aws_db_instance.this")
            .cloned()
            .expect("the module's database, addressed from the root")
    };
    assert_eq!(db(&base).multi_az.known(), Some(&true));
    assert_eq!(db(&head).multi_az.known(), Some(&false));
    let multi_az = db(&head).multi_az;
    assert_eq!(
        multi_az.loc().map(|l| l.path.as_ref()),
        Some("terraform/ledger/main.tf")
    );
    assert_eq!(line_of(case, "head", &multi_az), (3, 14));
    // The module's own default stays a default: 7 days, read in the module.
    assert_eq!(db(&head).backup_retention_days.known(), Some(&7));
    // The module folder is not a root of its own.
    assert!(
        head.resources
            .iter()
            .all(|r| r.address != "aws_db_instance.this"),
        "{:?}",
        head.resources
            .iter()
            .map(|r| &r.address)
            .collect::<Vec<_>>()
    );
    let report = check_fixture(case, false);
    let cg102: Vec<_> = report
        .outcome
        .findings
        .iter()
        .filter(|f| f.rule == "CG102")
        .collect();
    assert_eq!(cg102.len(), 1, "{:?}", report.outcome.findings);
    assert!(cg102[0].introduced);
    assert_eq!(
        (cg102[0].location.path.as_ref(), cg102[0].location.line),
        ("terraform/ledger/main.tf", 3)
    );
    assert!(
        cg102[0].secondary.iter().any(|(l, m)| l.path.as_ref()
            == "terraform/ledger/modules/db/main.tf"
            && l.line == 13
            && m.contains("module.local_db.aws_db_instance.this")),
        "{:?}",
        cg102[0].secondary
    );
}

#[test]
fn a_registry_module_without_a_local_copy_is_read_from_its_table() {
    let report = check_fixture("terraform/module-registry", false);
    let at = |rule: &str| -> Vec<(String, usize)> {
        report
            .outcome
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.introduced)
            .map(|f| (f.location.path.to_string(), f.location.line))
            .collect()
    };
    assert_eq!(at("CG102"), vec![("terraform/ledger/main.tf".into(), 8)]);
    assert_eq!(at("CG301"), vec![("terraform/ledger/main.tf".into(), 11)]);
    let (base, _) = facts("terraform/module-registry", "ledger");
    assert_eq!(base.stores[0].multi_az.known(), Some(&true));
    assert_eq!(base.stores[0].backup_retention_days.known(), Some(&7));
}

#[test]
fn an_unknown_external_module_is_opaque_with_a_note() {
    let (_, head) = facts("terraform/module-external", "ledger");
    assert!(head.stores.is_empty());
    assert_eq!(head.opaque.len(), 1);
    assert!(
        head.notes
            .iter()
            .any(|n| n.contains("git.example.com/platform/postgres.git")),
        "{:?}",
        head.notes
    );
}

#[test]
fn terraform_init_modules_json_maps_a_registry_module_to_its_copy() {
    // `.terraform/` is not committed (as in most repositories): only the
    // work tree has it.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/terraform/module-init");
    let repo = tempfile::tempdir().expect("tempdir");
    let d = repo.path();
    common::git(d, &["init", "-q", "-b", "main"]);
    std::fs::write(d.join(".git/info/exclude"), ".terraform/\n").expect("exclude");
    common::copy_tree(&root.join("base"), d);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "-m", "base"]);
    common::git(d, &["checkout", "-q", "-b", "feature"]);
    common::clear_tree(d);
    common::copy_tree(&root.join("head"), d);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "-m", "head"]);
    let tracked = common::git(d, &["ls-files"]);
    assert!(!tracked.contains(".terraform"), "{tracked}");
    let report = check(&CheckOptions {
        sides: Sides::Git {
            base: Some("main".into()),
            head: Some("feature".into()),
        },
        repo_dir: repo.path().to_path_buf(),
        plan: None,
        as_of: jiff::civil::date(2026, 11, 23),
        all: false,
        fail_on: None,
        strict: false,
    })
    .expect("check runs");
    let cg102: Vec<_> = report
        .outcome
        .findings
        .iter()
        .filter(|f| f.rule == "CG102" && f.introduced)
        .collect();
    assert_eq!(cg102.len(), 1, "{:?}", report.outcome.findings);
    assert_eq!(
        (cg102[0].location.path.as_ref(), cg102[0].location.line),
        ("terraform/ledger/main.tf", 4)
    );
    assert!(
        report
            .outcome
            .notes
            .iter()
            .any(|n| n.contains("modules.json")),
        "{:?}",
        report.outcome.notes
    );
}

#[test]
fn catalogue_types_degrade_at_their_line_and_improvements_introduce_nothing() {
    let introduced = |case: &str| -> Vec<(&'static str, usize)> {
        check_fixture(case, false)
            .outcome
            .findings
            .iter()
            .filter(|f| f.introduced)
            .map(|f| (f.rule, f.location.line))
            .collect()
    };
    assert_eq!(
        introduced("terraform/catalogue-memorystore-basic"),
        vec![("CG102", 5)]
    );
    assert_eq!(
        introduced("terraform/catalogue-memorystore-improved"),
        vec![]
    );
    assert_eq!(
        introduced("terraform/catalogue-eks-node-group"),
        vec![("CG101", 9)]
    );
    // CloudFormation spellings of the same entries: Redshift, OpenSearch,
    // an ElastiCache cluster, an EKS node group and an ECS service whose
    // floor a scalable target owns.
    assert_eq!(
        introduced("cloudformation/catalogue-degraded"),
        vec![
            ("CG102", 9),
            ("CG301", 11),
            ("CG102", 17),
            ("CG102", 23),
            ("CG101", 30),
            ("CG101", 42)
        ]
    );
    assert_eq!(introduced("cloudformation/catalogue-improved"), vec![]);
    // The eks registry module's managed node groups, and an ECS service
    // whose floor an aws_appautoscaling_target owns.
    assert_eq!(
        introduced("terraform/registry-eks-node-group"),
        vec![("CG101", 11)]
    );
    assert_eq!(
        introduced("terraform/registry-eks-node-group-improved"),
        vec![]
    );
    assert_eq!(
        introduced("terraform/ecs-scalable-target"),
        vec![("CG101", 15)]
    );
    assert_eq!(introduced("terraform/ecs-scalable-target-improved"), vec![]);
    // A module call that cannot be evaluated fails closed.
    assert_eq!(
        introduced("terraform/module-unevaluable"),
        vec![("CG004", 1)]
    );
}

#[test]
fn the_issue_example_gives_cg102_at_both_arguments_and_cg301_at_the_window() {
    let report = check_fixture("terraform/issue-14-example", false);
    let mut got: Vec<(&str, usize)> = report
        .outcome
        .findings
        .iter()
        .filter(|f| f.introduced)
        .map(|f| (f.rule, f.location.line))
        .collect();
    got.sort();
    assert_eq!(got, vec![("CG102", 3), ("CG102", 9), ("CG301", 4)]);
}
