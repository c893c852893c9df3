//! Facts from Terraform: data stores (`aws_db_instance`, `aws_rds_cluster` and
//! its instances, `google_sql_database_instance`,
//! `azurerm_postgresql_flexible_server`, `aws_elasticache_replication_group`,
//! `aws_dynamodb_table`), autoscaling groups, backup sources (RDS automated
//! backups, `aws_backup_plan` rules) and scheduled capacity
//! (`aws_autoscaling_schedule`).
//!
//! Each fact points at the value it was read from. A value that is an
//! expression the reader could not resolve is [`Fact::Unknown`] with a note,
//! never a guess; an attribute that is not written is [`Fact::Absent`].

use super::cloud_catalogue::{self, Fields, Out};
use super::window::Window;
use super::{
    BackupKind, BackupSource, CapacitySchedule, DataStore, Fact, Loc, ScheduledAction,
    ScheduledCapacity, ServiceFacts, StoreKind,
};
use crate::readers::terraform::referenced_address;
use crate::readers::{FileKind, Node, Resource, Value};
use crate::source::Side;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// Reads the attributes of one resource into facts, collecting notes.
pub(super) struct Reader<'a> {
    side: Side,
    pub(super) r: &'a Resource,
    notes: &'a mut Vec<String>,
}

impl Fields for Reader<'_> {
    fn resource(&self) -> &Resource {
        self.r
    }

    fn display(&self) -> String {
        display(self.r)
    }

    fn loc(&self, node: Option<&Node>) -> Loc {
        Loc::of(self.side, self.r, node)
    }

    /// The attribute at `path` (dotted, through nested blocks).
    fn fact<T>(&mut self, path: &str, conv: impl Fn(&Node) -> Result<T, String>) -> Fact<T> {
        let node = field_or_unknown(self.r, path);
        self.fact_of(path, node, conv)
    }
}

impl Reader<'_> {
    fn fact_of<T>(
        &mut self,
        path: &str,
        node: Option<&Node>,
        conv: impl Fn(&Node) -> Result<T, String>,
    ) -> Fact<T> {
        let Some(node) = node else {
            return Fact::Absent;
        };
        let loc = self.loc(Some(node));
        match &node.value {
            Value::Null => Fact::Absent,
            Value::Unknown(expr) => {
                let reason = unresolved_reason(expr);
                self.notes.push(format!(
                    "{}: {}.{path} is unknown: {reason}; not checked",
                    self.r.path, self.r.address
                ));
                Fact::Unknown { reason, loc }
            }
            _ => match conv(node) {
                Ok(value) => Fact::Known { value, loc },
                Err(reason) => {
                    self.notes.push(format!(
                        "{}: {}.{path}: {reason}; not checked",
                        self.r.path, self.r.address
                    ));
                    Fact::Unknown { reason, loc }
                }
            },
        }
    }

    fn bytes(&mut self, path: &str, unit: u64) -> Fact<u64> {
        self.fact(path, |n| {
            let v = as_int(n)?;
            u64::try_from(v)
                .ok()
                .and_then(|v| v.checked_mul(unit))
                .ok_or_else(|| format!("storage size {v} is out of range"))
        })
    }

    pub(super) fn store(&self, kind: StoreKind) -> DataStore {
        DataStore {
            address: self.r.address.clone(),
            display: display(self.r),
            kind,
            loc: self.loc(None),
            ..DataStore::default()
        }
    }

    /// A replica of another database: asynchronous replication, located at
    /// the attribute naming its source.
    fn replica_of(&mut self, path: &str) -> Option<Fact<bool>> {
        let node = self.r.field(path)?;
        if node.value == Value::Null {
            return None;
        }
        Some(Fact::Known {
            value: false,
            loc: self.loc(Some(node)),
        })
    }
}

/// Why an expression stayed unknown, in the user's terms.
/// The node at a dotted path, or the first unknown node on the way (a
/// block made by a `dynamic` block leaves everything under it unknown).
fn field_or_unknown<'r>(r: &'r Resource, path: &str) -> Option<&'r Node> {
    let mut node = &r.body;
    for key in path.split('.') {
        if matches!(node.value, Value::Unknown(_)) {
            return Some(node);
        }
        node = node.get(key)?;
    }
    Some(node)
}

fn unresolved_reason(expr: &str) -> String {
    if let Some(block) = expr.strip_prefix("dynamic ") {
        return format!(
            "made by a `dynamic {block}` block, whose `for_each` is only known when Terraform runs"
        );
    }
    let e = expr
        .trim()
        .trim_start_matches("\"${")
        .trim_end_matches("}\"");
    if let Some(name) = e
        .strip_prefix("var.")
        .filter(|n| !n.contains(['.', '[', ' ']))
    {
        format!(
            "`var.{name}` has no default and no value in terraform.tfvars or *.auto.tfvars of the same directory"
        )
    } else if let Some(name) = e
        .strip_prefix("local.")
        .filter(|n| !n.contains(['.', '[', ' ']))
    {
        format!("`local.{name}` does not come down to a literal value")
    } else {
        format!("`{expr}` is an expression that is only known when Terraform runs")
    }
}

pub(super) fn as_bool(n: &Node) -> Result<bool, String> {
    n.as_bool()
        .ok_or_else(|| format!("`{}` is not a boolean", shown(n)))
}

pub(super) fn as_int(n: &Node) -> Result<i64, String> {
    match &n.value {
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
        _ => n
            .as_i64()
            .ok_or_else(|| format!("`{}` is not a whole number", shown(n))),
    }
}

fn shown(n: &Node) -> String {
    n.scalar_text().unwrap_or_else(|| "…".into())
}

pub(super) fn display(r: &Resource) -> String {
    match r.address.rsplit_once('.') {
        Some((kind, name)) => format!("{kind} {name}"),
        None => r.address.clone(),
    }
}

/// Adds the facts of this file kind's resources.
pub fn extract(side: Side, resources: &[Arc<Resource>], facts: &mut ServiceFacts) {
    let mut tf: Vec<&Resource> = resources
        .iter()
        .map(|r| r.as_ref())
        .filter(|r| r.file_kind == FileKind::Terraform)
        .collect();
    // Registry modules without a local copy, read from their tables.
    let calls: Vec<&Resource> = tf.iter().copied().filter(|r| r.kind == "module").collect();
    let registry = super::terraform_registry::registry_resources(
        &calls,
        &tf,
        &mut facts.opaque,
        &mut facts.notes,
        side,
    );
    tf.extend(registry.iter().map(|r| r.as_ref()));
    // `count = 0` (often `var.create ? 1 : 0` resolved) or an empty
    // `for_each`: the resource is not created, so it holds no facts.
    tf.retain(|r| {
        let none = match r.field("count").map(|n| &n.value) {
            Some(Value::Int(0)) => Some("count = 0"),
            _ => match r.field("for_each").map(|n| &n.value) {
                Some(Value::Map(m)) if m.is_empty() => Some("an empty for_each"),
                Some(Value::Seq(s)) if s.is_empty() => Some("an empty for_each"),
                _ => None,
            },
        };
        if let Some(why) = none {
            facts.notes.push(format!(
                "{}: {} has {why}: not created, not checked",
                r.path, r.address
            ));
        }
        none.is_none()
    });
    let repeated = unknown_repetition(side, &tf);
    let mut schedules: BTreeMap<String, (String, Vec<ScheduledAction>)> = BTreeMap::new();
    let services = EcsServices::of(&tf);
    let mut owners = Vec::new();
    for r in &tf {
        let mut rd = Reader {
            side,
            r,
            notes: &mut facts.notes,
        };
        match r.kind.as_str() {
            "aws_db_instance" => {
                let store = rds_instance(&mut rd);
                automated_backup(&rd, &store, &mut facts.backups);
                facts.stores.push(store);
            }
            "aws_rds_cluster" => {
                let store = rds_cluster(&mut rd, &tf);
                automated_backup(&rd, &store, &mut facts.backups);
                facts.stores.push(store);
            }
            "aws_docdb_cluster" | "aws_neptune_cluster" => {
                let instances = format!("{}_instance", r.kind);
                let store = document_cluster(&mut rd, &tf, &instances);
                automated_backup(&rd, &store, &mut facts.backups);
                facts.stores.push(store);
            }
            "google_sql_database_instance" => facts.stores.push(cloud_sql(&mut rd)),
            "azurerm_postgresql_flexible_server" => facts.stores.push(azure_postgres(&mut rd)),
            "aws_dynamodb_table" => facts.stores.push(dynamodb(&mut rd)),
            "aws_backup_plan" => backup_plan(&mut rd, &mut facts.backups),
            "aws_efs_backup_policy" => efs_backup_policy(&mut rd, &mut facts.backups),
            "aws_appautoscaling_target" => owners.extend(scalable_target(&mut rd, &services)),
            "aws_autoscaling_schedule" => {
                if let Some((target, display, action)) = autoscaling_schedule(&mut rd, &tf) {
                    schedules
                        .entry(target)
                        .or_insert_with(|| (display, Vec::new()))
                        .1
                        .push(action);
                }
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
    for (target, (display, actions)) in schedules {
        facts.scheduled.push(ScheduledCapacity {
            target,
            display,
            schedule: CapacitySchedule::Actions(actions),
        });
    }
    cloud_catalogue::owned_floors(&mut facts.groups, owners);
    // A database whose `count`/`for_each` stays unknown is judged as if it
    // is created (a module's `create` flag that resolves to false makes the
    // count 0 and it is never read): a `multi_az = false` on it is what the
    // reviewer is asked to accept, whatever the count turns out to be.
    for s in &facts.stores {
        if let Some((field, expr, _)) = repeated.get(s.address.as_str()) {
            facts.notes.push(format!(
                "{}: its {field} `{expr}` is only known when Terraform runs: judged as if it is created",
                s.address
            ));
        }
    }
}

/// Resources whose `count` or `for_each` stays unknown: whether a database
/// exists at all is then unknown (said in a note).
fn unknown_repetition<'a>(
    side: Side,
    tf: &[&'a Resource],
) -> HashMap<&'a str, (&'static str, String, Loc)> {
    let mut out = HashMap::new();
    for r in tf {
        for field in ["count", "for_each"] {
            if let Some(n) = r.field(field)
                && let Value::Unknown(expr) = &n.value
            {
                let loc = Loc::of(side, r, Some(n));
                out.insert(r.address.as_str(), (field, expr.clone(), loc));
            }
        }
    }
    out
}

/// The ECS services among the resources, by address and by `name`.
struct EcsServices<'a> {
    addresses: HashSet<&'a str>,
    by_name: HashMap<&'a str, &'a str>,
}

impl<'a> EcsServices<'a> {
    fn of(tf: &[&'a Resource]) -> Self {
        let ecs = || tf.iter().filter(|r| r.kind == "aws_ecs_service");
        EcsServices {
            addresses: ecs().map(|r| r.address.as_str()).collect(),
            by_name: ecs()
                .filter_map(|r| Some((r.field("name")?.as_str()?, r.address.as_str())))
                .collect(),
        }
    }
}

/// An `aws_appautoscaling_target` on `ecs:service:DesiredCount`: the
/// service it scales and its `min_capacity`, which owns the service's floor
/// (DESIGN §1a "Floors owned by autoscalers"). A target whose service cannot
/// be told leaves every ECS service's floor unknown, with a note.
fn scalable_target(rd: &mut Reader, services: &EcsServices) -> Vec<(String, Fact<i64>)> {
    let r = rd.r;
    if r.field("scalable_dimension").and_then(Node::as_str) != Some("ecs:service:DesiredCount") {
        return Vec::new();
    }
    // Inside a module instance, references are to the same instance.
    let prefix = r
        .address
        .strip_suffix(&format!("{}.{}", r.kind, r.name))
        .unwrap_or_default();
    let id = r.field("resource_id");
    let service = match id.map(|n| &n.value) {
        // `service/cluster-name/service-name`
        Some(Value::Str(s)) => s
            .rsplit('/')
            .next()
            .and_then(|name| services.by_name.get(name).copied()),
        // `"service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}"`
        Some(Value::Unknown(expr)) => expr.match_indices("aws_ecs_service.").find_map(|(at, _)| {
            let address = referenced_address(&expr[at..])?;
            let address = format!("{prefix}{address}");
            services.addresses.get(address.as_str()).copied()
        }),
        _ => None,
    };
    let floor = rd.int("min_capacity");
    if let Some(service) = service {
        return vec![(service.to_string(), floor)];
    }
    let reason = format!(
        "{} scales an ECS service that its resource_id does not name",
        r.address
    );
    rd.notes.push(format!(
        "{}: {reason}; the floors of the ECS services here are not checked",
        r.path
    ));
    let loc = rd.loc(id);
    services
        .addresses
        .iter()
        .map(|a| {
            let unknown = Fact::Unknown {
                reason: reason.clone(),
                loc: loc.clone(),
            };
            (a.to_string(), unknown)
        })
        .collect()
}

fn rds_instance(rd: &mut Reader) -> DataStore {
    let mut s = rd.store(StoreKind::Relational);
    s.multi_az = rd.bool("multi_az");
    // A Multi-AZ instance fails over to its synchronous standby on its own.
    s.automatic_failover = s.multi_az.clone();
    s.backup_retention_days = provider_default_retention(rd);
    s.point_in_time_recovery = retention_enables_pitr(&s.backup_retention_days);
    s.backup_window = rd.window("backup_window");
    s.maintenance_window = rd.window("maintenance_window");
    s.deletion_protection = rd.bool("deletion_protection");
    s.storage_bytes = rd.bytes("allocated_storage", GIB);
    s.synchronous_replication = match rd.replica_of("replicate_source_db") {
        Some(f) => {
            s.read_replica = true;
            f
        }
        None => synchronous_standby(&s.multi_az),
    };
    s
}

/// `backup_retention_period` of an RDS instance or cluster: left out or
/// `null`, the provider's default of 1 day applies (automated backups on),
/// located at the field when written, else at the resource. A read replica
/// (`replicate_source_db`) has no backups by default.
fn provider_default_retention(rd: &mut Reader) -> Fact<i64> {
    let replica = rd.r.field("replicate_source_db").is_some();
    match rd.int("backup_retention_period") {
        Fact::Absent if !replica => Fact::Known {
            value: 1,
            loc: Loc::of(rd.side, rd.r, rd.r.field("backup_retention_period")),
        },
        known_or_unknown => known_or_unknown,
    }
}

fn retention_enables_pitr(retention: &Fact<i64>) -> Fact<bool> {
    match retention {
        Fact::Known { value, loc } => Fact::Known {
            value: *value >= 1,
            loc: loc.clone(),
        },
        Fact::Unknown { reason, loc } => Fact::Unknown {
            reason: reason.clone(),
            loc: loc.clone(),
        },
        Fact::Absent => Fact::Absent,
    }
}

fn synchronous_standby(multi_az: &Fact<bool>) -> Fact<bool> {
    match multi_az {
        Fact::Known { value: true, loc } => Fact::Known {
            value: true,
            loc: loc.clone(),
        },
        _ => Fact::Absent,
    }
}

fn rds_cluster(rd: &mut Reader, all: &[&Resource]) -> DataStore {
    let mut s = rd.store(StoreKind::Relational);
    s.backup_retention_days = provider_default_retention(rd);
    s.point_in_time_recovery = retention_enables_pitr(&s.backup_retention_days);
    s.backup_window = rd.window("preferred_backup_window");
    s.maintenance_window = rd.window("preferred_maintenance_window");
    s.deletion_protection = rd.bool("deletion_protection");
    s.storage_bytes = rd.bytes("allocated_storage", GIB);
    s.multi_az = cluster_zones(rd, all);
    s.automatic_failover = s.multi_az.clone();
    s.synchronous_replication = match rd.replica_of("replication_source_identifier") {
        Some(f) => f,
        None => Fact::Absent,
    };
    s
}

/// A DocumentDB or Neptune cluster: like Aurora, its zones are its
/// instances'; its automated backups cannot be turned off (retention 1 day
/// when not written, continuous like RDS).
fn document_cluster(rd: &mut Reader, all: &[&Resource], instance_kind: &str) -> DataStore {
    let mut s = rd.store(StoreKind::Relational);
    s.backup_retention_days = match rd.int("backup_retention_period") {
        Fact::Absent => Fact::Known {
            value: 1,
            loc: rd.loc(None),
        },
        other => other,
    };
    s.point_in_time_recovery = retention_enables_pitr(&s.backup_retention_days);
    s.backup_window = rd.window("preferred_backup_window");
    s.maintenance_window = rd.window("preferred_maintenance_window");
    s.deletion_protection = rd.bool("deletion_protection");
    s.multi_az = instance_zones(rd, all, instance_kind);
    s.automatic_failover = s.multi_az.clone();
    s
}

/// Whether a cluster's instances (`aws_rds_cluster_instance` naming it) sit
/// in two zones or more.
fn cluster_zones(rd: &mut Reader, all: &[&Resource]) -> Fact<bool> {
    instance_zones(rd, all, "aws_rds_cluster_instance")
}

/// Whether a cluster's instances of a kind sit in two zones or more.
fn instance_zones(rd: &mut Reader, all: &[&Resource], instance_kind: &str) -> Fact<bool> {
    let cluster = rd.r;
    let own_id = cluster
        .field("cluster_identifier")
        .and_then(Node::as_str)
        .map(str::to_string);
    let instances: Vec<&&Resource> = all
        .iter()
        .filter(|i| i.kind == instance_kind)
        .filter(|i| {
            i.field("cluster_identifier")
                .is_some_and(|c| match &c.value {
                    Value::Unknown(expr) => {
                        referenced_address(expr).as_deref() == Some(cluster.address.as_str())
                    }
                    Value::Str(id) => own_id.as_deref() == Some(id.as_str()),
                    _ => false,
                })
        })
        .collect();
    let Some(last) = instances.last() else {
        return Fact::Absent;
    };
    let last_loc = Loc::of(rd.side, last, None);
    if let Some(i) = instances
        .iter()
        .find(|i| i.field("count").is_some() || i.field("for_each").is_some())
    {
        let reason = format!(
            "{} is repeated by count/for_each; its zones are not known",
            i.address
        );
        rd.notes
            .push(format!("{}: {reason}; not checked", cluster.address));
        return Fact::Unknown {
            reason,
            loc: Loc::of(rd.side, i, None),
        };
    }
    let mut zones: Vec<String> = Vec::new();
    let mut unknown = None;
    for i in &instances {
        match i.field("availability_zone").map(|z| &z.value) {
            Some(Value::Str(z)) => zones.push(z.clone()),
            _ => unknown = Some(*i),
        }
    }
    zones.sort();
    zones.dedup();
    if zones.len() >= 2 {
        let loc = instances
            .iter()
            .rev()
            .find_map(|i| Some(Loc::of(rd.side, i, Some(i.field("availability_zone")?))))
            .unwrap_or(last_loc);
        return Fact::Known { value: true, loc };
    }
    match unknown {
        Some(i) if instances.len() >= 2 => {
            let reason = format!(
                "the availability_zone of {} is not written or not known",
                i.address
            );
            rd.notes
                .push(format!("{}: {reason}; not checked", cluster.address));
            Fact::Unknown {
                reason,
                loc: Loc::of(rd.side, i, None),
            }
        }
        _ => Fact::Known {
            value: false,
            loc: last_loc,
        },
    }
}

fn automated_backup(rd: &Reader, store: &DataStore, out: &mut Vec<BackupSource>) {
    if let Fact::Known { value, loc } = &store.backup_retention_days
        && *value >= 1
    {
        out.push(BackupSource {
            address: rd.r.address.clone(),
            display: format!("automated backups of {}", store.display),
            kind: BackupKind::Automated,
            schedule: None,
            zone: "UTC".into(),
            loc: loc.clone(),
        });
    }
}

fn cloud_sql(rd: &mut Reader) -> DataStore {
    let mut s = rd.store(StoreKind::Relational);
    s.multi_az = rd.fact("settings.availability_type", |n| match n.as_str() {
        Some(t) if t.eq_ignore_ascii_case("REGIONAL") => Ok(true),
        Some(t) if t.eq_ignore_ascii_case("ZONAL") => Ok(false),
        _ => Err(format!(
            "availability_type `{}` is neither REGIONAL nor ZONAL",
            shown(n)
        )),
    });
    s.automatic_failover = s.multi_az.clone();
    let enabled = rd.bool("settings.backup_configuration.enabled");
    let retained =
        rd.int("settings.backup_configuration.backup_retention_settings.retained_backups");
    s.backup_retention_days = match (&enabled, retained) {
        (Fact::Known { value: false, loc }, _) => Fact::Known {
            value: 0,
            loc: loc.clone(),
        },
        (_, r @ (Fact::Known { .. } | Fact::Unknown { .. })) => r,
        // Cloud SQL keeps 7 daily backups unless told otherwise.
        (Fact::Known { value: true, loc }, Fact::Absent) => Fact::Known {
            value: 7,
            loc: loc.clone(),
        },
        (Fact::Unknown { reason, loc }, Fact::Absent) => Fact::Unknown {
            reason: reason.clone(),
            loc: loc.clone(),
        },
        (Fact::Absent, Fact::Absent) => Fact::Absent,
    };
    // Cloud SQL starts a backup within four hours of `start_time`.
    s.backup_window = rd.fact("settings.backup_configuration.start_time", |n| {
        let t = n.as_str().ok_or("start_time is not a string")?;
        let (h, m) = t
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
            .filter(|(h, m)| *h < 24 && *m < 60)
            .ok_or_else(|| format!("start_time `{t}` is not hh:mm"))?;
        Window::parse(&format!("{h:02}:{m:02}-{:02}:{m:02}", (h + 4) % 24))
    });
    s.maintenance_window = match rd.r.field("settings.maintenance_window") {
        None => Fact::Absent,
        Some(w) => {
            let day = rd.fact_of("settings.maintenance_window.day", w.get("day"), as_int);
            let hour = rd.fact_of("settings.maintenance_window.hour", w.get("hour"), as_int);
            match (day, hour) {
                (Fact::Known { value: d, loc }, Fact::Known { value: h, .. }) => {
                    window_fact(rd, "settings.maintenance_window", loc, || {
                        Window::cloud_sql(small(d)?, small(h)?)
                    })
                }
                (u @ Fact::Unknown { .. }, _) | (_, u @ Fact::Unknown { .. }) => unknown_as(u),
                _ => Fact::Absent,
            }
        }
    };
    s.deletion_protection = match rd.bool("settings.deletion_protection_enabled") {
        Fact::Absent => rd.bool("deletion_protection"),
        f => f,
    };
    s.point_in_time_recovery =
        match rd.bool("settings.backup_configuration.point_in_time_recovery_enabled") {
            Fact::Absent => rd.bool("settings.backup_configuration.binary_log_enabled"),
            f => f,
        };
    s.storage_bytes = rd.bytes("settings.disk_size", GIB);
    s.synchronous_replication = rd.replica_of("master_instance_name").unwrap_or_default();
    s
}

fn small(v: i64) -> Result<u32, String> {
    u32::try_from(v).map_err(|_| format!("{v} is out of range"))
}

fn window_fact(
    rd: &mut Reader,
    path: &str,
    loc: Loc,
    make: impl FnOnce() -> Result<Window, String>,
) -> Fact<Window> {
    match make() {
        Ok(value) => Fact::Known { value, loc },
        Err(reason) => {
            rd.notes.push(format!(
                "{}: {}.{path}: {reason}; not checked",
                rd.r.path, rd.r.address
            ));
            Fact::Unknown { reason, loc }
        }
    }
}

/// An unknown fact as another type (its reason and place), else absent.
fn unknown_as<T, U>(f: Fact<T>) -> Fact<U> {
    match f {
        Fact::Unknown { reason, loc } => Fact::Unknown { reason, loc },
        _ => Fact::Absent,
    }
}

fn azure_postgres(rd: &mut Reader) -> DataStore {
    let mut s = rd.store(StoreKind::Relational);
    s.multi_az = match rd.r.field("high_availability") {
        None => Fact::Absent,
        Some(ha) => {
            let mode = ha.get("mode");
            rd.fact_of("high_availability.mode", mode, |n| match n.as_str() {
                Some("ZoneRedundant") => Ok(true),
                Some("SameZone") => Ok(false),
                _ => Err(format!(
                    "high_availability mode `{}` is neither ZoneRedundant nor SameZone",
                    shown(n)
                )),
            })
        }
    };
    s.automatic_failover = match rd.r.field("high_availability") {
        Some(ha) => Fact::Known {
            value: true,
            loc: rd.loc(Some(ha)),
        },
        None => Fact::Absent,
    };
    s.synchronous_replication = synchronous_standby(&s.automatic_failover);
    s.backup_retention_days = rd.int("backup_retention_days");
    s.maintenance_window = match rd.r.field("maintenance_window") {
        None => Fact::Absent,
        Some(w) => {
            // The provider's defaults for an unset part are 0.
            let part = |rd: &mut Reader, key: &str| match w.get(key) {
                None => Fact::Known {
                    value: 0,
                    loc: rd.loc(Some(w)),
                },
                n => rd.fact_of(&format!("maintenance_window.{key}"), n, as_int),
            };
            let day = part(rd, "day_of_week");
            let hour = part(rd, "start_hour");
            let minute = part(rd, "start_minute");
            match (day, hour, minute) {
                (
                    Fact::Known { value: d, loc },
                    Fact::Known { value: h, .. },
                    Fact::Known { value: m, .. },
                ) => window_fact(rd, "maintenance_window", loc, || {
                    Window::azure(small(d)?, small(h)?, small(m)?)
                }),
                (u @ Fact::Unknown { .. }, _, _)
                | (_, u @ Fact::Unknown { .. }, _)
                | (_, _, u @ Fact::Unknown { .. }) => unknown_as(u),
                _ => Fact::Absent,
            }
        }
    };
    s.storage_bytes = rd.bytes("storage_mb", MIB);
    if let Some(f) = rd
        .replica_of("source_server_id")
        .filter(|_| rd.r.field("create_mode").and_then(Node::as_str) == Some("Replica"))
    {
        s.synchronous_replication = f;
    }
    s
}

fn dynamodb(rd: &mut Reader) -> DataStore {
    let mut s = rd.store(StoreKind::Table);
    // DynamoDB replicates every table over three zones of its region.
    s.multi_az = Fact::Known {
        value: true,
        loc: rd.loc(None),
    };
    s.automatic_failover = s.multi_az.clone();
    s.point_in_time_recovery = match rd.r.field("point_in_time_recovery") {
        // The block without `enabled` leaves it off.
        Some(b) if b.get("enabled").is_none() => Fact::Known {
            value: false,
            loc: rd.loc(Some(b)),
        },
        _ => rd.bool("point_in_time_recovery.enabled"),
    };
    s.deletion_protection = rd.bool("deletion_protection_enabled");
    s
}

pub(super) fn list_len(n: &Node) -> Result<usize, String> {
    match &n.value {
        Value::Seq(items) => Ok(items.len()),
        _ => Err(format!("`{}` is not a list", shown(n))),
    }
}

/// EFS automatic backups (`backup_policy { status = "ENABLED" }`), located
/// at the status.
fn efs_backup_policy(rd: &mut Reader, out: &mut Vec<BackupSource>) {
    let Fact::Known { value: true, loc } =
        rd.fact("backup_policy.status", cloud_catalogue::enabled)
    else {
        return;
    };
    let file_system = match rd.r.field("file_system_id").map(|n| &n.value) {
        Some(Value::Unknown(expr)) => referenced_address(expr),
        _ => None,
    }
    .unwrap_or_else(|| rd.r.address.clone());
    out.push(cloud_catalogue::daily_backup(&file_system, loc));
}

fn backup_plan(rd: &mut Reader, out: &mut Vec<BackupSource>) {
    let rules: Vec<&Node> = match rd.r.field("rule") {
        Some(n) => match &n.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![n],
        },
        None => Vec::new(),
    };
    for (i, rule) in rules.into_iter().enumerate() {
        if let Value::Unknown(expr) = &rule.value {
            rd.notes.push(format!(
                "{}: the rules of {} are unknown: {}; not checked",
                rd.r.path,
                rd.r.address,
                unresolved_reason(expr)
            ));
            continue;
        }
        let name = rule
            .get("rule_name")
            .and_then(Node::as_str)
            .map_or_else(|| format!("rule[{i}]"), str::to_string);
        let Some(schedule) = rule.get("schedule") else {
            continue;
        };
        let Some(expr) = schedule.as_str() else {
            rd.notes.push(format!(
                "{}: {} rule {name}: schedule `{}` is not known; not checked",
                rd.r.path,
                rd.r.address,
                schedule_text(schedule)
            ));
            continue;
        };
        let zone = rule
            .get("schedule_expression_timezone")
            .and_then(Node::as_str)
            .unwrap_or("UTC");
        out.push(BackupSource {
            address: format!("{}.rule.{name}", rd.r.address),
            display: format!("{} rule {name}", display(rd.r)),
            kind: BackupKind::AwsBackup,
            schedule: Some(expr.to_string()),
            zone: zone.to_string(),
            loc: rd.loc(Some(schedule)),
        });
    }
}

fn schedule_text(n: &Node) -> String {
    match &n.value {
        Value::Unknown(e) => e.clone(),
        _ => shown(n),
    }
}

/// One `aws_autoscaling_schedule`: its group's address and display, and the action.
fn autoscaling_schedule(
    rd: &mut Reader,
    all: &[&Resource],
) -> Option<(String, String, ScheduledAction)> {
    let r = rd.r;
    let skip = |rd: &mut Reader, why: String| {
        rd.notes.push(format!(
            "{}: {}: {why}; its capacity floor is not checked",
            r.path, r.address
        ));
        None
    };
    let group = r.field("autoscaling_group_name");
    let (target, display) = match group.map(|g| &g.value) {
        Some(Value::Unknown(expr)) => match referenced_address(expr) {
            Some(a) => {
                let display = a.replacen('.', " ", 1);
                (a, display)
            }
            None => return skip(rd, format!("group `{expr}` is not known")),
        },
        // A name: the group of the same name, if the service has it.
        Some(Value::Str(name)) => all
            .iter()
            .find(|g| {
                g.kind == "aws_autoscaling_group"
                    && g.field("name").and_then(Node::as_str) == Some(name.as_str())
            })
            .map_or_else(
                || (name.clone(), format!("autoscaling group {name}")),
                |g| (g.address.clone(), display(g)),
            ),
        _ => return skip(rd, "no autoscaling_group_name".into()),
    };
    let Some(recurrence) = r.field("recurrence") else {
        return skip(rd, "no recurrence (a one-off action)".into());
    };
    let Some(schedule) = recurrence.as_str() else {
        return skip(
            rd,
            format!("recurrence `{}` is not known", schedule_text(recurrence)),
        );
    };
    let min = r.field("min_size");
    let floor = match min.map(|m| (m, as_int(m))) {
        Some((_, Ok(v))) if v >= 0 => v,
        Some((_, Ok(_))) => return skip(rd, "min_size -1 leaves the floor unchanged".into()),
        Some((m, Err(_))) => {
            return skip(rd, format!("min_size `{}` is not known", schedule_text(m)));
        }
        None => return skip(rd, "no min_size".into()),
    };
    let zone = r
        .field("time_zone")
        .and_then(Node::as_str)
        .unwrap_or("UTC")
        .to_string();
    Some((
        target,
        display,
        ScheduledAction {
            schedule: schedule.to_string(),
            dialect: crate::facts::schedule::Dialect::Unix,
            zone,
            floor,
            loc: rd.loc(Some(recurrence)),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::terraform::read;
    use crate::readers::yaml::line_col;

    fn facts_of(text: &str) -> ServiceFacts {
        let rs = read(&Arc::from("db.tf"), text, false).expect("parses");
        let mut f = ServiceFacts::default();
        extract(
            Side::Head,
            &rs.into_iter().map(Arc::new).collect::<Vec<_>>(),
            &mut f,
        );
        f
    }

    fn line(text: &str, loc: Option<&Loc>) -> usize {
        loc.map_or(0, |l| line_col(text, l.span.start).0)
    }

    #[test]
    fn resources_with_count_zero_are_not_checked() {
        let f = facts_of(
            "resource \"aws_db_instance\" \"off\" {\n  count = 0\n  multi_az = false\n}\nresource \"aws_db_instance\" \"on\" {\n  count = 1\n  multi_az = false\n}\n",
        );
        assert_eq!(f.stores.len(), 1);
        assert_eq!(f.stores[0].address, "aws_db_instance.on");
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains("aws_db_instance.off has count = 0")),
            "{:?}",
            f.notes
        );
    }

    #[test]
    fn dynamic_blocks_are_unknown_not_absent() {
        let text = r#"resource "google_sql_database_instance" "main" {
  settings {
    availability_type = "REGIONAL"
    dynamic "backup_configuration" {
      for_each = var.backups
      content {
        enabled = true
      }
    }
  }
}

resource "aws_backup_plan" "daily" {
  name = "daily"
  dynamic "rule" {
    for_each = var.rules
    content {
      rule_name         = rule.value.name
      target_vault_name = "main"
      schedule          = rule.value.schedule
    }
  }
}
"#;
        let f = facts_of(text);
        let sql = &f.stores[0];
        assert!(matches!(sql.multi_az, Fact::Known { value: true, .. }));
        assert!(
            matches!(&sql.backup_retention_days, Fact::Unknown { reason, .. } if reason.contains("dynamic")),
            "{:?}",
            sql.backup_retention_days
        );
        assert!(
            f.notes.iter().any(
                |n| n.contains("the rules of aws_backup_plan.daily are unknown")
                    && n.contains("dynamic \"rule\"")
            ),
            "{:?}",
            f.notes
        );
    }

    const RDS: &str = r#"resource "aws_db_instance" "ledger" {
  multi_az                = true
  backup_retention_period = 7
  backup_window           = "03:00-03:30"
  maintenance_window      = "sun:04:00-sun:04:30"
  deletion_protection     = true
  allocated_storage       = 100
  storage_type            = var.type
}

resource "aws_db_instance" "replica" {
  replicate_source_db = aws_db_instance.ledger.identifier
  multi_az            = var.replica_multi_az
}
"#;

    #[test]
    fn a_null_or_missing_retention_is_the_providers_one_day() {
        for body in ["  backup_retention_period = null\n", ""] {
            let text = format!(
                "resource \"aws_db_instance\" \"db\" {{\n  engine = \"postgres\"\n{body}}}\n"
            );
            let f = facts_of(&text);
            assert_eq!(
                f.stores[0].backup_retention_days.known(),
                Some(&1),
                "{text}"
            );
            assert_eq!(f.backups.len(), 1, "{text}");
        }
    }

    #[test]
    fn rds_instance_facts_with_their_lines() {
        let f = facts_of(RDS);
        let s = &f.stores[0];
        assert_eq!(s.address, "aws_db_instance.ledger");
        assert_eq!(s.multi_az.known(), Some(&true));
        assert_eq!(line(RDS, s.multi_az.loc()), 2);
        assert_eq!(s.backup_retention_days.known(), Some(&7));
        assert_eq!(line(RDS, s.backup_retention_days.loc()), 3);
        assert_eq!(
            s.backup_window.known(),
            Window::parse("03:00-03:30").ok().as_ref()
        );
        assert_eq!(line(RDS, s.maintenance_window.loc()), 5);
        assert_eq!(s.deletion_protection.known(), Some(&true));
        assert_eq!(s.storage_bytes.known(), Some(&(100 * GIB)));
        assert_eq!(s.synchronous_replication.known(), Some(&true));
        let r = &f.stores[1];
        assert_eq!(r.synchronous_replication.known(), Some(&false));
        assert_eq!(line(RDS, r.synchronous_replication.loc()), 12);
        assert!(matches!(r.multi_az, Fact::Unknown { .. }));
        assert_eq!(line(RDS, r.multi_az.loc()), 13);
        // Left out on a read replica: no backups (the provider's default).
        assert!(matches!(r.backup_retention_days, Fact::Absent));
        assert!(f.notes.iter().any(|n| n.contains("var.replica_multi_az")));
        let Fact::Unknown { reason, .. } = &r.multi_az else {
            panic!("unknown");
        };
        assert!(reason.contains("has no default"), "{reason}");
        assert_eq!(f.backups.len(), 1);
        assert_eq!(f.backups[0].kind, BackupKind::Automated);
        assert_eq!(line(RDS, Some(&f.backups[0].loc)), 3);
    }

    #[test]
    fn aurora_instances_in_two_zones_are_multi_az() {
        let two = r#"resource "aws_rds_cluster" "c" {
  backup_retention_period      = 1
  preferred_backup_window      = "01:00-02:00"
}
resource "aws_rds_cluster_instance" "a" {
  cluster_identifier = aws_rds_cluster.c.id
  availability_zone  = "eu-west-1a"
}
resource "aws_rds_cluster_instance" "b" {
  cluster_identifier = aws_rds_cluster.c.id
  availability_zone  = "eu-west-1b"
}
"#;
        let f = facts_of(two);
        assert_eq!(f.stores[0].multi_az.known(), Some(&true));
        assert_eq!(line(two, f.stores[0].multi_az.loc()), 11);
        let one = two.replace("eu-west-1b", "eu-west-1a");
        assert_eq!(facts_of(&one).stores[0].multi_az.known(), Some(&false));
        let unset = two.replace("  availability_zone  = \"eu-west-1b\"\n", "");
        assert!(matches!(
            facts_of(&unset).stores[0].multi_az,
            Fact::Unknown { .. }
        ));
    }

    #[test]
    fn cloud_sql_azure_elasticache_dynamodb() {
        let text = r#"resource "google_sql_database_instance" "g" {
  settings {
    availability_type = "REGIONAL"
    backup_configuration {
      enabled    = true
      start_time = "02:00"
    }
    maintenance_window {
      day  = 7
      hour = 3
    }
  }
}
resource "azurerm_postgresql_flexible_server" "a" {
  backup_retention_days = 14
  high_availability {
    mode = "ZoneRedundant"
  }
  maintenance_window {
    day_of_week  = 0
    start_hour   = 2
    start_minute = 30
  }
}
resource "aws_elasticache_replication_group" "r" {
  multi_az_enabled           = false
  automatic_failover_enabled = true
  snapshot_window            = "05:00-06:00"
  snapshot_retention_limit   = 3
  maintenance_window         = "mon:07:00-mon:08:00"
}
resource "aws_dynamodb_table" "t" {
  point_in_time_recovery {
    enabled = true
  }
}
"#;
        let f = facts_of(text);
        let [g, a, r, t] = f.stores.as_slice() else {
            panic!("{:?}", f.stores);
        };
        assert_eq!(g.multi_az.known(), Some(&true));
        assert_eq!(g.backup_retention_days.known(), Some(&7));
        assert_eq!(
            g.maintenance_window.known(),
            Window::cloud_sql(7, 3).ok().as_ref()
        );
        assert_eq!(
            g.backup_window.known(),
            Window::parse("02:00-06:00").ok().as_ref()
        );
        assert_eq!(a.multi_az.known(), Some(&true));
        assert_eq!(line(text, a.multi_az.loc()), 17);
        assert_eq!(a.backup_retention_days.known(), Some(&14));
        assert_eq!(
            a.maintenance_window.known(),
            Window::azure(0, 2, 30).ok().as_ref()
        );
        assert_eq!(r.kind, StoreKind::Cache);
        assert_eq!(r.multi_az.known(), Some(&false));
        assert_eq!(r.automatic_failover.known(), Some(&true));
        assert_eq!(r.backup_retention_days.known(), Some(&3));
        assert_eq!(t.kind, StoreKind::Table);
        assert_eq!(t.point_in_time_recovery.known(), Some(&true));
        assert_eq!(line(text, t.point_in_time_recovery.loc()), 34);
    }

    #[test]
    fn groups_backup_plans_and_schedules() {
        let text = r#"resource "aws_autoscaling_group" "payments" {
  name                = "payments"
  min_size            = 2
  vpc_zone_identifier = [var.a, var.b, var.c]
}
resource "aws_backup_plan" "daily" {
  rule {
    rule_name = "nightly"
    schedule  = "cron(0 2 * * ? *)"
    schedule_expression_timezone = "Europe/Berlin"
  }
  rule {
    rule_name = "weekly"
    schedule  = "cron(0 3 ? * SUN *)"
  }
}
resource "aws_autoscaling_schedule" "night" {
  autoscaling_group_name = aws_autoscaling_group.payments.name
  recurrence             = "0 20 * * *"
  min_size               = 0
  time_zone              = "Europe/Berlin"
}
resource "aws_autoscaling_schedule" "morning" {
  autoscaling_group_name = "payments"
  recurrence             = "0 7 * * *"
  min_size               = 2
}
"#;
        let f = facts_of(text);
        assert_eq!(f.groups[0].min_size.known(), Some(&2));
        assert_eq!(line(text, f.groups[0].min_size.loc()), 3);
        assert_eq!(f.groups[0].zones.known(), Some(&3));
        assert_eq!(f.backups.len(), 2);
        assert_eq!(f.backups[0].address, "aws_backup_plan.daily.rule.nightly");
        assert_eq!(f.backups[0].zone, "Europe/Berlin");
        assert_eq!(f.backups[1].zone, "UTC");
        assert_eq!(line(text, Some(&f.backups[1].loc)), 14);
        assert_eq!(f.scheduled.len(), 1);
        let sc = &f.scheduled[0];
        assert_eq!(sc.target, "aws_autoscaling_group.payments");
        let CapacitySchedule::Actions(actions) = &sc.schedule else {
            panic!("actions");
        };
        assert_eq!(actions.len(), 2);
        assert_eq!(
            (actions[0].floor, actions[0].zone.as_str()),
            (0, "Europe/Berlin")
        );
        assert_eq!((actions[1].floor, actions[1].zone.as_str()), (2, "UTC"));
    }
}
