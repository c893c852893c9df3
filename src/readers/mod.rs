//! readers stage (see DESIGN.md §1).
