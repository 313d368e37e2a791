//! Reading nodes with diagnostics: expected entries, typed values, required
//! children. Every helper reports what is wrong and returns `None` for it.

use std::collections::HashMap;

use super::Checker;
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::schema::{self, Block, Kids, NodeDef};
use crate::syntax::{Node, Prop, Value, ValueKind};
use crate::units;

/// A value as KDL writes it (a string as `stackc fmt` spells it).
fn literal(v: &ValueKind) -> String {
    match v {
        ValueKind::String(s) => crate::fmt::values::spell(s),
        ValueKind::Integer(i) => i.to_string(),
        ValueKind::Float(f) => f.to_string(),
        ValueKind::Bool(b) => format!("#{b}"),
        ValueKind::Null => "#null".into(),
    }
}

impl Checker<'_> {
    /// Checks a node's shape against its entry in the schema: annotations,
    /// arguments, properties, its block (none, or one that must be written),
    /// repeated nodes of its block that may appear once, and nodes its
    /// block does not hold. Returns its block's nodes.
    pub(super) fn shape<'n, 's>(
        &mut self,
        node: &'n Node<'s>,
        def: &'static NodeDef,
    ) -> &'n [Node<'s>] {
        self.entries(node, def);
        self.block(node, def)
    }

    /// A node's block as the schema says (none, or one that must be
    /// written): its nodes, with repeated and unknown ones reported.
    pub(super) fn block<'n, 's>(
        &mut self,
        node: &'n Node<'s>,
        def: &'static NodeDef,
    ) -> &'n [Node<'s>] {
        let (kids, spec) = match &def.block {
            Block::None => {
                self.no_children(node);
                return &[];
            }
            Block::Json => return self.children(node),
            Block::Optional(spec) => (node.kids(), spec),
            Block::Required(spec) => (self.children(node), spec),
        };
        self.block_nodes(kids, def, spec);
        kids
    }

    fn block_nodes(&mut self, kids: &[Node], def: &'static NodeDef, spec: &Kids) {
        let mut first_of: HashMap<&str, &Node> = HashMap::new();
        for kid in kids {
            let Some(kid_def) = def.kid(&kid.name) else {
                // A layer's other nodes are its type's attributes.
                if !spec.attributes {
                    let place = format!("`{}`{}", def.name, spec.note);
                    self.unknown_node(kid, &place, &def.kid_names());
                }
                continue;
            };
            if !kid_def.once {
                continue;
            }
            if let Some(first) = first_under(&mut first_of, kid.name.as_str(), kid) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateNode,
                        kid.name_span,
                        format!("`{}` is given twice in this block", kid.name),
                    )
                    .label("again here")
                    .related(first.name_span, "first here")
                    .help("merge them into one"),
                );
            }
        }
    }

    /// Reports annotations, extra arguments, and unknown or repeated properties.
    pub(super) fn entries(&mut self, node: &Node, def: &'static NodeDef) {
        let max_args = def.args.max;
        let known = |key: &str| def.props.iter().any(|p| p.name == key);
        if let Some(span) = node.annotation {
            self.type_annotation(span);
        }
        // `min: 2` (YAML's spelling) reads as the arguments `min:` and `2`.
        let colon = |i: usize| -> Option<&str> {
            let ValueKind::String(s) = &node.args.get(i)?.kind else {
                return None;
            };
            let key = s.strip_suffix(':')?;
            (known(key) && i + 1 < node.args.len()).then_some(key)
        };
        let mut skip = 0;
        for (i, arg) in node.args.iter().enumerate() {
            if arg.annotation {
                self.type_annotation(arg.span);
            }
            if i < skip {
                continue;
            }
            if let Some(key) = colon(i) {
                let value = &node.args[i + 1];
                let span = Span::new(
                    arg.span.offset,
                    value.span.offset + value.span.len - arg.span.offset,
                );
                let written = format!("{key}={}", literal(&value.kind));
                self.push(
                    Diagnostic::error(
                        Code::UnexpectedArgument,
                        span,
                        format!(
                            "`{key}:` is not how KDL writes a property of `{}`",
                            node.name
                        ),
                    )
                    .label("a property in YAML's spelling")
                    .help(format!("write `{written}`"))
                    .fix(span, written),
                );
                skip = i + 2;
                continue;
            }
            if i == max_args {
                let hint = if def.props.is_empty() {
                    format!("`{}` takes {}", node.name, count_args(max_args))
                } else {
                    format!(
                        "`{}` takes {}; options are properties: {}",
                        node.name,
                        count_args(max_args),
                        def.props
                            .iter()
                            .map(|p| format!("{}=...", p.name))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                };
                self.push(
                    Diagnostic::error(
                        Code::UnexpectedArgument,
                        arg.span,
                        format!("unexpected argument to `{}`", node.name),
                    )
                    .label("not expected")
                    .help(hint),
                );
            }
        }
        // First occurrence of each key: repeats found in one pass.
        let mut first_of: HashMap<&str, &Prop> = HashMap::new();
        for prop in &node.props {
            if prop.value.annotation {
                self.type_annotation(prop.value.span);
            }
            if !known(prop.key.as_str()) {
                self.push(
                    Diagnostic::error(
                        Code::UnknownProperty,
                        prop.key_span,
                        format!("unknown property `{}` on `{}`", prop.key, node.name),
                    )
                    .label("unknown property")
                    .help(did_you_mean(&prop.key, &def.prop_names())),
                );
            } else if let Some(first) = first_under(&mut first_of, prop.key.as_str(), prop) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateProperty,
                        prop.value.span,
                        format!("property `{}` is given twice", prop.key),
                    )
                    .label("given again here")
                    .related(first.value.span, "first given here")
                    .help("keep one of them"),
                );
            }
        }
    }

    fn type_annotation(&mut self, span: Span) {
        self.push(
            Diagnostic::error(
                Code::TypeAnnotation,
                span,
                "type annotations are not used in stack files",
            )
            .help("remove the `(...)` annotation; write units in the value, like \"512MiB\""),
        );
    }

    /// Reports a block on a node that takes none.
    fn no_children(&mut self, node: &Node) {
        if node.children.is_some() {
            self.push(
                Diagnostic::error(
                    Code::UnexpectedChildren,
                    node.name_span,
                    format!("`{}` takes no block", node.name),
                )
                .help(format!("remove the `{{ ... }}` after `{}`", node.name)),
            );
        }
    }

    /// The node's block; reports a missing one.
    pub(super) fn children<'n, 's>(&mut self, node: &'n Node<'s>) -> &'n [Node<'s>] {
        match &node.children {
            Some(kids) => kids,
            None => {
                self.push(
                    Diagnostic::error(
                        Code::MissingChildren,
                        node.name_span,
                        format!("`{}` needs a block", node.name),
                    )
                    .help(format!("write `{} {{ ... }}`", node.name)),
                );
                &[]
            }
        }
    }

    /// Reports a node not accepted here; one that belongs in a block that
    /// is accepted here (`instances` directly in a layer) is told where.
    pub(super) fn unknown_node(&mut self, node: &Node, parent: &str, accepted: &[&str]) {
        // A block without a name of its own (`scaling`, not `layer`) that
        // is accepted here and holds the node.
        let block = schema::all()
            .into_iter()
            .map(|(_, def)| def)
            .find(|def| {
                def.args.max == 0 && accepted.contains(&def.name) && def.kid(&node.name).is_some()
            })
            .map(|def| def.name);
        // A node only an environment holds (`targets`), written in the stack.
        let environment_only = accepted.contains(&"environment")
            && crate::schema::nodes::ENVIRONMENT.kid(&node.name).is_some();
        let help = match block {
            Some(block) => format!(
                "`{}` goes inside `{block} {{ }}`: `{block} {{ {} ... }}`",
                node.name, node.name
            ),
            None if environment_only => format!(
                "`{}` is one environment's: write it in `environment production {{ {} {{ ... }} }}` (or another environment's block)",
                node.name, node.name
            ),
            None => did_you_mean(&node.name, accepted),
        };
        self.push(
            Diagnostic::error(
                Code::UnknownNode,
                node.name_span,
                format!("unknown node `{}` in {parent}", node.name),
            )
            .label("unknown node")
            .help(help),
        );
    }

    /// The argument at `i`; reports a missing one.
    pub(super) fn arg<'n, 's>(
        &mut self,
        node: &'n Node<'s>,
        i: usize,
        what: &str,
    ) -> Option<&'n Value<'s>> {
        let v = node.args.get(i);
        if v.is_none() {
            self.push(
                Diagnostic::error(
                    Code::MissingArgument,
                    node.name_span,
                    format!("`{}` needs {what}", node.name),
                )
                .label(format!("{what} missing"))
                .help(format!("write `{} <{what}>`", node.name)),
            );
        }
        v
    }

    /// The string argument at `i`.
    pub(super) fn str_arg<'n>(&mut self, node: &'n Node, i: usize, what: &str) -> Option<&'n str> {
        let v = self.arg(node, i, what)?;
        self.string(v, what)
    }

    /// A property; reports a missing one when `required`.
    pub(super) fn prop<'n, 's>(
        &mut self,
        node: &'n Node<'s>,
        key: &str,
        required: bool,
    ) -> Option<&'n Value<'s>> {
        let v = node.prop(key);
        // `key: value` was reported by `entries`.
        let colon = node
            .args
            .iter()
            .any(|a| matches!(&a.kind, ValueKind::String(s) if s.strip_suffix(':') == Some(key)));
        if v.is_none() && required && !colon {
            self.push(
                Diagnostic::error(
                    Code::MissingProperty,
                    node.name_span,
                    format!("`{}` needs `{key}=`", node.name),
                )
                .label(format!("`{key}=` missing"))
                .help(format!("add `{key}=...` to this `{}` node", node.name)),
            );
        }
        v
    }

    /// A string property.
    pub(super) fn str_prop<'n>(
        &mut self,
        node: &'n Node,
        key: &str,
        required: bool,
    ) -> Option<&'n str> {
        let v = self.prop(node, key, required)?;
        self.string(v, key)
    }

    /// The value as a string.
    pub(super) fn string<'n>(&mut self, v: &'n Value, what: &str) -> Option<&'n str> {
        match &v.kind {
            ValueKind::String(s) => Some(s),
            ValueKind::Integer(i) => {
                self.wrong_type(v, what, "a string", Some(format!("quote it: \"{i}\"")));
                None
            }
            _ => {
                self.wrong_type(v, what, "a string", None);
                None
            }
        }
    }

    pub(super) fn wrong_type(
        &mut self,
        v: &Value,
        what: &str,
        expected: &str,
        help: Option<String>,
    ) {
        self.push(
            Diagnostic::error(
                Code::WrongType,
                v.span,
                format!("{what} must be {expected}, not {}", v.type_name()),
            )
            .label(format!("expected {expected}"))
            .help(help.unwrap_or_else(|| match expected {
                "a string" => "write the value in quotes, e.g. \"value\"".to_string(),
                "an integer" => "write a whole number without quotes, e.g. 2".to_string(),
                "a number" => "write a number without quotes, e.g. 70 or 1.5".to_string(),
                other => format!("write {other}"),
            })),
        );
    }

    /// The value as an integer in `min..=max`.
    pub(super) fn int(&mut self, v: &Value, what: &str, min: i64, max: i64) -> Option<i64> {
        match &v.kind {
            ValueKind::Integer(i) if (min as i128..=max as i128).contains(&i.get()) => {
                Some(i.get() as i64)
            }
            ValueKind::Integer(i) => {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        v.span,
                        format!("{what} must be between {min} and {max}, not {i}"),
                    )
                    .label("out of range")
                    .help(format!("use a value from {min} to {max}")),
                );
                None
            }
            ValueKind::String(s) if s.parse::<i64>().is_ok() => {
                self.wrong_type(
                    v,
                    what,
                    "an integer",
                    Some(format!("remove the quotes: {s}")),
                );
                None
            }
            _ => {
                self.wrong_type(v, what, "an integer", None);
                None
            }
        }
    }

    /// The value as a number (integer or float) in `min..=max`.
    pub(super) fn number(&mut self, v: &Value, what: &str, min: f64, max: f64) -> Option<f64> {
        let n = match &v.kind {
            ValueKind::Integer(i) => i.get() as f64,
            ValueKind::Float(f) => *f,
            _ => {
                self.wrong_type(v, what, "a number", None);
                return None;
            }
        };
        if !(min..=max).contains(&n) {
            self.push(
                Diagnostic::error(
                    Code::OutOfRange,
                    v.span,
                    format!("{what} must be between {min} and {max}, not {n}"),
                )
                .label("out of range")
                .help(format!("use a value from {min} to {max}")),
            );
            return None;
        }
        Some(n)
    }

    /// The value as a boolean.
    pub(super) fn boolean(&mut self, v: &Value, what: &str) -> Option<bool> {
        match &v.kind {
            ValueKind::Bool(b) => Some(*b),
            ValueKind::String(s) if s == "true" || s == "false" => {
                self.wrong_type(v, what, "#true or #false", Some(format!("write #{s}")));
                None
            }
            _ => {
                self.wrong_type(v, what, "#true or #false", None);
                None
            }
        }
    }

    /// Applies a `units` parser to a string value, reporting `code` on error.
    pub(super) fn parsed<T>(
        &mut self,
        v: &Value,
        what: &str,
        code: Code,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.parsed_respelled(v, what, code, parse, |_| None)
    }

    /// [`Checker::parsed`], where `respell` may know how a value that does
    /// not parse is written (`"5 min"`: `5m`): that spelling is the help and
    /// the fix.
    pub(super) fn parsed_respelled<T>(
        &mut self,
        v: &Value,
        what: &str,
        code: Code,
        parse: impl FnOnce(&str) -> Result<T, String>,
        respell: impl FnOnce(&str) -> Option<String>,
    ) -> Option<T> {
        let text = self.string(v, what)?;
        match parse(text) {
            Ok(t) => Some(t),
            Err(message) => {
                let d = Diagnostic::error(code, v.span, message).label(format!("invalid {what}"));
                let d = match respell(text) {
                    Some(spelling) => {
                        let quoted = format!("\"{spelling}\"");
                        d.help(format!("write `{quoted}`")).fix(v.span, quoted)
                    }
                    None => d.help(format!(
                        "`stackc explain {}` shows the accepted forms",
                        code.slug()
                    )),
                };
                self.push(d);
                None
            }
        }
    }

    /// A duration in seconds. One written with spaces or unit words
    /// (`"5 min"`) gets its spelling as help and fix.
    pub(super) fn duration(&mut self, v: &Value, what: &str) -> Option<u64> {
        self.parsed_respelled(
            v,
            what,
            Code::BadDuration,
            units::duration_secs,
            units::duration_spelling,
        )
    }

    /// A size in bytes.
    pub(super) fn size(&mut self, v: &Value, what: &str) -> Option<u64> {
        self.parsed(v, what, Code::BadSize, units::size_bytes)
    }

    /// A stackc name.
    pub(super) fn name(&mut self, v: &Value, what: &str) -> Option<String> {
        let text = self.string(v, what)?;
        match units::name(text) {
            Ok(()) => Some(text.to_string()),
            Err(message) => {
                self.push(
                    Diagnostic::error(Code::BadName, v.span, message)
                        .label(format!("invalid {what}"))
                        .help(format!("for example `{}`", units::fix_name(text))),
                );
                None
            }
        }
    }

    /// An IANA time zone.
    pub(super) fn timezone(&mut self, v: &Value) -> Option<chrono_tz::Tz> {
        let text = self.string(v, "timezone")?;
        match units::timezone(text) {
            Ok(tz) => Some(tz),
            Err(message) => {
                let help = match units::suggest_timezone(text) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "use an IANA name such as `Europe/Madrid` or `UTC`".into(),
                };
                self.push(
                    Diagnostic::error(Code::BadTimezone, v.span, message)
                        .label("unknown time zone")
                        .help(help),
                );
                None
            }
        }
    }
}

fn count_args(n: usize) -> String {
    match n {
        0 => "no arguments".into(),
        1 => "one argument".into(),
        n => format!("{n} arguments"),
    }
}

/// The earlier item under `key`, if any; else records `item` as the first.
/// (A map, not a scan of the earlier ones: a node may have thousands of
/// properties or children.)
pub(super) fn first_under<'a, T>(
    first_of: &mut HashMap<&'a str, &'a T>,
    key: &'a str,
    item: &'a T,
) -> Option<&'a T> {
    match first_of.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(item);
            None
        }
    }
}
