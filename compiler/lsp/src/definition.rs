//! Go to definition: a layer reference (`on api`, `layer=api`, an
//! environment's `layer api`) to its `layer`, an environment's `app` to the
//! stack's, a secret reference to its `secret`, a recipe to its file.

use std::path::Path;

use lsp_types::{Location, Position, Range, Url};
use stackc_core::schema::Value;

use crate::completion::secrets;
use crate::document::{self, Document};
use crate::place::{self, Role};
use crate::tree::{Node, Tree};

/// The definition of the word at `offset`.
pub fn definition(doc: &Document, offset: usize, fallback: &Path) -> Option<Location> {
    let tree = doc.tree();
    let (parents, node, role, word) = place::word_at(tree, offset)?;
    let in_env = parents.iter().any(|n| n.name.text == "environment");
    let ty = match role {
        Role::Arg(0, _)
            if in_env
                && matches!(node.name.text.as_str(), "layer" | "app")
                && node.prop("type").is_none() =>
        {
            let base = stack_node(tree, &node.name.text, &word.text)?;
            return Some(here(doc, base));
        }
        Role::Arg(index, _) => {
            let (_, def) = place::def(&parents, node)?;
            (index < def.args.max).then_some(def.args.value)?
        }
        Role::Value(key, _) => place::def(&parents, node)?.1.prop(&key.text)?.value,
        Role::Name | Role::Key(_) => return None,
    };
    match ty {
        Value::Layer => {
            let env = parents.iter().find(|n| n.name.text == "environment");
            let layers = place::declared_layers(tree);
            let named = |l: &&&Node| l.arg0().is_some_and(|w| w.text == word.text);
            // An environment's own new layer first, then the stack's.
            let same_env = |e: &Option<&Node>| match (e, env) {
                (Some(a), Some(b)) => std::ptr::eq(*a, *b),
                _ => false,
            };
            let local = layers
                .iter()
                .filter(|(e, _)| same_env(e))
                .map(|(_, l)| l)
                .find(named);
            let base = || {
                layers
                    .iter()
                    .filter(|(e, _)| e.is_none())
                    .map(|(_, l)| l)
                    .find(named)
            };
            let layer = local.or_else(base)?;
            Some(here(doc, layer))
        }
        Value::Secret => {
            let secret = secrets(tree, &parents, node)
                .into_iter()
                .find(|w| w.text == word.text)?;
            Some(Location::new(doc.uri.clone(), doc.word_range(secret)))
        }
        Value::Recipe => {
            let file = document::recipe_file(&doc.cookbooks_dir(fallback)?, &word.text)?;
            let uri = Url::from_file_path(file).ok()?;
            Some(Location::new(
                uri,
                Range::new(Position::new(0, 0), Position::new(0, 0)),
            ))
        }
        _ => None,
    }
}

/// The stack's own node of this kind (`layer`, `app`) and name.
fn stack_node<'t>(tree: &'t Tree, kind: &str, name: &str) -> Option<&'t Node> {
    place::stack(tree)?
        .kids()
        .iter()
        .find(|n| n.name.text == kind && n.arg0().is_some_and(|w| w.text == name))
}

/// A node's name argument in this document.
fn here(doc: &Document, node: &Node) -> Location {
    let w = node.arg0().unwrap_or(&node.name);
    Location::new(doc.uri.clone(), doc.word_range(w))
}
