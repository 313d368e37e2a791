//! Better errors than kdl-rs's for the usual KDL v2 mistakes: unquoted
//! values that read as one, bad escapes, and a hint from the words of the
//! line.

use crate::diag::{Code, Diagnostic, Span};

/// One error on each bare word that KDL v2 refuses as a value but that reads
/// as one: a word that starts like a number but is none (`15m`, `1.2.3`,
/// `3x`) or holds a `/` (`/var/log/app.log`, `eu/west`). Each gets the
/// quoted spelling in its help.
pub(super) fn unquoted_values(source: &str) -> Vec<Diagnostic> {
    let Some(words) = crate::fmt::lexer::words_and_paths(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (range, is_value) in words {
        let word = &source[range.clone()];
        let numeric = starts_like_number(word) && !is_number(word);
        if !numeric && !word.contains('/') {
            continue;
        }
        let quoted = format!("{word:?}");
        let spelled = if is_value {
            let key = source[..range.start]
                .trim_end()
                .strip_suffix('=')
                .map(str::trim_end)
                .and_then(|before| {
                    before
                        .rsplit(|c: char| c.is_whitespace() || "{};".contains(c))
                        .next()
                })
                .filter(|k| !k.is_empty());
            match key {
                Some(k) => format!("{k}={quoted}"),
                None => quoted.clone(),
            }
        } else {
            quoted.clone()
        };
        let why = if numeric {
            "a bare value that starts with a digit must be a number"
        } else {
            "a bare value cannot hold `/`"
        };
        out.push(
            Diagnostic::error(
                Code::KdlSyntax,
                Span::new(range.start, range.len()),
                format!("`{word}` must be quoted: {why}"),
            )
            .label("unquoted value")
            .help(format!("quote it: {spelled}")),
        );
    }
    out
}

/// True when KDL v2 reads a bare word as a number: a sign, then a digit (or
/// `.` and a digit).
fn starts_like_number(word: &str) -> bool {
    let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
    let unsigned = unsigned.strip_prefix('.').unwrap_or(unsigned);
    unsigned.starts_with(|c: char| c.is_ascii_digit())
}

/// A KDL v2 number: decimal (with `_`, a fraction and an exponent), or
/// `0x`, `0o`, `0b` integers.
pub(super) fn is_number(word: &str) -> bool {
    let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
    let digits = |s: &str, radix: u32| {
        s.starts_with(|c: char| c.is_digit(radix))
            && s.chars().all(|c| c == '_' || c.is_digit(radix))
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            return digits(rest, radix);
        }
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    digits(whole, 10)
        && fraction.is_none_or(|f| digits(f, 10))
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10))
}

/// A hint for the usual KDL v2 mistakes, looking at the words of the line
/// where the error is.
pub(super) fn kdl_hint(source: &str, span: Span) -> Option<String> {
    if !source.is_char_boundary(span.offset) {
        return None;
    }
    let line_start = source[..span.offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[span.offset..]
        .find('\n')
        .map_or(source.len(), |i| span.offset + i);
    let line = without_comment(&source[line_start..line_end]);
    if let Some(escape) = bad_escape(line) {
        return Some(format!(
            "`{escape}` is not a KDL escape; use \\n \\t \\r \\\\ \\\" \\b \\f \\s or \\u{{...}}, or a raw string #\"...\"#"
        ));
    }
    line.split(|c: char| c.is_whitespace() || matches!(c, '{' | '}' | ';'))
        .filter(|w| !w.starts_with('"') && !w.starts_with('#'))
        .find_map(|word| {
            let (key, value) = match word.split_once('=') {
                Some((k, v)) => (Some(k), v),
                None => (None, word),
            };
            let quoted = match key {
                Some(k) => format!("{k}=\"{value}\""),
                None => format!("\"{value}\""),
            };
            if value.starts_with(|c: char| c.is_ascii_digit())
                && value.contains(|c: char| c.is_ascii_alphabetic())
                || value.contains('/')
            {
                Some(format!(
                    "values that start with a digit or contain `/` are quoted in KDL v2: {quoted}"
                ))
            } else if matches!(value, "true" | "false" | "null") {
                Some(format!("KDL v2 keywords start with `#`: #{value}"))
            } else {
                None
            }
        })
}

/// The line without a trailing `//` comment (one outside quotes).
pub(super) fn without_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b'/' if !quoted && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

/// The first invalid escape (`\q`) inside a quoted string of the line.
pub(super) fn bad_escape(line: &str) -> Option<String> {
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => match chars.next() {
                Some('n' | 't' | 'r' | '\\' | '"' | 'b' | 'f' | 's' | 'u') => {}
                Some(c) if c.is_whitespace() => {}
                Some(other) => return Some(format!("\\{other}")),
                None => {}
            },
            _ => {}
        }
    }
    None
}
