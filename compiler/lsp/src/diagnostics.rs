//! Diagnostics: the core's checker on the editor's text (what `stackc check`
//! reports for the file, recipes missing from the cookbooks directory
//! included), converted to LSP, on a thread of their own so that requests
//! are answered while a large file is checked. Edits that arrive while a
//! check runs are coalesced: only the newest text of each file is checked.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use lsp_server::Notification;
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Url,
};
use stackc_core::check::{self, Options, RealFiles};
use stackc_core::diag::{self, Severity};
use stackc_core::syntax;

use crate::position::LineIndex;

/// Checks a stack file's text as `stackc check` does, with its relative
/// paths (the cookbooks directory) resolved against `base_dir`.
pub fn check(text: &str, base_dir: &Path) -> Vec<diag::Diagnostic> {
    let text = match syntax::decode(text.as_bytes()) {
        Ok(t) => t,
        Err(d) => return vec![d],
    };
    let opts = Options {
        base_dir,
        files: &RealFiles,
    };
    check::outline_source(text, &opts).1
}

/// A core diagnostic in LSP's terms: the code, the span, the message with
/// the help line, the related spans with their labels, and the fix (as
/// `data`, for code actions).
pub fn to_lsp(
    uri: &Url,
    text: &str,
    index: &LineIndex,
    d: &diag::Diagnostic,
) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .map(|(span, label)| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), index.range(text, *span)),
            message: label.clone(),
        })
        .collect();
    let data = d.fix.as_ref().map(|f| {
        serde_json::json!({
            "fix": {
                "range": index.range(text, f.span),
                "newText": f.replacement,
            },
            "label": d.label,
        })
    });
    lsp_types::Diagnostic {
        range: index.range(text, d.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.name())),
        code_description: None,
        source: Some("stackc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data,
    }
}

/// Work for the checking thread.
pub enum Job {
    /// Check this text of a file and publish what is found.
    Check {
        /// The file.
        uri: Url,
        /// The editor's version of the text.
        version: i32,
        /// The text.
        text: String,
        /// Where its relative paths resolve.
        base_dir: PathBuf,
    },
    /// The file was closed: publish no diagnostics for it.
    Clear(Url),
}

impl Job {
    fn uri(&self) -> &Url {
        match self {
            Job::Check { uri, .. } | Job::Clear(uri) => uri,
        }
    }
}

/// The checking thread.
pub struct Checker {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Checker {
    /// Starts the thread; it publishes through `publish`.
    pub fn start(publish: impl Fn(Notification) + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = thread::Builder::new()
            .name("stackc-lsp-check".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    for job in newest(batch) {
                        if let Some(n) = run(job) {
                            publish(n);
                        }
                    }
                }
            })
            .ok();
        Checker {
            jobs: Some(tx),
            thread,
        }
    }

    /// Queues a job.
    pub fn send(&self, job: Job) {
        if let Some(tx) = &self.jobs {
            let _ = tx.send(job);
        }
    }
}

impl Drop for Checker {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The last job of each file, in the order their last jobs came.
fn newest(batch: Vec<Job>) -> Vec<Job> {
    let mut out: Vec<Job> = Vec::new();
    for job in batch {
        out.retain(|j| j.uri() != job.uri());
        out.push(job);
    }
    out
}

fn run(job: Job) -> Option<Notification> {
    let params = match job {
        Job::Clear(uri) => PublishDiagnosticsParams::new(uri, Vec::new(), None),
        Job::Check {
            uri,
            version,
            text,
            base_dir,
        } => {
            // A checker bug must not take the server down with it.
            let found = catch_unwind(AssertUnwindSafe(|| check(&text, &base_dir)));
            let Ok(found) = found else {
                eprintln!("stackc lsp: the checker panicked on {uri}");
                return None;
            };
            let index = LineIndex::new(&text);
            let diagnostics = found
                .iter()
                .map(|d| to_lsp(&uri, &text, &index, d))
                .collect();
            PublishDiagnosticsParams::new(uri, diagnostics, Some(version))
        }
    };
    Some(Notification::new(
        "textDocument/publishDiagnostics".into(),
        params,
    ))
}
