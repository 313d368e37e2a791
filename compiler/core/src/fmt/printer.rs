//! Prints the layout tree in canonical form.

use super::lexer::is_space;
use super::tree::{Block, Comment, Item, Node, Part};
use super::values::normalize_newlines;

const INDENT: &str = "    ";

/// The canonical text of a document.
pub(super) fn print(doc: &Block) -> String {
    let mut p = Printer::default();
    p.block(doc, 0);
    p.out
}

#[derive(Default)]
struct Printer {
    out: String,
    /// Byte offset where the current output line starts.
    line_start: usize,
}

impl Printer {
    /// Column (in characters) where the next character will go.
    fn col(&self) -> usize {
        self.out[self.line_start..].chars().count()
    }

    /// Nothing but indentation on the current line so far.
    fn at_line_start(&self) -> bool {
        self.out[self.line_start..].chars().all(|c| c == ' ')
    }

    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        if let Some(at) = s.rfind('\n') {
            self.line_start = self.out.len() - s.len() + at + 1;
        }
    }

    /// Ends the current line (never leaving trailing spaces).
    fn newline(&mut self) {
        let trimmed = self.out.trim_end_matches(' ').len().max(self.line_start);
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.line_start = self.out.len();
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }

    fn block(&mut self, block: &Block, depth: usize) {
        for item in &block.items {
            match item {
                Item::Blank => self.newline(),
                Item::Comment(c) => {
                    self.indent(depth);
                    self.comment(c);
                    self.newline();
                }
                Item::Node(node) => self.node(node, depth),
            }
        }
    }

    fn node(&mut self, node: &Node, depth: usize) {
        self.indent(depth);
        // End-of-line comments on this line may keep their source column.
        let first_line = node.starts_line.then_some(self.line_start);
        for c in &node.pre {
            self.comment(c);
            self.write(" ");
        }
        if node.slashdash {
            self.write("/-");
        }
        let mut space = false;
        for (k, part) in node.head.iter().enumerate() {
            match part {
                Part::Atom(text) => {
                    self.space(space);
                    self.write(text);
                }
                Part::Comment(c) => {
                    self.space(space);
                    self.comment(c);
                }
                Part::Break(c) => {
                    let last =
                        k + 1 == node.head.len() && node.after.is_empty() && node.eol.is_none();
                    self.space(!self.at_line_start());
                    if last {
                        // Nothing follows: an end-of-line comment says the same.
                        self.comment(c);
                        space = true;
                        continue;
                    }
                    self.write("\\ ");
                    self.comment(c);
                    self.newline();
                    self.indent(depth + 1);
                    space = false;
                    continue;
                }
                Part::Children { slashdash, block } => {
                    self.space(space);
                    if *slashdash {
                        self.write("/-");
                    }
                    self.children(block, depth, first_line);
                }
            }
            space = true;
        }
        for c in &node.after {
            self.write(" ");
            self.comment(c);
        }
        if let Some(c) = &node.eol {
            self.eol(c, first_line);
        }
        self.newline();
    }

    fn space(&mut self, yes: bool) {
        if yes {
            self.write(" ");
        }
    }

    /// `{` ... `}`; an empty block stays `{}`.
    fn children(&mut self, block: &Block, depth: usize, first_line: Option<usize>) {
        self.write("{");
        if block.items.is_empty() && block.open.is_empty() {
            self.write("}");
            return;
        }
        for c in &block.open {
            self.eol(c, first_line);
        }
        self.newline();
        self.block(block, depth + 1);
        self.indent(depth);
        self.write("}");
    }

    /// A comment after code on the same line. A `//` comment keeps its
    /// source column when it ends the first line of a node that began its
    /// line in the source (so aligned comments stay aligned) and the code
    /// still ends before it; otherwise it keeps the spaces the author put
    /// before it. A block comment gets one space.
    fn eol(&mut self, c: &Comment, first_line: Option<usize>) {
        if !self.at_line_start() {
            let col = self.col();
            let pad = if !c.line {
                1
            } else if first_line == Some(self.line_start) && col < c.column {
                c.column - col
            } else {
                c.gap
            };
            self.write(&" ".repeat(pad));
        }
        self.comment(c);
    }

    /// A comment's text; the lines of a block comment after the first move
    /// by as many columns as its first line moved.
    fn comment(&mut self, c: &Comment) {
        if c.line {
            self.write(c.text.trim_end());
            return;
        }
        let shift = self.col() as isize - c.column as isize;
        let text = normalize_newlines(&c.text);
        for (k, line) in text.split('\n').enumerate() {
            if k > 0 {
                self.newline();
                let line = line.trim_end();
                if shift >= 0 {
                    if !line.is_empty() {
                        self.write(&" ".repeat(shift.unsigned_abs()));
                    }
                    self.write(line);
                } else {
                    let mut rest = line;
                    for _ in 0..shift.unsigned_abs() {
                        match rest.strip_prefix(is_space) {
                            Some(r) => rest = r,
                            None => break,
                        }
                    }
                    self.write(rest);
                }
            } else {
                self.write(line);
            }
        }
    }
}
