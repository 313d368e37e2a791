//! The resources a stack's own cookbooks define ([`Defined`]), read from
//! their `resources/` and `libraries/` files and named as Chef names them.

use std::collections::BTreeMap;

use super::mask::{
    as_str, is_ident, is_ident_start, line_after, mask, skip_blank, statement_start, word_end,
};
use crate::chef::Runtime;

/// How a cookbook file defines a resource name (see the module's rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// `provides :name`: every client.
    Provides,
    /// `resource_name :name`: Chef 12.5 to 15.
    ResourceName,
    /// The name Chef gives `resources/<file>.rb`; `declared`: the file
    /// calls `resource_name`, which replaces it on Chef 12.5 to 15.
    Automatic { declared: bool },
}

/// The first Chef with `resource_name`, and the first that no longer takes
/// it as the resource's name.
const RESOURCE_NAME_FROM: (u32, u32) = (12, 5);
const RESOURCE_NAME_UNTIL: (u32, u32) = (16, 0);

impl Naming {
    /// Whether a client of this `(major, minor)` knows the name.
    fn on(self, version: (u32, u32)) -> bool {
        let declaring = (RESOURCE_NAME_FROM..RESOURCE_NAME_UNTIL).contains(&version);
        match self {
            Naming::Provides => true,
            Naming::ResourceName => declaring,
            Naming::Automatic { declared } => !(declared && declaring),
        }
    }
}

/// The resources a stack's own cookbooks define, read from the whole
/// cookbooks directory before any file is linted: a resource defined there
/// is available whatever the client, so the lint does not report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defined {
    /// Each name, with the files (inside the cookbooks directory) that
    /// define it and how.
    names: BTreeMap<String, Vec<(String, Naming)>>,
}

impl Defined {
    /// Reads the resources `files` (each a path inside the cookbooks
    /// directory and its text) define: the custom resources of
    /// `<cookbook>/resources/`, named as Chef names them, and the names the
    /// resource classes of `<cookbook>/libraries/` provide.
    pub fn collect<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Defined {
        let files: Vec<(&str, &str)> = files.into_iter().collect();
        // Each cookbook's name: its metadata's, else its directory's.
        let mut cookbooks: BTreeMap<&str, String> = BTreeMap::new();
        for (path, text) in &files {
            let Some((dir, file)) = path.split_once('/') else {
                continue;
            };
            let name = match file {
                "metadata.rb" => metadata_rb_name(text),
                "metadata.json" => serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("name")?.as_str().map(str::to_string)),
                _ => None,
            };
            if let Some(name) = name.filter(|n| !n.is_empty()) {
                // metadata.rb wins over metadata.json, as in Chef.
                if file == "metadata.rb" || !cookbooks.contains_key(dir) {
                    cookbooks.insert(dir, name);
                }
            }
        }
        let mut defined = Defined::default();
        for (path, text) in files {
            let mut parts = path.splitn(3, '/');
            let (Some(dir), Some(segment), Some(rest)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some(stem) = rest.rsplit('/').next().and_then(|f| f.strip_suffix(".rb")) else {
                continue;
            };
            let library = match segment {
                "resources" => false,
                "libraries" => true,
                _ => continue,
            };
            let declared = declarations(text, library);
            if !library {
                let cookbook = cookbooks.get(dir).map_or(dir, String::as_str);
                let automatic = if stem == "default" {
                    cookbook.to_string()
                } else {
                    format!("{cookbook}_{stem}")
                };
                let by_resource_name = declared.iter().any(|(_, n)| *n == Naming::ResourceName);
                defined.add(
                    automatic,
                    path,
                    Naming::Automatic {
                        declared: by_resource_name,
                    },
                );
            }
            for (name, naming) in declared {
                defined.add(name, path, naming);
            }
        }
        defined
    }

    fn add(&mut self, name: String, path: &str, naming: Naming) {
        let entry = self.names.entry(name).or_default();
        if !entry.iter().any(|(p, n)| p == path && *n == naming) {
            entry.push((path.to_string(), naming));
        }
    }

    /// Whether the stack's cookbooks define a resource `name` that
    /// `runtime` knows by that name.
    pub fn defines(&self, name: &str, runtime: &Runtime) -> bool {
        let version = crate::chef::major_minor(&runtime.version);
        self.names
            .get(name)
            .is_some_and(|ways| ways.iter().any(|(_, n)| n.on(version)))
    }

    /// The names defined for some client, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(String::as_str)
    }
}

/// The `name` a metadata.rb gives its cookbook (`name 'hostname'`).
fn metadata_rb_name(text: &str) -> Option<String> {
    let m = mask(text);
    let mut i = 0;
    while i < m.len() {
        if m[i..].starts_with(b"name") && statement_start(&m, i) && word_end(&m, i) == i + 4 {
            return symbol_or_string(&m, text.as_bytes(), i + 4);
        }
        i = line_after(&m, i);
    }
    None
}

/// The symbol or plain string argument of a call whose name ends at `end`
/// (`provides :hostname`, `resource_name("hostname")`); `None` for another
/// argument (an expression, an interpolated string) or none.
fn symbol_or_string(m: &[u8], src: &[u8], end: usize) -> Option<String> {
    let mut j = skip_blank(m, end);
    if j == end && m.get(j) != Some(&b'(') {
        return None;
    }
    if m.get(j) == Some(&b'(') {
        j = skip_blank(m, j + 1);
    }
    let (from, to) = match m.get(j)? {
        b':' => (j + 1, word_end(m, j + 1)),
        &q @ (b'\'' | b'"') => {
            let close = (j + 1..m.len()).find(|&k| m[k] == q)?;
            (j + 1, close)
        }
        _ => return None,
    };
    let name = src.get(from..to)?;
    (!name.is_empty() && is_ident_start(name[0]) && name.iter().all(|&c| is_ident(c)))
        .then(|| as_str(name).to_string())
}

/// The `provides :name` and `resource_name :name` statements of a
/// `resources/` file, or of the resource classes of a `libraries/` file
/// (`library`: a provider's `provides` maps a provider, not a resource).
fn declarations(text: &str, library: bool) -> Vec<(String, Naming)> {
    let m = mask(text);
    let src = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < m.len() {
        let b = m[i];
        if !is_ident_start(b)
            || (i > 0 && (is_ident(m[i - 1]) || matches!(m[i - 1], b'@' | b'$' | b'.' | b':')))
        {
            i += 1;
            continue;
        }
        let end = word_end(&m, i);
        let naming = match &m[i..end] {
            b"provides" => Some(Naming::Provides),
            b"resource_name" => Some(Naming::ResourceName),
            _ => None,
        };
        if let Some(naming) = naming {
            if statement_start(&m, i) && (!library || in_resource_class(&m, i)) {
                if let Some(name) = symbol_or_string(&m, src, end) {
                    out.push((name, naming));
                }
            }
        }
        i = end;
    }
    out
}

/// Whether the statement at `at` in a library file lies in a resource
/// class rather than a provider's: the classes around it are read outwards
/// by indentation (`class Chef` / `class Resource` / `class Hostname <
/// LWRPBase`), and the first that names `Resource` or `Provider`, in its
/// superclass or else in its own name, decides. Neither: not a resource.
fn in_resource_class(m: &[u8], at: usize) -> bool {
    let line_start = |i: usize| {
        m[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
    };
    let mut indent = at - line_start(at);
    let mut j = line_start(at);
    while j > 0 {
        let start = line_start(j - 1);
        let first = skip_blank(m, start);
        let column = first - start;
        if column < indent
            && m[first..].starts_with(b"class")
            && m.get(first + 5).is_some_and(|&b| b == b' ' || b == b'\t')
        {
            let header = as_str(&m[first + 5..line_after(m, first).min(m.len())]);
            let (name, superclass) = header.split_once('<').unwrap_or((header, ""));
            let says = |part: &str| {
                let words: Vec<&str> = part
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .collect();
                if words.contains(&"Provider") {
                    Some(false)
                } else if words.contains(&"Resource") {
                    Some(true)
                } else {
                    None
                }
            };
            if let Some(resource) = says(superclass).or_else(|| says(name)) {
                return resource;
            }
            indent = column;
        }
        j = start;
    }
    false
}
