//! Embeds the built-in cookbooks (`cookbooks/` at the repository root) so the
//! binary is self-contained: a sorted list of (relative path, bytes).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("../../cookbooks");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut rel: Vec<(String, PathBuf)> = files
        .into_iter()
        .filter_map(|p| {
            let r = p.strip_prefix(&root).ok()?.to_str()?.replace('\\', "/");
            (!r.ends_with(".md")).then_some((r, p))
        })
        .collect();
    rel.sort();
    let mut code = String::from("/// Built-in cookbook files: (path under cookbooks/, bytes), sorted by path.\npub static FILES: &[(&str, &[u8])] = &[\n");
    for (r, p) in &rel {
        println!("cargo:rerun-if-changed={}", p.display());
        let abs = p.canonicalize().unwrap_or_else(|_| p.clone());
        writeln!(
            code,
            "    ({r:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )
        .expect("write to String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_cookbooks.rs");
    std::fs::write(out, code).expect("write builtin_cookbooks.rs");
}
