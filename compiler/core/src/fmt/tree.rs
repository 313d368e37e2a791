//! The layout tree: what the printer prints.
//!
//! Built from the tokens by a small recursive-descent parser that follows
//! the KDL v2 grammar. Values are already in canonical spelling; comments
//! are attached to the place they will be printed.

use super::lexer::{Kind, Token};
use super::values;

/// A comment as written, plus what is needed to place it.
#[derive(Debug, Clone)]
pub(super) struct Comment {
    /// The comment text, `//` or `/*` included, no newline at the end.
    pub text: String,
    /// `//` comment (runs to the end of the line).
    pub line: bool,
    /// Column (in characters) of the comment in the source.
    pub column: usize,
    /// Spaces between the preceding code and the comment in the source
    /// (at least 1); used for end-of-line comments.
    pub gap: usize,
}

/// The contents of a document or of a children block.
#[derive(Debug, Default)]
pub(super) struct Block {
    /// Comments on the line of the opening `{`.
    pub open: Vec<Comment>,
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub(super) enum Item {
    Node(Node),
    /// A comment on a line of its own.
    Comment(Comment),
    /// One blank line.
    Blank,
}

/// A node, possibly slashdashed, on a line of its own.
#[derive(Debug, Default)]
pub(super) struct Node {
    /// Block comments on the node's line, before it.
    pub pre: Vec<Comment>,
    pub slashdash: bool,
    /// Type annotation and name first, then entries, comments, children.
    pub head: Vec<Part>,
    /// Block comments after the node on its last line.
    pub after: Vec<Comment>,
    /// `//` comment that ends the node's last line.
    pub eol: Option<Comment>,
    /// The node (or a comment before it) was the first thing on its line
    /// in the source.
    pub starts_line: bool,
}

#[derive(Debug)]
pub(super) enum Part {
    /// Name, argument or property in canonical spelling (`/-` included).
    Atom(String),
    /// A block comment between entries.
    Comment(Comment),
    /// A `//` comment after a line continuation `\`.
    Break(Comment),
    /// A children block, possibly slashdashed.
    Children { slashdash: bool, block: Block },
}

/// Comments met in node-space, in order.
enum Trivia {
    Block(Comment),
    Line(Comment),
}

/// The tokens are not KDL v2 the formatter understands.
#[derive(Debug)]
pub(super) struct ParseError {
    pub offset: usize,
    pub message: &'static str,
}

type Result<T> = std::result::Result<T, ParseError>;

/// Builds the layout tree of a whole document.
pub(super) fn parse(src: &str, toks: &[Token]) -> Result<Block> {
    let mut parser = Parser { src, toks, i: 0 };
    parser.block(false)
}

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    i: usize,
}

impl<'a> Parser<'a> {
    fn tok(&self) -> Token {
        self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn kind(&self) -> Kind {
        self.tok().kind
    }

    fn kind_at(&self, i: usize) -> Kind {
        self.toks[i.min(self.toks.len() - 1)].kind
    }

    fn text(&self) -> &'a str {
        let t = self.tok();
        &self.src[t.start..t.end]
    }

    fn bump(&mut self) {
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
    }

    fn err<T>(&self, message: &'static str) -> Result<T> {
        Err(ParseError {
            offset: self.tok().start,
            message,
        })
    }

    fn expect(&mut self, kind: Kind, message: &'static str) -> Result<()> {
        if self.kind() != kind {
            return self.err(message);
        }
        self.bump();
        Ok(())
    }

    /// The current token as a [`Comment`].
    fn comment(&self) -> Comment {
        let t = self.tok();
        let line_start = self.src[..t.start]
            .rfind(super::lexer::is_newline)
            .map_or(0, |at| {
                at + self.src[at..].chars().next().map_or(1, char::len_utf8)
            })
            // A byte order mark takes no column.
            .max(if self.src.starts_with('\u{FEFF}') {
                3
            } else {
                0
            });
        let column = self.src[line_start..t.start].chars().count();
        let gap = match self.i.checked_sub(1).map(|i| self.toks[i]) {
            Some(prev) if prev.kind == Kind::Ws => self.src[prev.start..prev.end].chars().count(),
            _ => 1,
        };
        Comment {
            text: self.text().to_string(),
            line: self.kind() == Kind::LineComment,
            column,
            gap: gap.max(1),
        }
    }

    /// Whether a node starts on this line after spaces and block comments.
    fn node_follows_on_line(&self) -> bool {
        let mut i = self.i + 1;
        while matches!(self.kind_at(i), Kind::Ws | Kind::BlockComment) {
            i += 1;
        }
        matches!(
            self.kind_at(i),
            Kind::Word | Kind::Str | Kind::LParen | Kind::Slashdash
        )
    }

    /// Nodes, comments and blank lines up to `}` (nested) or the end.
    fn block(&mut self, nested: bool) -> Result<Block> {
        let mut block = Block::default();
        // Newlines since the last item ended (2 or more: a blank line).
        let mut newlines = 0usize;
        // Block comments waiting for the node that follows on their line.
        let mut pre: Vec<Comment> = Vec::new();
        loop {
            match self.kind() {
                Kind::Eof if nested => return self.err("missing `}`"),
                Kind::Eof => break,
                Kind::RBrace if nested => break,
                Kind::RBrace => return self.err("unexpected `}`"),
                Kind::Ws | Kind::Semi | Kind::Bom => self.bump(),
                Kind::Escline => {
                    // A line continuation between nodes continues nothing:
                    // its newline does not count, its comment stays.
                    self.bump();
                    while self.kind() == Kind::Ws {
                        self.bump();
                    }
                    if self.kind() == Kind::Newline {
                        self.bump();
                    }
                }
                Kind::Newline => {
                    newlines += 1;
                    self.bump();
                }
                Kind::LineComment | Kind::BlockComment => {
                    let comment = self.comment();
                    if !comment.line && self.node_follows_on_line() {
                        pre.push(comment);
                        self.bump();
                        continue;
                    }
                    self.bump();
                    if newlines == 0 && pre.is_empty() {
                        if nested && block.items.is_empty() {
                            block.open.push(comment);
                            continue;
                        }
                        if let Some(Item::Node(node)) = block.items.last_mut() {
                            if node.eol.is_none() {
                                if comment.line {
                                    node.eol = Some(comment);
                                } else {
                                    node.after.push(comment);
                                }
                                continue;
                            }
                        }
                    }
                    for c in pre.drain(..) {
                        push(&mut block, Item::Comment(c), &mut newlines);
                    }
                    push(&mut block, Item::Comment(comment), &mut newlines);
                }
                Kind::Slashdash | Kind::Word | Kind::Str | Kind::LParen => {
                    let starts_line = newlines > 0 || (!nested && block.items.is_empty());
                    let mut above = Vec::new();
                    let mut node = self.node(&mut above)?;
                    node.starts_line = starts_line;
                    pre.append(&mut node.pre);
                    node.pre = std::mem::take(&mut pre);
                    for c in above {
                        push(&mut block, Item::Comment(c), &mut newlines);
                    }
                    push(&mut block, Item::Node(node), &mut newlines);
                }
                _ => return self.err("unexpected token between nodes"),
            }
        }
        for c in pre {
            push(&mut block, Item::Comment(c), &mut newlines);
        }
        Ok(block)
    }

    /// One node, from its `/-` or name to its terminator (a `;` or a `//`
    /// comment is consumed, a newline or `}` is not). Line comments that
    /// cannot stay inside the node go to `above`.
    fn node(&mut self, above: &mut Vec<Comment>) -> Result<Node> {
        let mut node = Node::default();
        let mut prefix = Vec::new();
        if self.kind() == Kind::Slashdash {
            node.slashdash = true;
            self.bump();
            prefix.extend(self.space(true)?);
        }
        let mut name = String::new();
        if self.kind() == Kind::LParen {
            name.push_str(&self.type_annotation(&mut prefix)?);
            prefix.extend(self.space(false)?);
        }
        name.push_str(&self.string("node name")?);
        for t in prefix {
            match t {
                Trivia::Block(c) => node.pre.push(c),
                Trivia::Line(c) => above.push(c),
            }
        }
        node.head.push(Part::Atom(name));
        loop {
            match self.kind() {
                Kind::Ws => self.bump(),
                Kind::BlockComment | Kind::Escline => {
                    let trivia = self.space(false)?;
                    parts(&mut node.head, trivia);
                }
                Kind::Slashdash => {
                    self.bump();
                    let trivia = self.space(true)?;
                    parts(&mut node.head, trivia);
                    if self.kind() == Kind::LBrace {
                        let block = self.children()?;
                        node.head.push(Part::Children {
                            slashdash: true,
                            block,
                        });
                    } else {
                        let entry = self.entry(&mut node.head)?;
                        node.head.push(Part::Atom(format!("/-{entry}")));
                    }
                }
                Kind::LBrace => {
                    let block = self.children()?;
                    node.head.push(Part::Children {
                        slashdash: false,
                        block,
                    });
                }
                Kind::Word | Kind::Str | Kind::LParen => {
                    let entry = self.entry(&mut node.head)?;
                    node.head.push(Part::Atom(entry));
                }
                Kind::Semi => {
                    self.bump();
                    break;
                }
                Kind::LineComment => {
                    node.eol = Some(self.comment());
                    self.bump();
                    break;
                }
                Kind::Newline | Kind::RBrace | Kind::Eof => break,
                _ => return self.err("unexpected token in node"),
            }
        }
        Ok(node)
    }

    /// `{` nodes `}`
    fn children(&mut self) -> Result<Block> {
        self.expect(Kind::LBrace, "expected `{`")?;
        let block = self.block(true)?;
        self.expect(Kind::RBrace, "expected `}`")?;
        Ok(block)
    }

    /// An argument or a property; comments inside it go before it.
    fn entry(&mut self, head: &mut Vec<Part>) -> Result<String> {
        if matches!(self.kind(), Kind::Word | Kind::Str) && self.equals_follows() {
            let key = self.string("property name")?;
            let before = self.space(false)?;
            parts(head, before);
            self.expect(Kind::Eq, "expected `=`")?;
            let after = self.space(false)?;
            parts(head, after);
            let value = self.value(head)?;
            return Ok(format!("{key}={value}"));
        }
        self.value(head)
    }

    /// Whether the current word or string is followed by `=` (after
    /// node-space, the way [`Self::space`] skips it).
    fn equals_follows(&self) -> bool {
        let mut i = self.i + 1;
        loop {
            match self.kind_at(i) {
                Kind::Ws | Kind::BlockComment => i += 1,
                Kind::Escline => {
                    i += 1;
                    while matches!(self.kind_at(i), Kind::Ws | Kind::BlockComment) {
                        i += 1;
                    }
                    if self.kind_at(i) == Kind::LineComment {
                        i += 1;
                    }
                    if self.kind_at(i) == Kind::Newline {
                        i += 1;
                    }
                }
                kind => return kind == Kind::Eq,
            }
        }
    }

    /// `(type)value`
    fn value(&mut self, head: &mut Vec<Part>) -> Result<String> {
        let mut out = String::new();
        if self.kind() == Kind::LParen {
            let mut trivia = Vec::new();
            out.push_str(&self.type_annotation(&mut trivia)?);
            trivia.extend(self.space(false)?);
            parts(head, trivia);
        }
        match self.kind() {
            Kind::Word => {
                out.push_str(&values::word_token(self.text()));
                self.bump();
            }
            Kind::Str => out.push_str(&self.string("value")?),
            _ => return self.err("expected a value"),
        }
        Ok(out)
    }

    /// `(` string `)`, comments inside it go to `trivia`.
    fn type_annotation(&mut self, trivia: &mut Vec<Trivia>) -> Result<String> {
        self.expect(Kind::LParen, "expected `(`")?;
        trivia.extend(self.space(false)?);
        let ty = self.string("type name")?;
        trivia.extend(self.space(false)?);
        self.expect(Kind::RParen, "expected `)`")?;
        Ok(format!("({ty})"))
    }

    /// A string (bare word or quoted) in canonical spelling.
    fn string(&mut self, what: &'static str) -> Result<String> {
        let spelled = match self.kind() {
            Kind::Word if !self.text().starts_with('#') => Some(values::word_token(self.text())),
            Kind::Str => values::string_token(self.text()),
            _ => None,
        };
        match spelled {
            Some(s) => {
                self.bump();
                Ok(s)
            }
            None => self.err(what),
        }
    }

    /// Skips node-space (spaces, block comments, line continuations);
    /// with `lines`, also newlines and `//` comments (after `/-`).
    fn space(&mut self, lines: bool) -> Result<Vec<Trivia>> {
        let mut out = Vec::new();
        loop {
            match self.kind() {
                Kind::Ws => self.bump(),
                Kind::Newline if lines => self.bump(),
                Kind::LineComment if lines => {
                    out.push(Trivia::Line(self.comment()));
                    self.bump();
                }
                Kind::BlockComment => {
                    out.push(Trivia::Block(self.comment()));
                    self.bump();
                }
                Kind::Escline => {
                    self.bump();
                    loop {
                        match self.kind() {
                            Kind::Ws => self.bump(),
                            Kind::BlockComment => {
                                out.push(Trivia::Block(self.comment()));
                                self.bump();
                            }
                            _ => break,
                        }
                    }
                    match self.kind() {
                        Kind::LineComment => {
                            out.push(Trivia::Line(self.comment()));
                            self.bump();
                            if self.kind() == Kind::Newline {
                                self.bump();
                            }
                        }
                        Kind::Newline => self.bump(),
                        Kind::Eof => {}
                        _ => return self.err("expected a newline after `\\`"),
                    }
                }
                _ => return Ok(out),
            }
        }
    }
}

/// Comments inside a node stay inside it: block comments inline, line
/// comments after a line continuation.
fn parts(head: &mut Vec<Part>, trivia: Vec<Trivia>) {
    for t in trivia {
        head.push(match t {
            Trivia::Block(c) => Part::Comment(c),
            Trivia::Line(c) => Part::Break(c),
        });
    }
}

/// Appends an item, with a blank line before it when the author left one
/// (never at the start of a block).
fn push(block: &mut Block, item: Item, newlines: &mut usize) {
    if *newlines >= 2 && !block.items.is_empty() {
        block.items.push(Item::Blank);
    }
    block.items.push(item);
    *newlines = 0;
}
