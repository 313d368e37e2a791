//! The parse with kdl-rs, the reference: on a stack that fits it, with long
//! comments left out, its errors turned into diagnostics and its tree
//! lowered to stackc's.

use super::hints::{bad_escape, kdl_hint, unquoted_values, without_comment};
use super::{lex, Document, Node, Prop, Value, ValueKind, KEEP_COMMENT};
use crate::diag::{Code, Diagnostic, Span};

/// Parses with kdl-rs, the reference: every syntax error is reported.
pub fn parse_with_kdl(source: &str) -> Result<Document<'static>, Vec<Diagnostic>> {
    let parsed = kdl_parse(source);
    let span_of = |s| parsed.span(s);
    let doc = parsed
        .result
        .as_ref()
        .map_err(|e| diagnostics(source, &parsed, e))?;
    let mut nodes: Vec<Node<'static>> = doc
        .nodes()
        .iter()
        .map(|n| lower_node(n, &span_of))
        .collect();
    narrow_value_spans(source, &mut nodes);
    Ok(Document { nodes })
}

/// The syntax errors of a text, as kdl-rs finds them and stackc words them.
fn diagnostics(source: &str, parsed: &KdlParse, e: &kdl::KdlError) -> Vec<Diagnostic> {
    let span_of = |s| parsed.span(s);
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
                "every `{` needs a matching `}`; the block opened here is never closed".to_string(),
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
}

/// The syntax errors of `source` as [`parse_with_kdl`] reports them, found
/// in the part of it that the fast reader cannot read (see
/// [`super::narrow`]), but for single-line strings that do not close,
/// which are stackc's errors. `None` when that part has none (the text is
/// valid KDL the fast reader does not read) or the text has no shape to go
/// by.
pub(super) fn narrowed_errors(source: &str) -> Option<Vec<Diagnostic>> {
    let narrowed = super::narrow::narrow(source)?;
    let condensed = lex::cut(source, narrowed.cuts);
    let text = condensed.text.as_str();
    let result = on_kdl_stack(text, || kdl::KdlDocument::parse_v2(text));
    let parsed = KdlParse {
        result,
        condensed: Some(condensed),
    };
    let mut errors = match &parsed.result {
        Err(e) => diagnostics(source, &parsed, e),
        Ok(_) => Vec::new(),
    };
    if !narrowed.unclosed.is_empty() {
        errors.extend(narrowed.unclosed);
        errors.sort_by_key(|d| d.span.offset);
    }
    (!errors.is_empty()).then_some(errors)
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
