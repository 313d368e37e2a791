//! The flows: bootstrap, deploy (upload, change set, plan, confirm, execute,
//! follow, converge), diff and destroy. Generic over
//! [`Cloud`](crate::cloud::Cloud) so tests run them against moto and against
//! canned responses; everything the user sees goes through [`Ui`].
//!
//! This file holds what every flow shares (the [`Ui`], the [`Options`],
//! retries, the [`Outcome`]); the flows are in the submodules, re-exported
//! here.

mod artifacts;
mod bootstrap;
mod change_set;
mod cleanup;
mod destroy;
mod error;
mod events;
mod flow;
mod operation;
mod request;
mod saved;
mod uploads;

pub use artifacts::{Artifacts, Unpinned};
pub use bootstrap::{artifact_bucket, bootstrap, bootstrap_regional, bootstrap_template};
pub use cleanup::Cleanup;
pub use destroy::{destroy, kept_by_destroy};
pub use error::DeployError;
pub use events::follow;
pub use flow::{deploy, diff};
pub use operation::{locked, Operation};
pub use saved::SavedPlan;
pub use uploads::upload;
pub(crate) use uploads::{stage_packages, upload_packages};

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::cloud::{Change, CloudError, StackStatus};
use crate::plan::{self, Replacement};

/// The CloudFormation stack that holds the artifact bucket.
pub const BOOTSTRAP_STACK: &str = "stackc-bootstrap";

/// How a flow talks to the user.
pub struct Ui<'a> {
    /// Where messages go (stderr in the CLI).
    pub out: &'a mut dyn Write,
    /// Asks a yes/no question; `None` when there is no terminal to ask on.
    /// Awaited, so that Ctrl-C at the prompt stops the flow.
    pub confirm: &'a mut dyn FnMut(&str) -> Answer,
    /// Draw a progress bar on the terminal while following a stack
    /// (events then print above it instead of to `out`).
    pub progress: bool,
    /// Colour the plan's marks (`+` green, `-` red, `~` yellow).
    pub color: bool,
    /// Where the plan goes as one line of JSON instead of as text to
    /// `out` (stdout with `--message-format json`).
    pub json: Option<&'a mut dyn Write>,
}

/// The answer to a yes/no question, once given.
pub type Answer = std::pin::Pin<Box<dyn Future<Output = Option<bool>>>>;

/// An answer known at once (tests, no terminal).
pub fn answer(a: Option<bool>) -> Answer {
    Box::pin(std::future::ready(a))
}

impl Ui<'_> {
    pub(crate) fn say(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    /// Shows a plan: as text, coloured if asked, or as JSON.
    fn plan(
        &mut self,
        stack: &str,
        create: bool,
        changes: &[Change],
        layers: &[String],
        replacing: &[Replacement],
    ) {
        if let Some(json) = self.json.as_mut() {
            let value = plan::to_json(stack, create, changes, layers, replacing);
            let _ = writeln!(json, "{value}");
            return;
        }
        let text = plan::render(stack, create, changes, layers, replacing);
        if self.color {
            let _ = writeln!(self.out, "{}", stackc_core::envdiff::paint(&text));
        } else {
            let _ = writeln!(self.out, "{text}");
        }
    }
}

/// Settings of a flow.
#[derive(Debug, Clone)]
pub struct Options {
    /// Do not ask before changing anything.
    pub yes: bool,
    /// Pause between polls of CloudFormation.
    pub poll: Duration,
    /// After an update that changed the bundle, run configure on the fleet.
    pub converge: bool,
    /// Where downloaded Cinc packages are kept (`None`: nowhere).
    pub cache: Option<PathBuf>,
    /// Remove the stack's lock whoever holds it (`--force-unlock`).
    pub force_unlock: bool,
}

impl Options {
    fn default_quick() -> Options {
        Options {
            poll: Duration::from_millis(200),
            ..Options::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            yes: false,
            poll: Duration::from_secs(5),
            converge: true,
            cache: crate::cinc::default_cache_dir(),
            force_unlock: false,
        }
    }
}

/// Calls `f` again while AWS throttles (the SDK already retried), with
/// doubling pauses, up to five times.
pub(crate) async fn retry<T, F, Fut>(opts: &Options, mut f: F) -> Result<T, CloudError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, CloudError>>,
{
    let mut pause = opts.poll.max(Duration::from_millis(1));
    let mut tries = 0;
    loop {
        match f().await {
            Err(CloudError::Throttled(_)) if tries < 5 => {
                tries += 1;
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            other => return other,
        }
    }
}

/// What a flow did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to change: no change set executed.
    UpToDate {
        /// Objects uploaded (0 when nothing changed).
        uploaded: usize,
    },
    /// The change set was executed and succeeded.
    Applied {
        /// Objects uploaded.
        uploaded: usize,
        /// Final stack status.
        status: StackStatus,
    },
    /// The plan only (diff).
    Planned,
    /// The plan, its change set kept for `deploy --plan` (`diff --out`).
    Saved(Box<SavedPlan>),
    /// The user said no.
    Declined,
    /// The stack is gone.
    Destroyed,
    /// A StackSet's operations ran (none when nothing changed), some
    /// targets perhaps failed within the tolerance.
    Operated {
        /// Objects uploaded, over every target region.
        uploaded: usize,
        /// What ran and what failed.
        report: Box<crate::stackset::Report>,
    },
}
