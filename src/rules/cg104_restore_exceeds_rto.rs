//! # CG104 restore-exceeds-rto
//!
//! ## What it checks
//! For a service whose strategy is `backup-restore` or `pilot-light`, the time
//! to restore each of its data stores: the store's size divided by the plan's
//! `assumptions.restore_throughput`, plus `assumptions.provisioning` (15
//! minutes unless set). Sizes are binary (RDS `allocated_storage` is GiB,
//! `MiB/s` is 2²⁰ bytes a second). An estimate longer than the RTO is a
//! finding. Without `restore_throughput` nothing can be estimated: a note
//! says so, and there is no finding.
//!
//! ## Why it matters for continuity
//! With backup-restore (and for the data of a pilot light), recovery means
//! copying the data back. That takes as long as the data is big: a database
//! that grew from 50 GiB to 500 GiB now takes ten times longer to come back,
//! and the RTO the business agreed to can no longer be met.
//!
//! ## Example
//! ```diff
//!  resource "aws_db_instance" "ledger" {
//! -  allocated_storage = 100
//! +  allocated_storage = 500
//!  }
//! ```
//! With `restore_throughput: 200MiB/s`: 500 GiB take 42m40s, plus 15m
//! provisioning, 57m40s, over an RTO of 30m.
//!
//! ## How to fix
//! Move to a strategy that does not restore on failover (warm standby, a
//! replica), split or archive the data, or agree a longer RTO with a change
//! advisory board decision (and a recovery test that proves the new one).

use super::recovery::{duration_text, size_text, transfer_seconds};
use super::{Rule, ServiceView, Violation};
use crate::facts::Fact;
use crate::plan::model::{Severity, Strategy};

/// CG104.
pub struct RestoreExceedsRto;

/// Whether the service recovers by restoring data.
fn restores(svc: &ServiceView) -> bool {
    matches!(
        svc.service.targets.strategy.as_ref().map(|s| s.value),
        Some(Strategy::BackupRestore | Strategy::PilotLight)
    )
}

impl Rule for RestoreExceedsRto {
    fn code(&self) -> &'static str {
        "CG104"
    }
    fn name(&self) -> &'static str {
        "restore-exceeds-rto"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg104_restore_exceeds_rto.rs")
    }
    fn summary(&self) -> &'static str {
        "backup-restore or pilot-light, and the restore estimate exceeds the RTO"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let (Some(rto), Some(throughput)) =
            (&svc.service.targets.rto, &svc.plan.restore_throughput)
        else {
            return;
        };
        if !restores(svc) {
            return;
        }
        let provisioning = svc.plan.provisioning.value;
        for s in &svc.facts.stores {
            let Fact::Known { value: bytes, loc } = &s.storage_bytes else {
                continue;
            };
            let Some(transfer) = transfer_seconds(*bytes, throughput.value) else {
                continue;
            };
            let estimate = transfer.saturating_add(provisioning);
            if estimate <= rto.value {
                continue;
            }
            let mut secondary = vec![(
                svc.plan_loc(rto.span),
                format!("RTO {} set here", duration_text(rto.value)),
            )];
            secondary.push((
                svc.plan_loc(throughput.span),
                format!(
                    "restore_throughput {}/s assumed here",
                    size_text(throughput.value)
                ),
            ));
            out.push(Violation {
                rule: self.code(),
                measure: (estimate - rto.value).unsigned_abs(),
                service: Some(svc.service.name.clone()),
                subject: format!("{} storage", s.address),
                message: format!(
                    "restore of {} ({} at {}/s = {} + {} provisioning = {}) exceeds RTO {}",
                    s.display,
                    size_text(*bytes),
                    size_text(throughput.value),
                    duration_text(transfer),
                    duration_text(provisioning),
                    duration_text(estimate),
                    duration_text(rto.value),
                ),
                help: Some(
                    "recover without a restore (warm standby or a replica), reduce the data, or agree a longer RTO with a CAB decision and a new recovery test"
                        .into(),
                ),
                primary: loc.clone(),
                secondary,
            });
        }
    }

    fn notes(&self, svc: &ServiceView, out: &mut Vec<String>) {
        if svc.plan.restore_throughput.is_some() || svc.service.targets.rto.is_none() {
            return;
        }
        if !restores(svc) {
            return;
        }
        let sized = svc
            .facts
            .stores
            .iter()
            .filter(|s| s.storage_bytes.known().is_some())
            .count();
        if sized > 0 {
            out.push(format!(
                "CG104: the restore time of service {} cannot be estimated: the plan sets no assumptions.restore_throughput",
                svc.service.name
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Side;
    use crate::facts::{DataStore, ServiceFacts};
    use crate::rules::testutil::{check, known, notes, plan};

    const TIERS: &str = "version: 1\ntiers:\n  gold: { rto: 1h, rpo: 5m }\n";
    const SERVICES: &str = "services:\n  ledger:\n    tier: gold\n    rto: 30m\n    strategy: backup-restore\n    match: [{ paths: [\"terraform/**\"] }]\n  cache:\n    rto: 30m\n    strategy: warm-standby\n    match: [{ paths: [\"cache/**\"] }]\n";

    fn facts(gib: u64) -> ServiceFacts {
        ServiceFacts {
            stores: vec![DataStore {
                address: "aws_db_instance.ledger".into(),
                display: "aws_db_instance ledger".into(),
                storage_bytes: known(gib << 30, Side::Head),
                ..DataStore::default()
            }],
            ..ServiceFacts::default()
        }
    }

    #[test]
    fn estimate_over_rto() {
        let p = plan(&format!(
            "{TIERS}assumptions:\n  restore_throughput: 200MiB/s\n{SERVICES}"
        ));
        let v = check(&RestoreExceedsRto, &p, "ledger", &facts(500));
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "restore of aws_db_instance ledger (500 GiB at 200 MiB/s = 42m40s + 15m provisioning = 57m40s) exceeds RTO 30m"
        );
        assert_eq!(v[0].secondary.len(), 2);
        // 15 GiB: 1m17s + 15m = 16m17s, within 30m.
        assert!(check(&RestoreExceedsRto, &p, "ledger", &facts(15)).is_empty());
        // Warm standby does not restore.
        assert!(check(&RestoreExceedsRto, &p, "cache", &facts(500)).is_empty());
        assert!(notes(&RestoreExceedsRto, &p, "ledger", &facts(500)).is_empty());
    }

    #[test]
    fn provisioning_counts() {
        // 15 GiB at 200 MiB/s is 1m17s; with 29m provisioning it is 30m17s.
        let p = plan(&format!(
            "{TIERS}assumptions:\n  restore_throughput: 200MiB/s\n  provisioning: 29m\n{SERVICES}"
        ));
        let v = check(&RestoreExceedsRto, &p, "ledger", &facts(15));
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].message.contains("= 1m17s + 29m provisioning = 30m17s"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn no_throughput_is_a_note() {
        let p = plan(&format!("{TIERS}{SERVICES}"));
        assert!(check(&RestoreExceedsRto, &p, "ledger", &facts(500)).is_empty());
        let n = notes(&RestoreExceedsRto, &p, "ledger", &facts(500));
        assert_eq!(n.len(), 1);
        assert!(n[0].contains("restore_throughput"), "{}", n[0]);
    }
}
