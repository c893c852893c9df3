//! Facts per service at one side (DESIGN §1.4): everything the rules need,
//! derived from all of the service's resources, each fact with the location
//! of the field it came from.

pub mod catalog;
pub mod cloud_catalogue;
pub mod cloudformation;
pub mod compose;
mod downscaler;
pub mod kubernetes;
pub mod schedule;
pub mod terraform;
pub mod terraform_registry;
pub mod window;

use crate::readers::{Node, Resource, Span};
pub use crate::source::Side;
use std::collections::BTreeMap;
#[allow(unused_imports)]
use std::collections::BTreeSet;
use std::sync::Arc;

/// A place in a file of one side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    /// The side.
    pub side: Side,
    /// The file.
    pub path: Arc<str>,
    /// The bytes.
    pub span: Span,
}

impl Default for Loc {
    fn default() -> Self {
        Loc {
            side: Side::Head,
            path: Arc::from(""),
            span: Span::default(),
        }
    }
}

impl Loc {
    /// The location of a field of a resource, else of the resource itself.
    /// A module argument is located in the caller's file, where it is written.
    pub fn of(side: Side, resource: &Resource, field: Option<&Node>) -> Loc {
        Loc {
            side,
            path: field
                .and_then(|f| f.origin.as_ref())
                .map_or_else(|| resource.path.clone(), |o| o.path.clone()),
            span: field.map_or(first_line(resource), |f| f.span),
        }
    }
}

/// A resource's first line span (its start).
fn first_line(r: &Resource) -> Span {
    Span::new(r.span.start, r.span.start)
}

/// A workload that runs replicas.
#[derive(Clone, Debug)]
pub struct Workload {
    /// `Deployment/payments/api`.
    pub address: String,
    /// Human name: `Deployment payments/api`.
    pub display: String,
    /// The fewest replicas it runs.
    pub floor: i64,
    /// What sets the floor: `spec.replicas`, or the HPA's `spec.minReplicas`.
    pub floor_field: String,
    /// The address owning that field (the workload, or its HPA).
    pub floor_owner: String,
    /// Where the floor is set.
    pub floor_loc: Loc,
    /// Pod template labels (to match disruption budgets).
    pub pod_labels: BTreeMap<String, String>,
    /// Whether its pods are spread over zones (topology spread or anti-affinity on a zone key).
    pub zone_spread: bool,
    /// Where its zone placement is decided: a pin to one zone, a soft spread,
    /// else the workload's first line (where a spread would be added).
    pub zone_loc: Loc,
}

/// A PodDisruptionBudget.
#[derive(Clone, Debug)]
pub struct DisruptionBudget {
    /// Address.
    pub address: String,
    /// Its selector's matchLabels.
    pub selector: BTreeMap<String, String>,
    /// Whether it lets every pod go (`maxUnavailable: 100%`, `minAvailable: 0`).
    pub allows_all: Option<(String, Loc)>,
    /// Where the resource is.
    pub loc: Loc,
}

/// A fact read from a field: known with its location, unknown (an expression
/// we could not resolve: never a violation, said in a note), or absent.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Fact<T> {
    /// The field is set to a value we know.
    Known {
        /// The value.
        value: T,
        /// Where it is set.
        loc: Loc,
    },
    /// The field is set to something we cannot evaluate.
    Unknown {
        /// Why (`var.multi_az has no default`).
        reason: String,
        /// Where.
        loc: Loc,
    },
    /// The field is not written (the provider's default applies).
    #[default]
    Absent,
}

impl<T> Fact<T> {
    /// The value when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Where it is set, if anywhere.
    pub fn loc(&self) -> Option<&Loc> {
        match self {
            Fact::Known { loc, .. } | Fact::Unknown { loc, .. } => Some(loc),
            Fact::Absent => None,
        }
    }
}

/// What kind of data store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StoreKind {
    /// RDS/Aurora, Cloud SQL, Azure PostgreSQL/MySQL.
    #[default]
    Relational,
    /// ElastiCache / Redis.
    Cache,
    /// DynamoDB and other key-value tables.
    Table,
}

/// A database, cache or table: where state lives.
#[derive(Clone, Debug, Default)]
pub struct DataStore {
    /// `aws_db_instance.ledger`.
    pub address: String,
    /// Human name: `aws_db_instance ledger`.
    pub display: String,
    /// What kind.
    pub kind: StoreKind,
    /// The resource's first line.
    pub loc: Loc,
    /// Spans zones (`multi_az`, `MultiAZ`, `availability_type = REGIONAL`, HA enabled).
    pub multi_az: Fact<bool>,
    /// Fails over on its own (Multi-AZ RDS, ElastiCache `automatic_failover_enabled`).
    pub automatic_failover: Fact<bool>,
    /// Automated backup retention in days (`backup_retention_period`); 0 = off.
    pub backup_retention_days: Fact<i64>,
    /// Daily backup window (UTC).
    pub backup_window: Fact<crate::facts::window::Window>,
    /// Weekly maintenance window (UTC).
    pub maintenance_window: Fact<crate::facts::window::Window>,
    /// Deletion protection.
    pub deletion_protection: Fact<bool>,
    /// Allocated storage in bytes (RDS `allocated_storage` GiB → bytes).
    pub storage_bytes: Fact<u64>,
    /// Point-in-time recovery (DynamoDB; RDS has it with backups).
    pub point_in_time_recovery: Fact<bool>,
    /// Replication to another copy: `Some(true)` synchronous, `Some(false)` asynchronous.
    pub synchronous_replication: Fact<bool>,
    /// A read replica of another database (`replicate_source_db`,
    /// `SourceDBInstanceIdentifier`): its zones are not the primary's
    /// availability, so an unset `multi_az` is not a single point of failure.
    pub read_replica: bool,
}

/// A group of machines or a workload whose capacity has a floor and a zone spread.
#[derive(Clone, Debug, Default)]
pub struct Group {
    /// `aws_autoscaling_group.payments`.
    pub address: String,
    /// Human name.
    pub display: String,
    /// The resource's first line.
    pub loc: Loc,
    /// `min_size` / `MinSize`.
    pub min_size: Fact<i64>,
    /// How many zones or subnets it spans.
    pub zones: Fact<usize>,
}

/// Where backups come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackupKind {
    /// Velero `Schedule`.
    Velero,
    /// A Kubernetes CronJob that backs up (name or image says backup/dump/snapshot).
    CronJob,
    /// An `aws_backup_plan` / `AWS::Backup::BackupPlan` rule.
    AwsBackup,
    /// RDS/Aurora automated backups (continuous: 5 minutes).
    Automated,
}

/// One backup source of a service; each is checked on its own.
#[derive(Clone, Debug)]
pub struct BackupSource {
    /// Address of the resource (plus rule name for backup plans).
    pub address: String,
    /// Human name.
    pub display: String,
    /// What kind.
    pub kind: BackupKind,
    /// The schedule expression as written (None for continuous automated backups).
    pub schedule: Option<String>,
    /// The zone the schedule is read in (DESIGN §1 "Schedule zones").
    pub zone: String,
    /// Where the schedule (or the retention) is set.
    pub loc: Loc,
}

/// A schedule that changes a capacity floor.
#[derive(Clone, Debug)]
pub enum CapacitySchedule {
    /// Scheduled actions: each sets the floor at its fire times
    /// (`aws_autoscaling_schedule`, `AWS::AutoScaling::ScheduledAction`).
    Actions(Vec<ScheduledAction>),
    /// KEDA cron triggers (DESIGN §1 "KEDA cron triggers"): while a trigger
    /// is active (its `start` fired after its `end`) its `desiredReplicas` is
    /// a floor; the floor at any moment is the largest of `min` and the
    /// active triggers' `desiredReplicas`.
    Triggers {
        /// `minReplicaCount` (default 0).
        min: i64,
        /// Where the ScaledObject sets it (or the resource, when absent).
        min_loc: Loc,
        /// The cron triggers.
        triggers: Vec<CronTrigger>,
    },
    /// kube-downscaler: the floor is `floor_outside` outside these hours (in the
    /// grammar of the plan's hours, zone written in the annotation).
    Uptime {
        /// The uptime as an hours string, e.g. `Mon-Fri 07:30-20:30 Europe/Berlin`.
        hours: String,
        /// Replicas outside uptime (0 unless `downscaler/downtime-replicas`).
        floor_outside: i64,
        /// Where the annotation is.
        loc: Loc,
    },
}

/// One scheduled action.
#[derive(Clone, Debug)]
pub struct ScheduledAction {
    /// Its schedule expression, in `dialect`.
    pub schedule: String,
    /// The cron dialect of the system that runs it.
    pub dialect: schedule::Dialect,
    /// Its zone.
    pub zone: String,
    /// The floor it sets.
    pub floor: i64,
    /// Where the action is.
    pub loc: Loc,
}

/// One KEDA cron trigger.
#[derive(Clone, Debug)]
pub struct CronTrigger {
    /// `start`: its floor is `desiredReplicas`.
    pub start: ScheduledAction,
    /// `end`: its floor is the ScaledObject's `minReplicaCount`.
    pub end: ScheduledAction,
}

impl CapacitySchedule {
    /// Every schedule expression it reads, with its zone, dialect and place.
    pub fn actions(&self) -> Vec<&ScheduledAction> {
        match self {
            CapacitySchedule::Actions(actions) => actions.iter().collect(),
            CapacitySchedule::Triggers { triggers, .. } => {
                triggers.iter().flat_map(|t| [&t.start, &t.end]).collect()
            }
            CapacitySchedule::Uptime { .. } => Vec::new(),
        }
    }
}

/// Scheduled capacity of one target (group or workload).
#[derive(Clone, Debug)]
pub struct ScheduledCapacity {
    /// The target's address.
    pub target: String,
    /// Human name.
    pub display: String,
    /// The schedule.
    pub schedule: CapacitySchedule,
}

/// The facts of one service at one side.
#[derive(Clone, Debug, Default)]
pub struct ServiceFacts {
    /// Every resource of the service at this side.
    pub resources: Vec<Arc<Resource>>,
    /// Workloads with their replica floors.
    pub workloads: Vec<Workload>,
    /// Disruption budgets.
    pub budgets: Vec<DisruptionBudget>,
    /// Databases, caches, tables.
    pub stores: Vec<DataStore>,
    /// Autoscaling groups and node groups.
    pub groups: Vec<Group>,
    /// Backup sources.
    pub backups: Vec<BackupSource>,
    /// Scheduled capacity changes.
    pub scheduled: Vec<ScheduledCapacity>,
    /// Hard dependencies found in the service's Backstage entities'
    /// `spec.dependsOn` (DESIGN §2): normalised entity refs
    /// (`resource:default/ledger-db`, see `readers::catalog::normalise_ref`) with
    /// where each is written. Resolve them to services through the plan's
    /// `catalog:` match entries.
    pub depends_on: Vec<(String, Loc)>,
    /// Notes: values that stayed unknown, and why.
    pub notes: Vec<String>,
    /// What the tool cannot see (an external Terraform module without a
    /// local copy or a table): why, and where. A service with any is never
    /// "kept" in `status`.
    pub opaque: Vec<(String, Loc)>,
    /// Module arguments (DESIGN §1a): where a value is written in the
    /// caller → where the module's resource uses it, with what to say there.
    pub module_arguments: BTreeMap<Loc, (Loc, String)>,
}

impl BackupSource {
    /// The cron dialect its runner reads (DESIGN §1 "Cron dialects").
    pub fn dialect(&self) -> schedule::Dialect {
        match self.kind {
            BackupKind::AwsBackup => schedule::Dialect::Aws,
            BackupKind::Velero | BackupKind::CronJob | BackupKind::Automated => {
                schedule::Dialect::Robfig
            }
        }
    }
}

impl ServiceFacts {
    /// The smallest replica floor, if any workload.
    pub fn min_floor(&self) -> Option<i64> {
        self.workloads.iter().map(|w| w.floor).min()
    }
}

/// A cache replication group of one node is in one zone when the multi-AZ
/// setting is left out (CloudFormation and Terraform alike).
fn one_node_is_one_zone(multi_az: Fact<bool>, nodes: Fact<i64>) -> Fact<bool> {
    match (multi_az, nodes) {
        (Fact::Absent, Fact::Known { value: 1, loc }) => Fact::Known { value: false, loc },
        (multi_az, _) => multi_az,
    }
}

/// Derives the facts of a service's resources at one side: each file kind's
/// extractor adds what it knows.
pub fn derive(side: Side, resources: Vec<Arc<Resource>>) -> ServiceFacts {
    let mut facts = ServiceFacts::default();
    kubernetes::extract(side, &resources, &mut facts);
    terraform::extract(side, &resources, &mut facts);
    cloudformation::extract(side, &resources, &mut facts);
    compose::extract(side, &resources, &mut facts);
    catalog::extract(side, &resources, &mut facts);
    facts.notes.sort();
    facts.notes.dedup();
    for r in resources
        .iter()
        .filter(|r| r.address.starts_with("module."))
    {
        module_arguments(side, r, &r.body, &mut facts.module_arguments);
    }
    facts.resources = resources;
    facts
}

/// The module arguments a module instance's fields were substituted with.
fn module_arguments(side: Side, r: &Resource, node: &Node, out: &mut BTreeMap<Loc, (Loc, String)>) {
    // Only module arguments have a use site (a kustomize patch has none).
    if let Some(origin) = node
        .origin
        .as_ref()
        .filter(|o| o.used_at != Span::default())
    {
        let written = Loc {
            side,
            path: origin.path.clone(),
            span: node.span,
        };
        let used = Loc {
            side,
            path: r.path.clone(),
            span: origin.used_at,
        };
        out.entry(written)
            .or_insert_with(|| (used, format!("used by `{}` here", r.address)));
        return;
    }
    match &node.value {
        crate::readers::Value::Seq(items) => {
            for i in items {
                module_arguments(side, r, i, out);
            }
        }
        crate::readers::Value::Map(entries) => {
            for (_, v) in entries {
                module_arguments(side, r, v, out);
            }
        }
        _ => {}
    }
}

impl DisruptionBudget {
    /// Whether it selects a workload's pods.
    pub fn selects(&self, w: &Workload) -> bool {
        // A budget selects pods of its own namespace (and kustomize build).
        let scope = |address: &str| {
            let (root, rest) = address.split_once(':').unwrap_or(("", address));
            (root.to_string(), rest.split('/').nth(1).map(str::to_string))
        };
        scope(&self.address) == scope(&w.address)
            && !self.selector.is_empty()
            && self
                .selector
                .iter()
                .all(|(k, v)| w.pod_labels.get(k) == Some(v))
    }
}
