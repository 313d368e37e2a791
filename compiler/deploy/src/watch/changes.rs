//! What a save changed, and which recipes `stackc watch` runs for it.

use std::path::{Component, Path, PathBuf};

/// One changed path, as the loop sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `cookbooks/<cookbook>/recipes/<recipe>.rb`.
    Recipe {
        /// The cookbook.
        cookbook: String,
        /// The recipe.
        recipe: String,
    },
    /// Anything else of a cookbook: attributes, templates, files,
    /// libraries, resources, its metadata.
    Cookbook(String),
    /// The stack file.
    StackFile,
}

/// What a path under the watched directories is to the loop: `None` for a
/// path it ignores (hidden entries, editors' temporary and swap files,
/// anything outside the cookbooks directory but the stack file).
pub fn classify(cookbooks: &Path, stack_file: &Path, path: &Path) -> Option<Change> {
    if path == stack_file {
        return Some(Change::StackFile);
    }
    let rest = path.strip_prefix(cookbooks).ok()?;
    let parts: Vec<&str> = rest
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if parts.iter().any(|p| is_ignored(p)) {
        return None;
    }
    match parts.as_slice() {
        [] | [_] => None,
        [cookbook, "recipes", file] => match file.strip_suffix(".rb") {
            Some(recipe) if !recipe.is_empty() => Some(Change::Recipe {
                cookbook: (*cookbook).to_string(),
                recipe: recipe.to_string(),
            }),
            _ => Some(Change::Cookbook((*cookbook).to_string())),
        },
        [cookbook, ..] => Some(Change::Cookbook((*cookbook).to_string())),
    }
}

/// A file or directory name no save of a cookbook makes: hidden entries
/// (`.git`, `.#x.rb`, `.x.rb.swp`), Vim's swap and backup files and the
/// `4913` it writes to probe a directory, Emacs's `#x#` and `x~`,
/// JetBrains' `___jb_tmp___`, and `*.tmp`.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [
            ".swp",
            ".swo",
            ".swx",
            ".tmp",
            "___jb_tmp___",
            "___jb_old___",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// The recipes a run goes with, and why they were chosen, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// `cookbook::recipe`, in the order they run.
    pub recipes: Vec<String>,
    /// Why these (or why none), for the terminal.
    pub why: String,
}

/// What the loop knows when it chooses.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// `--recipes`, when given: always these.
    pub given: Option<&'a [String]>,
    /// The recipes of the loop's last run (none before the first).
    pub last: &'a [String],
    /// The watched layer's own recipes (of the cookbooks directory), in the
    /// order its lifecycle events run them.
    pub layer: &'a [String],
}

/// The recipes to run for the changes of one save (a debounced burst):
/// `--recipes` when given; else each changed recipe that still exists
/// (`exists` is asked of each), in the order first saved; for a change
/// elsewhere in a cookbook (an attribute, a template, a library), the last
/// run's recipes when they include one of that cookbook (the loop's usual
/// case: editing the template of the recipe just run), else the layer's
/// own recipes of that cookbook; for the stack file alone (its node JSON
/// is in the bundle), the last run's recipes. None may be left: the
/// bundle is published and nothing runs.
pub fn choose(changes: &[Change], known: Known<'_>, exists: impl Fn(&str, &str) -> bool) -> Choice {
    if let Some(given) = known.given {
        return Choice {
            recipes: given.to_vec(),
            why: "--recipes".into(),
        };
    }
    let mut recipes: Vec<String> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    let push = |r: String, recipes: &mut Vec<String>| {
        if !recipes.contains(&r) {
            recipes.push(r);
        }
    };
    let mut removed = Vec::new();
    for c in changes {
        if let Change::Recipe { cookbook, recipe } = c {
            if exists(cookbook, recipe) {
                push(format!("{cookbook}::{recipe}"), &mut recipes);
            } else {
                removed.push(format!("{cookbook}::{recipe}"));
            }
        }
    }
    if !recipes.is_empty() {
        reasons.push("the recipes saved".into());
    }
    if !removed.is_empty() {
        removed.dedup();
        reasons.push(format!("{} removed, not run", removed.join(", ")));
    }
    let mut cookbooks: Vec<&str> = Vec::new();
    for c in changes {
        if let Change::Cookbook(cb) = c {
            if !cookbooks.contains(&cb.as_str()) {
                cookbooks.push(cb);
            }
        }
    }
    let of = |r: &str, cb: &str| r.split("::").next() == Some(cb);
    for cb in cookbooks {
        if known.last.iter().any(|r| of(r, cb)) {
            for r in known.last {
                push(r.clone(), &mut recipes);
            }
            reasons.push(format!("{cb} changed: the last run's recipes"));
            continue;
        }
        let mine: Vec<&String> = known.layer.iter().filter(|r| of(r, cb)).collect();
        if mine.is_empty() {
            reasons.push(format!(
                "{cb} changed, and the layer runs none of its recipes (name them with --recipes)"
            ));
        } else {
            for r in mine {
                push(r.clone(), &mut recipes);
            }
            reasons.push(format!("{cb} changed: the layer's recipes of it"));
        }
    }
    if changes.contains(&Change::StackFile) && recipes.is_empty() {
        if known.last.is_empty() {
            reasons.push("the stack file changed; no recipe ran yet".into());
        } else {
            recipes.extend(known.last.iter().cloned());
            reasons.push("the stack file changed: the last run's recipes".into());
        }
    }
    Choice {
        recipes,
        why: reasons.join("; "),
    }
}

/// The recipes of the cookbooks directory a layer runs, in the order of
/// its lifecycle events (setup, configure, deploy, undeploy, rollback,
/// shutdown), each once.
pub fn layer_recipes(layer: &stackc_core::ir::Layer) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for recipe in layer.recipes.values().flatten() {
        let name = recipe.run_list_name();
        if recipe.origin == stackc_core::ir::RecipeOrigin::User && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// `path` shown relative to `base` when it is under it.
pub fn relative(base: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
