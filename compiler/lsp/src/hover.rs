//! Hover: a node's entry of the schema (what `stackc explain` prints), a
//! property's, and what a value stands for (a layer type, an instance
//! type, a metric, a layer, a recipe, what an environment overrides).

use std::fmt::Write as _;
use std::path::Path;

use stackc_core::schema::{self, Value};
use stackc_core::stdlib;

use crate::document::{self, Document};
use crate::facts;
use crate::place::{self, Role};
use crate::tree::{Node, Word};

/// The hover text at `offset` and the word it is about.
pub fn hover<'d>(doc: &'d Document, offset: usize, fallback: &Path) -> Option<(String, &'d Word)> {
    let tree = doc.tree();
    let (parents, node, role, word) = place::word_at(tree, offset)?;
    let def = place::def(&parents, node);
    let text = match role {
        Role::Name => match def {
            Some((path, def)) => schema::explain(&path, def),
            None => {
                let t = place::layer_type(tree, &parents)?;
                let a = t.attributes.iter().find(|a| a.name == node.name.text)?;
                facts::attribute(t, a)
            }
        },
        Role::Key(key) => {
            let (path, def) = def?;
            let p = def.prop(&key.text)?;
            let mut text = format!(
                "{}={} (on `{}`, in {})",
                p.name,
                p.value.describe(),
                def.name,
                path.join(" > ")
            );
            if !p.doc.is_empty() {
                let _ = write!(text, "\n\n{}", p.doc);
            }
            text
        }
        Role::Arg(index, w) => {
            if node.name.text == "environment" && index == 0 {
                return Some((overrides(node, &w.text), word));
            }
            let (_, def) = def?;
            if index >= def.args.max {
                return None;
            }
            value(doc, def.args.value, &w.text, fallback)?
        }
        Role::Value(key, v) => {
            let (_, def) = def?;
            value(doc, def.prop(&key.text)?.value, &v.text, fallback)?
        }
    };
    Some((text, word))
}

/// What a value of a type stands for, when the stack file or the standard
/// library knows more than its text.
fn value(doc: &Document, ty: Value, text: &str, fallback: &Path) -> Option<String> {
    let std = stdlib::get();
    match ty {
        Value::LayerType => std.layer_types.get(text).map(facts::layer_type),
        Value::InstanceType => std
            .instance_types
            .get(text)
            .map(|t| format!("instance type {}: {}", t.name, facts::instance_size(t))),
        Value::Metric => facts::metric(text),
        Value::Os => facts::os(text),
        Value::Layer => {
            let (_, layer) = place::declared_layers(doc.tree())
                .into_iter()
                .find(|(_, l)| l.arg0().is_some_and(|w| w.text == text))?;
            let ty = layer.prop("type").map_or("?", |t| t.text.as_str());
            let about = std
                .layer_types
                .get(ty)
                .map_or(String::new(), |t| format!("\n\n{}", t.description));
            Some(format!("layer {text}, type {ty}{about}"))
        }
        Value::Recipe => {
            if let Some(file) = doc
                .cookbooks_dir(fallback)
                .and_then(|d| document::recipe_file(&d, text))
            {
                return Some(format!("recipe {text}\n\n{}", file.display()));
            }
            let full = if text.contains("::") {
                text.to_string()
            } else {
                format!("{text}::default")
            };
            document::builtin_recipes()
                .contains(&full)
                .then(|| format!("recipe {full} (built-in)"))
        }
        _ => None,
    }
}

/// What an environment block changes: each node it writes, and for the
/// layers and apps it names, what it sets on them.
fn overrides(env: &Node, name: &str) -> String {
    let mut out = format!("environment {name}: the stack, with these overrides\n\n");
    if env.kids().is_empty() {
        out.push_str("(none: a copy of production)\n");
    }
    for kid in env.kids() {
        let what = kid.arg0().map_or(String::new(), |w| format!(" {}", w.text));
        let new = if kid.prop("type").is_some() {
            " (new)"
        } else {
            ""
        };
        let inner: Vec<&str> = kid.kids().iter().map(|n| n.name.text.as_str()).collect();
        if inner.is_empty() || kid.name.text == "custom-json" {
            let _ = writeln!(out, "  {}{what}{new}", kid.name.text);
        } else {
            let _ = writeln!(out, "  {}{what}{new}: {}", kid.name.text, inner.join(", "));
        }
    }
    out
}
