//! The tree a parse gives: a document's nodes, their arguments and
//! properties, and the values, whose strings borrow from the source text.

use std::borrow::Cow;
use std::fmt;

use crate::diag::Span;

/// A parsed stack file: its top-level nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<'a> {
    /// Top-level nodes in source order.
    pub nodes: Vec<Node<'a>>,
}

/// A KDL node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    /// Node name.
    pub name: Str<'a>,
    /// Span of the name.
    pub name_span: Span,
    /// Span of the whole node, block included.
    pub span: Span,
    /// A `(type)` annotation on the node, if any.
    pub annotation: Option<Span>,
    /// Positional arguments.
    pub args: Vec<Value<'a>>,
    /// `key=value` properties in source order (repeats kept, for diagnostics).
    pub props: Vec<Prop<'a>>,
    /// The `{ ... }` block, if present.
    pub children: Option<Vec<Node<'a>>>,
}

/// A property `key=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop<'a> {
    /// The key.
    pub key: Str<'a>,
    /// Span of the key.
    pub key_span: Span,
    /// The value; its span covers `key=value`.
    pub value: Value<'a>,
}

/// A value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Value<'a> {
    /// What the value is.
    pub kind: ValueKind<'a>,
    /// Where it is.
    pub span: Span,
    /// A `(type)` annotation on the value, if any.
    pub annotation: bool,
}

/// The KDL value types.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind<'a> {
    /// A string (bare, quoted or raw).
    String(Str<'a>),
    /// An integer.
    Integer(Int),
    /// A float.
    Float(f64),
    /// `#true` / `#false`.
    Bool(bool),
    /// `#null`.
    Null,
}

/// A name or string of the tree: borrowed from the source text, or owned
/// when the text has escapes (or comes from kdl-rs).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Str<'a>(Cow<'a, str>);

impl Str<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Str<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Str<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Str<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Str<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Str<'_> {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Str<'_>> for String {
    fn eq(&self, other: &Str<'_>) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Str<'_>> for &str {
    fn eq(&self, other: &Str<'_>) -> bool {
        **self == *other.0
    }
}

impl<'a> From<&'a str> for Str<'a> {
    fn from(s: &'a str) -> Self {
        Str(Cow::Borrowed(s))
    }
}

impl From<String> for Str<'_> {
    fn from(s: String) -> Self {
        Str(Cow::Owned(s))
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// A KDL integer: 128 bits, as kdl-rs reads them, kept in two 64-bit halves
/// so that a value is 24 bytes rather than the 32 an `i128` would make it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Int {
    high: i64,
    low: u64,
}

impl Int {
    /// The integer.
    pub fn get(self) -> i128 {
        (i128::from(self.high) << 64) | i128::from(self.low)
    }
}

impl From<i128> for Int {
    fn from(i: i128) -> Self {
        Int {
            high: (i >> 64) as i64,
            low: i as u64,
        }
    }
}

impl fmt::Debug for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.get(), f)
    }
}

impl Value<'_> {
    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The KDL type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ValueKind::String(_) => "a string",
            ValueKind::Integer(_) => "an integer",
            ValueKind::Float(_) => "a number",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Null => "#null",
        }
    }
}

impl<'a> Node<'a> {
    /// The first property with this key.
    pub fn prop(&self, key: &str) -> Option<&Value<'a>> {
        self.props.iter().find(|p| p.key == key).map(|p| &p.value)
    }

    /// From the name to the end of its last argument or property: the node
    /// as written on its line, without its block or what follows it.
    pub fn head_span(&self) -> Span {
        let start = self.name_span.offset;
        let end = self
            .args
            .iter()
            .map(|v| v.span)
            .chain(self.props.iter().map(|p| p.value.span))
            .map(|s| s.offset + s.len)
            .fold(self.name_span.offset + self.name_span.len, usize::max);
        Span::new(start, end - start)
    }

    /// The children, or an empty slice.
    pub fn kids(&self) -> &[Node<'a>] {
        self.children.as_deref().unwrap_or(&[])
    }
}
