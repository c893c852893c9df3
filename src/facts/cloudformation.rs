//! Facts from CloudFormation: data stores (`AWS::RDS::DBInstance`,
//! `AWS::RDS::DBCluster`, `AWS::DynamoDB::Table`,
//! `AWS::ElastiCache::ReplicationGroup`), groups
//! (`AWS::AutoScaling::AutoScalingGroup`), scheduled capacity
//! (`AWS::AutoScaling::ScheduledAction`) and backup sources
//! (`AWS::Backup::BackupPlan` rules, RDS automated backups).
//!
//! Intrinsics are resolved by the reader; what stays `Value::Unknown` (a
//! `!Ref` to a parameter without `Default`, `!GetAtt`, `!If` …) becomes
//! [`Fact::Unknown`] with a note, never a guess.

use super::cloud_catalogue::{self, Fields, Out};
use super::window::Window;
use super::{
    BackupKind, BackupSource, CapacitySchedule, DataStore, Fact, Loc, ScheduledAction,
    ScheduledCapacity, ServiceFacts, StoreKind,
};
use crate::readers::cloudformation::{mentioned_ids, reference};
use crate::readers::{FileKind, Node, Resource, Value};
use crate::source::Side;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const GIB: u64 = 1 << 30;
/// AWS Backup's schedule when a rule has none.
const AWS_BACKUP_DEFAULT: &str = "cron(0 5 ? * * *)";

/// Reads fields of one resource into facts, noting what stays unknown.
struct Reader<'a> {
    side: Side,
    r: &'a Resource,
    display: String,
    notes: &'a mut Vec<String>,
}

impl<'a> Reader<'a> {
    fn prop(&self, path: &str) -> Option<&'a Node> {
        let r: &'a Resource = self.r;
        r.body.get("Properties")?.path(path)
    }

    fn loc(&self, node: Option<&Node>) -> Loc {
        Loc::of(self.side, self.r, node)
    }

    /// A fact from a node with a conversion; `what` names the expected type.
    fn fact<T>(
        &mut self,
        field: &str,
        node: Option<&Node>,
        what: &str,
        convert: impl Fn(&Node) -> Result<T, String>,
    ) -> Fact<T> {
        let Some(node) = node else {
            return Fact::Absent;
        };
        let loc = self.loc(Some(node));
        let reason = match &node.value {
            Value::Unknown(expr) => format!("{field} is `{expr}`, which cannot be resolved"),
            _ => match convert(node) {
                Ok(value) => return Fact::Known { value, loc },
                Err(why) => format!("{field} is not {what}: {why}"),
            },
        };
        self.notes.push(format!(
            "{}: {} {reason}; treated as unknown",
            self.r.path, self.display
        ));
        Fact::Unknown { reason, loc }
    }

    fn boolean(&mut self, field: &str) -> Fact<bool> {
        let node = self.prop(field);
        self.fact(field, node, "a boolean", |n| {
            n.as_bool().ok_or_else(|| shown(n))
        })
    }

    fn integer(&mut self, field: &str) -> Fact<i64> {
        let node = self.prop(field);
        self.fact(field, node, "an integer", |n| {
            n.as_i64().ok_or_else(|| shown(n))
        })
    }

    fn window(&mut self, field: &str) -> Fact<Window> {
        let node = self.prop(field);
        self.fact(field, node, "a window", |n| {
            Window::parse(n.as_str().ok_or_else(|| shown(n))?)
        })
    }

    fn count(&mut self, field: &str) -> Fact<usize> {
        let node = self.prop(field);
        self.fact(field, node, "a list", |n| match &n.value {
            Value::Seq(items) => Ok(items.len()),
            _ => Err(shown(n)),
        })
    }

    fn gib_to_bytes(&mut self, field: &str) -> Fact<u64> {
        let node = self.prop(field);
        self.fact(field, node, "a size in GiB", |n| {
            n.as_i64()
                .and_then(|g| u64::try_from(g).ok())
                .and_then(|g| g.checked_mul(GIB))
                .ok_or_else(|| shown(n))
        })
    }
}

impl Fields for Reader<'_> {
    fn resource(&self) -> &Resource {
        self.r
    }

    fn display(&self) -> String {
        self.display.clone()
    }

    fn loc(&self, node: Option<&Node>) -> Loc {
        Loc::of(self.side, self.r, node)
    }

    fn fact<T>(&mut self, path: &str, conv: impl Fn(&Node) -> Result<T, String>) -> Fact<T> {
        match self.prop(path) {
            Some(n) if n.value == Value::Null => Fact::Absent,
            node => self.fact(path, node, "valid", conv),
        }
    }
}

/// A value for a note.
fn shown(n: &Node) -> String {
    match (reference(n), n.scalar_text()) {
        (Some(id), _) => format!("`!Ref {id}`"),
        (None, Some(t)) => format!("`{t}`"),
        _ => "a collection".into(),
    }
}

fn display(r: &Resource) -> String {
    format!("{} {}", r.kind, r.address)
}

/// Adds the facts of this file kind's resources.
pub fn extract(side: Side, resources: &[Arc<Resource>], facts: &mut ServiceFacts) {
    let cfn: Vec<&Resource> = resources
        .iter()
        .filter(|r| r.file_kind == FileKind::CloudFormation)
        .map(|r| r.as_ref())
        .collect();
    let index = Index::of(&cfn);
    let mut schedules: BTreeMap<String, ScheduledCapacity> = BTreeMap::new();
    let mut owners = Vec::new();
    for r in &cfn {
        let mut rd = Reader {
            side,
            r,
            display: display(r),
            notes: &mut facts.notes,
        };
        match r.kind.as_str() {
            "AWS::RDS::DBInstance" => {
                if rd.prop("DBClusterIdentifier").is_some() {
                    // An Aurora cluster member: the cluster holds the facts.
                    continue;
                }
                let (store, backup) = db_instance(&mut rd);
                facts.stores.push(store);
                facts.backups.extend(backup);
            }
            "AWS::RDS::DBCluster" | "AWS::DocDB::DBCluster" | "AWS::Neptune::DBCluster" => {
                let members = index.members.get(r.address.as_str());
                let (store, backup) = db_cluster(&mut rd, members.map_or(&[], Vec::as_slice));
                facts.stores.push(store);
                facts.backups.extend(backup);
            }
            "AWS::DynamoDB::Table" => {
                let store = DataStore {
                    address: r.address.clone(),
                    display: rd.display.clone(),
                    kind: StoreKind::Table,
                    loc: rd.loc(None),
                    // DynamoDB replicates every table across three zones.
                    multi_az: Fact::Known {
                        value: true,
                        loc: rd.loc(None),
                    },
                    automatic_failover: Fact::Known {
                        value: true,
                        loc: rd.loc(None),
                    },
                    point_in_time_recovery: rd
                        .boolean("PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled"),
                    deletion_protection: rd.boolean("DeletionProtectionEnabled"),
                    ..DataStore::default()
                };
                facts.stores.push(store);
            }
            "AWS::AutoScaling::ScheduledAction" => {
                if let Some((target, action)) = scheduled_action(&mut rd, &index) {
                    let display = index
                        .by_id
                        .get(target.as_str())
                        .map_or_else(|| format!("autoscaling group {target}"), |g| display(g));
                    schedules
                        .entry(target.clone())
                        .or_insert_with(|| ScheduledCapacity {
                            target,
                            display,
                            schedule: CapacitySchedule::Actions(Vec::new()),
                        })
                        .schedule
                        .push(action);
                }
            }
            "AWS::Backup::BackupPlan" => backup_plan(&mut rd, &mut facts.backups),
            "AWS::ApplicationAutoScaling::ScalableTarget" => {
                owners.extend(scalable_target(&mut rd, &index));
            }
            _ => {
                let out = Out {
                    stores: &mut facts.stores,
                    groups: &mut facts.groups,
                    backups: &mut facts.backups,
                };
                cloud_catalogue::extract(&mut rd, out);
            }
        }
    }
    facts.scheduled.extend(schedules.into_values());
    cloud_catalogue::owned_floors(&mut facts.groups, owners);
}

/// The template's resources by what other resources name them with, built
/// once so that reading a template stays linear in its resources.
struct Index<'a> {
    by_id: HashMap<&'a str, &'a Resource>,
    /// Autoscaling groups by `AutoScalingGroupName`.
    groups_by_name: HashMap<&'a str, &'a str>,
    /// ECS services by `ServiceName`.
    services_by_name: HashMap<&'a str, &'a str>,
    /// A cluster's member instances (RDS, DocumentDB, Neptune), by the
    /// cluster's logical id.
    members: HashMap<&'a str, Vec<&'a Resource>>,
}

impl<'a> Index<'a> {
    fn of(cfn: &[&'a Resource]) -> Self {
        let mut index = Index {
            by_id: HashMap::new(),
            groups_by_name: HashMap::new(),
            services_by_name: HashMap::new(),
            members: HashMap::new(),
        };
        let name = |r: &'a Resource, field: &str| r.field(field).and_then(Node::as_str);
        for r in cfn {
            let r: &'a Resource = r;
            index.by_id.insert(r.address.as_str(), r);
            match r.kind.as_str() {
                "AWS::AutoScaling::AutoScalingGroup" => {
                    if let Some(n) = name(r, "Properties.AutoScalingGroupName") {
                        index.groups_by_name.insert(n, r.address.as_str());
                    }
                }
                "AWS::ECS::Service" => {
                    if let Some(n) = name(r, "Properties.ServiceName") {
                        index.services_by_name.insert(n, r.address.as_str());
                    }
                }
                "AWS::RDS::DBInstance" | "AWS::DocDB::DBInstance" | "AWS::Neptune::DBInstance" => {
                    if let Some(cluster) = r
                        .field("Properties.DBClusterIdentifier")
                        .and_then(reference)
                    {
                        index.members.entry(cluster).or_default().push(r);
                    }
                }
                _ => {}
            }
        }
        index
    }
}

impl CapacitySchedule {
    fn push(&mut self, action: ScheduledAction) {
        if let CapacitySchedule::Actions(actions) = self {
            actions.push(action);
        }
    }
}

/// RDS automated backups: continuous while the retention is at least a day.
fn automated_backup(rd: &Reader, retention: &Fact<i64>, default_on: bool) -> Option<BackupSource> {
    let on = match retention {
        Fact::Known { value, .. } => *value >= 1,
        Fact::Absent => default_on,
        Fact::Unknown { .. } => false,
    };
    on.then(|| BackupSource {
        address: rd.r.address.clone(),
        display: format!("{} automated backups", rd.display),
        kind: BackupKind::Automated,
        schedule: None,
        zone: "UTC".into(),
        loc: retention.loc().cloned().unwrap_or_else(|| rd.loc(None)),
    })
}

fn db_instance(rd: &mut Reader) -> (DataStore, Option<BackupSource>) {
    let multi_az = rd.boolean("MultiAZ");
    let replica_of = rd.prop("SourceDBInstanceIdentifier");
    let synchronous_replication = match replica_of {
        // A read replica copies its source asynchronously.
        Some(n) => Fact::Known {
            value: false,
            loc: rd.loc(Some(n)),
        },
        // A Multi-AZ instance keeps a synchronous standby.
        None => match &multi_az {
            Fact::Known { value: true, loc } => Fact::Known {
                value: true,
                loc: loc.clone(),
            },
            _ => Fact::Absent,
        },
    };
    let retention = rd.integer("BackupRetentionPeriod");
    // CloudFormation's default retention is 1 day; read replicas keep none by default.
    let backup = automated_backup(rd, &retention, replica_of.is_none());
    let store = DataStore {
        address: rd.r.address.clone(),
        display: rd.display.clone(),
        kind: StoreKind::Relational,
        loc: rd.loc(None),
        automatic_failover: multi_az.clone(),
        multi_az,
        backup_retention_days: retention,
        backup_window: rd.window("PreferredBackupWindow"),
        maintenance_window: rd.window("PreferredMaintenanceWindow"),
        deletion_protection: rd.boolean("DeletionProtection"),
        storage_bytes: rd.gib_to_bytes("AllocatedStorage"),
        point_in_time_recovery: Fact::Absent,
        synchronous_replication,
        read_replica: replica_of.is_some(),
    };
    (store, backup)
}

fn db_cluster(rd: &mut Reader, members: &[&Resource]) -> (DataStore, Option<BackupSource>) {
    // The instances decide where the cluster runs (its AvailabilityZones are
    // where its storage lives): one instance is one zone, whatever the storage.
    let serverless_v1 = rd
        .prop("EngineMode")
        .and_then(Node::as_str)
        .is_some_and(|m| m.eq_ignore_ascii_case("serverless"));
    let multi_az = match cluster_members_multi_az(rd, members) {
        // Aurora Serverless v1 has no instances: it starts its capacity
        // again in another zone when one fails.
        Fact::Absent if serverless_v1 => Fact::Known {
            value: true,
            loc: rd.loc(rd.prop("EngineMode")),
        },
        Fact::Absent => match rd.count("AvailabilityZones") {
            Fact::Known { value, loc } => Fact::Known {
                value: value > 1,
                loc,
            },
            Fact::Unknown { reason, loc } => Fact::Unknown { reason, loc },
            Fact::Absent => Fact::Absent,
        },
        by_members => by_members,
    };
    let retention = rd.integer("BackupRetentionPeriod");
    let backup = automated_backup(rd, &retention, true);
    let synchronous_replication = match rd.prop("ReplicationSourceIdentifier") {
        Some(n) => Fact::Known {
            value: false,
            loc: rd.loc(Some(n)),
        },
        None => Fact::Absent,
    };
    let store = DataStore {
        address: rd.r.address.clone(),
        display: rd.display.clone(),
        kind: StoreKind::Relational,
        loc: rd.loc(None),
        automatic_failover: multi_az.clone(),
        multi_az,
        backup_retention_days: retention,
        backup_window: rd.window("PreferredBackupWindow"),
        maintenance_window: rd.window("PreferredMaintenanceWindow"),
        deletion_protection: rd.boolean("DeletionProtection"),
        storage_bytes: rd.gib_to_bytes("AllocatedStorage"),
        point_in_time_recovery: Fact::Absent,
        synchronous_replication,
        read_replica: false,
    };
    (store, backup)
}

/// A cluster (Aurora, DocumentDB, Neptune) spans zones when its instances are in two zones (or
/// leave the zone to Aurora, which spreads them); a single instance means a
/// single zone. Absent when the template has no member instances.
fn cluster_members_multi_az(rd: &Reader, members: &[&Resource]) -> Fact<bool> {
    match members {
        [] => Fact::Absent,
        [one] => Fact::Known {
            value: false,
            loc: Loc::of(rd.side, one, None),
        },
        many => {
            let zones: std::collections::BTreeSet<String> = many
                .iter()
                .filter_map(|m| {
                    m.field("Properties.AvailabilityZone")?
                        .as_str()
                        .map(String::from)
                })
                .collect();
            // Aurora places instances without a zone in different zones.
            let unzoned = many
                .iter()
                .any(|m| m.field("Properties.AvailabilityZone").is_none());
            Fact::Known {
                value: zones.len() > 1 || unzoned,
                loc: Loc::of(rd.side, many[1], None),
            }
        }
    }
}

/// An Application Auto Scaling target of ECS services' desired count: the
/// service it scales and its `MinCapacity`, which owns the service's floor
/// as an HPA owns a Deployment's (DESIGN §1a "Floors owned by
/// autoscalers"). When the service cannot be told from the `ResourceId`,
/// every ECS service of the template has an unknown floor, with a note:
/// never a floor the target may override.
fn scalable_target(rd: &mut Reader, index: &Index) -> Vec<(String, Fact<i64>)> {
    let is_ecs = |id: &str| {
        index
            .by_id
            .get(id)
            .is_some_and(|r| r.kind == "AWS::ECS::Service")
    };
    if rd.prop("ScalableDimension").and_then(Node::as_str) != Some("ecs:service:DesiredCount") {
        return Vec::new();
    }
    let id = rd.prop("ResourceId");
    let service = match id.map(|n| &n.value) {
        // `service/cluster-name/service-name`
        Some(Value::Str(s)) => s.rsplit('/').next().and_then(|name| {
            index
                .services_by_name
                .get(name)
                .copied()
                .or_else(|| is_ecs(name).then_some(name))
        }),
        // `!Join ['/', [service, !Ref Cluster, !GetAtt Service.Name]]`, `!Sub …`
        Some(Value::Unknown(expr)) => mentioned_ids(expr).into_iter().find(|m| is_ecs(m)),
        _ => None,
    };
    let floor = rd.integer("MinCapacity");
    if let Some(service) = service {
        return vec![(service.to_string(), floor)];
    }
    let reason = format!(
        "{} scales an ECS service that its ResourceId ({}) does not name",
        rd.display,
        id.map_or_else(|| "absent".into(), shown)
    );
    rd.notes.push(format!(
        "{}: {reason}; the floors of the template's ECS services are not checked",
        rd.r.path
    ));
    let loc = rd.loc(id);
    index
        .by_id
        .values()
        .filter(|r| r.kind == "AWS::ECS::Service")
        .map(|r| {
            let unknown = Fact::Unknown {
                reason: reason.clone(),
                loc: loc.clone(),
            };
            (r.address.clone(), unknown)
        })
        .collect()
}

/// A scheduled action's target group and the floor it sets.
fn scheduled_action(rd: &mut Reader, index: &Index) -> Option<(String, ScheduledAction)> {
    let target_node = rd.prop("AutoScalingGroupName");
    let target = match target_node {
        Some(n) => match (reference(n), n.as_str()) {
            (Some(id), _) => id.to_string(),
            // A literal name: the group whose AutoScalingGroupName it is, else the name.
            (None, Some(name)) => index
                .groups_by_name
                .get(name)
                .map_or(name, |address| address)
                .to_string(),
            _ => {
                rd.notes.push(format!(
                    "{}: {} targets a group we cannot resolve ({}); ignored",
                    rd.r.path,
                    rd.display,
                    shown(n)
                ));
                return None;
            }
        },
        None => return None,
    };
    let Some(recurrence) = rd.prop("Recurrence") else {
        rd.notes.push(format!(
            "{}: {} has no Recurrence (a one-off action); not part of the weekly capacity",
            rd.r.path, rd.display
        ));
        return None;
    };
    let Some(schedule) = recurrence.as_str().map(String::from) else {
        let _ = rd.fact("Recurrence", Some(recurrence), "a cron expression", |n| {
            Err::<(), _>(shown(n))
        });
        return None;
    };
    let floor = match rd.integer("MinSize") {
        Fact::Known { value, .. } => value,
        // An action that leaves MinSize alone does not move the floor.
        _ => return None,
    };
    let zone = rd
        .prop("TimeZone")
        .and_then(Node::as_str)
        .unwrap_or("UTC")
        .to_string();
    Some((
        target,
        ScheduledAction {
            schedule,
            dialect: crate::facts::schedule::Dialect::Unix,
            zone,
            floor,
            loc: rd.loc(Some(recurrence)),
        },
    ))
}

fn backup_plan(rd: &mut Reader, out: &mut Vec<BackupSource>) {
    let rules = rd
        .prop("BackupPlan.BackupPlanRule")
        .map(Node::items)
        .unwrap_or(&[]);
    for (i, rule) in rules.iter().enumerate() {
        let name = rule
            .get("RuleName")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| format!("rule {}", i + 1));
        let zone = rule
            .get("ScheduleExpressionTimezone")
            .and_then(Node::as_str)
            .unwrap_or("UTC")
            .to_string();
        let (schedule, loc) = match rule.get("ScheduleExpression") {
            Some(n) => match n.as_str() {
                Some(s) => (s.to_string(), rd.loc(Some(n))),
                None => {
                    let _ = rd.fact(
                        &format!("BackupPlanRule `{name}` ScheduleExpression"),
                        Some(n),
                        "a schedule",
                        |n| Err::<(), _>(shown(n)),
                    );
                    continue;
                }
            },
            None => (AWS_BACKUP_DEFAULT.to_string(), rd.loc(Some(rule))),
        };
        out.push(BackupSource {
            address: format!("{}/{name}", rd.r.address),
            display: format!("{} rule {name}", rd.display),
            kind: BackupKind::AwsBackup,
            schedule: Some(schedule),
            zone,
            loc,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::read_file;
    use crate::readers::yaml::line_col;

    fn facts(path: &str, text: &str) -> ServiceFacts {
        let read = read_file(&Arc::from(path), text.as_bytes());
        assert!(read.error.is_none(), "{:?}", read.error);
        assert!(read.infrastructure);
        let rs = read.resources.into_iter().map(Arc::new).collect();
        crate::facts::derive(Side::Head, rs)
    }

    fn at<T>(text: &str, f: &Fact<T>) -> (usize, usize) {
        line_col(text, f.loc().expect("located").span.start)
    }

    #[test]
    fn replicas_tables_and_serverless_clusters() {
        let text = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Main:
    Type: AWS::RDS::DBInstance
    Properties: {MultiAZ: true}
  Replica:
    Type: AWS::RDS::DBInstance
    Properties: {SourceDBInstanceIdentifier: !Ref Main}
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {BillingMode: PAY_PER_REQUEST}
  Serverless:
    Type: AWS::RDS::DBCluster
    Properties: {Engine: aurora-mysql, EngineMode: serverless}
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties: {NumCacheClusters: 1, AutomaticFailoverEnabled: false}
";
        let f = facts("cfn/template.yaml", text);
        let store = |name: &str| {
            f.stores
                .iter()
                .find(|s| s.address.ends_with(name))
                .expect("store")
        };
        assert!(store("Replica").read_replica && !store("Main").read_replica);
        assert_eq!(store("Table").multi_az.known(), Some(&true));
        assert_eq!(store("Serverless").multi_az.known(), Some(&true));
        assert_eq!(
            store("Cache").multi_az.known(),
            Some(&false),
            "one node, one zone"
        );
    }

    const TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Retention:
    Type: Number
    Default: 7
  MultiAz:
    Type: String
Resources:
  LedgerDb:
    Type: AWS::RDS::DBInstance
    Properties:
      MultiAZ: !Ref MultiAz
      BackupRetentionPeriod: !Ref Retention
      PreferredBackupWindow: 02:00-02:30
      PreferredMaintenanceWindow: tue:03:00-tue:03:30
      DeletionProtection: true
      AllocatedStorage: '100'
  LedgerReplica:
    Type: AWS::RDS::DBInstance
    Properties:
      SourceDBInstanceIdentifier: !Ref LedgerDb
      MultiAZ: false
  PaymentsAsg:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: '3'
      MaxSize: '6'
      VPCZoneIdentifier: [!Ref SubnetA, !Ref SubnetB]
  EveningDown:
    Type: AWS::AutoScaling::ScheduledAction
    Properties:
      AutoScalingGroupName: !Ref PaymentsAsg
      Recurrence: 0 15 * * 1-5
      TimeZone: Europe/London
      MinSize: 1
  MorningUp:
    Type: AWS::AutoScaling::ScheduledAction
    Properties:
      AutoScalingGroupName: !Ref PaymentsAsg
      Recurrence: 0 8 * * 1-5
      MinSize: 3
  Plan:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanName: daily
        BackupPlanRule:
          - RuleName: nightly
            TargetBackupVault: vault
            ScheduleExpression: cron(0 5 ? * * *)
            ScheduleExpressionTimezone: Europe/London
  Sessions:
    Type: AWS::DynamoDB::Table
    Properties:
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: false
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      MultiAZEnabled: true
      AutomaticFailoverEnabled: true
      SnapshotWindow: 04:00-05:00
      SnapshotRetentionLimit: 3
";

    #[test]
    fn data_stores() {
        let f = facts("cfn/ledger.yaml", TEMPLATE);
        let db = &f.stores[0];
        assert_eq!(db.address, "LedgerDb");
        assert!(
            matches!(&db.multi_az, Fact::Unknown { reason, .. } if reason.contains("!Ref MultiAz"))
        );
        assert_eq!(at(TEMPLATE, &db.multi_az), (12, 16));
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains("MultiAZ is `!Ref MultiAz`"))
        );
        assert_eq!(db.backup_retention_days.known(), Some(&7));
        assert_eq!(at(TEMPLATE, &db.backup_retention_days), (13, 30));
        assert_eq!(
            db.backup_window.known(),
            Some(&Window::Daily {
                start_min: 120,
                end_min: 150
            })
        );
        assert_eq!(at(TEMPLATE, &db.maintenance_window), (15, 35));
        assert_eq!(db.deletion_protection.known(), Some(&true));
        assert_eq!(db.storage_bytes.known(), Some(&(100 * GIB)));
        let replica = &f.stores[1];
        assert_eq!(replica.synchronous_replication.known(), Some(&false));
        assert_eq!(at(TEMPLATE, &replica.synchronous_replication), (21, 35));
        assert_eq!(replica.multi_az.known(), Some(&false));
        let table = &f.stores[2];
        assert_eq!(table.kind, StoreKind::Table);
        assert_eq!(table.point_in_time_recovery.known(), Some(&false));
        let cache = &f.stores[3];
        assert_eq!(cache.kind, StoreKind::Cache);
        assert_eq!(cache.automatic_failover.known(), Some(&true));
        assert_eq!(cache.backup_retention_days.known(), Some(&3));
    }

    #[test]
    fn groups_schedules_and_backups() {
        let f = facts("cfn/ledger.yaml", TEMPLATE);
        let g = &f.groups[0];
        assert_eq!(g.min_size.known(), Some(&3));
        assert_eq!(g.zones.known(), Some(&2));
        assert_eq!(at(TEMPLATE, &g.min_size), (26, 16));
        assert_eq!(f.scheduled.len(), 1);
        let s = &f.scheduled[0];
        assert_eq!(s.target, "PaymentsAsg");
        let CapacitySchedule::Actions(actions) = &s.schedule else {
            panic!("actions");
        };
        let got: Vec<_> = actions
            .iter()
            .map(|a| {
                (
                    a.schedule.as_str(),
                    a.zone.as_str(),
                    a.floor,
                    line_col(TEMPLATE, a.loc.span.start).0,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("0 15 * * 1-5", "Europe/London", 1, 33),
                ("0 8 * * 1-5", "UTC", 3, 40)
            ]
        );
        let backups: Vec<_> = f
            .backups
            .iter()
            .map(|b| {
                (
                    b.address.as_str(),
                    b.kind.clone(),
                    b.schedule.as_deref(),
                    b.zone.as_str(),
                    line_col(TEMPLATE, b.loc.span.start).0,
                )
            })
            .collect();
        assert_eq!(
            backups,
            [
                ("LedgerDb", BackupKind::Automated, None, "UTC", 13),
                (
                    "Plan/nightly",
                    BackupKind::AwsBackup,
                    Some("cron(0 5 ? * * *)"),
                    "Europe/London",
                    50
                ),
            ]
        );
    }

    #[test]
    fn json_template_facts_point_at_json_lines() {
        let text = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "LedgerDb": {
      "Type": "AWS::RDS::DBInstance",
      "Properties": { "MultiAZ": false, "BackupRetentionPeriod": 0 }
    },
    "Cluster": {
      "Type": "AWS::RDS::DBCluster",
      "Properties": { "AvailabilityZones": ["eu-west-1a", "eu-west-1b"] }
    }
  }
}
"#;
        let f = facts("cfn/ledger.json", text);
        assert_eq!(f.stores[0].multi_az.known(), Some(&false));
        assert_eq!(at(text, &f.stores[0].multi_az), (6, 34));
        assert_eq!(f.stores[1].multi_az.known(), Some(&true));
        // Retention 0: no automated backups; the cluster keeps its default day.
        let b: Vec<_> = f.backups.iter().map(|b| b.address.as_str()).collect();
        assert_eq!(b, ["Cluster"]);
    }

    #[test]
    fn aurora_members_decide_zones() {
        let text = "Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties: {Engine: aurora-postgresql}
  One:
    Type: AWS::RDS::DBInstance
    Properties: {DBClusterIdentifier: !Ref Cluster, AvailabilityZone: eu-west-1a}
";
        let f = facts("t.yaml", text);
        assert_eq!(f.stores.len(), 1);
        assert_eq!(f.stores[0].multi_az.known(), Some(&false));
        // Storage in three zones does not make one instance multi-zone.
        let three = text.replace(
            "{Engine: aurora-postgresql}",
            "{Engine: aurora-postgresql, AvailabilityZones: [a, b, c]}",
        );
        let f = facts("t.yaml", &three);
        assert_eq!(f.stores[0].multi_az.known(), Some(&false));
        assert_eq!(at(&three, &f.stores[0].multi_az), (5, 3));
        let two = format!(
            "{three}  Two:\n    Type: AWS::RDS::DBInstance\n    Properties: {{DBClusterIdentifier: !Ref Cluster}}\n"
        );
        let f = facts("t.yaml", &two);
        assert_eq!(f.stores[0].multi_az.known(), Some(&true));
    }

    #[test]
    fn random_json_and_yaml_are_not_infrastructure() {
        for (path, text) in [
            (
                "package.json",
                "{\"name\": \"x\", \"scripts\": {\"t\": \"jest\"}}",
            ),
            ("tsconfig.json", "{ // comment\n \"a\": 1, }"),
            (
                ".github/workflows/ci.yml",
                "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n",
            ),
            ("x.template", "Hello {{ name }}"),
        ] {
            let read = read_file(&Arc::from(path), text.as_bytes());
            assert!(!read.infrastructure, "{path}");
            assert!(read.error.is_none(), "{path}");
            assert!(read.resources.is_empty(), "{path}");
        }
    }

    #[test]
    fn malformed_json_template_is_an_error_at_its_line() {
        let text =
            "{\n  \"Resources\": {\n    \"Db\": { \"Type\": \"AWS::RDS::DBInstance\" },,\n  }\n}\n";
        let read = read_file(&Arc::from("t.json"), text.as_bytes());
        let (msg, span) = read.error.expect("error");
        assert!(msg.starts_with("invalid JSON"), "{msg}");
        assert_eq!(line_col(text, span.start).0, 3);
    }
}
