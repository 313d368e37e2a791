//! The change set: created and waited for, shown as a plan (with the
//! groups whose instances it replaces), confirmed, executed and followed.

use stackc_core::emit::manifest::Manifest;

use super::cleanup::{discard, report_left, Run};
use super::events::seen_events;
use super::flow::resume_launches;
use super::{follow, retry, DeployError, Options, Outcome, SavedPlan, Ui};
use crate::cloud::{
    Change, ChangeSetRequest, ChangeSetStatus, Cloud, CloudError, StackInfo, StackStatus, Status,
};
use crate::plan::Replacement;

/// What the plan needs besides the change set: the environment's manifest
/// (its layers, and the images its groups boot from) and the stack as it is.
#[derive(Default)]
pub(super) struct PlanInput<'a> {
    pub(super) manifest: Option<&'a Manifest>,
    /// The build's [`Artifacts::manifest_sha256`](super::Artifacts::manifest_sha256)
    /// (a saved plan records it).
    pub(super) artifacts_sha256: &'a str,
    pub(super) existing: Option<&'a StackInfo>,
}

/// The groups whose instances a change set replaces: those whose launch
/// template changes (a new image in the lock file, another instance type,
/// other user data), with how many instances they run now and why.
async fn replacements<C: Cloud>(
    cloud: &C,
    input: &PlanInput<'_>,
    request: &ChangeSetRequest,
    changes: &[Change],
) -> Result<Vec<Replacement>, CloudError> {
    let (Some(m), Some(existing)) = (input.manifest, input.existing) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for need in &m.images {
        let new = request
            .parameters
            .iter()
            .find(|(k, _)| *k == need.parameter)
            .map(|(_, v)| v.as_str());
        let old = existing.parameter(&need.parameter);
        for g in &need.groups {
            // The Chef client package of the group's client and architecture.
            let package = m
                .cinc
                .iter()
                .find(|c| c.arch == need.arch && c.client == g.client);
            let cinc = package.and_then(|c| {
                let new = request
                    .parameters
                    .iter()
                    .find(|(k, _)| *k == c.parameter)
                    .map(|(_, v)| v.as_str())?;
                let old = existing.parameter(&c.parameter)?;
                (old != new).then(|| {
                    format!(
                        "{} package {} -> {}",
                        c.client.title(),
                        short(old),
                        short(new)
                    )
                })
            });
            let template = stackc_core::emit::cfn::ids::LayerIds::new(&g.layer).launch_template();
            let template_changes = changes
                .iter()
                .any(|c| c.logical_id == template && c.action == "Modify");
            let reason = match (old, new) {
                (Some(old), Some(new)) if old != new => format!("image {old} -> {new}"),
                _ if !template_changes => continue,
                _ if cinc.is_some() => cinc.clone().unwrap_or_default(),
                // A stack deployed before images were pinned resolved them itself.
                (None, Some(new)) => format!("launch template changed, image now pinned at {new}"),
                _ => "launch template changed (instance type, volumes or user data)".to_string(),
            };
            let instances = cloud.group_size(&g.group).await?;
            out.push(Replacement {
                layer: g.layer.clone(),
                instances,
                reason,
            });
        }
    }
    out.sort_by(|a, b| a.layer.cmp(&b.layer));
    Ok(out)
}

/// The first 12 digits of a sha256, as the plan shows it.
fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Creates the change set, shows the plan, and unless the run is a plan
/// only asks and executes it, following the stack until it settles.
pub(super) async fn apply<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    request: &ChangeSetRequest,
    input: &PlanInput<'_>,
    uploaded: usize,
    run: &Run,
) -> Result<Outcome, DeployError> {
    let layers: &[String] = input.manifest.map_or(&[], |m| &m.layers);
    let stack = request.stack.as_str();
    *run.change_set.borrow_mut() = Some(request.name.clone());
    let created = cloud.create_change_set(request).await?;
    if !run.stack_existed.get() {
        *run.created_stack.borrow_mut() = Some(created.stack_id.clone());
    }
    let id = created.id;
    let set = loop {
        let set = retry(opts, || cloud.describe_change_set(stack, &id)).await?;
        if !set.being_made() {
            break set;
        }
        tokio::time::sleep(opts.poll).await;
    };
    if set.status == ChangeSetStatus::Failed {
        report_left(ui, &discard(cloud, stack, run).await);
        if set.has_no_changes() {
            ui.say(&format!("{stack} is up to date; nothing to do"));
            return Ok(Outcome::UpToDate { uploaded });
        }
        return Err(DeployError::ChangeSetFailed(
            set.reason.clone().unwrap_or_default(),
        ));
    }
    if set.changes.is_empty() {
        report_left(ui, &discard(cloud, stack, run).await);
        ui.say(&format!("{stack} is up to date; nothing to do"));
        return Ok(Outcome::UpToDate { uploaded });
    }
    let replacing = if request.create {
        Vec::new()
    } else {
        retry(opts, || replacements(cloud, input, request, &set.changes)).await?
    };
    ui.plan(stack, request.create, &set.changes, layers, &replacing);
    if run.save {
        let last_event = newest_event(cloud, opts, stack).await?;
        return Ok(Outcome::Saved(Box::new(SavedPlan {
            version: SavedPlan::VERSION,
            stack: stack.to_string(),
            region: input.manifest.map(|m| m.region.clone()).unwrap_or_default(),
            change_set: id,
            create: request.create,
            manifest_sha256: input.artifacts_sha256.to_string(),
            parameters: request.parameters.clone(),
            last_event,
            changes: set.changes.len(),
        })));
    }
    if run.plan_only {
        report_left(ui, &discard(cloud, stack, run).await);
        return Ok(Outcome::Planned);
    }
    if !opts.yes {
        match (ui.confirm)(&format!("Apply this plan to {stack}?")).await {
            Some(true) => {}
            Some(false) => {
                report_left(ui, &discard(cloud, stack, run).await);
                ui.say("nothing changed");
                return Ok(Outcome::Declined);
            }
            None => {
                report_left(ui, &discard(cloud, stack, run).await);
                return Err(DeployError::NeedsConfirmation);
            }
        }
    }
    let status = execute(cloud, ui, opts, stack, &id, layers, set.changes.len(), run).await?;
    Ok(Outcome::Applied { uploaded, status })
}

/// Executes a change set and follows the stack until it settles: its final
/// status, or the failure.
#[allow(clippy::too_many_arguments)]
pub(super) async fn execute<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    stack: &str,
    id: &str,
    layers: &[String],
    changes: usize,
    run: &Run,
) -> Result<StackStatus, DeployError> {
    // A rolling update launches instances: a suspended Launch would stall it.
    resume_launches(cloud, ui, stack, layers).await?;
    let seen = seen_events(cloud, stack).await;
    run.executing.set(Some("the change set"));
    cloud.execute_change_set(stack, id).await?;
    let status = follow(cloud, ui, opts, stack, seen, changes as u64).await?;
    if status.is_success() {
        ui.say(&format!("{stack}: {status}"));
        Ok(status)
    } else {
        Err(DeployError::Failed { status })
    }
}

/// The id of the stack's newest event: what a saved plan checks the stack
/// against (any operation on the stack adds events).
pub(super) async fn newest_event<C: Cloud>(
    cloud: &C,
    opts: &Options,
    stack: &str,
) -> Result<Option<String>, DeployError> {
    Ok(retry(opts, || cloud.stack_events(stack))
        .await?
        .first()
        .map(|e| e.id.clone()))
}
