//! Tests of the parse: the guards before kdl-rs, its errors, and the tree.

use super::guards::MAX_UNCLOSED_RAW;
use super::hints::{is_number, unquoted_values};
use super::*;

/// kdl-rs reads each raw string that does not close on its line to the
/// end of the line (1,000 of them on a 15 KB line took 4 s): when that
/// adds up, the first is one error, before kdl-rs; a few are kdl-rs's.
#[test]
fn raw_strings_that_never_close_on_a_long_line_are_one_error_at_the_first() {
    let many = format!("stack a {{\n  x {}\n}}\n", "#\"y ".repeat(2_000));
    let errors = parse(&many).expect_err("an error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, Code::KdlSyntax);
    assert_eq!(
        errors[0].message,
        "this raw string is never closed on its line"
    );
    assert_eq!(errors[0].span, Span::new(many.find('#').unwrap(), 2));
    // A few are the same one error (stackc's, as every single-line string
    // that does not close), found without kdl-rs.
    let few = format!("stack a {{\n  x {}\n}}\n", "#\"y ".repeat(3));
    assert_eq!(parse(&few).expect_err("an error"), errors);
    // Closed ones cost nothing, however many.
    let closed = format!("stack a {{\n  x {}\n}}\n", "#\"y\"# ".repeat(900));
    assert!(parse(&closed).is_ok());
}

/// kdl-rs takes ~10 µs a character of a comment, so it reads text with
/// the comments' text left out; the tree's spans and its errors' are
/// still the file's.
#[test]
fn spans_after_long_comments_left_out_of_kdl_rs_are_the_files() {
    // A line continuation is kdl-rs's to read, not the fast reader's.
    let src = format!(
        "a \\ // {}\n  b=1 /* {} */ c\nnode \"x\" // {}\n",
        "c".repeat(5_000),
        "d".repeat(100),
        "e".repeat(100)
    );
    assert!(parse_fast(&src).is_none());
    let doc = parse(&src).expect("valid");
    assert_eq!(doc.nodes.len(), 2);
    let b = &doc.nodes[0].props[0];
    assert_eq!(b.key_span, Span::new(src.find("b=1").unwrap(), 1));
    assert_eq!(
        doc.nodes[0].args[0].span,
        Span::new(src.find(" c\n").unwrap() + 1, 1)
    );
    assert_eq!(
        doc.nodes[1].name_span,
        Span::new(src.find("node").unwrap(), 4)
    );
    assert_eq!(
        doc.nodes[1].args[0].span,
        Span::new(src.find("\"x\"").unwrap(), 3)
    );
    let broken = format!("{src}x = =\n");
    let errors = parse(&broken).expect_err("an error");
    assert!(
        errors.iter().all(|e| e.span.offset >= src.len()),
        "{errors:?}"
    );
    // A comment that holds a character KDL refuses is kept, so kdl-rs
    // judges the text as written.
    for c in ['\u{7f}', '\u{1}', '\u{202e}'] {
        let short = format!("a \\ // {c}\n  b=1\n");
        let long = format!("a \\ // {}{c}\n  b=1\n", "c".repeat(100));
        assert_eq!(parse(&short).is_ok(), parse(&long).is_ok(), "{c:?}");
    }
}

/// kdl-rs reads each unclosed `#"""` to the end of the file (1,000 of
/// them took 6 s): many are one error at the first, before kdl-rs; a
/// few, closed ones, and ones closed by a longer closer are kdl-rs's.
#[test]
fn many_unclosed_multi_line_raw_strings_are_one_error_at_the_first() {
    let many = format!("stack x {{\n{}", "s #\"\"\"\n".repeat(1_000));
    let errors = parse(&many).expect_err("an error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, Code::KdlSyntax);
    assert_eq!(errors[0].span, Span::new(12, 4));
    assert!(errors[0].message.contains("never closed"), "{errors:?}");

    let few = format!("stack x {{\n{}", "s #\"\"\"\n".repeat(MAX_UNCLOSED_RAW));
    assert_eq!(unclosed_raw_strings(&few), None);
    let closed = "s ##\"\"\"\n  a\n  \"\"\"##\n".repeat(100);
    assert_eq!(unclosed_raw_strings(&closed), None);
    let by_longer = format!("{}\"\"\"###\n", "s #\"\"\"\n".repeat(100));
    assert_eq!(unclosed_raw_strings(&by_longer), None);
    let after_last_closer = format!("s #\"\"\"\n\"\"\"#\n{}", "s #\"\"\"\n".repeat(17));
    assert_eq!(
        unclosed_raw_strings(&after_last_closer),
        Some(Span::new(14, 4))
    );

    // A closer that every opener finds but whose indentation their lines
    // lack closes none of them (fuzz seed 20261202, input 118618: 995
    // openers, 4.4 s in kdl-rs). With the indentation, the first string
    // holds the other openers as its text.
    let misindented = format!("stack x {{\n{}  \"\"\"#\n}}\n", "s #\"\"\"\n".repeat(995));
    let errors = parse(&misindented).expect_err("an error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].span, Span::new(12, 4));
    let indented = format!(
        "stack x {{\ns #\"\"\"\n{}  \"\"\"#\n}}\n",
        "  s #\"\"\"\n\n".repeat(995)
    );
    assert_eq!(unclosed_raw_strings(&indented), None);
    let doc = parse(&indented).expect("one string holding the other openers");
    assert_eq!(doc.nodes[0].kids().len(), 1);
}

/// The formatter writes a string holding `"` raw: its braces count no
/// more than the quoted string's did (fuzz seed 20261204, input 13888:
/// `fmt`'s own output was refused as too deeply nested).
#[test]
fn braces_in_raw_strings_do_not_count() {
    let braces = "{".repeat(MAX_DEPTH + 1);
    let quoted = format!("a \"say \\\"hi{braces}\"\n");
    let raw = format!("a #\"say \"hi{braces}\"#\n");
    let multi = format!("a #\"\"\"\n    say \"hi{braces}\n    \"\"\"#\n");
    for text in [&quoted, &raw, &multi] {
        assert_eq!(too_deep(text), None, "{text}");
    }
    // Unclosed, they count.
    assert!(too_deep(&format!("a #\"say {braces}\n\"#\n")).is_some());
    let formatted = crate::fmt::format_source(&quoted).expect("formats");
    assert!(formatted.starts_with("a #\""), "{formatted}");
    assert_eq!(
        crate::fmt::format_source(&formatted).as_deref(),
        Ok(formatted.as_str())
    );
}

/// `for=15m` and `path=/var/log/app.log` are one error each, on the
/// word, with the quoted spelling; numbers and paths in strings pass.
#[test]
fn unquoted_values_are_pointed_at_with_their_quoted_spelling() {
    let src = "stack shop {\n    layer web type=php-app {\n        alarm cpu metric=cpu above=80 for=15m\n        logs path=/var/log/app.log\n        volume \"/srv\" size=10GiB\n    }\n}\n";
    let errors = parse(src).expect_err("errors");
    let got: Vec<(&str, String)> = errors
        .iter()
        .map(|d| {
            (
                &src[d.span.offset..d.span.offset + d.span.len],
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("15m", "quote it: for=\"15m\"".to_string()),
            (
                "/var/log/app.log",
                "quote it: path=\"/var/log/app.log\"".to_string()
            ),
            ("10GiB", "quote it: size=\"10GiB\"".to_string()),
        ]
    );
    assert!(
        errors[0].message.contains("starts with a digit"),
        "{errors:?}"
    );
    assert!(errors[1].message.contains("cannot hold `/`"), "{errors:?}");
    // An argument has no key.
    let errors = parse("stack s {\n    at 07:00\n}\n").expect_err("errors");
    assert_eq!(errors[0].help.as_deref(), Some("quote it: \"07:00\""));
    // Valid numbers, strings and comments are not words to quote.
    for ok in [
        "a 1_000 -2.5e-3 0x1F 0o17 0b101 +7",
        "a \"15m\" // 15m /x\n",
        "a /* 3x */ 1",
    ] {
        assert!(unquoted_values(ok).is_empty(), "{ok}");
    }
    assert!(is_number("1_000") && is_number("-2.5E+3") && !is_number("1.2.3") && !is_number("0x"));
}

#[test]
fn spans_are_byte_offsets() {
    let doc = parse("a é=1 \"x\" {\n  b 2\n}\n").unwrap();
    let a = &doc.nodes[0];
    assert_eq!(a.props[0].key, "é");
    assert_eq!(a.props[0].key_span.offset, 2);
    assert_eq!(a.args[0].span.offset, 7);
    assert_eq!(
        (a.props[0].value.span.offset, a.props[0].value.span.len),
        (5, 1)
    );
    assert_eq!(a.kids()[0].name_span.offset, 15);
}

#[test]
fn integers_keep_their_128_bits() {
    for i in [
        0,
        1,
        -1,
        i128::from(i64::MAX) + 1,
        i128::from(u64::MAX),
        i128::MIN,
        i128::MAX,
    ] {
        assert_eq!(Int::from(i).get(), i);
        assert_eq!(
            format!("{:?} {}", Int::from(i), Int::from(i)),
            format!("{i:?} {i}")
        );
    }
    let doc = parse("a 99999999999999999999999 -3\n").unwrap();
    assert_eq!(
        doc.nodes[0].args[0].kind,
        ValueKind::Integer(99_999_999_999_999_999_999_999.into())
    );
    assert_eq!(doc.nodes[0].args[1].kind, ValueKind::Integer((-3).into()));
}

#[test]
fn names_and_plain_strings_borrow_the_source() {
    let src = "node key=\"plain\" \"esc\\naped\" #\"raw\"#\n";
    let doc = parse(src).unwrap();
    let n = &doc.nodes[0];
    let borrowed = |s: &str| src.as_bytes().as_ptr_range().contains(&s.as_ptr());
    assert!(borrowed(&n.name) && borrowed(&n.props[0].key));
    assert!(borrowed(n.props[0].value.as_str().unwrap()));
    assert_eq!(n.args[0].as_str(), Some("esc\naped"));
    assert!(!borrowed(n.args[0].as_str().unwrap()));
    assert!(borrowed(n.args[1].as_str().unwrap()));
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let src = "a {".repeat(5000) + &"}".repeat(5000);
    let errs = parse(&src).unwrap_err();
    assert_eq!(errs[0].code, Code::TooDeeplyNested);
}

#[test]
fn braces_in_strings_and_comments_do_not_count() {
    let src = format!("a \"{}\" // {}\n", "{".repeat(100), "{".repeat(100));
    assert!(parse(&src).is_ok());
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let err = decode(b"stack x {\xff}").unwrap_err();
    assert_eq!(err.code, Code::InvalidUtf8);
    assert_eq!(err.span.offset, 9);
}

#[test]
fn kdl_errors_get_a_v2_hint() {
    let errs = parse("a for=5m\n").unwrap_err();
    assert_eq!(errs[0].code, Code::KdlSyntax);
    assert_eq!(errs[0].help.as_deref(), Some("quote it: for=\"5m\""));
    let errs = parse("a x=true\n").unwrap_err();
    assert!(
        errs[0].help.as_deref().unwrap().contains("#true"),
        "{errs:?}"
    );
}

/// A typo in a large file is worded by kdl-rs from a small part of it: the
/// nodes the fast reader refused, with their blocks' heads. The errors are
/// those of kdl-rs on the whole file.
#[test]
fn a_syntax_error_in_a_large_file_is_read_from_its_own_node() {
    let stack = crate::generate::stack(300);
    let typos: [(&str, &str); 6] = [
        ("volume \"/data\"", "volume \"/data\" size="),
        ("instance-type t3.small", "instance-type t3.small="),
        ("instance-type t3.small", "instance-type 3.small"),
        ("instance-type t3.small", "instance-type t3.small { = }"),
        ("min=", "min=="),
        ("\n", "\n; =\n"),
    ];
    for (from, to) in typos {
        // In the middle of the file, where a reader from the top would
        // have read half of it.
        let at = stack.len() / 2 + stack[stack.len() / 2..].find(from).expect(from);
        let mut src = stack.clone();
        src.replace_range(at..at + from.len(), to);
        let whole = parse_with_kdl(&src).expect_err(to);
        assert_eq!(parse(&src).expect_err(to), whole, "{to:?}");
        let kept = narrow::cuts(&src)
            .expect("the file has a shape")
            .iter()
            .fold(src.len(), |n, c| n - c.len());
        assert!(
            kept * 50 < src.len(),
            "{to:?}: kdl-rs read {kept} of {} bytes",
            src.len()
        );
    }
    // A string left open is stackc's error alone: kdl-rs would read on into
    // the next lines and call the stack's block unclosed.
    for (typo, len, message) in [
        ("volume \"/data", 1, "this string is never closed"),
        (
            "volume #\"/data",
            2,
            "this raw string is never closed on its line",
        ),
    ] {
        let src = stack.replacen("volume \"/data\"", typo, 1);
        let at = src.find(typo).unwrap() + "volume ".len();
        let errors = parse(&src).expect_err("unclosed string");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].span, Span::new(at, len));
        assert_eq!(errors[0].message, message);
    }
    // Unpaired braces leave no shape to go by: the whole file is read.
    let open = stack.replacen("instance-type t3.small", "instance-type t3.small {", 1);
    assert!(narrow::cuts(&open).is_none());
    assert_eq!(
        parse(&open).expect_err("unclosed"),
        parse_with_kdl(&open).expect_err("unclosed")
    );
}
