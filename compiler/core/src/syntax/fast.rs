//! A fast reader for the common subset of KDL v2 that stack files use.
//!
//! kdl-rs parses about 2 MB/s, which makes it most of the time `stackc
//! check` takes. This reader handles nodes, `(type)` node annotations,
//! identifier, quoted and single-line raw strings, decimal numbers, `#true`,
//! `#false`, `#null`, properties (with spaces around `=`), children, `;`,
//! line and block comments and `/-` on whole nodes, and produces the same
//! tree and spans that lowering kdl-rs's document gives. Anything else
//! (multi-line strings, escaped newlines, value annotations, `/-` on entries,
//! unusual numbers, Unicode whitespace or newlines, and every syntax error)
//! makes it give up, and the caller parses with kdl-rs, which is the
//! reference and reports the errors. Tests compare the two on the examples,
//! the bad-input corpus and random mutations.

use super::{Node, Prop, Str, Value, ValueKind};
use crate::diag::Span;

/// The nodes of `src`, or `None` when kdl-rs must decide.
pub fn parse(src: &str) -> Option<Vec<Node<'_>>> {
    if src.chars().any(unusual) {
        return None;
    }
    let mut p = Reader {
        s: src,
        b: src.as_bytes(),
        i: 0,
        args: Vec::new(),
        props: Vec::new(),
        done: Vec::new(),
    };
    p.nodes(false)
}

/// Characters KDL gives special meaning (newlines, spaces, forbidden code
/// points) that this reader leaves to kdl-rs.
fn unusual(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'
        | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200f}'
        | '\u{2028}'..='\u{202f}' | '\u{205f}' | '\u{2066}'..='\u{2069}'
        | '\u{3000}' | '\u{feff}')
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    // Scratch space, so that each node's lists are allocated once at their
    // exact length: the arguments and properties of the node being read
    // (complete before its block is read), and the finished nodes of every
    // open block, innermost last.
    args: Vec<Value<'a>>,
    props: Vec<Prop<'a>>,
    done: Vec<Node<'a>>,
}

/// Bytes that end an identifier string.
fn delimiter(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b'\\'
            | b'/'
            | b'('
            | b')'
            | b'{'
            | b'}'
            | b';'
            | b'['
            | b']'
            | b'='
            | b'"'
            | b'#'
    )
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at(&self, text: &str) -> bool {
        self.b[self.i..].starts_with(text.as_bytes())
    }

    /// Spaces and tabs; returns how many.
    fn inline_ws(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i - start
    }

    fn line_comment(&mut self) {
        while !matches!(self.peek(), None | Some(b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A `/* ... */` comment, nested ones included.
    fn block_comment(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            if self.at("/*") {
                depth += 1;
                self.i += 2;
            } else if self.at("*/") {
                depth -= 1;
                self.i += 2;
                if depth == 0 {
                    return Some(());
                }
            } else if self.i >= self.b.len() {
                return None;
            } else {
                self.i += 1;
            }
        }
    }

    /// Whitespace, newlines and comments between nodes (a `;` belongs to
    /// the node it ends).
    fn between_nodes(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'/') if self.at("//") => self.line_comment(),
                Some(b'/') if self.at("/*") => self.block_comment()?,
                _ => return Some(()),
            }
        }
    }

    /// The nodes up to the end of the file, or up to and including the `}`
    /// of the block being read.
    fn nodes(&mut self, in_block: bool) -> Option<Vec<Node<'a>>> {
        let first = self.done.len();
        loop {
            self.between_nodes()?;
            match self.peek() {
                None => return (!in_block).then(|| self.done.drain(first..).collect()),
                Some(b'}') => {
                    if !in_block {
                        return None;
                    }
                    self.i += 1;
                    return Some(self.done.drain(first..).collect());
                }
                Some(b'/') if self.at("/-") => {
                    // Only `/-` on a line of its own node, as stack files
                    // use it; kdl-rs has its own ideas about the rest.
                    let line_start = self.b[..self.i]
                        .iter()
                        .rev()
                        .take_while(|b| **b != b'\n')
                        .all(|b| matches!(b, b' ' | b'\t'));
                    if !line_start {
                        return None;
                    }
                    self.i += 2;
                    self.inline_ws();
                    let end = self.i;
                    self.node()?;
                    if self.b[end..self.i].last() == Some(&b';')
                        || !matches!(self.peek(), None | Some(b'\n' | b'\r'))
                    {
                        return None;
                    }
                }
                _ => {
                    let node = self.node()?;
                    self.done.push(node);
                }
            }
        }
    }

    fn node(&mut self) -> Option<Node<'a>> {
        let start = self.i;
        let annotation = if self.peek() == Some(b'(') {
            self.i += 1;
            let (_, span) = self.string()?;
            if self.peek() != Some(b')') {
                return None;
            }
            self.i += 1;
            Some(span)
        } else {
            None
        };
        let (name, name_span) = self.string()?;
        let mut node = Node {
            name,
            name_span,
            span: Span::new(start, 0),
            annotation,
            args: Vec::new(),
            props: Vec::new(),
            children: None,
        };
        loop {
            let ws = self.inline_ws();
            match self.peek() {
                None | Some(b'\n' | b'\r' | b'}') => break,
                Some(b';') => break,
                // kdl-rs wants a space before a comment that ends a node.
                Some(b'/') if self.at("//") && ws > 0 => break,
                Some(b'{') => {
                    self.i += 1;
                    self.take_entries(&mut node);
                    node.children = Some(self.nodes(true)?);
                    let ws = self.inline_ws();
                    match self.peek() {
                        None | Some(b'\n' | b'\r' | b'}' | b';') => break,
                        Some(b'/') if self.at("//") && ws > 0 => break,
                        _ => return None,
                    }
                }
                _ if ws == 0 => return None,
                _ => self.entry()?,
            }
        }
        self.take_entries(&mut node);
        node.span = Span::new(start, self.i - start);
        if self.peek() == Some(b';') {
            self.i += 1;
        }
        Some(node)
    }

    /// Moves the entries read so far into the node.
    fn take_entries(&mut self, node: &mut Node<'a>) {
        if !self.args.is_empty() {
            node.args = self.args.drain(..).collect();
        }
        if !self.props.is_empty() {
            node.props = self.props.drain(..).collect();
        }
    }

    /// An argument or a property (of the node being read).
    fn entry(&mut self) -> Option<()> {
        let start = self.i;
        let first = self.peek()?;
        if first.is_ascii_digit()
            || (matches!(first, b'-' | b'+' | b'.')
                && self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit))
        {
            let kind = self.number()?;
            self.args.push(Value {
                kind,
                span: Span::new(start, self.i - start),
                annotation: false,
            });
            return self.after_value();
        }
        if first == b'#' && !self.at("#\"") && !self.at("##") {
            let kind = self.keyword()?;
            self.args.push(Value {
                kind,
                span: Span::new(start, self.i - start),
                annotation: false,
            });
            return self.after_value();
        }
        let (text, span) = self.string()?;
        let save = self.i;
        self.inline_ws();
        if self.peek() == Some(b'=') {
            self.i += 1;
            self.inline_ws();
            let value_start = self.i;
            let kind = self.value()?;
            self.props.push(Prop {
                key: text,
                key_span: span,
                value: Value {
                    kind,
                    span: Span::new(value_start, self.i - value_start),
                    annotation: false,
                },
            });
            return self.after_value();
        }
        self.i = save;
        self.args.push(Value {
            kind: ValueKind::String(text),
            span,
            annotation: false,
        });
        self.after_value()
    }

    /// A value must be followed by a space, the end of the line, `;` or `}`.
    fn after_value(&self) -> Option<()> {
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b';' | b'}') => Some(()),
            _ => None,
        }
    }

    fn value(&mut self) -> Option<ValueKind<'a>> {
        let first = self.peek()?;
        if first.is_ascii_digit()
            || (matches!(first, b'-' | b'+' | b'.')
                && self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit))
        {
            return self.number();
        }
        if first == b'#' && !self.at("#\"") && !self.at("##") {
            return self.keyword();
        }
        let (text, _) = self.string()?;
        Some(ValueKind::String(text))
    }

    fn keyword(&mut self) -> Option<ValueKind<'a>> {
        for (word, kind) in [
            ("#true", ValueKind::Bool(true)),
            ("#false", ValueKind::Bool(false)),
            ("#null", ValueKind::Null),
        ] {
            if self.at(word)
                && self
                    .b
                    .get(self.i + word.len())
                    .is_none_or(|b| delimiter(*b))
            {
                self.i += word.len();
                return Some(kind);
            }
        }
        None
    }

    /// A decimal integer or a float without exponent.
    fn number(&mut self) -> Option<ValueKind<'a>> {
        let start = self.i;
        while self.peek().is_some_and(|b| !delimiter(b)) {
            self.i += 1;
        }
        let text = &self.s[start..self.i];
        let body = text.strip_prefix(['-', '+']).unwrap_or(text);
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        let digits = |p: &str| {
            p.as_bytes().first().is_some_and(u8::is_ascii_digit)
                && p.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        };
        if !digits(int) || frac.is_some_and(|f| !digits(f)) {
            return None;
        }
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        match frac {
            None => clean
                .parse::<i128>()
                .ok()
                .map(|i| ValueKind::Integer(i.into())),
            Some(_) => clean.parse::<f64>().ok().map(ValueKind::Float),
        }
    }

    /// An identifier, quoted or single-line raw string, with its span.
    fn string(&mut self) -> Option<(Str<'a>, Span)> {
        let start = self.i;
        match self.peek()? {
            b'"' => {
                if self.at("\"\"\"") {
                    return None;
                }
                self.i += 1;
                // Without escapes the string is the text between the quotes.
                let rest = &self.b[self.i..];
                let stop = rest
                    .iter()
                    .position(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\r'))?;
                if rest[stop] == b'"' {
                    let text = Str::from(&self.s[self.i..self.i + stop]);
                    self.i += stop + 1;
                    return Some((text, Span::new(start, self.i - start)));
                }
                let mut out = String::new();
                loop {
                    let c = self.s[self.i..].chars().next()?;
                    match c {
                        '"' => {
                            self.i += 1;
                            break;
                        }
                        '\n' | '\r' => return None,
                        '\\' => {
                            self.i += 1;
                            let e = self.peek()?;
                            self.i += 1;
                            out.push(match e {
                                b'n' => '\n',
                                b'r' => '\r',
                                b't' => '\t',
                                b'\\' => '\\',
                                b'"' => '"',
                                b'b' => '\u{8}',
                                b'f' => '\u{c}',
                                b's' => ' ',
                                b'u' => self.unicode_escape()?,
                                _ => return None,
                            });
                        }
                        c => {
                            out.push(c);
                            self.i += c.len_utf8();
                        }
                    }
                }
                Some((Str::from(out), Span::new(start, self.i - start)))
            }
            b'#' => {
                let hashes = self.b[self.i..].iter().take_while(|b| **b == b'#').count();
                self.i += hashes;
                if self.peek() != Some(b'"') || self.at("\"\"\"") {
                    return None;
                }
                self.i += 1;
                let body_start = self.i;
                let close = format!("\"{}", "#".repeat(hashes));
                let len = self.s[self.i..].find(&close)?;
                let body = &self.s[body_start..body_start + len];
                if body.contains(['\n', '\r']) {
                    return None;
                }
                self.i = body_start + len + close.len();
                Some((Str::from(body), Span::new(start, self.i - start)))
            }
            first => {
                if first.is_ascii_digit() || delimiter(first) || !first.is_ascii() {
                    return None;
                }
                while let Some(b) = self.peek() {
                    if delimiter(b) {
                        break;
                    }
                    if !b.is_ascii() {
                        return None;
                    }
                    self.i += 1;
                }
                let text = &self.s[start..self.i];
                let looks_numeric = matches!(text.as_bytes(), [b'-' | b'+' | b'.', d, ..] if d.is_ascii_digit())
                    || matches!(text.as_bytes(), [b'-' | b'+', b'.', d, ..] if d.is_ascii_digit());
                if looks_numeric || reserved(text) {
                    return None;
                }
                Some((Str::from(text), Span::new(start, self.i - start)))
            }
        }
    }

    /// `\u{XXXX}` after the `u`.
    fn unicode_escape(&mut self) -> Option<char> {
        if self.peek() != Some(b'{') {
            return None;
        }
        let end = self.s[self.i..].find('}')?;
        let hex = &self.s[self.i + 1..self.i + end];
        if hex.is_empty() || hex.len() > 6 {
            return None;
        }
        let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
        self.i += end + 1;
        Some(c)
    }
}

/// Bare words KDL v2 reserves (they need `#` or quotes).
fn reserved(text: &str) -> bool {
    matches!(text, "true" | "false" | "null" | "inf" | "-inf" | "nan")
}

#[cfg(test)]
mod tests;
