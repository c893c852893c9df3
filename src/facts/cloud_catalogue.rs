//! The cloud resource catalogue (DESIGN §1a "Cloud resources"): one table
//! per provider, one entry per kind of resource, naming where its zones,
//! floor, retention, windows and deletion protection are written — in
//! Terraform and, where AWS has one, in CloudFormation: both spellings of
//! an entry mean the same thing. A new resource type is one entry; the
//! types with logic of their own (RDS, Aurora, DocumentDB, Cloud SQL, …)
//! stay in `terraform.rs` and `cloudformation.rs`.
//!
//! Defaults, from the providers' documentation (each entry cites its own):
//! a field that is not written is the provider's default, located at the
//! resource's first line.

use super::terraform::{as_bool, as_int, list_len};
use super::window::Window;
use super::{BackupKind, BackupSource, DataStore, Fact, Group, Loc, StoreKind};
use crate::readers::{Node, Resource, Value};

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
    /// A list of subnets when tasks run in them (awsvpc); absent, the tasks
    /// are placed over the cluster's instances, whose zones are not here:
    /// unknown.
    Placed(&'static str),
    /// The first written of these list fields: its length (none: not known).
    FirstOf(&'static [&'static str]),
    /// A Multi-AZ flag, where one node (this number field is 1) is one zone
    /// whatever the flag's default.
    FlagUnlessOneNode(&'static str, &'static str),
    /// Always one zone.
    Single,
    /// Regional unless this field pins one zone (EFS One Zone).
    OneZoneIf(&'static str),
    /// A GCP `location`: a zone (`europe-west1-b`) or a region (`europe-west1`).
    Location(&'static str),
}

/// What a resource is for continuity.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// A database, cache, cluster or file system.
    Store(StoreKind),
    /// A group of machines, tasks or nodes with a floor.
    Group,
    /// One machine: a floor of one, in one zone.
    Machine,
}

/// How one infrastructure language writes a catalogue entry.
#[derive(Debug)]
pub struct Spelling {
    /// The type: `aws_redshift_cluster`, `AWS::Redshift::Cluster`.
    pub resource: &'static str,
    /// Where its zones are written.
    pub zones: Zones,
    /// A group's floor.
    pub floor: Option<&'static str>,
    /// Backup or snapshot retention in days, and the provider's default.
    pub retention: Option<(&'static str, Option<i64>)>,
    /// Weekly maintenance window (`ddd:hh:mm-ddd:hh:mm`).
    pub maintenance_window: Option<&'static str>,
    /// Daily backup or snapshot window (`hh:mm-hh:mm`).
    pub backup_window: Option<&'static str>,
    /// Deletion protection.
    pub deletion_protection: Option<&'static str>,
    /// Automatic failover, when it is a field of its own (else it follows the zones).
    pub failover: Option<&'static str>,
    /// A status field whose `ENABLED` turns on daily AWS Backup (EFS automatic backups).
    pub daily_backup: Option<&'static str>,
    /// How often automated snapshots run while the retention is a day or more.
    pub snapshots: Option<&'static str>,
}

/// One kind of resource of the catalogue.
#[derive(Debug)]
pub struct Entry {
    /// Store, group or machine.
    pub role: Role,
    /// The Terraform spelling.
    pub terraform: Option<Spelling>,
    /// The CloudFormation spelling.
    pub cloudformation: Option<Spelling>,
}

/// A spelling with only its type and zones; the other fields are added with `..`.
const fn spelling(resource: &'static str, zones: Zones) -> Spelling {
    Spelling {
        resource,
        zones,
        floor: None,
        retention: None,
        maintenance_window: None,
        backup_window: None,
        deletion_protection: None,
        failover: None,
        daily_backup: None,
        snapshots: None,
    }
}

const fn tf_only(role: Role, terraform: Spelling) -> Entry {
    Entry {
        role,
        terraform: Some(terraform),
        cloudformation: None,
    }
}

const fn both(role: Role, terraform: Spelling, cloudformation: Spelling) -> Entry {
    Entry {
        role,
        terraform: Some(terraform),
        cloudformation: Some(cloudformation),
    }
}

const fn floored(resource: &'static str, floor: &'static str, zones: Zones) -> Spelling {
    Spelling {
        floor: Some(floor),
        ..spelling(resource, zones)
    }
}

/// AWS.
pub const AWS: &[Entry] = &[
    // ElastiCache (Memcached or one-node Redis) clusters: `single-az` unless
    // `az_mode`/`AZMode` is `cross-az` (AWS::ElastiCache::CacheCluster AZMode;
    // Terraform aws_elasticache_cluster az_mode, default single-az).
    both(
        Role::Store(StoreKind::Cache),
        Spelling {
            retention: Some(("snapshot_retention_limit", None)),
            maintenance_window: Some("maintenance_window"),
            backup_window: Some("snapshot_window"),
            ..spelling(
                "aws_elasticache_cluster",
                Zones::OneOf("az_mode", &["cross-az"], false),
            )
        },
        Spelling {
            retention: Some(("SnapshotRetentionLimit", None)),
            maintenance_window: Some("PreferredMaintenanceWindow"),
            backup_window: Some("SnapshotWindow"),
            ..spelling(
                "AWS::ElastiCache::CacheCluster",
                Zones::OneOf("AZMode", &["cross-az"], false),
            )
        },
    ),
    // Replication groups: Multi-AZ when enabled (default off); a group of one
    // node is one zone whatever the flag.
    both(
        Role::Store(StoreKind::Cache),
        Spelling {
            retention: Some(("snapshot_retention_limit", None)),
            maintenance_window: Some("maintenance_window"),
            backup_window: Some("snapshot_window"),
            failover: Some("automatic_failover_enabled"),
            ..spelling(
                "aws_elasticache_replication_group",
                Zones::FlagUnlessOneNode("multi_az_enabled", "num_cache_clusters"),
            )
        },
        Spelling {
            retention: Some(("SnapshotRetentionLimit", None)),
            maintenance_window: Some("PreferredMaintenanceWindow"),
            backup_window: Some("SnapshotWindow"),
            failover: Some("AutomaticFailoverEnabled"),
            ..spelling(
                "AWS::ElastiCache::ReplicationGroup",
                Zones::FlagUnlessOneNode("MultiAZEnabled", "NumCacheClusters"),
            )
        },
    ),
    // MemoryDB keeps one replica per shard by default (`num_replicas_per_shard
    // = 1`), spread by AWS over zones.
    tf_only(
        Role::Store(StoreKind::Cache),
        Spelling {
            retention: Some(("snapshot_retention_limit", None)),
            maintenance_window: Some("maintenance_window"),
            backup_window: Some("snapshot_window"),
            ..spelling(
                "aws_memorydb_cluster",
                Zones::AtLeast("num_replicas_per_shard", 1, 1),
            )
        },
    ),
    // Redshift: single-AZ unless `multi_az`/`MultiAZ`; automated snapshots
    // kept 1 day by default (Redshift API CreateCluster
    // AutomatedSnapshotRetentionPeriod "Default: 1", 0 turns them off),
    // taken about every eight hours (Redshift Management Guide, "Automated
    // snapshots": eight hours or 5 GB per node of changes, whichever first).
    both(
        Role::Store(StoreKind::Relational),
        Spelling {
            retention: Some(("automated_snapshot_retention_period", Some(1))),
            maintenance_window: Some("preferred_maintenance_window"),
            snapshots: Some("rate(8 hours)"),
            ..spelling("aws_redshift_cluster", Zones::Flag("multi_az", false))
        },
        Spelling {
            retention: Some(("AutomatedSnapshotRetentionPeriod", Some(1))),
            maintenance_window: Some("PreferredMaintenanceWindow"),
            snapshots: Some("rate(8 hours)"),
            ..spelling("AWS::Redshift::Cluster", Zones::Flag("MultiAZ", false))
        },
    ),
    // OpenSearch zone awareness is off by default (CloudFormation
    // ClusterConfig ZoneAwarenessEnabled; CDK ZoneAwarenessConfig "Default: false").
    both(
        Role::Store(StoreKind::Table),
        spelling(
            "aws_opensearch_domain",
            Zones::Flag("cluster_config.zone_awareness_enabled", false),
        ),
        spelling(
            "AWS::OpenSearchService::Domain",
            Zones::Flag("ClusterConfig.ZoneAwarenessEnabled", false),
        ),
    ),
    // EFS Standard stores data in every zone of the region; One Zone names
    // its zone. Automatic backups (daily, AWS Backup's default EFS plan) are
    // off unless the backup policy is ENABLED (AWS::EFS::FileSystem
    // BackupPolicy; in Terraform a separate aws_efs_backup_policy).
    both(
        Role::Store(StoreKind::Table),
        spelling(
            "aws_efs_file_system",
            Zones::OneZoneIf("availability_zone_name"),
        ),
        Spelling {
            daily_backup: Some("BackupPolicy.Status"),
            ..spelling(
                "AWS::EFS::FileSystem",
                Zones::OneZoneIf("AvailabilityZoneName"),
            )
        },
    ),
    // Tasks spread over the subnets of their network configuration. An
    // absent desired count is left unknown: CloudFormation starts a new
    // service at 1 but keeps the running count on update, and an
    // autoscaling target usually owns it.
    both(
        Role::Group,
        floored(
            "aws_ecs_service",
            "desired_count",
            Zones::Placed("network_configuration.subnets"),
        ),
        floored(
            "AWS::ECS::Service",
            "DesiredCount",
            Zones::Placed("NetworkConfiguration.AwsvpcConfiguration.Subnets"),
        ),
    ),
    both(
        Role::Machine,
        spelling("aws_instance", Zones::Single),
        spelling("AWS::EC2::Instance", Zones::Single),
    ),
    // Managed node groups: all of ScalingConfig is given or none (EKS API
    // NodegroupScalingConfig); the nodes spread over the group's subnets.
    both(
        Role::Group,
        floored(
            "aws_eks_node_group",
            "scaling_config.min_size",
            Zones::Count("subnet_ids"),
        ),
        floored(
            "AWS::EKS::Nodegroup",
            "ScalingConfig.MinSize",
            Zones::Count("Subnets"),
        ),
    ),
    both(
        Role::Group,
        floored(
            "aws_autoscaling_group",
            "min_size",
            Zones::FirstOf(&["availability_zones", "vpc_zone_identifier"]),
        ),
        floored(
            "AWS::AutoScaling::AutoScalingGroup",
            "MinSize",
            Zones::FirstOf(&["AvailabilityZones", "VPCZoneIdentifier"]),
        ),
    ),
];

/// Google Cloud. Memorystore `tier` defaults to `BASIC` (one zone); a zonal
/// managed instance group and a zonal GKE cluster live in one zone.
pub const GOOGLE: &[Entry] = &[
    tf_only(
        Role::Store(StoreKind::Cache),
        spelling(
            "google_redis_instance",
            Zones::OneOf("tier", &["STANDARD_HA"], false),
        ),
    ),
    tf_only(
        Role::Group,
        floored(
            "google_compute_instance_group_manager",
            "target_size",
            Zones::Single,
        ),
    ),
    tf_only(
        Role::Group,
        floored(
            "google_compute_region_instance_group_manager",
            "target_size",
            Zones::Location("region"),
        ),
    ),
    tf_only(
        Role::Group,
        floored(
            "google_container_cluster",
            "initial_node_count",
            Zones::Location("location"),
        ),
    ),
    tf_only(
        Role::Group,
        floored(
            "google_container_node_pool",
            "autoscaling.min_node_count",
            Zones::Location("location"),
        ),
    ),
];

/// Azure. SQL databases are not zone redundant unless `zone_redundant`;
/// storage accounts with LRS, GRS or RA-GRS keep one zone in the primary
/// region (ZRS, GZRS and RA-GZRS do not); Azure Cache for Redis spans zones
/// only with `zones`; AKS pools and scale sets span the zones they list.
pub const AZURE: &[Entry] = &[
    tf_only(
        Role::Store(StoreKind::Relational),
        spelling(
            "azurerm_mssql_database",
            Zones::Flag("zone_redundant", false),
        ),
    ),
    tf_only(
        Role::Store(StoreKind::Table),
        spelling(
            "azurerm_storage_account",
            Zones::OneOf(
                "account_replication_type",
                &["ZRS", "GZRS", "RAGZRS"],
                false,
            ),
        ),
    ),
    tf_only(
        Role::Store(StoreKind::Cache),
        spelling("azurerm_redis_cache", Zones::Count("zones")),
    ),
    tf_only(
        Role::Group,
        floored(
            "azurerm_kubernetes_cluster",
            "default_node_pool.min_count",
            Zones::Count("default_node_pool.zones"),
        ),
    ),
    tf_only(
        Role::Group,
        floored(
            "azurerm_linux_virtual_machine_scale_set",
            "instances",
            Zones::Count("zones"),
        ),
    ),
    tf_only(
        Role::Group,
        floored(
            "azurerm_windows_virtual_machine_scale_set",
            "instances",
            Zones::Count("zones"),
        ),
    ),
];

/// Every provider's table.
pub const PROVIDERS: &[&[Entry]] = &[AWS, GOOGLE, AZURE];

/// The catalogue entry of a Terraform or CloudFormation type, with the
/// spelling that names it.
pub fn entry(resource: &str) -> Option<(&'static Entry, &'static Spelling)> {
    PROVIDERS.iter().flat_map(|p| p.iter()).find_map(|e| {
        [&e.terraform, &e.cloudformation]
            .into_iter()
            .flatten()
            .find(|s| s.resource == resource)
            .map(|s| (e, s))
    })
}

/// Why a store of a catalogue type is single-zone, in its own language's
/// words: the field written to one zone, the field left out, what to set.
/// `kind` is the type (`AWS::Redshift::Cluster`, `aws_opensearch_domain`).
pub fn zone_words(kind: &str) -> Option<[String; 3]> {
    let (_, sp) = entry(kind)?;
    let cfn = kind.starts_with("AWS::");
    let set = |f: &str, v: &str| {
        if cfn {
            format!("{f}: {v}")
        } else {
            format!("{f} = {v}")
        }
    };
    let absent = |f: &str| format!("{f} is not set and the default is one zone");
    Some(match &sp.zones {
        Zones::Flag(f, _) => [
            set(f, "false"),
            absent(f),
            format!("set {}", set(f, "true")),
        ],
        Zones::OneOf(f, multi, _) => [
            format!("{f} is not {}", multi.join(" or ")),
            absent(f),
            format!(
                "set {}",
                set(
                    f,
                    &if cfn {
                        multi[0].into()
                    } else {
                        format!("\"{}\"", multi[0])
                    }
                )
            ),
        ],
        Zones::AtLeast(f, n, _) => [
            format!("{f} is below {n}"),
            absent(f),
            format!("set {f} to {n} or more"),
        ],
        Zones::FlagUnlessOneNode(flag, nodes) => [
            format!("{}, or {}", set(flag, "false"), set(nodes, "1")),
            absent(flag),
            format!("set {} with two nodes or more", set(flag, "true")),
        ],
        Zones::OneZoneIf(f) => [
            format!("{f} pins one zone"),
            absent(f),
            format!("remove {f} (storage in every zone of the region)"),
        ],
        Zones::Count(f) | Zones::Location(f) | Zones::Placed(f) => [
            format!("{f} names one zone"),
            absent(f),
            format!("give {f} two zones or more"),
        ],
        Zones::FirstOf(_) | Zones::Single => return None,
    })
}

/// How the catalogue reads one resource's fields, whatever its language.
pub(super) trait Fields {
    /// The resource read.
    fn resource(&self) -> &Resource;
    /// Its human name.
    fn display(&self) -> String;
    /// Where a field (or, without one, the resource) is.
    fn loc(&self, node: Option<&Node>) -> Loc;
    /// The field at a dotted path: absent when not written (or null),
    /// unknown with a note when it cannot be resolved or converted.
    fn fact<T>(&mut self, path: &str, conv: impl Fn(&Node) -> Result<T, String>) -> Fact<T>;

    /// A boolean field.
    fn bool(&mut self, path: &str) -> Fact<bool> {
        self.fact(path, as_bool)
    }

    /// A whole-number field.
    fn int(&mut self, path: &str) -> Fact<i64> {
        self.fact(path, as_int)
    }

    /// A window field.
    fn window(&mut self, path: &str) -> Fact<Window> {
        self.fact(path, |n| {
            n.as_str()
                .ok_or_else(|| "not a string".to_string())
                .and_then(Window::parse)
        })
    }

    /// A known value at the resource's first line (a provider default).
    fn default<T>(&self, value: T) -> Fact<T> {
        Fact::Known {
            value,
            loc: self.loc(None),
        }
    }
}

/// Where the catalogue adds what it reads.
pub(super) struct Out<'a> {
    pub stores: &'a mut Vec<DataStore>,
    pub groups: &'a mut Vec<Group>,
    pub backups: &'a mut Vec<BackupSource>,
}

/// Adds the facts of a resource the catalogue knows; false when it does not.
pub(super) fn extract(rd: &mut impl Fields, out: Out) -> bool {
    let Some((e, sp)) = entry(&rd.resource().kind) else {
        return false;
    };
    match e.role {
        Role::Store(kind) => out.stores.push(store(rd, kind, sp, out.backups)),
        Role::Group | Role::Machine => {
            let zones = zone_count(rd, &sp.zones);
            let min_size = match (e.role, sp.floor) {
                (Role::Machine, _) => rd.default(1),
                (_, Some(f)) => rd.int(f),
                (_, None) => Fact::Absent,
            };
            out.groups.push(Group {
                address: rd.resource().address.clone(),
                display: rd.display(),
                loc: rd.loc(None),
                min_size,
                zones,
            });
        }
    }
    true
}

fn store(
    rd: &mut impl Fields,
    kind: StoreKind,
    sp: &Spelling,
    backups: &mut Vec<BackupSource>,
) -> DataStore {
    let mut s = DataStore {
        address: rd.resource().address.clone(),
        display: rd.display(),
        kind,
        loc: rd.loc(None),
        ..DataStore::default()
    };
    s.multi_az = multi_zone(rd, &sp.zones);
    s.automatic_failover = match sp.failover {
        Some(f) => rd.bool(f),
        None => s.multi_az.clone(),
    };
    if let Some((f, default)) = sp.retention {
        s.backup_retention_days = match (rd.int(f), default) {
            (Fact::Absent, Some(days)) => rd.default(days),
            (fact, _) => fact,
        };
    }
    if let Some(f) = sp.maintenance_window {
        s.maintenance_window = rd.window(f);
    }
    if let Some(f) = sp.backup_window {
        s.backup_window = rd.window(f);
    }
    if let Some(f) = sp.deletion_protection {
        s.deletion_protection = rd.bool(f);
    }
    if let Some(f) = sp.daily_backup
        && let Fact::Known { value: true, loc } = rd.fact(f, enabled)
    {
        backups.push(daily_backup(&s.address, loc));
    }
    if let Some(schedule) = sp.snapshots
        && let Fact::Known { value: 1.., loc } = &s.backup_retention_days
    {
        backups.push(BackupSource {
            address: s.address.clone(),
            display: format!("automated snapshots of {}", s.display),
            kind: BackupKind::AwsBackup,
            schedule: Some(schedule.into()),
            zone: "UTC".into(),
            loc: loc.clone(),
        });
    }
    s
}

/// Floors owned by autoscalers (an Application Auto Scaling target's
/// minimum owns an ECS service's count): each owned group takes the owner's
/// floor, located where the owner writes it.
pub(super) fn owned_floors(groups: &mut [Group], owners: Vec<(String, Fact<i64>)>) {
    if owners.is_empty() {
        return;
    }
    use std::collections::hash_map::Entry as Slot;
    // A target that names its service wins over one that could not be told.
    let mut by_group: std::collections::HashMap<String, Fact<i64>> = Default::default();
    for (group, floor) in owners {
        match by_group.entry(group) {
            Slot::Occupied(mut known) => {
                if matches!(known.get(), Fact::Unknown { .. }) {
                    known.insert(floor);
                }
            }
            Slot::Vacant(e) => {
                e.insert(floor);
            }
        }
    }
    let owners = by_group;
    for g in groups.iter_mut() {
        if let Some(floor) = owners.get(&g.address) {
            g.min_size = floor.clone();
        }
    }
}

/// A status field: `ENABLED` or not.
pub(super) fn enabled(n: &Node) -> Result<bool, String> {
    n.as_str()
        .map(|s| s.eq_ignore_ascii_case("ENABLED"))
        .ok_or_else(|| "not a string".to_string())
}

/// EFS automatic backups run the default EFS backup plan: daily, kept 35
/// days (Amazon EFS User Guide, "Backing up EFS file systems").
pub(super) fn daily_backup(file_system: &str, loc: Loc) -> BackupSource {
    BackupSource {
        address: file_system.to_string(),
        display: format!("automatic backups of {}", file_system.replace('.', " ")),
        kind: BackupKind::AwsBackup,
        schedule: Some("rate(1 day)".into()),
        zone: "UTC".into(),
        loc,
    }
}

/// Whether a store spans zones.
fn multi_zone(rd: &mut impl Fields, zones: &Zones) -> Fact<bool> {
    match zones {
        Zones::Flag(f, default) => match rd.bool(f) {
            Fact::Absent if *default => rd.default(true),
            other => other,
        },
        Zones::OneOf(f, multi, default) => {
            match rd.fact(f, |n| {
                n.as_str()
                    .map(|s| multi.iter().any(|m| m.eq_ignore_ascii_case(s)))
                    .ok_or_else(|| "not a string".to_string())
            }) {
                Fact::Absent => rd.default(*default),
                other => other,
            }
        }
        Zones::AtLeast(f, n, default) => match rd.int(f) {
            Fact::Known { value, loc } => Fact::Known {
                value: value >= *n,
                loc,
            },
            Fact::Absent => rd.default(default >= n),
            Fact::Unknown { reason, loc } => Fact::Unknown { reason, loc },
        },
        Zones::FlagUnlessOneNode(flag, nodes) => {
            let flag = rd.bool(flag);
            super::one_node_is_one_zone(flag, rd.int(nodes))
        }
        Zones::Single => rd.default(false),
        Zones::OneZoneIf(f) => match rd.fact(f, |_| Ok(false)) {
            Fact::Absent => rd.default(true),
            other => other,
        },
        Zones::Count(_) | Zones::FirstOf(_) | Zones::Location(_) | Zones::Placed(_) => {
            match zone_count(rd, zones) {
                Fact::Known { value, loc } => Fact::Known {
                    value: value >= 2,
                    loc,
                },
                Fact::Unknown { reason, loc } => Fact::Unknown { reason, loc },
                Fact::Absent => rd.default(false),
            }
        }
    }
}

/// How many zones a group spans.
fn zone_count(rd: &mut impl Fields, zones: &Zones) -> Fact<usize> {
    match zones {
        Zones::Count(f) => match rd.fact(f, list_len) {
            Fact::Absent => rd.default(1),
            other => other,
        },
        Zones::Placed(f) => match rd.fact(f, list_len) {
            Fact::Absent => Fact::Unknown {
                reason: "no awsvpc subnets: its tasks are placed over the cluster's instances, whose zones are not here".into(),
                loc: rd.loc(None),
            },
            other => other,
        },
        Zones::FirstOf(fields) => fields
            .iter()
            .map(|f| rd.fact(f, list_len))
            .find(|f| !matches!(f, Fact::Absent))
            .unwrap_or(Fact::Absent),
        Zones::Single => rd.default(1),
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

    fn cfn_facts(resources: &str) -> ServiceFacts {
        let text = format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n{resources}");
        let read = crate::readers::read_file(&Arc::from("t.yaml"), text.as_bytes());
        assert!(read.error.is_none(), "{:?}", read.error);
        let rs: Vec<Arc<Resource>> = read.resources.into_iter().map(Arc::new).collect();
        crate::facts::derive(crate::source::Side::Head, rs)
    }

    /// CloudFormation spellings: (type, one-zone properties, good twin).
    const CFN_STORES: &[(&str, &str, &str)] = &[
        (
            "AWS::ElastiCache::CacheCluster",
            "{NumCacheNodes: 2}",
            "{AZMode: cross-az, NumCacheNodes: 2}",
        ),
        (
            "AWS::ElastiCache::ReplicationGroup",
            "{NumCacheClusters: 1}",
            "{NumCacheClusters: 2, MultiAZEnabled: true}",
        ),
        (
            "AWS::Redshift::Cluster",
            "{NodeType: ra3.xlplus}",
            "{MultiAZ: true}",
        ),
        (
            "AWS::OpenSearchService::Domain",
            "{ClusterConfig: {InstanceCount: 2}}",
            "{ClusterConfig: {ZoneAwarenessEnabled: true}}",
        ),
        (
            "AWS::EFS::FileSystem",
            "{AvailabilityZoneName: eu-west-1a}",
            "{Encrypted: true}",
        ),
    ];

    #[test]
    fn cloudformation_spellings_share_the_entries() {
        for (kind, bad, good) in CFN_STORES {
            for (props, want) in [(bad, false), (good, true)] {
                let f = cfn_facts(&format!(
                    "  X:\n    Type: {kind}\n    Properties: {props}\n"
                ));
                assert_eq!(f.stores.len(), 1, "{kind}");
                // Single-zone is written or the provider's default (not set).
                let spans = f.stores[0].multi_az.known().copied().unwrap_or(false);
                assert_eq!(spans, want, "{kind}: {props}");
            }
        }
        // Redshift keeps automated snapshots a day unless told otherwise.
        let f = cfn_facts(
            "  W:\n    Type: AWS::Redshift::Cluster\n    Properties: {NodeType: dc2.large}\n",
        );
        assert_eq!(f.stores[0].backup_retention_days.known(), Some(&1));
        let f = cfn_facts(
            "  W:\n    Type: AWS::Redshift::Cluster\n    Properties: {AutomatedSnapshotRetentionPeriod: 0, PreferredMaintenanceWindow: 'tue:10:00-tue:10:30'}\n",
        );
        assert_eq!(f.stores[0].backup_retention_days.known(), Some(&0));
        assert!(f.stores[0].maintenance_window.known().is_some());
        // EFS automatic backups: daily, at the status.
        let f = cfn_facts(
            "  Fs:\n    Type: AWS::EFS::FileSystem\n    Properties:\n      BackupPolicy: {Status: ENABLED}\n",
        );
        assert_eq!(f.backups.len(), 1);
        assert_eq!(f.backups[0].schedule.as_deref(), Some("rate(1 day)"));
        let f = cfn_facts(
            "  Fs:\n    Type: AWS::EFS::FileSystem\n    Properties:\n      BackupPolicy: {Status: DISABLED}\n",
        );
        assert!(f.backups.is_empty());
        // One instance is one zone with a floor of one.
        let f =
            cfn_facts("  Vm:\n    Type: AWS::EC2::Instance\n    Properties: {ImageId: ami-1}\n");
        assert_eq!(f.groups[0].zones.known(), Some(&1));
        assert_eq!(f.groups[0].min_size.known(), Some(&1));
        // Node groups: ScalingConfig.MinSize over the subnets.
        let f = cfn_facts(
            "  Ng:\n    Type: AWS::EKS::Nodegroup\n    Properties:\n      Subnets: [a, b]\n      ScalingConfig: {MinSize: 1, MaxSize: 4, DesiredSize: 2}\n",
        );
        assert_eq!(f.groups[0].zones.known(), Some(&2));
        assert_eq!(f.groups[0].min_size.known(), Some(&1));
    }

    #[test]
    fn documentdb_and_neptune_clusters_take_their_zones_from_their_instances() {
        for (cluster, instance) in [
            ("AWS::DocDB::DBCluster", "AWS::DocDB::DBInstance"),
            ("AWS::Neptune::DBCluster", "AWS::Neptune::DBInstance"),
        ] {
            let one = format!(
                "  C:\n    Type: {cluster}\n    Properties: {{PreferredMaintenanceWindow: 'sun:03:00-sun:04:00'}}\n  A:\n    Type: {instance}\n    Properties: {{DBClusterIdentifier: !Ref C, AvailabilityZone: eu-west-1a}}\n"
            );
            let f = cfn_facts(&one);
            assert_eq!(f.stores.len(), 1, "{cluster}: the instance is a member");
            assert_eq!(f.stores[0].multi_az.known(), Some(&false), "{cluster}");
            assert_eq!(f.backups.len(), 1, "{cluster}: backups are always on");
            let two = format!(
                "{one}  B:\n    Type: {instance}\n    Properties: {{DBClusterIdentifier: !Ref C, AvailabilityZone: eu-west-1b}}\n"
            );
            assert_eq!(cfn_facts(&two).stores[0].multi_az.known(), Some(&true));
        }
    }

    #[test]
    fn a_scalable_target_owns_an_ecs_services_floor() {
        let service = "  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      DesiredCount: 1\n      ServiceName: api\n      NetworkConfiguration:\n        AwsvpcConfiguration:\n          Subnets: [a, b]\n";
        let f = cfn_facts(service);
        assert_eq!(f.groups[0].min_size.known(), Some(&1));
        assert_eq!(f.groups[0].zones.known(), Some(&2));
        for resource_id in [
            "!Join ['/', [service, !Ref Cluster, !GetAtt Svc.Name]]",
            "{'Fn::Join': ['/', [service, {Ref: Cluster}, {'Fn::GetAtt': [Svc, Name]}]]}",
            "!Sub 'service/${Cluster}/${Svc.Name}'",
            "service/main/api",
        ] {
            let target = format!(
                "  Target:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n      MinCapacity: 3\n      MaxCapacity: 9\n      ResourceId: {resource_id}\n      ScalableDimension: ecs:service:DesiredCount\n      ServiceNamespace: ecs\n"
            );
            let f = cfn_facts(&format!("{service}{target}"));
            assert_eq!(f.groups[0].min_size.known(), Some(&3), "{resource_id}");
        }
        // A target whose service cannot be told: the floor is unknown, never 1.
        let target = "  Target:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n      MinCapacity: 3\n      ResourceId: !ImportValue shared-service\n      ScalableDimension: ecs:service:DesiredCount\n";
        let f = cfn_facts(&format!("{service}{target}"));
        assert!(matches!(f.groups[0].min_size, Fact::Unknown { .. }));
        assert!(
            f.notes.iter().any(|n| n.contains("does not name")),
            "{:?}",
            f.notes
        );
    }

    #[test]
    fn an_appautoscaling_target_owns_an_ecs_services_floor() {
        let service = "resource \"aws_ecs_service\" \"api\" {\n  name = \"api\"\n  desired_count = 1\n  network_configuration {\n    subnets = [\"a\", \"b\"]\n  }\n}\n";
        for resource_id in [
            "\"service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}\"",
            "\"service/main/api\"",
        ] {
            let target = format!(
                "resource \"aws_appautoscaling_target\" \"api\" {{\n  min_capacity = 3\n  max_capacity = 9\n  resource_id = {resource_id}\n  scalable_dimension = \"ecs:service:DesiredCount\"\n  service_namespace = \"ecs\"\n}}\n"
            );
            let f = facts_of(&format!("{service}{target}"));
            assert_eq!(f.groups[0].min_size.known(), Some(&3), "{resource_id}");
        }
        let target = "resource \"aws_appautoscaling_target\" \"api\" {\n  min_capacity = 3\n  resource_id = var.service_id\n  scalable_dimension = \"ecs:service:DesiredCount\"\n}\n";
        let f = facts_of(&format!("{service}{target}"));
        assert!(matches!(f.groups[0].min_size, Fact::Unknown { .. }));
    }

    #[test]
    fn a_database_repeated_an_unknown_number_of_times_is_judged_as_created() {
        let f = facts_of(
            "resource \"aws_db_instance\" \"db\" {\n  count = var.enabled ? 1 : 0\n  multi_az = false\n}\n",
        );
        assert_eq!(f.stores[0].multi_az.known(), Some(&false));
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains("judged as if it is created")),
            "{:?}",
            f.notes
        );
    }

    #[test]
    fn instances_in_a_module_instance_find_their_cluster() {
        let mut fr = FileRead::default();
        let text = "resource \"aws_rds_cluster\" \"this\" {}\nresource \"aws_rds_cluster_instance\" \"a\" {\n  cluster_identifier = aws_rds_cluster.this.id\n  availability_zone = \"eu-west-1a\"\n}\nresource \"aws_rds_cluster_instance\" \"b\" {\n  cluster_identifier = aws_rds_cluster.this.id\n  availability_zone = \"eu-west-1b\"\n}\n";
        crate::readers::terraform::read_into(&mut fr, &Arc::from("main.tf"), text, false);
        let rs: Vec<Arc<Resource>> = fr
            .resources
            .into_iter()
            .map(|mut r| {
                r.address = format!("module.aurora.{}", r.address);
                Arc::new(r)
            })
            .collect();
        let f = crate::facts::derive(crate::source::Side::Head, rs);
        assert_eq!(f.stores[0].multi_az.known(), Some(&true));
    }

    #[test]
    fn an_ecs_service_without_awsvpc_subnets_has_unknown_zones() {
        let f = facts_of("resource \"aws_ecs_service\" \"api\" {\n  desired_count = 3\n}\n");
        assert!(
            matches!(f.groups[0].zones, Fact::Unknown { .. }),
            "{:?}",
            f.groups[0].zones
        );
        let f = facts_of(
            "resource \"aws_ecs_service\" \"api\" {\n  desired_count = 3\n  network_configuration {\n    subnets = [\"a\", \"b\"]\n  }\n}\n",
        );
        assert_eq!(f.groups[0].zones.known(), Some(&2));
    }
}
