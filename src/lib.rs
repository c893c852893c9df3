//! continuity-guard: assess the impact of infrastructure changes on service continuity plans.
//!
//! The pipeline (DESIGN.md §1): revisions → change set → documents → facts per
//! service → findings → renderers.

pub mod facts;
pub mod plan;
pub mod readers;
pub mod render;
pub mod rules;
pub mod source;
