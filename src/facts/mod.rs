//! facts stage (see DESIGN.md §1).
