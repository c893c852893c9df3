//! Facts per service at one side (DESIGN §1.4): everything the rules need,
//! derived from all of the service's resources, each fact with the location
//! of the field it came from.

pub mod schedule;
pub mod window;

use crate::readers::{Node, Resource, Span};
use crate::source::Side;
use std::collections::BTreeMap;
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

impl Loc {
    /// The location of a field of a resource, else of the resource itself.
    pub fn of(side: Side, resource: &Resource, field: Option<&Node>) -> Loc {
        Loc {
            side,
            path: resource.path.clone(),
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

/// The facts of one service at one side.
#[derive(Clone, Debug, Default)]
pub struct ServiceFacts {
    /// Every resource of the service at this side.
    pub resources: Vec<Arc<Resource>>,
    /// Workloads with their replica floors.
    pub workloads: Vec<Workload>,
    /// Disruption budgets.
    pub budgets: Vec<DisruptionBudget>,
}

impl ServiceFacts {
    /// The smallest replica floor, if any workload.
    pub fn min_floor(&self) -> Option<i64> {
        self.workloads.iter().map(|w| w.floor).min()
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

/// Derives the facts of a service's resources at one side.
pub fn derive(side: Side, resources: Vec<Arc<Resource>>) -> ServiceFacts {
    let mut facts = ServiceFacts::default();
    // HPAs by their target (kind/namespace/name).
    let mut hpas: BTreeMap<String, (&Resource, Option<&Node>)> = BTreeMap::new();
    for r in &resources {
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
    for r in &resources {
        match r.kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" => {
                let display = format!(
                    "{} {}/{}",
                    r.kind,
                    r.namespace.as_deref().unwrap_or("default"),
                    r.name
                );
                let pod_labels = labels(r.field("spec.template.metadata.labels"));
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
    facts.resources = resources;
    facts
}

impl DisruptionBudget {
    /// Whether it selects a workload's pods.
    pub fn selects(&self, w: &Workload) -> bool {
        !self.selector.is_empty()
            && self
                .selector
                .iter()
                .all(|(k, v)| w.pod_labels.get(k) == Some(v))
    }
}
