//! Renaming a layer or an app: its declarations (the stack's, and the
//! environments' overrides of it) and, for a layer, every value the schema
//! types as a layer (`on`, `layer=`).

use stackc_core::schema::{self, Kids, Value};

use crate::place::{self, Role};
use crate::tree::{Node, Tree, Word};

/// What is renamed.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The layer of this name.
    Layer(String),
    /// The app of this name.
    App(String),
}

/// The layer or app named by the word at `offset`, and that word.
pub fn target(tree: &Tree, offset: usize) -> Option<(Target, &Word)> {
    let (parents, node, role, word) = place::word_at(tree, offset)?;
    let at_top = parents
        .last()
        .is_some_and(|p| matches!(p.name.text.as_str(), "stack" | "environment"));
    match role {
        Role::Arg(0, _) if at_top && node.name.text == "layer" => {
            Some((Target::Layer(word.text.clone()), word))
        }
        Role::Arg(0, _) if at_top && node.name.text == "app" => {
            Some((Target::App(word.text.clone()), word))
        }
        Role::Arg(index, _) => {
            let (_, def) = place::def(&parents, node)?;
            (index < def.args.max && def.args.value == Value::Layer)
                .then(|| (Target::Layer(word.text.clone()), word))
        }
        Role::Value(key, _) => {
            let (_, def) = place::def(&parents, node)?;
            (def.prop(&key.text)?.value == Value::Layer)
                .then(|| (Target::Layer(word.text.clone()), word))
        }
        Role::Name | Role::Key(_) => None,
    }
}

/// Every word of the file that names `target`, in file order.
pub fn references<'t>(tree: &'t Tree, target: &Target) -> Vec<&'t Word> {
    let mut out = Vec::new();
    walk(&tree.nodes, &schema::FILE, false, target, &mut out);
    out.sort_by_key(|w| w.start);
    out
}

fn walk<'t>(
    nodes: &'t [Node],
    kids: &'static Kids,
    declares: bool,
    target: &Target,
    out: &mut Vec<&'t Word>,
) {
    for n in nodes {
        let (kind, name) = match target {
            Target::Layer(name) => ("layer", name),
            Target::App(name) => ("app", name),
        };
        if declares && n.name.text == kind {
            if let Some(w) = n.arg0().filter(|w| &w.text == name) {
                out.push(w);
            }
        }
        let Some(def) = kids.nodes.iter().find(|d| d.name == n.name.text) else {
            continue;
        };
        if let Target::Layer(name) = target {
            if def.args.value == Value::Layer {
                out.extend(n.args().take(def.args.max).filter(|w| &w.text == name));
            }
            for e in &n.entries {
                if let crate::tree::Entry::Prop {
                    key,
                    value: Some(v),
                    ..
                } = e
                {
                    let typed = def.prop(&key.text).is_some_and(|p| p.value == Value::Layer);
                    if typed && &v.text == name {
                        out.push(v);
                    }
                }
            }
        }
        if let Some(k) = def.kids() {
            let declares = matches!(def.name, "stack" | "environment");
            walk(n.kids(), k, declares, target, out);
        }
    }
}

/// How a new name is written: bare, unless it was quoted or KDL would read
/// the bare word as something else.
pub fn spelling(old: &Word, new: &str) -> String {
    let keyword = matches!(new, "true" | "false" | "null" | "inf" | "nan" | "-inf");
    if old.quoted || keyword {
        format!("\"{new}\"")
    } else {
        new.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::read;

    #[test]
    fn finds_every_reference_of_a_layer() {
        let text = "stack s {\n layer api type=nodejs-app\n layer cache type=memcached { on api }\n app api type=nodejs layer=api { }\n environment t { layer api { }\n app api { } }\n custom-json { layer api }\n}";
        let tree = read(text);
        let at = text.find("on api").unwrap() + 4;
        let (target, _) = target(&tree, at).unwrap();
        assert_eq!(target, Target::Layer("api".into()));
        let refs: Vec<usize> = references(&tree, &target).iter().map(|w| w.start).collect();
        let want: Vec<usize> = ["layer api type", "on api", "layer=api", "layer api {"]
            .iter()
            .map(|s| text.find(s).unwrap() + s.find("api").unwrap())
            .collect();
        assert_eq!(refs, want);
        let app = text.find("app api type").unwrap() + 4;
        let (target, _) = super::target(&tree, app).unwrap();
        assert_eq!(target, Target::App("api".into()));
        assert_eq!(references(&tree, &target).len(), 2);
    }
}
