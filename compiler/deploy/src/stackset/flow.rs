//! The flows of an environment with targets: deploy (plan, confirm,
//! upload to every target region, run the operations), diff (the plan),
//! destroy (the instances, then the StackSet) and status (a row per
//! instance). Deploy, diff and destroy hold the stack's lock in the
//! administering region's artifact bucket, as a plain stack's flows do,
//! and say on Ctrl-C what CloudFormation carries on with.

use std::cell::{Cell, RefCell};
use std::future::Future;

use stackc_core::ir::{PermissionModel, TargetId, Targets};

use super::buckets::regional_bucket;
use super::operations::{run_operations, Report};
use super::plan::{plan, Desired, Key, Plan, Step};
use super::{InstanceInfo, Prefs, StackSetInfo, StackSetRequest, StackSets};
use crate::cloud::Cloud;
use crate::deploy::{
    artifact_bucket, retry, stage_packages, upload, upload_packages, Artifacts, Cleanup,
    DeployError, Options, Outcome, Ui,
};
use crate::lock::{self, Holder, LockError};

/// A target region: the clients there, and the images the lock file pins
/// for it (by template parameter).
pub struct Regional<'a, R> {
    /// The region.
    pub region: String,
    /// The clients in that region (the administering account).
    pub cloud: &'a R,
    /// The pinned image ids, by template parameter.
    pub images: Vec<(String, String)>,
}

/// The targets of the environment, and how the operations spread.
pub struct TargetsInput<'a> {
    /// The environment's targets.
    pub targets: &'a Targets,
    /// `--max-concurrent`, `--failure-tolerance`.
    pub prefs: Prefs,
    /// `--target ACCOUNT/REGION`: only that one.
    pub only: Option<Key>,
}

impl TargetsInput<'_> {
    fn keys(&self) -> Vec<Key> {
        self.targets
            .targets
            .iter()
            .flat_map(|t| {
                t.regions
                    .iter()
                    .map(|r| (t.target.id().to_string(), r.clone()))
            })
            .collect()
    }
}

/// What the flow run has started: what Ctrl-C leaves behind.
#[derive(Default)]
struct Started {
    /// The StackSet was created by this run.
    created: Cell<bool>,
    /// The operation running.
    operation: RefCell<Option<String>>,
}

impl Started {
    fn cleanup(&self, name: &str) -> Cleanup {
        let mut left = Vec::new();
        if self.created.get() {
            left.push(format!(
                "the StackSet {name}, without instances (the next deploy carries on with it; `stackc destroy` deletes it)"
            ));
        }
        Cleanup {
            stack: name.to_string(),
            executing: self
                .operation
                .borrow()
                .as_ref()
                .map(|_| "a StackSet operation"),
            removed: Vec::new(),
            left,
        }
    }
}

/// The StackSet as deployed: itself, and each instance with its overrides.
type Deployed = (
    Option<StackSetInfo>,
    Vec<(InstanceInfo, Vec<(String, String)>)>,
);

async fn deployed<S: StackSets>(
    sets: &S,
    opts: &Options,
    name: &str,
    model: PermissionModel,
) -> Result<Deployed, DeployError> {
    let Some(set) = retry(opts, || sets.describe_stack_set(name)).await? else {
        return Ok((None, Vec::new()));
    };
    if set.permission_model != model.cloudformation() {
        return Err(DeployError::StackSet(format!(
            "the StackSet {name} is {}, the environment's targets need {} (accounts are self-managed, organizational units service-managed)\nhelp: a StackSet keeps its permission model: `stackc destroy` it, then deploy again",
            set.permission_model,
            model.cloudformation()
        )));
    }
    let mut instances = Vec::new();
    for i in retry(opts, || sets.stack_instances(name)).await? {
        let o = retry(opts, || {
            sets.instance_overrides(name, &i.account, &i.region)
        })
        .await?;
        instances.push((i, o));
    }
    Ok((Some(set), instances))
}

/// The StackSet's parameters and each region's overrides.
fn desired<R>(
    artifacts: &Artifacts,
    regions: &[Regional<'_, R>],
    buckets: &[String],
    admin_bucket: &str,
    template_url: String,
    input: &TargetsInput<'_>,
) -> Result<Desired, DeployError> {
    let m = &artifacts.manifest;
    let missing = |p: &str| DeployError::Artifacts(format!("the manifest lists no {p}"));
    let bundle = m.entry(&m.bundle).ok_or_else(|| missing(&m.bundle))?;
    let root = m.entry(&m.template).ok_or_else(|| missing(&m.template))?;
    let path = artifacts.dir.join(&root.path);
    let template = std::fs::read_to_string(&path)
        .map_err(|e| DeployError::Artifacts(format!("cannot read {}: {e}", path.display())))?;
    let image = |r: &Regional<'_, R>, p: &str| {
        r.images
            .iter()
            .find(|(k, _)| k == p)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| DeployError::ImageNotPinned(format!("{p} in {}", r.region)))
    };
    let mut parameters = vec![
        ("ArtifactBucket".to_string(), admin_bucket.to_string()),
        ("BundleKey".to_string(), m.key(bundle)),
        ("BundleSha256".to_string(), bundle.sha256.clone()),
    ];
    let first = regions
        .first()
        .ok_or_else(|| DeployError::StackSet("the environment's targets name no region".into()))?;
    for need in &m.images {
        parameters.push((need.parameter.clone(), image(first, &need.parameter)?));
    }
    for need in &m.cinc {
        let sha = artifacts
            .cinc
            .iter()
            .find(|(n, _)| n.parameter == need.parameter)
            .map(|(_, pin)| pin.sha256.clone())
            .ok_or_else(|| {
                DeployError::CincNotPinned(format!(
                    "{} {} on {} {}",
                    need.client.title(),
                    need.version,
                    need.os,
                    need.arch
                ))
            })?;
        parameters.push((need.parameter.clone(), sha));
    }
    // Each region's instances override every parameter, with the region's
    // bucket and images: what an instance runs is then exactly what its
    // overrides say, and a new bundle is one UpdateStackInstances per
    // region (the StackSet itself changes only with the template).
    let mut overrides = Vec::new();
    for (r, bucket) in regions.iter().zip(buckets) {
        let mut o = parameters.clone();
        for (k, v) in o.iter_mut() {
            if k == "ArtifactBucket" {
                *v = bucket.clone();
            } else if m.images.iter().any(|n| n.parameter == *k) {
                *v = image(r, k)?;
            }
        }
        overrides.push((r.region.clone(), o));
    }
    Ok(Desired {
        request: StackSetRequest {
            name: m.stack_name.clone(),
            template_url,
            parameters,
            permission_model: input.targets.permission_model,
            tags: vec![
                ("stackc:stack".into(), m.stack.clone()),
                ("stackc:env".into(), m.env.clone()),
            ],
        },
        template,
        targets: input.keys(),
        overrides,
    })
}

/// Shows the plan: text (painted when asked) or one line of JSON.
fn show(ui: &mut Ui<'_>, p: &Plan) {
    if let Some(json) = ui.json.as_mut() {
        let _ = writeln!(json, "{}", p.to_json());
        return;
    }
    let text = p.render();
    if ui.color {
        ui.say(&stackc_core::envdiff::paint(&text));
    } else {
        ui.say(&text);
    }
}

use std::io::Write as _;

/// What a flow does under the lock.
enum Action {
    Deploy,
    Diff,
    Destroy,
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Deploy => "deploy",
            Action::Diff => "diff",
            Action::Destroy => "destroy",
        }
    }
}

/// Runs `action` holding the stack's lock in the administering region's
/// artifact bucket, until it ends or `interrupt` fires.
#[allow(clippy::too_many_arguments)]
async fn locked<A: Cloud + StackSets, R: Cloud>(
    admin: &A,
    regions: &[Regional<'_, R>],
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: Option<&Artifacts>,
    name: &str,
    admin_region: &str,
    input: &TargetsInput<'_>,
    action: Action,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    let me = Holder::here(name, action.name());
    let started = Started::default();
    let bucket: RefCell<Option<String>> = RefCell::new(None);
    let ended = {
        let flow = async {
            let b = artifact_bucket(admin, admin_region).await?;
            *bucket.borrow_mut() = Some(b.clone());
            match lock::acquire(admin, &b, &me, opts.force_unlock).await {
                Ok(Some(old)) => ui.say(&format!("removed the lock of {old}")),
                Ok(None) => {}
                Err(LockError::Held(holder)) => {
                    return Err(DeployError::Locked {
                        holder: Box::new(holder),
                        bucket: b,
                    })
                }
                Err(LockError::Unreadable(m)) => return Err(DeployError::BadLock(m)),
                Err(LockError::Cloud(e)) => return Err(e.into()),
            }
            match (&action, artifacts) {
                (Action::Destroy, _) => destroy_flow(admin, ui, opts, name, input, &started).await,
                (_, Some(a)) => {
                    let plan_only = matches!(action, Action::Diff);
                    deploy_flow(admin, regions, ui, opts, a, &b, input, plan_only, &started).await
                }
                (_, None) => Err(DeployError::Artifacts("no artifacts to deploy".into())),
            }
        };
        tokio::select! {
            r = flow => Some(r),
            () = interrupt => None,
        }
    };
    let result = ended.unwrap_or_else(|| Err(DeployError::Interrupted(started.cleanup(name))));
    let b = bucket.borrow().clone();
    if let Some(b) = b {
        if let Err(e) = lock::release(admin, &b, &me).await {
            ui.say(&format!(
                "warning: the lock s3://{b}/{} could not be removed ({e}); the next deploy from another machine needs --force-unlock",
                lock::key(name)
            ));
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn deploy_flow<A: Cloud + StackSets, R: Cloud>(
    admin: &A,
    regions: &[Regional<'_, R>],
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    admin_bucket: &str,
    input: &TargetsInput<'_>,
    plan_only: bool,
    started: &Started,
) -> Result<Outcome, DeployError> {
    let m = &artifacts.manifest;
    let name = &m.stack_name;
    let model = input.targets.permission_model;
    let mut buckets = Vec::new();
    for r in regions {
        buckets.push(regional_bucket(r.cloud, name, &r.region).await?);
    }
    let root = m
        .entry(&m.template)
        .ok_or_else(|| DeployError::Artifacts(format!("the manifest lists no {}", m.template)))?;
    let url = admin.template_url(admin_bucket, &m.key(root));
    let desired = desired(artifacts, regions, &buckets, admin_bucket, url, input)?;
    let (set, instances) = deployed(admin, opts, name, model).await?;
    let p = plan(
        name,
        model,
        &desired,
        set.as_ref(),
        &instances,
        input.only.as_ref(),
    );
    show(ui, &p);
    if plan_only {
        return Ok(Outcome::Planned);
    }
    if p.is_empty() {
        ui.say(&format!(
            "{name} is up to date: no StackSet operation started"
        ));
        return Ok(Outcome::Operated {
            uploaded: 0,
            report: Box::default(),
        });
    }
    if !opts.yes {
        match (ui.confirm)(&format!("Apply this plan to the StackSet {name}?")).await {
            Some(true) => {}
            Some(false) => {
                ui.say("nothing changed");
                return Ok(Outcome::Declined);
            }
            None => return Err(DeployError::NeedsConfirmation),
        }
    }
    // Every target region's bucket, and the administering region's (the
    // StackSet's template is read from there), get the artifacts and the
    // Chef client packages; all content-addressed, so a rerun uploads
    // nothing twice.
    let mut uploaded = 0;
    let staged = stage_packages(admin, ui, opts, admin_bucket, artifacts).await?;
    uploaded += upload(admin, ui, admin_bucket, artifacts).await?;
    uploaded += upload_packages(admin, ui, admin_bucket, artifacts, staged).await?;
    for (r, b) in regions.iter().zip(&buckets) {
        let staged = stage_packages(r.cloud, ui, opts, b, artifacts).await?;
        uploaded += upload(r.cloud, ui, b, artifacts).await?;
        uploaded += upload_packages(r.cloud, ui, b, artifacts, staged).await?;
    }
    let prefs = input.prefs;
    if p.steps.first() == Some(&Step::CreateStackSet) {
        started.created.set(true);
    }
    let report = run_operations(admin, ui, opts, &p, &desired, &prefs, &started.operation).await?;
    finish(ui, name, report, uploaded)
}

/// The end of a run: failures within the tolerance reported, beyond it
/// an error.
fn finish(
    ui: &mut Ui<'_>,
    name: &str,
    report: Report,
    uploaded: usize,
) -> Result<Outcome, DeployError> {
    if report.stopped.is_some() {
        return Err(DeployError::TargetsFailed(report));
    }
    for f in &report.failed {
        ui.say(&format!(
            "warning: {}: failed, within the failure tolerance: {}",
            f.target, f.reason
        ));
    }
    ui.say(&format!(
        "{name}: {} operation(s) done{}",
        report.done.len(),
        if report.failed.is_empty() {
            String::new()
        } else {
            format!(
                ", {} target(s) failed within the tolerance",
                report.failed.len()
            )
        }
    ));
    Ok(Outcome::Operated {
        uploaded,
        report: Box::new(report),
    })
}

async fn destroy_flow<A: Cloud + StackSets>(
    admin: &A,
    ui: &mut Ui<'_>,
    opts: &Options,
    name: &str,
    input: &TargetsInput<'_>,
    started: &Started,
) -> Result<Outcome, DeployError> {
    let model = input.targets.permission_model;
    let (set, instances) = deployed(admin, opts, name, model).await?;
    if set.is_none() {
        ui.say(&format!(
            "the StackSet {name} does not exist; nothing to destroy"
        ));
        return Ok(Outcome::Destroyed);
    }
    // Every deployed target (or the one asked for) goes: the plan of a
    // deploy that wants none.
    let nothing = Desired {
        request: StackSetRequest {
            name: name.to_string(),
            template_url: String::new(),
            parameters: Vec::new(),
            permission_model: model,
            tags: Vec::new(),
        },
        template: String::new(),
        targets: Vec::new(),
        overrides: Vec::new(),
    };
    let mut p = plan(
        name,
        model,
        &nothing,
        set.as_ref(),
        &instances,
        input.only.as_ref(),
    );
    p.steps.retain(|s| matches!(s, Step::Delete { .. }));
    show(ui, &p);
    let whole = input.only.is_none();
    if !opts.yes {
        let what = if whole {
            format!("Delete every stack instance of {name} (and their stacks), then the StackSet? The artifact buckets are kept.")
        } else {
            format!("Delete these stack instances of {name} (and their stacks)?")
        };
        match (ui.confirm)(&what).await {
            Some(true) => {}
            Some(false) => {
                ui.say("nothing deleted");
                return Ok(Outcome::Declined);
            }
            None => return Err(DeployError::NeedsConfirmation),
        }
    }
    let report = run_operations(
        admin,
        ui,
        opts,
        &p,
        &nothing,
        &input.prefs,
        &started.operation,
    )
    .await?;
    if report.stopped.is_some() || !report.failed.is_empty() {
        return Err(DeployError::TargetsFailed(report));
    }
    if whole {
        admin.delete_stack_set(name).await?;
        ui.say(&format!(
            "the StackSet {name} is deleted; kept: the artifact buckets (stacks stackc-artifacts-{name} in each target region) and each instance's retained log groups"
        ));
    } else {
        ui.say(&format!("{name}: {} operation(s) done", report.done.len()));
    }
    Ok(Outcome::Destroyed)
}

/// `stackc deploy` of an environment with targets.
#[allow(clippy::too_many_arguments)]
pub async fn deploy<A: Cloud + StackSets, R: Cloud>(
    admin: &A,
    regions: &[Regional<'_, R>],
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    input: &TargetsInput<'_>,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    let m = &artifacts.manifest;
    locked(
        admin,
        regions,
        ui,
        opts,
        Some(artifacts),
        &m.stack_name,
        &m.region,
        input,
        Action::Deploy,
        interrupt,
    )
    .await
}

/// `stackc diff` of an environment with targets: the plan only.
pub async fn diff<A: Cloud + StackSets, R: Cloud>(
    admin: &A,
    regions: &[Regional<'_, R>],
    ui: &mut Ui<'_>,
    opts: &Options,
    artifacts: &Artifacts,
    input: &TargetsInput<'_>,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    let m = &artifacts.manifest;
    locked(
        admin,
        regions,
        ui,
        opts,
        Some(artifacts),
        &m.stack_name,
        &m.region,
        input,
        Action::Diff,
        interrupt,
    )
    .await
}

/// `stackc destroy` of an environment with targets: its instances (or the
/// one `--target` names), then, when all are gone, the StackSet.
#[allow(clippy::too_many_arguments)]
pub async fn destroy<A: Cloud + StackSets>(
    admin: &A,
    ui: &mut Ui<'_>,
    opts: &Options,
    name: &str,
    admin_region: &str,
    input: &TargetsInput<'_>,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    locked::<A, A>(
        admin,
        &[],
        ui,
        opts,
        None,
        name,
        admin_region,
        input,
        Action::Destroy,
        interrupt,
    )
    .await
}

/// `stackc status` of an environment with targets: each instance (or the
/// one `--target` names), `None` when the StackSet does not exist.
pub async fn status<S: StackSets>(
    sets: &S,
    name: &str,
    only: Option<&Key>,
) -> Result<Option<Vec<InstanceInfo>>, DeployError> {
    if sets.describe_stack_set(name).await?.is_none() {
        return Ok(None);
    }
    let mut rows = sets.stack_instances(name).await?;
    rows.retain(|i| {
        only.is_none_or(|(id, region)| {
            *region == i.region && (*id == i.account || i.unit.as_deref() == Some(id))
        })
    });
    Ok(Some(rows))
}

/// Parses `--target ACCOUNT/REGION` (or `OU/REGION`) and checks that the
/// environment names it.
pub fn parse_target(targets: &Targets, text: &str) -> Result<Key, String> {
    let Some((id, region)) = text.split_once('/') else {
        return Err(format!(
            "--target {text}: expected ACCOUNT/REGION (e.g. 111111111111/us-east-1) or OU/REGION"
        ));
    };
    let named = targets
        .targets
        .iter()
        .any(|t| t.target.id() == id && t.regions.iter().any(|r| r == region));
    if named {
        return Ok((id.to_string(), region.to_string()));
    }
    let known: Vec<String> = targets
        .targets
        .iter()
        .flat_map(|t| {
            let id = t.target.id();
            t.regions.iter().map(move |r| format!("{id}/{r}"))
        })
        .collect();
    let kind = match targets.targets.first().map(|t| &t.target) {
        Some(TargetId::OrganizationalUnit(_)) => "organizational unit",
        _ => "account",
    };
    Err(format!(
        "--target {text}: the environment has no such {kind} and region; its targets are {}",
        known.join(", ")
    ))
}
