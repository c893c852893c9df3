//! facts stage (see DESIGN.md §1).

pub mod schedule;
