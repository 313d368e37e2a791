//! One save is a burst of file-system events (an editor writes a temporary
//! file, renames it over the old one, changes its mode): they are gathered
//! until the files have been quiet for a moment, then handled once.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The changed paths of one burst, and when it began (the save).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Each path once, in the order first seen.
    pub paths: Vec<PathBuf>,
    /// The first event of the burst.
    pub saved_at: Instant,
}

/// Gathers events until `quiet` has passed without one, or `longest` since
/// the first (a tool writing without a pause is not waited on for ever).
/// It reads no clock: every call is given the time.
#[derive(Debug)]
pub struct Debounce {
    quiet: Duration,
    longest: Duration,
    paths: Vec<PathBuf>,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Debounce {
    /// A debounce of `quiet`, flushing a burst at the latest after `longest`.
    pub fn new(quiet: Duration, longest: Duration) -> Debounce {
        Debounce {
            quiet,
            longest,
            paths: Vec::new(),
            first: None,
            last: None,
        }
    }

    /// An event on `path` at `now`.
    pub fn push(&mut self, path: PathBuf, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
        if !self.paths.contains(&path) {
            self.paths.push(path);
        }
    }

    /// When the burst gathered so far is due; `None` when there is none.
    pub fn due(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + self.quiet).min(first + self.longest))
    }

    /// The burst, once due at `now`; it starts a new one.
    pub fn take(&mut self, now: Instant) -> Option<Batch> {
        if now < self.due()? {
            return None;
        }
        let saved_at = self.first.take()?;
        self.last = None;
        Some(Batch {
            paths: std::mem::take(&mut self.paths),
            saved_at,
        })
    }
}
