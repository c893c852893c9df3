//! Renderers: each output format turns the same report into text.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;
