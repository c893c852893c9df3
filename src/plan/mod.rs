//! plan stage (see DESIGN.md §1).

pub mod hours;
