//! rules stage (see DESIGN.md §1).
