//! stackc core
