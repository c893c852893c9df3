//! plan stage (see DESIGN.md §1).
