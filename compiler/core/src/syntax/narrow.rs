//! The syntax errors of a large file, read from a small part of it. kdl-rs,
//! whose words stackc's syntax errors are, took half a second on an
//! editor's 1,000-layer file (837 KiB) with one typo in it. But a KDL node
//! list means the same wherever it stands, so a node the fast reader reads
//! alone is valid in place and leaving it out changes no other node. The
//! text kdl-rs reads keeps only the nodes the fast reader refuses (and the
//! node after each, since kdl-rs recovers from an error by reading on); of
//! a refused node with one block, its head and its `}`, with the same done
//! inside the block.
//!
//! A single-line string that does not close is stackc's error, not kdl-rs's:
//! KDL ends it at its line, but kdl-rs reads on into the next lines and
//! reports blocks that do close as unclosed. Its node is left out of what
//! kdl-rs reads, so that the rest of the file is read as KDL reads it.

use std::ops::Range;

use super::lex::{self, Mark};
use crate::diag::{Diagnostic, Span};

/// Comment text kdl-rs reads in full (as [`super::kdl_parse`] keeps it).
const KEEP_COMMENT: usize = super::KEEP_COMMENT;

/// What kdl-rs need not read of a text, and the errors found without it.
#[derive(Debug, Default)]
pub(super) struct Narrowed {
    /// What to leave out of the text before kdl-rs reads it, in order.
    pub cuts: Vec<Range<usize>>,
    /// A "never closed" error for each single-line string that does not
    /// close, whose nodes are among the cuts.
    pub unclosed: Vec<Diagnostic>,
}

/// What to leave out of `source` before kdl-rs reads it for errors: every
/// node the fast reader reads alone or that holds a single-line string that
/// does not close, and the text of long comments in what stays. `None` when
/// the text has no shape to go by: braces that do not pair, or a multi-line
/// string or block comment that never closes.
pub(super) fn narrow(source: &str) -> Option<Narrowed> {
    let (lexed, strings) = lex::lex_all(source)?;
    let close = pairs(&lexed.marks)?;
    let list = List {
        source,
        marks: &lexed.marks,
        close: &close,
        strings: &strings,
    };
    let mut out = Narrowed::default();
    list.read(0..source.len(), 0..lexed.marks.len(), &mut out);
    let nodes = &out.cuts;
    // Comments are left out as kdl_parse leaves them: those before the
    // first string that does not close, in the nodes that stay.
    let until = lexed.unclosed.map_or(source.len(), |u| u.0);
    let comments = lex::long_comments(source, &lexed.comments, KEEP_COMMENT)
        .filter(|c| c.end <= until)
        .filter(|c| {
            let i = nodes.partition_point(|n: &Range<usize>| n.end <= c.start);
            nodes.get(i).is_none_or(|n| n.start > c.start)
        });
    let mut all: Vec<Range<usize>> = nodes.iter().cloned().chain(comments).collect();
    all.sort_by_key(|r| r.start);
    out.cuts = all;
    Some(out)
}

/// What [`narrow`] leaves out, for tests.
#[cfg(test)]
pub(super) fn cuts(source: &str) -> Option<Vec<Range<usize>>> {
    narrow(source).map(|n| n.cuts)
}

/// For each `{` mark, the index of the `}` that closes it; `None` when the
/// braces do not pair.
fn pairs(marks: &[(usize, Mark)]) -> Option<Vec<usize>> {
    let mut close = vec![usize::MAX; marks.len()];
    let mut open = Vec::new();
    for (k, (_, m)) in marks.iter().enumerate() {
        match m {
            Mark::Open => open.push(k),
            Mark::Close => close[open.pop()?] = k,
            _ => {}
        }
    }
    open.is_empty().then_some(close)
}

struct List<'a> {
    source: &'a str,
    marks: &'a [(usize, Mark)],
    close: &'a [usize],
    /// The single-line strings that do not close, in order.
    strings: &'a [lex::Opening],
}

impl List<'_> {
    /// Splits the node list in `bytes` (whose marks are `marks`) into its
    /// nodes, and adds to `out` those that may be left out. kdl-rs recovers
    /// from an error differently after `{` or `;` than after a newline, so
    /// a node is left out only when a newline comes before it and ends it:
    /// every node kdl-rs reads has the same neighbours as in the file.
    fn read(&self, bytes: Range<usize>, marks: Range<usize>, out: &mut Narrowed) {
        let mut start = bytes.start;
        // Whether a newline ends the node before (no newline starts a list)
        // and that node was left out. kdl-rs recovers from an error by
        // reading on, so the node after one it reads stays too.
        let mut after_newline = false;
        let mut after_cut = false;
        let mut joined = false;
        let mut blocks = Vec::new();
        let mut k = marks.start;
        while k < marks.end {
            let (at, mark) = self.marks[k];
            match mark {
                Mark::Open => {
                    blocks.push(k);
                    k = self.close[k];
                    joined = false;
                }
                Mark::Join | Mark::Slashdash => joined = true,
                // A slashdash takes the next node however many blank or
                // comment lines come first; joining more than needed only
                // keeps more for kdl-rs to read.
                Mark::End if joined => joined = self.blank_before(marks.start, k),
                Mark::End => {
                    let newline = self.source.as_bytes()[at] == b'\n';
                    let may_go = after_newline && after_cut && newline;
                    after_cut = self.node(start..at + 1, may_go, &blocks, out);
                    after_newline = newline;
                    start = at + 1;
                    blocks.clear();
                }
                // Blocks are skipped whole, so no `}` closes this list.
                Mark::Close => {}
            }
            k += 1;
        }
        let _ = self.node(start..bytes.end, false, &blocks, out);
    }

    /// Whether only spaces or a comment come between the mark before `k`
    /// (or the list's start) and mark `k`.
    fn blank_before(&self, first: usize, k: usize) -> bool {
        let from = match k
            .checked_sub(1)
            .filter(|&p| p >= first)
            .map(|p| self.marks[p])
        {
            Some((at, Mark::Slashdash)) => at + 2,
            Some((at, _)) => at + 1,
            // Not met (a join comes first), and joining is the safe side.
            None => return true,
        };
        let between = self.source[from..self.marks[k].0].trim_start();
        between.is_empty() || between.starts_with('/')
    }

    /// A node of a list: left out when it holds a string that does not
    /// close, or when it `may_go` and the fast reader reads it alone; else
    /// read inside when it has one block. True when it was left out, or
    /// read without an error.
    fn node(
        &self,
        bytes: Range<usize>,
        may_go: bool,
        blocks: &[usize],
        out: &mut Narrowed,
    ) -> bool {
        if bytes.is_empty() {
            return true;
        }
        let inner = match blocks {
            [open] => {
                let close = self.close[*open];
                Some((
                    self.marks[*open].0 + 1..self.marks[close].0,
                    open + 1..close,
                ))
            }
            _ => None,
        };
        let first = self.strings.partition_point(|s| s.0 < bytes.start);
        let strings: Vec<_> = self.strings[first..]
            .iter()
            .take_while(|s| s.0 < bytes.end)
            .collect();
        let inside = |at: usize| inner.as_ref().is_some_and(|(i, _)| i.contains(&at));
        // A node with a string left open goes, and with it every such
        // string it holds.
        if strings.iter().any(|s| !inside(s.0)) {
            for &&(at, len, what) in &strings {
                out.unclosed.push(super::unclosed(Span::new(at, len), what));
            }
            out.cuts.push(bytes);
            return true;
        }
        let clean = super::fast::parse(&self.source[bytes.clone()]).is_some();
        if clean && may_go {
            out.cuts.push(bytes);
        } else if let (false, Some((inner, marks))) = (clean, inner) {
            self.read(inner, marks, out);
        }
        clean
    }
}
