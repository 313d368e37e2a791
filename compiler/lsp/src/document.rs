//! An open stack file: its text as the editor has it, its line index, its
//! tolerant tree (read when first asked for) and where its cookbooks are.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Url};

use crate::place;
use crate::position::LineIndex;
use crate::tree::{self, Tree, Word};

/// An open document.
pub struct Document {
    /// Its URI.
    pub uri: Url,
    /// Its text.
    pub text: String,
    /// The editor's version of it.
    pub version: i32,
    /// Its lines.
    pub index: LineIndex,
    tree: OnceCell<Tree>,
}

impl Document {
    /// A document with this text.
    pub fn new(uri: Url, text: String, version: i32) -> Self {
        Document {
            index: LineIndex::new(&text),
            uri,
            text,
            version,
            tree: OnceCell::new(),
        }
    }

    /// Its tolerant tree.
    pub fn tree(&self) -> &Tree {
        self.tree.get_or_init(|| tree::read(&self.text))
    }

    /// The byte offset of a position.
    pub fn offset(&self, pos: Position) -> usize {
        self.index.offset(&self.text, pos)
    }

    /// The range between two byte offsets.
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(
            self.index.position(&self.text, start),
            self.index.position(&self.text, end),
        )
    }

    /// The range of a word.
    pub fn word_range(&self, w: &Word) -> Range {
        self.range(w.start, w.end)
    }

    /// The directory relative paths of the file resolve against, as `stackc
    /// check FILE` resolves them: the file's directory (for a document that
    /// is not a file, `fallback`).
    pub fn base_dir(&self, fallback: &Path) -> PathBuf {
        file_path(&self.uri)
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| fallback.to_path_buf())
    }

    /// The stack's cookbooks directory, when it names one.
    pub fn cookbooks_dir(&self, fallback: &Path) -> Option<PathBuf> {
        let stack = place::stack(self.tree())?;
        let node = stack.kids().iter().find(|n| n.name.text == "cookbooks")?;
        Some(self.base_dir(fallback).join(&node.arg0()?.text))
    }
}

/// The path of a `file:` URI.
pub fn file_path(uri: &Url) -> Option<PathBuf> {
    if uri.scheme() == "file" {
        uri.to_file_path().ok()
    } else {
        None
    }
}

/// The recipes of a cookbooks directory, `cookbook::recipe` with each file,
/// sorted by name.
pub fn user_recipes(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(cookbooks) = std::fs::read_dir(dir) else {
        return out;
    };
    for cookbook in cookbooks.filter_map(Result::ok) {
        let Ok(name) = cookbook.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let Ok(recipes) = std::fs::read_dir(cookbook.path().join("recipes")) else {
            continue;
        };
        for recipe in recipes.filter_map(Result::ok) {
            let Ok(file) = recipe.file_name().into_string() else {
                continue;
            };
            if let Some(stem) = file.strip_suffix(".rb") {
                out.push((format!("{name}::{stem}"), recipe.path()));
            }
        }
    }
    out.sort();
    out
}

/// The file of a user recipe (`cookbook::recipe`, or `cookbook` for its
/// default recipe), when it exists.
pub fn recipe_file(cookbooks: &Path, recipe: &str) -> Option<PathBuf> {
    let (cookbook, name) = recipe.split_once("::").unwrap_or((recipe, "default"));
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !ok(cookbook) || !ok(name) {
        return None;
    }
    let path = cookbooks
        .join(cookbook)
        .join("recipes")
        .join(format!("{name}.rb"));
    path.is_file().then_some(path)
}

/// The built-in recipes, `cookbook::recipe`.
pub fn builtin_recipes() -> Vec<String> {
    stackc_core::cookbooks::FILES
        .iter()
        .filter_map(|(path, _)| {
            let (cookbook, rest) = path.split_once('/')?;
            let recipe = rest.strip_prefix("recipes/")?.strip_suffix(".rb")?;
            (!recipe.contains('/')).then(|| format!("{cookbook}::{recipe}"))
        })
        .collect()
}
