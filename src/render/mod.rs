//! Renderers: each output format turns the same report into text.

pub mod cab;
pub mod human;
pub mod json;
