//! # CG102 single-zone
//!
//! ## What it checks
//! When the service's targets say `multi_az: true` (from its tier or its own
//! entry): every database is multi-zone (`multi_az = true`, `MultiAZ: true`;
//! an RDS instance without `multi_az` is single-zone, the provider's
//! default), every autoscaling or node group spans at least two zones or
//! subnets, and every workload spreads its pods over zones: a
//! `topologySpreadConstraints` entry on `topology.kubernetes.io/zone` with
//! `whenUnsatisfiable: DoNotSchedule`, or a required pod anti-affinity on that
//! key, each selecting the workload's own pods, and no node selector or
//! affinity that pins it to one zone. The replica count does not decide it:
//! one replica is one zone, and more replicas without a spread may all land
//! in one. A soft spread (`ScheduleAnyway`, a preferred anti-affinity, Swarm
//! `placement.preferences`) is noted, not counted; compose services have no
//! zone spread. A value that cannot be resolved is never a finding.
//!
//! ## Why it matters for continuity
//! An availability zone is the unit that fails together: power, cooling, a
//! network partition. A database or a set of replicas that lives in one zone
//! goes down with it, and its recovery then depends on a restore or a manual
//! rebuild elsewhere, which a tier that demands `multi_az` has ruled out.
//!
//! ## Example
//! ```diff
//!  resource "aws_db_instance" "ledger" {
//! -  multi_az = true
//! +  multi_az = false
//!  }
//! ```
//!
//! ## How to fix
//! Set `multi_az = true` (or `MultiAZ: true`), give the group subnets in two
//! or more zones, or add a topology spread constraint on
//! `topology.kubernetes.io/zone` to the workload; or change the plan's
//! `multi_az` with a change advisory board decision.

use super::{Rule, ServiceView, Violation};
use crate::facts::{Fact, Loc, StoreKind, cloud_catalogue};
use crate::plan::model::Severity;

/// CG102.
pub struct SingleZone;

impl Rule for SingleZone {
    fn code(&self) -> &'static str {
        "CG102"
    }
    fn name(&self) -> &'static str {
        "single-zone"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg102_single_zone.rs")
    }
    fn summary(&self) -> &'static str {
        "the tier needs multi_az and a database, group or workload is single-zone"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let Some(multi_az) = &svc.service.targets.multi_az else {
            return;
        };
        if !multi_az.value {
            return;
        }
        let owner = svc.target_owner();
        let secondary = vec![(svc.plan_loc(multi_az.span), "multi_az set here".to_string())];
        let mut push = |subject: String, message: String, help: &str, primary: Loc| {
            out.push(Violation {
                rule: self.code(),
                measure: 1,
                service: Some(svc.service.name.clone()),
                subject,
                message: format!("{message}; {owner} needs multi_az"),
                help: Some(format!(
                    "{help}, or change the plan's multi_az with a CAB decision"
                )),
                primary,
                secondary: secondary.clone(),
            });
        };
        for s in &svc.facts.stores {
            let [why_false, why_absent, help] =
                zone_field(&s.address, &s.display).map(String::from);
            // A catalogue type says it in its own fields' words.
            let kind = s.display.split(' ').next().unwrap_or_default();
            let kind = kind.rsplit('.').next().unwrap_or(kind);
            let catalogued = cloud_catalogue::zone_words(kind);
            let absent_is_one_zone = catalogued.is_some();
            let [why_false, why_absent, help] = catalogued.unwrap_or([why_false, why_absent, help]);
            let (why, primary) = match &s.multi_az {
                Fact::Known { value: false, loc } => (why_false, loc.clone()),
                // The AWS provider's default is single-zone, as is every
                // catalogue type's that leaves it unset (OpenSearch zone
                // awareness); other stores (DynamoDB tables) span zones by
                // themselves.
                Fact::Absent
                    if (s.kind == StoreKind::Relational || absent_is_one_zone)
                        && !s.read_replica =>
                {
                    (why_absent, s.loc.clone())
                }
                _ => continue,
            };
            push(
                format!("{} multi_az", s.address),
                format!("{} is single-zone ({why})", s.display),
                &help,
                primary,
            );
        }
        for g in &svc.facts.groups {
            let Fact::Known { value, loc } = &g.zones else {
                continue;
            };
            if *value >= 2 {
                continue;
            }
            let noun = if *value == 1 { "zone" } else { "zones" };
            push(
                format!("{} zones", g.address),
                format!("{} spans {value} {noun}", g.display),
                "give it subnets in two or more zones",
                loc.clone(),
            );
        }
        // One finding per workload: a compose service written in several
        // files has one workload per file that sets its replicas.
        let mut seen = std::collections::BTreeSet::new();
        for w in &svc.facts.workloads {
            if w.zone_spread || !seen.insert(w.address.as_str()) {
                continue;
            }
            let (runs, help) = if w.address.starts_with("compose/")
                || w.address.starts_with("stack/")
            {
                (
                    "has no zone spread (compose and Swarm place no task by zone), so its tasks may share one zone".to_string(),
                    "run it where the platform spreads it over zones (a Kubernetes topology spread on topology.kubernetes.io/zone)",
                )
            } else {
                let replicas = match w.floor {
                    1 => "runs 1 replica: one zone".to_string(),
                    n => {
                        format!("runs {n} replicas with no zone spread, so they may share one zone")
                    }
                };
                (
                    format!(
                        "{replicas} (no topologySpreadConstraints with whenUnsatisfiable: DoNotSchedule, nor a required pod anti-affinity, on topology.kubernetes.io/zone)"
                    ),
                    "run 2 or more replicas with a topologySpreadConstraints entry on topology.kubernetes.io/zone (whenUnsatisfiable: DoNotSchedule)",
                )
            };
            push(
                format!("{} zones", w.address),
                format!("{} {runs}", w.display),
                help,
                // Where its placement is decided: a pin, a soft spread, else
                // its first line; never the replica count, so raising the
                // replicas moves nothing.
                w.zone_loc.clone(),
            );
        }
    }
}

/// Why a store is single-zone in its own format's words (the field set to
/// false, the field left out), and what to set.
fn zone_field(address: &str, display: &str) -> [&'static str; 3] {
    if display.starts_with("AWS::ElastiCache") {
        [
            "MultiAZEnabled: false, or NumCacheClusters: 1",
            "MultiAZEnabled is not set and the default is false",
            "set MultiAZEnabled: true (with AutomaticFailoverEnabled: true)",
        ]
    } else if display.starts_with("AWS::") {
        [
            "MultiAZ: false",
            "MultiAZ is not set and the default is false",
            "set MultiAZ: true",
        ]
    } else if address.starts_with("google_sql_database_instance") {
        [
            "availability_type is not REGIONAL",
            "availability_type is not set and the default is ZONAL",
            "set settings.availability_type = \"REGIONAL\"",
        ]
    } else if address.starts_with("azurerm_") {
        [
            "high_availability is off",
            "high_availability is not set",
            "set high_availability { mode = \"ZoneRedundant\" }",
        ]
    } else if address.starts_with("aws_elasticache") {
        [
            "multi_az_enabled = false, or num_cache_clusters = 1",
            "multi_az_enabled is not set and the provider default is false",
            "set multi_az_enabled = true (with automatic_failover_enabled = true)",
        ]
    } else {
        [
            "multi_az = false",
            "multi_az is not set and the provider default is false",
            "set multi_az = true",
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Side;
    use crate::facts::{DataStore, Group, ServiceFacts};
    use crate::rules::testutil::{check, known, plan};

    const PLAN: &str = "version: 1\ntiers:\n  gold: { rto: 1h, rpo: 5m, multi_az: true }\nservices:\n  ledger:\n    tier: gold\n    match: [{ paths: [\"terraform/**\"] }]\n  notes:\n    rto: 4h\n    match: [{ paths: [\"notes/**\"] }]\n";

    fn store(multi_az: Fact<bool>, kind: StoreKind) -> DataStore {
        DataStore {
            address: "aws_db_instance.ledger".into(),
            display: "aws_db_instance ledger".into(),
            kind,
            multi_az,
            ..DataStore::default()
        }
    }

    #[test]
    fn single_zone_database() {
        let p = plan(PLAN);
        let facts = ServiceFacts {
            stores: vec![store(known(false, Side::Head), StoreKind::Relational)],
            ..ServiceFacts::default()
        };
        let v = check(&SingleZone, &p, "ledger", &facts);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "aws_db_instance ledger is single-zone (multi_az = false); tier gold needs multi_az"
        );
        assert_eq!(v[0].subject, "aws_db_instance.ledger multi_az");
        assert_eq!(v[0].secondary.len(), 1);
        // A service without multi_az in its targets is not checked.
        assert!(check(&SingleZone, &p, "notes", &facts).is_empty());
    }

    #[test]
    fn absent_is_single_zone_for_relational_only() {
        let p = plan(PLAN);
        let facts = ServiceFacts {
            stores: vec![
                store(Fact::Absent, StoreKind::Relational),
                store(Fact::Absent, StoreKind::Table),
                store(known(true, Side::Head), StoreKind::Relational),
                store(
                    Fact::Unknown {
                        reason: "var.multi_az has no default".into(),
                        loc: Loc::default(),
                    },
                    StoreKind::Relational,
                ),
            ],
            ..ServiceFacts::default()
        };
        let v = check(&SingleZone, &p, "ledger", &facts);
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message.contains("provider default is false"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn groups_need_two_zones() {
        let p = plan(PLAN);
        let group = |zones: Fact<usize>| Group {
            address: "aws_autoscaling_group.api".into(),
            display: "aws_autoscaling_group api".into(),
            zones,
            ..Group::default()
        };
        let facts = ServiceFacts {
            groups: vec![
                group(known(1, Side::Head)),
                group(known(2, Side::Head)),
                group(Fact::Absent),
            ],
            ..ServiceFacts::default()
        };
        let v = check(&SingleZone, &p, "ledger", &facts);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "aws_autoscaling_group api spans 1 zone; tier gold needs multi_az"
        );
    }

    #[test]
    fn workloads_need_zone_spread_whatever_their_replicas() {
        use crate::facts::Workload;
        let p = plan(PLAN);
        let workload = |floor: i64, zone_spread: bool| Workload {
            address: format!("Deployment/payments/api-{floor}-{zone_spread}"),
            display: "Deployment payments/api".into(),
            floor,
            floor_field: "spec.replicas".into(),
            floor_owner: "Deployment/payments/api".into(),
            floor_loc: Loc::default(),
            pod_labels: Default::default(),
            zone_spread,
            zone_loc: Loc::default(),
        };
        let facts = ServiceFacts {
            workloads: vec![workload(3, false), workload(3, true), workload(1, false)],
            ..ServiceFacts::default()
        };
        let v = check(&SingleZone, &p, "ledger", &facts);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(
            v[0].message
                .starts_with("Deployment payments/api runs 3 replicas with no zone spread")
        );
        assert_eq!(v[0].subject, "Deployment/payments/api-3-false zones");
        assert!(
            v[1].message
                .starts_with("Deployment payments/api runs 1 replica: one zone"),
            "{}",
            v[1].message
        );
    }
}
