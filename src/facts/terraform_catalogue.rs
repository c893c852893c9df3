//! The cloud resource catalogue (DESIGN §1a "Cloud resources"): one table
//! per provider, one entry per Terraform resource type, naming where its
//! zones, floor, retention, windows and deletion protection are written and
//! what the provider does when they are not. A new resource type is one
//! entry; the types with logic of their own (RDS, Aurora, Cloud SQL, …) stay
//! in `terraform.rs`.
//!
//! Defaults, from the providers' documentation: an ElastiCache cluster is
//! `single-az` unless `az_mode = "cross-az"`; OpenSearch zone awareness is
//! off; Memorystore `tier` is `BASIC` (one zone); a MemoryDB cluster keeps
//! one replica per shard (`num_replicas_per_shard = 1`) spread by AWS over
//! zones; Redshift is single-AZ unless `multi_az` and keeps automated
//! snapshots 1 day; an EC2 instance, a zonal managed instance group and a
//! zonal GKE cluster live in one zone; Azure SQL databases are not zone
//! redundant unless `zone_redundant`; storage accounts with LRS, GRS or
//! RA-GRS keep one zone in the primary region (ZRS, GZRS and RA-GZRS do not);
//! Azure Cache for Redis spans zones only with `zones`; AKS pools and scale
//! sets span the zones they list.

use super::terraform::{Reader, display, list_len};
use super::{DataStore, Fact, Group, StoreKind};
use crate::readers::{Node, Value};

/// How a resource's zones are written.
#[derive(Debug)]
pub enum Zones {
    /// A boolean field; when absent, the provider's default.
    Flag(&'static str, bool),
    /// A string field: multi-zone when one of these values (case-insensitive);
    /// when absent, the provider's default.
    OneOf(&'static str, &'static [&'static str], bool),
    /// A number field: multi-zone from this many up; when absent, its default.
    AtLeast(&'static str, i64, i64),
    /// A list field of zones or subnets: its length (absent: one zone).
    Count(&'static str),
    /// Always one zone.
    Single,
    /// Regional unless this field pins one zone (EFS One Zone).
    OneZoneIf(&'static str),
    /// A GCP `location`: a zone (`europe-west1-b`) or a region (`europe-west1`).
    Location(&'static str),
}

/// What a resource is for continuity.
#[derive(Debug)]
pub enum Role {
    /// A database, cache, cluster or file system.
    Store(StoreKind),
    /// A group of machines or nodes with a floor (`min` field, if any).
    Group(Option<&'static str>),
    /// One machine: a floor of one, in one zone.
    Machine,
}

/// One resource type of the catalogue.
#[derive(Debug)]
pub struct Entry {
    /// The Terraform type.
    pub resource: &'static str,
    /// Store or group.
    pub role: Role,
    /// Where its zones are written.
    pub zones: Zones,
    /// Backup or snapshot retention in days.
    pub retention: Option<&'static str>,
    /// Weekly maintenance window (`ddd:hh:mm-ddd:hh:mm`).
    pub maintenance_window: Option<&'static str>,
    /// Daily backup or snapshot window (`hh:mm-hh:mm`).
    pub backup_window: Option<&'static str>,
    /// Deletion protection.
    pub deletion_protection: Option<&'static str>,
}

const fn store(resource: &'static str, kind: StoreKind, zones: Zones) -> Entry {
    Entry {
        resource,
        role: Role::Store(kind),
        zones,
        retention: None,
        maintenance_window: None,
        backup_window: None,
        deletion_protection: None,
    }
}

const fn group(resource: &'static str, min: Option<&'static str>, zones: Zones) -> Entry {
    Entry {
        resource,
        role: Role::Group(min),
        zones,
        retention: None,
        maintenance_window: None,
        backup_window: None,
        deletion_protection: None,
    }
}

/// AWS.
pub const AWS: &[Entry] = &[
    Entry {
        retention: Some("snapshot_retention_limit"),
        maintenance_window: Some("maintenance_window"),
        backup_window: Some("snapshot_window"),
        ..store(
            "aws_elasticache_cluster",
            StoreKind::Cache,
            Zones::OneOf("az_mode", &["cross-az"], false),
        )
    },
    Entry {
        retention: Some("snapshot_retention_limit"),
        maintenance_window: Some("maintenance_window"),
        backup_window: Some("snapshot_window"),
        ..store(
            "aws_memorydb_cluster",
            StoreKind::Cache,
            Zones::AtLeast("num_replicas_per_shard", 1, 1),
        )
    },
    Entry {
        retention: Some("automated_snapshot_retention_period"),
        maintenance_window: Some("preferred_maintenance_window"),
        ..store(
            "aws_redshift_cluster",
            StoreKind::Relational,
            Zones::Flag("multi_az", false),
        )
    },
    store(
        "aws_opensearch_domain",
        StoreKind::Table,
        Zones::Flag("cluster_config.zone_awareness_enabled", false),
    ),
    // EFS Standard stores data in every zone of the region; One Zone names its zone.
    store(
        "aws_efs_file_system",
        StoreKind::Table,
        Zones::OneZoneIf("availability_zone_name"),
    ),
    // Tasks spread over the subnets of their network configuration.
    group(
        "aws_ecs_service",
        Some("desired_count"),
        Zones::Count("network_configuration.subnets"),
    ),
    Entry {
        role: Role::Machine,
        ..group("aws_instance", None, Zones::Single)
    },
    group(
        "aws_eks_node_group",
        Some("scaling_config.min_size"),
        Zones::Count("subnet_ids"),
    ),
];

/// Google Cloud.
pub const GOOGLE: &[Entry] = &[
    store(
        "google_redis_instance",
        StoreKind::Cache,
        Zones::OneOf("tier", &["STANDARD_HA"], false),
    ),
    group(
        "google_compute_instance_group_manager",
        Some("target_size"),
        Zones::Single,
    ),
    group(
        "google_compute_region_instance_group_manager",
        Some("target_size"),
        Zones::Location("region"),
    ),
    group(
        "google_container_cluster",
        Some("initial_node_count"),
        Zones::Location("location"),
    ),
    group(
        "google_container_node_pool",
        Some("autoscaling.min_node_count"),
        Zones::Location("location"),
    ),
];

/// Azure.
pub const AZURE: &[Entry] = &[
    store(
        "azurerm_mssql_database",
        StoreKind::Relational,
        Zones::Flag("zone_redundant", false),
    ),
    store(
        "azurerm_storage_account",
        StoreKind::Table,
        Zones::OneOf(
            "account_replication_type",
            &["ZRS", "GZRS", "RAGZRS"],
            false,
        ),
    ),
    store(
        "azurerm_redis_cache",
        StoreKind::Cache,
        Zones::Count("zones"),
    ),
    group(
        "azurerm_kubernetes_cluster",
        Some("default_node_pool.min_count"),
        Zones::Count("default_node_pool.zones"),
    ),
    group(
        "azurerm_linux_virtual_machine_scale_set",
        Some("instances"),
        Zones::Count("zones"),
    ),
    group(
        "azurerm_windows_virtual_machine_scale_set",
        Some("instances"),
        Zones::Count("zones"),
    ),
];

/// Every provider's table.
pub const PROVIDERS: &[&[Entry]] = &[AWS, GOOGLE, AZURE];

/// The catalogue entry of a Terraform type.
pub fn entry(resource: &str) -> Option<&'static Entry> {
    PROVIDERS
        .iter()
        .flat_map(|p| p.iter())
        .find(|e| e.resource == resource)
}

/// Adds the facts of a resource the catalogue knows; false when it does not.
pub(super) fn extract(
    rd: &mut Reader,
    stores: &mut Vec<DataStore>,
    groups: &mut Vec<Group>,
) -> bool {
    let Some(e) = entry(&rd.r.kind) else {
        return false;
    };
    match e.role {
        Role::Store(kind) => {
            let mut s: DataStore = rd.store(kind);
            s.multi_az = multi_zone(rd, &e.zones);
            s.automatic_failover = s.multi_az.clone();
            if let Some(f) = e.retention {
                s.backup_retention_days = rd.int(f);
            }
            if let Some(f) = e.maintenance_window {
                s.maintenance_window = rd.window(f);
            }
            if let Some(f) = e.backup_window {
                s.backup_window = rd.window(f);
            }
            if let Some(f) = e.deletion_protection {
                s.deletion_protection = rd.bool(f);
            }
            stores.push(s);
        }
        Role::Group(_) | Role::Machine => {
            let zones = zone_count(rd, &e.zones);
            let min_size = match e.role {
                Role::Group(Some(f)) => rd.int(f),
                Role::Machine => Fact::Known {
                    value: 1,
                    loc: rd.loc(None),
                },
                _ => Fact::Absent,
            };
            groups.push(Group {
                address: rd.r.address.clone(),
                display: display(rd.r),
                loc: rd.loc(None),
                min_size,
                zones,
            });
        }
    }
    true
}

/// Whether a store spans zones.
fn multi_zone(rd: &mut Reader, zones: &Zones) -> Fact<bool> {
    let first_line = |rd: &Reader, value: bool| Fact::Known {
        value,
        loc: rd.loc(None),
    };
    match zones {
        Zones::Flag(f, default) => match rd.bool(f) {
            Fact::Absent if *default => first_line(rd, true),
            other => other,
        },
        Zones::OneOf(f, multi, default) => {
            match rd.fact(f, |n| {
                n.as_str()
                    .map(|s| multi.iter().any(|m| m.eq_ignore_ascii_case(s)))
                    .ok_or_else(|| "not a string".to_string())
            }) {
                Fact::Absent if *default => first_line(rd, true),
                Fact::Absent => first_line(rd, false),
                other => other,
            }
        }
        Zones::AtLeast(f, n, default) => match rd.int(f) {
            Fact::Known { value, loc } => Fact::Known {
                value: value >= *n,
                loc,
            },
            Fact::Absent => first_line(rd, default >= n),
            Fact::Unknown { reason, loc } => Fact::Unknown { reason, loc },
        },
        Zones::Single => first_line(rd, false),
        Zones::OneZoneIf(f) => match rd.fact(f, |_| Ok(false)) {
            Fact::Absent => first_line(rd, true),
            other => other,
        },
        Zones::Count(_) | Zones::Location(_) => match zone_count(rd, zones) {
            Fact::Known { value, loc } => Fact::Known {
                value: value >= 2,
                loc,
            },
            Fact::Unknown { reason, loc } => Fact::Unknown { reason, loc },
            Fact::Absent => first_line(rd, false),
        },
    }
}

/// How many zones a group spans.
fn zone_count(rd: &mut Reader, zones: &Zones) -> Fact<usize> {
    match zones {
        Zones::Count(f) => match rd.fact(f, list_len) {
            Fact::Absent => Fact::Known {
                value: 1,
                loc: rd.loc(None),
            },
            other => other,
        },
        Zones::Single => Fact::Known {
            value: 1,
            loc: rd.loc(None),
        },
        // A region spreads over (by default) three zones; a zone is one.
        Zones::Location(f) => rd.fact(f, |n: &Node| match &n.value {
            Value::Str(s) if is_gcp_zone(s) => Ok(1),
            Value::Str(_) => Ok(3),
            _ => Err("not a string".into()),
        }),
        other => match multi_zone(rd, other) {
            Fact::Known { value, loc } => Fact::Known {
                value: if value { 2 } else { 1 },
                loc,
            },
            Fact::Unknown { reason, loc } => Fact::Unknown { reason, loc },
            Fact::Absent => Fact::Absent,
        },
    }
}

/// `europe-west1-b` is a zone, `europe-west1` a region.
fn is_gcp_zone(location: &str) -> bool {
    let parts: Vec<&str> = location.split('-').collect();
    parts.len() == 3 && parts[2].len() == 1 && parts[2].bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use crate::facts::{Fact, ServiceFacts};
    use crate::readers::{FileRead, Resource};
    use std::sync::Arc;

    fn facts_of(text: &str) -> ServiceFacts {
        let mut fr = FileRead::default();
        crate::readers::terraform::read_into(&mut fr, &Arc::from("main.tf"), text, false);
        assert!(fr.error.is_none(), "{:?}", fr.error);
        let rs: Vec<Arc<Resource>> = fr.resources.into_iter().map(Arc::new).collect();
        crate::facts::derive(crate::source::Side::Head, rs)
    }

    /// Each type: a degraded form (one zone) and its good twin.
    const STORES: &[(&str, &str, &str)] = &[
        (
            "aws_efs_file_system",
            "availability_zone_name = \"eu-west-1a\"",
            "encrypted = true",
        ),
        (
            "aws_elasticache_cluster",
            "num_cache_nodes = 2",
            "az_mode = \"cross-az\"\n  num_cache_nodes = 2",
        ),
        (
            "aws_memorydb_cluster",
            "num_replicas_per_shard = 0",
            "num_replicas_per_shard = 1",
        ),
        (
            "aws_redshift_cluster",
            "multi_az = false",
            "multi_az = true",
        ),
        (
            "aws_opensearch_domain",
            "cluster_config {\n    instance_count = 2\n  }",
            "cluster_config {\n    zone_awareness_enabled = true\n  }",
        ),
        (
            "google_redis_instance",
            "tier = \"BASIC\"",
            "tier = \"STANDARD_HA\"",
        ),
        (
            "azurerm_mssql_database",
            "sku_name = \"GP_Gen5_2\"",
            "zone_redundant = true",
        ),
        (
            "azurerm_storage_account",
            "account_replication_type = \"GRS\"",
            "account_replication_type = \"GZRS\"",
        ),
        (
            "azurerm_redis_cache",
            "sku_name = \"Basic\"",
            "zones = [\"1\", \"2\"]",
        ),
    ];

    #[test]
    fn stores_degrade_to_one_zone_and_their_twins_span_zones() {
        for (kind, bad, good) in STORES {
            for (body, want) in [(bad, false), (good, true)] {
                let f = facts_of(&format!("resource \"{kind}\" \"x\" {{\n  {body}\n}}\n"));
                assert_eq!(f.stores.len(), 1, "{kind}");
                // Single-zone is written (`false`) or the default (not set).
                let spans = match &f.stores[0].multi_az {
                    Fact::Known { value, .. } => *value,
                    Fact::Absent => false,
                    Fact::Unknown { .. } => !want,
                };
                assert_eq!(spans, want, "{kind}: {body}");
            }
        }
        let f = facts_of("resource \"aws_instance\" \"x\" {\n  ami = \"a\"\n}\n");
        assert_eq!(f.groups[0].zones.known(), Some(&1));
        assert_eq!(f.groups[0].min_size.known(), Some(&1));
    }

    /// Each group type: (type, degraded body, good twin, floor of the twin).
    const GROUPS: &[(&str, &str, &str, i64)] = &[
        (
            "aws_ecs_service",
            "desired_count = 1\n  network_configuration {\n    subnets = [\"a\"]\n  }",
            "desired_count = 2\n  network_configuration {\n    subnets = [\"a\", \"b\"]\n  }",
            2,
        ),
        (
            "aws_eks_node_group",
            "subnet_ids = [\"a\"]\n  scaling_config {\n    min_size = 1\n  }",
            "subnet_ids = [\"a\", \"b\"]\n  scaling_config {\n    min_size = 2\n  }",
            2,
        ),
        (
            "google_container_node_pool",
            "location = \"europe-west1-b\"\n  autoscaling {\n    min_node_count = 1\n  }",
            "location = \"europe-west1\"\n  autoscaling {\n    min_node_count = 1\n  }",
            1,
        ),
        (
            "azurerm_kubernetes_cluster",
            "default_node_pool {\n    min_count = 1\n  }",
            "default_node_pool {\n    min_count = 3\n    zones = [\"1\", \"2\", \"3\"]\n  }",
            3,
        ),
        (
            "azurerm_linux_virtual_machine_scale_set",
            "instances = 1",
            "instances = 3\n  zones = [\"1\", \"2\"]",
            3,
        ),
    ];

    #[test]
    fn groups_degrade_to_one_zone_and_their_twins_span_zones() {
        for (kind, bad, good, floor) in GROUPS {
            let f = facts_of(&format!("resource \"{kind}\" \"x\" {{\n  {bad}\n}}\n"));
            assert_eq!(f.groups[0].zones.known(), Some(&1), "{kind}");
            let f = facts_of(&format!("resource \"{kind}\" \"x\" {{\n  {good}\n}}\n"));
            assert!(f.groups[0].zones.known().is_some_and(|z| *z >= 2), "{kind}");
            assert_eq!(f.groups[0].min_size.known(), Some(floor), "{kind}");
        }
        let f = facts_of(
            "resource \"google_compute_instance_group_manager\" \"x\" {\n  target_size = 3\n}\n",
        );
        assert_eq!(f.groups[0].zones.known(), Some(&1));
        // EFS automatic backups: daily.
        let f = facts_of(
            "resource \"aws_efs_file_system\" \"fs\" {}\nresource \"aws_efs_backup_policy\" \"p\" {\n  file_system_id = aws_efs_file_system.fs.id\n  backup_policy {\n    status = \"ENABLED\"\n  }\n}\n",
        );
        assert_eq!(f.backups.len(), 1);
        assert_eq!(f.backups[0].address, "aws_efs_file_system.fs");
        assert_eq!(f.backups[0].schedule.as_deref(), Some("rate(1 day)"));
        // DocumentDB and Neptune: zones from their instances, backups always on.
        for (cluster, instance) in [
            ("aws_docdb_cluster", "aws_docdb_cluster_instance"),
            ("aws_neptune_cluster", "aws_neptune_cluster_instance"),
        ] {
            let one = format!(
                "resource \"{cluster}\" \"c\" {{\n  preferred_maintenance_window = \"sun:03:00-sun:04:00\"\n}}\nresource \"{instance}\" \"a\" {{\n  cluster_identifier = {cluster}.c.id\n  availability_zone = \"eu-west-1a\"\n}}\n"
            );
            let f = facts_of(&one);
            assert_eq!(f.stores[0].multi_az.known(), Some(&false), "{cluster}");
            assert_eq!(f.stores[0].backup_retention_days.known(), Some(&1));
            assert_eq!(f.backups.len(), 1, "{cluster}");
            let two = format!(
                "{one}resource \"{instance}\" \"b\" {{\n  cluster_identifier = {cluster}.c.id\n  availability_zone = \"eu-west-1b\"\n}}\n"
            );
            assert_eq!(facts_of(&two).stores[0].multi_az.known(), Some(&true));
        }
    }
}
