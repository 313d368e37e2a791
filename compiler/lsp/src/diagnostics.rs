//! Diagnostics: the core's checker on the editor's text (what `stackc check`
//! reports for the file, recipes missing from the cookbooks directory
//! included), converted to LSP, on threads of their own so that requests
//! are answered while a large file is checked. Edits that arrive while a
//! check runs are coalesced: only the newest text of each file is checked,
//! and what an older text's check finds after the newer one's is dropped.
//!
//! As `stackc check` does, a clean file's cookbooks directory is read as a
//! build reads it (what it refuses, such as links, is an error on the
//! file's `cookbooks` node) and its Ruby linted for the stack's Chef
//! clients: those warnings are published on the cookbook files themselves,
//! and taken back when a later check no longer finds them.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

use lsp_server::Notification;
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Url,
};
use stackc_core::check::{self, Options, RealFiles};
use stackc_core::cookbook_dir::{self, Findings};
use stackc_core::diag::{self, Severity};
use stackc_core::syntax;

use crate::position::LineIndex;

/// What a check of a stack file finds.
#[derive(Debug, Default)]
pub struct Found {
    /// On the stack file.
    pub stack: Vec<diag::Diagnostic>,
    /// On the files of its cookbooks directory (the lint's warnings).
    pub cookbooks: Vec<Findings>,
}

/// Checks a stack file's text as `stackc check` does, with its relative
/// paths (the cookbooks directory) resolved against `base_dir`: the file,
/// then, when it has no error, its cookbooks directory.
pub fn check(text: &str, base_dir: &Path) -> Found {
    let text = match syntax::decode(text.as_bytes()) {
        Ok(t) => t,
        Err(d) => {
            return Found {
                stack: vec![d],
                ..Found::default()
            }
        }
    };
    let opts = Options {
        base_dir,
        files: &RealFiles,
    };
    let (program, stack) = check::check_source(text, &opts);
    let mut found = Found {
        stack,
        ..Found::default()
    };
    if let Some(program) = program.filter(|_| !diag::has_errors(&found.stack)) {
        match cookbook_dir::lint(&program.environments) {
            Ok(cookbooks) => found.cookbooks = cookbooks,
            Err(cookbook_dir::Error::Refused(refused)) => found.stack.extend(refused),
            // Unreadable (permissions, a file gone while read): `stackc
            // check` says so on the terminal; an editor shows nothing.
            Err(cookbook_dir::Error::Io(path, e)) => {
                eprintln!(
                    "stackc lsp: cannot read {} (cookbooks): {e}",
                    path.display()
                );
            }
        }
    }
    found
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

/// How many texts are checked at once. A check of text that has since been
/// typed over (a clean 1,000-layer file takes about 100 ms) does not hold
/// up the check of the newer text, which starts on the other thread; what
/// the older one finds is then dropped.
const WORKERS: usize = 2;

/// The checking threads.
pub struct Checker {
    shared: Arc<Shared>,
    threads: Vec<thread::JoinHandle<()>>,
}

struct Shared {
    /// Jobs not started yet, numbered in the order they came.
    queue: Mutex<Queue>,
    ready: Condvar,
    /// The number of the last job published for each file: an older one
    /// that finishes later is not published.
    published: Mutex<HashMap<Url, u64>>,
    /// The cookbook files each stack file's last published check put
    /// warnings on, to be cleared when a later one does not.
    cookbook_files: Mutex<HashMap<Url, Vec<Url>>>,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<(u64, Job)>,
    next: u64,
    closed: bool,
}

impl Checker {
    /// Starts the threads; they publish through `publish`.
    pub fn start(publish: impl Fn(Notification) + Send + Sync + 'static) -> Self {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            published: Mutex::new(HashMap::new()),
            cookbook_files: Mutex::new(HashMap::new()),
        });
        let publish = Arc::new(publish);
        let threads = (0..WORKERS)
            .filter_map(|i| {
                let shared = shared.clone();
                let publish = publish.clone();
                thread::Builder::new()
                    .name(format!("stackc-lsp-check-{i}"))
                    .spawn(move || work(&shared, &*publish))
                    .ok()
            })
            .collect();
        Checker { shared, threads }
    }

    /// Queues a job.
    pub fn send(&self, job: Job) {
        let mut q = lock(&self.shared.queue);
        q.next += 1;
        let n = q.next;
        q.jobs.push((n, job));
        self.shared.ready.notify_one();
    }
}

impl Drop for Checker {
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A checking thread: takes what is queued, checks the newest text of each
/// file, and publishes what it finds unless a newer job was published first.
fn work(shared: &Shared, publish: &(dyn Fn(Notification) + Send + Sync)) {
    loop {
        let batch = {
            let mut q = lock(&shared.queue);
            while q.jobs.is_empty() && !q.closed {
                q = shared.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
            if q.jobs.is_empty() {
                return;
            }
            std::mem::take(&mut q.jobs)
        };
        for (n, job) in newest(batch) {
            let uri = job.uri().clone();
            let stale = |published: &HashMap<Url, u64>| published.get(&uri).is_some_and(|&p| p > n);
            if stale(&lock(&shared.published)) {
                continue;
            }
            let Some((params, cookbooks)) = run(job) else {
                continue;
            };
            let mut published = lock(&shared.published);
            if !stale(&published) {
                published.insert(uri.clone(), n);
                publish(notification(params));
                let mut files = lock(&shared.cookbook_files);
                let now: Vec<Url> = cookbooks.iter().map(|p| p.uri.clone()).collect();
                for gone in files.remove(&uri).unwrap_or_default() {
                    if !now.contains(&gone) {
                        publish(notification(PublishDiagnosticsParams::new(
                            gone,
                            Vec::new(),
                            None,
                        )));
                    }
                }
                for params in cookbooks {
                    publish(notification(params));
                }
                if !now.is_empty() {
                    files.insert(uri, now);
                }
            }
        }
    }
}

/// The last job of each file, in the order their last jobs came.
fn newest(batch: Vec<(u64, Job)>) -> Vec<(u64, Job)> {
    let mut out: Vec<(u64, Job)> = Vec::new();
    for (n, job) in batch {
        out.retain(|(_, j)| j.uri() != job.uri());
        out.push((n, job));
    }
    out
}

fn notification(params: PublishDiagnosticsParams) -> Notification {
    Notification::new("textDocument/publishDiagnostics".into(), params)
}

/// What a job publishes: for the stack file, and for each cookbook file
/// with warnings.
fn run(job: Job) -> Option<(PublishDiagnosticsParams, Vec<PublishDiagnosticsParams>)> {
    match job {
        Job::Clear(uri) => Some((
            PublishDiagnosticsParams::new(uri, Vec::new(), None),
            Vec::new(),
        )),
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
                .stack
                .iter()
                .map(|d| to_lsp(&uri, &text, &index, d))
                .collect();
            let cookbooks = found
                .cookbooks
                .iter()
                .filter_map(|f| {
                    let file = Url::from_file_path(&f.path).ok()?;
                    let index = LineIndex::new(&f.text);
                    let diagnostics = f
                        .diagnostics
                        .iter()
                        .map(|d| to_lsp(&file, &f.text, &index, d))
                        .collect();
                    Some(PublishDiagnosticsParams::new(file, diagnostics, None))
                })
                .collect();
            Some((
                PublishDiagnosticsParams::new(uri, diagnostics, Some(version)),
                cookbooks,
            ))
        }
    }
}
