//! A linear pass over KDL v2 text that finds its strings and comments, for
//! what kdl-rs does slowly: kdl-rs spends about 10 µs on each character of a
//! comment, and reads each raw string that does not close on its line to
//! the end of the line before it tries the next one. The pass knows where
//! comments are (so that they can be shortened before kdl-rs reads the
//! text), which raw string is the first that never closes, and where the
//! braces, node ends, line continuations and slashdashes outside strings
//! and comments are (so that a broken file's nodes can be told apart, see
//! `narrow.rs`).
//!
//! It reads as KDL v2 does: `"..."` (escapes, and a `\` before whitespace
//! that may span lines), `"""..."""`, raw strings `#"..."#` and `#"""..."""#`
//! with any number of `#`, `//` comments to the next newline (any of KDL's
//! newlines), and nested `/* ... */` comments. Everything else is read a
//! character at a time, and stops at the first string or comment that does
//! not close: up to there, its comments are where kdl-rs finds them.

use std::ops::Range;

use crate::fmt::lexer::{is_disallowed, is_newline, is_space};

fn whitespace_or_newline(c: char) -> bool {
    is_space(c) || is_newline(c)
}

/// What a pass over the text found.
#[derive(Debug, Default)]
pub struct Lexed {
    /// The text of every comment (after `//`, between `/*` and `*/`) up to
    /// the first string or comment that does not close, in order; none
    /// nested in another.
    pub comments: Vec<Range<usize>>,
    /// The first string or comment that does not close.
    pub unclosed: Option<Opening>,
    /// Where the text outside strings and comments has a mark that shapes
    /// nodes, up to the same point, in order.
    pub marks: Vec<(usize, Mark)>,
}

/// A byte outside strings and comments that shapes the node list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// `{`
    Open,
    /// `}`
    Close,
    /// `\n` or `;`, which end a node unless something joins the lines.
    End,
    /// `\`, a line continuation: the node goes on past the next end.
    Join,
    /// `/-`, a slashdash: it takes the next node or value however many
    /// blank or comment lines come first.
    Slashdash,
}

/// Where a string or comment opens, how long its opener is, and what it is.
pub type Opening = (usize, usize, Unclosed);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unclosed {
    String,
    MultiLineString,
    RawString,
    MultiLineRawString,
    BlockComment,
}

/// Reads `source` to its end, or to the first string or comment that does
/// not close.
pub fn lex(source: &str) -> Lexed {
    let mut out = Lexed::default();
    lex_from(source, 0, &mut out);
    out
}

/// [`lex`] from `start`, adding to `out`.
fn lex_from(source: &str, start: usize, out: &mut Lexed) {
    let bytes = source.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let body = i + 2;
                let end = source[body..]
                    .char_indices()
                    .find(|&(_, c)| is_newline(c))
                    .map_or(source.len(), |(at, _)| body + at);
                out.comments.push(body..end);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match block_comment_end(bytes, i) {
                Some(end) => {
                    out.comments.push(i + 2..end - 2);
                    i = end;
                }
                None => {
                    out.unclosed = Some((i, 2, Unclosed::BlockComment));
                    return;
                }
            },
            b'"' => {
                let multi = bytes[i..].starts_with(b"\"\"\"");
                let body = i + if multi { 3 } else { 1 };
                match string_end(source, body, multi) {
                    Some(end) => i = end,
                    None => {
                        let (len, what) = if multi {
                            (3, Unclosed::MultiLineString)
                        } else {
                            (1, Unclosed::String)
                        };
                        out.unclosed = Some((i, len, what));
                        return;
                    }
                }
            }
            b'#' => {
                let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
                let open = i + hashes;
                if bytes.get(open) != Some(&b'"') {
                    i = open;
                    continue;
                }
                let multi = bytes[open..].starts_with(b"\"\"\"");
                let body = open + if multi { 3 } else { 1 };
                match raw_end(source, body, hashes, multi) {
                    Some(end) => i = end,
                    None => {
                        let (len, what) = if multi {
                            (hashes + 3, Unclosed::MultiLineRawString)
                        } else {
                            (hashes + 1, Unclosed::RawString)
                        };
                        out.unclosed = Some((i, len, what));
                        return;
                    }
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'-') => {
                out.marks.push((i, Mark::Slashdash));
                i += 2;
            }
            b => {
                let mark = match b {
                    b'{' => Some(Mark::Open),
                    b'}' => Some(Mark::Close),
                    b'\n' | b';' => Some(Mark::End),
                    b'\\' => Some(Mark::Join),
                    _ => None,
                };
                if let Some(mark) = mark {
                    out.marks.push((i, mark));
                }
                i += 1;
            }
        }
    }
}

/// [`lex`] over the whole text, going on past single-line strings that do
/// not close (KDL ends them at their line). `unclosed` is still the first
/// one; the second value is every one of them. `None` when a multi-line
/// string or a block comment does not close: the rest of the text has no
/// shape then.
pub fn lex_all(source: &str) -> Option<(Lexed, Vec<Opening>)> {
    let mut out = Lexed::default();
    let mut open = Vec::new();
    let mut at = 0;
    loop {
        let first = out.unclosed.take();
        lex_from(source, at, &mut out);
        let Some(string) = out.unclosed else {
            out.unclosed = first;
            return Some((out, open));
        };
        if !matches!(string.2, Unclosed::String | Unclosed::RawString) {
            return None;
        }
        out.unclosed = first.or(Some(string));
        open.push(string);
        at = match source[string.0..].find(is_newline) {
            Some(nl) => string.0 + nl,
            None => return Some((out, open)),
        };
    }
}

/// The end (after `*/`) of the block comment opened at `at`, nested ones
/// included.
fn block_comment_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end (after the closing quotes) of a quoted string whose text starts
/// at `body`. A single-line one ends at a newline that no `\` escapes.
fn string_end(source: &str, body: usize, multi: bool) -> Option<usize> {
    let mut chars = source[body..].char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                // A `\` before whitespace escapes it and all that follows,
                // newlines included.
                Some((_, w)) if whitespace_or_newline(w) => {
                    while chars.next_if(|&(_, c)| whitespace_or_newline(c)).is_some() {}
                }
                Some(_) => {}
                None => return None,
            },
            '"' if !multi => return Some(body + at + 1),
            '"' if source[body + at..].starts_with("\"\"\"") => return Some(body + at + 3),
            c if !multi && is_newline(c) => return None,
            _ => {}
        }
    }
    None
}

/// The end of a raw string opened with `hashes` hashes whose text starts at
/// `body`: at the first `"` (`"""` when multi-line) followed by as many `#`,
/// on the same line when it is a single-line one.
fn raw_end(source: &str, body: usize, hashes: usize, multi: bool) -> Option<usize> {
    let quotes = if multi { "\"\"\"" } else { "\"" };
    let closer = format!("{quotes}{}", "#".repeat(hashes));
    if multi {
        return source[body..]
            .find(&closer)
            .map(|p| body + p + closer.len());
    }
    for (at, c) in source[body..].char_indices() {
        if is_newline(c) {
            return None;
        }
        if c == '"' && source[body + at..].starts_with(&closer) {
            return Some(body + at + closer.len());
        }
    }
    None
}

/// How much kdl-rs would read in vain for the single-line raw strings that
/// do not close on their line: the rest of the line after each opener,
/// summed. Found from each line's end backwards, so linear in the text (a
/// closer with `k` hashes closes every opener with `k` or fewer before it).
/// Openers inside other strings or comments count too: this is a bound
/// for deciding whether to look closer, not a verdict.
pub fn unclosed_raw_cost(source: &str) -> usize {
    let bytes = source.as_bytes();
    let mut total = 0usize;
    for (start, line) in lines(source) {
        let line_bytes = &bytes[start..start + line];
        let mut closer = 0usize;
        let mut i = line_bytes.len();
        while i > 0 {
            i -= 1;
            if line_bytes[i] != b'"' {
                continue;
            }
            let before = line_bytes[..i]
                .iter()
                .rev()
                .take_while(|&&b| b == b'#')
                .count();
            if before > closer {
                total = total.saturating_add(line_bytes.len() - i - 1);
            }
            let after = line_bytes[i + 1..]
                .iter()
                .take_while(|&&b| b == b'#')
                .count();
            closer = closer.max(after);
        }
    }
    total
}

/// The lines of `source` as (start, length) for the newlines raw strings
/// stop at.
fn lines(source: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    let mut rest = source
        .char_indices()
        .filter(|&(_, c)| is_newline(c))
        .peekable();
    std::iter::from_fn(move || {
        if start > source.len() {
            return None;
        }
        match rest.next() {
            Some((at, c)) => {
                let line = (start, at - start);
                start = at + c.len_utf8();
                Some(line)
            }
            None => {
                let line = (start, source.len() - start);
                start = source.len() + 1;
                Some(line)
            }
        }
    })
}

/// `source` with the text of its comments left out, and the map from
/// offsets in it back to offsets in `source`.
pub struct Condensed {
    pub text: String,
    /// (offset in `text` where a comment's text was left out, bytes left
    /// out there and before), in order.
    cuts: Vec<(usize, usize)>,
}

impl Condensed {
    /// The offset in the original text of a span's start at `at`.
    pub fn start(&self, at: usize) -> usize {
        at + self.removed_before(at, true)
    }

    /// The offset in the original text of a span's end at `at`.
    pub fn end(&self, at: usize) -> usize {
        at + self.removed_before(at, false)
    }

    fn removed_before(&self, at: usize, inclusive: bool) -> usize {
        let n = self
            .cuts
            .partition_point(|&(cut, _)| if inclusive { cut <= at } else { cut < at });
        n.checked_sub(1).map_or(0, |i| self.cuts[i].1)
    }
}

/// Leaves out the text of comments longer than `keep` bytes (a comment's
/// delimiters stay, so the text still has a comment there). A comment that
/// holds a character KDL refuses is kept whole, so the text stays invalid.
pub fn condense(source: &str, comments: &[Range<usize>], keep: usize) -> Condensed {
    cut(source, long_comments(source, comments, keep))
}

/// The comments [`condense`] leaves out.
pub fn long_comments<'a>(
    source: &'a str,
    comments: &'a [Range<usize>],
    keep: usize,
) -> impl Iterator<Item = Range<usize>> + 'a {
    comments
        .iter()
        .filter(move |c| c.len() > keep && !source[(*c).clone()].chars().any(is_disallowed))
        .cloned()
}

/// `source` without the given ranges (in order, apart).
pub fn cut(source: &str, ranges: impl IntoIterator<Item = Range<usize>>) -> Condensed {
    let mut text = String::with_capacity(source.len());
    let mut cuts = Vec::new();
    let mut removed = 0;
    let mut from = 0;
    for c in ranges {
        text.push_str(&source[from..c.start]);
        removed += c.len();
        cuts.push((text.len(), removed));
        from = c.end;
    }
    text.push_str(&source[from..]);
    Condensed { text, cuts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comments(src: &str) -> Vec<&str> {
        let l = lex(src);
        assert!(l.unclosed.is_none(), "{src:?}: {:?}", l.unclosed);
        l.comments.iter().map(|r| &src[r.clone()]).collect()
    }

    #[test]
    fn finds_comments_outside_strings() {
        assert_eq!(
            comments("a \"// no\" // yes\nb /* one /* two */ */ c"),
            [" yes", " one /* two */ "]
        );
        assert_eq!(comments("a #\"// no\"# b ##\"x\"#//\"## // c"), [" c"]);
        assert_eq!(
            comments("a \"\"\"\n  // no \\\"\"\"\n  \"\"\" // c"),
            [" c"]
        );
        assert_eq!(comments("a \"x \\\n   // no\" // c"), [" c"]);
        assert_eq!(comments("a // c\u{2028}b // d"), [" c", " d"]);
        assert_eq!(comments("a #true /-b // c"), [" c"]);
    }

    #[test]
    fn names_the_first_string_or_comment_that_does_not_close() {
        let at = |src: &str| lex(src).unclosed;
        assert_eq!(at("a \"x\nb"), Some((2, 1, Unclosed::String)));
        assert_eq!(at("a #\"x\"\n\"#"), Some((2, 2, Unclosed::RawString)));
        assert_eq!(
            at("a ##\"\"\"\nx\n\"\"\"#"),
            Some((2, 5, Unclosed::MultiLineRawString))
        );
        assert_eq!(at("a /* /* */"), Some((2, 2, Unclosed::BlockComment)));
        assert_eq!(
            at("a \"\"\"\nx\n\"\""),
            Some((2, 3, Unclosed::MultiLineString))
        );
        assert_eq!(at("a \"x\\"), Some((2, 1, Unclosed::String)));
        assert_eq!(at("a #\"\"# ##\"\"#\"## #\"\"\"\n\"\"\"#"), None);
    }

    #[test]
    fn marks_are_found_outside_strings_and_comments_past_open_strings() {
        let src = "a { b \"x{\" /* } */ \\\n c; } // {\nd \"open {\ne /-f #\"raw\ng";
        let (lexed, open) = lex_all(src).expect("a shape");
        let marks: Vec<(char, Mark)> = lexed
            .marks
            .iter()
            .map(|&(at, m)| (src[at..].chars().next().unwrap(), m))
            .collect();
        use Mark::*;
        assert_eq!(
            marks,
            [
                ('{', Open),
                ('\\', Join),
                ('\n', End),
                (';', End),
                ('}', Close),
                ('\n', End),
                ('\n', End),
                ('/', Slashdash),
                ('\n', End),
            ]
        );
        // Both open strings, the first also as `unclosed`.
        let at = |needle: &str| src.find(needle).unwrap();
        assert_eq!(
            open,
            [
                (at("\"open"), 1, Unclosed::String),
                (at("#\"raw"), 2, Unclosed::RawString)
            ]
        );
        assert_eq!(lexed.unclosed, Some(open[0]));
        // A multi-line string that never closes leaves no shape.
        assert!(lex_all("a \"\"\"\nx {").is_none());
    }

    #[test]
    fn the_cost_counts_what_kdl_reads_in_vain() {
        assert_eq!(unclosed_raw_cost("a #\"x\"# b"), 0);
        assert_eq!(unclosed_raw_cost("a ##\"x\"# b\n"), 5);
        // Each of n openers with no closer costs the rest of its line.
        let line = "m #\" ".repeat(100);
        let cost = unclosed_raw_cost(&line);
        assert_eq!(
            cost,
            (0..100).map(|k| line.len() - (k * 5 + 4)).sum::<usize>()
        );
        assert_eq!(unclosed_raw_cost(&format!("{line}\n\"#")), cost);
    }

    #[test]
    fn condensing_maps_offsets_back() {
        let src = "a // long comment\nb /* x */ c";
        let l = lex(src);
        let c = condense(src, &l.comments, 1);
        assert_eq!(c.text, "a //\nb /**/ c");
        let b = c.text.find('b').unwrap();
        assert_eq!(c.start(b), src.find('b').unwrap());
        let star = c.text.find("*/").unwrap();
        assert_eq!(c.start(star), src.find("*/").unwrap());
        assert_eq!(c.end(c.text.len()), src.len());
        // A span ending where text was left out ends before it.
        assert_eq!(c.end(4), 4);
    }
}
