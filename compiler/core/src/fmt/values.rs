//! Canonical spelling of strings, numbers and keywords.

use super::lexer::{is_disallowed, is_ident_char, is_newline};

/// Canonical text of a string token used as a value, a node name, a
/// property key or a type annotation.
///
/// Multi-line strings are kept as written (only their newlines become
/// `\n`); single-line ones are spelled from their value by [`spell`].
/// `None` when the token is not a string the formatter understands.
pub(super) fn string_token(text: &str) -> Option<String> {
    if text.starts_with("\"\"\"") || (text.starts_with('#') && is_multiline_raw(text)) {
        return Some(normalize_newlines(text));
    }
    let value = if text.starts_with('"') {
        unescape(text.strip_prefix('"')?.strip_suffix('"')?)?
    } else if text.starts_with('#') {
        let hashes = text.chars().take_while(|&c| c == '#').count();
        let inner = text.get(hashes..text.len() - hashes)?;
        inner.strip_prefix('"')?.strip_suffix('"')?.to_string()
    } else {
        text.to_string()
    };
    Some(spell(&value))
}

/// Canonical text of a bare word: a number, a `#keyword` or an identifier.
pub(super) fn word_token(text: &str) -> String {
    if text.starts_with('#') {
        text.to_string()
    } else if is_number(text) {
        number(text)
    } else {
        spell(text)
    }
}

fn is_multiline_raw(text: &str) -> bool {
    text.trim_start_matches('#').starts_with("\"\"\"")
}

/// A word is a number when it starts with a digit, or a sign and a digit.
fn is_number(text: &str) -> bool {
    let rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    rest.starts_with(|c: char| c.is_ascii_digit())
}

/// `\r\n` and the other KDL newlines become `\n`.
pub(super) fn normalize_newlines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        out.push(if is_newline(c) { '\n' } else { c });
    }
    out
}

/// The canonical spelling of a string value: bare when KDL v2 reads it
/// back as the same identifier string; otherwise quoted, unless quoting
/// would need `\"` or `\\` escapes that a raw string (on one line)
/// avoids.
pub(crate) fn spell(value: &str) -> String {
    if is_bare(value) {
        value.to_string()
    } else if value.contains(['"', '\\']) {
        raw(value).unwrap_or_else(|| quote(value))
    } else {
        quote(value)
    }
}

/// Whether `value` can be written as an identifier string.
pub(super) fn is_bare(value: &str) -> bool {
    let mut chars = value.chars();
    let (Some(first), second, third) = (chars.next(), chars.next(), chars.next()) else {
        return false;
    };
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    value.chars().all(|c| is_ident_char(c) && !c.is_control())
        && !first.is_ascii_digit()
        && !(matches!(first, '+' | '-' | '.') && digit(second))
        && !(matches!(first, '+' | '-') && second == Some('.') && digit(third))
        && !matches!(value, "true" | "false" | "null" | "inf" | "-inf" | "nan")
}

/// `"..."` with the fewest escapes that keep the string on one line.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if needs_unicode_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn needs_unicode_escape(c: char) -> bool {
    is_newline(c) || is_disallowed(c) || c.is_control()
}

/// `#"..."#` when the value can be written raw on one line.
fn raw(value: &str) -> Option<String> {
    let printable = value
        .chars()
        .all(|c| c != '\t' && c != '\u{08}' && c != '\u{0C}' && !needs_unicode_escape(c));
    // A raw body may not be `"` nor start with `""` (it would read as `"""`).
    if value.is_empty() || value == "\"" || value.starts_with("\"\"") || !printable {
        return None;
    }
    let mut hashes = "#".to_string();
    while value.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    Some(format!("{hashes}\"{value}\"{hashes}"))
}

/// The value of the body of a single-line quoted string.
fn unescape(body: &str) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            'b' => out.push('\u{08}'),
            'f' => out.push('\u{0C}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            's' => out.push(' '),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let mut hex = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        h => hex.push(h),
                    }
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            // A whitespace escape swallows all following whitespace.
            w if super::lexer::is_space(w) || is_newline(w) => {
                while chars
                    .peek()
                    .is_some_and(|&c| super::lexer::is_space(c) || is_newline(c))
                {
                    chars.next();
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Canonical number: no `+` sign, no leading zeros, lowercase `e` and no
/// `+` in the exponent. Hex, octal and binary digits stay as written;
/// `_` separators stay where the author put them.
fn number(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    if matches!(rest.get(..2), Some("0x" | "0o" | "0b")) {
        return format!("{sign}{rest}");
    }
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(at) => (&mantissa[..at], Some(&mantissa[at..])),
        None => (mantissa, None),
    };
    let mut out = format!("{sign}{}", strip_zeros(int));
    if let Some(frac) = frac {
        out.push_str(frac);
    }
    if let Some(exponent) = exponent {
        let (esign, digits) = match exponent.strip_prefix('-') {
            Some(digits) => ("-", digits),
            None => ("", exponent.strip_prefix('+').unwrap_or(exponent)),
        };
        out.push('e');
        out.push_str(esign);
        out.push_str(strip_zeros(digits));
    }
    out
}

/// `007` → `7`, `0` stays `0`; digits with `_` separators are left alone.
fn strip_zeros(digits: &str) -> &str {
    if digits.contains('_') {
        return digits;
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        &digits[digits.len().saturating_sub(1)..]
    } else {
        trimmed
    }
}
