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
}

/// terraform-aws-modules/rds/aws (v5, v6): `multi_az = false`,
/// `deletion_protection = false`, and `backup_retention_period`,
/// `backup_window`, `maintenance_window` `null` (the provider's own: no
/// Multi-AZ, AWS-chosen windows).
const RDS: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "rds",
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

/// terraform-aws-modules/rds-aurora/aws (v8, v9): the cluster's instances
/// are the `instances` map (default `{}`); `preferred_maintenance_window`
/// defaults to `sun:05:00-sun:06:00` and `preferred_backup_window` to
/// `02:00-03:00` (v7 and older defaulted `backup_retention_period` to 7;
/// v8+ leave it `null`, the provider's 1 day).
const RDS_AURORA: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "rds-aurora",
    resource: "aws_rds_cluster",
    inputs: &[
        ("backup_retention_period", "backup_retention_period"),
        ("preferred_backup_window", "preferred_backup_window"),
        (
            "preferred_maintenance_window",
            "preferred_maintenance_window",
        ),
        ("deletion_protection", "deletion_protection"),
        ("allocated_storage", "allocated_storage"),
        ("create", "count"),
    ],
    defaults: &[
        (
            "preferred_maintenance_window",
            Default::Str("sun:05:00-sun:06:00"),
        ),
        ("preferred_backup_window", Default::Str("02:00-03:00")),
    ],
    items: Some(Items {
        input: "instances",
        resource: "aws_rds_cluster_instance",
        fields: &[("availability_zone", "availability_zone")],
    }),
};

/// terraform-aws-modules/autoscaling/aws (v6, v7): `min_size` and
/// `vpc_zone_identifier` `null` (the group's own: required).
const AUTOSCALING: ModuleTable = ModuleTable {
    namespaces: &["terraform-aws-modules"],
    name: "autoscaling",
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
    &RDS_AURORA,
    &AUTOSCALING,
    &ELASTICACHE,
    &DYNAMODB_TABLE,
    &SQL_DB,
];

/// What a module call is, for facts.
pub enum Call {
    /// A local folder: evaluated as an instance by the reader.
    Local,
    /// A known registry module, read as these resources.
    Known(Vec<Resource>),
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
    let Some(table) = MODULES
        .iter()
        .find(|t| t.name == name && t.namespaces.contains(&namespace))
    else {
        return Call::Opaque(format!(
            "`{source}` has no local copy (no .terraform/modules) and is not a module the tool knows"
        ));
    };
    Call::Known(resources_of(call, table))
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
    for (field, default) in table.defaults {
        if body.path(field).is_none() {
            let value = match default {
                Default::Str(s) => Value::Str((*s).to_string()),
                Default::Int(i) => Value::Int(*i),
                Default::Bool(b) => Value::Bool(*b),
            };
            insert_path(&mut body, field, Node::new(value, first_line));
        }
    }
    let identifier = Node::new(Value::Str(call.address.clone()), first_line);
    let mut out = Vec::new();
    if let Some(Items {
        input,
        resource: kind,
        fields,
    }) = &table.items
        && let Some(items) = call.body.get(input)
    {
        insert_path(&mut body, "cluster_identifier", identifier.clone());
        match &items.value {
            Value::Map(entries) => {
                for (k, item) in entries {
                    let key = k.scalar_text().unwrap_or_default();
                    let mut b = Node::new(Value::Map(Vec::new()), item.span);
                    insert_path(&mut b, "cluster_identifier", identifier.clone());
                    for (from, to) in fields.iter() {
                        if let Some(v) = item.get(from) {
                            insert_path(&mut b, to, v.clone());
                        }
                    }
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
                insert_path(
                    &mut b,
                    "count",
                    Node::new(Value::Unknown(input.to_string()), items.span),
                );
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
            Call::Known(resources) => out.extend(resources.into_iter().map(Arc::new)),
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
            "module \"a\" {\n  source = \"terraform-aws-modules/rds-aurora/aws\"\n  instances = {\n    one = { availability_zone = \"eu-west-1a\" }\n    two = { availability_zone = \"eu-west-1b\" }\n  }\n}\n",
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
}
