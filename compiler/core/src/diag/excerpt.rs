//! What a terminal diagnostic shows of its file: the lines its labels are
//! on, a line of context around them, and of a long line only a window
//! around each label's ends. miette lays out the caret lines with
//! `format!` widths, which panic past 65,535 columns, and it scans the file
//! from its start for each diagnostic; an excerpt keeps both small, so a
//! diagnostic costs the same on line 1 or line 100,000, at column 10 or
//! 1,000,000, and the header still names the real line and column.

use std::collections::HashMap;

use super::Span;

/// Lines longer than this (in characters) are cut to windows.
const LONG_LINE: usize = 200;
/// Characters kept on each side of a label's end on a long line.
const WINDOW: usize = 60;
/// Lines of context shown before and after the labelled lines (miette's default).
const CONTEXT: usize = 1;
/// Excerpts this few lines apart are shown as one, the lines between included.
const JOIN_GAP: usize = 8;

/// Where each line starts, and how many characters precede every 1 KiB
/// mark: line and column of any offset in O(log n + 1 KiB).
pub struct SourceIndex<'s> {
    text: &'s str,
    line_starts: Vec<usize>,
    chars_at_mark: Vec<usize>,
}

/// Bytes between two marks of [`SourceIndex::chars_at_mark`].
const MARK: usize = 1024;

impl<'s> SourceIndex<'s> {
    /// Indexes `text` (one pass).
    pub fn new(text: &'s str) -> Self {
        let bytes = text.as_bytes();
        let line_starts = std::iter::once(0)
            .chain(newline_offsets(bytes).map(|i| i + 1))
            .collect();
        let mut chars_at_mark = Vec::with_capacity(bytes.len() / MARK + 1);
        let mut chars = 0;
        for block in bytes.chunks(MARK) {
            chars_at_mark.push(chars);
            chars += count_chars(block);
        }
        chars_at_mark.push(chars);
        SourceIndex {
            text,
            line_starts,
            chars_at_mark,
        }
    }

    /// `offset` moved into the text and back onto a character boundary.
    fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// Start and end (before `\n` or `\r\n`) of a 0-based line.
    fn line_bounds(&self, line: usize) -> (usize, usize) {
        let start = self.line_starts[line];
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' && end < self.text.len() {
            end -= 1;
        }
        (start, end)
    }

    /// Characters before a byte offset (on a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let mark = offset / MARK;
        self.chars_at_mark[mark] + count_chars(&self.text.as_bytes()[mark * MARK..offset])
    }

    /// The text of a 1-based line, without its line end.
    pub fn line_text(&self, line: usize) -> &'s str {
        match line.checked_sub(1).filter(|l| *l < self.line_starts.len()) {
            Some(l) => {
                let (a, b) = self.line_bounds(l);
                &self.text[a..b]
            }
            None => "",
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let line = self.line_of(offset);
        let column = self.chars_before(offset) - self.chars_before(self.line_starts[line]);
        (line + 1, column + 1)
    }
}

fn newline_offsets(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
}

/// Characters in UTF-8 bytes: the bytes that are not continuation bytes.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

/// A part of the excerpt: consecutive lines of the file.
#[derive(Debug)]
struct Segment {
    /// Byte range in the excerpt's text.
    start: usize,
    end: usize,
    /// 0-based line in the file of its first line.
    first_line: usize,
    /// Lines in it.
    lines: usize,
}

/// The lines of a diagnostic's labels, cut to size, with the labels' spans
/// moved into them. miette renders it in place of the file.
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    segments: Vec<Segment>,
    /// Each label's span in `text`, in the order given.
    pub spans: Vec<Span>,
    /// Each label's 0-based line and column (characters) in the file.
    places: Vec<(usize, usize)>,
}

impl Excerpt {
    /// The excerpt of `index`'s file that shows `spans`.
    pub fn new(name: &str, index: &SourceIndex, spans: &[Span]) -> Excerpt {
        let spans: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| {
                let start = index.clamp(s.offset);
                (
                    start,
                    index.clamp(s.offset.saturating_add(s.len)).max(start),
                )
            })
            .collect();
        let mut points: HashMap<usize, usize> = HashMap::new();
        // Line ranges to show, merged when they touch.
        // The empty "line" after a final newline is shown only when a label is on it.
        let text_len = index.text.len();
        let last_line = index.line_starts.len() - 1;
        let last_context = match index.line_starts[last_line] {
            start if start == text_len && last_line > 0 => last_line - 1,
            _ => last_line,
        };
        let mut ranges: Vec<(usize, usize)> = spans
            .iter()
            .map(|&(a, b)| {
                let first = index.line_of(a).saturating_sub(CONTEXT);
                let end = index.line_of(b);
                (first, (end + CONTEXT).min(last_context).max(end))
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (first, last) in ranges {
            match merged.last_mut() {
                Some(prev) if first <= prev.1 + 1 + JOIN_GAP => prev.1 = prev.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        let mut ends: Vec<usize> = spans.iter().flat_map(|&(a, b)| [a, b]).collect();
        ends.sort_unstable();
        ends.dedup();
        let mut text = String::new();
        let mut segments = Vec::new();
        for (first, last) in merged {
            let start = text.len();
            for line in first..=last {
                let (a, b) = index.line_bounds(line);
                let lo = ends.partition_point(|&p| p < a);
                let hi = ends.partition_point(|&p| p <= b);
                write_line(index.text, (a, b), &ends[lo..hi], &mut text, &mut points);
                // A label may end after the line's last character (on its `\n`).
                let next = index.line_starts.get(line + 1).copied();
                for &p in &ends[hi..] {
                    if next.is_some_and(|n| p < n) {
                        points.entry(p).or_insert(text.len());
                    }
                }
                // Not after the empty "line" at the end of the file: miette
                // shows no line there, as for an empty file.
                if a < text_len {
                    text.push('\n');
                }
            }
            segments.push(Segment {
                start,
                end: text.len(),
                first_line: first,
                lines: last - first + 1,
            });
        }
        let places = spans
            .iter()
            .map(|&(a, _)| {
                let (line, column) = index.line_column(a);
                (line - 1, column - 1)
            })
            .collect();
        let spans = spans
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (points[&a], points[&b]);
                Span::new(a, b.max(a) - a)
            })
            .collect();
        Excerpt {
            name: name.to_string(),
            text,
            segments,
            spans,
            places,
        }
    }

    fn segment(&self, offset: usize) -> Option<&Segment> {
        self.segments
            .iter()
            .find(|s| s.start <= offset && offset < s.end.max(s.start + 1))
    }
}

/// Appends one line of the file (`a..b`) to `out`: whole when it is short,
/// else the windows around the label ends on it, joined by `…`. Control
/// characters are shown as `�` (a stack file must not drive the terminal).
/// Records where each end lands in `out`.
fn write_line(
    text: &str,
    (a, b): (usize, usize),
    ends: &[usize],
    out: &mut String,
    points: &mut HashMap<usize, usize>,
) {
    let line = &text[a..b];
    let windows: Vec<(usize, usize)> = if line.chars().nth(LONG_LINE).is_none() {
        vec![(a, b)]
    } else if ends.is_empty() {
        vec![(a, forward(text, a, b, 2 * WINDOW))]
    } else {
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for &p in ends {
            let (lo, hi) = (back(text, a, p, WINDOW), forward(text, p, b, WINDOW));
            match windows.last_mut() {
                Some(prev) if lo <= prev.1 => prev.1 = prev.1.max(hi),
                _ => windows.push((lo, hi)),
            }
        }
        windows
    };
    for (i, &(lo, hi)) in windows.iter().enumerate() {
        if lo > a {
            out.push_str(if i == 0 { "…" } else { " … " });
        }
        let start = out.len();
        out.extend(text[lo..hi].chars().map(shown));
        for &p in ends.iter().filter(|&&p| lo <= p && p <= hi) {
            let at = start
                + text[lo..p]
                    .chars()
                    .map(|c| shown(c).len_utf8())
                    .sum::<usize>();
            points.entry(p).or_insert(at);
        }
    }
    if windows.last().is_some_and(|w| w.1 < b) {
        out.push('…');
    }
}

/// How a character of the file is shown: control characters as `�`.
fn shown(c: char) -> char {
    if c.is_control() && c != '\t' {
        '\u{fffd}'
    } else {
        c
    }
}

/// The offset `n` characters before `p`, not before `floor`.
fn back(text: &str, floor: usize, p: usize, n: usize) -> usize {
    text[floor..p]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(floor, |(i, _)| floor + i)
}

/// The offset `n` characters after `p`, not after `ceiling`.
fn forward(text: &str, p: usize, ceiling: usize, n: usize) -> usize {
    text[p..ceiling]
        .char_indices()
        .nth(n)
        .map_or(ceiling, |(i, _)| p + i)
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let segment = self
            .segment(span.offset())
            .filter(|s| span.offset() + span.len() <= s.end)
            .ok_or(miette::MietteError::OutOfBounds)?;
        // Without context miette asks for a label's place (the header's
        // line:column); with context, for the lines to draw.
        let label = self
            .spans
            .iter()
            .position(|s| s.offset == span.offset() && s.len == span.len());
        if let Some(i) = label.filter(|_| before == 0 && after == 0) {
            let (line, column) = self.places[i];
            return Ok(Box::new(miette::MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[span.offset()..span.offset() + span.len()],
                *span,
                line,
                column,
                1,
            )));
        }
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[segment.start..segment.end],
            (segment.start, segment.end - segment.start).into(),
            segment.first_line,
            0,
            segment.lines,
        )))
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::{render_human, Code, Diagnostic, SourceIndex, Span};

    #[test]
    fn line_and_column_count_characters() {
        let text = "ab\né漢x\r\nlast";
        let index = SourceIndex::new(text);
        for offset in 0..=text.len() {
            assert_eq!(
                index.line_column(offset),
                crate::diag::line_column(text, offset),
                "offset {offset}"
            );
        }
        assert_eq!(index.line_text(2), "é漢x");
        assert_eq!(index.line_text(3), "last");
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_each_label() {
        // A repeat 1,000,000 characters after the first, on one line.
        let pad = "é".repeat(999_990);
        let text = format!("a\nnode k=1 {pad} k=2\nb\n");
        let second = text.rfind("k=2").unwrap();
        let d = Diagnostic::error(Code::DuplicateProperty, Span::new(second, 3), "twice")
            .related(Span::new(7, 3), "first given here");
        let out = render_human(&[d], "stack.kdl", &text, false);
        let (line, column) = crate::diag::line_column(&text, second);
        assert_eq!((line, column), (2, 1_000_001));
        assert!(out.contains("[stack.kdl:2:1000001]"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
        assert!(out.contains("k=1") && out.contains("k=2"), "{out}");
        assert!(
            out.contains("first given here") && out.contains('…'),
            "{out}"
        );
    }

    #[test]
    fn labels_far_apart_are_shown_in_separate_excerpts() {
        let text: String = (0..10_000).map(|i| format!("line{i}\n")).collect();
        let at = |line: usize| text.find(&format!("line{line}\n")).unwrap();
        let d = Diagnostic::error(Code::DuplicateNode, Span::new(at(9_000), 4), "again")
            .related(Span::new(at(10), 4), "first here");
        let out = render_human(&[d], "f", &text, false);
        // The lines around each label, not the 9,000 between them.
        assert!(out.lines().count() < 30, "{out}");
        assert!(
            out.contains("9001 │ line9000") && out.contains("11 │ line10"),
            "{out}"
        );
    }

    #[test]
    fn control_characters_do_not_reach_the_terminal() {
        let text = "a \u{1b}[2Jb";
        let d = Diagnostic::error(Code::KdlSyntax, Span::new(6, 1), "bad");
        let out = render_human(&[d], "f", text, false);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(out.contains("[f:1:7]"), "{out}");
    }
}
