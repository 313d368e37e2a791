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
mod tests {
    use super::super::{parse_with_kdl, Node};
    use proptest::prelude::*;

    /// The tree with every span, for exact comparison (spans compare equal
    /// in the AST's own PartialEq).
    fn dump(nodes: &[Node]) -> String {
        let mut out = String::new();
        let mut stack: Vec<(&Node, usize)> = nodes.iter().rev().map(|n| (n, 0)).collect();
        while let Some((n, depth)) = stack.pop() {
            out += &format!(
                "{}{:?}@{:?} span={:?} ann={:?}\n",
                "  ".repeat(depth),
                n.name,
                n.name_span,
                n.span,
                n.annotation
            );
            for a in &n.args {
                out += &format!(
                    "{}  arg {:?}@{:?} {}\n",
                    "  ".repeat(depth),
                    a.kind,
                    a.span,
                    a.annotation
                );
            }
            for p in &n.props {
                out += &format!(
                    "{}  prop {:?}@{:?}={:?}@{:?}\n",
                    "  ".repeat(depth),
                    p.key,
                    p.key_span,
                    p.value.kind,
                    p.value.span
                );
            }
            if let Some(kids) = &n.children {
                out += &format!("{}  children {}\n", "  ".repeat(depth), kids.len());
                stack.extend(kids.iter().rev().map(|k| (k, depth + 1)));
            }
        }
        out
    }

    /// When the fast reader answers, kdl-rs agrees exactly.
    fn agree(src: &str) -> bool {
        let Some(fast) = super::parse(src) else {
            return false;
        };
        match parse_with_kdl(src) {
            Ok(doc) => assert_eq!(dump(&fast), dump(&doc.nodes), "source:\n{src}"),
            Err(e) => panic!(
                "fast reader accepted what kdl-rs rejects ({:?} at {}):\n{src:?}",
                e[0].message, e[0].span.offset
            ),
        }
        true
    }

    fn files() -> Vec<String> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut out = Vec::new();
        for dir in [
            "examples/goldcar",
            "examples/minimal",
            "examples/shop",
            "tests/bad",
        ] {
            for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "kdl") {
                    out.push(std::fs::read_to_string(p).unwrap());
                }
            }
        }
        out.push(crate::generate::stack(12));
        out
    }

    #[test]
    fn agrees_with_kdl_on_the_examples_and_corpus() {
        let files = files();
        let answered = files.iter().filter(|f| agree(f)).count();
        // The valid files all take the fast path.
        assert!(answered >= 60, "{answered} of {}", files.len());
        for example in &files[..3] {
            assert!(super::parse(example).is_some());
        }
    }

    #[test]
    fn agrees_on_the_forms_it_reads() {
        for src in [
            "a 1 k=2 \"x\"  // c\n  (t)b  key = \"v\" { c; d 1.5 }  \nz #true r=#null;e",
            "a -1 +2 1_000 0.5 -0.25 \"\\u{e9}\\n\\t\\\"\" #\"raw \"q\" \"# ##\"x\"#\"##\n/* c /* d */ */ x",
            "/- skipped { a 1 }\nkept",
            "a {\n}\n\n\n",
            "\"quoted name\" - - -",
            "a{b}",
            "a\r\nb",
            "",
            "// only a comment",
        ] {
            assert!(agree(src), "the fast reader gave up on {src:?}");
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_read() {
        for src in [
            "a true",
            "a 1e3",
            "a 0x1f",
            "a (t)1",
            "a /- 1",
            "a \\\n 1",
            "a \"\"\"\nx\n\"\"\"",
            "a \"x\\ y\"",
            "a 1 {",
            "a }",
            "a{",
            "a\u{a0}1",
            "a k=",
            "a 1a",
            "a #inf",
            "a .5",
            "(t b",
            "a \"unterminated",
            "a b=c=d",
        ] {
            assert!(super::parse(src).is_none(), "{src:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn mutated_files_agree(
            which in 0usize..8,
            edits in proptest::collection::vec((any::<usize>(), 0usize..12, prop::sample::select(vec![
                "", " ", "\n", "{", "}", ";", "=", "\"", "#", "/-", "//", "/*", "*/", "-", "1", "1.5",
                "_", "x", "é", "#true", "(t)", "\\", "\"a b\"", "#\"r\"#", "\t",
            ])), 1..5),
        ) {
            let files = files();
            let mut src = files[which % files.len()].clone();
            for (at, cut, insert) in edits {
                let mut at = at % (src.len() + 1);
                while !src.is_char_boundary(at) { at -= 1; }
                let mut end = (at + cut).min(src.len());
                while !src.is_char_boundary(end) { end -= 1; }
                src.replace_range(at..end.max(at), insert);
            }
            agree(&src);
        }
    }
}
