//! Saved plans: what `stackc diff --out` keeps, and `stackc deploy --plan`
//! applying it only while it still says what a deploy would do.

use super::change_set::{execute, newest_event};
use super::cleanup::Run;
use super::flow::converge;
use super::request::{bundle_changes, stack_request};
use super::{retry, Artifacts, DeployError, Options, Outcome, Ui};
use crate::cloud::Cloud;

/// A plan saved by `stackc diff --out`, applied by `stackc deploy --plan`:
/// the change set it keeps, and what it was made from, so that a deploy
/// executes exactly what was reviewed or nothing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedPlan {
    /// [`SavedPlan::VERSION`].
    pub version: u32,
    /// The CloudFormation stack.
    pub stack: String,
    /// Its region.
    pub region: String,
    /// The change set's id (an ARN).
    pub change_set: String,
    /// It creates the stack.
    pub create: bool,
    /// The build it was made from (see [`Artifacts::manifest_sha256`]).
    pub manifest_sha256: String,
    /// The stack parameters it sets (bucket, bundle, pinned images and
    /// packages).
    pub parameters: Vec<(String, String)>,
    /// The stack's newest event when it was made.
    pub last_event: Option<String>,
    /// How many changes it makes (for the progress bar).
    pub changes: usize,
}

impl SavedPlan {
    /// The format this stackc writes and reads.
    pub const VERSION: u32 = 1;
}

/// `stackc deploy --plan`: executes the saved plan's change set, after
/// checking that the build, the pins and the stack are those it was made
/// from and that its change set can still run; refuses otherwise
/// ([`DeployError::PlanStale`]), changing nothing.
pub(super) async fn apply_plan_flow<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    bucket: &str,
    plan: &SavedPlan,
    run: &Run,
) -> Result<Outcome, DeployError> {
    let m = &artifacts.manifest;
    let stack = m.stack_name.as_str();
    let stale = |why: String| Err(DeployError::PlanStale(why));
    if plan.version != SavedPlan::VERSION {
        return stale(format!(
            "it was written by another stackc (plan format {}, this one reads {})",
            plan.version,
            SavedPlan::VERSION
        ));
    }
    if plan.stack != stack || plan.region != m.region {
        return stale(format!(
            "it is a plan for {} in {}, not for {stack} in {}",
            plan.stack, plan.region, m.region
        ));
    }
    if plan.manifest_sha256 != artifacts.manifest_sha256 {
        return stale(
            "the stack file or its cookbooks changed since it was made (this build differs from the one it was made from)"
                .into(),
        );
    }
    let template = artifacts.entry(&m.template)?;
    let url = cloud.template_url(bucket, &m.key(template));
    let request = stack_request(artifacts, bucket, url, plan.create)?;
    if request.parameters != plan.parameters {
        return stale(
            "the lock file pins other images or Chef client packages, or the artifact bucket is another, than when it was made"
                .into(),
        );
    }
    let existing = retry(opts, || cloud.describe_stack(stack)).await?;
    if newest_event(cloud, opts, stack).await? != plan.last_event {
        return stale(format!(
            "{stack} changed since it was made (another deploy, or a change outside stackc)"
        ));
    }
    let sets = retry(opts, || cloud.list_change_sets(stack)).await?;
    match sets
        .iter()
        .find(|s| s.id == plan.change_set || s.name == plan.change_set)
    {
        Some(s) if s.executable() => {}
        Some(s) => {
            return stale(format!(
                "its change set {} can no longer run ({}, {})",
                s.name,
                s.status,
                s.execution_str()
            ))
        }
        None => return stale(format!("its change set is gone from {stack}")),
    }
    let bundle_changed = bundle_changes(existing.as_ref(), &request);
    ui.say(&format!(
        "applying the saved plan: {} change(s) to {stack}",
        plan.changes
    ));
    let status = execute(
        cloud,
        ui,
        opts,
        stack,
        &plan.change_set,
        &m.layers,
        plan.changes,
        run,
    )
    .await?;
    if bundle_changed && opts.converge {
        converge(cloud, ui, m).await?;
    }
    Ok(Outcome::Applied {
        uploaded: 0,
        status,
    })
}
