//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};

pub mod fuzz;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root")
}
