//! Checks on the text before kdl-rs reads it, for what would make it
//! overflow its stack or take seconds: nesting too deep, and multi-line
//! raw strings that do not close.

use super::MAX_DEPTH;
use crate::diag::Span;

/// More multi-line raw strings (`#"""`) that do not close than this and the
/// file is refused before kdl-rs reads it.
pub(super) const MAX_UNCLOSED_RAW: usize = 16;

/// The first multi-line raw string opener (`#"""`, `##"""`, ...) when more
/// than [`MAX_UNCLOSED_RAW`] of them do not make a string. kdl-rs reads each
/// such opener to its closer or to the end of the file, fails, and tries
/// again from the next one, so each costs a pass over the file (1,000 of
/// them in 15 KB took 6 s). Read as kdl-rs reads it: a string opened by `n`
/// hashes ends at the first `"""` followed by `n` hashes, and closes only if
/// the closer stands alone after its indentation and every line in between
/// is blank or starts with that indentation; one that closes is skipped
/// whole (openers inside it are its text), one that does not is counted and
/// reading goes on just after its opener. An opener in a comment may count
/// too, which is why a handful are left to kdl-rs. Each string read is
/// skipped and at most `MAX_UNCLOSED_RAW + 1` failures are read to their
/// end, so this is linear in the file.
pub(super) fn unclosed_raw_strings(source: &str) -> Option<Span> {
    let bytes = source.as_bytes();
    let mut first = None;
    let mut failed = 0;
    let mut i = 0;
    while let Some(at) = find_quotes(bytes, i) {
        let hashes = bytes[..at].iter().rev().take_while(|&&b| b == b'#').count();
        if hashes == 0 {
            i = at + 3;
            continue;
        }
        let body = at + 3;
        match raw_string_end(bytes, body, hashes) {
            Some(end) => i = end,
            None => {
                first.get_or_insert(Span::new(at - hashes, hashes + 3));
                failed += 1;
                if failed > MAX_UNCLOSED_RAW {
                    return first;
                }
                i = body;
            }
        }
    }
    None
}

/// The offset of the next `"""` at or after `from`.
fn find_quotes(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    rest.windows(3)
        .position(|w| w == b"\"\"\"")
        .map(|p| from + p)
}

/// The end of the multi-line raw string whose text starts at `body` and that
/// was opened with `hashes` hashes, or `None` when it does not close (no
/// closer, or lines that do not carry the closer's indentation). A string
/// whose closer is on its opener's line is left to kdl-rs.
fn raw_string_end(bytes: &[u8], body: usize, hashes: usize) -> Option<usize> {
    let mut from = body;
    let at = loop {
        let at = find_quotes(bytes, from)?;
        if bytes[at + 3..].iter().take_while(|&&b| b == b'#').count() >= hashes {
            break at;
        }
        from = at + 1;
    };
    let end = at + 3 + hashes;
    let Some(line_start) = bytes[body..at].iter().rposition(|&b| b == b'\n') else {
        return Some(end);
    };
    let indent = &bytes[body + line_start + 1..at];
    if !indent.iter().all(|&b| b == b' ' || b == b'\t') {
        return None;
    }
    let blank = |line: &[u8]| line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'));
    let mut lines = bytes[body..body + line_start].split(|&b| b == b'\n');
    let opener_line = lines.next().unwrap_or_default();
    let fits = blank(opener_line) && lines.all(|l| blank(l) || l.starts_with(indent));
    fits.then_some(end)
}

/// For a raw string whose first `#` is at `at`: `Ok` with its end when it
/// closes (a multi-line one, `#"""`, at `"""` and as many `#`; a single-line
/// one at `"` and as many `#` on its line), `Err` with the start of its text
/// when it does not. `None` when no raw string starts there.
fn raw_string_close(bytes: &[u8], at: usize) -> Option<Result<usize, usize>> {
    let hashes = bytes[at..].iter().take_while(|&&b| b == b'#').count();
    let open = at + hashes;
    if bytes.get(open) != Some(&b'"') {
        return None;
    }
    let multi = bytes[open..].starts_with(b"\"\"\"");
    let quotes: &[u8] = if multi { b"\"\"\"" } else { b"\"" };
    let body = open + quotes.len();
    let mut closer = quotes.to_vec();
    closer.extend(std::iter::repeat_n(b'#', hashes));
    let rest = &bytes[body..];
    let limit = if multi {
        rest.len()
    } else {
        rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())
    };
    Some(
        rest[..limit]
            .windows(closer.len())
            .position(|w| w == closer.as_slice())
            .map(|p| body + p + closer.len())
            .ok_or(body),
    )
}

/// Finds the first `{` that opens a block deeper than `MAX_DEPTH`, skipping
/// strings and comments; errs on the side of counting. Text that only looks
/// like strings or comments here (an unclosed quote, say) could hide deep
/// brackets from this count but not from kdl-rs's error recovery, so
/// brackets are also counted everywhere, strings and comments included,
/// against a limit four times as high that kdl-rs's stack still bears.
pub(crate) fn too_deep(source: &str) -> Option<Span> {
    let bytes = source.as_bytes();
    let mut raw_depth = 0usize;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' | b'(' => {
                raw_depth += 1;
                if raw_depth > 4 * MAX_DEPTH {
                    return Some(Span::new(i, 1));
                }
            }
            b'}' | b')' => raw_depth = raw_depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut depth = 0usize;
    let mut comment_depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if comment_depth > 0 {
            match (b, next) {
                (b'/', Some(b'*')) => {
                    comment_depth += 1;
                    i += 1;
                }
                (b'*', Some(b'/')) => {
                    comment_depth -= 1;
                    i += 1;
                }
                _ => {}
            }
            if comment_depth > MAX_DEPTH {
                return Some(Span::new(i, 1));
            }
            i += 1;
            continue;
        }
        match (b, next) {
            (b'/', Some(b'/')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                comment_depth = 1;
                i += 1;
            }
            (b'"', _) => {
                i += 1;
                // A quoted string ends at its line's end (multi-line ones
                // then count their braces: erring on the side of counting).
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            (b'#', _) => {
                // A raw string (`#"..."#`, `#"""..."""#`) is skipped to its
                // closer; the formatter writes a string holding `"` raw, so
                // its text must not count where the quoted one did not. One
                // without a closer (on its line, for a single-line one) is
                // not skipped: erring on the side of counting.
                match raw_string_close(bytes, i) {
                    Some(Ok(end)) => {
                        i = end;
                        continue;
                    }
                    // Past the opener, so its `"` opens no quoted string.
                    Some(Err(body)) => {
                        i = body;
                        continue;
                    }
                    None => {}
                }
            }
            (b'{', _) | (b'(', _) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(Span::new(i, 1));
                }
            }
            (b'}', _) | (b')', _) => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}
