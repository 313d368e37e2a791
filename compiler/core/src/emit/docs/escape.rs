//! Text in Markdown and in XML: whatever a stack file holds (descriptions,
//! paths, values) is written so that it reads as itself.

use std::fmt::Write as _;

/// A fenced code block whose fence is longer than any backtick run inside.
pub(super) fn fence(md: &mut String, lang: &str, body: &str) {
    let ticks = "`".repeat(longest_run(body, '`').max(2) + 1);
    let _ = write!(md, "{ticks}{lang}\n{body}");
    if !body.ends_with('\n') {
        md.push('\n');
    }
    md.push_str(&ticks);
    md.push('\n');
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// An inline code span holding `s` verbatim (line breaks become spaces;
/// nothing at all is written `""`, as an empty span is no span).
pub(super) fn code(s: &str) -> String {
    if s.is_empty() {
        return "`\"\"`".to_string();
    }
    let s = s.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_run(&s, '`') + 1);
    if s.starts_with('`') || s.ends_with('`') || (s.starts_with(' ') && s.ends_with(' ')) {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

/// Plain text with Markdown's punctuation escaped (line breaks become spaces).
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A table cell: pipes inside code spans must be escaped too in GFM tables.
pub(super) fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if c == '|' && prev != '\\' {
            out.push('\\');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Text for XML content and attributes: markup characters escaped, and
/// characters XML 1.0 forbids (control characters) replaced by U+FFFD.
pub(super) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
