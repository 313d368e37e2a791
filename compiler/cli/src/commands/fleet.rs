//! `stackc status` and `run`: the running fleet of an environment (`logs`
//! is in `super::logs`).
//! They operate what is deployed: the names come from the stack's root
//! template (see `stackc_core::emit::operations`), so they work from the
//! stack file or from `--stack NAME` alone; the flows are in
//! `stackc_deploy::ops`.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use stackc_core::emit::operations::Operations;
use stackc_core::ir::{Program, Stack};
use stackc_deploy::aws::Aws;
use stackc_deploy::cloud::{CloudError, StackInfo};
use stackc_deploy::fleet;
use stackc_deploy::ops;

use super::{
    build::environments,
    check::load,
    cloud::{region_from_env, Target},
    SourceFile, Status,
};
use crate::cli::MessageFormat;

fn stack_of<'p>(program: &'p Program, env: Option<&str>) -> Result<&'p Stack, Status> {
    environments(program, Some(env.unwrap_or("production"))).map(|s| s[0])
}

pub(super) fn fail(e: impl std::fmt::Display) -> Status {
    fail_to(&mut std::io::stderr(), e)
}

/// Says the error on `err`; exit 1.
pub(super) fn fail_to(err: &mut dyn Write, e: impl std::fmt::Display) -> Status {
    let _ = writeln!(err, "error: {e}");
    Status::UserError
}

/// Which environment a fleet command operates: named by a stack file (and
/// `--env`), or by `--stack <stack>-<env>`.
pub struct Which<'a> {
    /// The stack file.
    pub file: &'a Path,
    /// The environment of the file.
    pub env: Option<&'a str>,
    /// The deployed stack's name, instead of the file.
    pub stack: Option<&'a str>,
}

/// The environment resolved: its CloudFormation stack and region, and the
/// file's view of it when a file named it.
pub(super) struct Resolved {
    pub(super) name: String,
    pub(super) region: String,
    pub(super) file: Option<(SourceFile, Program, String)>,
    /// A StackSet's stack instance: its stack's id, which CloudFormation
    /// is asked for instead of `name` (see `super::across`).
    pub(super) stack_id: Option<String>,
}

impl Resolved {
    pub(super) fn stack(&self) -> Option<&Stack> {
        let (_, program, env) = self.file.as_ref()?;
        program.environments.iter().find(|s| &s.env == env)
    }

    /// What CloudFormation is asked for: the stack's name, or a stack
    /// instance's stack id.
    pub(super) fn lookup(&self) -> &str {
        self.stack_id.as_deref().unwrap_or(&self.name)
    }
}

pub(super) fn resolve(
    format: MessageFormat,
    which: &Which<'_>,
    target: &Target,
) -> Result<Resolved, Status> {
    if let Some(name) = which.stack {
        let Some(region) = target.region.map(str::to_string).or_else(region_from_env) else {
            eprintln!("error: which region is {name} in? pass --region (or set AWS_REGION)");
            return Err(Status::Usage);
        };
        return Ok(Resolved {
            name: name.to_string(),
            region,
            file: None,
            stack_id: None,
        });
    }
    let (source, program) = load(format, which.file)?;
    let (name, region, env) = {
        let stack = stack_of(&program, which.env)?;
        let region = target.region.unwrap_or(&stack.region).to_string();
        (stack.qualified_name(), region, stack.env.clone())
    };
    Ok(Resolved {
        name,
        region,
        file: Some((source, program, env)),
        stack_id: None,
    })
}

/// The deployed stack and what operating it needs: from its template, or
/// for a stack an older stackc deployed, from the stack file (said once).
pub(super) async fn operated(
    aws: &Aws,
    resolved: &Resolved,
) -> Result<(StackInfo, Operations), Status> {
    operated_to(aws, resolved, &mut std::io::stderr()).await
}

/// [`operated`], saying why not on `err`.
pub(super) async fn operated_to(
    aws: &Aws,
    resolved: &Resolved,
    err: &mut dyn Write,
) -> Result<(StackInfo, Operations), Status> {
    let deployed = match ops::deployed(aws, resolved.lookup()).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            let how = match resolved.stack() {
                Some(s) => format!("`stackc deploy --env {}` creates it", s.env),
                None => "check the name and --region; `stackc deploy` creates it".to_string(),
            };
            let _ = writeln!(
                err,
                "error: {} is not deployed in {} ({how})",
                resolved.name, resolved.region
            );
            return Err(Status::UserError);
        }
        Err(e) => return Err(fail_to(err, e)),
    };
    match (deployed.operations, resolved.stack()) {
        (Some(o), _) => Ok((deployed.info, o)),
        (None, Some(stack)) => {
            let _ = writeln!(
                err,
                "note: {} was deployed by an older stackc, whose template does not record its layers: they are read from the stack file (deploy again to record them)",
                resolved.name
            );
            Ok((deployed.info, Operations::of(stack)))
        }
        (None, None) => Err(fail_to(err, CloudError::Other(format!(
            "{} was deployed by an older stackc, whose template does not record its layers\nhelp: name the stack file instead of --stack, or deploy it again with this stackc",
            resolved.name
        )))),
    }
}

/// Runs a flow on the async runtime.
pub(super) fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    super::cloud::runtime().block_on(f)
}

pub fn status(
    format: MessageFormat,
    which: &Which<'_>,
    only: Option<&str>,
    target: &Target,
) -> Status {
    let resolved = match resolve(format, which, target) {
        Ok(r) => r,
        Err(s) => return s,
    };
    if let Some(targets) = resolved.stack().and_then(|s| s.targets.as_ref()) {
        return super::targets::status(
            format,
            &resolved.name,
            &resolved.region,
            targets,
            only,
            target,
        );
    }
    if only.is_some() {
        eprintln!(
            "error: --target names one of an environment's `targets`, and {} has none",
            resolved.name
        );
        return Status::Usage;
    }
    block_on(async {
        let aws = Aws::connect(&resolved.region, target.profile).await;
        let (info, ops) = match operated(&aws, &resolved).await {
            Ok(x) => x,
            Err(s) => return s,
        };
        let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
        let status = match ops::status(&aws, &ops, &info, now).await {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let text = match format {
            MessageFormat::Json => format!("{}\n", status.to_json()),
            MessageFormat::Human => status.render(),
        };
        crate::output::stdout(&text);
        Status::Ok
    })
}

/// A `stackc run`: the event as the agent names it and what goes with it.
pub struct Request<'a> {
    /// What the agent runs.
    pub event: ops::Command,
    /// The recipes of execute_recipes.
    pub recipes: Option<&'a str>,
    /// The environment.
    pub which: Which<'a>,
    /// Only this layer's instances.
    pub layer: Option<&'a str>,
    /// Only this app.
    pub app: Option<&'a str>,
    /// A JSON object merged over the node JSON last (OpsWorks' deployment
    /// custom JSON).
    pub custom_json: Option<&'a Path>,
    /// Set `migrate` on the deployed apps.
    pub migrate: bool,
    /// With targets: which, and the role assumed there.
    pub reach: super::across::Reach<'a>,
}

/// `stackc run`.
pub fn run(format: MessageFormat, request: &Request<'_>, target: &Target) -> Status {
    let event = request.event;
    let from_disk = event.from_disk();
    if from_disk && request.which.stack.is_some() {
        eprintln!(
            "error: `stackc run {}` publishes the cookbooks as they are on disk: name the stack file, not --stack",
            if event == ops::Command::ExecuteRecipes { "recipes" } else { "update-cookbooks" }
        );
        return Status::Usage;
    }
    let resolved = match resolve(format, &request.which, target) {
        Ok(r) => r,
        Err(s) => return s,
    };
    // A recipe the bundle does not have would fail on every instance.
    if let (Some(list), Some(stack)) = (request.recipes, resolved.stack()) {
        for recipe in list.split(',').map(str::trim) {
            if let Err(m) = stackc_core::cookbooks::find_recipe(stack.cookbooks.as_deref(), recipe)
            {
                eprintln!(
                    "error: {m}\nhelp: `stackc run recipes` runs the recipes of the cookbooks on disk and the built-in ones; nothing was published or sent"
                );
                return Status::UserError;
            }
        }
    }
    if let Some(targets) = resolved.stack().and_then(|s| s.targets.clone()) {
        return super::across::run(format, request, resolved, &targets, target);
    }
    if let Err(status) = super::across::no_targets(&resolved, &request.reach) {
        return status;
    }
    // A deployment's custom JSON is vetted before AWS is asked anything,
    // against the file's apps (with --stack, the deployed ones').
    let early = match early_custom_json(request, &resolved) {
        Ok(c) => c,
        Err(s) => return s,
    };
    let built = match build_from_disk(format, event, &resolved) {
        Ok(b) => b,
        Err(s) => return s,
    };
    block_on(async {
        let aws = Aws::connect(&resolved.region, target.profile).await;
        let (_, operations) = match operated(&aws, &resolved).await {
            Ok(x) => x,
            Err(s) => return s,
        };
        let custom_json = match (early, request.custom_json) {
            (Some(c), _) => Some(c),
            (None, Some(f)) => {
                let apps: Vec<&str> = operations.apps.iter().map(|a| a.name.as_str()).collect();
                match read_deployment_json(f, &apps) {
                    Ok(c) => Some(c),
                    Err(s) => return s,
                }
            }
            (None, None) => None,
        };
        let on = Deployment {
            resolved: &resolved,
            aws: &aws,
            operations: &operations,
            publish: Publish::Here {
                built: built.as_deref(),
                custom_json: custom_json.as_ref(),
            },
            target: None,
        };
        run_on(format, request, &on, &mut std::io::stderr()).await
    })
}

/// The deployment's custom JSON, vetted: its sha256 and bytes.
pub(super) type CustomJson = (String, Vec<u8>);

/// The custom JSON of `run --custom-json`, read and vetted against the
/// stack file's apps before AWS is asked anything (`None` with --stack:
/// the deployed apps are known later).
pub(super) fn early_custom_json(
    request: &Request<'_>,
    resolved: &Resolved,
) -> Result<Option<CustomJson>, Status> {
    match (request.custom_json, resolved.stack()) {
        (Some(f), Some(stack)) => {
            let apps: Vec<&str> = stack.apps.iter().map(|a| a.name.as_str()).collect();
            read_deployment_json(f, &apps).map(Some)
        }
        _ => Ok(None),
    }
}

/// For the events that run the cookbooks as they are on disk (`recipes`,
/// `update-cookbooks`): the environment built into `out/`.
pub(super) fn build_from_disk(
    format: MessageFormat,
    event: ops::Command,
    resolved: &Resolved,
) -> Result<Option<std::path::PathBuf>, Status> {
    match (event.from_disk(), &resolved.file, resolved.stack()) {
        (true, Some((source, _, _)), Some(stack)) => super::build::build_to_dir(
            format,
            &source.name(),
            &source.text,
            stack,
            stackc_core::emit::Format::Json,
            Path::new("out"),
            false,
        )
        .map(|b| Some(b.dir)),
        _ => Ok(None),
    }
}

/// What a run publishes before it starts.
pub(super) enum Publish<'a> {
    /// One stack: the build (recipes, update-cookbooks) and the custom
    /// JSON go to its account's artifact bucket.
    Here {
        built: Option<&'a Path>,
        custom_json: Option<&'a CustomJson>,
    },
    /// A StackSet's instance: both are in its region's bucket already
    /// (`super::across`); its fleet is pointed at the bundle.
    Regional {
        bundle: Option<&'a stackc_deploy::fleet::BundleAt>,
        custom_json: Option<&'a str>,
    },
}

/// Where a run goes and what it carries, once resolved.
pub(super) struct Deployment<'a> {
    pub(super) resolved: &'a Resolved,
    pub(super) aws: &'a Aws,
    pub(super) operations: &'a Operations,
    pub(super) publish: Publish<'a>,
    /// A StackSet's stack instance, `ACCOUNT/REGION`.
    pub(super) target: Option<String>,
}

pub(super) async fn run_on(
    format: MessageFormat,
    request: &Request<'_>,
    on: &Deployment<'_>,
    err: &mut dyn Write,
) -> Status {
    let Request {
        event,
        recipes,
        layer,
        app,
        migrate,
        ..
    } = *request;
    let Deployment {
        resolved,
        aws,
        operations,
        ref publish,
        ref target,
    } = *on;
    let name = &resolved.name;
    if let Some(a) = app {
        if !operations.apps.iter().any(|x| x.name == a) {
            let apps: Vec<&str> = operations.apps.iter().map(|a| a.name.as_str()).collect();
            let _ = writeln!(
                err,
                "error: {name} has no app `{a}`; apps: {}",
                if apps.is_empty() {
                    "none".to_string()
                } else {
                    apps.join(", ")
                }
            );
            return Status::Usage;
        }
    }
    if let Some(l) = layer {
        if operations.layer(l).is_none() {
            let names: Vec<&str> = operations.layers.iter().map(|l| l.name.as_str()).collect();
            let _ = writeln!(
                err,
                "error: {name} has no layer `{l}`; layers: {}",
                names.join(", ")
            );
            return Status::Usage;
        }
    }
    let groups = ops::targeted_groups(operations, event, layer, app);
    let mut params = vec![("event".to_string(), event.as_str().to_string())];
    if let Some(a) = app {
        params.push(("app".into(), a.to_string()));
    }
    if let Some(r) = recipes {
        params.push(("recipes".into(), r.to_string()));
    }
    let custom_json = match publish {
        Publish::Here { custom_json, .. } => custom_json.map(|(sha, _)| sha.as_str()),
        Publish::Regional { custom_json, .. } => *custom_json,
    };
    if let Some(sha) = custom_json {
        params.push(("custom_json".into(), sha.to_string()));
    }
    if migrate {
        params.push(("migrate".into(), "true".into()));
    }
    if let Err(e) = publish_for(aws, resolved, operations, publish, err).await {
        return fail_to(err, e);
    }
    let document = stackc_core::emit::cfn::run_document_for(name);
    let targets = match fleet::online(aws, &groups).await {
        Ok(t) => t,
        Err(e) => return fail_to(err, e),
    };
    let ran = match fleet::run_and_wait(aws, err, &document, &targets, &params, POLL).await {
        Ok(ran) => ran,
        Err(e) => return fail_to(err, e),
    };
    let status = if !ran.iter().all(|i| i.status == "Success") {
        let _ = writeln!(
            err,
            "error: {event} failed on some instances; `stackc logs --layer ...` shows their runs"
        );
        Status::UserError
    } else if event != ops::Command::Deploy || ran.is_empty() {
        Status::Ok
    } else {
        match ops::health_watch(operations, &groups, POLL) {
            None => Status::Ok,
            Some(watch) => {
                match fleet::verify_deploy(aws, err, &document, &watch, &ran, app).await {
                    Ok(true) => Status::Ok,
                    Ok(false) => Status::UserError,
                    Err(e) => fail_to(err, e),
                }
            }
        }
    };
    if format == MessageFormat::Json {
        let mut value = serde_json::json!({
            "stack": name,
            "event": event.as_str(),
            "succeeded": status == Status::Ok,
            "instances": ran.iter().map(|i| serde_json::json!({
                "id": i.instance, "status": i.status, "output": i.output,
            })).collect::<Vec<_>>(),
        });
        if let Some(t) = target {
            value["target"] = serde_json::json!(t);
        }
        crate::output::stdout(&format!("{value}\n"));
    }
    status
}

/// Publishes what a run carries (see [`Publish`]).
async fn publish_for(
    aws: &Aws,
    resolved: &Resolved,
    operations: &Operations,
    publish: &Publish<'_>,
    err: &mut dyn Write,
) -> Result<(), stackc_deploy::deploy::DeployError> {
    match *publish {
        Publish::Here { built, custom_json } => {
            if built.is_none() && custom_json.is_none() {
                return Ok(());
            }
            let bucket = stackc_deploy::deploy::artifact_bucket(aws, &resolved.region).await?;
            if let Some(dir) = built {
                let artifacts = stackc_deploy::deploy::Artifacts::load(dir)?;
                fleet::publish_bundle(aws, err, &artifacts, &bucket).await?;
            }
            if let Some((sha, bytes)) = custom_json {
                store_custom_json(aws, &bucket, operations, sha, bytes).await?;
            }
            Ok(())
        }
        Publish::Regional { bundle, .. } => {
            if let Some(at) = bundle {
                fleet::point_to_bundle(aws, err, &resolved.name, at).await?;
            }
            Ok(())
        }
    }
}

/// Puts a deployment's custom JSON in `bucket` under its sha256 (once),
/// where the agent reads it.
pub(super) async fn store_custom_json<C: stackc_deploy::cloud::Cloud>(
    cloud: &C,
    bucket: &str,
    operations: &Operations,
    sha: &str,
    bytes: &[u8],
) -> Result<(), stackc_deploy::deploy::DeployError> {
    let key = stackc_core::emit::manifest::Manifest::key_for(
        &operations.stack,
        &operations.env,
        sha,
        "json",
    );
    if !cloud.object_exists(bucket, &key).await? {
        cloud.put_object(bucket, &key, bytes.to_vec()).await?;
    }
    Ok(())
}

/// Reads a deployment's custom JSON: an object, vetted as the stack file's
/// `custom-json` is (no key stackc computes, no credential); its sha256 and
/// bytes (compact), or the exit status after saying what is wrong.
fn read_deployment_json(file: &Path, apps: &[&str]) -> Result<CustomJson, Status> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", file.display());
        Status::UserError
    })?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        eprintln!("error: {} is not JSON: {e}", file.display());
        Status::UserError
    })?;
    let problems = stackc_core::check::deployment_json_problems(&json, apps);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {}: {p}", file.display());
        }
        return Err(Status::UserError);
    }
    let bytes = serde_json::to_vec(&json).expect("JSON serializes");
    Ok((stackc_core::emit::manifest::sha256_hex(&bytes), bytes))
}

/// How often `run` asks how a command or a health check stands.
const POLL: Duration = Duration::from_secs(3);
