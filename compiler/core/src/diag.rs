//! Diagnostics as data: a code, a message, a labelled span and a help line,
//! rendered later for a terminal (miette) or as JSON.

mod codes;
mod excerpt;

pub use codes::Code;
pub use excerpt::SourceIndex;

use std::fmt;

use serde::Serialize;

/// A byte range in the source file. Equal to every other span, so that IR
/// values compare by structure, not by position.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span from an offset and a length.
    pub fn new(offset: usize, len: usize) -> Self {
        Span { offset, len }
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Span {}

impl From<miette::SourceSpan> for Span {
    fn from(s: miette::SourceSpan) -> Self {
        Span::new(s.offset(), s.len())
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.offset, s.len).into()
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The stack cannot be compiled.
    Error,
    /// The stack compiles, but something is likely wrong.
    Warning,
}

/// One problem found in a stack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is.
    pub span: Span,
    /// The text shown under the span.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that explain the problem (the first definition of a duplicate, say).
    pub related: Vec<(Span, String)>,
    /// A replacement that fixes it, safe for an editor to apply as is
    /// (rustc's machine-applicable suggestion).
    pub fix: Option<Box<Fix>>,
}

/// Text to put in place of a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What is replaced.
    pub span: Span,
    /// What goes there.
    pub replacement: String,
}

impl Diagnostic {
    /// An error with a label and no help yet.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: "here".into(),
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }

    /// A warning with a label and no help yet.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Sets the label under the span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line when there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Adds a secondary labelled span.
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Wraps the diagnostic with the excerpt of its file that miette renders.
    fn report(&self, file: &str, index: &SourceIndex) -> Report {
        let spans: Vec<Span> = std::iter::once(self.span)
            .chain(self.related.iter().map(|(s, _)| *s))
            .collect();
        Report {
            diag: self.clone(),
            source: excerpt::Excerpt::new(file, index, &spans),
        }
    }

    /// A replacement of `span` that fixes the problem.
    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Box::new(Fix {
            span,
            replacement: replacement.into(),
        }));
        self
    }

    /// The JSON form used by `--message-format json`.
    pub fn to_json(&self, file: &str, source: &str) -> serde_json::Value {
        self.to_json_indexed(file, &SourceIndex::new(source))
    }

    /// [`Diagnostic::to_json`] with the file indexed once for all its diagnostics.
    pub fn to_json_indexed(&self, file: &str, index: &SourceIndex) -> serde_json::Value {
        let (line, column) = index.line_column(self.span.offset);
        serde_json::json!({
            "code": self.code.name(),
            "severity": self.severity,
            "message": self.message,
            "file": file,
            "line": line,
            "column": column,
            "offset": self.span.offset,
            "length": self.span.len,
            "label": self.label,
            "help": self.help,
            "fix": self.fix.as_ref().map(|f| {
                let (line, column) = index.line_column(f.span.offset);
                serde_json::json!({
                    "offset": f.span.offset,
                    "length": f.span.len,
                    "line": line,
                    "column": column,
                    "replacement": f.replacement,
                })
            }),
        })
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Sorts diagnostics by position (then code) and drops exact repeats, which
/// arise when several environments share a faulty node.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        (a.span.offset, a.span.len, a.code, &a.message).cmp(&(
            b.span.offset,
            b.span.len,
            b.code,
            &b.message,
        ))
    });
    diags.dedup_by(|a, b| {
        a.code == b.code
            && a.message == b.message
            && a.span.offset == b.span.offset
            && a.span.len == b.span.len
    });
}

/// True when any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// A diagnostic together with the excerpt of its file, for miette's renderer.
struct Report {
    diag: Diagnostic,
    source: excerpt::Excerpt,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.diag, f)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code.name()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        // The excerpt's spans: the primary one, then the related ones.
        let spans = &self.source.spans;
        let primary =
            miette::LabeledSpan::new_primary_with_span(Some(self.diag.label.clone()), spans[0]);
        let related = self
            .diag
            .related
            .iter()
            .zip(&spans[1..])
            .map(|((_, label), span)| {
                miette::LabeledSpan::new_with_span(Some(label.clone()), *span)
            });
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// Renders diagnostics for a terminal; `color` picks ANSI colours or plain text.
pub fn render_human(diags: &[Diagnostic], file: &str, source: &str, color: bool) -> String {
    render_human_files(&[(file, source, diags)], color)
}

/// Renders the diagnostics of several files (name, text, diagnostics into
/// that text) for a terminal, each with its excerpt, and one summary line.
pub fn render_human_files(files: &[(&str, &str, &[Diagnostic])], color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    let (mut errors, mut total) = (0, 0);
    for (file, source, diags) in files {
        if diags.is_empty() {
            continue;
        }
        let index = SourceIndex::new(source);
        for d in diags.iter() {
            // Writing into a String cannot fail.
            let _ = handler.render_report(&mut out, &d.report(file, &index));
        }
        errors += diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        total += diags.len();
    }
    if total > 0 {
        out.push_str(&summary(errors, total - errors));
        out.push('\n');
    }
    out
}

fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Names longer than this get no suggestion: no name stackc knows is near
/// that long, and Jaro–Winkler costs the product of the two lengths (a
/// 65 KB time zone against the 600 known ones took 1.4 s).
const MAX_SUGGESTED_NAME: usize = 256;

/// The closest candidate to `name`, for "did you mean" help lines.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if name.len() > MAX_SUGGESTED_NAME {
        return None;
    }
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "did you mean `x`?" when a candidate is close, else "expected one of: ...".
pub fn did_you_mean(name: &str, candidates: &[&str]) -> String {
    match suggest(name, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None if candidates.is_empty() => "nothing is accepted here".into(),
        None => format!("expected one of: {}", candidates.join(", ")),
    }
}
