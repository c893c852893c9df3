//! Kubernetes facts: workloads and their replica floors (a HorizontalPodAutoscaler's
//! `minReplicas` when one targets the workload), zone spread, disruption budgets.

use super::{DisruptionBudget, Loc, ServiceFacts, Workload};
use crate::readers::{Node, Resource};
use crate::source::Side;
use std::collections::BTreeMap;
use std::sync::Arc;

const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

/// Whether a workload spreads its pods over zones.
fn zone_spread(r: &Resource) -> bool {
    let spec = r.field("spec.template.spec");
    let by_constraint = spec
        .and_then(|s| s.get("topologySpreadConstraints"))
        .is_some_and(|c| {
            c.items().iter().any(|i| {
                i.get("topologyKey")
                    .and_then(Node::as_str)
                    .is_some_and(|k| ZONE_KEYS.contains(&k))
            })
        });
    let anti = spec.and_then(|s| s.path("affinity.podAntiAffinity"));
    let by_affinity = anti.is_some_and(|a| {
        a.entries().iter().any(|(_, terms)| {
            terms.items().iter().any(|t| {
                let t = t.get("podAffinityTerm").unwrap_or(t);
                t.get("topologyKey")
                    .and_then(Node::as_str)
                    .is_some_and(|k| ZONE_KEYS.contains(&k))
            })
        })
    });
    by_constraint || by_affinity
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
    velero_backups(side, resources, facts);
    // HPAs by their target (kind/namespace/name).
    let mut hpas: BTreeMap<String, (&Resource, Option<&Node>)> = BTreeMap::new();
    for r in resources {
        if r.kind == "HorizontalPodAutoscaler" {
            let target = r.field("spec.scaleTargetRef");
            let kind = target.and_then(|t| t.get("kind")).and_then(Node::as_str);
            let name = target.and_then(|t| t.get("name")).and_then(Node::as_str);
            if let (Some(kind), Some(name), Some(ns)) = (kind, name, &r.namespace) {
                hpas.insert(
                    format!("{kind}/{ns}/{name}"),
                    (r, r.field("spec.minReplicas")),
                );
            }
        }
    }
    for r in resources {
        match r.kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" => {
                let display = format!(
                    "{} {}/{}",
                    r.kind,
                    r.namespace.as_deref().unwrap_or("default"),
                    r.name
                );
                let pod_labels = labels(r.field("spec.template.metadata.labels"));
                let zone_spread = zone_spread(r);
                let w = match hpas.get(&r.address) {
                    Some((hpa, min)) => Workload {
                        address: r.address.clone(),
                        display,
                        // The HPA owns spec.replicas; minReplicas defaults to 1.
                        floor: min.and_then(|m| m.as_i64()).unwrap_or(1),
                        floor_field: "spec.minReplicas".into(),
                        floor_owner: hpa.address.clone(),
                        floor_loc: Loc::of(side, hpa, *min),
                        pod_labels,
                        zone_spread,
                    },
                    None => {
                        let replicas = r.field("spec.replicas");
                        let Some(floor) = replicas.map_or(Some(1), Node::as_i64) else {
                            // An expression we cannot read: unknown, never a violation.
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
                        }
                    }
                };
                facts.workloads.push(w);
            }
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

// --- Velero schedules → backup sources -------------------------------------
// A minimal extraction for the recovery-point rules (CG201, CG202); the full
// backup extraction (CronJobs too) lands with the readers' work and replaces
// this function.

/// Velero `Schedule`s as backup sources, read in UTC unless `spec.schedule`
/// starts with `CRON_TZ=`/`TZ=` (Velero ≥ 1.15; the schedule parser reads the prefix).
fn velero_backups(side: Side, resources: &[Arc<Resource>], facts: &mut super::ServiceFacts) {
    for r in resources {
        if r.kind != "Schedule" {
            continue;
        }
        let api = r.field("apiVersion").and_then(Node::as_str).unwrap_or("");
        if !api.starts_with("velero.io/") {
            continue;
        }
        let display = format!(
            "Velero Schedule {}/{}",
            r.namespace.as_deref().unwrap_or("default"),
            r.name
        );
        // A paused schedule takes no backups.
        if r.field("spec.paused").and_then(Node::as_bool) == Some(true) {
            facts.notes.push(format!(
                "{}: {display} is paused (spec.paused: true) and takes no backups",
                r.path
            ));
            continue;
        }
        let field = r.field("spec.schedule");
        let Some(schedule) = field.and_then(Node::as_str) else {
            facts.notes.push(format!(
                "{}: {display} has no readable spec.schedule; its backup gap is unknown",
                r.path
            ));
            continue;
        };
        facts.backups.push(super::BackupSource {
            address: r.address.clone(),
            display,
            kind: super::BackupKind::Velero,
            schedule: Some(schedule.to_string()),
            zone: "UTC".into(),
            loc: Loc::of(side, r, field),
        });
    }
}
