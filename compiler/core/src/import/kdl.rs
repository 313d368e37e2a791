//! A small builder for the stack files importers write, printed directly in
//! the canonical form of `stackc fmt` (four-space indentation, canonical
//! string spelling, comments on lines of their own), and the inverse of
//! `custom-json`: a JSON tree as KDL nodes that the checker reads back into
//! the same tree.

use serde_json::Value as Json;

use crate::fmt::spell;

/// A value in a node's arguments or properties.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A string, spelled bare or quoted as `stackc fmt` would.
    Str(String),
    /// An integer.
    Int(i64),
    /// A number, written as given (already canonical KDL).
    Num(String),
    /// `#true` or `#false`.
    Bool(bool),
    /// `#null`.
    Null,
}

impl Val {
    /// A string value.
    pub fn s(text: impl Into<String>) -> Self {
        Val::Str(text.into())
    }

    /// A number: an integer when it is whole, else its shortest decimal form.
    pub fn number(n: f64) -> Self {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            Val::Int(n as i64)
        } else {
            Val::Num(format!("{n}"))
        }
    }

    fn text(&self) -> String {
        match self {
            Val::Str(s) => spell(s),
            Val::Int(i) => i.to_string(),
            Val::Num(n) => n.clone(),
            Val::Bool(true) => "#true".into(),
            Val::Bool(false) => "#false".into(),
            Val::Null => "#null".into(),
        }
    }
}

/// A line of a block: a node, a comment, a node commented out with `/-`,
/// or a blank line between paragraphs.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A node.
    Node(Node),
    /// `// text` on a line of its own.
    Comment(String),
    /// `/-node`: kept in the file for the user to finish, ignored by stackc.
    Disabled(Node),
    /// An empty line.
    Blank,
}

/// A KDL node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    name: String,
    args: Vec<Val>,
    props: Vec<(String, Val)>,
    children: Option<Vec<Item>>,
}

impl Node {
    /// A node without entries.
    pub fn new(name: impl Into<String>) -> Self {
        Node {
            name: name.into(),
            args: Vec::new(),
            props: Vec::new(),
            children: None,
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, v: Val) -> Self {
        self.args.push(v);
        self
    }

    /// Adds a string argument.
    pub fn s(self, text: impl Into<String>) -> Self {
        self.arg(Val::s(text))
    }

    /// Adds a property.
    pub fn prop(mut self, key: &str, v: Val) -> Self {
        self.props.push((key.to_string(), v));
        self
    }

    /// Adds a string property.
    pub fn ps(self, key: &str, text: impl Into<String>) -> Self {
        self.prop(key, Val::s(text))
    }

    /// Adds an integer property.
    pub fn pi(self, key: &str, n: i64) -> Self {
        self.prop(key, Val::Int(n))
    }

    /// Gives the node a block (possibly empty).
    pub fn block(mut self, items: Vec<Item>) -> Self {
        self.children = Some(items);
        self
    }

    /// Adds an item to the node's block, creating the block.
    pub fn push(&mut self, item: Item) {
        self.children.get_or_insert_with(Vec::new).push(item);
    }

    /// Adds a child node.
    pub fn child(&mut self, node: Node) {
        self.push(Item::Node(node));
    }

    /// Adds a comment line; a text of several lines gives several comments.
    pub fn comment(&mut self, text: &str) {
        for line in text.lines() {
            self.push(Item::Comment(line.to_string()));
        }
    }
}

/// Prints top-level items in `stackc fmt`'s canonical form.
pub fn print(items: &[Item]) -> String {
    let mut out = String::new();
    print_items(items, 0, &mut out);
    out
}

fn print_items(items: &[Item], depth: usize, out: &mut String) {
    let indent = "    ".repeat(depth);
    // Canonical form: no blank line at the start or end of a block, never two.
    let last = items.iter().rposition(|i| *i != Item::Blank);
    let mut previous_blank = true;
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Blank => {
                if !previous_blank && last.is_some_and(|l| i < l) {
                    out.push('\n');
                }
                previous_blank = true;
                continue;
            }
            Item::Comment(text) => {
                for line in text.split(['\n', '\r']) {
                    let line = comment_text(line);
                    if line.is_empty() {
                        out.push_str(&format!("{indent}//\n"));
                    } else {
                        out.push_str(&format!("{indent}// {line}\n"));
                    }
                }
            }
            Item::Node(node) => print_node(node, depth, "", out),
            Item::Disabled(node) => print_node(node, depth, "/-", out),
        }
        previous_blank = false;
    }
}

/// A comment line holds text from the input files: characters KDL does not
/// allow in a document, and other newlines, become spaces.
fn comment_text(line: &str) -> String {
    let safe: String = line
        .chars()
        .map(|c| {
            let banned = c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}');
            if banned {
                ' '
            } else {
                c
            }
        })
        .collect();
    safe.trim().to_string()
}

fn print_node(node: &Node, depth: usize, prefix: &str, out: &mut String) {
    let indent = "    ".repeat(depth);
    out.push_str(&indent);
    out.push_str(prefix);
    out.push_str(&spell(&node.name));
    for v in &node.args {
        out.push(' ');
        out.push_str(&v.text());
    }
    for (k, v) in &node.props {
        out.push(' ');
        out.push_str(&spell(k));
        out.push('=');
        out.push_str(&v.text());
    }
    match &node.children {
        None => out.push('\n'),
        Some(kids) if kids.iter().all(|k| *k == Item::Blank) => out.push_str(" {}\n"),
        Some(kids) => {
            out.push_str(" {\n");
            print_items(kids, depth + 1, out);
            out.push_str(&indent);
            out.push_str("}\n");
        }
    }
}

/// Why part of a JSON tree could not be written as `custom-json` KDL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lossy {
    /// Where, as a dotted path (`a.b[2]`).
    pub path: String,
    /// What was done instead.
    pub message: String,
}

/// The nodes of a `custom-json` block for a JSON object: the inverse of
/// the checker's KDL → JSON mapping. What KDL cannot express that way is
/// reported (and written as close as it can be).
pub fn json_nodes(object: &serde_json::Map<String, Json>) -> (Vec<Item>, Vec<Lossy>) {
    let mut lossy = Vec::new();
    let items = object_items(object, "", &mut lossy);
    (items, lossy)
}

fn object_items(
    object: &serde_json::Map<String, Json>,
    path: &str,
    lossy: &mut Vec<Lossy>,
) -> Vec<Item> {
    let mut items = Vec::new();
    for (key, value) in object {
        let here = join(path, key);
        if key == "-" {
            lossy.push(Lossy {
                path: here,
                message: "a key named `-` reads as an array item in custom-json; left out".into(),
            });
            continue;
        }
        items.push(Item::Node(keyed(
            Node::new(key.clone()),
            value,
            &here,
            lossy,
        )));
    }
    items
}

/// `node` holding `value`: one argument for a scalar, several for an array
/// of two or more scalars, a block for objects and other arrays.
fn keyed(node: Node, value: &Json, path: &str, lossy: &mut Vec<Lossy>) -> Node {
    match value {
        Json::Object(map) => node.block(object_items(map, path, lossy)),
        Json::Array(items) if items.len() >= 2 && items.iter().all(is_scalar) => items
            .iter()
            .fold(node, |n, v| n.arg(scalar(v, path, lossy))),
        Json::Array(items) if items.is_empty() => {
            lossy.push(Lossy {
                path: path.to_string(),
                message: "custom-json cannot express an empty array; written as an empty object"
                    .into(),
            });
            node.block(Vec::new())
        }
        Json::Array(items) => {
            let mut kids = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let here = format!("{path}[{i}]");
                kids.push(Item::Node(array_item(item, &here, lossy)));
            }
            node.block(kids)
        }
        v => node.arg(scalar(v, path, lossy)),
    }
}

/// One `-` item of an array.
fn array_item(value: &Json, path: &str, lossy: &mut Vec<Lossy>) -> Node {
    let dash = Node::new("-");
    match value {
        // An item without arguments is always an object, so only arrays of
        // two or more scalars can nest.
        Json::Array(items) if !(items.len() >= 2 && items.iter().all(is_scalar)) => {
            lossy.push(Lossy {
                path: path.to_string(),
                message: "custom-json nests only arrays of two or more plain values in arrays; this one is written as an object keyed by position".into(),
            });
            let by_position: serde_json::Map<String, Json> = items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect();
            dash.block(object_items(&by_position, path, lossy))
        }
        v => keyed(dash, v, path, lossy),
    }
}

fn is_scalar(v: &Json) -> bool {
    !matches!(v, Json::Array(_) | Json::Object(_))
}

fn scalar(v: &Json, path: &str, lossy: &mut Vec<Lossy>) -> Val {
    match v {
        Json::Null => Val::Null,
        Json::Bool(b) => Val::Bool(*b),
        Json::String(s) => Val::Str(s.clone()),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Val::Int(i),
            None if n.is_u64() => {
                lossy.push(Lossy {
                    path: path.to_string(),
                    message: format!(
                        "{n} is above the largest integer custom-json keeps as a number; it becomes a string"
                    ),
                });
                Val::Num(n.to_string())
            }
            // serde_json writes `1e+20`; `stackc fmt` writes `1e20`.
            None => Val::Num(n.to_string().replace("e+", "e")),
        },
        // Arrays and objects never reach here.
        _ => Val::Null,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
