//! The cookbook bundle `cookbooks.tar.gz`: the built-in cookbooks overlaid
//! by the stack's own, the node JSON of every instance group and event, and
//! the instance agent. Deterministic: entries sorted by path, zero mtimes,
//! owners and names, fixed modes, gzip without timestamp or file name, so
//! the same input gives the same bytes on any machine.

use std::collections::BTreeMap;
use std::io::Write as _;

use flate2::{Compression, GzBuilder};

use crate::diag::{Code, Diagnostic, Span};

/// The agent script installed as `/usr/local/bin/stackc-run`.
pub const AGENT: &str = include_str!("../../../../stdlib/agent/stackc-run");

/// A file of the stack's cookbooks directory: path relative to that
/// directory (`goldcar/recipes/vhosts.rb`) and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookbookFile {
    /// Relative path with `/` separators.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// The cookbooks of the bundle: built-in ones, replaced whole by a stack
/// cookbook of the same name (as OpsWorks did). Sorted by path.
pub fn merged_cookbooks(user: &[CookbookFile]) -> BTreeMap<String, Vec<u8>> {
    let user_names: Vec<&str> = user
        .iter()
        .filter_map(|f| f.path.split('/').next())
        .collect();
    let mut out = BTreeMap::new();
    for (path, bytes) in crate::cookbooks::FILES {
        let name = path.split('/').next().unwrap_or_default();
        if !user_names.contains(&name) {
            out.insert((*path).to_string(), bytes.to_vec());
        }
    }
    for f in user {
        out.insert(f.path.clone(), f.bytes.clone());
    }
    out
}

/// Checks each stack cookbook's `metadata.rb`: it must exist and declare
/// `name` (equal to the directory) and `version`.
pub fn check_metadata(user: &[CookbookFile], span: Span) -> Vec<Diagnostic> {
    let mut names: Vec<&str> = user
        .iter()
        .filter_map(|f| f.path.split_once('/').map(|(n, _)| n))
        .collect();
    names.dedup();
    let mut diags = Vec::new();
    for name in names {
        let path = format!("{name}/metadata.rb");
        let Some(meta) = user.iter().find(|f| f.path == path) else {
            diags.push(
                Diagnostic::error(
                    Code::BadCookbook,
                    span,
                    format!("cookbook `{name}` has no metadata.rb"),
                )
                .label("cookbooks directory")
                .help(format!(
                    "create {name}/metadata.rb with `name '{name}'` and `version '1.0.0'`"
                )),
            );
            continue;
        };
        let text = String::from_utf8_lossy(&meta.bytes);
        let declared = metadata_field(&text, "name");
        let version = metadata_field(&text, "version");
        match declared {
            Some(n) if n == name => {}
            Some(n) => diags.push(
                Diagnostic::error(
                    Code::BadCookbook,
                    span,
                    format!("cookbook directory `{name}` declares `name '{n}'` in metadata.rb"),
                )
                .label("cookbooks directory")
                .help(format!(
                    "Chef finds recipes by the metadata name: rename the directory to `{n}` or set `name '{name}'`"
                )),
            ),
            None => diags.push(
                Diagnostic::error(
                    Code::BadCookbook,
                    span,
                    format!("{name}/metadata.rb does not declare the cookbook's name"),
                )
                .label("cookbooks directory")
                .help(format!("add `name '{name}'` to {name}/metadata.rb")),
            ),
        }
        let version_ok = version.as_deref().is_some_and(|v| {
            let parts: Vec<&str> = v.split('.').collect();
            (2..=3).contains(&parts.len())
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        if !version_ok {
            let message = match &version {
                Some(v) => format!("{name}/metadata.rb declares version `{v}`, which is not x.y.z"),
                None => format!("{name}/metadata.rb does not declare a version"),
            };
            diags.push(
                Diagnostic::error(Code::BadCookbook, span, message)
                    .label("cookbooks directory")
                    .help(format!("add `version '1.0.0'` to {name}/metadata.rb")),
            );
        }
    }
    diags
}

/// The quoted value of `field 'value'` on a line of its own in metadata.rb.
fn metadata_field(text: &str, field: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(field)?;
        if !rest.starts_with([' ', '\t', '(']) {
            return None;
        }
        let rest = rest.trim_start_matches([' ', '\t', '(']);
        let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let body = &rest[1..];
        let end = body.find(quote)?;
        Some(body[..end].to_string())
    })
}

/// A deterministic tar.gz written entry by entry, in path order. Paths
/// under `bin/` are executable.
pub struct TarGz {
    tar: tar::Builder<flate2::write::GzEncoder<Vec<u8>>>,
    last: Option<String>,
}

impl Default for TarGz {
    fn default() -> Self {
        TarGz::new()
    }
}

impl TarGz {
    /// An empty archive.
    pub fn new() -> TarGz {
        let gz = GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), Compression::default());
        let mut tar = tar::Builder::new(gz);
        tar.mode(tar::HeaderMode::Deterministic);
        TarGz { tar, last: None }
    }

    /// Adds a file; paths must come in increasing order.
    pub fn append(&mut self, path: &str, bytes: &[u8]) {
        debug_assert!(
            self.last.as_deref().is_none_or(|l| l < path),
            "tar entries out of order: {path}"
        );
        self.last = Some(path.to_string());
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(if path.starts_with("bin/") {
            0o755
        } else {
            0o644
        });
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        self.tar
            .append_data(&mut header, path, bytes)
            .expect("writing a tar to memory cannot fail");
    }

    /// The compressed archive.
    pub fn finish(self) -> Vec<u8> {
        let gz = self
            .tar
            .into_inner()
            .expect("writing a tar to memory cannot fail");
        let mut bytes = gz.finish().expect("writing gzip to memory cannot fail");
        bytes.flush().expect("flushing a Vec cannot fail");
        bytes
    }
}

/// Writes the bundle: `entries` (path → bytes) as a deterministic tar.gz.
pub fn tar_gz(entries: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut t = TarGz::new();
    for (path, bytes) in entries {
        t.append(path, bytes);
    }
    t.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> CookbookFile {
        CookbookFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn same_entries_same_bytes_whatever_the_insertion_order() {
        let mut a = BTreeMap::new();
        a.insert("b/x".to_string(), b"1".to_vec());
        a.insert("a/y".to_string(), b"2".to_vec());
        let mut b = BTreeMap::new();
        b.insert("a/y".to_string(), b"2".to_vec());
        b.insert("b/x".to_string(), b"1".to_vec());
        assert_eq!(tar_gz(&a), tar_gz(&b));
        // gzip header: no mtime (bytes 4..8 zero), no file name flag.
        let gz = tar_gz(&a);
        assert_eq!(&gz[4..8], &[0, 0, 0, 0]);
        assert_eq!(gz[3] & 0x08, 0);
    }

    #[test]
    fn entries_are_sorted_with_zero_mtime_and_fixed_modes() {
        let mut m = BTreeMap::new();
        m.insert(
            "cookbooks/z/recipes/default.rb".to_string(),
            b"log 'z'".to_vec(),
        );
        m.insert("bin/stackc-run".to_string(), b"#!/bin/bash\n".to_vec());
        let bytes = tar_gz(&m);
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        let seen: Vec<(String, u32, u64)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().display().to_string(),
                    h.mode().unwrap(),
                    h.mtime().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("bin/stackc-run".to_string(), 0o755, 0),
                ("cookbooks/z/recipes/default.rb".to_string(), 0o644, 0),
            ]
        );
    }

    #[test]
    fn a_stack_cookbook_replaces_the_builtin_one_of_its_name_whole() {
        let Some((builtin, _)) = crate::cookbooks::FILES.first() else {
            return;
        };
        let name = builtin.split('/').next().unwrap();
        let user = vec![file(&format!("{name}/recipes/mine.rb"), "log 'mine'")];
        let merged = merged_cookbooks(&user);
        let of_name: Vec<&String> = merged
            .keys()
            .filter(|p| p.starts_with(&format!("{name}/")))
            .collect();
        assert_eq!(of_name, vec![&format!("{name}/recipes/mine.rb")]);
    }

    #[test]
    fn metadata_must_name_the_cookbook_and_give_a_version() {
        let span = Span::new(0, 0);
        let ok = vec![
            file("app/metadata.rb", "name 'app'\nversion '1.2.0'\n"),
            file("app/recipes/default.rb", ""),
        ];
        assert!(check_metadata(&ok, span).is_empty());
        let missing = vec![file("app/recipes/default.rb", "")];
        assert!(check_metadata(&missing, span)[0]
            .message
            .contains("has no metadata.rb"));
        let wrong = vec![file("app/metadata.rb", "name \"other\"\nversion 'one'\n")];
        let msgs: Vec<String> = check_metadata(&wrong, span)
            .into_iter()
            .map(|d| d.message)
            .collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[0].contains("declares `name 'other'`"));
        assert!(msgs[1].contains("version `one`"));
    }
}
