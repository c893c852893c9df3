//! # CG107 stateful-resource-replaced
//!
//! ## What it checks
//! A data store, persistent volume or StatefulSet of a service with an RPO
//! is *replaced* by the change: the resource corresponds to one at base
//! (the same fields) but under another identity, which its deployer
//! executes as delete-and-create — a CloudFormation logical-id rename, a
//! Terraform address change without a `moved` block, a StatefulSet renamed
//! or moved to another namespace.
//!
//! ## Why it matters for continuity
//! The configuration looks the same, so every other rule stays quiet, but
//! the data is not carried over: CloudFormation deletes the old database
//! and creates an empty one, Terraform destroys and recreates it, and a
//! renamed StatefulSet gets new, empty volumes. The recovery point becomes
//! the last backup, or nothing.
//!
//! ## Example
//! ```yaml
//! Resources:
//!   MainDB:          # was MasterDB: CloudFormation replaces the instance
//!     Type: AWS::RDS::DBInstance
//! ```
//!
//! ## How to fix
//! Keep the identity (rename back), or carry the state over: a Terraform
//! `moved { from = … to = … }` block, CloudFormation resource import with
//! `DeletionPolicy: Retain`, or a restore into the new resource planned as
//! a change of its own.

use super::{Rule, Violation};
use crate::facts::{Loc, Side};
use crate::plan::model::Severity;
use crate::readers::Resource;

/// CG107.
pub struct StatefulResourceReplaced;

impl Rule for StatefulResourceReplaced {
    fn code(&self) -> &'static str {
        "CG107"
    }
    fn name(&self) -> &'static str {
        "stateful-resource-replaced"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg107_stateful_resource_replaced.rs")
    }
    fn summary(&self) -> &'static str {
        "a data store, volume or StatefulSet is deleted and created anew under another identity: its data is not carried over"
    }
    // Reported by the engine, which pairs resources across the sides.
}

/// Kubernetes kinds that hold state of their own.
pub const STATEFUL_KINDS: &[&str] = &["StatefulSet", "PersistentVolumeClaim", "PersistentVolume"];

/// The violation for `service`'s stateful resource `base`, replaced by `head`.
pub fn violation(service: &str, base: &Resource, head: &Resource) -> Violation {
    Violation {
        rule: "CG107",
        measure: 1,
        service: Some(service.to_string()),
        subject: head.address.clone(),
        message: format!(
            "{} replaces {} (same configuration, new identity): it is deleted and created anew, and its data is not carried over",
            head.address, base.address
        ),
        help: Some(
            "keep the identity, or carry the state over (a Terraform `moved` block, a CloudFormation import with DeletionPolicy: Retain, a planned restore)".into(),
        ),
        primary: Loc::of(Side::Head, head, None),
        secondary: vec![(
            Loc::of(Side::Base, base, None),
            format!("was {}", base.address),
        )],
    }
}
