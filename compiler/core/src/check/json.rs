//! `custom-json { ... }`: any KDL turned into a JSON tree.

use serde_json::{Map, Value as Json};

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::syntax::{Node, Value, ValueKind};

impl Checker<'_> {
    /// Converts the children of a `custom-json` block into a JSON object.
    pub(super) fn custom_json(&mut self, kids: &[Node]) -> Json {
        Json::Object(self.json_object(kids))
    }

    fn json_object(&mut self, kids: &[Node]) -> Map<String, Json> {
        let mut map = Map::new();
        let mut first_of = std::collections::HashMap::new();
        for kid in kids {
            if let Some(first) = super::read::first_under(&mut first_of, kid.name.as_str(), kid) {
                self.push(
                    Diagnostic::error(
                        Code::BadCustomJson,
                        kid.name_span,
                        format!("key `{}` is given twice", kid.name),
                    )
                    .label("again here")
                    .related(first.name_span, "first here")
                    .help("merge the two, or use `-` items for an array"),
                );
                continue;
            }
            if let Some(v) = self.json_node(kid) {
                map.insert(kid.name.to_string(), v);
            }
        }
        map
    }

    fn json_node(&mut self, node: &Node) -> Option<Json> {
        let has_block = node.children.as_ref().is_some_and(|k| !k.is_empty());
        if !node.args.is_empty() && (has_block || !node.props.is_empty()) {
            self.push(
                Diagnostic::error(
                    Code::BadCustomJson,
                    node.name_span,
                    format!("`{}` has both a value and fields", node.name),
                )
                .help("a JSON key holds a value (arguments) or an object (properties and a block), not both"),
            );
            return None;
        }
        if let Some(span) = node.annotation {
            self.push(
                Diagnostic::error(
                    Code::TypeAnnotation,
                    span,
                    "type annotations are not used in stack files",
                )
                .help("remove the `(...)` annotation"),
            );
        }
        match node.args.len() {
            1 => return Some(json_value(&node.args[0])),
            n if n > 1 => return Some(Json::Array(node.args.iter().map(json_value).collect())),
            _ => {}
        }
        let kids = node.kids();
        if !kids.is_empty() && kids.iter().all(|k| k.name == "-") {
            let items = kids
                .iter()
                .filter_map(|k| match k.args.len() {
                    0 => Some(Json::Object(self.json_fields(k))),
                    _ => self.json_node(k),
                })
                .collect();
            return Some(Json::Array(items));
        }
        if kids.iter().any(|k| k.name == "-") {
            self.push(
                Diagnostic::error(
                    Code::BadCustomJson,
                    node.name_span,
                    format!("`{}` mixes `-` array items with named keys", node.name),
                )
                .help("use only `-` items (an array) or only named keys (an object)"),
            );
            return None;
        }
        if node.children.is_none() && node.props.is_empty() {
            return Some(Json::Null);
        }
        Some(Json::Object(self.json_fields(node)))
    }

    fn json_fields(&mut self, node: &Node) -> Map<String, Json> {
        let mut map = Map::new();
        for p in &node.props {
            map.insert(p.key.to_string(), json_value(&p.value));
        }
        for (k, v) in self.json_object(node.kids()) {
            map.insert(k, v);
        }
        map
    }
}

fn json_value(v: &Value) -> Json {
    match &v.kind {
        ValueKind::String(s) => Json::String(s.to_string()),
        ValueKind::Integer(i) => i64::try_from(i.get())
            .map(Json::from)
            .unwrap_or_else(|_| Json::String(i.to_string())),
        ValueKind::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        ValueKind::Bool(b) => Json::Bool(*b),
        ValueKind::Null => Json::Null,
    }
}

/// Deep-merges `over` into `base`: objects merge key by key, anything else
/// (arrays included) is replaced.
pub fn deep_merge(base: &mut Json, over: &Json) {
    match (base, over) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}
