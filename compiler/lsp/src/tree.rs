//! A tolerant reader of stack files for the editor: nodes, arguments,
//! properties and blocks, with byte spans, from text that is usually half
//! typed. It judges nothing (the core's parser and checker do, for the
//! diagnostics); it only says where the cursor is and what the file names.

mod lex;

use lex::{lex, Tok, Token};

/// The nodes of a file, whatever its errors.
#[derive(Debug, Default)]
pub struct Tree {
    /// The top-level nodes.
    pub nodes: Vec<Node>,
    /// The comments, `(start, end)` in order.
    pub comments: Vec<(usize, usize)>,
}

impl Tree {
    /// True when `offset` is inside a comment (at the end of a `//`
    /// comment counts: the line is still the comment's).
    pub fn in_comment(&self, offset: usize) -> bool {
        let i = self.comments.partition_point(|&(start, _)| start < offset);
        i > 0 && offset <= self.comments[i - 1].1
    }
}

/// A node as written so far.
#[derive(Debug)]
pub struct Node {
    /// Its name.
    pub name: Word,
    /// Its arguments and properties, in order.
    pub entries: Vec<Entry>,
    /// Where its head stops: the start of the line break, `;`, `{` or `}`
    /// that ended it, or the end of the text.
    pub head_end: usize,
    /// Its block, if it has one.
    pub block: Option<Block>,
}

/// A `{ ... }` block.
#[derive(Debug)]
pub struct Block {
    /// Offset of `{`.
    pub open: usize,
    /// Offset of the `}` that closes it; `None` when the text ends first.
    pub close: Option<usize>,
    /// Its nodes.
    pub nodes: Vec<Node>,
}

/// A name or value: bare, quoted or raw, with its text decoded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Word {
    /// The text it stands for.
    pub text: String,
    /// Offset of its first byte.
    pub start: usize,
    /// Offset past its last byte.
    pub end: usize,
    /// Written as a string (`"x"`, `#"x"#`) rather than bare.
    pub quoted: bool,
}

/// An argument or a property.
#[derive(Debug)]
pub enum Entry {
    /// A positional argument.
    Arg(Word),
    /// `key=value`; the value is missing while it is being typed.
    Prop {
        /// The key.
        key: Word,
        /// Offset past `=`.
        eq_end: usize,
        /// The value.
        value: Option<Word>,
    },
}

impl Node {
    /// The positional arguments.
    pub fn args(&self) -> impl Iterator<Item = &Word> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Arg(w) => Some(w),
            Entry::Prop { .. } => None,
        })
    }

    /// The first argument's text.
    pub fn arg0(&self) -> Option<&Word> {
        self.args().next()
    }

    /// The value of the first property with this key.
    pub fn prop(&self, key: &str) -> Option<&Word> {
        self.entries.iter().find_map(|e| match e {
            Entry::Prop {
                key: k,
                value: Some(v),
                ..
            } if k.text == key => Some(v),
            _ => None,
        })
    }

    /// The nodes of its block.
    pub fn kids(&self) -> &[Node] {
        self.block.as_ref().map_or(&[], |b| &b.nodes)
    }

    /// Where the node ends: its block's `}`, or its head.
    pub fn end(&self, text_len: usize) -> usize {
        match &self.block {
            Some(b) => b.close.map_or(text_len, |c| c + 1),
            None => self.head_end,
        }
    }
}

impl Block {
    /// True when `offset` is inside the braces.
    pub fn contains(&self, offset: usize) -> bool {
        offset > self.open && self.close.is_none_or(|c| offset <= c)
    }
}

/// Reads `text`.
pub fn read(text: &str) -> Tree {
    let (tokens, comments) = lex(text);
    let mut p = Parser {
        tokens,
        at: 0,
        len: text.len(),
    };
    Tree {
        nodes: p.nodes(0, false),
        comments,
    }
}

/// Blocks deeper than this are skipped (a stack file needs a handful of
/// levels; the reader recurses per level).
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn offset(&self) -> usize {
        self.peek().map_or(self.len, |t| t.start)
    }

    /// The word that is the next token, moved out of it (each token is read
    /// once).
    fn take_word(&mut self) -> Option<Word> {
        match self.tokens.get_mut(self.at) {
            Some(Token {
                tok: Tok::Word(w), ..
            }) => {
                let w = std::mem::take(w);
                self.at += 1;
                Some(w)
            }
            _ => None,
        }
    }

    /// The nodes up to the `}` that closes the block (consumed), or the end.
    fn nodes(&mut self, depth: usize, in_block: bool) -> Vec<Node> {
        let mut out = Vec::new();
        loop {
            let Some(t) = self.peek() else { return out };
            match t.tok {
                Tok::Newline | Tok::Semi | Tok::Eq => self.at += 1,
                Tok::Close if in_block => return out,
                Tok::Close => self.at += 1,
                Tok::Open => {
                    // A block without a node: read it for balance, keep nothing.
                    self.block(depth);
                }
                Tok::SlashDash => {
                    self.at += 1;
                    match self.peek().map(|t| &t.tok) {
                        Some(Tok::Word(_)) => {
                            self.node(depth);
                        }
                        Some(Tok::Open) => {
                            self.block(depth);
                        }
                        _ => {}
                    }
                }
                Tok::Word(_) => {
                    if let Some(n) = self.node(depth) {
                        out.push(n);
                    }
                }
            }
        }
    }

    /// A node whose name is the next token.
    fn node(&mut self, depth: usize) -> Option<Node> {
        let name = self.take_word()?;
        let mut node = Node {
            name,
            entries: Vec::new(),
            head_end: self.len,
            block: None,
        };
        let mut dashed = false;
        loop {
            let start = self.offset();
            let Some(t) = self.peek() else {
                node.head_end = self.len;
                return Some(node);
            };
            match &t.tok {
                Tok::Newline | Tok::Semi | Tok::Close => {
                    node.head_end = start;
                    return Some(node);
                }
                Tok::Open => {
                    node.head_end = start;
                    let block = self.block(depth + 1);
                    if !std::mem::take(&mut dashed) {
                        node.block = Some(block);
                    }
                    // What follows a block on its line belongs to no node.
                }
                Tok::SlashDash => {
                    self.at += 1;
                    dashed = true;
                }
                Tok::Eq => self.at += 1,
                Tok::Word(_) => {
                    let w = self.take_word().unwrap_or_default();
                    let entry = if let Some(Token {
                        tok: Tok::Eq,
                        start,
                    }) = self.peek()
                    {
                        let eq_end = start + 1;
                        self.at += 1;
                        let value = self.take_word();
                        Entry::Prop {
                            key: w,
                            eq_end,
                            value,
                        }
                    } else {
                        Entry::Arg(w)
                    };
                    if !std::mem::take(&mut dashed) && node.block.is_none() {
                        node.entries.push(entry);
                    }
                }
            }
        }
    }

    /// A block whose `{` is the next token.
    fn block(&mut self, depth: usize) -> Block {
        let open = self.offset();
        self.at += 1;
        let nodes = if depth > MAX_DEPTH {
            self.skip_block();
            Vec::new()
        } else {
            self.nodes(depth, true)
        };
        let close = match self.peek() {
            Some(Token {
                tok: Tok::Close,
                start,
            }) => {
                let c = *start;
                self.at += 1;
                Some(c)
            }
            _ => None,
        };
        Block { open, close, nodes }
    }

    /// Moves to the `}` that closes the current block, without reading it.
    fn skip_block(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::Open => depth += 1,
                Tok::Close if depth == 0 => return,
                Tok::Close => depth -= 1,
                _ => {}
            }
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(nodes: &[Node]) -> Vec<&str> {
        nodes.iter().map(|n| n.name.text.as_str()).collect()
    }

    #[test]
    fn reads_nodes_entries_and_blocks() {
        let text = "stack s {\n  region eu-west-1\n  layer web type=php-app { on api; }\n  /-layer x type=custom\n  app a layer=\"web\" /-skip=1 {\n  }\n}\n";
        let tree = read(text);
        assert_eq!(names(&tree.nodes), ["stack"]);
        let stack = &tree.nodes[0];
        assert_eq!(names(stack.kids()), ["region", "layer", "app"]);
        let layer = &stack.kids()[1];
        assert_eq!(layer.arg0().unwrap().text, "web");
        assert_eq!(layer.prop("type").unwrap().text, "php-app");
        assert_eq!(names(layer.kids()), ["on"]);
        let app = &stack.kids()[2];
        assert_eq!(app.prop("layer").unwrap().text, "web");
        assert!(app.prop("layer").unwrap().quoted);
        assert!(app.prop("skip").is_none());
        let block = stack.block.as_ref().unwrap();
        assert_eq!(block.close, Some(text.len() - 2));
    }

    #[test]
    fn half_typed_text_still_reads() {
        let text = "stack s {\n  layer web type=\n  layer api type=\"nodejs-app {\n    on ";
        let tree = read(text);
        let stack = &tree.nodes[0];
        assert_eq!(stack.block.as_ref().unwrap().close, None);
        let web = &stack.kids()[0];
        assert!(matches!(&web.entries[1], Entry::Prop { value: None, .. }));
        // The unclosed string ends at its line's end; the block after it is lost.
        assert_eq!(names(stack.kids()), ["layer", "layer", "on"]);
        assert_eq!(stack.kids()[2].head_end, text.len());
    }

    #[test]
    fn comments_are_known() {
        let text = "a // one\nb /* two */ c";
        let tree = read(text);
        assert!(tree.in_comment(text.find("one").unwrap()));
        assert!(tree.in_comment(text.find('\n').unwrap()));
        assert!(!tree.in_comment(text.find('b').unwrap()));
        assert!(tree.in_comment(text.find("two").unwrap()));
        assert!(!tree.in_comment(text.find('c').unwrap()));
        assert!(!tree.in_comment(0));
    }

    #[test]
    fn strings_are_decoded() {
        let tree = read(
            r##"a "x\ty\u{e9}" #"raw\n"# """
multi
""" b\
  c"##,
        );
        let args: Vec<&str> = tree.nodes[0].args().map(|w| w.text.as_str()).collect();
        assert_eq!(args, ["x\tyé", "raw\\n", "\nmulti\n", "b", "c"]);
    }

    #[test]
    fn anything_reads_without_panicking() {
        for text in [
            "",
            "{",
            "}",
            "=",
            "\"",
            "#",
            "#\"",
            "/*",
            "/-",
            "\\",
            "a=",
            "a b=",
            "(",
            "a (t",
            "{{{{}",
            "a \"\\u{ffffffff}\"",
            "é\u{2028}ü=",
            "a \"\\",
            "/-{",
            "x /- {",
        ] {
            read(text);
        }
        let deep = "a {".repeat(10_000);
        assert_eq!(read(&deep).nodes.len(), 1);
    }
}
