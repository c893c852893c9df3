//! Renderers: each output format turns the same report into text.

pub mod cab;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod status;
pub mod terminal;
