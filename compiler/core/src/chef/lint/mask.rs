//! Blanking a Ruby file's comments, strings, heredocs and regular
//! expressions ([`mask`]), and reading words in the masked bytes.

/// The text as bytes with every comment and the inside of every string
/// literal, heredoc and regular expression replaced by spaces (newlines
/// kept, so offsets and lines stay those of the file; delimiters kept).
pub fn mask(text: &str) -> Vec<u8> {
    let src = text.as_bytes();
    let mut m = src.to_vec();
    let n = src.len();
    let blank = |m: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut m[from..to.min(n)] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    // Heredocs opened on the current line: (terminator, indented end).
    let mut pending: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < n {
        let b = src[i];
        if line_start {
            line_start = false;
            if src[i..].starts_with(b"=begin") {
                let end = find_line_starting(src, i, b"=end").unwrap_or(n);
                let end = line_after(src, end);
                blank(&mut m, i, end);
                i = end;
                line_start = true;
                continue;
            }
            if src[i..].starts_with(b"__END__")
                && matches!(src.get(i + 7), None | Some(b'\n' | b'\r'))
            {
                blank(&mut m, i, n);
                break;
            }
        }
        match b {
            b'\n' => {
                i += 1;
                // Heredoc bodies start on the next line, in order.
                for (term, indented) in std::mem::take(&mut pending) {
                    let body = i;
                    let mut j = i;
                    loop {
                        if j >= n {
                            i = n;
                            break;
                        }
                        let le = line_after(src, j);
                        let line = &src[j..le];
                        let line = line.strip_suffix(b"\n").unwrap_or(line);
                        let line = line.strip_suffix(b"\r").unwrap_or(line);
                        let candidate = if indented { trim_start(line) } else { line };
                        if candidate == term.as_slice() {
                            blank(&mut m, body, j);
                            i = le;
                            break;
                        }
                        j = le;
                    }
                    if i >= n {
                        blank(&mut m, body, n);
                    }
                }
                line_start = true;
            }
            b'#' => {
                let end = src[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(n, |p| i + p);
                blank(&mut m, i, end);
                i = end;
            }
            b'\'' => {
                let end = string_end(src, i + 1, b'\'', None);
                blank(&mut m, i + 1, end);
                i = end + 1;
            }
            b'"' | b'`' => {
                let end = string_end(src, i + 1, b, None);
                blank(&mut m, i + 1, end);
                i = end + 1;
            }
            b'%' if percent_literal(src, i).is_some() => {
                let (open_at, open) = percent_literal(src, i).expect("checked");
                let close = closing_delimiter(open);
                let nest = (close != open).then_some(open);
                let end = string_end(src, open_at + 1, close, nest);
                blank(&mut m, open_at + 1, end);
                i = end + 1;
            }
            b'/' if regex_allowed(src, i) => {
                let mut j = i + 1;
                while j < n && src[j] != b'/' && src[j] != b'\n' {
                    j += if src[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(n);
                blank(&mut m, i + 1, end);
                i = end + 1;
            }
            b'<' if heredoc(src, i).is_some() => {
                let (term, indented, after) = heredoc(src, i).expect("checked");
                pending.push((term, indented));
                i = after;
            }
            _ => i += 1,
        }
    }
    m
}

fn trim_start(line: &[u8]) -> &[u8] {
    let k = line
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(line.len());
    &line[k..]
}

/// The offset just past the end of the line holding `i`.
pub(super) fn line_after(src: &[u8], i: usize) -> usize {
    src[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(src.len(), |p| i + p + 1)
}

/// The start of the first line at or after `from` that starts with `word`.
fn find_line_starting(src: &[u8], from: usize, word: &[u8]) -> Option<usize> {
    let mut j = line_after(src, from);
    while j < src.len() {
        if src[j..].starts_with(word) {
            return Some(j);
        }
        j = line_after(src, j);
    }
    None
}

/// The offset of the unescaped `close` that ends a literal whose contents
/// start at `from` (the end of the text when it is never closed); `nest`:
/// the opening delimiter of a bracketed literal, which nests.
fn string_end(src: &[u8], from: usize, close: u8, nest: Option<u8>) -> usize {
    let mut depth = 0usize;
    let mut j = from;
    while j < src.len() {
        let c = src[j];
        if c == b'\\' {
            j += 2;
            continue;
        }
        if Some(c) == nest {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                return j;
            }
            depth -= 1;
        }
        j += 1;
    }
    src.len()
}

fn closing_delimiter(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        b'<' => b'>',
        other => other,
    }
}

/// The last byte before `i` that is not a space or tab (a newline counts).
fn previous_significant(src: &[u8], i: usize) -> Option<u8> {
    src[..i]
        .iter()
        .rev()
        .find(|&&c| c != b' ' && c != b'\t')
        .copied()
}

/// True when an operand may start at `i`: after an operator, an opening
/// bracket, a comma, the start of a line, or a keyword.
fn operand_expected(src: &[u8], i: usize) -> bool {
    match previous_significant(src, i) {
        None => true,
        Some(c) if is_ident(c) => {
            // A keyword before it, or a method called without parentheses
            // (`only_if /x/`, `puts %w[a]`), when a blank separates them.
            let word_end = src[..i]
                .iter()
                .rposition(|&c| c != b' ' && c != b'\t')
                .map_or(0, |p| p + 1);
            let word_start = src[..word_end]
                .iter()
                .rposition(|&c| !is_ident(c))
                .map_or(0, |p| p + 1);
            let word = &src[word_start..word_end];
            const KEYWORDS: &[&[u8]] = &[
                b"if", b"unless", b"when", b"and", b"or", b"not", b"return", b"elsif", b"while",
                b"until", b"then", b"in",
            ];
            KEYWORDS.contains(&word) || (word_end < i && !src[i + 1..].starts_with(b" "))
        }
        Some(b')' | b']' | b'}' | b'"' | b'\'') => false,
        Some(_) => true,
    }
}

/// A `%` literal at `i` (`%w[...]`, `%q(...)`, `%(...)`): its opening
/// delimiter and where it is; `None` for the modulo operator.
fn percent_literal(src: &[u8], i: usize) -> Option<(usize, u8)> {
    if !operand_expected(src, i) {
        return None;
    }
    let mut j = i + 1;
    if src
        .get(j)
        .is_some_and(|c| b"qQwWiIrsx".contains(c) && src.get(j + 1).is_some_and(|d| !is_ident(*d)))
    {
        j += 1;
    }
    let open = *src.get(j)?;
    (b"([{<|!/^".contains(&open)).then_some((j, open))
}

fn regex_allowed(src: &[u8], i: usize) -> bool {
    operand_expected(src, i)
}

/// A heredoc opener at `i` (`<<-EOH`, `<<~EOS`, `<<'EOF'`, `<<EOF`): its
/// terminator, whether the terminator may be indented, and the offset after
/// the opener; `None` for the `<<` operator.
fn heredoc(src: &[u8], i: usize) -> Option<(Vec<u8>, bool, usize)> {
    if !src[i..].starts_with(b"<<") {
        return None;
    }
    let mut j = i + 2;
    let indented = matches!(src.get(j), Some(b'-' | b'~'));
    if indented {
        j += 1;
    }
    let quote = match src.get(j) {
        Some(&q @ (b'\'' | b'"' | b'`')) => {
            j += 1;
            Some(q)
        }
        _ => None,
    };
    let start = j;
    let end = word_end(src, start);
    if end == start || !is_ident_start(src[start]) {
        return None;
    }
    if let Some(q) = quote {
        if src.get(end) != Some(&q) {
            return None;
        }
    } else if !indented && (!src[start].is_ascii_uppercase() || !operand_expected(src, i)) {
        // `list <<CONST` is rare; `list << x` is the append operator.
        return None;
    }
    let after = end + usize::from(quote.is_some());
    Some((src[start..end].to_vec(), indented, after))
}

pub(super) fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

pub(super) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

pub(super) fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(super) fn word_end(m: &[u8], mut i: usize) -> usize {
    while i < m.len() && is_ident(m[i]) {
        i += 1;
    }
    i
}

/// The next byte that is not a space or tab.
pub(super) fn skip_blank(m: &[u8], mut i: usize) -> usize {
    while i < m.len() && matches!(m[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// True when only blanks (or a `;`) precede `i` on its line.
pub(super) fn statement_start(m: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(m[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    j == 0 || matches!(m[j - 1], b'\n' | b';')
}
