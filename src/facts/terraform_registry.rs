//! The best-known public Terraform modules without a local copy (DESIGN §1a
//! "Terraform modules"): one table per module naming the resource it builds,
//! which of its inputs set which field of that resource, and the module's
//! defaults where they differ from the resource's own. A call of such a
//! module becomes that resource, its fields located at the caller's
//! arguments (a default at the call's first line), and is read by the same
//! extractor as a hand-written resource. Any other external module is
//! *opaque*: unknown facts and a note naming it, never "kept".
//!
//! Defaults are those of the modules' `variables.tf` on their current major
//! versions (checked against the modules' published variables): where an
//! older major version differs, the entry says so.

use crate::readers::terraform_modules::{Source, classify};
use crate::readers::{Node, Resource, Span, Value};
use std::sync::Arc;

/// A module default that differs from the resource's own.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    /// A string (`"ZONAL"`, a window).
    Str(&'static str),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

/// What a registry module builds and how its inputs map to it.
#[derive(Debug)]
pub struct ModuleTable {
    /// `terraform-aws-modules`, and the other namespaces it is published under.
    pub namespaces: &'static [&'static str],
    /// `rds`.
    pub name: &'static str,
    /// The major versions this table describes (inclusive).
    pub majors: (u32, u32),
    /// The resource type it builds.
    pub resource: &'static str,
    /// Module input → the resource's field (dotted through blocks).
    pub inputs: &'static [(&'static str, &'static str)],
    /// The module's defaults for fields it sets when the caller does not.
    pub defaults: &'static [(&'static str, Default)],
    /// An input whose items are each one more resource (rds-aurora `instances`).
    pub items: Option<Items>,
}

/// An input whose items each build one more resource.
#[derive(Debug)]
pub struct Items {
    /// The input (`instances`).
    pub input: &'static str,
    /// The resource each item builds (`aws_rds_cluster_instance`).
    pub resource: &'static str,
    /// Item field → the resource's field.
    pub fields: &'static [(&'static str, &'static str)],
    /// A module input whose map gives every item's fields when the item
    /// leaves them out (eks `eks_managed_node_group_defaults`).
    pub defaults_input: Option<&'static str>,
    /// Module input → the item resource's field, when the item and the
    /// defaults leave it out (eks: the cluster's `subnet_ids`).
    pub inherited: &'static [(&'static str, &'static str)],
    /// The module's own default of an item resource's field.
    pub defaults: &'static [(&'static str, Default)],
}

/// terraform-aws-modules/rds/aws: `multi_az = false` and
/// `deletion_protection = false` in every major version (v1–v7, read in
/// the module's tags), `backup_window` and `maintenance_window` `null`
/// (AWS-chosen); `backup_retention_period` was 1 in v1–v2 and is `null`
/// (the provider's 1 day) since v3: the same facts, so one table.
const RDS: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "rds",
    majors: (1, u32::MAX),
    resource: "aws_db_instance",
    inputs: &[
        ("multi_az", "multi_az"),
        ("backup_retention_period", "backup_retention_period"),
        ("backup_window", "backup_window"),
        ("maintenance_window", "maintenance_window"),
        ("deletion_protection", "deletion_protection"),
        ("allocated_storage", "allocated_storage"),
        ("replicate_source_db", "replicate_source_db"),
        ("create_db_instance", "count"),
    ],
    defaults: &[],
    items: None,
};

/// The inputs of terraform-aws-modules/rds-aurora/aws, the same in every
/// major version.
const RDS_AURORA_INPUTS: &[(&str, &str)] = &[
    ("backup_retention_period", "backup_retention_period"),
    ("preferred_backup_window", "preferred_backup_window"),
    (
        "preferred_maintenance_window",
        "preferred_maintenance_window",
    ),
    ("deletion_protection", "deletion_protection"),
    ("allocated_storage", "allocated_storage"),
    ("create", "count"),
];

/// The cluster's instances are the `instances` map (default `{}`).
const RDS_AURORA_INSTANCES: Option<Items> = Some(Items {
    input: "instances",
    resource: "aws_rds_cluster_instance",
    fields: &[("availability_zone", "availability_zone")],
    defaults_input: None,
    inherited: &[],
    defaults: &[],
});

/// terraform-aws-modules/rds-aurora/aws v1–v8 (read in the module's tags):
/// `backup_retention_period = 7`, `preferred_maintenance_window =
/// "sun:05:00-sun:06:00"`, `preferred_backup_window = "02:00-03:00"`.
const RDS_AURORA_V1: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "rds-aurora",
    majors: (1, 8),
    resource: "aws_rds_cluster",
    inputs: RDS_AURORA_INPUTS,
    defaults: &[
        ("backup_retention_period", Default::Int(7)),
        (
            "preferred_maintenance_window",
            Default::Str("sun:05:00-sun:06:00"),
        ),
        ("preferred_backup_window", Default::Str("02:00-03:00")),
    ],
    items: RDS_AURORA_INSTANCES,
};

/// rds-aurora v9: `backup_retention_period` `null` (the provider's 1 day);
/// the windows as in v1–v8.
const RDS_AURORA_V9: ModuleTable = ModuleTable {
    majors: (9, 9),
    defaults: &[
        (
            "preferred_maintenance_window",
            Default::Str("sun:05:00-sun:06:00"),
        ),
        ("preferred_backup_window", Default::Str("02:00-03:00")),
    ],
    ..RDS_AURORA_V1
};

/// rds-aurora v10 and later: the windows are `null` too (AWS-chosen).
const RDS_AURORA_V10: ModuleTable = ModuleTable {
    majors: (10, u32::MAX),
    defaults: &[],
    ..RDS_AURORA_V1
};

/// terraform-aws-modules/eks/aws v18–v21 (read in the module's tags):
/// each `eks_managed_node_groups` entry is a managed node group whose
/// `min_size` is the entry's, else `eks_managed_node_group_defaults`'
/// (v18–v20), else 1 (v18–v20 `node_groups.tf`; v21's node group
/// submodule defaults to 1), over the entry's `subnet_ids`, else the
/// defaults', else the cluster's `subnet_ids`.
const EKS: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "eks",
    majors: (18, u32::MAX),
    resource: "aws_eks_cluster",
    inputs: &[("create", "count")],
    defaults: &[],
    items: Some(Items {
        input: "eks_managed_node_groups",
        resource: "aws_eks_node_group",
        fields: &[
            ("min_size", "scaling_config.min_size"),
            ("subnet_ids", "subnet_ids"),
        ],
        defaults_input: Some("eks_managed_node_group_defaults"),
        inherited: &[("subnet_ids", "subnet_ids")],
        defaults: &[("scaling_config.min_size", Default::Int(1))],
    }),
};

/// terraform-aws-modules/autoscaling/aws (v6, v7): `min_size` and
/// `vpc_zone_identifier` `null` (the group's own: required).
const AUTOSCALING: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "autoscaling",
    majors: (1, u32::MAX),
    resource: "aws_autoscaling_group",
    inputs: &[
        ("min_size", "min_size"),
        ("vpc_zone_identifier", "vpc_zone_identifier"),
        ("availability_zones", "availability_zones"),
        ("create", "count"),
    ],
    defaults: &[],
    items: None,
};

/// terraform-aws-modules/elasticache/aws (v1): a replication group;
/// `multi_az_enabled` and `automatic_failover_enabled` default `false`,
/// `snapshot_retention_limit` and the windows `null`.
const ELASTICACHE: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "elasticache",
    majors: (1, u32::MAX),
    resource: "aws_elasticache_replication_group",
    inputs: &[
        ("multi_az_enabled", "multi_az_enabled"),
        ("automatic_failover_enabled", "automatic_failover_enabled"),
        ("num_cache_clusters", "num_cache_clusters"),
        ("snapshot_retention_limit", "snapshot_retention_limit"),
        ("snapshot_window", "snapshot_window"),
        ("maintenance_window", "maintenance_window"),
        ("create", "count"),
    ],
    defaults: &[
        ("multi_az_enabled", Default::Bool(false)),
        ("automatic_failover_enabled", Default::Bool(false)),
    ],
    items: None,
};

/// terraform-aws-modules/dynamodb-table/aws (v3, v4):
/// `point_in_time_recovery_enabled` defaults to `false`.
const DYNAMODB_TABLE: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "dynamodb-table",
    majors: (1, u32::MAX),
    resource: "aws_dynamodb_table",
    inputs: &[
        (
            "point_in_time_recovery_enabled",
            "point_in_time_recovery.enabled",
        ),
        ("deletion_protection_enabled", "deletion_protection_enabled"),
        ("create_table", "count"),
    ],
    defaults: &[("point_in_time_recovery.enabled", Default::Bool(false))],
    items: None,
};

/// terraform-google-modules/sql-db/google (`//modules/postgresql`,
/// `//modules/mysql`; v15–v20): `availability_type = "ZONAL"`, maintenance
/// on day 1 at hour 23, backups off (`backup_configuration.enabled = false`).
const SQL_DB: ModuleTable = ModuleTable {
    namespaces: &["terraform-google-modules", "GoogleCloudPlatform"],
    name: "sql-db",
    majors: (1, u32::MAX),
    resource: "google_sql_database_instance",
    inputs: &[
        ("availability_type", "settings.availability_type"),
        ("maintenance_window_day", "settings.maintenance_window.day"),
        (
            "maintenance_window_hour",
            "settings.maintenance_window.hour",
        ),
        ("deletion_protection", "deletion_protection"),
    ],
    defaults: &[
        ("settings.availability_type", Default::Str("ZONAL")),
        ("settings.maintenance_window.day", Default::Int(1)),
        ("settings.maintenance_window.hour", Default::Int(23)),
    ],
    items: None,
};

/// Every module known without a local copy; a new module is one entry.
pub const MODULES: &[&ModuleTable] = &[
    &RDS,
    &RDS_AURORA_V1,
    &RDS_AURORA_V9,
    &RDS_AURORA_V10,
    &EKS,
    &AUTOSCALING,
    &ELASTICACHE,
    &DYNAMODB_TABLE,
    &SQL_DB,
];

/// What a module call is, for facts.
pub enum Call {
    /// A local folder: evaluated as an instance by the reader.
    Local,
    /// A known registry module, read as these resources (with a note when
    /// its major version had to be assumed).
    Known(Vec<Resource>, Option<String>),
    /// An external module the tool cannot see: why.
    Opaque(String),
}

/// Reads a `module` block.
pub fn read_call(call: &Resource) -> Call {
    let source = match call.body.get("source").map(|n| &n.value) {
        Some(Value::Str(s)) => s.as_str(),
        _ => return Call::Opaque("its `source` is not a literal string".into()),
    };
    let (namespace, name) = match classify(source) {
        Source::Local(_) => return Call::Local,
        Source::Registry {
            host: "registry.terraform.io",
            namespace,
            name,
            ..
        } => (namespace, name),
        _ => {
            return Call::Opaque(format!(
                "`{source}` has no local copy (no .terraform/modules) and is not a module the tool knows"
            ));
        }
    };
    let tables: Vec<&ModuleTable> = MODULES
        .iter()
        .copied()
        .filter(|t| t.name == name && t.namespaces.contains(&namespace))
        .collect();
    let Some(newest) = tables.iter().copied().max_by_key(|t| t.majors.1) else {
        return Call::Opaque(format!(
            "`{source}` has no local copy (no .terraform/modules) and is not a module the tool knows"
        ));
    };
    let version = call.body.get("version").and_then(Node::as_str);
    let (table, note) = match version.and_then(major_of) {
        Some(major) => match tables
            .iter()
            .find(|t| (t.majors.0..=t.majors.1).contains(&major))
        {
            Some(t) => (*t, None),
            None => (
                newest,
                Some(format!(
                    "`{source}` version {major} is older than the versions the tool knows; read with the defaults of v{}",
                    newest.majors.0
                )),
            ),
        },
        None if tables.len() > 1 => (
            newest,
            Some(format!(
                "`{source}` has no version the tool can read; read with the defaults of its newest major version (v{}+), which differ from older ones",
                newest.majors.0
            )),
        ),
        None => (newest, None),
    };
    Call::Known(resources_of(call, table), note)
}

/// The major version a `version` constraint pins (`~> 9.0`, `9.2.1`,
/// `>= 8.0, < 9.0`): its first number.
fn major_of(constraint: &str) -> Option<u32> {
    let digits: String = constraint
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The resources a known module call builds, fields at the caller's arguments.
fn resources_of(call: &Resource, table: &ModuleTable) -> Vec<Resource> {
    let mut body = Node::new(Value::Map(Vec::new()), call.body.span);
    for (input, field) in table.inputs {
        if let Some(v) = call.body.get(input) {
            let v = match (*field, &v.value) {
                // `create = false` is `count = 0`.
                ("count", Value::Bool(b)) => Node::new(Value::Int(i64::from(*b)), v.span),
                ("count", _) => continue,
                _ => v.clone(),
            };
            insert_path(&mut body, field, v);
        }
    }
    let first_line = Span::new(call.span.start, call.span.start);
    insert_defaults(&mut body, table.defaults, first_line);
    let identifier = Node::new(Value::Str(call.address.clone()), first_line);
    let mut out = Vec::new();
    if let Some(Items {
        input,
        resource: kind,
        fields,
        defaults_input,
        inherited,
        defaults,
    }) = &table.items
        && let Some(items) = call.body.get(input)
    {
        let item_defaults = defaults_input.and_then(|d| call.body.get(d));
        insert_path(&mut body, "cluster_identifier", identifier.clone());
        match &items.value {
            Value::Map(entries) => {
                for (k, item) in entries {
                    let key = k.scalar_text().unwrap_or_default();
                    let mut b = Node::new(Value::Map(Vec::new()), item.span);
                    insert_path(&mut b, "cluster_identifier", identifier.clone());
                    for (from, to) in fields.iter() {
                        let given = item
                            .get(from)
                            .or_else(|| item_defaults.and_then(|d| d.get(from)));
                        if let Some(v) = given {
                            insert_path(&mut b, to, v.clone());
                        }
                    }
                    for (from, to) in inherited.iter() {
                        if b.path(to).is_none()
                            && let Some(v) = call.body.get(from)
                        {
                            insert_path(&mut b, to, v.clone());
                        }
                    }
                    let item_line = Span::new(k.span.start, k.span.start);
                    insert_defaults(&mut b, defaults, item_line);
                    out.push(Resource {
                        kind: kind.to_string(),
                        name: key.clone(),
                        address: format!("{}.{kind}.this[\"{key}\"]", call.address),
                        body: b,
                        span: Span::new(item.span.start, item.span.start),
                        ..call.clone()
                    });
                }
            }
            _ => {
                // Not known: one instance repeated, its zones unknown.
                let mut b = Node::new(Value::Map(Vec::new()), items.span);
                insert_path(&mut b, "cluster_identifier", identifier.clone());
                let unknown = || Node::new(Value::Unknown(input.to_string()), items.span);
                insert_path(&mut b, "count", unknown());
                // Nor are the items' fields: never a default read as theirs.
                for (_, to) in fields.iter() {
                    insert_path(&mut b, to, unknown());
                }
                out.push(Resource {
                    kind: kind.to_string(),
                    name: "this".into(),
                    address: format!("{}.{kind}.this", call.address),
                    body: b,
                    span: Span::new(items.span.start, items.span.start),
                    ..call.clone()
                });
            }
        }
    }
    out.insert(
        0,
        Resource {
            kind: table.resource.to_string(),
            name: call.name.clone(),
            address: call.address.clone(),
            body,
            ..call.clone()
        },
    );
    out
}

/// Sets the fields a body leaves out to the module's defaults, located at `at`.
fn insert_defaults(body: &mut Node, defaults: &[(&str, Default)], at: Span) {
    for (field, default) in defaults {
        if body.path(field).is_none() {
            let value = match default {
                Default::Str(s) => Value::Str((*s).to_string()),
                Default::Int(i) => Value::Int(*i),
                Default::Bool(b) => Value::Bool(*b),
            };
            insert_path(body, field, Node::new(value, at));
        }
    }
}

/// Sets a dotted field in a map tree, making the maps on the way.
fn insert_path(node: &mut Node, path: &str, value: Node) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    let index = match entries.iter().position(|(k, _)| k.as_str() == Some(head)) {
        Some(i) => i,
        None => {
            let span = value.span;
            entries.push((
                Node::new(Value::Str(head.to_string()), span),
                Node::new(Value::Map(Vec::new()), span),
            ));
            entries.len() - 1
        }
    };
    match rest {
        Some(rest) => insert_path(&mut entries[index].1, rest, value),
        None => entries[index].1 = value,
    }
}

/// The resources known registry module calls build, and a note plus an
/// opaque entry for every other external module.
pub fn registry_resources(
    calls: &[&Resource],
    all: &[&Resource],
    opaque: &mut Vec<(String, super::Loc)>,
    notes: &mut Vec<String>,
    side: crate::source::Side,
) -> Vec<Arc<Resource>> {
    let mut out = Vec::new();
    for call in calls {
        // Evaluated from `terraform init`'s copy: its resources are here.
        let evaluated = all.iter().any(|r| {
            r.address
                .strip_prefix(call.address.as_str())
                .is_some_and(|rest| rest.starts_with(['.', '[']))
        });
        if evaluated {
            continue;
        }
        match read_call(call) {
            Call::Local => {}
            Call::Known(resources, note) => {
                notes.extend(note.map(|n| format!("{}: {}: {n}", call.path, call.address)));
                out.extend(resources.into_iter().map(Arc::new));
            }
            Call::Opaque(why) => {
                notes.push(format!(
                    "{}: {}: {why}; its resources are unknown",
                    call.path, call.address
                ));
                opaque.push((
                    format!("{}: {why}", call.address),
                    super::Loc::of(side, call, call.body.get("source")),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Fact, ServiceFacts};
    use crate::readers::FileRead;

    fn facts_of(text: &str) -> ServiceFacts {
        let mut fr = FileRead::default();
        crate::readers::terraform::read_into(&mut fr, &Arc::from("main.tf"), text, false);
        let rs: Vec<Arc<Resource>> = fr.resources.into_iter().map(Arc::new).collect();
        crate::facts::derive(crate::source::Side::Head, rs)
    }

    #[test]
    fn sql_db_defaults_to_one_zone_at_the_call() {
        let f = facts_of(
            "module \"pg\" {\n  source = \"GoogleCloudPlatform/sql-db/google//modules/postgresql\"\n  version = \"~> 20.0\"\n}\n",
        );
        assert_eq!(f.stores.len(), 1);
        assert_eq!(f.stores[0].multi_az.known(), Some(&false));
        let f = facts_of(
            "module \"pg\" {\n  source = \"terraform-google-modules/sql-db/google//modules/postgresql\"\n  availability_type = \"REGIONAL\"\n}\n",
        );
        assert_eq!(f.stores[0].multi_az.known(), Some(&true));
    }

    #[test]
    fn aurora_instances_and_created_flags() {
        let f = facts_of(
            "module \"a\" {\n  source = \"terraform-aws-modules/rds-aurora/aws\"\n  version = \"~> 9.0\"\n  instances = {\n    one = { availability_zone = \"eu-west-1a\" }\n    two = { availability_zone = \"eu-west-1b\" }\n  }\n}\n",
        );
        assert_eq!(f.stores.len(), 1);
        assert_eq!(f.stores[0].multi_az.known(), Some(&true));
        assert!(matches!(f.stores[0].maintenance_window, Fact::Known { .. }));
        let f = facts_of(
            "module \"d\" {\n  source = \"terraform-aws-modules/dynamodb-table/aws\"\n}\nmodule \"r\" {\n  source = \"terraform-aws-modules/rds/aws\"\n  create_db_instance = false\n}\n",
        );
        assert_eq!(f.stores.len(), 1, "the rds module creates nothing");
        assert_eq!(f.stores[0].point_in_time_recovery.known(), Some(&false));
        let f = facts_of(
            "module \"x\" {\n  source = \"cloudposse/rds/aws\"\n}\nmodule \"y\" {\n  source = \"./local\"\n}\n",
        );
        assert_eq!(f.opaque.len(), 1, "{:?}", f.opaque);
    }

    #[test]
    fn eks_managed_node_groups_take_the_entry_then_the_defaults_then_one() {
        let text = "module \"eks\" {\n  source  = \"terraform-aws-modules/eks/aws\"\n  version = \"~> 20.0\"\n  subnet_ids = [\"a\", \"b\", \"c\"]\n  eks_managed_node_group_defaults = {\n    min_size = 2\n  }\n  eks_managed_node_groups = {\n    one = {\n      min_size   = 1\n      subnet_ids = [\"a\"]\n    }\n    defaulted = {}\n  }\n}\n";
        let f = facts_of(text);
        assert_eq!(f.groups.len(), 2, "{:?}", f.notes);
        let one = &f.groups[0];
        assert_eq!(one.min_size.known(), Some(&1));
        assert_eq!(one.zones.known(), Some(&1));
        let line = |loc: Option<&crate::facts::Loc>| {
            crate::readers::yaml::line_col(text, loc.expect("located").span.start).0
        };
        assert_eq!(line(one.min_size.loc()), 10);
        let defaulted = &f.groups[1];
        assert_eq!(defaulted.min_size.known(), Some(&2));
        assert_eq!(line(defaulted.min_size.loc()), 6);
        assert_eq!(defaulted.zones.known(), Some(&3), "the cluster's subnets");
        // Without the defaults map: the module's own 1, at the entry.
        let text = text.replace("min_size = 2", "max_size = 9");
        let f = facts_of(&text);
        assert_eq!(f.groups[1].min_size.known(), Some(&1));
        assert_eq!(line(f.groups[1].min_size.loc()), 13);
        // Entries that are not known: floor and zones unknown, never a default.
        let f = facts_of(
            "module \"eks\" {\n  source = \"terraform-aws-modules/eks/aws\"\n  eks_managed_node_groups = var.groups\n}\n",
        );
        assert!(
            matches!(f.groups[0].zones, Fact::Unknown { .. }),
            "{:?}",
            f.groups
        );
        assert!(matches!(f.groups[0].min_size, Fact::Unknown { .. }));
    }

    #[test]
    fn aurora_defaults_follow_the_major_version() {
        let call = |version: &str| {
            facts_of(&format!(
                "module \"a\" {{\n  source = \"terraform-aws-modules/rds-aurora/aws\"\n  {version}\n}}\n"
            ))
        };
        let v8 = call("version = \"~> 8.0\"");
        assert_eq!(v8.stores[0].backup_retention_days.known(), Some(&7));
        assert!(v8.stores[0].maintenance_window.known().is_some());
        let v9 = call("version = \"9.3.1\"");
        assert_eq!(
            v9.stores[0].backup_retention_days.known(),
            Some(&1),
            "provider default"
        );
        assert!(v9.stores[0].maintenance_window.known().is_some());
        let v10 = call("version = \">= 10.0, < 11.0\"");
        assert!(v10.stores[0].maintenance_window.known().is_none());
        let unpinned = call("");
        assert!(unpinned.stores[0].maintenance_window.known().is_none());
        assert!(
            unpinned
                .notes
                .iter()
                .any(|n| n.contains("newest major version")),
            "{:?}",
            unpinned.notes
        );
    }
}
