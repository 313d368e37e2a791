//! Byte offsets (the core's spans) to LSP positions and back. LSP counts
//! lines split at `\n`, `\r\n` or `\r`, and columns in UTF-16 code units.

use lsp_types::{Position, Range};
use stackc_core::diag::Span;

/// Where each line of a text starts, to turn offsets into positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The position of a byte offset (clamped to the text, and moved back to
    /// the start of the character it falls in).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, column as u32)
    }

    /// The range of a span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.offset),
            self.position(text, span.offset.saturating_add(span.len)),
        )
    }

    /// The byte offset of a position. A line past the end gives the end of
    /// the text; a column past the end of its line gives the line's end; a
    /// column inside a surrogate pair gives the character's start.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.line_end(text, line);
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units + c.len_utf16() > want {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// The end of a line's text, before its line break.
    fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let content = &text[self.starts[line]..next];
        let trimmed = content
            .strip_suffix("\r\n")
            .or_else(|| content.strip_suffix('\n'))
            .or_else(|| content.strip_suffix('\r'))
            .unwrap_or(content);
        self.starts[line] + trimmed.len()
    }

    /// The position just past the last character.
    pub fn end(&self, text: &str) -> Position {
        self.position(text, text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        // é is 2 bytes and 1 unit; 🦀 is 4 bytes and 2 units (a surrogate pair).
        let text = "stack é {\n    description \"🦀 x\"\r\n}\rlast";
        let index = LineIndex::new(text);
        let x = text.find(" x").unwrap() + 1;
        assert_eq!(index.position(text, x), Position::new(1, 20));
        assert_eq!(index.offset(text, Position::new(1, 20)), x);
        let brace = text.find('{').unwrap();
        assert_eq!(index.position(text, brace), Position::new(0, 8));
        assert_eq!(index.offset(text, Position::new(0, 8)), brace);
        // After the \r\n and a lone \r.
        assert_eq!(
            index.position(text, text.find('}').unwrap()),
            Position::new(2, 0)
        );
        assert_eq!(
            index.offset(text, Position::new(3, 2)),
            text.find("last").unwrap() + 2
        );
    }

    #[test]
    fn offsets_inside_characters_and_past_the_end_are_clamped() {
        let text = "a🦀b\nc";
        let index = LineIndex::new(text);
        // The middle of the crab's UTF-8 bytes is its start.
        assert_eq!(index.position(text, 2), Position::new(0, 1));
        // The middle of its surrogate pair is its start.
        assert_eq!(index.offset(text, Position::new(0, 2)), 1);
        assert_eq!(index.offset(text, Position::new(0, 3)), 5);
        // Past the line's end: the end of that line; past the last line: the end.
        assert_eq!(index.offset(text, Position::new(0, 99)), 6);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(index.position(text, 99), Position::new(1, 1));
        assert_eq!(index.end(text), Position::new(1, 1));
    }
}
