//! A lossless tokenizer for KDL v2 text.
//!
//! Every byte of the input belongs to exactly one token, comments and
//! whitespace included, so the printer can see everything the author wrote.
//! The tokenizer only runs on text that `kdl` already accepted, so it does
//! not try to produce good error messages: an unexpected character is
//! reported as a [`LexError`] and the caller gives up.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A byte-order mark at the very start of the text.
    Bom,
    /// A run of unicode spaces (tabs included).
    Ws,
    /// One newline (`\r\n` counts as one).
    Newline,
    /// `//` up to, not including, the newline.
    LineComment,
    /// `/* ... */`, nested comments included.
    BlockComment,
    /// `/-`
    Slashdash,
    /// `\` (a line continuation).
    Escline,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Semi,
    Eq,
    /// Quoted, raw or multi-line string, delimiters included.
    Str,
    /// A bare word: identifier string, number or `#keyword`.
    Word,
    /// End of input (zero-length, always last).
    Eof,
}

/// One token: its kind and its byte range in the source.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// The text could not be tokenized (it is not valid KDL v2).
#[derive(Debug)]
pub(super) struct LexError {
    pub offset: usize,
    pub message: &'static str,
}

/// Unicode spaces of KDL v2 (`unicode-space`).
pub(crate) fn is_space(c: char) -> bool {
    matches!(
        c,
        '\u{0009}' | '\u{0020}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Newline characters of KDL v2 (`\r\n` is handled by the tokenizer).
pub(crate) fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\r' | '\n' | '\u{0085}' | '\u{000B}' | '\u{000C}' | '\u{2028}' | '\u{2029}'
    )
}

/// Code points that may not appear literally anywhere in a KDL v2 document.
pub(crate) fn is_disallowed(c: char) -> bool {
    matches!(
        c,
        '\u{0000}'..='\u{0008}'
            | '\u{000E}'..='\u{001F}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Characters that may appear in an identifier string.
pub(super) fn is_ident_char(c: char) -> bool {
    !(is_space(c)
        || is_newline(c)
        || is_disallowed(c)
        || matches!(
            c,
            '\\' | '/' | '(' | ')' | '{' | '}' | '[' | ']' | ';' | '"' | '#' | '='
        ))
}

/// Splits `src` into tokens; the last token is always [`Kind::Eof`].
pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        toks: Vec::new(),
        paths: false,
    };
    lexer.run()?;
    Ok(lexer.toks)
}

/// The bare words of `src`, each with its byte range and whether it is a
/// property's value (after `=`), read leniently: a `/` that starts no
/// comment is part of the word (`/var/log/app.log`, which KDL v2 refuses),
/// so syntax errors can point at the word a person wrote. `None` when the
/// text does not tokenize even so.
pub(crate) fn words_and_paths(src: &str) -> Option<Vec<(std::ops::Range<usize>, bool)>> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        toks: Vec::new(),
        paths: true,
    };
    lexer.run().ok()?;
    // Each word, and whether it is a property's value (after `=`).
    let mut out = Vec::new();
    let mut after_eq = false;
    for t in &lexer.toks {
        match t.kind {
            Kind::Word => {
                out.push((t.start..t.end, after_eq));
                after_eq = false;
            }
            Kind::Eq => after_eq = true,
            Kind::Ws => {}
            _ => after_eq = false,
        }
    }
    Some(out)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    toks: Vec<Token>,
    /// Read a `/` that starts no comment as part of a word.
    paths: bool,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    /// True when the next character continues a word.
    fn word_continues(&self) -> bool {
        match self.peek() {
            Some('/') => self.paths && !matches!(self.peek2(), Some('/' | '*')),
            Some(c) => is_ident_char(c),
            None => false,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err<T>(&self, message: &'static str) -> Result<T, LexError> {
        Err(LexError {
            offset: self.pos,
            message,
        })
    }

    fn run(&mut self) -> Result<(), LexError> {
        if self.rest().starts_with('\u{FEFF}') {
            self.bump();
            self.push(Kind::Bom, 0);
        }
        while let Some(c) = self.peek() {
            let start = self.pos;
            let kind = match c {
                c if is_space(c) => {
                    while self.peek().is_some_and(is_space) {
                        self.bump();
                    }
                    Kind::Ws
                }
                '\r' => {
                    self.bump();
                    if self.peek() == Some('\n') {
                        self.bump();
                    }
                    Kind::Newline
                }
                c if is_newline(c) => {
                    self.bump();
                    Kind::Newline
                }
                '/' => match self.peek2() {
                    Some('/') => {
                        while self.peek().is_some_and(|c| !is_newline(c)) {
                            self.bump();
                        }
                        Kind::LineComment
                    }
                    Some('*') => {
                        self.block_comment()?;
                        Kind::BlockComment
                    }
                    Some('-') => {
                        self.pos += 2;
                        Kind::Slashdash
                    }
                    _ if self.paths => {
                        self.bump();
                        while self.word_continues() {
                            self.bump();
                        }
                        Kind::Word
                    }
                    _ => return self.err("unexpected `/`"),
                },
                '\\' => {
                    self.bump();
                    Kind::Escline
                }
                '{' | '}' | '(' | ')' | ';' | '=' => {
                    self.bump();
                    match c {
                        '{' => Kind::LBrace,
                        '}' => Kind::RBrace,
                        '(' => Kind::LParen,
                        ')' => Kind::RParen,
                        ';' => Kind::Semi,
                        _ => Kind::Eq,
                    }
                }
                '"' => {
                    self.quoted()?;
                    Kind::Str
                }
                '#' => {
                    let hashes = self.rest().chars().take_while(|&c| c == '#').count();
                    if self.rest()[hashes..].starts_with('"') {
                        self.raw(hashes)?;
                        Kind::Str
                    } else {
                        // `#true`, `#-inf`, ...
                        self.bump();
                        while self.peek().is_some_and(is_ident_char) {
                            self.bump();
                        }
                        Kind::Word
                    }
                }
                c if is_ident_char(c) => {
                    while self.word_continues() {
                        self.bump();
                    }
                    Kind::Word
                }
                _ => return self.err("unexpected character"),
            };
            self.push(kind, start);
        }
        let end = self.src.len();
        self.toks.push(Token {
            kind: Kind::Eof,
            start: end,
            end,
        });
        Ok(())
    }

    fn push(&mut self, kind: Kind, start: usize) {
        self.toks.push(Token {
            kind,
            start,
            end: self.pos,
        });
    }

    /// `/*` ... `*/`, nesting allowed.
    fn block_comment(&mut self) -> Result<(), LexError> {
        let mut depth = 0usize;
        loop {
            let rest = self.rest();
            if rest.starts_with("/*") {
                depth += 1;
                self.pos += 2;
            } else if rest.starts_with("*/") {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return Ok(());
                }
            } else if self.bump().is_none() {
                return self.err("unterminated block comment");
            }
        }
    }

    /// `"..."` or `"""` newline ... `"""`, with backslash escapes.
    fn quoted(&mut self) -> Result<(), LexError> {
        let multi = self.rest().starts_with("\"\"\"");
        self.pos += if multi { 3 } else { 1 };
        loop {
            match self.bump() {
                None => return self.err("unterminated string"),
                Some('\\') => {
                    // Escapes are one character after the backslash, except
                    // `u{...}` whose braces contain no quote anyway.
                    self.bump();
                }
                Some('"') if !multi => return Ok(()),
                Some('"') if self.rest().starts_with("\"\"") => {
                    self.pos += 2;
                    return Ok(());
                }
                Some(c) if !multi && is_newline(c) => return self.err("newline in string"),
                Some(_) => {}
            }
        }
    }

    /// `#"..."#` or `#"""` newline ... `"""#`, any number of hashes.
    fn raw(&mut self, hashes: usize) -> Result<(), LexError> {
        self.pos += hashes;
        let multi = self.rest().starts_with("\"\"\"");
        let quotes = if multi { "\"\"\"" } else { "\"" };
        self.pos += quotes.len();
        let close = format!("{quotes}{}", "#".repeat(hashes));
        match self.rest().find(&close) {
            Some(at) => {
                self.pos += at + close.len();
                Ok(())
            }
            None => self.err("unterminated raw string"),
        }
    }
}
