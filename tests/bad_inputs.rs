//! The corpus of bad inputs under tests/bad: one mistake per file, marked
//! with `// ERROR: stackc::<code>` (or `// WARNING:` for a warning). A marker after code on a line expects the
//! diagnostic on that line; a marker alone on its line expects it on the next
//! line. Each file must produce exactly its marked (line, code) pairs, and
//! its rendered diagnostics are kept in golden/diagnostics.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use stackc_core::check::{check_source, Options, RealFiles};
use stackc_core::diag::{self, Code, Diagnostic, Severity};
use stackc_core::syntax;
use stackc_tests::repo_root;

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .collect();
    files.sort();
    files
}

/// The (line, code, severity) each marker expects: `// ERROR: stackc::code`
/// or `// WARNING: stackc::code`.
fn markers(source: &str) -> BTreeSet<(usize, String, Severity)> {
    let mut out = BTreeSet::new();
    for (i, line) in source.lines().enumerate() {
        for (tag, severity) in [
            ("// ERROR: ", Severity::Error),
            ("// WARNING: ", Severity::Warning),
        ] {
            let mut rest = line;
            while let Some(pos) = rest.find(tag) {
                let code: String = rest[pos + tag.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '_')
                    .collect();
                let alone = line.trim_start().starts_with(tag);
                out.insert((if alone { i + 2 } else { i + 1 }, code, severity));
                rest = &rest[pos + tag.len()..];
            }
        }
    }
    out
}

fn diagnose(path: &Path) -> (String, Vec<Diagnostic>) {
    let bytes = std::fs::read(path).unwrap();
    // Relative to the test's working directory (tests/), so messages that
    // name paths read the same on every checkout.
    let base = Path::new("bad");
    assert!(base.join(path.file_name().unwrap()).is_file());
    match syntax::decode(&bytes) {
        Err(d) => (String::from_utf8_lossy(&bytes).into_owned(), vec![d]),
        Ok(text) => {
            let opts = Options {
                base_dir: base,
                files: &RealFiles,
            };
            (text.to_string(), check_source(text, &opts).1)
        }
    }
}

#[test]
fn each_bad_input_reports_exactly_its_marked_diagnostics() {
    let files = corpus();
    assert!(files.len() >= 60, "only {} bad inputs", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let (source, diags) = diagnose(path);
        let want = markers(&source);
        assert!(!want.is_empty(), "{} has no marker", path.display());
        let got: BTreeSet<(usize, String, Severity)> = diags
            .iter()
            .map(|d| {
                let (line, _) = diag::line_column(&source, d.span.offset);
                (line, d.code.name(), d.severity)
            })
            .collect();
        if got != want {
            failures.push(format!(
                "{}: want {want:?}, got {got:?}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
        for d in diags.iter().filter(|d| d.help.is_none()) {
            failures.push(format!(
                "{}: {} `{}` has no help line saying how to fix it",
                path.file_name().unwrap().to_string_lossy(),
                d.code.name(),
                d.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rendered_diagnostics_are_golden() {
    for path in corpus() {
        let (source, diags) = diagnose(&path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let file = format!("tests/bad/{name}.kdl");
        let rendered = diag::render_human(&diags, &file, &source, false);
        insta::with_settings!({
            snapshot_path => repo_root().join("golden/diagnostics"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}

/// Codes that a stack file checked on its own cannot produce, and where
/// they are tested instead.
const NOT_FROM_A_STACK_FILE: &[(&str, &str)] = &[
    ("read_failed", "the CLI cannot read the file: compiler/cli/tests/cli.rs"),
    ("invalid_utf8", "bytes, not text: tests/robustness.rs"),
    ("file_too_large", "over 16 MiB: tests/robustness.rs"),
    ("too_many_entries", "over 1,000 entries on a node: tests/robustness.rs"),
    ("too_many_layers", "over 1,000 layers: tests/robustness.rs"),
    ("user_data_too_large", "found while building templates"),
    ("bad_cookbook", "found while building the bundle: emit::bundle tests"),
    ("cookbook_not_regular_file", "the cookbooks directory on disk: compiler/cli/tests/build.rs"),
    ("port_conflict", "no two stdlib types that may share an instance listen on one port; kept for new layer types"),
    ("bad_lock_file", "the lock file, not the stack file: lock tests in compiler/core/src/lock.rs"),
    ("image_not_locked", "found by deploy against the lock file: compiler/cli/tests/deploy.rs"),
    ("cinc_not_locked", "found by deploy against the lock file: compiler/cli/tests/cli.rs, deploy.rs"),
    ("chef_removed", "cookbook files, not the stack file: compiler/core/src/chef/lint.rs, compiler/cli/tests/cli.rs"),
    ("chef_deprecated", "cookbook files, not the stack file: compiler/core/src/chef/lint.rs, compiler/cli/tests/cli.rs"),
    ("import_missing_file", "stackc import opsworks: tests/import_opsworks.rs"),
    ("import_bad_json", "stackc import opsworks: tests/import_opsworks.rs"),
    ("import_wrong_shape", "stackc import opsworks: tests/import_opsworks.rs"),
    ("import_stack_count", "stackc import opsworks: tests/import_opsworks.rs"),
];

#[test]
fn every_code_a_stack_file_can_produce_is_in_the_corpus() {
    let mut seen = BTreeSet::new();
    for path in corpus() {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        for (_, code, _) in markers(&source) {
            seen.insert(code);
        }
    }
    let mut missing = Vec::new();
    for code in Code::ALL {
        let name = code.name();
        let short = name.trim_start_matches("stackc::").to_string();
        if !seen.contains(&name)
            && !NOT_FROM_A_STACK_FILE
                .iter()
                .any(|(c, _)| *c == short.as_str())
        {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "no bad input produces: {missing:?}");
}
