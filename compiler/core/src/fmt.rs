//! The canonical formatter behind `stackc fmt`.
//!
//! [`format_source`] rewrites a stack file in its one canonical form, the
//! way `cargo fmt` and `terraform fmt` do. The text must be valid KDL v2
//! (as the `kdl` crate parses it); the output always parses to the same
//! document and keeps every comment.
//!
//! # Canonical form
//!
//! Layout:
//! - 4 spaces of indentation per block level, never tabs.
//! - One node per line: nodes separated by `;` go on lines of their own, a
//!   block written on one line (`a { b; c }`) is expanded, `}` closes on a
//!   line of its own. `;` terminators are dropped. An empty block stays
//!   `{}`.
//! - No trailing whitespace (text inside multi-line strings excepted);
//!   exactly one newline at the end of the file (an empty document prints
//!   as nothing); `\r\n` and the other KDL newlines become `\n`; a byte
//!   order mark is dropped.
//! - Blank lines: none at the start or end of a block or of the file; a
//!   run of blank lines becomes one; a single blank line the author put
//!   between two nodes or comments is kept (paragraphing).
//! - Line continuations (`\`) are joined, except when they carry a `//`
//!   comment: then the comment stays after ` \ ` and the node continues on
//!   the next line, one level deeper.
//!
//! Nodes and entries:
//! - One space between the node name and each entry; entries keep the
//!   order they were written in (arguments and properties are never
//!   reordered); a property is `key=value` with no spaces; a type
//!   annotation is `(type)` with no spaces, glued to what it annotates.
//! - Strings (values, node names, property keys and type names) are bare
//!   when KDL v2 reads the bare word back as the same string (`eu-west-1`,
//!   `t3.small`, `goldcar::vhosts`, `ops@example.com`); otherwise quoted
//!   (`"/srv"`, `"5m"`, `"two words"`, `"true"`, `"#x"`) with minimal
//!   escapes: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, and `\u{..}` for
//!   other control, newline and invisible formatting characters. When the
//!   quoted form would need `\"` or `\\` and the string fits raw on one
//!   line, it is written raw with the fewest hashes (`#"C:\dir"#`). The
//!   spelling depends on the value only, not on how it was written, except
//!   for multi-line strings (`"""`, `#"""`), which are kept exactly as
//!   written (newlines aside).
//! - Numbers keep their written form, except that a `+` sign is dropped,
//!   leading zeros are dropped (`007` → `7`) and a decimal exponent is
//!   written `e5` / `e-5` (not `E+05`). Hex, octal and binary digits and
//!   `_` separators stay as written. Keywords are `#true`, `#false`,
//!   `#null`, `#inf`, `#-inf`, `#nan`.
//!
//! Comments (none is ever dropped):
//! - A comment on a line of its own stays on a line of its own, indented
//!   to the level of the nodes around it (a block comment's further lines
//!   move by as many columns as its first line).
//! - An end-of-line `//` comment stays at the end of its line, after its
//!   node (or after the `{` or `}` it followed). On the first line of a node
//!   that began its line in the source, it keeps its source column when the
//!   code still ends before it, so comments aligned in a column stay
//!   aligned; elsewhere (after `}`, after a node that shared its line with
//!   another) it keeps the spaces the author put before it. Always at least
//!   one space.
//! - Block comments between entries stay between them, one space on each
//!   side. Comments at places with no room for them (inside a type
//!   annotation, around `=`, between `/-` and what it comments out) move
//!   just before the entry or node they were in (a `//` comment there goes
//!   on its own line above the node, or after a ` \ ` continuation).
//! - Slashdash comments (`/-`) keep what they comment out, formatted like
//!   live code and glued to it: `/-node`, `/-key=value`, `/-{`.
//!
//! The result is idempotent: formatting formatted text changes nothing.
//!
//! # How
//!
//! `kdl`'s own `autoformat` is not used: it drops comments between entries,
//! end-of-line comments, slashdashed entries and children blocks and blank
//! lines, and `kdl`'s parser keeps no trace of some comments at all (for
//! example a block comment after a children block). Instead the text is
//! checked with `kdl` (which decides what is valid KDL v2), then split into
//! lossless tokens (`lexer`), parsed into a small layout tree (`tree`) with
//! values in canonical spelling (`values`) and printed (`printer`). The
//! output is parsed again with `kdl` and compared with the input document;
//! if they differ (a formatter bug), an error is returned instead of text
//! with another meaning.

pub(crate) mod lexer;
mod printer;
mod tree;
pub(crate) mod values;

pub(crate) use values::spell;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use kdl::{KdlDiagnostic, KdlDocument, KdlEntry, KdlError, KdlNode};
use miette::Severity;

/// Returns the canonical text of a stack file. Errors only when the text is
/// not valid KDL v2.
///
/// (Should the formatter ever fail to understand text that `kdl` accepted,
/// or produce text that means something else, that is reported as an error
/// too, rather than returning the wrong text.)
pub fn format_source(source: &str) -> Result<String, KdlError> {
    // kdl-rs recurses per block level; refuse what would overflow the stack.
    if let Some(span) = crate::syntax::too_deep(source) {
        let input = Arc::new(source.to_string());
        return Err(KdlError {
            input: input.clone(),
            diagnostics: vec![KdlDiagnostic {
                input,
                span: (span.offset, span.len).into(),
                message: Some(format!(
                    "blocks are nested more than {} levels deep",
                    crate::syntax::MAX_DEPTH
                )),
                label: Some("too deep from here".into()),
                help: Some("a stack file needs a handful of levels; flatten this structure".into()),
                severity: miette::Severity::Error,
            }],
        });
    }
    // The text must be valid KDL v2 and the output must mean the same. The
    // fast reader decides both for the subset it reads (kdl-rs takes ~10 µs
    // per character of a comment); kdl-rs decides the rest, and annotated
    // nodes, whose type names the fast tree keeps only as spans.
    let fast_before = crate::syntax::parse_fast(source).filter(|n| !annotated(n));
    let before = match fast_before {
        Some(_) => None,
        None => Some(kdl_document(source)?),
    };
    let toks = lexer::tokenize(source).map_err(|e| internal(source, e.offset, e.message))?;
    let layout = tree::parse(source, &toks).map_err(|e| internal(source, e.offset, e.message))?;
    let out = printer::print(&layout);
    let same = match (&fast_before, crate::syntax::parse_fast(&out)) {
        (Some(a), Some(b)) => same_fast_nodes(a, &b),
        _ => {
            let before = match before {
                Some(doc) => Ok(doc),
                None => kdl_document(source),
            };
            let after = kdl_document(&out);
            matches!((before, after), (Ok(a), Ok(b)) if same_documents(&a, &b))
        }
    };
    if same {
        Ok(out)
    } else {
        Err(internal(
            source,
            0,
            "the formatted text would not mean the same as the original",
        ))
    }
}

/// kdl-rs's document of `source`, its errors' spans in `source`.
fn kdl_document(source: &str) -> Result<KdlDocument, KdlError> {
    let parsed = crate::syntax::kdl_parse(source);
    match &parsed.result {
        Ok(_) => parsed.result,
        Err(e) => Err(parsed.error_in(source, e)),
    }
}

/// True when a node of the tree carries a `(type)` annotation.
fn annotated(nodes: &[crate::syntax::Node<'_>]) -> bool {
    nodes
        .iter()
        .any(|n| n.annotation.is_some() || annotated(n.kids()))
}

/// Same names, arguments, properties (in order) and children, ignoring
/// spans: the fast reader's trees of two texts.
fn same_fast_nodes(a: &[crate::syntax::Node<'_>], b: &[crate::syntax::Node<'_>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.name == b.name
                && a.annotation.is_none()
                && b.annotation.is_none()
                && a.args.len() == b.args.len()
                && a.args.iter().zip(&b.args).all(|(x, y)| x.kind == y.kind)
                && a.props.len() == b.props.len()
                && a.props
                    .iter()
                    .zip(&b.props)
                    .all(|(x, y)| x.key == y.key && x.value.kind == y.value.kind)
                && match (&a.children, &b.children) {
                    (None, None) => true,
                    (Some(x), Some(y)) => same_fast_nodes(x, y),
                    _ => false,
                }
        })
}

/// An error for text `kdl` accepted but the formatter could not handle.
fn internal(source: &str, offset: usize, message: &str) -> KdlError {
    let input = Arc::new(source.to_string());
    KdlError {
        input: input.clone(),
        diagnostics: vec![KdlDiagnostic {
            input,
            span: (offset.min(source.len()), 0).into(),
            message: Some(format!("stackc fmt cannot format this file: {message}")),
            label: Some("here".into()),
            help: Some("this is a bug in stackc fmt; please report it with this file".into()),
            severity: Severity::Error,
        }],
    }
}

/// Same nodes, names, type annotations, entries, values and children,
/// ignoring formatting, comments and spans.
pub(crate) fn same_documents(a: &KdlDocument, b: &KdlDocument) -> bool {
    a.nodes().len() == b.nodes().len()
        && a.nodes()
            .iter()
            .zip(b.nodes())
            .all(|(a, b)| same_nodes(a, b))
}

fn same_nodes(a: &KdlNode, b: &KdlNode) -> bool {
    a.name().value() == b.name().value()
        && a.ty().map(|t| t.value()) == b.ty().map(|t| t.value())
        && a.entries().len() == b.entries().len()
        && a.entries()
            .iter()
            .zip(b.entries())
            .all(|(a, b)| same_entries(a, b))
        && match (a.children(), b.children()) {
            (None, None) => true,
            (Some(a), Some(b)) => same_documents(a, b),
            _ => false,
        }
}

fn same_entries(a: &KdlEntry, b: &KdlEntry) -> bool {
    a.name().map(|n| n.value()) == b.name().map(|n| n.value())
        && a.ty().map(|t| t.value()) == b.ty().map(|t| t.value())
        && a.value() == b.value()
}
