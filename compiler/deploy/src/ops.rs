//! The flows of `stackc status`, `run` and `logs` on a deployed environment,
//! from what its root template records (see
//! [`stackc_core::emit::operations`]): which groups a command goes to, what
//! it carries, how long a deploy's health checks are watched, where each
//! layer's logs are and what the fleet looks like. The CLI parses arguments
//! and prints; these take a [`Fleet`] and are tested with canned answers.

use std::time::Duration;

use stackc_core::emit::operations::Operations;

use crate::cloud::{CloudError, StackInfo, StackStatus};
use crate::fleet::{Fleet, HealthWatch, HoursNow, Instance, LogEvent, StatusReport};

/// What `stackc run` has the agent run: OpsWorks' deployment commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// The setup recipes.
    Setup,
    /// The configure recipes.
    Configure,
    /// The apps' deploy.
    Deploy,
    /// The apps' undeploy.
    Undeploy,
    /// The apps back to their previous release.
    Rollback,
    /// Some recipes.
    ExecuteRecipes,
    /// Fetch the current bundle.
    UpdateCookbooks,
}

impl Command {
    /// As the agent (`stackc-run EVENT`) and OpsWorks name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Setup => "setup",
            Command::Configure => "configure",
            Command::Deploy => "deploy",
            Command::Undeploy => "undeploy",
            Command::Rollback => "rollback",
            Command::ExecuteRecipes => "execute_recipes",
            Command::UpdateCookbooks => "update_cookbooks",
        }
    }

    /// It publishes the cookbooks as they are on disk first.
    pub fn from_disk(self) -> bool {
        matches!(self, Command::ExecuteRecipes | Command::UpdateCookbooks)
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An environment as deployed.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployed {
    /// The CloudFormation stack.
    pub info: StackInfo,
    /// What its root template records; `None` for a stack a stackc older
    /// than that record deployed.
    pub operations: Option<Operations>,
}

/// The deployed stack `name`, `None` when there is none.
pub async fn deployed<F: Fleet>(fleet: &F, name: &str) -> Result<Option<Deployed>, CloudError> {
    let Some((info, template)) = fleet.deployed(name).await? else {
        return Ok(None);
    };
    let operations = Operations::from_template(&template).map_err(|e| {
        CloudError::Other(format!(
            "{name}: {e}\nhelp: deploy it again with this stackc"
        ))
    })?;
    Ok(Some(Deployed { info, operations }))
}

/// What `stackc status` reports, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetStatus {
    /// `<stack>-<env>`.
    pub stack: String,
    /// CloudFormation's status of the stack.
    pub status: StackStatus,
    /// The stack's outputs.
    pub outputs: Vec<(String, String)>,
    /// The working hours and where they stand now.
    pub hours: Option<HoursNow>,
    /// The instances of each layer with instances of its own.
    pub layers: Vec<(String, Vec<Instance>)>,
    /// The layers whose launches are suspended.
    pub launches_suspended: Vec<String>,
}

/// The fleet of a deployed environment at `now`.
pub async fn status<F: Fleet>(
    fleet: &F,
    ops: &Operations,
    info: &StackInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<FleetStatus, CloudError> {
    let groups = ops.groups();
    let names: Vec<String> = groups.iter().map(|(_, g)| g.clone()).collect();
    let instances = fleet.instances(&names).await?;
    let suspended = fleet.launches_suspended(&names).await?;
    Ok(FleetStatus {
        stack: ops.stack_name(),
        status: info.status.clone(),
        outputs: info.outputs.clone(),
        hours: ops
            .working_hours
            .as_ref()
            .and_then(|h| HoursNow::at(h, now)),
        layers: groups
            .iter()
            .map(|(layer, group)| {
                let mine = instances.iter().filter(|i| &i.group == group).cloned();
                (layer.clone(), mine.collect())
            })
            .collect(),
        launches_suspended: groups
            .iter()
            .filter(|(_, group)| suspended.contains(group))
            .map(|(layer, _)| layer.clone())
            .collect(),
    })
}

impl FleetStatus {
    /// As people read it.
    pub fn render(&self) -> String {
        crate::fleet::render_status(&StatusReport {
            stack: &self.stack,
            status: &self.status,
            outputs: &self.outputs,
            hours: self.hours.clone(),
            layers: &self.layers,
            launches_suspended: &self.launches_suspended,
        })
    }

    /// As `--message-format json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "stack": self.stack,
            "status": self.status.as_str(),
            "outputs": self.outputs.iter().cloned().collect::<std::collections::BTreeMap<String, String>>(),
            "working_hours": self.hours,
            "layers": self.layers.iter().map(|(l, i)| serde_json::json!({
                "layer": l,
                "launches_suspended": self.launches_suspended.contains(l),
                "instances": i.iter().map(|x| serde_json::json!({
                    "id": x.id, "state": x.state(), "lifecycle": x.lifecycle,
                    "zone": x.zone, "private_ip": x.private_ip, "last_run": x.last_run,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The Auto Scaling groups a command goes to: those of `--layer`'s host;
/// for a rollback of an app its layer's; otherwise every group: a deploy or
/// undeploy too, as OpsWorks ran them on every online instance (the app's
/// layer deploys it, the others see it in their node JSON).
pub fn targeted_groups(
    ops: &Operations,
    command: Command,
    layer: Option<&str>,
    app: Option<&str>,
) -> Vec<String> {
    let group_of_host = |name: &str| {
        let host = ops.layer(name)?.host.clone();
        ops.layer(&host)?.group.clone()
    };
    if let Some(l) = layer {
        return group_of_host(l).into_iter().collect();
    }
    if let (Command::Rollback, Some(a)) = (command, app) {
        let app_layer = ops
            .apps
            .iter()
            .find(|x| x.name == a)
            .map(|x| x.layer.as_str());
        return app_layer.and_then(group_of_host).into_iter().collect();
    }
    ops.groups().into_iter().map(|(_, g)| g).collect()
}

/// What a deploy's health checks are watched on, among `groups`: those
/// whose layers (or a layer on them) have a load balancer, for as long as
/// the slowest takes to find a broken instance; `None` when none has one.
pub fn health_watch(ops: &Operations, groups: &[String], poll: Duration) -> Option<HealthWatch> {
    let fronted: Vec<(&String, u64)> = groups
        .iter()
        .filter_map(|g| {
            let host = ops.layers.iter().find(|l| l.group.as_ref() == Some(g))?;
            let window = ops
                .layers
                .iter()
                .filter(|l| l.host == host.name)
                .filter_map(|l| l.health_window_secs)
                .max()?;
            Some((g, window))
        })
        .collect();
    let window = fronted.iter().map(|(_, w)| *w).max()?;
    Some(HealthWatch {
        groups: fronted.iter().map(|(g, _)| (*g).clone()).collect(),
        window: Duration::from_secs(window),
        poll,
    })
}

/// The log groups of these layers, each with its layer: every deployment's
/// (`<prefix>/<stack id>`, kept after a destroy) and a group named by the
/// prefix alone (from before stackc named them per deployment), sorted.
pub async fn log_groups<F: Fleet>(
    fleet: &F,
    ops: &Operations,
    layers: &[&str],
) -> Result<Vec<(String, String)>, CloudError> {
    let mut out = Vec::new();
    for layer in ops
        .layers
        .iter()
        .filter(|l| layers.contains(&l.name.as_str()))
    {
        let prefix = &layer.log_group_prefix;
        for name in fleet.log_groups(prefix).await? {
            let own = name
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
            if own {
                out.push((name, layer.name.clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The events of these log groups since `from_ms`, each with its layer.
pub async fn log_events<F: Fleet>(
    fleet: &F,
    groups: &[(String, String)],
    from_ms: i64,
) -> Result<Vec<(String, LogEvent)>, CloudError> {
    let names: Vec<String> = groups.iter().map(|(g, _)| g.clone()).collect();
    let events = fleet.logs(&names, from_ms).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let layer = groups
                .iter()
                .find(|(g, _)| *g == e.group)
                .map(|(_, l)| l.clone())
                .unwrap_or_default();
            (layer, e)
        })
        .collect())
}
