//! stackc-core: the stack language (syntax, checker, IR) and the emitters.
//! Pure: source text in, IR and artifacts (as bytes) out.
#![warn(missing_docs)]
// `deploy.<app>` of the node JSON (emit/node.rs) is one `json!` of OpsWorks' many keys.
#![recursion_limit = "256"]

pub mod check;
pub mod chef;
pub mod cookbook_dir;
pub mod cookbooks;
pub mod diag;
pub mod emit;
pub mod envdiff;
pub mod fmt;
/// Synthetic stacks for benchmarks and tests (feature `bench-support`): not
/// part of the API.
#[cfg(any(test, feature = "bench-support"))]
#[doc(hidden)]
pub mod generate;
pub mod hours;
pub mod import;
pub mod ir;
pub mod lock;
pub mod process;
pub mod schema;
pub mod stdlib;
pub mod syntax;
pub mod units;
