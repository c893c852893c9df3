//! source stage (see DESIGN.md §1).
