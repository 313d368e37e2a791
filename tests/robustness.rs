//! Bad input is normal input: random bytes, random mutations of the
//! examples, pathological nesting and huge files give diagnostics, never a
//! panic, and every diagnostic points inside the file. The formatter is
//! checked on the same inputs: it never panics and its output is a fixed
//! point. Those that check clean are documented (`stackc docs`) without a
//! panic.

use std::path::Path;

use proptest::prelude::*;
use stackc_core::check::{check_source, AllExist, Options};
use stackc_core::diag::{Code, Diagnostic};
use stackc_core::{fmt, syntax};
use stackc_tests::repo_root;

fn run(bytes: &[u8]) -> Vec<Diagnostic> {
    let text = match syntax::decode(bytes) {
        Ok(t) => t,
        Err(d) => return vec![d],
    };
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let (program, diags) = check_source(text, &opts);
    for d in &diags {
        assert!(
            d.span.offset + d.span.len <= text.len(),
            "{:?} points outside the {} bytes of input",
            d,
            text.len()
        );
    }
    if let Some(p) = program.filter(|_| !stackc_core::diag::has_errors(&diags)) {
        for stack in &p.environments {
            stackc_core::emit::docs::emit(&p, stack);
        }
    }
    if let Ok(formatted) = fmt::format_source(text) {
        let again = fmt::format_source(&formatted).expect("formatted output parses");
        assert_eq!(formatted, again, "fmt is not a fixed point");
    }
    diags
}

fn examples() -> Vec<Vec<u8>> {
    ["goldcar", "minimal", "shop"]
        .iter()
        .map(|e| std::fs::read(repo_root().join("examples").join(e).join("stack.kdl")).unwrap())
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pieces = prop_oneof![
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"=".to_vec()),
        Just(b"#".to_vec()),
        Just(b"/-".to_vec()),
        Just(b"//".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"0".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"99999999999999999999999".to_vec()),
        Just("é漢🦀".as_bytes().to_vec()),
        Just(b"\n".to_vec()),
        Just(b";".to_vec()),
        Just(b"layer x type=custom".to_vec()),
        Just(b"on web".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), pieces).prop_map(|(a, p)| Mutation::Insert(a, p)),
        (any::<usize>(), 1usize..200).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let len = bytes.len().max(1);
    match m {
        Mutation::Delete(at, n) => {
            let at = at % len;
            let end = (at + n).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        Mutation::Insert(at, piece) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, piece.iter().copied());
        }
        Mutation::Duplicate(at, n) => {
            let at = at % len;
            let end = (at + n).min(bytes.len());
            let copy = bytes[at.min(end)..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Swap(a, b) => {
            if !bytes.is_empty() {
                let (a, b) = (a % bytes.len(), b % bytes.len());
                bytes.swap(a, b);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        run(&bytes);
    }

    #[test]
    fn mutated_examples_never_panic(
        which in 0usize..3,
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = examples()[which].clone();
        for m in &mutations {
            bytes = apply(bytes, m);
        }
        run(&bytes);
    }
}

#[test]
fn pathological_nesting_is_a_diagnostic() {
    let deep = "a {\n".repeat(10_000) + &"}\n".repeat(10_000);
    let diags = run(deep.as_bytes());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, Code::TooDeeplyNested);
    // Unclosed, and nested in brackets of other kinds.
    let diags = run("stack s {\n".repeat(5_000).as_bytes());
    assert!(!diags.is_empty());
    let diags =
        run("stack s { custom-json { a { b { c { d { e { f { g { h { }}}}}}}}}}".as_bytes());
    assert!(diags.iter().all(|d| d.code != Code::TooDeeplyNested));
}

#[test]
fn binary_empty_and_huge_files_are_diagnostics() {
    let diags = run(&[0xff, 0xfe, 0x00, 0x80]);
    assert_eq!(diags[0].code, Code::InvalidUtf8);
    let diags = run(b"");
    assert_eq!(diags[0].code, Code::MissingStack);
    let huge = vec![b' '; syntax::MAX_FILE_SIZE + 1];
    let diags = run(&huge);
    assert_eq!(diags[0].code, Code::FileTooLarge);
    let nul = b"stack s {\0}".to_vec();
    assert!(!run(&nul).is_empty());
}
