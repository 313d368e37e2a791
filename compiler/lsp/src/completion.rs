//! Completion in context: the nodes the schema accepts at the cursor, a
//! node's properties, and the values of the slot being typed (layer types,
//! instance types, operating systems, regions, metrics, layers, secrets,
//! recipes).

use std::path::Path;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, InsertTextFormat,
    MarkupContent, MarkupKind, TextEdit,
};
use stackc_core::schema::{NodeDef, Value};
use stackc_core::stdlib::{self, AttributeType, LayerType};

use crate::document::{self, Document};
use crate::facts;
use crate::place::{self, Parents, Slot};
use crate::tree::{Node, Tree, Word};

/// The completions at `offset`.
pub fn complete(doc: &Document, offset: usize, fallback: &Path) -> Vec<CompletionItem> {
    let tree = doc.tree();
    if tree.in_comment(offset) {
        return Vec::new();
    }
    let (parents, slot) = place::slot(tree, offset);
    let mut out = Vec::new();
    let cx = |node| Cx {
        tree,
        parents: &parents,
        node,
        doc,
        fallback,
    };
    let (word, candidates) = match slot {
        Slot::NodeName(word) => (word, node_names(tree, &parents, word)),
        Slot::Entry { node, word, index } => {
            let cx = cx(node);
            let mut c = entry_values(&cx, index);
            // Inside a string only a value fits.
            if word.is_none_or(|w| !w.quoted) {
                c.extend(property_names(&cx));
            }
            (word, c)
        }
        Slot::Value { node, key, value } => {
            let cx = cx(node);
            let value_type = place::def(&parents, node)
                .and_then(|(_, def)| def.prop(&key.text))
                .map(|p| p.value);
            (
                value,
                value_type.map(|v| values(&cx, v)).unwrap_or_default(),
            )
        }
    };
    let range = match word {
        Some(w) => doc.word_range(w),
        None => doc.range(offset, offset),
    };
    let quoted = word.is_some_and(|w| w.quoted);
    for (i, c) in candidates.into_iter().enumerate() {
        let text = if quoted && c.kind != CompletionItemKind::PROPERTY {
            format!("\"{}\"", c.label)
        } else {
            c.insert.clone().unwrap_or_else(|| c.label.clone())
        };
        out.push(CompletionItem {
            label: c.label.clone(),
            kind: Some(c.kind),
            detail: c.detail,
            documentation: c.doc.map(|d| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: d,
                })
            }),
            sort_text: Some(format!("{:05}", i)),
            filter_text: Some(if quoted {
                format!("\"{}", c.label)
            } else {
                c.label
            }),
            insert_text_format: Some(InsertTextFormat::PLAIN_TEXT),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, text))),
            ..CompletionItem::default()
        });
    }
    out
}

/// A candidate before it becomes a `CompletionItem`.
struct Candidate {
    label: String,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
    /// What to insert when it is not the label.
    insert: Option<String>,
}

impl Candidate {
    fn new(label: impl Into<String>, kind: CompletionItemKind) -> Self {
        Candidate {
            label: label.into(),
            kind,
            detail: None,
            doc: None,
            insert: None,
        }
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn doc(mut self, doc: impl Into<String>) -> Self {
        let doc = doc.into();
        if !doc.is_empty() {
            self.doc = Some(doc);
        }
        self
    }
}

/// What the values of a slot depend on.
struct Cx<'a> {
    tree: &'a Tree,
    parents: &'a Parents<'a>,
    node: &'a Node,
    doc: &'a Document,
    fallback: &'a Path,
}

/// The nodes the block at the cursor accepts; those given at most once and
/// already written are left out.
fn node_names(tree: &Tree, parents: &[&Node], typing: Option<&Word>) -> Vec<Candidate> {
    let Some(block) = place::block(tree, parents) else {
        return Vec::new();
    };
    let siblings = match parents.last() {
        Some(p) => p.kids(),
        None => &tree.nodes[..],
    };
    let written = |name: &str| {
        siblings
            .iter()
            .any(|n| n.name.text == name && typing.is_none_or(|w| !std::ptr::eq(w, &n.name)))
    };
    let mut out: Vec<Candidate> = block
        .kids
        .nodes
        .iter()
        .filter(|d| !(d.once && written(d.name)))
        .map(node_candidate)
        .collect();
    if let Some(t) = block.layer_type {
        for a in &t.attributes {
            if !written(&a.name) {
                out.push(
                    Candidate::new(&a.name, CompletionItemKind::FIELD)
                        .detail(format!("{} attribute", t.name))
                        .doc(facts::attribute_type(a)),
                );
            }
        }
    }
    out
}

fn node_candidate(def: &'static NodeDef) -> Candidate {
    let c = Candidate::new(def.name, CompletionItemKind::KEYWORD).doc(def.doc);
    if def.syntax.is_empty() {
        c
    } else {
        c.detail(def.syntax)
    }
}

/// The properties of the node at the cursor not written yet, as `key=`.
fn property_names(cx: &Cx) -> Vec<Candidate> {
    let Some((_, def)) = place::def(cx.parents, cx.node) else {
        return Vec::new();
    };
    def.props
        .iter()
        .filter(|p| cx.node.prop(p.name).is_none())
        .map(|p| {
            let mut c = Candidate::new(p.name, CompletionItemKind::PROPERTY)
                .detail(p.value.describe())
                .doc(p.doc);
            c.insert = Some(format!("{}=", p.name));
            c
        })
        .collect()
}

/// The values of the argument at `index` of the node at the cursor.
fn entry_values(cx: &Cx, index: usize) -> Vec<Candidate> {
    if let Some((_, def)) = place::def(cx.parents, cx.node) {
        if index < def.args.max {
            return values(cx, def.args.value);
        }
        return Vec::new();
    }
    // A layer type's attribute.
    let Some(t) = place::layer_type(cx.tree, cx.parents) else {
        return Vec::new();
    };
    let Some(a) = t.attributes.iter().find(|a| a.name == cx.node.name.text) else {
        return Vec::new();
    };
    match &a.ty {
        AttributeType::Boolean if index == 0 => bools(),
        AttributeType::Enum { values } if index == 0 => values
            .iter()
            .map(|v| Candidate::new(v, CompletionItemKind::ENUM_MEMBER))
            .collect(),
        _ => Vec::new(),
    }
}

fn bools() -> Vec<Candidate> {
    ["#true", "#false"]
        .into_iter()
        .map(|b| Candidate::new(b, CompletionItemKind::KEYWORD))
        .collect()
}

/// The values of a type.
fn values(cx: &Cx, value: Value) -> Vec<Candidate> {
    let std = stdlib::get();
    match value {
        Value::OneOf(words) => words
            .iter()
            .map(|w| Candidate::new(*w, CompletionItemKind::ENUM_MEMBER))
            .collect(),
        Value::Bool => bools(),
        Value::Region => std
            .regions
            .iter()
            .map(|r| Candidate::new(r, CompletionItemKind::VALUE).detail("AWS region"))
            .collect(),
        Value::Os => std
            .os
            .values()
            .map(|o| {
                Candidate::new(&o.name, CompletionItemKind::VALUE)
                    .detail(format!("{} family", o.family.name()))
            })
            .collect(),
        Value::InstanceType => std
            .instance_types
            .values()
            .map(|t| {
                Candidate::new(&t.name, CompletionItemKind::VALUE).detail(facts::instance_size(t))
            })
            .collect(),
        Value::LayerType => std.layer_types.values().map(layer_type_candidate).collect(),
        Value::Metric => std
            .metrics
            .iter()
            .map(|m| {
                Candidate::new(&m.name, CompletionItemKind::VALUE)
                    .detail(&m.description)
                    .doc(format!("CloudWatch `{}` `{}`", m.namespace, m.metric_name))
            })
            .collect(),
        Value::Layer => layers(cx),
        Value::Secret => secrets(cx.tree, cx.parents, cx.node)
            .into_iter()
            .map(|w| Candidate::new(&w.text, CompletionItemKind::CONSTANT).detail("app secret"))
            .collect(),
        Value::Recipe => recipes(cx),
        _ => Vec::new(),
    }
}

fn layer_type_candidate(t: &LayerType) -> Candidate {
    Candidate::new(&t.name, CompletionItemKind::CLASS)
        .detail(&t.description)
        .doc(format!("```text\n{}```", facts::layer_type(t)))
}

/// The layers the file declares, but the one the cursor is in (a layer is
/// not `on` itself).
fn layers(cx: &Cx) -> Vec<Candidate> {
    let own = cx
        .parents
        .iter()
        .rev()
        .find(|n| n.name.text == "layer")
        .and_then(|l| l.arg0())
        .map(|w| w.text.as_str());
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for (_, layer) in place::declared_layers(cx.tree) {
        let Some(name) = layer.arg0() else { continue };
        if Some(name.text.as_str()) == own || seen.contains(&name.text.as_str()) {
            continue;
        }
        seen.push(&name.text);
        let ty = layer.prop("type").map_or("", |t| t.text.as_str());
        out.push(
            Candidate::new(&name.text, CompletionItemKind::REFERENCE)
                .detail(format!("layer, {ty}")),
        );
    }
    out
}

/// The secrets of the app around the cursor: its own, and in an
/// environment those of the stack's app it overrides.
pub fn secrets<'t>(tree: &'t Tree, parents: &[&'t Node], node: &'t Node) -> Vec<&'t Word> {
    let app = if node.name.text == "app" {
        Some(node)
    } else {
        parents.iter().rev().find(|n| n.name.text == "app").copied()
    };
    let Some(app) = app else { return Vec::new() };
    let mut out: Vec<&Word> = secret_nodes(app).filter_map(Node::arg0).collect();
    let in_environment = parents.iter().any(|n| n.name.text == "environment");
    if let (true, Some(name)) = (in_environment, app.arg0()) {
        let base = place::stack(tree)
            .map_or(&[][..], Node::kids)
            .iter()
            .find(|n| n.name.text == "app" && n.arg0().is_some_and(|w| w.text == name.text));
        for w in base
            .into_iter()
            .flat_map(secret_nodes)
            .filter_map(Node::arg0)
        {
            if !out.iter().any(|o| o.text == w.text) {
                out.push(w);
            }
        }
    }
    out
}

fn secret_nodes(app: &Node) -> impl Iterator<Item = &Node> {
    app.kids().iter().filter(|n| n.name.text == "secret")
}

/// The recipes of the stack's cookbooks directory, then the built-in ones.
fn recipes(cx: &Cx) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Some(dir) = cx.doc.cookbooks_dir(cx.fallback) {
        for (name, file) in document::user_recipes(&dir) {
            out.push(
                Candidate::new(name, CompletionItemKind::FUNCTION)
                    .detail(file.display().to_string()),
            );
        }
    }
    for name in document::builtin_recipes() {
        if !out.iter().any(|c| c.label == name) {
            out.push(Candidate::new(name, CompletionItemKind::FUNCTION).detail("built-in recipe"));
        }
    }
    out
}
