//! stackc core
pub mod fmt;
