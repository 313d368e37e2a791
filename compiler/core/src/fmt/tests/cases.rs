//! Focused formatter cases: one layout question each.

use kdl::KdlDocument;

use super::*;

/// Formats `src`, checks the usual properties, returns the output.
fn formats_to(src: &str, expected: &str) {
    let out = fmt(src);
    assert_eq!(out, expected, "--- input\n{src}");
    check(src, &out);
}

#[test]
fn invalid_kdl_is_an_error() {
    for src in [
        "a {",
        "a }",
        "a \"unterminated",
        "a b=",
        "(t",
        "a /* open",
        "a #maybe",
    ] {
        let err = format_source(src).expect_err(src);
        assert!(!err.diagnostics.is_empty(), "{src}");
        assert!(
            err.diagnostics.iter().all(|d| !d
                .message
                .as_deref()
                .unwrap_or("")
                .contains("stackc fmt")),
            "{src}: a parse error, not a formatter failure"
        );
    }
}

#[test]
fn empty_documents() {
    formats_to("", "");
    formats_to("\n\n  \n", "");
    formats_to("\u{FEFF}", "");
    formats_to("/- gone", "/-gone\n");
    formats_to("// only a comment", "// only a comment\n");
    formats_to("\n\n/* a */\n\n\n// b\n\n", "/* a */\n\n// b\n");
}

#[test]
fn newlines_become_lf() {
    formats_to("a {\r\n    b\r\n}\r\n", "a {\n    b\n}\n");
    formats_to(
        "a\rb\u{85}c\u{2028}d\u{2029}e\u{0B}f\u{0C}g",
        "a\nb\nc\nd\ne\nf\ng\n",
    );
    formats_to(
        "a \"\"\"\r\n  x\r\n  \"\"\"\r\n",
        "a \"\"\"\n  x\n  \"\"\"\n",
    );
    formats_to("/* a\r\n   b */\r\nn", "/* a\n   b */\nn\n");
}

#[test]
fn byte_order_mark_is_dropped() {
    formats_to("\u{FEFF}a 1\n", "a 1\n");
    formats_to("\u{FEFF}a // c\nbb // d", "a // c\nbb // d\n");
}

#[test]
fn tabs_and_unicode_spaces() {
    formats_to("a\t1\u{A0}2\u{3000}k=v", "a 1 2 k=v\n");
    formats_to("\ta {\n\t\tb\n\t}", "a {\n    b\n}\n");
}

#[test]
fn end_of_file_edge_cases() {
    formats_to("a // eol", "a // eol\n");
    formats_to("a /* c */", "a /* c */\n");
    formats_to("a \\", "a\n");
    formats_to("a;", "a\n");
    formats_to("a {}", "a {}\n");
    formats_to("a\n\n\n", "a\n");
}

#[test]
fn braces_without_spaces() {
    formats_to("a{b{c}}", "a {\n    b {\n        c\n    }\n}\n");
    formats_to("a/*c*/b", "a /*c*/ b\n");
    formats_to("a//c", "a //c\n");
}

#[test]
fn slashdash_everywhere() {
    formats_to("/-a\nb", "/-a\nb\n");
    formats_to("a { /-b }", "a {\n    /-b\n}\n");
    formats_to("a /-\n  b c", "a /-b c\n");
    formats_to("a /- /* why */ b", "a /* why */ /-b\n");
    formats_to("a {} /-{ b }", "a {} /-{\n    b\n}\n");
    formats_to("/-a {\n/-b\n}", "/-a {\n    /-b\n}\n");
}

#[test]
fn continuation_lines() {
    formats_to("a \\\n  b", "a b\n");
    formats_to("a \\ // why\n  b", "a \\ // why\n    b\n");
    // A continuation whose comment ends the node becomes an end-of-line comment.
    formats_to("a \\ // why\n", "a // why\n");
    // Between nodes a continuation joins nothing; its comment stays.
    formats_to("a\n\\\nb", "a\nb\n");
    formats_to("a {\n\\ // c\n b }", "a {\n    // c\n    b\n}\n");
    formats_to("a \\ /* c */ \n b", "a /* c */ b\n");
    formats_to("a k \\ // c\n = 1", "a \\ // c\n    k=1\n");
}

#[test]
fn end_of_line_comments() {
    // Aligned comments stay aligned, also when the code gets shorter.
    formats_to(
        "a \"x\"     // one\nbb +5     // two\n",
        "a x       // one\nbb 5      // two\n",
    );
    // After a split line, the comment keeps its spacing, not its column.
    formats_to("a; b    // c\n", "a\nb    // c\n");
    formats_to("a { b } // c\n", "a {\n    b\n} // c\n");
    formats_to("a {   // open\n b\n}", "a {   // open\n    b\n}\n");
    // Deeper indentation pushes a comment right; at least one space.
    formats_to("a {\nb  // c\n}", "a {\n    b  // c\n}\n");
}

#[test]
fn blank_line_runs() {
    formats_to(
        "a {\n\n\n  b\n\n\n  c\n\n}\n\n\nd",
        "a {\n    b\n\n    c\n}\n\nd\n",
    );
    formats_to("a\n\n/* x */ b", "a\n\n/* x */ b\n");
    formats_to("a { // open\n\n  b }", "a { // open\n    b\n}\n");
}

#[test]
fn block_comments_move_with_their_first_line() {
    formats_to(
        "a {\n        /*\n         * x\n         */\n  b\n}",
        "a {\n    /*\n     * x\n     */\n    b\n}\n",
    );
    formats_to("a {\n/* x\n   y */\n}", "a {\n    /* x\n       y */\n}\n");
    formats_to(
        "a {\n/* x\n\n   y */\n}",
        "a {\n    /* x\n\n       y */\n}\n",
    );
}

#[test]
fn strings() {
    // Bare when KDL reads the bare word back as the same string.
    formats_to(
        r#"n "a" "eu-west-1" "t3.small" "goldcar::vhosts" "ops@x.example" "-" "." "+x" "-.x""#,
        "n a eu-west-1 t3.small goldcar::vhosts ops@x.example - . +x -.x\n",
    );
    // Quoted when it would read as something else or not parse.
    let quoted = r##"n "a b" "/srv" "5m" "true" "#x" "" "-1" "+.5" ".5" "a=b" "x;y" "[a]""##;
    formats_to(quoted, &format!("{quoted}\n"));
    // Raw when quoting needs `\"` or `\\`; a raw string may not start with `""`.
    formats_to(
        r#"n "a\"b" "a\\b" "\"a" "\"" "\"\"a""#,
        "n #\"a\"b\"# #\"a\\b\"# #\"\"a\"# \"\\\"\" \"\\\"\\\"a\"\n",
    );
    formats_to(
        r###"n #"plain"# ##"a"#b"## #"a\b"#"###,
        "n plain ##\"a\"#b\"## #\"a\\b\"#\n",
    );
    // Minimal escapes; control and invisible formatting characters escaped.
    formats_to(
        r#"n "tab\t" "nl\n" "\u{7f}" "\u{200e}" "sp\s""#,
        r#"n "tab\t" "nl\n" "\u{7f}" "\u{200e}" "sp "
"#,
    );
    formats_to(
        r#""node" "key"="value" ("type")x"#,
        "node key=value (type)x\n",
    );
}

#[test]
fn numbers() {
    formats_to(
        "n +5 -5 007 0 -0 000 1_000 +1.5 1E+05 1e-05 1.0E2 -0.5e0 +0xFF 0o17 -0b1 1_0e1_0",
        "n 5 -5 7 0 -0 0 1_000 1.5 1e5 1e-5 1.0e2 -0.5e0 0xFF 0o17 -0b1 1_0e1_0\n",
    );
    formats_to(
        "n #inf #-inf #nan #true #false #null",
        "n #inf #-inf #nan #true #false #null\n",
    );
}

#[test]
fn entries_keep_their_order() {
    formats_to("n b=1 x a=2 y b=3", "n b=1 x a=2 y b=3\n");
}

#[test]
fn kdl_autoformat_loses_comments() {
    // Why the formatter prints the document itself: kdl's autoformat drops
    // comments between entries, end-of-line comments and slashdashed
    // entries and children, and blank lines.
    let src = "a 1 /* c */ 2 // eol\n\nb /-x { c }\nd /-{ e }\n";
    let mut doc = KdlDocument::parse(src).unwrap();
    doc.autoformat_config(&kdl::FormatConfig::builder().indent("    ").build());
    let auto = doc.to_string();
    assert!(!auto.contains("/* c */") && !auto.contains("// eol") && !auto.contains("/-x"));
    assert!(!auto.contains("\n\nb"));
    let ours = fmt(src);
    assert_eq!(
        ours,
        "a 1 /* c */ 2 // eol\n\nb /-x {\n    c\n}\nd /-{\n    e\n}\n"
    );
}

/// The formatter's own check that its output means what the input meant,
/// on the fast reader's trees: any difference in a name, an argument, a
/// property, their order or a block is one.
#[test]
fn fast_trees_differ_when_the_documents_do() {
    let same = |a: &str, b: &str| {
        let a = crate::syntax::parse_fast(a).expect("fast reads a");
        let b = crate::syntax::parse_fast(b).expect("fast reads b");
        super::super::same_fast_nodes(&a, &b)
    };
    assert!(same("a 1 x=\"y\" { b; }", "a 1 x=y {\n    b\n}\n"));
    assert!(same("// note\na #true", "a #true // other\n"));
    for (a, b) in [
        ("a 1", "a 2"),
        ("a 1", "a \"1\""),
        ("a 1 2", "a 2 1"),
        ("a x=1", "a x=2"),
        ("a x=1 y=2", "a y=2 x=1"),
        ("a x=1", "a y=1"),
        ("a {}", "a"),
        ("a { b; }", "a { c; }"),
        ("a; b", "a"),
        ("a", "b"),
    ] {
        assert!(!same(a, b), "{a:?} and {b:?} are different documents");
    }
}
