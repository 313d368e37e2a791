//! AST to typed IR: every rule of the language, every error of a file
//! reported in one run, one resolved `Stack` per environment.

mod app;
mod chef;
mod hours;
pub(crate) mod json;
mod layer;
mod network;
mod overlay;
mod prod;
mod read;
mod resolve;
mod stack;
mod targets;
#[cfg(test)]
mod tests;
pub(crate) mod values;
mod vet;

pub(crate) use vet::computed_origin;
pub use vet::deployment_json_problems;

use std::path::Path;

pub use json::deep_merge;

use crate::diag::{self, Code, Diagnostic, Severity, Span};
use crate::ir::{Program, Stack};
use crate::stdlib::{self, Stdlib};
use crate::syntax::{self, Document, Node};

/// What the checker may ask of the file system: whether user recipes exist.
pub trait Files {
    /// True when `path` is a file.
    fn is_file(&self, path: &Path) -> bool;
    /// True when `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// The names of the files in the directory `dir` (for "did you mean";
    /// none by default).
    fn file_names(&self, _dir: &Path) -> Vec<String> {
        Vec::new()
    }
}

/// The real file system.
pub struct RealFiles;

impl Files for RealFiles {
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn file_names(&self, dir: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect()
    }
}

/// A file system where every path exists, for tests and benchmarks that
/// check stack files without their cookbooks.
pub struct AllExist;

impl Files for AllExist {
    fn is_file(&self, _: &Path) -> bool {
        true
    }
    fn is_dir(&self, _: &Path) -> bool {
        true
    }
}

/// Inputs besides the source text.
pub struct Options<'a> {
    /// Directory of the stack file; relative paths resolve against it.
    pub base_dir: &'a Path,
    /// File system access for user cookbooks.
    pub files: &'a dyn Files,
}

/// Parses and checks a stack file. Returns the program when there is no
/// error, and every diagnostic (warnings too), sorted by position.
pub fn check_source(source: &str, opts: &Options) -> (Option<Program>, Vec<Diagnostic>) {
    match syntax::parse(source) {
        Ok(doc) => check(&doc, opts),
        Err(diags) => (None, diags),
    }
}

/// Checks a parsed document.
pub fn check(doc: &Document, opts: &Options) -> (Option<Program>, Vec<Diagnostic>) {
    let (program, diags) = run(doc, opts, Keep::All);
    let program = program.map(|(name, _, environments)| Program { name, environments });
    (program, diags)
}

/// A checked stack: its name and its environments' names, `production`
/// first, as in [`Program`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The stack's name.
    pub name: String,
    /// The environments' names, in the order of [`Program::environments`].
    pub environments: Vec<String>,
}

/// Checks a parsed document as [`check`] does (the same diagnostics) but
/// keeps no environment: each is resolved, checked and dropped. With
/// [`environment`] a caller holds one resolved environment at a time.
pub fn outline(doc: &Document, opts: &Options) -> (Option<Outline>, Vec<Diagnostic>) {
    let (program, diags) = run(doc, opts, Keep::None);
    let outline = program.map(|(name, environments, _)| Outline { name, environments });
    (outline, diags)
}

/// Parses and checks a stack file as [`outline`] does.
pub fn outline_source(source: &str, opts: &Options) -> (Option<Outline>, Vec<Diagnostic>) {
    match syntax::parse(source) {
        Ok(doc) => outline(&doc, opts),
        Err(diags) => (None, diags),
    }
}

/// The environment `env` of a document, resolved alone: the same `Stack` as
/// in [`check`]'s program, when the document has no error and that
/// environment. The diagnostics are those of the stack and that environment
/// (for a document [`outline`] found clean, none but its warnings).
pub fn environment(doc: &Document, opts: &Options, env: &str) -> (Option<Stack>, Vec<Diagnostic>) {
    let (program, diags) = run(doc, opts, Keep::Only(env));
    (
        program.and_then(|(_, _, mut environments)| environments.pop()),
        diags,
    )
}

/// Parses a stack file and resolves one environment, as [`environment`].
pub fn environment_source(
    source: &str,
    opts: &Options,
    env: &str,
) -> (Option<Stack>, Vec<Diagnostic>) {
    match syntax::parse(source) {
        Ok(doc) => environment(&doc, opts, env),
        Err(diags) => (None, diags),
    }
}

/// Which resolved environments a run keeps.
#[derive(Clone, Copy, PartialEq)]
enum Keep<'k> {
    All,
    None,
    /// This one, and no other is checked.
    Only(&'k str),
}

/// Checks `doc`: the stack's name, every environment's name, and the kept
/// environments, when there is no error.
#[allow(clippy::type_complexity)]
fn run(
    doc: &Document,
    opts: &Options,
    keep: Keep,
) -> (Option<(String, Vec<String>, Vec<Stack>)>, Vec<Diagnostic>) {
    let mut cx = Checker {
        std: stdlib::get(),
        opts,
        diags: Vec::new(),
        errors: 0,
        cookbooks_missing: false,
    };
    let program = cx.program(doc, keep);
    let mut diags = cx.diags;
    diag::normalize(&mut diags);
    let program = program.filter(|_| !diag::has_errors(&diags));
    (program, diags)
}

pub(crate) struct Checker<'a> {
    std: &'static Stdlib,
    opts: &'a Options<'a>,
    diags: Vec<Diagnostic>,
    /// How many of `diags` are errors: a part of the file is usable when
    /// checking it added none (warnings do not count).
    errors: usize,
    /// The stack names a cookbooks directory that does not exist.
    cookbooks_missing: bool,
}

impl Checker<'_> {
    pub(super) fn push(&mut self, d: Diagnostic) {
        if d.severity == Severity::Error {
            self.errors += 1;
        }
        self.diags.push(d);
    }
}

/// The first items of `pairs`, in a vector of exactly their number: collecting
/// in place would keep the pairs' larger buffer for as long as the IR lives.
pub(crate) fn firsts<T, U>(pairs: Vec<(T, U)>) -> Vec<T> {
    let mut out = Vec::with_capacity(pairs.len());
    out.extend(pairs.into_iter().map(|(t, _)| t));
    out
}

/// `v` without spare capacity, for lists the IR keeps.
pub(crate) fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

/// The names of the `app` nodes among `nodes`: custom-json's `deploy.<app>` keys are theirs.
fn app_names<'n>(nodes: impl Iterator<Item = &'n Node<'n>>) -> Vec<&'n str> {
    nodes
        .filter(|n| n.name == "app")
        .filter_map(|n| n.args.first().and_then(|v| v.as_str()))
        .collect()
}

pub(crate) fn duplicate(kind: &str, name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateName,
        span,
        format!("{kind} `{name}` is defined twice"),
    )
    .label("defined again here")
    .related(first, "first defined here")
    .help(format!("rename one of them; {kind} names are unique"))
}
