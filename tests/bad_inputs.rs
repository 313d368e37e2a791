//! The corpus of bad inputs under tests/bad: one mistake per file, marked
//! with `// ERROR: stackc::<code>` (or `// WARNING:` for a warning). A marker after code on a line expects the
//! diagnostic on that line; a marker alone on its line expects it on the next
//! line. Each file must produce exactly its marked (line, code) pairs, and
//! its rendered diagnostics are kept in golden/diagnostics.
//!
//! A stack file's own cookbooks are read by the cookbook lint as `stackc
//! check` reads them (every client the layers run); what the lint reports
//! in a cookbook file is marked there the same way, in a Ruby comment
//! (`# WARNING: stackc::<code>`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use stackc_core::check::{check_source, Options, RealFiles};
use stackc_core::chef::{lint, Runtime};
use stackc_core::diag::{self, Code, Diagnostic, Severity};
use stackc_core::ir::Program;
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
fn markers(source: &str) -> Markers {
    markers_after(source, "//")
}

/// The markers of a file whose comments start with `comment` (`//` in a
/// stack file, `#` in Ruby).
fn markers_after(source: &str, comment: &str) -> Markers {
    let mut out = BTreeSet::new();
    for (i, line) in source.lines().enumerate() {
        for (tag, severity) in [
            (format!("{comment} ERROR: "), Severity::Error),
            (format!("{comment} WARNING: "), Severity::Warning),
        ] {
            let tag = tag.as_str();
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

/// What `stackc check` says about a bad input: the stack file's text and
/// diagnostics, then each of its cookbook files the lint warns about (its
/// path from tests/, text and diagnostics).
struct Diagnosed {
    source: String,
    diags: Vec<Diagnostic>,
    cookbooks: Vec<(PathBuf, String, Vec<Diagnostic>)>,
}

fn diagnose(path: &Path) -> Diagnosed {
    let bytes = std::fs::read(path).unwrap();
    // Relative to the test's working directory (tests/), so messages that
    // name paths read the same on every checkout.
    let base = Path::new("bad");
    assert!(base.join(path.file_name().unwrap()).is_file());
    match syntax::decode(&bytes) {
        Err(d) => Diagnosed {
            source: String::from_utf8_lossy(&bytes).into_owned(),
            diags: vec![d],
            cookbooks: Vec::new(),
        },
        Ok(text) => {
            let opts = Options {
                base_dir: base,
                files: &RealFiles,
            };
            let (program, diags) = check_source(text, &opts);
            Diagnosed {
                source: text.to_string(),
                diags,
                cookbooks: program.as_ref().map(lint_cookbooks).unwrap_or_default(),
            }
        }
    }
}

/// The cookbook lint over a checked stack's cookbooks, as `stackc check`
/// runs it: each directory once, against every client its environments'
/// layers with instances run; the files it warns about, sorted.
fn lint_cookbooks(program: &Program) -> Vec<(PathBuf, String, Vec<Diagnostic>)> {
    let mut dirs: Vec<(PathBuf, Vec<Runtime>)> = Vec::new();
    for stack in &program.environments {
        let Some(dir) = &stack.cookbooks else {
            continue;
        };
        let at = match dirs.iter().position(|(d, _)| d == dir) {
            Some(at) => at,
            None => {
                dirs.push((dir.clone(), Vec::new()));
                dirs.len() - 1
            }
        };
        for layer in stack.layers.iter().filter(|l| l.has_instances()) {
            if !dirs[at].1.contains(&layer.chef) {
                dirs[at].1.push(layer.chef.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (dir, runtimes) in dirs {
        let mut files = Vec::new();
        cookbook_files(&dir, &mut files);
        files.sort();
        let mut read = Vec::new();
        for file in files {
            // `bad/./x` as `bad/x`.
            let file: PathBuf = file.components().collect();
            let rel = file
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            read.push((file, rel, text));
        }
        // The resources the directory's cookbooks define, then each file.
        let defined = lint::Defined::collect(read.iter().map(|(_, r, t)| (r.as_str(), t.as_str())));
        for (file, rel, text) in read {
            let diags = lint::lint(&rel, &text, &runtimes, &defined);
            if !diags.is_empty() {
                out.push((file, text, diags));
            }
        }
    }
    out
}

fn cookbook_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            cookbook_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// What a file's markers expect: (line, code, severity).
type Markers = BTreeSet<(usize, String, Severity)>;

/// The Ruby files under the cookbooks directories of tests/bad that carry
/// markers, with them.
fn cookbook_markers() -> Vec<(PathBuf, Markers)> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(Path::new("bad")).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            cookbook_files(&p, &mut files);
        }
    }
    files.sort();
    files
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rb"))
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f, markers_after(&text, "#"))
        })
        .filter(|(_, m)| !m.is_empty())
        .collect()
}

#[test]
fn each_bad_input_reports_exactly_its_marked_diagnostics() {
    let files = corpus();
    assert!(files.len() >= 60, "only {} bad inputs", files.len());
    let mut failures = Vec::new();
    // Every marked cookbook file must be linted by a stack file of the
    // corpus, and produce exactly its markers.
    let mut cookbooks_seen: BTreeSet<PathBuf> = BTreeSet::new();
    let marked = cookbook_markers();
    for path in &files {
        let Diagnosed {
            source,
            diags,
            cookbooks,
        } = diagnose(path);
        for (file, text, cdiags) in &cookbooks {
            cookbooks_seen.insert(file.clone());
            let want = markers_after(text, "#");
            let got: BTreeSet<(usize, String, Severity)> = cdiags
                .iter()
                .map(|d| {
                    (
                        diag::line_column(text, d.span.offset).0,
                        d.code.name(),
                        d.severity,
                    )
                })
                .collect();
            if got != want {
                failures.push(format!(
                    "{} (linted for {}): want {want:?}, got {got:?}",
                    file.display(),
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
            for d in cdiags.iter().filter(|d| d.help.is_none()) {
                failures.push(format!(
                    "{}: {} has no help line",
                    file.display(),
                    d.code.name()
                ));
            }
        }
        let want = markers(&source);
        assert!(
            !want.is_empty() || !cookbooks.is_empty(),
            "{} has no marker",
            path.display()
        );
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
    for (file, want) in &marked {
        if !cookbooks_seen.contains(file) {
            failures.push(format!(
                "{}: marked {want:?}, but no stack file of the corpus gets a warning there",
                file.display()
            ));
        }
    }
    assert!(
        !marked.is_empty(),
        "no cookbook file of the corpus is marked"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rendered_diagnostics_are_golden() {
    for path in corpus() {
        let Diagnosed {
            source,
            diags,
            cookbooks,
        } = diagnose(&path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let file = format!("tests/bad/{name}.kdl");
        // The stack file's diagnostics, then its cookbook files' (named
        // from the repository root too).
        let names: Vec<String> = cookbooks
            .iter()
            .map(|(f, _, _)| format!("tests/{}", f.display()))
            .collect();
        let mut files: Vec<(&str, &str, &[Diagnostic])> = vec![(&file, &source, &diags)];
        for ((_, text, d), n) in cookbooks.iter().zip(&names) {
            files.push((n, text, d));
        }
        let rendered = diag::render_human_files(&files, false);
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
    ("instance_type_not_offered", "found by deploy and diff asking EC2 in each target region: compiler/cli/tests/stacksets.rs"),
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
    for (_, marked) in cookbook_markers() {
        for (_, code, _) in marked {
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
