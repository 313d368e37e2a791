//! Helpers the CLI's integration tests share.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// True when `tool` runs. When it does not, the test fails if
/// STACKC_REQUIRE_TOOLS=1 (./scripts/test sets it and installs the tools),
/// and is skipped with a note otherwise.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("STACKC_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{tool} is required; ./scripts/test installs it"
        );
        eprintln!("note: {tool} not found, skipping its check (./scripts/test installs it)");
    }
    found
}
