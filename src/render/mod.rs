//! Renderers: each output format turns the same report into text.

pub mod html;
pub mod human;
pub mod json;
pub mod status;
