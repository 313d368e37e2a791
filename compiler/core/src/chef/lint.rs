//! The cookbook lint of `stackc check`: calls in a stack's own cookbooks
//! (recipes, libraries, providers, resources, definitions, attributes) that
//! the Chef client its instances run removed or deprecated, each a warning
//! on its file and line with the replacement in its help.
//!
//! It reads Ruby as text, not as a parser would: comments, string literals,
//! heredocs and regular expressions are blanked first (so a word in a log
//! message or a shell script is not a call), then each call is matched by
//! its shape. What it reports:
//!
//! | Call | Deprecated in | Removed in |
//! |---|---|---|
//! | `node.set`, `node.set_unless` (`set`/`set_unless` in attribute files) | Chef 12.12 | Chef 14 |
//! | the `deploy`, `deploy_revision`, `deploy_branch` resources | Chef 13.6 | Chef 14 |
//! | `Chef::Platform.set` and the other provider-mapping methods | Chef 12.0 | Chef 13 |
//! | `Chef::ShellOut` | Chef 11.0 | Chef 13 |
//! | `node[...] = value` (no precedence level) | | Chef 11 |
//!
//! Cinc's versions are Chef's, so the table holds for both clients.

use super::Runtime;
use crate::diag::{Code, Diagnostic, Span};

/// A kind of call the lint knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `node.set` / `node.set_unless`.
    NodeSet,
    /// The `deploy` resources and their provider classes.
    DeployResource,
    /// `Chef::Platform.set` and its provider-mapping siblings.
    PlatformMapping,
    /// `Chef::ShellOut`.
    ShellOut,
    /// `node[...] = value` without a precedence level.
    AssignWithoutPrecedence,
}

/// What the lint says about a kind: when Chef deprecated and removed it, and
/// what replaces it.
struct Rule {
    /// `(major, minor)` of the first Chef that warns, when one did.
    deprecated_in: Option<(u32, u32)>,
    /// `(major, minor)` of the first Chef without it.
    removed_in: (u32, u32),
    /// The help line.
    replacement: &'static str,
}

fn rule(kind: Kind) -> Rule {
    match kind {
        Kind::NodeSet => Rule {
            deprecated_in: Some((12, 12)),
            removed_in: (14, 0),
            replacement: "use `node.normal` (`node.normal_unless`) for the same persistent behaviour, or better `node.default` / `node.override`, which do not outlive the code that sets them; in attribute files, `normal[...]` or `default[...]`",
        },
        Kind::DeployResource => Rule {
            deprecated_in: Some((13, 6)),
            removed_in: (14, 0),
            replacement: "vendor the `deploy_resource` cookbook from Supermarket (the same resource as a cookbook) and depend on it in metadata.rb, or deploy with `git`/`remote_file` and `link` resources; `chef client=\"chef\" version=\"12.22.5\"` on the layer runs the cookbook as OpsWorks did",
        },
        Kind::PlatformMapping => Rule {
            deprecated_in: Some((12, 0)),
            removed_in: (13, 0),
            replacement: "declare the mapping on the provider or resource class: `provides :my_resource, platform_family: \"debian\"` (Chef 12.4 and later)",
        },
        Kind::ShellOut => Rule {
            deprecated_in: Some((11, 0)),
            removed_in: (13, 0),
            replacement: "use `Mixlib::ShellOut` (the same class: `require \"mixlib/shellout\"`), or the `shell_out` helper of `Chef::Mixin::ShellOut`",
        },
        Kind::AssignWithoutPrecedence => Rule {
            deprecated_in: None,
            removed_in: (11, 0),
            replacement: "name the precedence level: `node.default[\"key\"] = value` (or `node.override[...]`, `node.normal[...]`); Chef 11 and later raise ImmutableAttributeModification here",
        },
    }
}

/// One call found in a file: its kind, what it is called in messages and
/// where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The kind of call.
    pub kind: Kind,
    /// The call as messages name it (`node.set`, `deploy_revision`).
    pub call: String,
    /// Its bytes in the file.
    pub span: Span,
}

/// The cookbook directories whose Ruby files a Chef run loads as code:
/// `<cookbook>/<dir>/...rb`.
const CODE_DIRS: &[&str] = &[
    "recipes",
    "libraries",
    "providers",
    "resources",
    "definitions",
    "attributes",
];

/// True for a file (its path inside the cookbooks directory) the lint reads.
pub fn applies(path: &str) -> bool {
    let mut parts = path.split('/');
    let (Some(_cookbook), Some(dir)) = (parts.next(), parts.next()) else {
        return false;
    };
    CODE_DIRS.contains(&dir) && path.ends_with(".rb") && parts.next().is_some()
}

/// Whether `runtime` removed (`Some(true)`), deprecated (`Some(false)`) or
/// still has (`None`) a kind of call.
fn status(kind: Kind, runtime: &Runtime) -> Option<bool> {
    let r = rule(kind);
    let v = super::major_minor(&runtime.version);
    if v >= r.removed_in {
        Some(true)
    } else if r.deprecated_in.is_some_and(|d| v >= d) {
        Some(false)
    } else {
        None
    }
}

fn version_text((major, minor): (u32, u32)) -> String {
    if minor == 0 {
        format!("Chef {major}")
    } else {
        format!("Chef {major}.{minor}")
    }
}

/// The warnings of one cookbook file (`path` inside the cookbooks
/// directory, `text` its contents) for the clients that may run it: a call
/// is reported as removed when one of them removed it, else as deprecated
/// when one deprecated it, naming those clients. No client, no warning.
pub fn lint(path: &str, text: &str, runtimes: &[Runtime]) -> Vec<Diagnostic> {
    if !applies(path) || runtimes.is_empty() {
        return Vec::new();
    }
    let attributes = path.split('/').nth(1) == Some("attributes");
    let mut out = Vec::new();
    for f in findings(text, attributes) {
        let r = rule(f.kind);
        let removed: Vec<String> = runtimes
            .iter()
            .filter(|rt| status(f.kind, rt) == Some(true))
            .map(Runtime::describe)
            .collect();
        let deprecated: Vec<String> = runtimes
            .iter()
            .filter(|rt| status(f.kind, rt) == Some(false))
            .map(Runtime::describe)
            .collect();
        let d = if !removed.is_empty() {
            Diagnostic::warning(
                Code::ChefRemoved,
                f.span,
                format!(
                    "`{}` was removed in {}: {} fails on it",
                    f.call,
                    version_text(r.removed_in),
                    removed.join(" and ")
                ),
            )
            .label(format!("removed in {}", version_text(r.removed_in)))
        } else if !deprecated.is_empty() {
            let since = r.deprecated_in.expect("deprecated kinds have a version");
            Diagnostic::warning(
                Code::ChefDeprecated,
                f.span,
                format!(
                    "`{}` is deprecated since {} and removed in {}: {} warns about it",
                    f.call,
                    version_text(since),
                    version_text(r.removed_in),
                    deprecated.join(" and ")
                ),
            )
            .label(format!("deprecated since {}", version_text(since)))
        } else {
            continue;
        };
        out.push(d.help(r.replacement));
    }
    out
}

/// The calls of a Ruby file, in order; `attributes` for an attribute file
/// (where `set[...]` is `node.set[...]`).
pub fn findings(text: &str, attributes: bool) -> Vec<Finding> {
    let m = mask(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < m.len() {
        let b = m[i];
        if !is_ident_start(b) || (i > 0 && (is_ident(m[i - 1]) || matches!(m[i - 1], b'@' | b'$')))
        {
            i += 1;
            continue;
        }
        let end = word_end(&m, i);
        let word = &m[i..end];
        let found = match word {
            b"node" if i == 0 || m[i - 1] != b':' || (i > 1 && m[i - 2] == b':') => {
                node_call(&m, i, end)
            }
            b"set" | b"set_unless" if attributes && statement_start(&m, i) => {
                let next = skip_blank(&m, end);
                (next < m.len() && matches!(m[next], b'[' | b'(')).then(|| Finding {
                    kind: Kind::NodeSet,
                    call: format!("node.{}", as_str(word)),
                    span: Span::new(i, end - i),
                })
            }
            b"deploy" | b"deploy_revision" | b"deploy_branch" if statement_start(&m, i) => {
                deploy_resource(&m, i, end)
            }
            b"Chef" if i == 0 || m[i - 1] != b':' || (i > 1 && m[i - 2] == b':') => {
                chef_constant(&m, i, end)
            }
            _ => None,
        };
        match found {
            Some(f) => {
                i = f.span.offset + f.span.len;
                out.push(f);
            }
            None => i = end,
        }
    }
    out
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn word_end(m: &[u8], mut i: usize) -> usize {
    while i < m.len() && is_ident(m[i]) {
        i += 1;
    }
    i
}

/// The next byte that is not a space or tab.
fn skip_blank(m: &[u8], mut i: usize) -> usize {
    while i < m.len() && matches!(m[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// True when only blanks (or a `;`) precede `i` on its line.
fn statement_start(m: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(m[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    j == 0 || matches!(m[j - 1], b'\n' | b';')
}

/// `node.set`, `node.set_unless` or `node[...] <assignment>` at `start`.
fn node_call(m: &[u8], start: usize, end: usize) -> Option<Finding> {
    let next = skip_blank(m, end);
    if next < m.len() && m[next] == b'.' {
        let name = skip_blank(m, next + 1);
        let name_end = word_end(m, name);
        let method = &m[name..name_end];
        if method == b"set" || method == b"set_unless" {
            return Some(Finding {
                kind: Kind::NodeSet,
                call: format!("node.{}", as_str(method)),
                span: Span::new(start, name_end - start),
            });
        }
        return None;
    }
    // node[...][...] then an assignment operator.
    let mut j = next;
    let mut last = None;
    while j < m.len() && m[j] == b'[' {
        let close = closing_bracket(m, j)?;
        last = Some(close);
        j = skip_blank(m, close + 1);
    }
    let last = last?;
    let rest = &m[j..];
    let assigns = match rest {
        [b'=', b'=' | b'~' | b'>', ..] => false,
        [b'=', ..] => true,
        [b'<', b'<', ..] => true,
        [b'|' | b'&', b'|' | b'&', b'=', ..] => true,
        [b'+' | b'-' | b'*' | b'/', b'=', ..] => true,
        _ => false,
    };
    assigns.then(|| Finding {
        kind: Kind::AssignWithoutPrecedence,
        call: "node[...] =".into(),
        span: Span::new(start, last + 1 - start),
    })
}

/// The `]` that closes the `[` at `open` (strings are blanked, so brackets
/// in them do not count), within a few lines.
fn closing_bracket(m: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &b) in m.iter().enumerate().skip(open).take(2_000) {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// A `deploy`-family resource at the start of a statement: a name follows
/// (a string, or an expression and a block opened on the same line), not
/// an assignment or an index (`deploy = node[:deploy][app]`,
/// `deploy[:user]`, which OpsWorks cookbooks write often).
fn deploy_resource(m: &[u8], start: usize, end: usize) -> Option<Finding> {
    if end >= m.len() || !matches!(m[end], b' ' | b'\t' | b'(') {
        return None;
    }
    let next = skip_blank(m, end + usize::from(m[end] == b'('));
    let line_end = m[next..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(m.len(), |p| next + p);
    let line = &m[next..line_end];
    let quoted = matches!(line.first().copied(), Some(b'"' | b'\'' | b'%'));
    let operator = matches!(
        line.first().copied(),
        None | Some(
            b'=' | b'.'
                | b'['
                | b','
                | b')'
                | b'+'
                | b'-'
                | b'*'
                | b'/'
                | b'<'
                | b'>'
                | b'|'
                | b'&'
                | b'?'
                | b':'
                | b'}'
                | b'{'
        )
    ) && !line.starts_with(b"::");
    let trimmed = as_str(line).trim_end();
    let trimmed = match trimmed.strip_suffix('|') {
        // `do |x|`: drop the block's parameters.
        Some(t) => t.rsplit_once('|').map_or(t, |(head, _)| head).trim_end(),
        None => trimmed,
    };
    let block = trimmed.ends_with(" do") || trimmed.ends_with(")do") || trimmed.ends_with('{');
    if operator || !(quoted || block) || trimmed == "do" {
        return None;
    }
    Some(Finding {
        kind: Kind::DeployResource,
        call: as_str(&m[start..end]).to_string(),
        span: Span::new(start, end - start),
    })
}

/// `Chef::ShellOut`, `Chef::Platform.set` (and its siblings), and the
/// deploy resource's classes, at `start` (`Chef`).
fn chef_constant(m: &[u8], start: usize, end: usize) -> Option<Finding> {
    if !m[end..].starts_with(b"::") {
        return None;
    }
    let name = end + 2;
    let name_end = word_end(m, name);
    let constant = &m[name..name_end];
    match constant {
        b"ShellOut" if !m[name_end..].starts_with(b"::") => Some(Finding {
            kind: Kind::ShellOut,
            call: "Chef::ShellOut".into(),
            span: Span::new(start, name_end - start),
        }),
        b"Platform" => {
            let dot = skip_blank(m, name_end);
            if dot >= m.len() || m[dot] != b'.' {
                return None;
            }
            let method = skip_blank(m, dot + 1);
            let method_end = word_end(m, method);
            const MAPPING: &[&[u8]] = &[
                b"set",
                b"platforms",
                b"provider_for_resource",
                b"provider_for_node",
                b"find_provider",
                b"find_provider_for_node",
                b"find",
                b"find_platform_and_version",
            ];
            // `Chef::Platform.windows?` and the like are not mappings.
            let method_name = &m[method..method_end];
            let predicate = m.get(method_end) == Some(&b'?');
            (MAPPING.contains(&method_name) && !predicate).then(|| Finding {
                kind: Kind::PlatformMapping,
                call: format!("Chef::Platform.{}", as_str(method_name)),
                span: Span::new(start, method_end - start),
            })
        }
        b"Provider" | b"Resource" if m[name_end..].starts_with(b"::Deploy") => {
            let class = name_end + 2;
            let class_end = word_end(m, class);
            if &m[class..class_end] != b"Deploy" {
                return None;
            }
            // Chef::Provider::Deploy::Revision and the like.
            let mut full_end = class_end;
            if m[class_end..].starts_with(b"::") {
                let sub_end = word_end(m, class_end + 2);
                if sub_end > class_end + 2 {
                    full_end = sub_end;
                }
            }
            Some(Finding {
                kind: Kind::DeployResource,
                call: as_str(&m[start..full_end]).to_string(),
                span: Span::new(start, full_end - start),
            })
        }
        _ => None,
    }
}

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
fn line_after(src: &[u8], i: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chef::{Client, Runtime};

    fn runtime(client: Client, version: &str) -> Runtime {
        Runtime {
            client,
            version: version.into(),
            span: Span::new(0, 0),
        }
    }

    fn calls(text: &str) -> Vec<(Kind, String, usize)> {
        findings(text, false)
            .into_iter()
            .map(|f| {
                (
                    f.kind,
                    f.call,
                    crate::diag::line_column(text, f.span.offset).0,
                )
            })
            .collect()
    }

    #[test]
    fn each_call_is_found_on_its_line() {
        let text = r#"# node.set['x'] = 1 in a comment
node.set['a']['b'] = 1
node.set_unless[:c] = 2
deploy_revision "/srv/app" do
  repo "https://example.com/app.git"
end
deploy deploy[:deploy_to] do
  provider Chef::Provider::Deploy::Revision
end
Chef::Platform.set(platform: :ubuntu, resource: :service, provider: Chef::Provider::Service::Upstart)
cmd = Chef::ShellOut.new("ls")
node['x']['y'] = 3
node[:list] << "item"
node['z'] ||= 4
"#;
        assert_eq!(
            calls(text),
            [
                (Kind::NodeSet, "node.set".to_string(), 2),
                (Kind::NodeSet, "node.set_unless".to_string(), 3),
                (Kind::DeployResource, "deploy_revision".to_string(), 4),
                (Kind::DeployResource, "deploy".to_string(), 7),
                (
                    Kind::DeployResource,
                    "Chef::Provider::Deploy::Revision".to_string(),
                    8
                ),
                (Kind::PlatformMapping, "Chef::Platform.set".to_string(), 10),
                (Kind::ShellOut, "Chef::ShellOut".to_string(), 11),
                (Kind::AssignWithoutPrecedence, "node[...] =".to_string(), 12),
                (Kind::AssignWithoutPrecedence, "node[...] =".to_string(), 13),
                (Kind::AssignWithoutPrecedence, "node[...] =".to_string(), 14),
            ]
        );
    }

    #[test]
    fn comments_strings_heredocs_and_lookalikes_are_not_calls() {
        let text = r#"# deploy "/srv" do
=begin
node.set['a'] = 1
=end
log "node.set['a'] = 1 and Chef::ShellOut"
log 'deploy_revision "/x" do'
bash "x" do
  code <<-EOH
    node.set['a'] = 1
    deploy "/srv" do
  EOH
end
script = <<~SCRIPT
  Chef::Platform.set(x)
SCRIPT
only_if { `cat /x` =~ /node.set/ }
words = %w[node.set deploy]
node.default['a'] = 1
node.override['a']['b'] = 2
node.normal_unless['c'] = 3
if node['a'] == 1 then x = 1 end
y = node['a'] != 2
node[:deploy].each do |application, deploy|
  deploy = node[:deploy][application]
  deploy[:user] = "x"
  if deploy[:scm]
  end
end
Chef::Platform.windows?
include Chef::Mixin::ShellOut
Mixlib::ShellOut.new("ls")
list << node['a']
n = 10 % 3
"#;
        assert_eq!(calls(text), []);
    }

    #[test]
    fn attribute_files_know_set_without_a_receiver() {
        let text = "default['a'] = 1\nset['b'] = 2\nset_unless['c']['d'] = 3\n";
        let found: Vec<String> = findings(text, true).into_iter().map(|f| f.call).collect();
        assert_eq!(found, ["node.set", "node.set_unless"]);
        assert!(findings(text, false).is_empty());
    }

    #[test]
    fn the_client_decides_removed_deprecated_or_nothing() {
        let text = "node.set['a'] = 1\ndeploy \"/srv\" do\nend\nx = Chef::ShellOut.new('ls')\nnode['b'] = 2\n";
        let path = "app/recipes/default.rb";
        let cinc = lint(path, text, &[Runtime::default()]);
        let codes: Vec<Code> = cinc.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::ChefRemoved; 4]);
        assert_eq!(
            cinc[0].message,
            "`node.set` was removed in Chef 14: Cinc 18.6.2 fails on it"
        );
        assert!(cinc.iter().all(|d| d.help.is_some()));
        let chef12 = lint(path, text, &[runtime(Client::Chef, "12.22.5")]);
        let summary: Vec<(Code, &str)> = chef12
            .iter()
            .map(|d| (d.code, d.message.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    Code::ChefDeprecated,
                    "`node.set` is deprecated since Chef 12.12 and removed in Chef 14: Chef Infra Client 12.22.5 warns about it"
                ),
                (
                    Code::ChefDeprecated,
                    "`Chef::ShellOut` is deprecated since Chef 11 and removed in Chef 13: Chef Infra Client 12.22.5 warns about it"
                ),
                (
                    Code::ChefRemoved,
                    "`node[...] =` was removed in Chef 11: Chef Infra Client 12.22.5 fails on it"
                ),
            ]
        );
        // Before 12.12, node.set was not even deprecated.
        let old = lint(
            path,
            "node.set['a'] = 1\n",
            &[runtime(Client::Chef, "12.5.1")],
        );
        assert!(old.is_empty());
        // Both clients: the worst wins and names its client.
        let both = lint(
            path,
            "node.set['a'] = 1\n",
            &[runtime(Client::Chef, "12.22.5"), Runtime::default()],
        );
        assert_eq!(both[0].code, Code::ChefRemoved);
        // Files Chef does not load as code are not read.
        assert!(lint("app/templates/default/x.rb", text, &[Runtime::default()]).is_empty());
        assert!(lint("app/metadata.rb", text, &[Runtime::default()]).is_empty());
    }

    #[test]
    fn the_built_in_cookbooks_make_no_call_any_client_removed_or_deprecated() {
        let clients = [
            Runtime::default(),
            runtime(Client::Chef, crate::chef::CHEF_12_VERSION),
        ];
        let mut read = 0;
        for (path, bytes) in crate::cookbooks::FILES {
            let text = std::str::from_utf8(bytes).expect("built-in cookbooks are UTF-8");
            if applies(path) {
                read += 1;
            }
            let warnings = lint(path, text, &clients);
            assert!(warnings.is_empty(), "{path}: {warnings:?}");
        }
        assert!(read > 20, "only {read} files read");
    }
}
