//! The flows: bootstrap, deploy (upload, change set, plan, confirm, execute,
//! follow, converge), diff and destroy. Generic over [`Cloud`] so tests run
//! them against moto and against canned responses; everything the user sees
//! goes through [`Ui`].

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stackc_core::emit::manifest::{self, Manifest};
use stackc_core::lock::{Cinc, CincNeed, Lock, Need};

use crate::cloud::{
    Change, ChangeSetRequest, ChangeSetStatus, ChangeSetSummary, Cloud, CloudError, StackEvent,
    StackInfo, StackStatus, Status, TemplateSource,
};
use crate::lock::{self, Holder, LockError};
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
    fn say(&mut self, text: &str) {
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
async fn retry<T, F, Fut>(opts: &Options, mut f: F) -> Result<T, CloudError>
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
}

/// Why a flow stopped.
#[derive(Debug)]
pub enum DeployError {
    /// An AWS call failed.
    Cloud(CloudError),
    /// The built artifacts cannot be read.
    Artifacts(String),
    /// `stackc bootstrap` has not been run in this account and region.
    NotBootstrapped(String),
    /// Confirmation was needed and there is no terminal.
    NeedsConfirmation,
    /// The change set could not be created.
    ChangeSetFailed(String),
    /// The template takes an image the lock file does not pin.
    ImageNotPinned(String),
    /// The template takes a Cinc package the lock file does not pin.
    CincNotPinned(String),
    /// The pinned Cinc package cannot be had, or is not the one pinned.
    Package(crate::cinc::PackageError),
    /// The stack operation failed; the summary was printed.
    Failed {
        /// Final stack status.
        status: StackStatus,
    },
    /// Another run holds the stack's lock.
    Locked {
        /// Who.
        holder: Box<Holder>,
        /// The artifact bucket the lock is in.
        bucket: String,
    },
    /// The stack's lock object cannot be read.
    BadLock(String),
    /// Ctrl-C: what was cleaned up and what is left.
    Interrupted(Cleanup),
    /// A saved plan no longer says what a deploy would do: why.
    PlanStale(String),
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeployError::Cloud(e) => write!(f, "{e}"),
            DeployError::Artifacts(m) => write!(f, "{m}\nhelp: run `stackc build` first"),
            DeployError::NotBootstrapped(region) => write!(
                f,
                "there is no artifact bucket in {region} (stack `{BOOTSTRAP_STACK}` not found)\nhelp: run `stackc bootstrap --region {region}` once per account and region"
            ),
            DeployError::NeedsConfirmation => write!(
                f,
                "refusing to change the stack without confirmation: there is no terminal to ask on\nhelp: review the plan with `stackc diff`, then rerun with --yes"
            ),
            DeployError::ChangeSetFailed(m) => write!(f, "CloudFormation refused the change set: {m}"),
            DeployError::ImageNotPinned(m) => write!(
                f,
                "no image is pinned for {m}\nhelp: run `stackc lock`, commit the lock file, and deploy again"
            ),
            DeployError::CincNotPinned(m) => write!(
                f,
                "no Cinc package is pinned for {m}\nhelp: run `stackc lock`, commit the lock file, and deploy again"
            ),
            DeployError::Package(crate::cinc::PackageError::Download(m)) => write!(
                f,
                "{m}\nnothing was uploaded or changed\nhelp: deploy downloads the package once, then finds it in the artifact bucket (and in ~/.cache/stackc/cinc); check this machine's connection to that URL and deploy again"
            ),
            DeployError::Package(crate::cinc::PackageError::Mismatch(m)) => write!(
                f,
                "{m}\nnothing was uploaded or changed\nhelp: a package that is not the one pinned may have been tampered with; if the vendor published a new build on purpose, `stackc lock --update` pins it (review the lock file's diff)"
            ),
            DeployError::Failed { status } => write!(f, "the stack operation failed; the stack is {status}"),
            DeployError::Locked { holder, bucket } => write!(
                f,
                "{} is locked: {holder} holds its lock (s3://{bucket}/{})\nhelp: wait for that run to finish and deploy again; if it is no longer running (its machine crashed or lost its connection), rerun with --force-unlock",
                holder.stack,
                lock::key(&holder.stack)
            ),
            DeployError::BadLock(m) => write!(
                f,
                "{m}\nhelp: rerun with --force-unlock to remove it"
            ),
            DeployError::Interrupted(cleanup) => write!(f, "{cleanup}"),
            DeployError::PlanStale(why) => write!(
                f,
                "the saved plan is out of date, nothing was changed: {why}\nhelp: review a new plan with `stackc diff --out PLAN`, then apply it with `stackc deploy --plan PLAN`"
            ),
        }
    }
}

impl std::error::Error for DeployError {}

impl From<CloudError> for DeployError {
    fn from(e: CloudError) -> Self {
        DeployError::Cloud(e)
    }
}

/// The artifacts of one environment as `stackc build` wrote them.
pub struct Artifacts {
    /// `out/<stack>-<env>/`.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// The image ids its templates' image parameters take (from the lock
    /// file, see [`Artifacts::pin`]), by parameter.
    pub images: Vec<(String, String)>,
    /// The Cinc packages the instances install (from the lock file).
    pub cinc: Vec<(CincNeed, Cinc)>,
    /// The sha256 of `manifest.json`, which names every other artifact's:
    /// the build as a whole.
    pub manifest_sha256: String,
}

/// What an environment needs and the lock file does not pin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpinned {
    /// Images, per region, OS and architecture.
    pub images: Vec<Need>,
    /// Cinc packages, per OS, architecture and version.
    pub cinc: Vec<CincNeed>,
}

impl Artifacts {
    /// Reads `dir/manifest.json` and checks every file against it.
    pub fn load(dir: &Path) -> Result<Artifacts, DeployError> {
        let path = dir.join(manifest::FILE);
        let text = std::fs::read(&path)
            .map_err(|e| DeployError::Artifacts(format!("cannot read {}: {e}", path.display())))?;
        let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
            DeployError::Artifacts(format!("{} is not a stackc manifest: {e}", path.display()))
        })?;
        for entry in &manifest.files {
            let bytes = std::fs::read(dir.join(&entry.path)).map_err(|e| {
                DeployError::Artifacts(format!(
                    "cannot read {}: {e}",
                    dir.join(&entry.path).display()
                ))
            })?;
            if manifest::sha256_hex(&bytes) != entry.sha256 {
                return Err(DeployError::Artifacts(format!(
                    "{} changed after the build (its sha256 no longer matches the manifest)",
                    dir.join(&entry.path).display()
                )));
            }
        }
        Ok(Artifacts {
            dir: dir.to_path_buf(),
            manifest,
            images: Vec::new(),
            cinc: Vec::new(),
            manifest_sha256: manifest::sha256_hex(&text),
        })
    }

    /// Takes the images and Cinc packages the templates need from `lock`,
    /// for `region`; returns what it has no pin for.
    pub fn pin(&mut self, lock: &Lock, region: &str) -> Result<(), Unpinned> {
        let mut missing = Unpinned::default();
        self.images.clear();
        self.cinc.clear();
        for need in &self.manifest.images {
            match lock.get(region, &need.os, need.arch) {
                Some(id) => self.images.push((need.parameter.clone(), id.to_string())),
                None => missing.images.push(need.clone()),
            }
        }
        for need in &self.manifest.cinc {
            match lock.cinc(need.client, &need.os, need.arch, &need.version) {
                Some(pin) => self.cinc.push((need.clone(), pin.clone())),
                None => missing.cinc.push(need.clone()),
            }
        }
        if missing == Unpinned::default() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    /// The content-addressed key of a Cinc package in the environment's
    /// prefix of the artifact bucket, which its instances may read.
    pub fn package_key(&self, need: &CincNeed, pin: &Cinc) -> String {
        Manifest::key_for(
            &self.manifest.stack,
            &self.manifest.env,
            &pin.sha256,
            &need.package,
        )
    }

    fn entry(&self, path: &str) -> Result<&manifest::Entry, DeployError> {
        self.manifest
            .entry(path)
            .ok_or_else(|| DeployError::Artifacts(format!("the manifest lists no {path}")))
    }
}

/// The bootstrap template: the artifact bucket, encrypted, versioned,
/// TLS-only, private, with old artifacts expiring.
pub fn bootstrap_template() -> String {
    let t = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "stackc bootstrap: the bucket stackc uploads templates and cookbook bundles to",
        "Resources": {
            "ArtifactBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketEncryption": { "ServerSideEncryptionConfiguration": [
                        { "ServerSideEncryptionByDefault": { "SSEAlgorithm": "aws:kms" }, "BucketKeyEnabled": true }
                    ] },
                    "VersioningConfiguration": { "Status": "Enabled" },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true, "BlockPublicPolicy": true,
                        "IgnorePublicAcls": true, "RestrictPublicBuckets": true
                    },
                    "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
                    "LifecycleConfiguration": { "Rules": [{
                        "Id": "expire-old-artifacts",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": { "NoncurrentDays": 30 },
                        "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 7 }
                    }] }
                },
                "Metadata": { "checkov": { "skip": [
                    { "id": "CKV_AWS_18", "comment": "artifacts are content-addressed build outputs; CloudTrail data events cover access" }
                ] } }
            },
            "ArtifactBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": { "Ref": "ArtifactBucket" },
                    "PolicyDocument": { "Version": "2012-10-17", "Statement": [{
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            { "Fn::GetAtt": ["ArtifactBucket", "Arn"] },
                            { "Fn::Sub": "${ArtifactBucket.Arn}/*" }
                        ],
                        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
                    }] }
                }
            }
        },
        "Outputs": {
            "ArtifactBucket": { "Description": "stackc artifact bucket", "Value": { "Ref": "ArtifactBucket" } }
        }
    });
    serde_json::to_string_pretty(&t).expect("JSON serializes")
}

fn change_set_name() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("stackc-{secs}-{}", std::process::id())
}

/// Creates the bootstrap stack, or updates it; idempotent.
pub async fn bootstrap<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    region: &str,
) -> Result<Outcome, DeployError> {
    let existing = cloud.describe_stack(BOOTSTRAP_STACK).await?;
    let request = ChangeSetRequest {
        stack: BOOTSTRAP_STACK.into(),
        name: change_set_name(),
        create: existing.is_none(),
        template: TemplateSource::Body(bootstrap_template()),
        parameters: Vec::new(),
        tags: vec![("stackc:role".into(), "artifacts".into())],
    };
    let run = Run {
        stack_existed: Cell::new(existing.is_some()),
        ..Run::default()
    };
    let outcome = apply(cloud, ui, opts, &request, &PlanInput::default(), 0, &run).await?;
    let bucket = artifact_bucket(cloud, region).await?;
    ui.say(&format!("artifact bucket: {bucket}"));
    Ok(outcome)
}

/// The artifact bucket of this account and region.
pub async fn artifact_bucket<C: Cloud>(cloud: &C, region: &str) -> Result<String, DeployError> {
    let info = cloud
        .describe_stack(BOOTSTRAP_STACK)
        .await?
        .ok_or_else(|| DeployError::NotBootstrapped(region.to_string()))?;
    if let Some(bucket) = info.output("ArtifactBucket") {
        return Ok(bucket.to_string());
    }
    cloud
        .physical_id(BOOTSTRAP_STACK, "ArtifactBucket")
        .await?
        .ok_or_else(|| DeployError::NotBootstrapped(region.to_string()))
}

/// Uploads every artifact under its content-addressed key, skipping keys
/// already present; returns how many were uploaded.
pub async fn upload<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    bucket: &str,
    artifacts: &Artifacts,
) -> Result<usize, DeployError> {
    let mut uploaded = 0;
    for entry in &artifacts.manifest.files {
        let key = artifacts.manifest.key(entry);
        if retry(&Options::default_quick(), || {
            cloud.object_exists(bucket, &key)
        })
        .await?
        {
            continue;
        }
        let bytes = std::fs::read(artifacts.dir.join(&entry.path))
            .map_err(|e| DeployError::Artifacts(format!("cannot read {}: {e}", entry.path)))?;
        cloud.put_object(bucket, &key, bytes).await?;
        uploaded += 1;
    }
    ui.say(&format!(
        "artifacts: {uploaded} uploaded, {} already in s3://{bucket}",
        artifacts.manifest.files.len() - uploaded
    ));
    Ok(uploaded)
}

/// The Cinc packages the environment's instances install that the artifact
/// bucket lacks, with their keys and bytes: from the local cache or
/// downloaded, each checked against the sha256 the lock file pins. Nothing
/// is uploaded here, so a package that cannot be had stops deploy before
/// anything changes.
async fn stage_packages<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    bucket: &str,
    artifacts: &Artifacts,
) -> Result<Vec<(String, Vec<u8>)>, DeployError> {
    let mut staged: Vec<(String, Vec<u8>)> = Vec::new();
    for (need, pin) in &artifacts.cinc {
        let key = artifacts.package_key(need, pin);
        if staged.iter().any(|(k, _)| *k == key)
            || retry(&Options::default_quick(), || {
                cloud.object_exists(bucket, &key)
            })
            .await?
        {
            continue;
        }
        let (bytes, source) = crate::cinc::package(pin, opts.cache.as_deref())
            .await
            .map_err(DeployError::Package)?;
        let from = match source {
            crate::cinc::Source::Cache(path) => format!("from the cache ({})", path.display()),
            crate::cinc::Source::Download => format!("downloaded from {}", pin.url),
        };
        ui.say(&format!(
            "{} {} for {} {}: {} bytes {from}, sha256 checked",
            pin.client.title(),
            pin.version,
            pin.os,
            pin.arch,
            bytes.len(),
        ));
        staged.push((key, bytes));
    }
    Ok(staged)
}

/// Uploads the staged Cinc packages; returns how many.
async fn upload_packages<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    bucket: &str,
    artifacts: &Artifacts,
    staged: Vec<(String, Vec<u8>)>,
) -> Result<usize, DeployError> {
    let uploaded = staged.len();
    for (key, bytes) in staged {
        cloud.put_object(bucket, &key, bytes).await?;
    }
    if !artifacts.cinc.is_empty() {
        ui.say(&format!(
            "Chef client packages: {uploaded} uploaded, {} already in s3://{bucket}",
            artifacts.cinc.len() - uploaded
        ));
    }
    Ok(uploaded)
}

fn stack_request(
    artifacts: &Artifacts,
    bucket: &str,
    template_url: String,
    create: bool,
) -> Result<ChangeSetRequest, DeployError> {
    let m = &artifacts.manifest;
    let bundle = artifacts.entry(&m.bundle)?;
    let mut parameters = vec![
        ("ArtifactBucket".into(), bucket.to_string()),
        ("BundleKey".into(), m.key(bundle)),
        ("BundleSha256".into(), bundle.sha256.clone()),
    ];
    for need in &m.images {
        let id = artifacts
            .images
            .iter()
            .find(|(p, _)| *p == need.parameter)
            .map(|(_, id)| id.clone())
            .ok_or_else(|| DeployError::ImageNotPinned(format!("{} {}", need.os, need.arch)))?;
        parameters.push((need.parameter.clone(), id));
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
    Ok(ChangeSetRequest {
        stack: m.stack_name.clone(),
        name: change_set_name(),
        create,
        template: TemplateSource::Url(template_url),
        parameters,
        tags: vec![
            ("stackc:stack".into(), m.stack.clone()),
            ("stackc:env".into(), m.env.clone()),
        ],
    })
}

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

/// What a flow runs on a stack under its lock.
pub enum Operation<'a> {
    /// `stackc deploy`: upload, plan, confirm, execute, follow, converge.
    Deploy(&'a Artifacts),
    /// `stackc diff`: the plan, and the change set deleted.
    Diff(&'a Artifacts),
    /// `stackc diff --out`: deploy's uploads and change set, and the plan,
    /// its change set kept.
    SavePlan(&'a Artifacts),
    /// `stackc deploy --plan`: that plan's change set executed, when it
    /// still says what a deploy would do.
    ApplyPlan(&'a Artifacts, &'a SavedPlan),
    /// `stackc destroy` of a stack in a region.
    Destroy {
        /// The stack.
        stack: &'a str,
        /// Its region.
        region: &'a str,
    },
}

impl Operation<'_> {
    fn name(&self) -> &'static str {
        match self {
            Operation::Deploy(_) | Operation::ApplyPlan(..) => "deploy",
            Operation::Diff(_) | Operation::SavePlan(_) => "diff",
            Operation::Destroy { .. } => "destroy",
        }
    }

    fn stack(&self) -> &str {
        match self {
            Operation::Deploy(a)
            | Operation::Diff(a)
            | Operation::SavePlan(a)
            | Operation::ApplyPlan(a, _) => &a.manifest.stack_name,
            Operation::Destroy { stack, .. } => stack,
        }
    }

    fn region(&self) -> &str {
        match self {
            Operation::Deploy(a)
            | Operation::Diff(a)
            | Operation::SavePlan(a)
            | Operation::ApplyPlan(a, _) => &a.manifest.region,
            Operation::Destroy { region, .. } => region,
        }
    }
}

/// Runs `op` holding the stack's lock (see [`crate::lock`]) until it ends
/// or `interrupt` fires (Ctrl-C in the CLI). The lock is released however
/// it ends. Interrupted before a change set executes, the change set is
/// deleted, and so is the empty stack this run created for it; after, the
/// stack operation carries on. Either way the error says what is left.
pub async fn locked<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    op: Operation<'_>,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    let me = Holder::here(op.stack(), op.name());
    let run = Run {
        plan_only: matches!(op, Operation::Diff(_)),
        save: matches!(op, Operation::SavePlan(_)),
        ..Run::default()
    };
    let bucket: RefCell<Option<String>> = RefCell::new(None);
    let ended = {
        let flow = async {
            let b = artifact_bucket(cloud, op.region()).await?;
            *bucket.borrow_mut() = Some(b.clone());
            match lock::acquire(cloud, &b, &me, opts.force_unlock).await {
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
            match &op {
                Operation::Deploy(a) | Operation::SavePlan(a) => {
                    deploy_flow(cloud, ui, opts, a, &b, &run).await
                }
                Operation::Diff(a) => diff_flow(cloud, ui, opts, a, &b, &run).await,
                Operation::ApplyPlan(a, plan) => {
                    apply_plan_flow(cloud, ui, opts, a, &b, plan, &run).await
                }
                Operation::Destroy { stack, .. } => {
                    destroy_flow(cloud, ui, opts, stack, &run).await
                }
            }
        };
        tokio::select! {
            r = flow => Some(r),
            () = interrupt => None,
        }
    };
    let result = match ended {
        Some(r) => r,
        None => Err(DeployError::Interrupted(
            interrupted(cloud, op.stack(), &run).await,
        )),
    };
    let bucket = bucket.borrow().clone();
    if let Some(b) = bucket {
        if let Err(e) = lock::release(cloud, &b, &me).await {
            ui.say(&format!(
                "warning: the lock s3://{b}/{} could not be removed ({e}); the next deploy from another machine needs --force-unlock",
                lock::key(op.stack())
            ));
        }
    }
    result
}

async fn deploy_flow<C: Cloud>(
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

async fn diff_flow<C: Cloud>(
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
async fn resume_launches<C: Cloud>(
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

async fn converge<C: Cloud>(cloud: &C, ui: &mut Ui<'_>, m: &Manifest) -> Result<(), DeployError> {
    let document = stackc_core::emit::cfn::run_document_for(&m.stack_name);
    match cloud.run_event(&document, &m.stack, &m.env, "configure").await? {
        Some(id) => ui.say(&format!(
            "the cookbooks changed: configure sent to the running instances (command {id}); it fetches the new bundle first"
        )),
        None => ui.say("the cookbooks changed; no instance is running yet, new ones boot with the new bundle"),
    }
    Ok(())
}

/// What one run of a flow is and has made on CloudFormation so far: what
/// to clean up when its change set will not run, or when Ctrl-C stops it.
#[derive(Default)]
struct Run {
    /// Show the plan only (`stackc diff`).
    plan_only: bool,
    /// Keep the change set as a saved plan (`stackc diff --out`).
    save: bool,
    /// The stack existed (in any status) before this run.
    stack_existed: Cell<bool>,
    /// The change set asked for (its name, set before the request is sent).
    change_set: RefCell<Option<String>>,
    /// The id of the stack CloudFormation made for this run's change set
    /// when the stack did not exist.
    created_stack: RefCell<Option<String>>,
    /// What CloudFormation carries on with once asked (`the change set`,
    /// `the deletion`), from the moment it is asked.
    executing: Cell<Option<&'static str>>,
}

/// What cleaning up after a change set that will not run did, and left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// The stack.
    pub stack: String,
    /// What was executing (`the change set`, `the deletion`):
    /// CloudFormation carries on with it.
    pub executing: Option<&'static str>,
    /// What was deleted.
    pub removed: Vec<String>,
    /// What is left, each with how to remove it.
    pub left: Vec<String>,
}

impl fmt::Display for Cleanup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stack = &self.stack;
        if let Some(what) = self.executing {
            return write!(
                f,
                "interrupted: {what} of {stack} had started; CloudFormation carries on with it (stackc stopped watching, it did not stop the stack)\nhelp: follow it with `stackc status` or in the CloudFormation console"
            );
        }
        write!(f, "interrupted before anything was executed on {stack}")?;
        for r in &self.removed {
            write!(f, "\n  deleted: {r}")?;
        }
        if self.left.is_empty() {
            write!(f, "\nnothing is left behind (uploaded artifacts stay in the bucket under their content address, for the next deploy)")
        } else {
            for l in &self.left {
                write!(f, "\n  left: {l}")?;
            }
            Ok(())
        }
    }
}

/// Ctrl-C stopped `run`: deletes what it made unless its change set was
/// executing, and says what is left.
async fn interrupted<C: Cloud>(cloud: &C, stack: &str, run: &Run) -> Cleanup {
    if let Some(what) = run.executing.get() {
        return Cleanup {
            stack: stack.to_string(),
            executing: Some(what),
            ..Cleanup::default()
        };
    }
    discard(cloud, stack, run).await
}

/// Deletes this run's change set, which will not run, and, when this run
/// created the stack for it, that stack: only while it is still the one
/// this run created (same stack id), still empty (`REVIEW_IN_PROGRESS`)
/// and no other change set waits on it, so a stack another deploy is
/// creating is never deleted.
async fn discard<C: Cloud>(cloud: &C, stack: &str, run: &Run) -> Cleanup {
    let mut done = Cleanup {
        stack: stack.to_string(),
        ..Cleanup::default()
    };
    let Some(name) = run.change_set.borrow().clone() else {
        return done;
    };
    match cloud.delete_change_set(stack, &name).await {
        Ok(()) => done.removed.push(format!("change set {name}")),
        Err(CloudError::NotFound(_)) => {}
        Err(e) => done.left.push(format!(
            "change set {name} of {stack} ({e}); delete it with `aws cloudformation delete-change-set --stack-name {stack} --change-set-name {name}`"
        )),
    }
    if !run.stack_existed.get() {
        remove_created_stack(cloud, stack, run, &mut done).await;
    }
    done
}

/// The second half of [`discard`]: the empty stack this run created.
async fn remove_created_stack<C: Cloud>(cloud: &C, stack: &str, run: &Run, done: &mut Cleanup) {
    let how = format!("delete it with `aws cloudformation delete-stack --stack-name {stack}` once no deploy is running");
    let info = match cloud.describe_stack(stack).await {
        Ok(Some(info)) => info,
        Ok(None) => return,
        Err(e) => {
            done.left
                .push(format!("maybe the empty stack {stack} ({e}); {how}"));
            return;
        }
    };
    let ours = run
        .created_stack
        .borrow()
        .as_deref()
        .is_none_or(|id| id == info.id);
    if !ours || info.status != StackStatus::ReviewInProgress {
        return;
    }
    match cloud.list_change_sets(stack).await {
        Ok(others) if !others.iter().any(ChangeSetSummary::pending) => {}
        Ok(_) => return, // another deploy's change set waits on it: its stack now
        Err(e) => {
            done.left
                .push(format!("the empty stack {stack} ({e}); {how}"));
            return;
        }
    }
    match cloud.delete_stack(&info.id).await {
        Ok(()) => done.removed.push(format!(
            "the empty stack {stack} (REVIEW_IN_PROGRESS) this run created"
        )),
        Err(e) => done.left.push(format!(
            "the empty stack {stack} (REVIEW_IN_PROGRESS, {e}); {how}"
        )),
    }
}

/// Says what a discard left (there is nothing to say when it left nothing).
fn report_left(ui: &mut Ui<'_>, cleanup: &Cleanup) {
    for l in &cleanup.left {
        ui.say(&format!("warning: left {l}"));
    }
}

/// What the plan needs besides the change set: the environment's manifest
/// (its layers, and the images its groups boot from) and the stack as it is.
#[derive(Default)]
struct PlanInput<'a> {
    manifest: Option<&'a Manifest>,
    /// The build's [`Artifacts::manifest_sha256`] (a saved plan records it).
    artifacts_sha256: &'a str,
    existing: Option<&'a StackInfo>,
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
async fn apply<C: Cloud>(
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
async fn execute<C: Cloud>(
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
async fn newest_event<C: Cloud>(
    cloud: &C,
    opts: &Options,
    stack: &str,
) -> Result<Option<String>, DeployError> {
    Ok(retry(opts, || cloud.stack_events(stack))
        .await?
        .first()
        .map(|e| e.id.clone()))
}

/// True when the stack runs a bundle and the request sets another.
fn bundle_changes(existing: Option<&StackInfo>, request: &ChangeSetRequest) -> bool {
    let new = request
        .parameters
        .iter()
        .find(|(k, _)| k == "BundleSha256")
        .map(|(_, v)| v.as_str());
    existing
        .and_then(|i| i.parameter("BundleSha256"))
        .is_some_and(|old| Some(old) != new)
}

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
async fn apply_plan_flow<C: Cloud>(
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

/// The ids of the events the stack already has, so following it shows only
/// what happens from now on.
async fn seen_events<C: Cloud>(cloud: &C, stack: &str) -> HashSet<String> {
    cloud
        .stack_events(stack)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// Prints the stack's new events, oldest first, until the stack settles;
/// on failure prints every failed resource and the rollback outcome.
pub async fn follow<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    stack: &str,
    mut seen: HashSet<String>,
    total: u64,
) -> Result<StackStatus, DeployError> {
    let bar = ui.progress.then(|| progress_bar(total));
    let mut failed: Vec<StackEvent> = Vec::new();
    let status = loop {
        let info: Option<StackInfo> = retry(opts, || cloud.describe_stack(stack)).await?;
        let mut fresh: Vec<StackEvent> = retry(opts, || cloud.stack_events(stack))
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|e| !seen.contains(&e.id))
            .collect();
        fresh.reverse();
        for e in fresh {
            seen.insert(e.id.clone());
            let reason = e
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            let line = format!(
                "  {:<28} {:<40} {}{reason}",
                e.status.as_str(),
                e.logical_id,
                e.resource_type
            );
            match &bar {
                Some(b) => {
                    b.println(&line);
                    if e.logical_id != stack && e.status.is_complete() {
                        b.inc(1);
                    }
                    b.set_message(format!("{} {}", e.logical_id, e.status));
                }
                None => ui.say(&line),
            }
            if e.status.is_failed() && e.logical_id != stack {
                failed.push(e);
            }
        }
        match info {
            None => break StackStatus::DeleteComplete,
            // Right after execution the stack may still say REVIEW_IN_PROGRESS.
            Some(i) if !i.status.is_in_progress() => break i.status,
            Some(_) => tokio::time::sleep(opts.poll).await,
        }
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !failed.is_empty() {
        ui.say(&format!("{} resource(s) failed:", failed.len()));
        for e in &failed {
            ui.say(&format!(
                "  {} ({}): {}",
                e.logical_id,
                e.resource_type,
                e.reason.as_deref().unwrap_or("no reason given")
            ));
        }
    }
    match &status {
        StackStatus::UpdateRollbackComplete => ui.say(&format!("{stack} rolled back: it runs the previous version, nothing is lost")),
        StackStatus::RollbackComplete => ui.say(&format!("{stack} could not be created and was rolled back; delete it with `stackc destroy` before deploying again")),
        s if s.is_failed() => ui.say(&format!("{stack} is {s}: CloudFormation could not roll back; see the events above and the AWS console")),
        _ => {}
    }
    Ok(status)
}

/// A progress bar over the resources of a change set (a spinner when the
/// count is unknown), drawn on stderr.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let (bar, template) = if total > 0 {
        (
            indicatif::ProgressBar::new(total),
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} {msg}",
        )
    } else {
        (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} {elapsed_precise} {msg}",
        )
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// What `stackc destroy` leaves behind (the template retains them).
pub fn kept_by_destroy(stack: &str) -> String {
    format!(
        "the log groups under /stackc/{stack}/ (`stackc logs` still reads them), the KMS key that encrypts them, the access-log bucket if the stack had load balancers, and the artifact bucket"
    )
}

/// `stackc destroy` under the stack's lock, until `interrupt` fires: asks,
/// deletes the stack, follows until it is gone. The log groups, the key,
/// the access-log bucket and the artifact bucket are kept.
pub async fn destroy<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    stack: &str,
    region: &str,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    locked(
        cloud,
        ui,
        opts,
        Operation::Destroy { stack, region },
        interrupt,
    )
    .await
}

/// A stack `REVIEW_IN_PROGRESS` (empty: it holds the lock, so no stackc
/// deploy is creating it) is deleted too.
async fn destroy_flow<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    stack: &str,
    run: &Run,
) -> Result<Outcome, DeployError> {
    let Some(info) = cloud.describe_stack(stack).await? else {
        ui.say(&format!("{stack} does not exist; nothing to destroy"));
        return Ok(Outcome::Destroyed);
    };
    if info.in_progress() && info.status != StackStatus::ReviewInProgress {
        return Err(CloudError::InProgress(format!("{stack} is {}", info.status)).into());
    }
    if !opts.yes {
        match (ui.confirm)(&format!(
            "Delete {stack} and every resource in it? Kept: {}.",
            kept_by_destroy(stack)
        ))
        .await
        {
            Some(true) => {}
            Some(false) => {
                ui.say("nothing deleted");
                return Ok(Outcome::Declined);
            }
            None => return Err(DeployError::NeedsConfirmation),
        }
    }
    let seen = seen_events(cloud, stack).await;
    run.executing.set(Some("the deletion"));
    cloud.delete_stack(stack).await?;
    let status = follow(cloud, ui, opts, stack, seen, 0).await?;
    if status == StackStatus::DeleteComplete {
        ui.say(&format!(
            "{stack} deleted; kept: {}",
            kept_by_destroy(stack)
        ));
        Ok(Outcome::Destroyed)
    } else {
        Err(DeployError::Failed { status })
    }
}
