//! Finding the calls of a Ruby file: each kind of call matched by its
//! shape in the masked text.

use super::blocks::Blocks;
use super::mask::{as_str, is_ident, is_ident_start, mask, skip_blank, statement_start, word_end};
use super::rules::added;
use super::{Addition, Finding, Kind};
use crate::diag::Span;

/// The calls of a Ruby file, in order; `attributes` for an attribute file
/// (where `set[...]` is `node.set[...]`).
pub fn findings(text: &str, attributes: bool) -> Vec<Finding> {
    let m = mask(text);
    let blocks = Blocks::new(&m);
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
            _ => added_call(&m, i, end, &blocks),
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
    declares_resource(m, end, false).then(|| Finding {
        kind: Kind::DeployResource,
        call: as_str(&m[start..end]).to_string(),
        span: Span::new(start, end - start),
    })
}

/// True when the word that ends at `end` (at the start of a statement) is
/// followed as a resource is: a quoted name, or anything but an operator
/// and a block opened on the line; `lenient` also takes a name that is an
/// expression without a block (`hostname node['name']`), not a keyword.
fn declares_resource(m: &[u8], end: usize, lenient: bool) -> bool {
    if end >= m.len() || !matches!(m[end], b' ' | b'\t' | b'(') {
        return false;
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
    let expression = lenient
        && line
            .first()
            .is_some_and(|&b| is_ident_start(b) || matches!(b, b'@' | b'0'..=b'9' | b'('))
        && !KEYWORDS.contains(&&line[..word_end(line, 0)]);
    !(operator || !(quoted || block || expression) || trimmed == "do")
}

/// Ruby's keywords that may follow an expression (`x if y`), so that a word
/// before them is not a call with an argument.
pub(super) const KEYWORDS: &[&[u8]] = &[
    b"if", b"unless", b"and", b"or", b"then", b"do", b"rescue", b"while", b"until", b"end",
];

/// An [`ADDED`](super::ADDED) resource declared at `start` (at the start
/// of a statement, outside another resource's block) or method called
/// there (without a receiver).
fn added_call(m: &[u8], start: usize, end: usize, blocks: &Blocks) -> Option<Finding> {
    let bang = m.get(end) == Some(&b'!');
    let name_end = end + usize::from(bang);
    let (_, addition, _) = added(as_str(&m[start..name_end]))?;
    let found = match addition {
        Addition::Resource => {
            !bang
                && statement_start(m, start)
                && !blocks.in_property_block(start)
                && declares_resource(m, end, true)
        }
        Addition::Method => {
            let receiver = start > 0 && matches!(m[start - 1], b'.' | b':');
            let defined = start >= 4 && &m[start - 4..start] == b"def ";
            let next = skip_blank(m, name_end);
            let argument = m.get(name_end) == Some(&b'(')
                || (next > name_end
                    && m.get(next).is_some_and(|&b| {
                        is_ident_start(b) || matches!(b, b':' | b'"' | b'\'' | b'[' | b'%' | b'@')
                    })
                    && !KEYWORDS.contains(&&m[next..word_end(m, next)]));
            !receiver && !defined && argument
        }
    };
    found.then(|| Finding {
        kind: Kind::Added,
        call: as_str(&m[start..name_end]).to_string(),
        span: Span::new(start, name_end - start),
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
