//! A layer's attributes, set in its node JSON.

use crate::check::Checker;
use crate::diag::{did_you_mean, Code, Diagnostic};
use crate::schema::nodes;
use crate::stdlib::{AttributeType, LayerType};
use crate::syntax::Node;

/// Sets `a.b.c` in a JSON object tree.
pub(super) fn set_path(root: &mut serde_json::Value, path: &str, value: serde_json::Value) {
    let mut cur = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !cur.is_object() {
            *cur = serde_json::Value::Object(Default::default());
        }
        let map = cur.as_object_mut().expect("just made an object");
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        cur = map
            .entry(part.to_string())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
    }
}

impl Checker<'_> {
    pub(super) fn attribute(
        &mut self,
        node: &Node,
        ty: &LayerType,
        attributes: &mut serde_json::Value,
        in_block: bool,
    ) {
        let Some(spec) = ty.attributes.iter().find(|a| a.name == node.name) else {
            let mut accepted: Vec<&str> = if in_block {
                Vec::new()
            } else {
                nodes::LAYER.kid_names()
            };
            accepted.extend(ty.attributes.iter().map(|a| a.name.as_str()));
            let place = if in_block {
                format!("`attributes` of a {} layer", ty.name)
            } else {
                format!("a {} layer", ty.name)
            };
            self.unknown_node(node, &place, &accepted);
            return;
        };
        self.shape(node, &nodes::ATTRIBUTE);
        let Some(v) = self.arg(node, 0, "a value") else {
            return;
        };
        let value = match &spec.ty {
            AttributeType::String => self
                .string(v, &spec.name)
                .filter(|text| self.attribute_text(v, &spec.name, text))
                .map(serde_json::Value::from),
            AttributeType::Boolean => self.boolean(v, &spec.name).map(serde_json::Value::from),
            AttributeType::Integer { min, max } => self
                .int(v, &spec.name, *min, *max)
                .map(serde_json::Value::from),
            AttributeType::Size { unit_bytes } => {
                self.size(v, &spec.name).map(|b| (b / unit_bytes).into())
            }
            AttributeType::Duration => self.duration(v, &spec.name).map(serde_json::Value::from),
            AttributeType::Enum { values } => self.string(v, &spec.name).and_then(|s| {
                if values.iter().any(|x| x == s) {
                    return Some(s.into());
                }
                let names: Vec<&str> = values.iter().map(String::as_str).collect();
                self.push(
                    Diagnostic::error(
                        Code::WrongType,
                        v.span,
                        format!("`{s}` is not a value of {}", spec.name),
                    )
                    .help(did_you_mean(s, &names)),
                );
                None
            }),
        };
        if let Some(value) = value {
            set_path(attributes, &spec.json, value);
        }
    }
}
