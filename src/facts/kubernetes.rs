//! Kubernetes facts: workloads and their replica floors (a HorizontalPodAutoscaler's
//! `minReplicas` when one targets the workload), zone spread, disruption budgets;
//! scheduled capacity (KEDA `ScaledObject` cron triggers, kube-downscaler
//! annotations on a workload or its Namespace); backup sources (Velero
//! `Schedule`, backup CronJobs).

use super::downscaler::{self, Uptime};
use super::{
    BackupKind, BackupSource, CapacitySchedule, CronTrigger, DisruptionBudget, Loc,
    ScheduledAction, ScheduledCapacity, ServiceFacts, Workload,
};
use crate::readers::{Node, Resource, Value};
use crate::source::Side;
use std::collections::BTreeMap;
use std::sync::Arc;

const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

/// The workload kinds that run replicas of one pod template (Argo Rollouts
/// read like Deployments).
pub const WORKLOAD_KINDS: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet", "Rollout"];

/// How a workload's pods are placed over zones (DESIGN §1a "Zones for workloads").
struct ZonePlacement<'r> {
    /// A hard spread over zones that nothing pins back to one zone.
    spread: bool,
    /// Where the placement is decided: a pin to one zone, a soft spread, else
    /// none (the workload's first line).
    at: Option<&'r Node>,
    /// Why it is not counted, when something was written (a soft spread, a pin).
    note: Option<String>,
}

fn is_zone_key(node: Option<&Node>) -> bool {
    node.and_then(Node::as_str)
        .is_some_and(|k| ZONE_KEYS.contains(&k))
}

/// Whether a label selector (`matchLabels`, `matchExpressions`) selects pods
/// with these labels; an absent or empty selector selects none, as the
/// scheduler counts it.
fn selects(selector: Option<&Node>, pod: &BTreeMap<String, String>) -> bool {
    let Some(selector) = selector else {
        return false;
    };
    let match_labels = labels(selector.get("matchLabels"));
    let expressions = selector
        .get("matchExpressions")
        .map(Node::items)
        .unwrap_or(&[]);
    if match_labels.is_empty() && expressions.is_empty() {
        return false;
    }
    let labels_hold = match_labels.iter().all(|(k, v)| pod.get(k) == Some(v));
    let expressions_hold = expressions.iter().all(|e| {
        let key = e.get("key").and_then(Node::scalar_text).unwrap_or_default();
        let values: Vec<String> = e
            .get("values")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::scalar_text)
            .collect();
        let value = pod.get(&key);
        match e.get("operator").and_then(Node::as_str) {
            Some("In") => value.is_some_and(|v| values.contains(v)),
            Some("NotIn") => value.is_none_or(|v| !values.contains(v)),
            Some("Exists") => value.is_some(),
            Some("DoesNotExist") => value.is_none(),
            _ => false,
        }
    });
    labels_hold && expressions_hold
}

/// The node that pins a pod spec to one zone: a `nodeSelector` on a zone
/// key, or a required node affinity whose every term allows one zone.
fn zone_pin(spec: &Node) -> Option<&Node> {
    if let Some((key, _)) = spec
        .get("nodeSelector")
        .map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .find(|(k, _)| is_zone_key(Some(k)))
    {
        return Some(key);
    }
    let terms = spec
        .path("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
        .map(Node::items)
        .unwrap_or(&[]);
    let mut zones: Vec<String> = Vec::new();
    let mut first = None;
    for term in terms {
        let pin = term
            .get("matchExpressions")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .find(|e| {
                is_zone_key(e.get("key"))
                    && e.get("operator").and_then(Node::as_str) == Some("In")
                    && e.get("values").map(Node::items).unwrap_or(&[]).len() == 1
            })?;
        zones.extend(
            pin.path("values")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::scalar_text),
        );
        first.get_or_insert(pin);
    }
    zones.dedup();
    (zones.len() == 1).then_some(first).flatten()
}

/// Whether and where a workload spreads its pods over zones: a
/// `topologySpreadConstraints` entry on a zone key with `whenUnsatisfiable:
/// DoNotSchedule` (the default), or a required pod anti-affinity on a zone
/// key, each selecting the workload's own pods, and no pin to one zone.
fn zone_placement<'r>(r: &'r Resource, pod: &BTreeMap<String, String>) -> ZonePlacement<'r> {
    let none = ZonePlacement {
        spread: false,
        at: None,
        note: None,
    };
    let Some(spec) = r.field("spec.template.spec") else {
        return none;
    };
    let constraints = spec
        .get("topologySpreadConstraints")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter(|c| is_zone_key(c.get("topologyKey")));
    let mut hard = None;
    let mut soft = None;
    for c in constraints {
        let own = selects(c.get("labelSelector"), pod);
        match c.get("whenUnsatisfiable").and_then(Node::as_str) {
            None | Some("DoNotSchedule") if own => {
                hard.get_or_insert(c);
            }
            _ => {
                soft.get_or_insert((
                    c,
                    if own {
                        "whenUnsatisfiable: ScheduleAnyway"
                    } else {
                        "a labelSelector that does not select its own pods"
                    },
                ));
            }
        }
    }
    let anti = spec.path("affinity.podAntiAffinity");
    let on_zone = |t: &&Node| is_zone_key(t.get("topologyKey"));
    if hard.is_none() {
        hard = anti
            .and_then(|a| a.get("requiredDuringSchedulingIgnoredDuringExecution"))
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter(on_zone)
            .find(|t| selects(t.get("labelSelector"), pod));
    }
    if soft.is_none() {
        soft = anti
            .and_then(|a| a.get("preferredDuringSchedulingIgnoredDuringExecution"))
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .find(|t| t.get("podAffinityTerm").is_some_and(|t| on_zone(&t)))
            .map(|t| (t, "a preferred (not required) pod anti-affinity"));
    }
    let display = display(r);
    if let Some(pin) = zone_pin(spec) {
        return ZonePlacement {
            spread: false,
            at: Some(pin),
            note: Some(format!(
                "{}: {display} is pinned to one zone by its node selector or affinity; any zone spread is not counted",
                r.path
            )),
        };
    }
    match (hard, soft) {
        (Some(_), _) => ZonePlacement {
            spread: true,
            ..none
        },
        (None, Some((node, why))) => ZonePlacement {
            spread: false,
            at: Some(node),
            note: Some(format!(
                "{}: {display} spreads over zones only softly ({why}); it is not counted as zone spread",
                r.path
            )),
        },
        (None, None) => none,
    }
}

fn labels(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|l| {
        l.entries()
            .iter()
            .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text()?)))
            .collect()
    })
    .unwrap_or_default()
}

/// Kubernetes facts: workloads and their floors (HPA-aware), disruption budgets.
pub fn extract(side: Side, resources: &[Arc<Resource>], facts: &mut ServiceFacts) {
    // Autoscalers by their target (kind/namespace/name): HPAs (minReplicas,
    // default 1) and KEDA ScaledObjects without cron triggers (minReplicaCount,
    // default 0: KEDA scales to zero; cron triggers are scheduled capacity).
    let mut hpas: BTreeMap<String, Autoscaler> = BTreeMap::new();
    for r in resources {
        let (field, default, kind_default) = match r.kind.as_str() {
            "HorizontalPodAutoscaler" => ("spec.minReplicas", 1, None),
            "ScaledObject" if !has_cron_trigger(r) => {
                ("spec.minReplicaCount", 0, Some("Deployment"))
            }
            _ => continue,
        };
        let target = r.field("spec.scaleTargetRef");
        let kind = target
            .and_then(|t| t.get("kind"))
            .and_then(Node::as_str)
            .or(kind_default);
        let name = target.and_then(|t| t.get("name")).and_then(Node::as_str);
        let ns = r.namespace.as_deref().or(kind_default.map(|_| "default"));
        if let (Some(kind), Some(name), Some(ns)) = (kind, name, ns) {
            hpas.insert(
                format!("{}{kind}/{ns}/{name}", built_root(r)),
                Autoscaler {
                    owner: r,
                    // `minReplicas: null` (or `~`, or empty) is Kubernetes' default.
                    min: r.field(field).filter(|n| !is_null(n)),
                    default,
                    field,
                },
            );
        }
    }
    for r in resources {
        match r.kind.as_str() {
            kind if WORKLOAD_KINDS.contains(&kind) => {
                let display = display(r);
                let pod_labels = labels(r.field("spec.template.metadata.labels"));
                let placement = zone_placement(r, &pod_labels);
                facts.notes.extend(placement.note);
                let zone_spread = placement.spread;
                let zone_loc = Loc::of(side, r, placement.at);
                if r.field("spec.workloadRef").is_some() && r.field("spec.template").is_none() {
                    facts.notes.push(format!(
                        "{}: {display} takes its pod template from spec.workloadRef; its zone spread is read from the Rollout alone",
                        r.path
                    ));
                }
                let w = match hpas.get(&r.address) {
                    Some(a) if a.min.is_some_and(|m| m.as_i64().is_none()) => {
                        facts.notes.push(format!(
                            "{}: {} {} has {} `{}`, not a number; the replica floor of {display} is unknown (CG101 cannot assess it)",
                            a.owner.path,
                            a.owner.kind,
                            a.owner.name,
                            a.field,
                            a.min.and_then(Node::scalar_text).unwrap_or_default()
                        ));
                        downscaled(side, r, resources, facts);
                        continue;
                    }
                    Some(a) => Workload {
                        address: r.address.clone(),
                        display,
                        // The autoscaler owns spec.replicas.
                        floor: a.min.and_then(Node::as_i64).unwrap_or(a.default),
                        floor_field: a.field.into(),
                        floor_owner: a.owner.address.clone(),
                        floor_loc: Loc::of(side, a.owner, a.min),
                        pod_labels,
                        zone_spread,
                        zone_loc,
                    },
                    None => {
                        let replicas = r.field("spec.replicas");
                        // Absent, `null`, `~` or empty: Kubernetes runs 1.
                        let given = replicas.filter(|n| !is_null(n));
                        let Some(floor) = given.map_or(Some(1), Node::as_i64) else {
                            // An expression we cannot read: unknown, never a violation.
                            facts.notes.push(format!(
                                "{}: {display} has spec.replicas `{}`, not a number; its replica floor is unknown (CG101 cannot assess it)",
                                r.path,
                                replicas.and_then(Node::scalar_text).unwrap_or_default()
                            ));
                            downscaled(side, r, resources, facts);
                            continue;
                        };
                        Workload {
                            address: r.address.clone(),
                            display,
                            floor,
                            floor_field: "spec.replicas".into(),
                            floor_owner: r.address.clone(),
                            floor_loc: Loc::of(side, r, replicas),
                            pod_labels,
                            zone_spread,
                            zone_loc,
                        }
                    }
                };
                facts.workloads.push(w);
                downscaled(side, r, resources, facts);
            }
            "ScaledObject" => keda(side, r, facts),
            "Schedule"
                if r.field("apiVersion")
                    .and_then(Node::as_str)
                    .is_some_and(|v| v.starts_with("velero.io/")) =>
            {
                velero(side, r, facts)
            }
            "CronJob" => backup_cronjob(side, r, facts),
            "PodDisruptionBudget" => {
                let allows_all = ["spec.maxUnavailable", "spec.minAvailable"]
                    .iter()
                    .find_map(|field| {
                        let n = r.field(field)?;
                        let text = n.scalar_text()?;
                        let all = if field.ends_with("maxUnavailable") {
                            text == "100%"
                        } else {
                            text == "0" || text == "0%"
                        };
                        all.then(|| {
                            let key = field.trim_start_matches("spec.");
                            (format!("{key}: {text}"), Loc::of(side, r, Some(n)))
                        })
                    });
                facts.budgets.push(DisruptionBudget {
                    address: r.address.clone(),
                    selector: labels(r.field("spec.selector.matchLabels")),
                    allows_all,
                    loc: Loc::of(side, r, None),
                });
            }
            _ => {}
        }
    }
}

fn display(r: &Resource) -> String {
    let root = built_root(r);
    format!(
        "{} {}/{}{}",
        r.kind,
        r.namespace.as_deref().unwrap_or("default"),
        r.name,
        match root.strip_suffix(':') {
            Some(root) => format!(" (built by {root})"),
            None => String::new(),
        }
    )
}

/// The kustomize root a resource was built by, with its `:` (`overlays/prod:`),
/// else `""`: references between resources stay within one build.
fn built_root(r: &Resource) -> &str {
    r.address.find(':').map_or("", |i| &r.address[..=i])
}

fn annotation<'a>(r: &'a Resource, key: &str) -> Option<&'a Node> {
    r.field("metadata.annotations")?.get(key)
}

/// kube-downscaler annotations on a workload, else on its Namespace.
fn downscaled(side: Side, r: &Resource, resources: &[Arc<Resource>], facts: &mut ServiceFacts) {
    if annotation(r, "downscaler/exclude").and_then(Node::as_bool) == Some(true) {
        return;
    }
    let namespace = resources
        .iter()
        .find(|n| n.kind == "Namespace" && Some(n.name.as_str()) == r.namespace.as_deref());
    // The workload's own annotation wins over its namespace's.
    let pick = |key: &str| -> Option<(&Resource, &Node)> {
        annotation(r, key)
            .map(|n| (r, n))
            .or_else(|| namespace.and_then(|ns| annotation(ns, key).map(|n| (ns.as_ref(), n))))
    };
    let up = pick("downscaler/uptime");
    let down = pick("downscaler/downtime");
    let Some((owner, node)) = up.or(down) else {
        return;
    };
    let loc = Loc::of(side, owner, Some(node));
    let text = |n: Option<(&Resource, &Node)>| n.and_then(|(_, v)| v.scalar_text());
    let floor_outside = match pick("downscaler/downtime-replicas") {
        Some((_, n)) => match n.as_i64() {
            Some(v) => v,
            None => {
                facts.notes.push(format!(
                    "{}: {} has a downscaler/downtime-replicas that is not a number; its scheduled capacity is unknown",
                    owner.path,
                    display(r)
                ));
                return;
            }
        },
        None => 0,
    };
    let schedule = match downscaler::uptime(text(up).as_deref(), text(down).as_deref()) {
        Ok(Uptime::Always) => return,
        Ok(Uptime::Hours(hours)) => CapacitySchedule::Uptime {
            hours,
            floor_outside,
            loc,
        },
        // Never up: every day the floor is set to the downtime replicas.
        Ok(Uptime::Never(zone)) => CapacitySchedule::Actions(vec![ScheduledAction {
            schedule: "0 0 * * *".into(),
            dialect: crate::facts::schedule::Dialect::Robfig,
            zone,
            floor: floor_outside,
            loc,
        }]),
        Err(why) => {
            facts.notes.push(format!(
                "{}: kube-downscaler schedule of {} cannot be read ({why}); its scheduled capacity is unknown",
                owner.path,
                display(r)
            ));
            return;
        }
    };
    facts.scheduled.push(ScheduledCapacity {
        target: r.address.clone(),
        display: display(r),
        schedule,
    });
}

/// KEDA cron triggers: at `start` the floor becomes `desiredReplicas`, at
/// `end` it returns to the ScaledObject's `minReplicaCount` (default 0).
/// What sets a workload's replica floor when an autoscaler owns it.
struct Autoscaler<'r> {
    owner: &'r Resource,
    min: Option<&'r Node>,
    default: i64,
    field: &'static str,
}

/// Whether a KEDA ScaledObject has a cron trigger (scheduled capacity).
fn has_cron_trigger(r: &Resource) -> bool {
    r.field("spec.triggers")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .any(|t| t.get("type").and_then(Node::as_str) == Some("cron"))
}

fn keda(side: Side, r: &Resource, facts: &mut ServiceFacts) {
    let target = r.field("spec.scaleTargetRef");
    let Some(name) = target.and_then(|t| t.get("name")).and_then(Node::as_str) else {
        return;
    };
    let kind = target
        .and_then(|t| t.get("kind"))
        .and_then(Node::as_str)
        .unwrap_or("Deployment");
    let ns = r.namespace.as_deref().unwrap_or("default");
    let min_node = r.field("spec.minReplicaCount");
    let min = match min_node {
        None => 0,
        Some(n) => match n.as_i64() {
            Some(v) => v,
            None => {
                facts.notes.push(format!(
                    "{}: {} minReplicaCount is not a number; its scheduled capacity is unknown",
                    r.path, r.address
                ));
                return;
            }
        },
    };
    let mut cron_triggers = Vec::new();
    let triggers = r.field("spec.triggers").map(Node::items).unwrap_or(&[]);
    let crons = triggers
        .iter()
        .filter(|t| t.get("type").and_then(Node::as_str) == Some("cron"));
    for t in crons {
        let meta = t.get("metadata");
        let field = |k: &str| meta.and_then(|m| m.get(k));
        let (Some(zone), Some(start), Some(end), Some(desired)) = (
            field("timezone").and_then(Node::as_str),
            field("start"),
            field("end"),
            field("desiredReplicas").and_then(Node::as_i64),
        ) else {
            facts.notes.push(format!(
                "{}: a cron trigger of {} lacks timezone, start, end or a numeric desiredReplicas; its scheduled capacity is unknown",
                r.path, r.address
            ));
            return;
        };
        let action = |node: &Node, floor| ScheduledAction {
            schedule: node.scalar_text().unwrap_or_default(),
            dialect: crate::facts::schedule::Dialect::Robfig,
            zone: zone.to_string(),
            floor,
            loc: Loc::of(side, r, Some(node)),
        };
        cron_triggers.push(CronTrigger {
            start: action(start, desired),
            end: action(end, min),
        });
    }
    if !cron_triggers.is_empty() {
        facts.scheduled.push(ScheduledCapacity {
            target: format!("{}{kind}/{ns}/{name}", built_root(r)),
            display: format!("{kind} {ns}/{name}"),
            schedule: CapacitySchedule::Triggers {
                min,
                min_loc: Loc::of(side, r, min_node),
                triggers: cron_triggers,
            },
        });
    }
}

/// The zone a Velero schedule is read in: `CRON_TZ=`/`TZ=` prefix, else UTC.
fn velero_zone(schedule: &str) -> String {
    let s = schedule.trim_start();
    s.strip_prefix("CRON_TZ=")
        .or_else(|| s.strip_prefix("TZ="))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("UTC")
        .to_string()
}

fn velero(side: Side, r: &Resource, facts: &mut ServiceFacts) {
    let Some(node) = r.field("spec.schedule") else {
        return;
    };
    if r.field("spec.paused").and_then(Node::as_bool) == Some(true) {
        facts.notes.push(format!(
            "{}: Velero {} is paused; it takes no backups",
            r.path, r.address
        ));
        return;
    }
    let Some(schedule) = node.scalar_text() else {
        return;
    };
    facts.backups.push(BackupSource {
        address: r.address.clone(),
        display: format!("Velero {}", display(r)),
        kind: BackupKind::Velero,
        zone: velero_zone(&schedule),
        schedule: Some(schedule),
        loc: Loc::of(side, r, Some(node)),
    });
}

const BACKUP_WORDS: &[&str] = &["backup", "dump", "snapshot", "velero"];

/// A CronJob that backs up: its name, or a container's image, command or
/// args, mentions backup, dump (pg_dump, mysqldump), snapshot or velero.
fn backup_cronjob(side: Side, r: &Resource, facts: &mut ServiceFacts) {
    let mentions = |text: &str| {
        let t = text.to_ascii_lowercase();
        BACKUP_WORDS.iter().any(|w| t.contains(w))
    };
    let containers = r
        .field("spec.jobTemplate.spec.template.spec.containers")
        .map(Node::items)
        .unwrap_or(&[]);
    let backs_up = mentions(&r.name)
        || containers.iter().any(|c| {
            ["image", "command", "args"].iter().any(|k| match c.get(k) {
                Some(n) => n
                    .scalar_text()
                    .into_iter()
                    .chain(n.items().iter().filter_map(Node::scalar_text))
                    .any(|t| mentions(&t)),
                None => false,
            })
        });
    if !backs_up {
        return;
    }
    let Some(node) = r.field("spec.schedule") else {
        return;
    };
    if r.field("spec.suspend").and_then(Node::as_bool) == Some(true) {
        facts.notes.push(format!(
            "{}: backup CronJob {} is suspended; it takes no backups",
            r.path, r.address
        ));
        return;
    }
    let Some(schedule) = node.scalar_text() else {
        return;
    };
    let zone = r
        .field("spec.timeZone")
        .and_then(Node::as_str)
        .unwrap_or("UTC")
        .to_string();
    facts.backups.push(BackupSource {
        address: r.address.clone(),
        display: format!("backup {}", display(r)),
        kind: BackupKind::CronJob,
        schedule: Some(schedule),
        zone,
        loc: Loc::of(side, r, Some(node)),
    });
}

/// A field written with no value (`null`, `~`, nothing): Kubernetes' default applies.
fn is_null(node: &Node) -> bool {
    matches!(node.value, Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::read_file;
    use crate::readers::yaml::line_col;

    fn facts(text: &str) -> ServiceFacts {
        let read = read_file(&Arc::from("deploy/x.yaml"), text.as_bytes());
        assert!(read.error.is_none(), "{:?}", read.error);
        super::super::derive(
            Side::Head,
            read.resources.into_iter().map(Arc::new).collect(),
        )
    }

    #[test]
    fn null_replicas_are_the_default_of_one() {
        for replicas in ["null", "~", ""] {
            let text = format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api, namespace: pay}}\nspec:\n  replicas: {replicas}\n"
            );
            let f = facts(&text);
            assert_eq!(
                f.workloads.iter().map(|w| w.floor).collect::<Vec<_>>(),
                vec![1],
                "replicas: {replicas}"
            );
            assert!(f.notes.is_empty(), "{:?}", f.notes);
        }
        let hpa = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: pay}\nspec: {replicas: 3}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api, namespace: pay}\nspec:\n  scaleTargetRef: {kind: Deployment, name: api}\n  minReplicas: ~\n";
        let f = facts(hpa);
        assert_eq!(
            f.workloads.iter().map(|w| w.floor).collect::<Vec<_>>(),
            vec![1]
        );
        assert!(f.notes.is_empty(), "{:?}", f.notes);
    }

    #[test]
    fn replicas_that_are_not_numbers_are_unknown_and_said() {
        let f = facts(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: pay}\nspec:\n  replicas: ${REPLICAS}\n",
        );
        assert!(f.workloads.is_empty(), "never a floor of 1");
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains("spec.replicas `${REPLICAS}`") && n.contains("unknown")),
            "{:?}",
            f.notes
        );
        let f = facts(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: pay}\nspec: {replicas: 3}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api, namespace: pay}\nspec:\n  scaleTargetRef: {kind: Deployment, name: api}\n  minReplicas: \"{{min}}\"\n",
        );
        assert!(f.workloads.is_empty(), "an unreadable minReplicas is not 1");
        assert!(
            f.notes.iter().any(|n| n.contains("minReplicas")),
            "{:?}",
            f.notes
        );
        let f = facts(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: pay}\nspec: {replicas: \"2\"}\n",
        );
        assert_eq!(f.min_floor(), Some(2), "a quoted number is a number");
    }

    /// A workload with this pod spec (indented under `spec.template.spec`).
    fn placed(kind: &str, pod_spec: &str) -> ServiceFacts {
        facts(&format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: api, namespace: pay}}\nspec:\n  replicas: 3\n  template:\n    metadata: {{labels: {{app: api}}}}\n    spec:\n{pod_spec}      containers: [{{name: api, image: api}}]\n"
        ))
    }

    #[test]
    fn zone_spread_is_a_hard_constraint_on_own_pods() {
        let tsc = |when: &str, app: &str| {
            format!(
                "      topologySpreadConstraints:\n        - maxSkew: 1\n          topologyKey: topology.kubernetes.io/zone\n{when}          labelSelector: {{matchLabels: {{app: {app}}}}}\n"
            )
        };
        let spread = |f: &ServiceFacts| (f.workloads[0].zone_spread, f.notes.len());
        assert_eq!(spread(&placed("Deployment", "")), (false, 0));
        assert_eq!(
            spread(&placed("Deployment", &tsc("", "api"))),
            (true, 0),
            "DoNotSchedule is the default"
        );
        assert_eq!(
            spread(&placed(
                "StatefulSet",
                &tsc("          whenUnsatisfiable: DoNotSchedule\n", "api")
            )),
            (true, 0)
        );
        let soft = placed(
            "Deployment",
            &tsc("          whenUnsatisfiable: ScheduleAnyway\n", "api"),
        );
        assert_eq!(spread(&soft), (false, 1));
        assert!(soft.notes[0].contains("ScheduleAnyway"), "{:?}", soft.notes);
        assert_eq!(
            spread(&placed("Deployment", &tsc("", "other"))),
            (false, 1),
            "it must count its own pods"
        );
        let anti = |kind: &str| {
            format!(
                "      affinity:\n        podAntiAffinity:\n          {kind}:\n            - topologyKey: topology.kubernetes.io/zone\n              labelSelector:\n                matchExpressions: [{{key: app, operator: In, values: [api]}}]\n"
            )
        };
        assert_eq!(
            spread(&placed(
                "Rollout",
                &anti("requiredDuringSchedulingIgnoredDuringExecution")
            )),
            (true, 0)
        );
        let pinned = placed(
            "Deployment",
            &format!(
                "{}      nodeSelector: {{topology.kubernetes.io/zone: eu-west-1a}}\n",
                tsc("", "api")
            ),
        );
        assert_eq!(spread(&pinned), (false, 1), "{:?}", pinned.notes);
        let affinity_pin = "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n              - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [a]}]\n";
        assert_eq!(spread(&placed("Deployment", affinity_pin)), (false, 1));
        let two_zones = affinity_pin.replace("values: [a]", "values: [a, b]");
        assert_eq!(
            spread(&placed("Deployment", &two_zones)),
            (false, 0),
            "allowed in two zones, yet not spread"
        );
    }

    #[test]
    fn zone_placement_is_located_at_the_pin_or_soft_spread_else_the_workload() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: api, namespace: pay}\nspec:\n  replicas: 1\n  template:\n    spec:\n      nodeSelector:\n        topology.kubernetes.io/zone: a\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: pay}\nspec: {replicas: 2}\n";
        let f = facts(text);
        let at: Vec<_> = f
            .workloads
            .iter()
            .map(|w| {
                (
                    w.address.as_str(),
                    w.floor,
                    line_col(text, w.zone_loc.span.start).0,
                )
            })
            .collect();
        assert_eq!(
            at,
            [("Rollout/pay/api", 1, 9), ("Deployment/pay/web", 2, 11)]
        );
    }

    #[test]
    fn an_hpa_owns_a_rollouts_floor() {
        let f = facts(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: api, namespace: pay}\nspec: {replicas: 5}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api, namespace: pay}\nspec:\n  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: api}\n  minReplicas: 2\n",
        );
        assert_eq!(f.min_floor(), Some(2));
        assert_eq!(
            f.workloads[0].floor_owner,
            "HorizontalPodAutoscaler/pay/api"
        );
    }

    #[test]
    fn keda_without_cron_owns_the_floor() {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: pay}\nspec: {replicas: 3}\n---\n";
        let f = facts(&format!(
            "{deployment}apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: api, namespace: pay}}\nspec:\n  scaleTargetRef: {{name: api}}\n  triggers: [{{type: rabbitmq, metadata: {{queueName: q}}}}]\n"
        ));
        let w = &f.workloads[0];
        assert_eq!(
            (w.floor, w.floor_field.as_str()),
            (0, "spec.minReplicaCount"),
            "KEDA scales to zero by default"
        );
        assert_eq!(w.floor_owner, "ScaledObject/pay/api");
        let f = facts(&format!(
            "{deployment}apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: api, namespace: pay}}\nspec:\n  scaleTargetRef: {{name: api}}\n  minReplicaCount: 2\n  triggers: [{{type: cpu, metadata: {{value: '60'}}}}]\n"
        ));
        assert_eq!(f.min_floor(), Some(2));
        let f = facts(&format!(
            "{deployment}apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: api, namespace: pay}}\nspec:\n  scaleTargetRef: {{name: api}}\n  triggers: [{{type: cron, metadata: {{timezone: UTC, start: 0 8 * * *, end: 0 18 * * *, desiredReplicas: '5'}}}}]\n"
        ));
        assert_eq!(
            f.min_floor(),
            Some(3),
            "cron triggers are scheduled capacity"
        );
    }

    #[test]
    fn keda_cron_triggers() {
        let text = "apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api, namespace: payments}
spec:
  scaleTargetRef: {name: api}
  minReplicaCount: 1
  triggers:
    - type: cron
      metadata:
        timezone: Europe/London
        start: 0 8 * * 1-5
        end: 0 15 * * 1-5
        desiredReplicas: \"5\"
";
        let f = facts(text);
        assert_eq!(f.scheduled.len(), 1);
        assert_eq!(f.scheduled[0].target, "Deployment/payments/api");
        let CapacitySchedule::Triggers {
            min: 1, triggers, ..
        } = &f.scheduled[0].schedule
        else {
            panic!("triggers");
        };
        let got: Vec<_> = triggers
            .iter()
            .flat_map(|t| [&t.start, &t.end])
            .map(|a| {
                (
                    a.schedule.as_str(),
                    a.zone.as_str(),
                    a.floor,
                    line_col(text, a.loc.span.start),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("0 8 * * 1-5", "Europe/London", 5, (11, 16)),
                ("0 15 * * 1-5", "Europe/London", 1, (12, 14))
            ]
        );
    }

    #[test]
    fn downscaler_on_workload_and_namespace() {
        let text = "apiVersion: v1
kind: Namespace
metadata:
  name: payments
  annotations:
    downscaler/uptime: Mon-Fri 07:30-20:30 Europe/Berlin
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: payments}
spec: {replicas: 3}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch
  namespace: payments
  annotations: {downscaler/downtime: never, downscaler/uptime: always}
spec: {replicas: 3}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: payments
  annotations: {downscaler/downtime-replicas: \"1\"}
spec: {replicas: 3}
";
        let f = facts(text);
        let got: Vec<_> = f
            .scheduled
            .iter()
            .map(|s| match &s.schedule {
                CapacitySchedule::Uptime {
                    hours,
                    floor_outside,
                    loc,
                } => (
                    s.target.as_str(),
                    hours.as_str(),
                    *floor_outside,
                    line_col(text, loc.span.start).0,
                ),
                _ => panic!("uptime"),
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Deployment/payments/api",
                    "Mon-Fri 07:30-20:30 Europe/Berlin",
                    0,
                    6
                ),
                (
                    "Deployment/payments/web",
                    "Mon-Fri 07:30-20:30 Europe/Berlin",
                    1,
                    6
                )
            ]
        );
    }

    #[test]
    fn velero_and_backup_cronjobs() {
        let text = "apiVersion: velero.io/v1
kind: Schedule
metadata: {name: daily, namespace: velero}
spec:
  schedule: CRON_TZ=Europe/London 0 3 * * *
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {name: hourly, namespace: velero}
spec:
  schedule: '@every 1h'
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: payments}
spec:
  schedule: 30 1 * * *
  timeZone: America/New_York
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: db
              image: postgres:16
              command: [sh, -c, pg_dump ledger > /b/ledger.sql]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: payments}
spec:
  schedule: 0 6 * * *
  jobTemplate: {spec: {template: {spec: {containers: [{name: r, image: reporter}]}}}}
";
        let f = facts(text);
        let got: Vec<_> = f
            .backups
            .iter()
            .map(|b| {
                (
                    b.address.as_str(),
                    b.kind.clone(),
                    b.schedule.as_deref(),
                    b.zone.as_str(),
                    line_col(text, b.loc.span.start).0,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Schedule/velero/daily",
                    BackupKind::Velero,
                    Some("CRON_TZ=Europe/London 0 3 * * *"),
                    "Europe/London",
                    5
                ),
                (
                    "Schedule/velero/hourly",
                    BackupKind::Velero,
                    Some("@every 1h"),
                    "UTC",
                    11
                ),
                (
                    "CronJob/payments/nightly",
                    BackupKind::CronJob,
                    Some("30 1 * * *"),
                    "America/New_York",
                    17
                ),
            ]
        );
    }
}
