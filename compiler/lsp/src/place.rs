//! Where an offset is in the tolerant tree: which nodes enclose it, which
//! word it touches and what that word is to its node, and which schema
//! entry (`stackc_core::schema`) describes each of them.

use stackc_core::schema::{self, Block, Kids, NodeDef};
use stackc_core::stdlib::{self, LayerType};

use crate::tree::{Entry, Node, Tree, Word};

/// The nodes whose blocks hold an offset, outermost first.
pub type Parents<'t> = Vec<&'t Node>;

/// What the cursor is on, for completion.
#[derive(Debug)]
pub enum Slot<'t> {
    /// A node's name: a new node (no word yet) or the one being typed.
    NodeName(Option<&'t Word>),
    /// An entry of `node`: a new argument or property key, or the word being typed.
    Entry {
        /// The node.
        node: &'t Node,
        /// The word under the cursor, if any.
        word: Option<&'t Word>,
        /// How many arguments come before it.
        index: usize,
    },
    /// The value of a property of `node`.
    Value {
        /// The node.
        node: &'t Node,
        /// The key.
        key: &'t Word,
        /// The value written so far.
        value: Option<&'t Word>,
    },
}

/// What a word under the cursor is, for hover, definitions and renames.
#[derive(Debug, Clone, Copy)]
pub enum Role<'t> {
    /// The node's name.
    Name,
    /// An argument, by position.
    Arg(usize, &'t Word),
    /// A property key.
    Key(&'t Word),
    /// A property value, with its key.
    Value(&'t Word, &'t Word),
}

/// The slot at `offset`, with the nodes around it.
pub fn slot(tree: &Tree, offset: usize) -> (Parents<'_>, Slot<'_>) {
    let mut parents = Vec::new();
    let mut nodes = &tree.nodes[..];
    'down: loop {
        for n in nodes {
            if let Some(b) = &n.block {
                if b.contains(offset) {
                    parents.push(n);
                    nodes = &b.nodes;
                    continue 'down;
                }
            }
        }
        let Some(node) = nodes
            .iter()
            .find(|n| n.name.start <= offset && offset <= n.head_end)
        else {
            return (parents, Slot::NodeName(None));
        };
        if offset <= node.name.end {
            return (parents, Slot::NodeName(Some(&node.name)));
        }
        let mut index = 0;
        for e in &node.entries {
            match e {
                Entry::Arg(w) if w.start <= offset && offset <= w.end => {
                    return (
                        parents,
                        Slot::Entry {
                            node,
                            word: Some(w),
                            index,
                        },
                    );
                }
                Entry::Arg(w) => {
                    if w.end < offset {
                        index += 1;
                    }
                }
                Entry::Prop { key, .. } if key.start <= offset && offset <= key.end => {
                    return (
                        parents,
                        Slot::Entry {
                            node,
                            word: Some(key),
                            index,
                        },
                    );
                }
                Entry::Prop { key, eq_end, value }
                    if *eq_end <= offset && value.as_ref().is_none_or(|v| offset <= v.end) =>
                {
                    return (
                        parents,
                        Slot::Value {
                            node,
                            key,
                            value: value.as_ref(),
                        },
                    );
                }
                Entry::Prop { .. } => {}
            }
        }
        return (
            parents,
            Slot::Entry {
                node,
                word: None,
                index,
            },
        );
    }
}

/// The word at `offset` (touching it, at either end), its node, that node's
/// parents and what the word is to the node.
pub fn word_at(tree: &Tree, offset: usize) -> Option<(Parents<'_>, &Node, Role<'_>, &Word)> {
    let (parents, slot) = slot(tree, offset);
    match slot {
        Slot::NodeName(Some(w)) => {
            let siblings = match parents.last() {
                Some(p) => p.kids(),
                None => &tree.nodes,
            };
            let node = siblings.iter().find(|n| std::ptr::eq(&n.name, w))?;
            Some((parents, node, Role::Name, w))
        }
        Slot::NodeName(None) => None,
        Slot::Entry {
            node,
            word: Some(w),
            index,
        } => {
            let is_key = node
                .entries
                .iter()
                .any(|e| matches!(e, Entry::Prop { key, .. } if std::ptr::eq(key, w)));
            let role = if is_key {
                Role::Key(w)
            } else {
                Role::Arg(index, w)
            };
            Some((parents, node, role, w))
        }
        Slot::Entry { word: None, .. } => None,
        Slot::Value {
            node,
            key,
            value: Some(v),
        } => Some((parents, node, Role::Value(key, v), v)),
        Slot::Value { value: None, .. } => None,
    }
}

/// What the schema says of a block: its nodes, or for a layer's block also
/// its type's attributes.
pub struct BlockDef {
    /// The schema's nodes there.
    pub kids: &'static Kids,
    /// The layer type whose attributes may be written there.
    pub layer_type: Option<&'static LayerType>,
}

/// The schema entries of `parents`, outermost first: `None` past a node the
/// schema does not know or inside `custom-json`.
pub fn defs(parents: &[&Node]) -> Option<Vec<&'static NodeDef>> {
    let mut kids: &'static Kids = &schema::FILE;
    let mut out = Vec::new();
    for p in parents {
        let def = kids.nodes.iter().find(|d| d.name == p.name.text)?;
        out.push(def);
        kids = def.kids()?;
    }
    Some(out)
}

/// The block that holds the nodes below `parents`, or `None` where the
/// schema says nothing (custom-json, attributes' values, unknown nodes).
pub fn block(tree: &Tree, parents: &[&Node]) -> Option<BlockDef> {
    let defs = defs(parents)?;
    let kids = match defs.last() {
        None => &schema::FILE,
        Some(d) => match &d.block {
            Block::Optional(k) | Block::Required(k) => k,
            Block::None | Block::Json => return None,
        },
    };
    let layer_type = if kids.attributes {
        layer_type(tree, parents)
    } else {
        None
    };
    Some(BlockDef { kids, layer_type })
}

/// The schema entry of `node`, whose parents are `parents`.
pub fn def(parents: &[&Node], node: &Node) -> Option<(Vec<&'static str>, &'static NodeDef)> {
    let defs = defs(parents)?;
    let kids: &'static Kids = match defs.last() {
        None => &schema::FILE,
        Some(d) => d.kids()?,
    };
    let def = kids.nodes.iter().find(|d| d.name == node.name.text)?;
    let mut path: Vec<&'static str> = defs.iter().map(|d| d.name).collect();
    path.push(def.name);
    Some((path, def))
}

/// The type of the nearest `layer` among `parents`: its `type=`, or in an
/// environment that of the stack's layer of the same name.
pub fn layer_type(tree: &Tree, parents: &[&Node]) -> Option<&'static LayerType> {
    let layer = parents.iter().rev().find(|n| n.name.text == "layer")?;
    let ty = match layer.prop("type") {
        Some(t) => t.text.clone(),
        None => {
            let name = &layer.arg0()?.text;
            stack_layers(tree)
                .find(|l| l.arg0().is_some_and(|w| &w.text == name))?
                .prop("type")?
                .text
                .clone()
        }
    };
    stdlib::get().layer_types.get(&ty)
}

/// The file's `stack` node.
pub fn stack(tree: &Tree) -> Option<&Node> {
    tree.nodes.iter().find(|n| n.name.text == "stack")
}

/// The stack's own `layer` nodes (not its environments').
pub fn stack_layers(tree: &Tree) -> impl Iterator<Item = &Node> {
    stack(tree)
        .map_or(&[][..], Node::kids)
        .iter()
        .filter(|n| n.name.text == "layer")
}

/// Every layer the file declares: the stack's, and the environments' new
/// ones (with `type=`), with the environment that declares each.
pub fn declared_layers(tree: &Tree) -> Vec<(Option<&Node>, &Node)> {
    let mut out: Vec<(Option<&Node>, &Node)> = stack_layers(tree).map(|l| (None, l)).collect();
    for env in environments(tree) {
        for l in env.kids() {
            if l.name.text == "layer" && l.prop("type").is_some() {
                out.push((Some(env), l));
            }
        }
    }
    out
}

/// The stack's `environment` nodes.
pub fn environments(tree: &Tree) -> impl Iterator<Item = &Node> {
    stack(tree)
        .map_or(&[][..], Node::kids)
        .iter()
        .filter(|n| n.name.text == "environment")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::read;

    fn at(text: &str) -> (String, usize) {
        let offset = text.find('|').unwrap();
        (text.replace('|', ""), offset)
    }

    #[test]
    fn slots() {
        let (text, o) = at("stack s {\n    layer web type=php-app {\n        inst|\n    }\n}");
        let tree = read(&text);
        let (parents, slot) = slot(&tree, o);
        assert_eq!(parents.len(), 2);
        assert!(matches!(slot, Slot::NodeName(Some(w)) if w.text == "inst"));

        let (text, o) = at("stack s {\n    layer web type=|");
        let tree = read(&text);
        let (_, slot) = super::slot(&tree, o);
        assert!(matches!(slot, Slot::Value { key, value: None, .. } if key.text == "type"));

        let (text, o) = at("stack s {\n    layer web type=php-app {\n        on |\n    }\n}");
        let tree = read(&text);
        let (_, slot) = super::slot(&tree, o);
        assert!(
            matches!(slot, Slot::Entry { node, word: None, index: 0 } if node.name.text == "on")
        );

        let (text, o) = at("stack s {\n|\n}");
        let tree = read(&text);
        let (parents, slot) = super::slot(&tree, o);
        assert_eq!(parents.len(), 1);
        assert!(matches!(slot, Slot::NodeName(None)));
    }

    #[test]
    fn block_defs_follow_the_schema() {
        let text = "stack s {\n layer web type=memcached { scaling { x } }\n environment t { layer web { m } }\n custom-json { a { b } }\n}";
        let tree = read(text);
        let stack = &tree.nodes[0];
        let layer = &stack.kids()[0];
        let b = block(&tree, &[stack, layer]).unwrap();
        assert!(b.kids.nodes.iter().any(|d| d.name == "scaling"));
        assert_eq!(b.layer_type.unwrap().name, "memcached");
        let scaling = &layer.kids()[0];
        let b = block(&tree, &[stack, layer, scaling]).unwrap();
        assert!(b.kids.nodes.iter().any(|d| d.name == "load"));
        // In an environment, the layer's type is the stack's layer's.
        let env = &stack.kids()[1];
        let env_layer = &env.kids()[0];
        let b = block(&tree, &[stack, env, env_layer]).unwrap();
        assert_eq!(b.layer_type.unwrap().name, "memcached");
        let json = &stack.kids()[2];
        assert!(block(&tree, &[stack, json]).is_none());
    }
}
