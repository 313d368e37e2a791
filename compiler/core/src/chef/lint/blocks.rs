//! Where the blocks of resources are in a masked file ([`Blocks`]), so that
//! a property set inside one is not taken for a resource.

use super::calls::KEYWORDS;
use super::mask::{is_ident, is_ident_start, skip_blank, word_end};

/// Where the blocks of resources are in a masked file: a word at the start
/// of a statement inside `hostsfile_entry '10.0.0.1' do ... end` sets a
/// property (`hostname 'web1'`), it does not declare a resource. Read line
/// by line: `do` opens a block (a resource's when its statement starts with
/// a word and an argument, as `template '/etc/x' do`; an iterator's when it
/// has a receiver, as `node['x'].each do`), `if`, `unless`, `while`,
/// `until` (at the start of a statement or after `=`), `case`, `def`,
/// `class`, `module`, `begin` and `for` open others, `end` closes the last.
pub(super) struct Blocks {
    /// The offset each line starts at.
    line_starts: Vec<usize>,
    /// Per line: whether it starts inside a resource's block.
    property: Vec<bool>,
}

/// Words that open a block with `do` without declaring a resource: the
/// block holds code (and resources), not properties.
const CODE_BLOCKS: &[&[u8]] = &[
    b"action",
    b"action_class",
    b"load_current_value",
    b"converge_by",
    b"converge_if_changed",
    b"with_run_context",
    b"notifying_block",
    b"loop",
    b"lambda",
    b"proc",
    b"define_method",
    b"each",
    b"map",
    b"times",
    b"include_recipe",
];

impl Blocks {
    pub(super) fn new(m: &[u8]) -> Blocks {
        // Each open block: Some(true) for a resource's, Some(false) for
        // another `do` block, None for the other keywords' blocks.
        let mut stack: Vec<Option<bool>> = Vec::new();
        let mut line_starts = Vec::new();
        let mut property = Vec::new();
        let mut start = 0;
        while start <= m.len() {
            let end = m[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(m.len(), |p| start + p);
            line_starts.push(start);
            property.push(stack.iter().rev().find_map(|f| *f) == Some(true));
            Blocks::read_line(m, start, end, &mut stack);
            start = end + 1;
        }
        Blocks {
            line_starts,
            property,
        }
    }

    /// Updates `stack` with the keywords of the line `m[start..end]`.
    fn read_line(m: &[u8], start: usize, end: usize, stack: &mut Vec<Option<bool>>) {
        let mut statement = skip_blank(m, start);
        let mut loop_keyword = false;
        let mut i = start;
        while i < end {
            let b = m[i];
            if b == b';' {
                statement = skip_blank(m, i + 1);
                loop_keyword = false;
                i += 1;
                continue;
            }
            if !is_ident_start(b)
                || (i > start && (is_ident(m[i - 1]) || matches!(m[i - 1], b'@' | b'$')))
            {
                i += 1;
                continue;
            }
            let w_end = word_end(m, i);
            let word = &m[i..w_end];
            let method = i > start && matches!(m[i - 1], b'.' | b':');
            let label = m.get(w_end) == Some(&b':') && m.get(w_end + 1) != Some(&b':');
            let suffixed =
                matches!(m.get(w_end), Some(b'?' | b'!' | b'=')) && m.get(w_end + 1) != Some(&b'=');
            if method || label || (suffixed && word != b"end") {
                i = w_end;
                continue;
            }
            let at_statement = i == statement;
            let after_operator = matches!(
                m[start..i].iter().rev().find(|&&c| c != b' ' && c != b'\t'),
                Some(b'=' | b'(' | b'|' | b'&' | b'!' | b',')
            );
            match word {
                b"end" => {
                    stack.pop();
                }
                b"do" if !loop_keyword => stack.push(Some(resource_like(&m[statement..i]))),
                b"while" | b"until" | b"for" if at_statement || after_operator => {
                    loop_keyword = true;
                    stack.push(None);
                }
                b"if" | b"unless" if at_statement || after_operator => stack.push(None),
                b"def" if !endless_def(&m[w_end..end]) => stack.push(None),
                b"case" | b"class" | b"module" | b"begin" => stack.push(None),
                _ => {}
            }
            i = w_end;
        }
    }

    /// Whether offset `at` lies on a line that starts inside a resource's
    /// block.
    pub(super) fn in_property_block(&self, at: usize) -> bool {
        let line = self.line_starts.partition_point(|&s| s <= at) - 1;
        self.property[line]
    }
}

/// Whether a statement that opens a `do` block (`statement` runs to the
/// `do`) declares a resource: a word without a receiver, then an argument.
fn resource_like(statement: &[u8]) -> bool {
    if statement
        .first()
        .is_none_or(|&b| !(b.is_ascii_lowercase() || b == b'_'))
    {
        return false;
    }
    let w_end = word_end(statement, 0);
    if CODE_BLOCKS.contains(&&statement[..w_end]) || KEYWORDS.contains(&&statement[..w_end]) {
        return false;
    }
    match statement.get(w_end) {
        Some(b'(') => true,
        Some(b' ' | b'\t') => {
            let next = skip_blank(statement, w_end);
            match statement.get(next) {
                None => false,
                Some(b'=') => statement
                    .get(next + 1)
                    .is_some_and(|&b| matches!(b, b'=' | b'~')),
                Some(
                    b'.' | b',' | b')' | b'}' | b']' | b'+' | b'*' | b'/' | b'<' | b'>' | b'|'
                    | b'&' | b'?',
                ) => false,
                Some(_) => true,
            }
        }
        _ => false,
    }
}

/// Ruby 3's one-line method (`def name(args) = expression`): no `end`.
fn endless_def(rest: &[u8]) -> bool {
    let mut j = skip_blank(rest, 0);
    j = word_end(rest, j);
    if rest.get(j) == Some(&b'(') {
        let mut depth = 0usize;
        while j < rest.len() {
            match rest[j] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
    }
    let j = skip_blank(rest, j);
    rest.get(j) == Some(&b'=') && !matches!(rest.get(j + 1), Some(b'=' | b'~'))
}
