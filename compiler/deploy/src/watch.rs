//! `stackc watch`, the recipe loop: on a save, which recipes run
//! ([`changes`]), when a burst of events is one save ([`debounce`]), and a
//! turn of the loop on AWS: the bundle published as `stackc run recipes`
//! publishes it, one online instance of the layer, the recipes run there
//! by the stack's Run Command document and that run's output streamed
//! (from the layer's CloudWatch Logs while it runs, else the command's
//! own output when it ends). AWS sits behind [`Cloud`] and [`Fleet`].

mod changes;
mod debounce;
#[cfg(test)]
mod tests;

pub use changes::{choose, classify, is_ignored, layer_recipes, relative, Change, Choice, Known};
pub use debounce::{Batch, Debounce};

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::time::Duration;

use crate::cloud::{Cloud, CloudError};
use crate::deploy::{Artifacts, DeployError};
use crate::fleet::{self, Fleet, Invocation};
use crate::ops::Command;

/// Why a turn of the loop stopped.
#[derive(Debug)]
pub enum WatchError {
    /// Publishing or an AWS call failed.
    Deploy(DeployError),
    /// The layer has no online instance.
    NoInstance {
        /// The layer.
        layer: String,
    },
    /// `--instance` is not an online instance of the layer.
    NotOnline {
        /// The instance asked for.
        instance: String,
        /// The layer.
        layer: String,
        /// Its online instances.
        online: Vec<String>,
    },
}

impl WatchError {
    /// True when no save can mend it (credentials, access, the network):
    /// the loop stops instead of failing on every save.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            WatchError::Deploy(DeployError::Cloud(
                CloudError::NoCredentials(_)
                    | CloudError::ExpiredToken(_)
                    | CloudError::AccessDenied(_)
                    | CloudError::Unreachable(_)
            ))
        )
    }
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::Deploy(e) => write!(f, "{e}"),
            WatchError::NoInstance { layer } => write!(
                f,
                "layer {layer} has no online instance to run on\nhelp: `stackc status` shows its instances; save again once one is online"
            ),
            WatchError::NotOnline {
                instance,
                layer,
                online,
            } => write!(
                f,
                "{instance} is not an online instance of layer {layer} (online: {})\nhelp: pass one of those to --instance, or leave --instance out",
                if online.is_empty() {
                    "none".to_string()
                } else {
                    online.join(", ")
                }
            ),
        }
    }
}

impl std::error::Error for WatchError {}

impl From<CloudError> for WatchError {
    fn from(e: CloudError) -> Self {
        WatchError::Deploy(DeployError::Cloud(e))
    }
}

impl From<DeployError> for WatchError {
    fn from(e: DeployError) -> Self {
        WatchError::Deploy(e)
    }
}

/// The instance a turn runs on, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    /// EC2 id.
    pub id: String,
    /// `--instance`, or how it was chosen.
    pub why: &'static str,
}

/// One online (`InService`) instance of the layer's groups: `wanted` when
/// given (an error unless it is online), else the one the loop ran on
/// before while it stays online, else the first by id.
pub async fn pick_instance<F: Fleet>(
    fleet: &F,
    layer: &str,
    groups: &[String],
    wanted: Option<&str>,
    previous: Option<&str>,
) -> Result<Picked, WatchError> {
    let online = fleet::online(fleet, groups).await?;
    if let Some(w) = wanted {
        if online.iter().any(|i| i == w) {
            return Ok(Picked {
                id: w.to_string(),
                why: "--instance",
            });
        }
        return Err(WatchError::NotOnline {
            instance: w.to_string(),
            layer: layer.to_string(),
            online,
        });
    }
    if let Some(p) = previous.filter(|p| online.iter().any(|i| i == p)) {
        return Ok(Picked {
            id: p.to_string(),
            why: "the instance this watch runs on",
        });
    }
    match online.into_iter().next() {
        Some(id) => Ok(Picked {
            id,
            why: "the first online instance",
        }),
        None => Err(WatchError::NoInstance {
            layer: layer.to_string(),
        }),
    }
}

/// What one turn publishes and where it runs.
pub struct Turn<'a> {
    /// The build of this save.
    pub artifacts: &'a Artifacts,
    /// The artifact bucket.
    pub bucket: &'a str,
    /// The stack's Run Command document.
    pub document: &'a str,
    /// The watched layer.
    pub layer: &'a str,
    /// The Auto Scaling groups its instances are in (its host's).
    pub groups: &'a [String],
    /// `--instance`.
    pub wanted: Option<&'a str>,
    /// The instance of the previous turn.
    pub previous: Option<&'a str>,
    /// The recipes to run; none: publish only.
    pub recipes: &'a [String],
    /// The log groups the instance's runs are shipped to.
    pub log_groups: &'a [String],
    /// Log lines from this time on (ms since the epoch) are this run's.
    pub since_ms: i64,
    /// How often the run is asked how it stands.
    pub poll: Duration,
}

/// What a turn did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// A new bundle was published.
    pub published: bool,
    /// The instance it ran on, and the command's id and result; `None`
    /// when there was nothing to run.
    pub run: Option<(Picked, String, Invocation)>,
}

/// One turn of the loop: picks the instance (before anything changes, so
/// a layer without one changes nothing), publishes the bundle when it
/// changed ([`fleet::publish_bundle`], as `stackc run recipes` does), runs
/// `recipes` there as `execute_recipes` and streams the run's output to
/// `show` as it comes; says what it does on `say`.
pub async fn turn<C: Cloud + Fleet>(
    cloud: &C,
    say: &mut dyn Write,
    show: &mut dyn Write,
    t: &Turn<'_>,
) -> Result<Ran, WatchError> {
    let picked = if t.recipes.is_empty() {
        None
    } else {
        Some(pick_instance(cloud, t.layer, t.groups, t.wanted, t.previous).await?)
    };
    let published = fleet::publish_bundle(cloud, say, t.artifacts, t.bucket).await?;
    if !published {
        let _ = writeln!(
            say,
            "the bundle is the one the fleet has: nothing to publish"
        );
    }
    let Some(picked) = picked else {
        return Ok(Ran {
            published,
            run: None,
        });
    };
    let params = vec![
        (
            "event".to_string(),
            Command::ExecuteRecipes.as_str().to_string(),
        ),
        ("recipes".to_string(), t.recipes.join(",")),
    ];
    let _ = writeln!(
        say,
        "running {} on {} ({})",
        t.recipes.join(", "),
        picked.id,
        picked.why
    );
    let (command, invocation) = run_streaming(cloud, say, show, t, &picked.id, &params).await?;
    Ok(Ran {
        published,
        run: Some((picked, command, invocation)),
    })
}

/// Sends the command to one instance and, until it has finished, prints
/// its new lines in the layer's log groups (stream `<instance>/stackc-run`,
/// where the agent's runs are shipped); when none came (no CloudWatch
/// agent yet, or lines still in its buffer), the command's own output.
async fn run_streaming<F: Fleet>(
    fleet: &F,
    say: &mut dyn Write,
    show: &mut dyn Write,
    t: &Turn<'_>,
    instance: &str,
    params: &[(String, String)],
) -> Result<(String, Invocation), CloudError> {
    let id = fleet
        .send(t.document, &[instance.to_string()], params)
        .await?;
    let _ = writeln!(say, "command {id} sent to {instance}");
    let stream = format!("{instance}/stackc-run");
    let mut seen = HashSet::new();
    loop {
        let invocation = fleet.invocation(&id, instance).await?;
        if !t.log_groups.is_empty() {
            for e in fleet.logs(t.log_groups, t.since_ms).await? {
                if e.stream == stream && seen.insert((e.time, e.message.clone())) {
                    let _ = writeln!(show, "{}", e.message);
                }
            }
        }
        if invocation.finished() {
            if seen.is_empty() {
                for line in invocation.output.lines() {
                    let _ = writeln!(show, "{line}");
                }
            }
            let _ = show.flush();
            return Ok((id, invocation));
        }
        let _ = show.flush();
        tokio::time::sleep(t.poll).await;
    }
}
