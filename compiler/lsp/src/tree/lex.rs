//! The tolerant reader's tokens: words (bare, quoted, raw; strings
//! decoded), `=`, braces, `;`, line breaks and `/-`, with comments and
//! type annotations skipped and their places kept.

use super::Word;

/// What a token is.
#[derive(Debug)]
pub(super) enum Tok {
    Word(Word),
    Eq,
    Open,
    Close,
    Semi,
    Newline,
    SlashDash,
}

/// A token and where it starts.
#[derive(Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) start: usize,
}

fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{85}' | '\u{b}' | '\u{c}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_space(c: char) -> bool {
    !is_newline(c) && (c.is_whitespace() || c == '\u{feff}')
}

/// Ends a bare word.
fn is_delimiter(c: char) -> bool {
    is_space(c) || is_newline(c) || matches!(c, '=' | '{' | '}' | ';' | '"' | '(' | ')' | '\\')
}

/// The tokens of a text, and its comments.
pub(super) fn lex(text: &str) -> (Vec<Token>, Vec<(usize, usize)>) {
    let mut out = Vec::new();
    let mut comments = Vec::new();
    let mut lx = Lexer { text, at: 0 };
    while let Some(c) = lx.peek() {
        let start = lx.at;
        let rest = &text[start..];
        let simple = |tok| Token { tok, start };
        match c {
            _ if is_newline(c) => {
                lx.bump();
                out.push(simple(Tok::Newline));
            }
            _ if is_space(c) => lx.bump(),
            '{' => {
                lx.bump();
                out.push(simple(Tok::Open));
            }
            '}' => {
                lx.bump();
                out.push(simple(Tok::Close));
            }
            ';' => {
                lx.bump();
                out.push(simple(Tok::Semi));
            }
            '=' => {
                lx.bump();
                out.push(simple(Tok::Eq));
            }
            '(' => lx.annotation(),
            ')' => lx.bump(),
            _ if rest.starts_with("//") => {
                lx.line_comment();
                comments.push((start, lx.at));
            }
            _ if rest.starts_with("/*") => {
                lx.block_comment();
                comments.push((start, lx.at));
            }
            _ if rest.starts_with("/-") => {
                lx.at += 2;
                out.push(simple(Tok::SlashDash));
            }
            '\\' if lx.continuation() => {}
            '"' => {
                let word = lx.string(start, 0);
                out.push(simple(Tok::Word(word)));
            }
            '#' if rest.trim_start_matches('#').starts_with('"') => {
                let hashes = rest.len() - rest.trim_start_matches('#').len();
                lx.at += hashes;
                let word = lx.string(start, hashes);
                out.push(simple(Tok::Word(word)));
            }
            _ => {
                let word = lx.bare();
                out.push(simple(Tok::Word(word)));
            }
        }
    }
    (out, comments)
}

struct Lexer<'t> {
    text: &'t str,
    at: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.at += c.len_utf8();
        }
    }

    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn line_comment(&mut self) {
        while let Some(c) = self.peek() {
            if is_newline(c) {
                return;
            }
            self.bump();
        }
    }

    /// A `/* */` comment, nested ones included; an unclosed one runs to the end.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while self.at < self.text.len() {
            if self.rest().starts_with("/*") {
                depth += 1;
                self.at += 2;
            } else if self.rest().starts_with("*/") {
                self.at += 2;
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else {
                self.bump();
            }
        }
    }

    /// `(type)`, skipped up to `)` or the end of the line.
    fn annotation(&mut self) {
        self.bump();
        while let Some(c) = self.peek() {
            if is_newline(c) {
                return;
            }
            self.bump();
            if c == ')' {
                return;
            }
        }
    }

    /// `\` followed by a line break (spaces and a comment may come between):
    /// skipped with the break. False when the `\` starts a word.
    fn continuation(&mut self) -> bool {
        let save = self.at;
        self.bump();
        loop {
            match self.peek() {
                Some(c) if is_space(c) => self.bump(),
                Some(_) if self.rest().starts_with("//") => self.line_comment(),
                Some(_) if self.rest().starts_with("/*") => self.block_comment(),
                Some(c) if is_newline(c) => {
                    if self.rest().starts_with("\r\n") {
                        self.at += 1;
                    }
                    self.bump();
                    return true;
                }
                None => return true,
                Some(_) => {
                    self.at = save;
                    return false;
                }
            }
        }
    }

    fn bare(&mut self) -> Word {
        let start = self.at;
        while let Some(c) = self.peek() {
            let comment =
                c == '/' && (self.rest().starts_with("//") || self.rest().starts_with("/*"));
            if is_delimiter(c) || comment {
                break;
            }
            self.bump();
        }
        if self.at == start {
            // A lone delimiter the lexer has no token for: step over it.
            self.bump();
        }
        Word {
            text: self.text[start..self.at].to_string(),
            start,
            end: self.at,
            quoted: false,
        }
    }

    /// A string whose opening `#`s (for a raw one) are consumed; `self.at`
    /// is at its `"`. An unclosed one ends at its line's end (a multi-line
    /// one at the end of the text).
    fn string(&mut self, start: usize, hashes: usize) -> Word {
        let raw = hashes > 0;
        let multi = self.rest().starts_with("\"\"\"");
        self.at += if multi { 3 } else { 1 };
        let close: String = if multi { "\"\"\"" } else { "\"" }.to_string() + &"#".repeat(hashes);
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if self.rest().starts_with(&close) {
                self.at += close.len();
                break;
            }
            if is_newline(c) && !multi {
                break;
            }
            if c == '\\' && !raw {
                self.escape(&mut text);
                continue;
            }
            text.push(c);
            self.bump();
        }
        Word {
            text,
            start,
            end: self.at,
            quoted: true,
        }
    }

    /// The escape at `self.at` (a `\`), decoded into `out`.
    fn escape(&mut self, out: &mut String) {
        self.bump();
        let Some(c) = self.peek() else { return };
        match c {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            's' => out.push(' '),
            'u' if self.rest().starts_with("u{") => {
                let hex: String = self.rest()[2..]
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .take(6)
                    .collect();
                self.at += 2 + hex.len();
                if self.rest().starts_with('}') {
                    self.at += 1;
                }
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
                return;
            }
            _ if is_space(c) || is_newline(c) => {
                // Whitespace escape: the backslash and the whitespace vanish.
                while self.peek().is_some_and(|c| is_space(c) || is_newline(c)) {
                    self.bump();
                }
                return;
            }
            other => out.push(other),
        }
        self.bump();
    }
}
