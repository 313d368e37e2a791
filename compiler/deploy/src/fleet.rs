//! Operating the running fleet: instance states per layer (`stackc
//! status`), lifecycle events by SSM Run Command (`stackc run`), and the
//! layers' logs (`stackc logs`). AWS sits behind [`Fleet`].

use std::fmt::Write as _;
use std::time::Duration;

use crate::cloud::CloudError;

/// An instance of an Auto Scaling group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Instance {
    /// EC2 id.
    pub id: String,
    /// Auto Scaling group name.
    pub group: String,
    /// Auto Scaling lifecycle state (`Pending:Wait`, `InService`, ...).
    pub lifecycle: String,
    /// Availability zone.
    pub zone: String,
    /// Private IPv4 address, when known.
    pub private_ip: Option<String>,
}

impl Instance {
    /// The OpsWorks-style state of the instance.
    pub fn state(&self) -> &'static str {
        opsworks_state(&self.lifecycle)
    }
}

/// OpsWorks' instance states from Auto Scaling lifecycle states.
pub fn opsworks_state(lifecycle: &str) -> &'static str {
    match lifecycle {
        "Pending" => "pending",
        "Pending:Wait" | "Pending:Proceed" => "running_setup",
        "InService" => "online",
        "Terminating" | "Terminating:Wait" | "Terminating:Proceed" => "shutting_down",
        "Terminated" => "terminated",
        "Standby" | "EnteringStandby" => "stopped",
        "Detaching" | "Detached" => "shutting_down",
        "Warmed:Pending" | "Warmed:Pending:Wait" | "Warmed:Pending:Proceed" => "booting",
        _ => "requested",
    }
}

/// The result of a command on one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// EC2 id.
    pub instance: String,
    /// `Pending`, `InProgress`, `Success`, `Failed`, `TimedOut`, `Cancelled`.
    pub status: String,
    /// The end of its output.
    pub output: String,
}

impl Invocation {
    /// True once it cannot change any more.
    pub fn finished(&self) -> bool {
        !matches!(self.status.as_str(), "Pending" | "InProgress" | "Delayed")
    }
}

/// A log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Log group.
    pub group: String,
    /// Log stream (`<instance>/<file>`).
    pub stream: String,
    /// Milliseconds since the epoch.
    pub time: i64,
    /// The line.
    pub message: String,
}

/// The AWS calls fleet operations make.
#[allow(async_fn_in_trait)]
pub trait Fleet {
    /// The instances of these Auto Scaling groups, with their addresses.
    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError>;
    /// The running instances carrying all these tags.
    async fn tagged(&self, tags: &[(String, String)]) -> Result<Vec<String>, CloudError>;
    /// Sends the lifecycle document to these instances; returns the command id.
    async fn send(
        &self,
        document: &str,
        instances: &[String],
        parameters: &[(String, String)],
    ) -> Result<String, CloudError>;
    /// Where a command stands on one instance.
    async fn invocation(&self, command: &str, instance: &str) -> Result<Invocation, CloudError>;
    /// The value of the stack's bundle parameter.
    async fn bundle_pointer(&self, parameter: &str) -> Result<Option<String>, CloudError>;
    /// Points the stack's bundle parameter at another bundle.
    async fn set_bundle_pointer(&self, parameter: &str, value: &str) -> Result<(), CloudError>;
    /// Log events of these groups since a time (ms), after a token.
    async fn logs(&self, groups: &[String], since_ms: i64) -> Result<Vec<LogEvent>, CloudError>;
}

/// Sends a command and waits until every instance has finished it; prints
/// per-instance status and the end of the output. Returns true when all
/// succeeded.
pub async fn run_and_wait<F: Fleet>(
    fleet: &F,
    out: &mut dyn std::io::Write,
    document: &str,
    tags: &[(String, String)],
    parameters: &[(String, String)],
    poll: Duration,
) -> Result<bool, CloudError> {
    let targets = fleet.tagged(tags).await?;
    if targets.is_empty() {
        let _ = writeln!(out, "no running instance matched; nothing ran");
        return Ok(true);
    }
    let id = fleet.send(document, &targets, parameters).await?;
    let _ = writeln!(out, "command {id} sent to {} instance(s)", targets.len());
    let mut waited = Duration::ZERO;
    let invocations = loop {
        let mut all = Vec::new();
        for t in &targets {
            all.push(fleet.invocation(&id, t).await?);
        }
        if all.iter().all(Invocation::finished) || waited > Duration::from_secs(3600) {
            break all;
        }
        tokio::time::sleep(poll).await;
        waited += poll.max(Duration::from_millis(1));
    };
    let mut ok = true;
    for i in &invocations {
        ok &= i.status == "Success";
        let _ = writeln!(out, "{}: {}", i.instance, i.status);
        let tail: Vec<&str> = i.output.lines().rev().take(10).collect();
        for line in tail.into_iter().rev() {
            let _ = writeln!(out, "    {line}");
        }
    }
    Ok(ok)
}

/// Renders `stackc status` for people.
pub fn render_status(
    stack: &str,
    status: &str,
    outputs: &[(String, String)],
    layers: &[(String, Vec<Instance>)],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{stack}: {status}");
    for (k, v) in outputs {
        let _ = writeln!(s, "  {k} = {v}");
    }
    for (layer, instances) in layers {
        let _ = writeln!(s, "layer {layer}: {} instance(s)", instances.len());
        for i in instances {
            let _ = writeln!(
                s,
                "  {:<20} {:<14} {:<12} {}",
                i.id,
                i.state(),
                i.zone,
                i.private_ip.as_deref().unwrap_or("-")
            );
        }
    }
    s
}

/// Uploads the environment's bundle when the fleet runs another one and
/// points the bundle parameter at it, so `stackc run recipes` reaches the
/// instances with the recipes as they are on disk. Returns true when the
/// bundle changed.
pub async fn publish_bundle<C: crate::cloud::Cloud + Fleet>(
    cloud: &C,
    out: &mut dyn std::io::Write,
    artifacts: &crate::deploy::Artifacts,
    bucket: &str,
) -> Result<bool, crate::deploy::DeployError> {
    let m = &artifacts.manifest;
    let Some(bundle) = m.entry(&m.bundle) else {
        return Err(crate::deploy::DeployError::Artifacts(
            "the manifest lists no bundle".into(),
        ));
    };
    if cloud.describe_stack(&m.stack_name).await?.is_none() {
        return Err(crate::deploy::DeployError::Artifacts(format!(
            "{} is not deployed; run `stackc deploy` first",
            m.stack_name
        )));
    }
    let parameter = stackc_core::emit::cfn::bundle_parameter_for(&m.stack_name);
    let current = cloud.bundle_pointer(&parameter).await?;
    let current_sha = current
        .as_deref()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|v| v["sha256"].as_str().map(str::to_string));
    if current_sha.as_deref() == Some(bundle.sha256.as_str()) {
        return Ok(false);
    }
    let key = m.key(bundle);
    if !cloud.object_exists(bucket, &key).await? {
        let bytes = std::fs::read(artifacts.dir.join(&bundle.path)).map_err(|e| {
            crate::deploy::DeployError::Artifacts(format!("cannot read the bundle: {e}"))
        })?;
        cloud.put_object(bucket, &key, bytes).await?;
    }
    let pointer =
        serde_json::json!({ "bucket": bucket, "key": key, "sha256": bundle.sha256 }).to_string();
    cloud.set_bundle_pointer(&parameter, &pointer).await?;
    let _ = writeln!(
        out,
        "the cookbooks changed since the last deploy: bundle {} published to the fleet (the next `stackc deploy` records it in the stack)",
        &bundle.sha256[..12]
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_states_map_to_opsworks_states() {
        assert_eq!(opsworks_state("Pending:Wait"), "running_setup");
        assert_eq!(opsworks_state("InService"), "online");
        assert_eq!(opsworks_state("Terminating:Wait"), "shutting_down");
        assert_eq!(opsworks_state("Terminated"), "terminated");
        assert_eq!(opsworks_state("Pending"), "pending");
    }
}
