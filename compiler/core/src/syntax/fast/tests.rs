//! Tests of the fast reader: the same tree and spans as kdl-rs on the
//! examples, the bad-input corpus and random mutations, or no tree.

use super::super::{parse_with_kdl, Node};
use crate::diag::Diagnostic;
use proptest::prelude::*;

/// The tree with every span, for exact comparison (spans compare equal
/// in the AST's own PartialEq).
fn dump(nodes: &[Node]) -> String {
    let mut out = String::new();
    let mut stack: Vec<(&Node, usize)> = nodes.iter().rev().map(|n| (n, 0)).collect();
    while let Some((n, depth)) = stack.pop() {
        out += &format!(
            "{}{:?}@{:?} span={:?} ann={:?}\n",
            "  ".repeat(depth),
            n.name,
            n.name_span,
            n.span,
            n.annotation
        );
        for a in &n.args {
            out += &format!(
                "{}  arg {:?}@{:?} {}\n",
                "  ".repeat(depth),
                a.kind,
                a.span,
                a.annotation
            );
        }
        for p in &n.props {
            out += &format!(
                "{}  prop {:?}@{:?}={:?}@{:?}\n",
                "  ".repeat(depth),
                p.key,
                p.key_span,
                p.value.kind,
                p.value.span
            );
        }
        if let Some(kids) = &n.children {
            out += &format!("{}  children {}\n", "  ".repeat(depth), kids.len());
            stack.extend(kids.iter().rev().map(|k| (k, depth + 1)));
        }
    }
    out
}

/// When the fast reader answers, kdl-rs agrees exactly; when it does not,
/// the errors read from the nodes it refused are kdl-rs's on the whole text.
fn agree(src: &str) -> bool {
    let Some(fast) = super::parse(src) else {
        narrowed_agrees(src);
        return false;
    };
    match parse_with_kdl(src) {
        Ok(doc) => assert_eq!(dump(&fast), dump(&doc.nodes), "source:\n{src}"),
        Err(e) => panic!(
            "fast reader accepted what kdl-rs rejects ({:?} at {}):\n{src:?}",
            e[0].message, e[0].span.offset
        ),
    }
    true
}

/// The errors [`super::super::parse`] reports from the nodes the fast
/// reader refused start with the one kdl-rs reports first on the whole
/// text (where, and what), and there are none from those nodes only when
/// the whole text is valid. After its first error kdl-rs recovers by
/// reading on, across nodes, so the first error's length and the errors
/// after it may differ where nodes were left out (a raw string that does
/// not parse runs to the next `#` it finds, say).
fn narrowed_agrees(src: &str) {
    let narrowed = super::super::kdl_rs::narrowed_errors(src);
    // A single-line string that does not close is stackc's error (kdl-rs
    // reads on past its line), at its opening quote.
    let strings = super::super::lex::lex_all(src).map_or(Vec::new(), |l| l.1);
    if let (false, Some(errors)) = (strings.is_empty(), &narrowed) {
        for (at, _, _) in strings {
            assert!(
                errors
                    .iter()
                    .any(|e| e.span.offset == at && e.message.contains("never closed")),
                "no error for the string at {at}: {errors:?}\n{src:?}"
            );
        }
        return;
    }
    match (parse_with_kdl(src), narrowed) {
        (Err(whole), Some(part)) => {
            let first = |d: &[Diagnostic]| (d[0].span.offset, d[0].code, d[0].message.clone());
            assert_eq!(
                first(&whole),
                first(&part),
                "{whole:?}\n{part:?}\nsource:\n{src:?}"
            );
        }
        (Ok(_), Some(part)) => panic!("errors in a valid text: {part:?}\n{src:?}"),
        // None sends the text to kdl-rs whole: slower, never wrong. (Where
        // a mistake makes kdl-rs backtrack across nodes, the nodes it
        // refused can be valid alone.)
        (_, None) => {}
    }
}

fn files() -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut out = Vec::new();
    for dir in [
        "examples/goldcar",
        "examples/minimal",
        "examples/shop",
        "tests/bad",
    ] {
        for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "kdl") {
                out.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    out.push(crate::generate::stack(12));
    out
}

#[test]
fn agrees_with_kdl_on_the_examples_and_corpus() {
    let files = files();
    let answered = files.iter().filter(|f| agree(f)).count();
    // The valid files all take the fast path.
    assert!(answered >= 60, "{answered} of {}", files.len());
    for example in &files[..3] {
        assert!(super::parse(example).is_some());
    }
}

#[test]
fn agrees_on_the_forms_it_reads() {
    for src in [
        "a 1 k=2 \"x\"  // c\n  (t)b  key = \"v\" { c; d 1.5 }  \nz #true r=#null;e",
        "a -1 +2 1_000 0.5 -0.25 \"\\u{e9}\\n\\t\\\"\" #\"raw \"q\" \"# ##\"x\"#\"##\n/* c /* d */ */ x",
        "/- skipped { a 1 }\nkept",
        "a {\n}\n\n\n",
        "\"quoted name\" - - -",
        "a{b}",
        "a\r\nb",
        "",
        "// only a comment",
    ] {
        assert!(agree(src), "the fast reader gave up on {src:?}");
    }
}

#[test]
fn gives_up_on_what_it_does_not_read() {
    for src in [
        "a true",
        "a 1e3",
        "a 0x1f",
        "a (t)1",
        "a /- 1",
        "a \\\n 1",
        "a \"\"\"\nx\n\"\"\"",
        "a \"x\\ y\"",
        "a 1 {",
        "a }",
        "a{",
        "a\u{a0}1",
        "a k=",
        "a 1a",
        "a #inf",
        "a .5",
        "(t b",
        "a \"unterminated",
        "a b=c=d",
    ] {
        assert!(super::parse(src).is_none(), "{src:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn mutated_files_agree(
        which in 0usize..8,
        edits in proptest::collection::vec((any::<usize>(), 0usize..12, prop::sample::select(vec![
            "", " ", "\n", "{", "}", ";", "=", "\"", "#", "/-", "//", "/*", "*/", "-", "1", "1.5",
            "_", "x", "é", "#true", "(t)", "\\", "\"a b\"", "#\"r\"#", "\t",
        ])), 1..5),
    ) {
        let files = files();
        let mut src = files[which % files.len()].clone();
        for (at, cut, insert) in edits {
            let mut at = at % (src.len() + 1);
            while !src.is_char_boundary(at) { at -= 1; }
            let mut end = (at + cut).min(src.len());
            while !src.is_char_boundary(end) { end -= 1; }
            src.replace_range(at..end.max(at), insert);
        }
        agree(&src);
    }
}
