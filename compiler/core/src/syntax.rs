//! Source text to AST: UTF-8 and size checks, a nesting guard, the KDL v2
//! parse, and a small tree with spans that later stages read. The tree
//! borrows its names and strings from the source text wherever they are
//! written as they read (no escapes), so it costs little more than the text.

mod fast;
mod guards;
mod hints;
mod kdl_rs;
mod lex;
mod narrow;
#[cfg(test)]
mod tests;
mod tree;

pub(crate) use guards::too_deep;
pub(crate) use kdl_rs::kdl_parse;
pub use kdl_rs::parse_with_kdl;
pub use tree::{Document, Int, Node, Prop, Str, Value, ValueKind};

use crate::diag::{Code, Diagnostic, Span};
use guards::unclosed_raw_strings;

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
            // kdl-rs words the errors; it reads only the nodes the fast
            // reader refused, unless the text is valid after all.
            if let Some(errors) = kdl_rs::narrowed_errors(source) {
                return Err(errors);
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
