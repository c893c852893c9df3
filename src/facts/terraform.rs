//! Facts from Terraform (`aws_db_instance`, `aws_autoscaling_group`, `aws_backup_plan`, …).

use super::ServiceFacts;
use crate::readers::Resource;
use crate::source::Side;
use std::sync::Arc;

/// Adds the facts of this file kind's resources.
pub fn extract(_side: Side, _resources: &[Arc<Resource>], _facts: &mut ServiceFacts) {}
