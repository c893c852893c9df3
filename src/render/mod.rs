//! render stage (see DESIGN.md §1).
