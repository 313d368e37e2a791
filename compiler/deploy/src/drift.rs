//! `stackc drift`: what differs between what the stack file says and what
//! runs. Two parts:
//!
//! - the resources: CloudFormation's drift detection on the root stack and
//!   on each nested stack (a detection on a stack does not look into its
//!   nested stacks, AWS says: each is detected on its own), the resources
//!   changed or deleted outside stackc with their property differences,
//!   each under the layer the build named it for ([`resources`]);
//! - the fleet: the instances whose last lifecycle run failed, whose bundle
//!   is not the one the bundle pointer names, or that run an image other
//!   than the pinned one ([`fleet`]).
//!
//! The flows take the [`StackDrift`] and [`Fleet`] traits and are tested
//! with canned answers; the CLI prints [`Report`] and exits 3 when
//! something drifted.

mod render;
#[cfg(test)]
mod tests;

use std::time::Duration;

use stackc_core::emit::cfn::ids::layer_of;
use stackc_core::emit::operations::Operations;

use crate::cloud::CloudError;
use crate::fleet::{Fleet, Instance};

/// Where a drift detection stands, as DescribeStackDriftDetectionStatus
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// `DETECTION_IN_PROGRESS`, `DETECTION_COMPLETE`, `DETECTION_FAILED`.
    pub status: String,
    /// `DRIFTED`, `IN_SYNC`, `NOT_CHECKED`, `UNKNOWN` (none while in
    /// progress).
    pub stack_drift: Option<String>,
    /// Why, when it failed.
    pub reason: Option<String>,
}

impl Detection {
    /// True while CloudFormation is still checking.
    pub fn in_progress(&self) -> bool {
        self.status == "DETECTION_IN_PROGRESS"
    }

    /// True when it failed (for some resources at least: AWS still reports
    /// the drift of the others).
    pub fn failed(&self) -> bool {
        self.status == "DETECTION_FAILED"
    }
}

/// One property of a resource that is not what the template says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PropertyDifference {
    /// `SecurityGroupIngress.0.FromPort`.
    pub path: String,
    /// What the template says (JSON text), none when it was added.
    pub expected: Option<String>,
    /// What the resource has (JSON text), none when it was removed.
    pub actual: Option<String>,
    /// `ADD`, `REMOVE` or `NOT_EQUAL`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A resource changed or deleted outside stackc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDrift {
    /// Its logical id.
    pub logical_id: String,
    /// Its physical id, when it has one.
    pub physical_id: Option<String>,
    /// `AWS::EC2::SecurityGroup`, ...
    pub resource_type: String,
    /// `MODIFIED` or `DELETED`.
    pub status: String,
    /// What differs (a modified resource's).
    pub differences: Vec<PropertyDifference>,
}

/// The CloudFormation calls of drift detection.
#[allow(async_fn_in_trait)]
pub trait StackDrift {
    /// Starts a drift detection on a stack (by name or id); its id.
    async fn detect_drift(&self, stack: &str) -> Result<String, CloudError>;
    /// Where a drift detection stands.
    async fn drift_detection(&self, id: &str) -> Result<Detection, CloudError>;
    /// The resources the last detection found modified or deleted (every
    /// page).
    async fn resource_drifts(&self, stack: &str) -> Result<Vec<ResourceDrift>, CloudError>;
    /// The stack's nested stacks: logical id and stack id of each
    /// `AWS::CloudFormation::Stack` resource that has one.
    async fn nested_stacks(&self, stack: &str) -> Result<Vec<(String, String)>, CloudError>;
}

/// How long to wait for a detection, and how often to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    /// Between two questions.
    pub every: Duration,
    /// At most, for all the stacks' detections together.
    pub timeout: Duration,
}

/// One stack checked: the root, or a layer's nested stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedStack {
    /// Its name (the root) or id (a nested stack).
    pub stack: String,
    /// The layer of a nested stack; none for the root.
    pub layer: Option<String>,
    /// How its detection ended.
    pub detection: Detection,
    /// The resources changed or deleted outside stackc.
    pub drifts: Vec<ResourceDrift>,
}

/// What drift detection found on the stack and its nested stacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcesReport {
    /// Each stack checked, the root first.
    pub stacks: Vec<CheckedStack>,
    /// The layer names, to group the resources by.
    pub layers: Vec<String>,
}

impl ResourcesReport {
    /// Each drifted resource with its layer (none: the stack's own) and the
    /// stack it is in, sorted by layer (the stack's own first) and id.
    pub fn by_layer(&self) -> Vec<(Option<&str>, &CheckedStack, &ResourceDrift)> {
        let mut out: Vec<_> = self
            .stacks
            .iter()
            .flat_map(|s| {
                s.drifts.iter().map(move |d| {
                    let layer = layer_of(&d.logical_id, &self.layers).or(s.layer.as_deref());
                    (layer, s, d)
                })
            })
            .collect();
        out.sort_by(|a, b| (a.0, &a.2.logical_id).cmp(&(b.0, &b.2.logical_id)));
        out
    }

    /// How many resources drifted.
    pub fn drifted(&self) -> usize {
        self.stacks.iter().map(|s| s.drifts.len()).sum()
    }

    /// The stacks whose detection failed, with why.
    pub fn failures(&self) -> Vec<(&str, &str)> {
        self.stacks
            .iter()
            .filter(|s| s.detection.failed())
            .map(|s| {
                (
                    s.stack.as_str(),
                    s.detection.reason.as_deref().unwrap_or("no reason given"),
                )
            })
            .collect()
    }
}

/// Runs drift detection on the stack `name` and on each of its nested
/// stacks (all started first, then awaited: CloudFormation checks them side
/// by side), and reads what drifted. A detection that does not finish in
/// `polling.timeout` is an error; one that failed is reported with its
/// reason (and the drift of the resources it could check).
pub async fn resources<C: StackDrift>(
    cloud: &C,
    ops: &Operations,
    name: &str,
    polling: Polling,
) -> Result<ResourcesReport, CloudError> {
    let layers: Vec<String> = ops.layers.iter().map(|l| l.name.clone()).collect();
    let mut stacks: Vec<(String, Option<String>)> = vec![(name.to_string(), None)];
    for (logical_id, id) in cloud.nested_stacks(name).await? {
        let layer = layer_of(&logical_id, &layers).map(str::to_string);
        stacks.push((id, layer));
    }
    let mut started = Vec::with_capacity(stacks.len());
    for (stack, layer) in stacks {
        let id = cloud.detect_drift(&stack).await?;
        started.push((stack, layer, id));
    }
    let deadline = tokio::time::Instant::now() + polling.timeout;
    let mut checked = Vec::with_capacity(started.len());
    for (stack, layer, id) in started {
        let detection = loop {
            let d = cloud.drift_detection(&id).await?;
            if !d.in_progress() {
                break d;
            }
            if tokio::time::Instant::now() + polling.every > deadline {
                return Err(CloudError::Other(format!(
                    "CloudFormation's drift detection of {stack} did not finish in {} s (detection {id})\nhelp: a stack with many resources takes minutes; rerun `stackc drift` later, or see the stack's Drifts tab in the CloudFormation console",
                    polling.timeout.as_secs()
                )));
            }
            tokio::time::sleep(polling.every).await;
        };
        let drifts = cloud.resource_drifts(&stack).await?;
        checked.push(CheckedStack {
            stack,
            layer,
            detection,
            drifts,
        });
    }
    Ok(ResourcesReport {
        stacks: checked,
        layers,
    })
}

/// The images the instances should run: per Auto Scaling group (from the
/// lock file, with the stack file), or any of the environment's pinned
/// images (from the deployed stack's image parameters, with `--stack`: an
/// instance can only boot an image of its own architecture, so being one
/// of them is being its group's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pins {
    /// Auto Scaling group and the image its instances should run.
    pub by_group: Vec<(String, String)>,
    /// Images any instance may run, for groups `by_group` does not name.
    pub any_of: Vec<String>,
    /// Where the pins come from, as the report says it.
    pub source: String,
}

impl Pins {
    /// The images an instance of `group` may run; empty when nothing is
    /// pinned for it (then its image is not judged).
    pub fn for_group(&self, group: &str) -> Vec<&str> {
        match self.by_group.iter().find(|(g, _)| g == group) {
            Some((_, image)) => vec![image.as_str()],
            None => self.any_of.iter().map(String::as_str).collect(),
        }
    }

    /// The pins a deployed stack's parameters hold (`ImageIdX86`,
    /// `ImageIdArm64`): what the last deploy pinned.
    pub fn deployed(parameters: &[(String, String)]) -> Pins {
        use stackc_core::stdlib::Arch;
        let names = [
            stackc_core::lock::parameter(Arch::X86_64),
            stackc_core::lock::parameter(Arch::Arm64),
        ];
        Pins {
            by_group: Vec::new(),
            any_of: parameters
                .iter()
                .filter(|(k, _)| names.contains(k))
                .map(|(_, v)| v.clone())
                .collect(),
            source: "the images the last deploy pinned".into(),
        }
    }
}

/// An instance's last lifecycle run, read from its `stackc:last-run` tag:
/// `<event> started|succeeded|failed <UTC time>[ bundle <sha256 prefix>]`
/// (the agent adds the bundle; a bootstrap that failed before it had one,
/// or an older agent, does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun<'a> {
    /// `setup`, `configure`, `deploy`, ...
    pub event: &'a str,
    /// `started`, `succeeded` or `failed`.
    pub outcome: &'a str,
    /// The first digits of the sha256 of the bundle the instance has.
    pub bundle: Option<&'a str>,
}

impl<'a> LastRun<'a> {
    /// Reads a tag's value; `None` when it is not one the agent writes.
    pub fn parse(tag: &'a str) -> Option<LastRun<'a>> {
        let words: Vec<&str> = tag.split_whitespace().collect();
        let (event, outcome) = (*words.first()?, *words.get(1)?);
        let bundle = match words.get(3..) {
            Some(["bundle", sha, ..]) => Some(*sha),
            _ => None,
        };
        Some(LastRun {
            event,
            outcome,
            bundle,
        })
    }
}

/// How an instance differs from what the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceProblem {
    /// Its last lifecycle run failed (the tag's whole value).
    RunFailed(String),
    /// Its bundle is not the one the bundle pointer names.
    OldBundle {
        /// The instance's (a sha256 prefix).
        has: String,
        /// The pointer's (a sha256 prefix of the same length).
        current: String,
    },
    /// It runs an image other than the pinned one(s).
    Image {
        /// The instance's.
        has: String,
        /// The pinned ones.
        pinned: Vec<String>,
    },
}

impl InstanceProblem {
    /// Its kind as `--message-format json` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            InstanceProblem::RunFailed(_) => "failed_run",
            InstanceProblem::OldBundle { .. } => "old_bundle",
            InstanceProblem::Image { .. } => "unpinned_image",
        }
    }
}

/// An instance checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedInstance {
    /// The layer whose group it is in.
    pub layer: String,
    /// The instance.
    pub instance: Instance,
    /// What drifted (nothing: in sync).
    pub problems: Vec<InstanceProblem>,
    /// The bundle could not be compared: its tag names none (no run yet,
    /// a run in progress, or an agent older than the record).
    pub bundle_unknown: bool,
}

/// What the fleet check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetReport {
    /// The sha256 of the bundle the pointer names, none when there is no
    /// pointer (or it cannot be read).
    pub bundle: Option<String>,
    /// Where the pinned images come from.
    pub pins: String,
    /// Every instance checked, by layer and id.
    pub instances: Vec<CheckedInstance>,
}

impl FleetReport {
    /// How many instances drifted.
    pub fn drifted(&self) -> usize {
        self.instances
            .iter()
            .filter(|i| !i.problems.is_empty())
            .count()
    }
}

/// The sha256 a bundle pointer's value names (`{"bucket", "key",
/// "sha256"}`).
fn pointer_sha(value: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(value).ok()?;
    v.get("sha256")?.as_str().map(str::to_string)
}

/// Checks the instances of the environment's groups: their last run, their
/// bundle against the pointer, their image against `pins`. Instances on the
/// way out (shutting down, terminated) are not judged.
pub async fn fleet<F: Fleet>(
    fleet: &F,
    ops: &Operations,
    pins: &Pins,
) -> Result<FleetReport, CloudError> {
    let name = ops.stack_name();
    let parameter = stackc_core::emit::cfn::bundle_parameter_for(&name);
    let bundle = fleet
        .bundle_pointer(&parameter)
        .await?
        .and_then(|v| pointer_sha(&v));
    let groups = ops.groups();
    let names: Vec<String> = groups.iter().map(|(_, g)| g.clone()).collect();
    let mut instances = Vec::new();
    for i in fleet.instances(&names).await? {
        if matches!(i.state(), "terminated" | "shutting_down") {
            continue;
        }
        let layer = groups
            .iter()
            .find(|(_, g)| *g == i.group)
            .map(|(l, _)| l.clone())
            .unwrap_or_default();
        let run = i.last_run.as_deref().and_then(LastRun::parse);
        let mut problems = Vec::new();
        if run.as_ref().is_some_and(|r| r.outcome == "failed") {
            problems.push(InstanceProblem::RunFailed(
                i.last_run.clone().unwrap_or_default(),
            ));
        }
        // A run in progress may be fetching the new bundle: judged when done.
        let has = run
            .as_ref()
            .filter(|r| r.outcome != "started")
            .and_then(|r| r.bundle)
            .filter(|b| !b.is_empty());
        let bundle_unknown = has.is_none() && bundle.is_some();
        if let (Some(has), Some(current)) = (has, bundle.as_deref()) {
            if !current.starts_with(has) {
                problems.push(InstanceProblem::OldBundle {
                    has: has.to_string(),
                    current: current.chars().take(has.len()).collect(),
                });
            }
        }
        let pinned = pins.for_group(&i.group);
        if let Some(image) = &i.image {
            if !pinned.is_empty() && !pinned.contains(&image.as_str()) {
                problems.push(InstanceProblem::Image {
                    has: image.clone(),
                    pinned: pinned.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        instances.push(CheckedInstance {
            layer,
            instance: i,
            problems,
            bundle_unknown,
        });
    }
    instances.sort_by(|a, b| (&a.layer, &a.instance.id).cmp(&(&b.layer, &b.instance.id)));
    Ok(FleetReport {
        bundle,
        pins: pins.source.clone(),
        instances,
    })
}

/// What `stackc drift` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `<stack>-<env>`.
    pub stack: String,
    /// The resources.
    pub resources: ResourcesReport,
    /// The fleet.
    pub fleet: FleetReport,
}

impl Report {
    /// True when something differs from what the file says.
    pub fn drifted(&self) -> bool {
        self.resources.drifted() > 0 || self.fleet.drifted() > 0
    }
}
