//! `stackc status`, `run` and `logs`: the running fleet of an environment.

use std::path::Path;
use std::time::Duration;

use stackc_core::ir::Stack;
use stackc_deploy::aws::Aws;
use stackc_deploy::cloud::Cloud;
use stackc_deploy::fleet::{self, Fleet};

use super::{
    build::environments,
    check::load,
    cloud::{runtime, Target},
    Status,
};
use crate::cli::MessageFormat;

fn stack_of<'p>(
    program: &'p stackc_core::ir::Program,
    env: Option<&str>,
) -> Result<&'p Stack, Status> {
    environments(program, Some(env.unwrap_or("production"))).map(|s| s[0])
}

fn groups(stack: &Stack) -> Vec<(String, String)> {
    stack
        .layers
        .iter()
        .filter(|l| l.has_instances())
        .map(|l| {
            (
                l.name.clone(),
                stackc_core::emit::cfn::group_name(stack, &l.name),
            )
        })
        .collect()
}

fn fail(e: impl std::fmt::Display) -> Status {
    eprintln!("error: {e}");
    Status::UserError
}

pub fn status(format: MessageFormat, path: &Path, env: Option<&str>, target: &Target) -> Status {
    let (_, program) = match load(format, path) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let stack = match stack_of(&program, env) {
        Ok(s) => s,
        Err(s) => return s,
    };
    let region = target.region.unwrap_or(&stack.region).to_string();
    let name = stack.qualified_name();
    let groups = groups(stack);
    runtime().block_on(async {
        let aws = Aws::connect(&region, target.profile).await;
        let info = match aws.describe_stack(&name).await {
            Ok(Some(i)) => i,
            Ok(None) => {
                eprintln!("{name} is not deployed (`stackc deploy --env {}` creates it)", stack.env);
                return Status::UserError;
            }
            Err(e) => return fail(e),
        };
        let names: Vec<String> = groups.iter().map(|(_, g)| g.clone()).collect();
        let instances = match aws.instances(&names).await {
            Ok(i) => i,
            Err(e) => return fail(e),
        };
        let suspended = match aws.launches_suspended(&names).await {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let launches_suspended: Vec<String> = groups
            .iter()
            .filter(|(_, group)| suspended.contains(group))
            .map(|(layer, _)| layer.clone())
            .collect();
        let per_layer: Vec<(String, Vec<fleet::Instance>)> = groups
            .iter()
            .map(|(layer, group)| {
                (
                    layer.clone(),
                    instances.iter().filter(|i| &i.group == group).cloned().collect(),
                )
            })
            .collect();
        let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
        let hours = stack
            .working_hours
            .as_ref()
            .and_then(|h| fleet::HoursNow::at(h, now));
        if format == MessageFormat::Json {
            let value = serde_json::json!({
                "stack": name,
                "status": info.status,
                "outputs": info.outputs.iter().cloned().collect::<std::collections::BTreeMap<String, String>>(),
                "working_hours": hours,
                "layers": per_layer.iter().map(|(l, i)| serde_json::json!({
                    "layer": l,
                    "launches_suspended": launches_suspended.contains(l),
                    "instances": i.iter().map(|x| serde_json::json!({
                        "id": x.id, "state": x.state(), "lifecycle": x.lifecycle,
                        "zone": x.zone, "private_ip": x.private_ip, "last_run": x.last_run,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            crate::output::stdout(&format!("{value}\n"));
        } else {
            crate::output::stdout(&fleet::render_status(&fleet::StatusReport {
                stack: &name,
                status: &info.status,
                outputs: &info.outputs,
                hours,
                layers: &per_layer,
                launches_suspended: &launches_suspended,
            }));
        }
        Status::Ok
    })
}

/// A `stackc run`: the event as the agent names it and what goes with it.
pub struct Request<'a> {
    /// setup, configure, deploy, undeploy, rollback, execute_recipes or
    /// update_cookbooks.
    pub event: &'a str,
    /// The recipes of execute_recipes.
    pub recipes: Option<&'a str>,
    /// The stack file.
    pub file: &'a Path,
    /// The environment.
    pub env: Option<&'a str>,
    /// Only this layer's instances.
    pub layer: Option<&'a str>,
    /// Only this app.
    pub app: Option<&'a str>,
    /// A JSON object merged over the node JSON last (OpsWorks' deployment
    /// custom JSON).
    pub custom_json: Option<&'a Path>,
    /// Set `migrate` on the deployed apps.
    pub migrate: bool,
}

/// `stackc run`.
pub fn run(format: MessageFormat, request: &Request<'_>, target: &Target) -> Status {
    let Request {
        event: agent_event,
        recipes,
        file: path,
        env,
        layer,
        app,
        custom_json,
        migrate,
    } = *request;
    let (source, program) = match load(format, path) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let stack = match stack_of(&program, env) {
        Ok(s) => s,
        Err(s) => return s,
    };
    if let Some(a) = app {
        if !stack.apps.iter().any(|x| x.name == a) {
            eprintln!("error: stack `{}` has no app `{a}`", stack.name);
            return Status::Usage;
        }
    }
    if let Some(l) = layer {
        if stack.layer(l).is_none() {
            let names: Vec<&str> = stack.layers.iter().map(|l| l.name.as_str()).collect();
            eprintln!(
                "error: stack `{}` has no layer `{l}`; layers: {}",
                stack.name,
                names.join(", ")
            );
            return Status::Usage;
        }
    }
    let custom_json = match custom_json
        .map(|f| read_deployment_json(f, stack))
        .transpose()
    {
        Ok(c) => c,
        Err(s) => return s,
    };
    let targeted = targeted_layers(stack, agent_event, layer, app);
    let groups: Vec<(String, String)> = groups(stack)
        .into_iter()
        .filter(|(l, _)| targeted.contains(l))
        .collect();
    let group_names: Vec<String> = groups.iter().map(|(_, g)| g.clone()).collect();
    let mut params = vec![("event".to_string(), agent_event.to_string())];
    if let Some(a) = app {
        params.push(("app".into(), a.to_string()));
    }
    if let Some(r) = recipes {
        params.push(("recipes".into(), r.to_string()));
    }
    if let Some((sha, _)) = &custom_json {
        params.push(("custom_json".into(), sha.clone()));
    }
    if migrate {
        params.push(("migrate".into(), "true".into()));
    }
    let region = target.region.unwrap_or(&stack.region).to_string();
    let name = stack.qualified_name();
    // Recipes as they are on disk: build, and publish the bundle if it changed.
    let built = if matches!(agent_event, "execute_recipes" | "update_cookbooks") {
        match super::build::build_to_dir(
            format,
            &source.name(),
            &source.text,
            stack,
            stackc_core::emit::Format::Json,
            Path::new("out"),
        ) {
            Ok(b) => Some(b.dir),
            Err(s) => return s,
        }
    } else {
        None
    };
    runtime().block_on(async {
        let aws = Aws::connect(&region, target.profile).await;
        if let Some(dir) = &built {
            let published = async {
                let artifacts = stackc_deploy::deploy::Artifacts::load(dir)?;
                let bucket = stackc_deploy::deploy::artifact_bucket(&aws, &region).await?;
                fleet::publish_bundle(&aws, &mut std::io::stderr(), &artifacts, &bucket).await
            };
            if let Err(e) = published.await {
                return fail(e);
            }
        }
        match aws.describe_stack(&name).await {
            Ok(Some(_)) => {}
            Ok(None) => return fail(format!("{name} is not deployed")),
            Err(e) => return fail(e),
        }
        if let Some((sha, bytes)) = &custom_json {
            let stored = async {
                let bucket = stackc_deploy::deploy::artifact_bucket(&aws, &region).await?;
                let key = stackc_core::emit::manifest::Manifest::key_for(&stack.name, &stack.env, sha, "json");
                if !aws.object_exists(&bucket, &key).await? {
                    aws.put_object(&bucket, &key, bytes.clone()).await?;
                }
                Ok::<_, stackc_deploy::deploy::DeployError>(())
            };
            if let Err(e) = stored.await {
                return fail(e);
            }
        }
        let document = stackc_core::emit::cfn::run_document_for(&name);
        let mut err = std::io::stderr();
        let targets = match fleet::online(&aws, &group_names).await {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let ran = match fleet::run_and_wait(&aws, &mut err, &document, &targets, &params, POLL).await {
            Ok(ran) => ran,
            Err(e) => return fail(e),
        };
        let status = if !ran.iter().all(|i| i.status == "Success") {
            eprintln!("error: {agent_event} failed on some instances; `stackc logs --layer ...` shows their runs");
            Status::UserError
        } else if agent_event != "deploy" || ran.is_empty() {
            Status::Ok
        } else {
            verify_deploy(&aws, stack, &groups, &ran, &document, app).await
        };
        if format == MessageFormat::Json {
            let value = serde_json::json!({
                "stack": name,
                "event": agent_event,
                "succeeded": status == Status::Ok,
                "instances": ran.iter().map(|i| serde_json::json!({
                    "id": i.instance, "status": i.status, "output": i.output,
                })).collect::<Vec<_>>(),
            });
            crate::output::stdout(&format!("{value}\n"));
        }
        status
    })
}

/// Reads a deployment's custom JSON: an object, vetted as the stack file's
/// `custom-json` is (no key stackc computes, no credential); its sha256 and
/// bytes (compact), or the exit status after saying what is wrong.
fn read_deployment_json(file: &Path, stack: &Stack) -> Result<(String, Vec<u8>), Status> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", file.display());
        Status::UserError
    })?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        eprintln!("error: {} is not JSON: {e}", file.display());
        Status::UserError
    })?;
    let apps: Vec<&str> = stack.apps.iter().map(|a| a.name.as_str()).collect();
    let problems = stackc_core::check::deployment_json_problems(&json, &apps);
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

/// The layers whose instances an event goes to: those of `--layer`; for a
/// rollback of an app its layer; otherwise every layer: a deploy or
/// undeploy too, as OpsWorks ran them on every online instance (the app's
/// layer deploys it, the others see it in their node JSON, e.g. a load
/// balancer layer's configuration).
fn targeted_layers(
    stack: &Stack,
    event: &str,
    layer: Option<&str>,
    app: Option<&str>,
) -> Vec<String> {
    let host_of = |name: &str| {
        stack
            .layer(name)
            .map(|l| stackc_core::emit::node::host_of(stack, l).name.clone())
    };
    if let Some(l) = layer {
        return host_of(l).into_iter().collect();
    }
    if let ("rollback", Some(a)) = (event, app) {
        let app_layer = stack
            .apps
            .iter()
            .find(|x| x.name == a)
            .map(|x| x.layer.as_str());
        return app_layer.and_then(host_of).into_iter().collect();
    }
    stack.layers.iter().map(|l| l.name.clone()).collect()
}

/// After a deploy: the load balancers' health checks of the instances that
/// deployed behind one, and a rollback where they fail (see
/// [`fleet::verify_deploy`]).
async fn verify_deploy(
    aws: &Aws,
    stack: &Stack,
    groups: &[(String, String)],
    ran: &[fleet::Invocation],
    document: &str,
    app: Option<&str>,
) -> Status {
    let fronted: Vec<(&String, &stackc_core::ir::LoadBalancer)> = groups
        .iter()
        .filter_map(|(l, g)| Some((g, stack.layer(l)?.load_balancer.as_ref()?)))
        .collect();
    let Some(window) = fronted
        .iter()
        .map(|(_, lb)| health_window(&lb.health_check))
        .max()
    else {
        return Status::Ok;
    };
    let lb_groups: Vec<String> = fronted.iter().map(|(g, _)| (*g).clone()).collect();
    let watch = fleet::HealthWatch {
        groups: lb_groups,
        window,
        poll: POLL,
    };
    let mut err = std::io::stderr();
    match fleet::verify_deploy(aws, &mut err, document, &watch, ran, app).await {
        Ok(true) => Status::Ok,
        Ok(false) => Status::UserError,
        Err(e) => fail(e),
    }
}

/// How long the load balancer's checks take to mark a broken instance
/// unhealthy: one interval per failure they count, and one more.
fn health_window(hc: &stackc_core::ir::HealthCheck) -> Duration {
    Duration::from_secs(hc.interval_secs * (u64::from(hc.unhealthy) + 1))
}

pub fn logs(
    format: MessageFormat,
    path: &Path,
    env: Option<&str>,
    layer: Option<&str>,
    since: &str,
    follow: bool,
    target: &Target,
) -> Status {
    let Ok(since_secs) = stackc_core::units::duration_secs(since) else {
        eprintln!("error: `{since}` is not a duration; write e.g. --since 30m, 2h or 1d");
        return Status::Usage;
    };
    let (_, program) = match load(format, path) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let stack = match stack_of(&program, env) {
        Ok(s) => s,
        Err(s) => return s,
    };
    let layers: Vec<&str> = match layer {
        Some(l) if stack.layer(l).is_none() => {
            eprintln!("error: stack `{}` has no layer `{l}`", stack.name);
            return Status::Usage;
        }
        Some(l) => vec![l],
        None => stack.layers.iter().map(|l| l.name.as_str()).collect(),
    };
    // Each deployment of the stack has its own groups under the layer's
    // prefix, and destroy keeps them: read them all (the name without a
    // suffix is a group from before stackc named them per deployment).
    let prefixes: Vec<(&str, String)> = layers
        .iter()
        .map(|l| (*l, stackc_core::emit::node::log_group_prefix(stack, l)))
        .collect();
    let region = target.region.unwrap_or(&stack.region).to_string();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut from = now_ms - (since_secs as i64) * 1000;
    runtime().block_on(async {
        let aws = Aws::connect(&region, target.profile).await;
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut layer_of = std::collections::HashMap::new();
            for (layer, prefix) in &prefixes {
                let names = match aws.log_groups(prefix).await {
                    Ok(n) => n,
                    Err(e) => return fail(e),
                };
                for name in names {
                    let own = name
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
                    if own {
                        layer_of.insert(name, *layer);
                    }
                }
            }
            let mut groups: Vec<String> = layer_of.keys().cloned().collect();
            groups.sort();
            let events = match aws.logs(&groups, from).await {
                Ok(e) => e,
                Err(e) => return fail(e),
            };
            for e in events {
                if seen.insert((e.group.clone(), e.stream.clone(), e.time, e.message.clone())) {
                    let layer = layer_of.get(&e.group).copied().unwrap_or_default();
                    let line = if format == MessageFormat::Json {
                        serde_json::json!({
                            "layer": layer, "stream": e.stream, "timestamp": e.time, "message": e.message,
                        })
                        .to_string()
                    } else {
                        format!("{layer} {} {}", e.stream, e.message)
                    };
                    crate::output::stdout(&format!("{line}\n"));
                    from = from.max(e.time);
                }
            }
            if !follow {
                return Status::Ok;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = tokio::signal::ctrl_c() => return Status::Ok,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goldcar() -> Stack {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/goldcar/stack.kdl"),
        )
        .unwrap();
        let opts = stackc_core::check::Options {
            base_dir: Path::new("/goldcar"),
            files: &stackc_core::check::AllExist,
        };
        let (program, diags) = stackc_core::check::check_source(&text, &opts);
        assert!(!stackc_core::diag::has_errors(&diags), "{diags:?}");
        let program = program.unwrap();
        program.environments[0].clone()
    }

    /// goldcar: web (app rentals) with cache on it, reports on its own.
    #[test]
    fn deploys_reach_every_layer_rollbacks_the_apps_layer() {
        let stack = goldcar();
        let all = ["web", "cache", "reports"];
        assert_eq!(
            targeted_layers(&stack, "deploy", None, Some("rentals")),
            all
        );
        assert_eq!(
            targeted_layers(&stack, "undeploy", None, Some("rentals")),
            all
        );
        assert_eq!(targeted_layers(&stack, "configure", None, None), all);
        assert_eq!(
            targeted_layers(&stack, "rollback", None, Some("rentals")),
            ["web"]
        );
        assert_eq!(
            targeted_layers(&stack, "deploy", Some("reports"), Some("rentals")),
            ["reports"]
        );
        // A layer `on` another runs on the host's instances.
        assert_eq!(
            targeted_layers(&stack, "execute_recipes", Some("cache"), None),
            ["web"]
        );
    }

    #[test]
    fn the_health_window_lets_the_checks_find_a_broken_instance() {
        let hc = stackc_core::ir::HealthCheck {
            path: "/health".into(),
            interval_secs: 15,
            healthy: 2,
            unhealthy: 3,
        };
        assert_eq!(health_window(&hc), Duration::from_secs(60));
    }
}
