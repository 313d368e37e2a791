//! The deploy and diff flows: the stack checked, the artifacts uploaded,
//! the change set applied (or only planned), the fleet converged.

use std::future::Future;

use stackc_core::emit::manifest::Manifest;

use super::change_set::{apply, PlanInput};
use super::cleanup::Run;
use super::request::{bundle_changes, stack_request};
use super::uploads::{stage_packages, upload_packages};
use super::{locked, retry, upload, Artifacts, DeployError, Operation, Options, Outcome, Ui};
use crate::cloud::{
    Change, ChangeSetRequest, ChangeSetSummary, Cloud, CloudError, StackInfo, StackStatus,
};

/// What deploy and diff share: the stack as it is, the artifacts uploaded,
/// and the change set to ask for.
struct Prepared {
    existing: Option<StackInfo>,
    uploaded: usize,
    request: ChangeSetRequest,
}

/// `packages`: also put the Cinc packages in the bucket (deploy; a plan
/// needs only their sha256).
async fn prepare<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    bucket: &str,
    run: &Run,
) -> Result<Prepared, DeployError> {
    let m = &artifacts.manifest;
    let packages = !run.plan_only;
    let existing = retry(opts, || cloud.describe_stack(&m.stack_name)).await?;
    run.stack_existed.set(existing.is_some());
    if let Some(info) = &existing {
        if info.status == StackStatus::ReviewInProgress {
            review_abandoned(cloud, ui, opts, info, &m.stack_name).await?;
        } else if info.in_progress() {
            return Err(
                CloudError::InProgress(format!("{} is {}", m.stack_name, info.status)).into(),
            );
        }
        if info.status == StackStatus::RollbackComplete {
            return Err(DeployError::ChangeSetFailed(format!(
                "{} failed to create and was rolled back; it cannot be updated\nhelp: delete it with `stackc destroy --env {}`, then deploy again",
                m.stack_name, m.env
            )));
        }
    }
    let staged = if packages {
        stage_packages(cloud, ui, opts, bucket, artifacts).await?
    } else {
        Vec::new()
    };
    let mut uploaded = upload(cloud, ui, bucket, artifacts).await?;
    if packages {
        uploaded += upload_packages(cloud, ui, bucket, artifacts, staged).await?;
    }
    let template = artifacts.entry(&m.template)?;
    let url = cloud.template_url(bucket, &m.key(template));
    let create = existing
        .as_ref()
        .is_none_or(|i| i.status == StackStatus::ReviewInProgress);
    let request = stack_request(artifacts, bucket, url, create)?;
    Ok(Prepared {
        existing,
        uploaded,
        request,
    })
}

/// A stack `REVIEW_IN_PROGRESS` is one another deploy is creating while
/// it has a change set; one without any was left by a run that was killed
/// before it executed (or cleaned up), and deploying takes it over.
async fn review_abandoned<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    info: &StackInfo,
    stack: &str,
) -> Result<(), DeployError> {
    let mut sets = retry(opts, || cloud.list_change_sets(stack)).await?;
    sets.retain(ChangeSetSummary::pending);
    if sets.is_empty() {
        ui.say(&format!(
            "{stack} is REVIEW_IN_PROGRESS with no change set (a run stopped before executing one left it empty): this deploy creates it"
        ));
        return Ok(());
    }
    let names: Vec<String> = sets
        .iter()
        .map(|c| format!("{} ({})", c.name, c.status))
        .collect();
    Err(CloudError::InProgress(format!(
        "{stack} is {}: another deploy is creating it, its change set {} waits to be executed; if no deploy is running, delete the empty stack with `aws cloudformation delete-stack --stack-name {}`",
        info.status,
        names.join(", "),
        info.id
    ))
    .into())
}

pub(super) async fn deploy_flow<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    bucket: &str,
    run: &Run,
) -> Result<Outcome, DeployError> {
    let m = &artifacts.manifest;
    let p = prepare(cloud, ui, opts, artifacts, bucket, run).await?;
    let bundle_changed = bundle_changes(p.existing.as_ref(), &p.request);
    let input = PlanInput {
        manifest: Some(m),
        artifacts_sha256: &artifacts.manifest_sha256,
        existing: p.existing.as_ref(),
    };
    let outcome = apply(cloud, ui, opts, &p.request, &input, p.uploaded, run).await?;
    if let Outcome::UpToDate { .. } = outcome {
        resume_launches(cloud, ui, &m.stack_name, &m.layers).await?;
    }
    if let Outcome::Applied { .. } = outcome {
        if bundle_changed && opts.converge {
            converge(cloud, ui, m).await?;
        }
    }
    Ok(outcome)
}

pub(super) async fn diff_flow<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    bucket: &str,
    run: &Run,
) -> Result<Outcome, DeployError> {
    let m = &artifacts.manifest;
    // A stack never deployed: what would be created is the template's
    // resources, known offline; asking CloudFormation would create the
    // stack (REVIEW_IN_PROGRESS) to hold the change set.
    if retry(opts, || cloud.describe_stack(&m.stack_name))
        .await?
        .is_none()
    {
        // What the deploy would refuse (images or packages not pinned) it
        // refuses here too.
        stack_request(artifacts, bucket, String::new(), true)?;
        let additions = template_additions(artifacts)?;
        ui.plan(&m.stack_name, true, &additions, &m.layers, &[]);
        ui.say(&format!(
            "{} is not deployed: the plan comes from the built template; nothing was uploaded or created (`stackc deploy --env {}` creates it)",
            m.stack_name, m.env
        ));
        return Ok(Outcome::Planned);
    }
    let p = prepare(cloud, ui, opts, artifacts, bucket, run).await?;
    let input = PlanInput {
        manifest: Some(&artifacts.manifest),
        artifacts_sha256: &artifacts.manifest_sha256,
        existing: p.existing.as_ref(),
    };
    apply(cloud, ui, opts, &p.request, &input, 0, run).await
}

/// The resources of the built root template, each as an addition (what a
/// change set for the new stack would list: nested stacks as such).
fn template_additions(artifacts: &Artifacts) -> Result<Vec<Change>, DeployError> {
    let entry = artifacts.entry(&artifacts.manifest.template)?;
    let path = artifacts.dir.join(&entry.path);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| DeployError::Artifacts(format!("cannot read {}: {e}", path.display())))?;
    let template: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        DeployError::Artifacts(format!("{} is not a JSON template: {e}", path.display()))
    })?;
    let resources = template["Resources"]
        .as_object()
        .ok_or_else(|| DeployError::Artifacts(format!("{} has no Resources", path.display())))?;
    Ok(resources
        .iter()
        .map(|(id, r)| Change {
            action: "Add".into(),
            logical_id: id.clone(),
            resource_type: r["Type"].as_str().unwrap_or_default().to_string(),
            replacement: None,
        })
        .collect())
}

/// `stackc deploy` under the stack's lock, until `interrupt` fires.
pub async fn deploy<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    locked(cloud, ui, opts, Operation::Deploy(artifacts), interrupt).await
}

/// `stackc diff` under the stack's lock, until `interrupt` fires.
pub async fn diff<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    locked(cloud, ui, opts, Operation::Diff(artifacts), interrupt).await
}

/// Lets groups launch again whose launches the bootstrap suspended after
/// a second failed setup (see the README: what happens on a failed setup).
pub(super) async fn resume_launches<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    stack: &str,
    layers: &[String],
) -> Result<(), DeployError> {
    let groups: Vec<String> = layers
        .iter()
        .map(|l| stackc_core::emit::cfn::group_name_for(stack, l))
        .collect();
    for group in cloud.resume_launches(&groups).await? {
        ui.say(&format!(
            "{group}: launches resumed (they were suspended after repeated failed setups; an instance kept for inspection may still be in Standby)"
        ));
    }
    Ok(())
}

pub(super) async fn converge<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    m: &Manifest,
) -> Result<(), DeployError> {
    let document = stackc_core::emit::cfn::run_document_for(&m.stack_name);
    match cloud.run_event(&document, &m.stack, &m.env, "configure").await? {
        Some(id) => ui.say(&format!(
            "the cookbooks changed: configure sent to the running instances (command {id}); it fetches the new bundle first"
        )),
        None => ui.say("the cookbooks changed; no instance is running yet, new ones boot with the new bundle"),
    }
    Ok(())
}
