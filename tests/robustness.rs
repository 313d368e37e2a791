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
use stackc_core::syntax;
use stackc_tests::repo_root;

/// What `stackc check`, `fmt` and `build` do with `bytes` (the fuzzer's
/// run: no panic, every diagnostic inside the file, fmt a fixed point);
/// `check`'s diagnostics.
fn run(bytes: &[u8]) -> Vec<Diagnostic> {
    stackc_tests::fuzz::exercise(bytes)
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

/// Inputs the fuzzer (`stackc-fuzz`) found crashing, kept in tests/fuzz-regressions.
#[test]
fn fuzz_regressions_run_clean() {
    let dir = repo_root().join("tests/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        // `run` panics on a broken promise (fmt's output not formatting the
        // same again: raw-string-braces.kdl, whose formatted text the
        // nesting guard refused).
        let diags = run(&bytes);
        let name = file.file_name().unwrap().to_string_lossy();
        if name == "raw-string-braces.kdl" {
            // Valid KDL, but no stack: never "too deep".
            assert!(
                !diags.is_empty() && !diags.iter().any(|d| d.code == Code::TooDeeplyNested),
                "{name}: {diags:?}"
            );
        } else if name == "long-comment-after-continuation.kdl" {
            // Valid KDL (a 130 KB comment after a `\` that kdl-rs read for
            // 2.3 s), but no stack.
            assert!(
                diags.iter().any(|d| d.code == Code::MissingStack)
                    && !diags.iter().any(|d| d.code == Code::KdlSyntax),
                "{name}: {diags:?}"
            );
        } else {
            // kdl-rs recursed once per skipped piece of junk and overflowed
            // the stack (an abort, not a panic), and read unclosed raw
            // strings again and again; now each is a syntax error.
            assert!(
                diags
                    .iter()
                    .any(|d| matches!(d.code, Code::KdlSyntax | Code::TooDeeplyNested)),
                "{name}: {diags:?}"
            );
        }
    }
}

/// A small run of the standing fuzzer, with a fixed seed, on a thread with
/// the stack `stackc`'s main thread has. It asserts behaviour (no panic, no
/// broken promise), not time.
#[test]
fn fixed_seed_fuzz_run_finds_nothing() {
    let corpus = stackc_tests::fuzz::Corpus::load(&repo_root()).unwrap();
    assert!(corpus.files.len() > 50);
    let summary = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            stackc_tests::fuzz::Run {
                corpus: &corpus,
                seed: 12,
                start: 0,
                count: 1_500,
                slow: std::time::Duration::MAX,
                save_dir: None,
            }
            .go(&mut |_| {})
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(summary.inputs, 1_500);
    assert_eq!(summary.panics(), 0, "{:#?}", summary.findings);
}

fn layers(n: usize) -> String {
    let mut s = String::from("stack many {\n    region us-east-1\n");
    for i in 0..n {
        s.push_str(&format!(
            "    layer l{i} type=custom {{ instance-type t3.micro; }}\n"
        ));
    }
    s + "}\n"
}

fn properties(n: usize) -> String {
    let props: String = (0..n).map(|i| format!(" p{i}=\"v\"")).collect();
    format!("stack many {{\n    region us-east-1\n    layer box type=custom{props} {{\n        instance-type t3.micro\n    }}\n}}\n")
}

fn check_only(text: &str) -> Vec<Diagnostic> {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    check_source(text, &opts).1
}

#[test]
fn absurd_numbers_of_entries_and_layers_are_one_diagnostic() {
    // At the limits (the layer's name, `type` and 998 more), the file is read as usual.
    let diags = run(properties(998).as_bytes());
    assert_eq!(diags.len(), 998, "{:?}", &diags[..3.min(diags.len())]);
    assert!(diags.iter().all(|d| d.code == Code::UnknownProperty));
    assert!(run(layers(1_000).as_bytes()).is_empty());
    // Past them, one diagnostic at the first entry or layer too many.
    for n in [999, 100_000] {
        let text = properties(n);
        let diags = check_only(&text);
        assert_eq!(diags.len(), 1, "{:?}", &diags[..3.min(diags.len())]);
        assert_eq!(diags[0].code, Code::TooManyEntries);
        assert_eq!(&text[diags[0].span.offset..][..5], "p998=");
    }
    for n in [1_001, 100_000] {
        let text = layers(n);
        let diags = check_only(&text);
        assert_eq!(diags.len(), 1, "{:?}", &diags[..3.min(diags.len())]);
        assert_eq!(diags[0].code, Code::TooManyLayers);
        assert!(text[diags[0].span.offset..].starts_with("layer l1000 "));
    }
}
