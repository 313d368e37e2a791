//! Formatter tests: fixture files with snapshots, focused cases and
//! property tests (idempotence, same meaning, no comment lost).

use kdl::KdlDocument;

use super::lexer::{tokenize, Kind};
use super::{format_source, same_documents};

/// Formats `src`, which must be valid, failing the test on an error.
fn fmt(src: &str) -> String {
    match format_source(src) {
        Ok(out) => out,
        Err(e) => panic!(
            "format_source failed: {:?}\n--- input\n{src}",
            e.diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
        ),
    }
}

/// Every comment of `src`, normalized so that re-indentation does not
/// matter, sorted (comments may move, never disappear).
fn comments(src: &str) -> Vec<String> {
    let toks = tokenize(src).expect("tokenize");
    let mut out: Vec<String> = toks
        .iter()
        .filter_map(|t| {
            let text = &src[t.start..t.end];
            match t.kind {
                Kind::LineComment => Some(text.trim_end().to_string()),
                Kind::BlockComment => Some(
                    super::values::normalize_newlines(text)
                        .lines()
                        .map(str::trim)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                _ => None,
            }
        })
        .collect();
    out.sort();
    out
}

fn slashdashes(src: &str) -> usize {
    let toks = tokenize(src).expect("tokenize");
    toks.iter().filter(|t| t.kind == Kind::Slashdash).count()
}

/// `src` with every `/-` (and the space and comments after it) removed:
/// what was commented out becomes live.
fn without_slashdashes(src: &str) -> String {
    let toks = tokenize(src).expect("tokenize");
    let mut out = String::new();
    let mut skipping = false;
    for t in toks {
        skipping = match t.kind {
            Kind::Slashdash => true,
            Kind::Ws | Kind::Newline | Kind::LineComment | Kind::BlockComment => skipping,
            _ => false,
        };
        if !skipping {
            out.push_str(&src[t.start..t.end]);
        }
    }
    out
}

/// The properties every formatting must have.
fn check(src: &str, out: &str) {
    let again = fmt(out);
    assert_eq!(again, out, "not idempotent\n--- input\n{src}");
    let before = KdlDocument::parse(src).expect("input parses");
    let after = KdlDocument::parse(out).expect("output parses");
    assert!(
        same_documents(&before, &after),
        "meaning changed\n--- input\n{src}\n--- output\n{out}"
    );
    assert_eq!(
        comments(src),
        comments(out),
        "comments changed\n--- output\n{out}"
    );
    assert_eq!(
        slashdashes(src),
        slashdashes(out),
        "slashdashes changed\n--- output\n{out}"
    );
    // What is commented out keeps its meaning too.
    if let Ok(before) = KdlDocument::parse(&without_slashdashes(src)) {
        let after =
            KdlDocument::parse(&without_slashdashes(out)).expect("uncommented output parses");
        assert!(
            same_documents(&before, &after),
            "slashdashed content changed\n--- output\n{out}"
        );
    }
    assert!(
        out.is_empty() || (out.ends_with('\n') && !out.ends_with("\n\n")),
        "end of file"
    );
    assert!(!out.starts_with('\n'), "blank line at start of file");
    assert!(!out.contains("\n\n\n"), "more than one blank line");
    assert!(
        !out.contains('\r') && !out.contains('\t'),
        "CR or tab in output"
    );
    assert!(
        !out.contains("{\n\n") && !out.contains("\n\n}") && !out.contains("\n\n    }"),
        "blank line at block edge"
    );
}

/// Lines with trailing spaces (none allowed outside multi-line strings).
fn trailing_whitespace(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.ends_with(' ')).collect()
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        const FIXTURES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                let src = include_str!(concat!("fixtures/", stringify!($name), ".kdl"));
                let out = fmt(src);
                check(src, &out);
                assert_eq!(trailing_whitespace(&out), Vec::<&str>::new());
                insta::with_settings!({
                    description => concat!("src/fmt/fixtures/", stringify!($name), ".kdl formatted"),
                    omit_expression => true,
                }, {
                    insta::assert_snapshot!(stringify!($name), out);
                });
            }
        )*
    };
}

fixtures!(
    blank_lines,
    comments_end_of_line,
    comments_inline,
    comments_own_line,
    design_example,
    empty_blocks,
    line_continuations,
    messy_indentation,
    numbers_keywords,
    one_line_blocks,
    semicolons,
    slashdash_children,
    slashdash_entries,
    slashdash_nodes,
    strings_bare,
    strings_quoted,
    strings_raw_multiline,
    type_annotations,
    unicode,
);

#[test]
fn every_fixture_file_has_a_test() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/fmt/fixtures");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures directory")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let expected: Vec<String> = FIXTURES.iter().map(|n| format!("{n}.kdl")).collect();
    assert_eq!(files, expected);
}

mod cases;
mod props;
