//! Source text to AST: UTF-8 and size checks, a nesting guard, the KDL v2
//! parse, and a small tree with spans that later stages read. The tree
//! borrows its names and strings from the source text wherever they are
//! written as they read (no escapes), so it costs little more than the text.

mod fast;
mod lex;

use std::borrow::Cow;
use std::fmt;

use crate::diag::{Code, Diagnostic, Span};

/// Files above this size are refused (a real stack is kilobytes).
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;
/// Deepest block nesting accepted; kdl-rs recurses per level and overflows
/// its stack near 1,000 levels.
pub const MAX_DEPTH: usize = 64;
/// Comment text longer than this is left out of what kdl-rs reads.
const KEEP_COMMENT: usize = 16;
/// Bytes kdl-rs may read in vain for single-line raw strings that do not
/// close on their line (about 0.6 µs each) before a file is refused.
const MAX_UNCLOSED_RAW_COST: usize = 256 * 1024;
/// Most arguments and properties one node may have (a real node has a
/// handful); past it the checker's work and its diagnostics would grow with
/// an absurd number.
pub const MAX_ENTRIES: usize = 1_000;

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

/// Checks that the bytes are text stackc can parse and returns them as `str`.
pub fn decode(bytes: &[u8]) -> Result<&str, Diagnostic> {
    if bytes.len() > MAX_FILE_SIZE {
        return Err(Diagnostic::error(
            Code::FileTooLarge,
            Span::new(0, 0),
            format!(
                "the file is {} bytes; stackc accepts at most {} bytes",
                bytes.len(),
                MAX_FILE_SIZE
            ),
        )
        .help("pass a stack file (stack.kdl), not a data file"));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        Diagnostic::error(
            Code::InvalidUtf8,
            Span::new(at, 1),
            format!("the file is not UTF-8: invalid byte at offset {at}"),
        )
        .label("not UTF-8")
        .help("save the file as UTF-8 text")
    })
}

/// The nodes of `source` when the fast reader reads it (the common subset of
/// KDL v2 stack files use), `None` when only kdl-rs can decide. Text it
/// reads is valid KDL v2 with the tree kdl-rs gives.
pub(crate) fn parse_fast(source: &str) -> Option<Vec<Node<'_>>> {
    fast::parse(source)
}

/// Parses KDL v2 text into a document, or returns every syntax error.
pub fn parse(source: &str) -> Result<Document<'_>, Vec<Diagnostic>> {
    if let Some(span) = too_deep(source) {
        return Err(vec![Diagnostic::error(
            Code::TooDeeplyNested,
            span,
            format!("blocks are nested more than {MAX_DEPTH} levels deep"),
        )
        .label("too deep from here")
        .help(
            "a stack file needs a handful of levels; flatten this structure",
        )]);
    }
    let doc = match fast::parse(source) {
        Some(nodes) => Document { nodes },
        None => {
            if let Some(span) = unclosed_raw_strings(source) {
                return Err(vec![unclosed(span, lex::Unclosed::MultiLineRawString)]);
            }
            if lex::unclosed_raw_cost(source) > MAX_UNCLOSED_RAW_COST {
                if let Some((at, len, what)) = lex::lex(source).unclosed {
                    return Err(vec![unclosed(Span::new(at, len), what)]);
                }
            }
            parse_with_kdl(source)?
        }
    };
    let crowded = too_many_entries(&doc.nodes);
    if crowded.is_empty() {
        Ok(doc)
    } else {
        Err(crowded)
    }
}

/// The error for a string or comment that never closes.
fn unclosed(span: Span, what: lex::Unclosed) -> Diagnostic {
    use lex::Unclosed::*;
    let (message, help) = match what {
        String => (
            "this string is never closed",
            "a quoted string ends with `\"` on its line; text over several lines goes between `\"\"\"` lines",
        ),
        MultiLineString => (
            "this multi-line string is never closed",
            "close it with `\"\"\"` on a line of its own",
        ),
        RawString => (
            "this raw string is never closed on its line",
            "close it on the same line with `\"` followed by as many `#` as it opens with",
        ),
        MultiLineRawString => (
            "this multi-line raw string is never closed",
            "close it with `\"\"\"` followed by as many `#` as it opens with, on a line of its own",
        ),
        BlockComment => ("this comment is never closed", "close it with `*/`"),
    };
    Diagnostic::error(Code::KdlSyntax, span, message)
        .label("opened here")
        .help(help)
}

/// A diagnostic for each node with more than [`MAX_ENTRIES`] arguments and
/// properties, at its first entry past the limit.
fn too_many_entries(nodes: &[Node]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut work: Vec<&Node> = nodes.iter().collect();
    while let Some(node) = work.pop() {
        if node.args.len() + node.props.len() > MAX_ENTRIES {
            let spans = node.args.iter().map(|a| a.span);
            let spans = spans.chain(node.props.iter().map(|p| p.key_span));
            let mut spans: Vec<Span> = spans.collect();
            spans.sort_by_key(|s| s.offset);
            out.push(
                Diagnostic::error(
                    Code::TooManyEntries,
                    spans[MAX_ENTRIES],
                    format!(
                        "`{}` has {} arguments and properties; stackc accepts at most {MAX_ENTRIES}",
                        node.name,
                        spans.len()
                    ),
                )
                .label("the first one too many")
                .help("remove the extra entries; put data in `custom-json`, one node per key"),
            );
        }
        work.extend(node.kids());
    }
    out.sort_by_key(|d| d.span.offset);
    out
}

/// Parses with kdl-rs, the reference: every syntax error is reported.
pub fn parse_with_kdl(source: &str) -> Result<Document<'static>, Vec<Diagnostic>> {
    let parsed = kdl_parse(source);
    let span_of = |s| parsed.span(s);
    let doc = parsed.result.as_ref().map_err(|e| {
        // Unquoted values a person writes (`for=15m`, `path=/var/log`) make
        // kdl-rs report a span from the start of the block; point at them.
        let bare = unquoted_values(source);
        if !bare.is_empty() {
            return bare;
        }
        let mut out: Vec<Diagnostic> = Vec::new();
        // Lookups stay cheap however many errors kdl-rs reports (one per
        // skipped piece of junk: 200,000 on a line of `=`).
        let index = crate::diag::SourceIndex::new(source);
        let mut lines_reported = std::collections::HashSet::new();
        let mut closing_reported = false;
        for d in &e.diagnostics {
            let message = d.message.clone().unwrap_or_else(|| "invalid KDL".into());
            let span = clamp(span_of(d.span), source.len());
            let unclosed = message.contains("closing '}'") || message.contains("Closing '}'");
            // kdl-rs reports an unclosed block twice (the block, then the
            // document); one report is enough.
            if unclosed && closing_reported {
                continue;
            }
            // One report per line: kdl-rs often explains one mistake twice.
            let line = index.line_column(span.offset).0;
            if !lines_reported.insert(line) {
                continue;
            }
            let line_text = index.line_text(line);
            let message = match bad_escape(without_comment(line_text)) {
                Some(escape) => format!("invalid escape `{escape}` in a string"),
                None => message,
            };
            let help = if unclosed {
                Some(
                    "every `{` needs a matching `}`; the block opened here is never closed"
                        .to_string(),
                )
            } else {
                kdl_hint(source, span)
            };
            closing_reported |= message.contains("'}'");
            out.push(
                Diagnostic::error(Code::KdlSyntax, span, message)
                    .label(d.label.clone().unwrap_or_else(|| "here".into()))
                    .help(help.or(d.help.clone()).unwrap_or_else(|| {
                        "`stackc explain kdl_syntax` lists the common KDL v2 mistakes".into()
                    })),
            );
        }
        out
    })?;
    let mut nodes: Vec<Node<'static>> = doc
        .nodes()
        .iter()
        .map(|n| lower_node(n, &span_of))
        .collect();
    narrow_value_spans(source, &mut nodes);
    Ok(Document { nodes })
}

/// kdl-rs's parse of a text, and how its spans map back to the text.
pub(crate) struct KdlParse {
    pub result: Result<kdl::KdlDocument, kdl::KdlError>,
    condensed: Option<lex::Condensed>,
}

impl KdlParse {
    /// A span of kdl-rs's, in the text it was given.
    pub fn span(&self, s: miette::SourceSpan) -> Span {
        let Some(c) = &self.condensed else {
            return Span::from(s);
        };
        let start = c.start(s.offset());
        Span::new(start, c.end(s.offset() + s.len()).max(start) - start)
    }

    /// kdl-rs's error with its spans in `source`, the text it was given.
    pub fn error_in(&self, source: &str, e: &kdl::KdlError) -> kdl::KdlError {
        let input = std::sync::Arc::new(source.to_string());
        kdl::KdlError {
            input: input.clone(),
            diagnostics: e
                .diagnostics
                .iter()
                .map(|d| {
                    let span = self.span(d.span);
                    kdl::KdlDiagnostic {
                        input: input.clone(),
                        span: (span.offset, span.len).into(),
                        ..d.clone()
                    }
                })
                .collect(),
        }
    }
}

/// Parses `source` with kdl-rs, on a stack that fits it. kdl-rs takes about
/// 10 µs a character of a comment, so it reads the text with the text of
/// long comments left out: those before the first string or comment that
/// does not close (up to there, kdl-rs finds comments where the lexer does),
/// which hold no character KDL refuses. [`KdlParse::span`] maps its spans
/// back. A valid text stays valid with the same tree; an invalid one stays
/// invalid at the same places, minus errors kdl-rs would have made up
/// inside comments while recovering.
pub(crate) fn kdl_parse(source: &str) -> KdlParse {
    let lexed = lex::lex(source);
    let condensed = Some(lex::condense(source, &lexed.comments, KEEP_COMMENT))
        .filter(|c| c.text.len() < source.len());
    let text = condensed.as_ref().map_or(source, |c| c.text.as_str());
    let result = on_kdl_stack(text, || kdl::KdlDocument::parse_v2(text));
    KdlParse { result, condensed }
}

/// One error on each bare word that KDL v2 refuses as a value but that reads
/// as one: a word that starts like a number but is none (`15m`, `1.2.3`,
/// `3x`) or holds a `/` (`/var/log/app.log`, `eu/west`). Each gets the
/// quoted spelling in its help.
fn unquoted_values(source: &str) -> Vec<Diagnostic> {
    let Some(words) = crate::fmt::lexer::words_and_paths(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (range, is_value) in words {
        let word = &source[range.clone()];
        let numeric = starts_like_number(word) && !is_number(word);
        if !numeric && !word.contains('/') {
            continue;
        }
        let quoted = format!("{word:?}");
        let spelled = if is_value {
            let key = source[..range.start]
                .trim_end()
                .strip_suffix('=')
                .map(str::trim_end)
                .and_then(|before| {
                    before
                        .rsplit(|c: char| c.is_whitespace() || "{};".contains(c))
                        .next()
                })
                .filter(|k| !k.is_empty());
            match key {
                Some(k) => format!("{k}={quoted}"),
                None => quoted.clone(),
            }
        } else {
            quoted.clone()
        };
        let why = if numeric {
            "a bare value that starts with a digit must be a number"
        } else {
            "a bare value cannot hold `/`"
        };
        out.push(
            Diagnostic::error(
                Code::KdlSyntax,
                Span::new(range.start, range.len()),
                format!("`{word}` must be quoted: {why}"),
            )
            .label("unquoted value")
            .help(format!("quote it: {spelled}")),
        );
    }
    out
}

/// True when KDL v2 reads a bare word as a number: a sign, then a digit (or
/// `.` and a digit).
fn starts_like_number(word: &str) -> bool {
    let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
    let unsigned = unsigned.strip_prefix('.').unwrap_or(unsigned);
    unsigned.starts_with(|c: char| c.is_ascii_digit())
}

/// A KDL v2 number: decimal (with `_`, a fraction and an exponent), or
/// `0x`, `0o`, `0b` integers.
fn is_number(word: &str) -> bool {
    let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
    let digits = |s: &str, radix: u32| {
        s.starts_with(|c: char| c.is_digit(radix))
            && s.chars().all(|c| c == '_' || c.is_digit(radix))
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            return digits(rest, radix);
        }
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    digits(whole, 10)
        && fraction.is_none_or(|f| digits(f, 10))
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10))
}

/// Points property value spans at the value alone (after `=` and spaces), so
/// labels sit under what is wrong rather than under `key=value`.
fn narrow_value_spans(source: &str, nodes: &mut [Node<'_>]) {
    let mut work: Vec<&mut Node<'_>> = nodes.iter_mut().collect();
    while let Some(node) = work.pop() {
        for prop in &mut node.props {
            let entry_end = prop.value.span.offset + prop.value.span.len;
            let key_end = prop.key_span.offset + prop.key_span.len;
            let Some(between) = source.get(key_end..entry_end) else {
                continue;
            };
            let Some(eq) = between.find('=') else {
                continue;
            };
            let after = &between[eq + 1..];
            let start = key_end + eq + 1 + (after.len() - after.trim_start().len());
            if start < entry_end {
                prop.value.span = Span::new(start, entry_end - start);
            }
        }
        if let Some(children) = node.children.as_mut() {
            work.extend(children.iter_mut());
        }
    }
}

fn clamp(span: Span, len: usize) -> Span {
    let offset = span.offset.min(len);
    Span::new(offset, span.len.min(len - offset))
}

/// A hint for the usual KDL v2 mistakes, looking at the words of the line
/// where the error is.
fn kdl_hint(source: &str, span: Span) -> Option<String> {
    if !source.is_char_boundary(span.offset) {
        return None;
    }
    let line_start = source[..span.offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[span.offset..]
        .find('\n')
        .map_or(source.len(), |i| span.offset + i);
    let line = without_comment(&source[line_start..line_end]);
    if let Some(escape) = bad_escape(line) {
        return Some(format!(
            "`{escape}` is not a KDL escape; use \\n \\t \\r \\\\ \\\" \\b \\f \\s or \\u{{...}}, or a raw string #\"...\"#"
        ));
    }
    line.split(|c: char| c.is_whitespace() || matches!(c, '{' | '}' | ';'))
        .filter(|w| !w.starts_with('"') && !w.starts_with('#'))
        .find_map(|word| {
            let (key, value) = match word.split_once('=') {
                Some((k, v)) => (Some(k), v),
                None => (None, word),
            };
            let quoted = match key {
                Some(k) => format!("{k}=\"{value}\""),
                None => format!("\"{value}\""),
            };
            if value.starts_with(|c: char| c.is_ascii_digit())
                && value.contains(|c: char| c.is_ascii_alphabetic())
                || value.contains('/')
            {
                Some(format!(
                    "values that start with a digit or contain `/` are quoted in KDL v2: {quoted}"
                ))
            } else if matches!(value, "true" | "false" | "null") {
                Some(format!("KDL v2 keywords start with `#`: #{value}"))
            } else {
                None
            }
        })
}

/// The line without a trailing `//` comment (one outside quotes).
fn without_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b'/' if !quoted && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

/// The first invalid escape (`\q`) inside a quoted string of the line.
fn bad_escape(line: &str) -> Option<String> {
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => match chars.next() {
                Some('n' | 't' | 'r' | '\\' | '"' | 'b' | 'f' | 's' | 'u') => {}
                Some(c) if c.is_whitespace() => {}
                Some(other) => return Some(format!("\\{other}")),
                None => {}
            },
            _ => {}
        }
    }
    None
}

/// Stack bytes given to kdl-rs per byte of source, and at least and at most.
const KDL_STACK_PER_BYTE: usize = 1024;
const KDL_STACK_MIN: usize = 64 << 20;
const KDL_STACK_MAX: usize = 4 << 30;

/// Runs `parse` (a kdl-rs parse of `source`) on a thread whose stack grows
/// with the source. kdl-rs recurses once for each piece of a document it
/// skips to recover from a syntax error (about 600 bytes of stack each), so
/// 200 KB of `=` overflow the main thread's 8 MiB and abort the process.
/// The stack is only reserved address space: pages that are not reached
/// cost no memory. Should the thread not start, `parse` runs here.
pub(crate) fn on_kdl_stack<T: Send>(source: &str, parse: impl FnOnce() -> T + Send) -> T {
    let size = source
        .len()
        .saturating_mul(KDL_STACK_PER_BYTE)
        .clamp(KDL_STACK_MIN, KDL_STACK_MAX);
    let mut parse = Some(parse);
    let ran = std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .stack_size(size)
            .spawn_scoped(scope, || parse.take().map(|p| p()));
        match thread {
            Ok(handle) => Some(
                handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            ),
            Err(_) => None,
        }
    });
    match (ran.flatten(), parse) {
        (Some(out), _) => out,
        (None, Some(parse)) => parse(),
        (None, None) => unreachable!("the parse ran on its thread"),
    }
}

/// More multi-line raw strings (`#"""`) that do not close than this and the
/// file is refused before kdl-rs reads it.
const MAX_UNCLOSED_RAW: usize = 16;

/// The first multi-line raw string opener (`#"""`, `##"""`, ...) when more
/// than [`MAX_UNCLOSED_RAW`] of them do not make a string. kdl-rs reads each
/// such opener to its closer or to the end of the file, fails, and tries
/// again from the next one, so each costs a pass over the file (1,000 of
/// them in 15 KB took 6 s). Read as kdl-rs reads it: a string opened by `n`
/// hashes ends at the first `"""` followed by `n` hashes, and closes only if
/// the closer stands alone after its indentation and every line in between
/// is blank or starts with that indentation; one that closes is skipped
/// whole (openers inside it are its text), one that does not is counted and
/// reading goes on just after its opener. An opener in a comment may count
/// too, which is why a handful are left to kdl-rs. Each string read is
/// skipped and at most `MAX_UNCLOSED_RAW + 1` failures are read to their
/// end, so this is linear in the file.
fn unclosed_raw_strings(source: &str) -> Option<Span> {
    let bytes = source.as_bytes();
    let mut first = None;
    let mut failed = 0;
    let mut i = 0;
    while let Some(at) = find_quotes(bytes, i) {
        let hashes = bytes[..at].iter().rev().take_while(|&&b| b == b'#').count();
        if hashes == 0 {
            i = at + 3;
            continue;
        }
        let body = at + 3;
        match raw_string_end(bytes, body, hashes) {
            Some(end) => i = end,
            None => {
                first.get_or_insert(Span::new(at - hashes, hashes + 3));
                failed += 1;
                if failed > MAX_UNCLOSED_RAW {
                    return first;
                }
                i = body;
            }
        }
    }
    None
}

/// The offset of the next `"""` at or after `from`.
fn find_quotes(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    rest.windows(3)
        .position(|w| w == b"\"\"\"")
        .map(|p| from + p)
}

/// The end of the multi-line raw string whose text starts at `body` and that
/// was opened with `hashes` hashes, or `None` when it does not close (no
/// closer, or lines that do not carry the closer's indentation). A string
/// whose closer is on its opener's line is left to kdl-rs.
fn raw_string_end(bytes: &[u8], body: usize, hashes: usize) -> Option<usize> {
    let mut from = body;
    let at = loop {
        let at = find_quotes(bytes, from)?;
        if bytes[at + 3..].iter().take_while(|&&b| b == b'#').count() >= hashes {
            break at;
        }
        from = at + 1;
    };
    let end = at + 3 + hashes;
    let Some(line_start) = bytes[body..at].iter().rposition(|&b| b == b'\n') else {
        return Some(end);
    };
    let indent = &bytes[body + line_start + 1..at];
    if !indent.iter().all(|&b| b == b' ' || b == b'\t') {
        return None;
    }
    let blank = |line: &[u8]| line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'));
    let mut lines = bytes[body..body + line_start].split(|&b| b == b'\n');
    let opener_line = lines.next().unwrap_or_default();
    let fits = blank(opener_line) && lines.all(|l| blank(l) || l.starts_with(indent));
    fits.then_some(end)
}

/// For a raw string whose first `#` is at `at`: `Ok` with its end when it
/// closes (a multi-line one, `#"""`, at `"""` and as many `#`; a single-line
/// one at `"` and as many `#` on its line), `Err` with the start of its text
/// when it does not. `None` when no raw string starts there.
fn raw_string_close(bytes: &[u8], at: usize) -> Option<Result<usize, usize>> {
    let hashes = bytes[at..].iter().take_while(|&&b| b == b'#').count();
    let open = at + hashes;
    if bytes.get(open) != Some(&b'"') {
        return None;
    }
    let multi = bytes[open..].starts_with(b"\"\"\"");
    let quotes: &[u8] = if multi { b"\"\"\"" } else { b"\"" };
    let body = open + quotes.len();
    let mut closer = quotes.to_vec();
    closer.extend(std::iter::repeat_n(b'#', hashes));
    let rest = &bytes[body..];
    let limit = if multi {
        rest.len()
    } else {
        rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())
    };
    Some(
        rest[..limit]
            .windows(closer.len())
            .position(|w| w == closer.as_slice())
            .map(|p| body + p + closer.len())
            .ok_or(body),
    )
}

/// Finds the first `{` that opens a block deeper than `MAX_DEPTH`, skipping
/// strings and comments; errs on the side of counting. Text that only looks
/// like strings or comments here (an unclosed quote, say) could hide deep
/// brackets from this count but not from kdl-rs's error recovery, so
/// brackets are also counted everywhere, strings and comments included,
/// against a limit four times as high that kdl-rs's stack still bears.
pub(crate) fn too_deep(source: &str) -> Option<Span> {
    let bytes = source.as_bytes();
    let mut raw_depth = 0usize;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' | b'(' => {
                raw_depth += 1;
                if raw_depth > 4 * MAX_DEPTH {
                    return Some(Span::new(i, 1));
                }
            }
            b'}' | b')' => raw_depth = raw_depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut depth = 0usize;
    let mut comment_depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if comment_depth > 0 {
            match (b, next) {
                (b'/', Some(b'*')) => {
                    comment_depth += 1;
                    i += 1;
                }
                (b'*', Some(b'/')) => {
                    comment_depth -= 1;
                    i += 1;
                }
                _ => {}
            }
            if comment_depth > MAX_DEPTH {
                return Some(Span::new(i, 1));
            }
            i += 1;
            continue;
        }
        match (b, next) {
            (b'/', Some(b'/')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                comment_depth = 1;
                i += 1;
            }
            (b'"', _) => {
                i += 1;
                // A quoted string ends at its line's end (multi-line ones
                // then count their braces: erring on the side of counting).
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            (b'#', _) => {
                // A raw string (`#"..."#`, `#"""..."""#`) is skipped to its
                // closer; the formatter writes a string holding `"` raw, so
                // its text must not count where the quoted one did not. One
                // without a closer (on its line, for a single-line one) is
                // not skipped: erring on the side of counting.
                match raw_string_close(bytes, i) {
                    Some(Ok(end)) => {
                        i = end;
                        continue;
                    }
                    // Past the opener, so its `"` opens no quoted string.
                    Some(Err(body)) => {
                        i = body;
                        continue;
                    }
                    None => {}
                }
            }
            (b'{', _) | (b'(', _) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(Span::new(i, 1));
                }
            }
            (b'}', _) | (b')', _) => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn lower_node(node: &kdl::KdlNode, span_of: &impl Fn(miette::SourceSpan) -> Span) -> Node<'static> {
    let mut args = Vec::new();
    let mut props = Vec::new();
    for entry in node.entries() {
        let value = Value {
            kind: lower_value(entry.value()),
            span: span_of(entry.span()),
            annotation: entry.ty().is_some(),
        };
        match entry.name() {
            Some(key) => props.push(Prop {
                key: key.value().to_string().into(),
                key_span: span_of(key.span()),
                value,
            }),
            None => args.push(value),
        }
    }
    args.shrink_to_fit();
    props.shrink_to_fit();
    Node {
        name: node.name().value().to_string().into(),
        name_span: span_of(node.name().span()),
        span: span_of(node.span()),
        annotation: node.ty().map(|t| span_of(t.span())),
        args,
        props,
        children: node
            .children()
            .map(|doc| doc.nodes().iter().map(|n| lower_node(n, span_of)).collect()),
    }
}

fn lower_value(value: &kdl::KdlValue) -> ValueKind<'static> {
    match value {
        kdl::KdlValue::String(s) => ValueKind::String(s.clone().into()),
        kdl::KdlValue::Integer(i) => ValueKind::Integer((*i).into()),
        kdl::KdlValue::Float(f) => ValueKind::Float(*f),
        kdl::KdlValue::Bool(b) => ValueKind::Bool(*b),
        kdl::KdlValue::Null => ValueKind::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kdl-rs reads each raw string that does not close on its line to the
    /// end of the line (1,000 of them on a 15 KB line took 4 s): when that
    /// adds up, the first is one error, before kdl-rs; a few are kdl-rs's.
    #[test]
    fn raw_strings_that_never_close_on_a_long_line_are_one_error_at_the_first() {
        let many = format!("stack a {{\n  x {}\n}}\n", "#\"y ".repeat(2_000));
        let errors = parse(&many).expect_err("an error");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].code, Code::KdlSyntax);
        assert_eq!(
            errors[0].message,
            "this raw string is never closed on its line"
        );
        assert_eq!(errors[0].span, Span::new(many.find('#').unwrap(), 2));
        let few = format!("stack a {{\n  x {}\n}}\n", "#\"y ".repeat(3));
        let errors = parse(&few).expect_err("an error");
        assert_ne!(
            errors[0].message,
            "this raw string is never closed on its line"
        );
        // Closed ones cost nothing, however many.
        let closed = format!("stack a {{\n  x {}\n}}\n", "#\"y\"# ".repeat(900));
        assert!(parse(&closed).is_ok());
    }

    /// kdl-rs takes ~10 µs a character of a comment, so it reads text with
    /// the comments' text left out; the tree's spans and its errors' are
    /// still the file's.
    #[test]
    fn spans_after_long_comments_left_out_of_kdl_rs_are_the_files() {
        // A line continuation is kdl-rs's to read, not the fast reader's.
        let src = format!(
            "a \\ // {}\n  b=1 /* {} */ c\nnode \"x\" // {}\n",
            "c".repeat(5_000),
            "d".repeat(100),
            "e".repeat(100)
        );
        assert!(parse_fast(&src).is_none());
        let doc = parse(&src).expect("valid");
        assert_eq!(doc.nodes.len(), 2);
        let b = &doc.nodes[0].props[0];
        assert_eq!(b.key_span, Span::new(src.find("b=1").unwrap(), 1));
        assert_eq!(
            doc.nodes[0].args[0].span,
            Span::new(src.find(" c\n").unwrap() + 1, 1)
        );
        assert_eq!(
            doc.nodes[1].name_span,
            Span::new(src.find("node").unwrap(), 4)
        );
        assert_eq!(
            doc.nodes[1].args[0].span,
            Span::new(src.find("\"x\"").unwrap(), 3)
        );
        let broken = format!("{src}x = =\n");
        let errors = parse(&broken).expect_err("an error");
        assert!(
            errors.iter().all(|e| e.span.offset >= src.len()),
            "{errors:?}"
        );
        // A comment that holds a character KDL refuses is kept, so kdl-rs
        // judges the text as written.
        for c in ['\u{7f}', '\u{1}', '\u{202e}'] {
            let short = format!("a \\ // {c}\n  b=1\n");
            let long = format!("a \\ // {}{c}\n  b=1\n", "c".repeat(100));
            assert_eq!(parse(&short).is_ok(), parse(&long).is_ok(), "{c:?}");
        }
    }

    /// kdl-rs reads each unclosed `#"""` to the end of the file (1,000 of
    /// them took 6 s): many are one error at the first, before kdl-rs; a
    /// few, closed ones, and ones closed by a longer closer are kdl-rs's.
    #[test]
    fn many_unclosed_multi_line_raw_strings_are_one_error_at_the_first() {
        let many = format!("stack x {{\n{}", "s #\"\"\"\n".repeat(1_000));
        let errors = parse(&many).expect_err("an error");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].code, Code::KdlSyntax);
        assert_eq!(errors[0].span, Span::new(12, 4));
        assert!(errors[0].message.contains("never closed"), "{errors:?}");

        let few = format!("stack x {{\n{}", "s #\"\"\"\n".repeat(MAX_UNCLOSED_RAW));
        assert_eq!(unclosed_raw_strings(&few), None);
        let closed = "s ##\"\"\"\n  a\n  \"\"\"##\n".repeat(100);
        assert_eq!(unclosed_raw_strings(&closed), None);
        let by_longer = format!("{}\"\"\"###\n", "s #\"\"\"\n".repeat(100));
        assert_eq!(unclosed_raw_strings(&by_longer), None);
        let after_last_closer = format!("s #\"\"\"\n\"\"\"#\n{}", "s #\"\"\"\n".repeat(17));
        assert_eq!(
            unclosed_raw_strings(&after_last_closer),
            Some(Span::new(14, 4))
        );

        // A closer that every opener finds but whose indentation their lines
        // lack closes none of them (fuzz seed 20261202, input 118618: 995
        // openers, 4.4 s in kdl-rs). With the indentation, the first string
        // holds the other openers as its text.
        let misindented = format!("stack x {{\n{}  \"\"\"#\n}}\n", "s #\"\"\"\n".repeat(995));
        let errors = parse(&misindented).expect_err("an error");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].span, Span::new(12, 4));
        let indented = format!(
            "stack x {{\ns #\"\"\"\n{}  \"\"\"#\n}}\n",
            "  s #\"\"\"\n\n".repeat(995)
        );
        assert_eq!(unclosed_raw_strings(&indented), None);
        let doc = parse(&indented).expect("one string holding the other openers");
        assert_eq!(doc.nodes[0].kids().len(), 1);
    }

    /// The formatter writes a string holding `"` raw: its braces count no
    /// more than the quoted string's did (fuzz seed 20261204, input 13888:
    /// `fmt`'s own output was refused as too deeply nested).
    #[test]
    fn braces_in_raw_strings_do_not_count() {
        let braces = "{".repeat(MAX_DEPTH + 1);
        let quoted = format!("a \"say \\\"hi{braces}\"\n");
        let raw = format!("a #\"say \"hi{braces}\"#\n");
        let multi = format!("a #\"\"\"\n    say \"hi{braces}\n    \"\"\"#\n");
        for text in [&quoted, &raw, &multi] {
            assert_eq!(too_deep(text), None, "{text}");
        }
        // Unclosed, they count.
        assert!(too_deep(&format!("a #\"say {braces}\n\"#\n")).is_some());
        let formatted = crate::fmt::format_source(&quoted).expect("formats");
        assert!(formatted.starts_with("a #\""), "{formatted}");
        assert_eq!(
            crate::fmt::format_source(&formatted).as_deref(),
            Ok(formatted.as_str())
        );
    }

    /// `for=15m` and `path=/var/log/app.log` are one error each, on the
    /// word, with the quoted spelling; numbers and paths in strings pass.
    #[test]
    fn unquoted_values_are_pointed_at_with_their_quoted_spelling() {
        let src = "stack shop {\n    layer web type=php-app {\n        alarm cpu metric=cpu above=80 for=15m\n        logs path=/var/log/app.log\n        volume \"/srv\" size=10GiB\n    }\n}\n";
        let errors = parse(src).expect_err("errors");
        let got: Vec<(&str, String)> = errors
            .iter()
            .map(|d| {
                (
                    &src[d.span.offset..d.span.offset + d.span.len],
                    d.help.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("15m", "quote it: for=\"15m\"".to_string()),
                (
                    "/var/log/app.log",
                    "quote it: path=\"/var/log/app.log\"".to_string()
                ),
                ("10GiB", "quote it: size=\"10GiB\"".to_string()),
            ]
        );
        assert!(
            errors[0].message.contains("starts with a digit"),
            "{errors:?}"
        );
        assert!(errors[1].message.contains("cannot hold `/`"), "{errors:?}");
        // An argument has no key.
        let errors = parse("stack s {\n    at 07:00\n}\n").expect_err("errors");
        assert_eq!(errors[0].help.as_deref(), Some("quote it: \"07:00\""));
        // Valid numbers, strings and comments are not words to quote.
        for ok in [
            "a 1_000 -2.5e-3 0x1F 0o17 0b101 +7",
            "a \"15m\" // 15m /x\n",
            "a /* 3x */ 1",
        ] {
            assert!(unquoted_values(ok).is_empty(), "{ok}");
        }
        assert!(
            is_number("1_000") && is_number("-2.5E+3") && !is_number("1.2.3") && !is_number("0x")
        );
    }

    #[test]
    fn spans_are_byte_offsets() {
        let doc = parse("a é=1 \"x\" {\n  b 2\n}\n").unwrap();
        let a = &doc.nodes[0];
        assert_eq!(a.props[0].key, "é");
        assert_eq!(a.props[0].key_span.offset, 2);
        assert_eq!(a.args[0].span.offset, 7);
        assert_eq!(
            (a.props[0].value.span.offset, a.props[0].value.span.len),
            (5, 1)
        );
        assert_eq!(a.kids()[0].name_span.offset, 15);
    }

    #[test]
    fn integers_keep_their_128_bits() {
        for i in [
            0,
            1,
            -1,
            i128::from(i64::MAX) + 1,
            i128::from(u64::MAX),
            i128::MIN,
            i128::MAX,
        ] {
            assert_eq!(Int::from(i).get(), i);
            assert_eq!(
                format!("{:?} {}", Int::from(i), Int::from(i)),
                format!("{i:?} {i}")
            );
        }
        let doc = parse("a 99999999999999999999999 -3\n").unwrap();
        assert_eq!(
            doc.nodes[0].args[0].kind,
            ValueKind::Integer(99_999_999_999_999_999_999_999.into())
        );
        assert_eq!(doc.nodes[0].args[1].kind, ValueKind::Integer((-3).into()));
    }

    #[test]
    fn names_and_plain_strings_borrow_the_source() {
        let src = "node key=\"plain\" \"esc\\naped\" #\"raw\"#\n";
        let doc = parse(src).unwrap();
        let n = &doc.nodes[0];
        let borrowed = |s: &str| src.as_bytes().as_ptr_range().contains(&s.as_ptr());
        assert!(borrowed(&n.name) && borrowed(&n.props[0].key));
        assert!(borrowed(n.props[0].value.as_str().unwrap()));
        assert_eq!(n.args[0].as_str(), Some("esc\naped"));
        assert!(!borrowed(n.args[0].as_str().unwrap()));
        assert!(borrowed(n.args[1].as_str().unwrap()));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let src = "a {".repeat(5000) + &"}".repeat(5000);
        let errs = parse(&src).unwrap_err();
        assert_eq!(errs[0].code, Code::TooDeeplyNested);
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        let src = format!("a \"{}\" // {}\n", "{".repeat(100), "{".repeat(100));
        assert!(parse(&src).is_ok());
    }

    #[test]
    fn invalid_utf8_points_at_the_byte() {
        let err = decode(b"stack x {\xff}").unwrap_err();
        assert_eq!(err.code, Code::InvalidUtf8);
        assert_eq!(err.span.offset, 9);
    }

    #[test]
    fn kdl_errors_get_a_v2_hint() {
        let errs = parse("a for=5m\n").unwrap_err();
        assert_eq!(errs[0].code, Code::KdlSyntax);
        assert_eq!(errs[0].help.as_deref(), Some("quote it: for=\"5m\""));
        let errs = parse("a x=true\n").unwrap_err();
        assert!(
            errs[0].help.as_deref().unwrap().contains("#true"),
            "{errs:?}"
        );
    }
}
