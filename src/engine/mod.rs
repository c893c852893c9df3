//! The engine's comparison of base and head (DESIGN §1.5, §7).
//!
//! - [`compare`]: which base resource is which head resource (correspondence),
//!   and the state of each finding (introduced, worsened, existing, newly in
//!   scope, resolved).
//!
//! The rest of the engine (affected services, facts per side, verdicts)
//! still lives in `crate::rules::engine`.

pub mod compare;

pub use crate::rules::engine::*;
