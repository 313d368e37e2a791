//! Operating the running fleet: instance states per layer (`stackc
//! status`), lifecycle events by SSM Run Command (`stackc run`), and the
//! layers' logs (`stackc logs`). AWS sits behind [`Fleet`].

use std::fmt::Write as _;
use std::time::Duration;

use crate::cloud::{CloudError, StackStatus};

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
    /// The outcome of the last lifecycle run, as the agent on the instance
    /// records it in its `stackc:last-run` tag: `<event> succeeded|failed
    /// <UTC time>`.
    pub last_run: Option<String>,
}

/// The EC2 tag in which the agent records each lifecycle run's outcome.
pub const LAST_RUN_TAG: &str = "stackc:last-run";

impl Instance {
    /// The OpsWorks-style state of the instance: from its Auto Scaling
    /// lifecycle state and its last run. While the launch waits on the
    /// lifecycle hook it is `booting` until the agent starts setup, then
    /// `running_setup`; an instance whose setup failed is `setup_failed`
    /// until it is gone (its launch is abandoned, so Auto Scaling is about
    /// to replace it).
    pub fn state(&self) -> &'static str {
        let last = self.last_run.as_deref().unwrap_or("");
        match opsworks_state(&self.lifecycle) {
            "terminated" => "terminated",
            _ if last.starts_with("setup failed") => "setup_failed",
            "running_setup" if last.is_empty() => "booting",
            state => state,
        }
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

/// How a load balancer sees one instance of one of its target groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    /// Target group ARN.
    pub target_group: String,
    /// EC2 id.
    pub instance: String,
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining` or
    /// `unavailable`.
    pub state: String,
    /// The load balancer's reason code and description when not healthy
    /// (`Target.ResponseCodeMismatch: Health checks failed with these
    /// codes: [500]`).
    pub reason: Option<String>,
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
    /// The deployed stack and the text of its root template (as deployed);
    /// `None` when there is no such stack.
    async fn deployed(
        &self,
        stack: &str,
    ) -> Result<Option<(crate::cloud::StackInfo, String)>, CloudError>;
    /// Those of these Auto Scaling groups whose Launch process is suspended
    /// (the bootstrap suspends it after a repeated failed setup).
    async fn launches_suspended(&self, groups: &[String]) -> Result<Vec<String>, CloudError>;
    /// The instances of these Auto Scaling groups, with their addresses.
    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError>;
    /// How the load balancers of these Auto Scaling groups' target groups
    /// see these instances (nothing when the groups have no target group).
    async fn target_health(
        &self,
        groups: &[String],
        instances: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError>;
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
    /// The names of the log groups that start with `prefix`.
    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, CloudError>;
    /// Log events of these groups since a time (ms), after a token.
    async fn logs(&self, groups: &[String], since_ms: i64) -> Result<Vec<LogEvent>, CloudError>;
}

/// The instances of these Auto Scaling groups that are online (`InService`:
/// their setup succeeded), sorted. As OpsWorks did, lifecycle commands go
/// to these only; an instance still in setup runs setup and deploy itself
/// and its peers configure once it is online.
pub async fn online<F: Fleet>(fleet: &F, groups: &[String]) -> Result<Vec<String>, CloudError> {
    let mut ids: Vec<String> = fleet
        .instances(groups)
        .await?
        .into_iter()
        .filter(|i| i.lifecycle == "InService")
        .map(|i| i.id)
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Sends a command to `targets` and waits until every one has finished it;
/// prints per-instance status and the end of the output. Returns each
/// instance's result (none when there was no target).
pub async fn run_and_wait<F: Fleet>(
    fleet: &F,
    out: &mut dyn std::io::Write,
    document: &str,
    targets: &[String],
    parameters: &[(String, String)],
    poll: Duration,
) -> Result<Vec<Invocation>, CloudError> {
    if targets.is_empty() {
        let _ = writeln!(out, "no online instance matched; nothing ran");
        return Ok(Vec::new());
    }
    let id = fleet.send(document, targets, parameters).await?;
    let _ = writeln!(out, "command {id} sent to {} instance(s)", targets.len());
    let mut waited = Duration::ZERO;
    let invocations = loop {
        let mut all = Vec::new();
        for t in targets {
            all.push(fleet.invocation(&id, t).await?);
        }
        if all.iter().all(Invocation::finished) || waited > Duration::from_secs(3600) {
            break all;
        }
        tokio::time::sleep(poll).await;
        waited += poll.max(Duration::from_millis(1));
    };
    for i in &invocations {
        let _ = writeln!(out, "{}: {}", i.instance, i.status);
        let tail: Vec<&str> = i.output.lines().rev().take(10).collect();
        for line in tail.into_iter().rev() {
            let _ = writeln!(out, "    {line}");
        }
    }
    Ok(invocations)
}

/// What the load balancers said of the instances after a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// The instances' groups have no target group.
    NoLoadBalancer,
    /// Every target stayed or became healthy through the whole window.
    Healthy,
    /// These targets are unhealthy (or never became healthy).
    Unhealthy(Vec<TargetHealth>),
}

/// Watches the load balancers' health checks of `instances` for `window`,
/// the time the checks take to find a broken instance (an interval per
/// failure the target group counts, and one more): a target marked
/// unhealthy ends the watch at once; at the end every target must be
/// healthy, and one still `initial` (registering) gets up to another window.
pub async fn watch_health<F: Fleet>(
    fleet: &F,
    groups: &[String],
    instances: &[String],
    window: Duration,
    poll: Duration,
) -> Result<Health, CloudError> {
    let mut waited = Duration::ZERO;
    loop {
        let health = fleet.target_health(groups, instances).await?;
        if health.is_empty() {
            return Ok(Health::NoLoadBalancer);
        }
        let unhealthy: Vec<TargetHealth> = health
            .iter()
            .filter(|h| h.state == "unhealthy")
            .cloned()
            .collect();
        if !unhealthy.is_empty() {
            return Ok(Health::Unhealthy(unhealthy));
        }
        if waited >= window && health.iter().all(|h| h.state == "healthy") {
            return Ok(Health::Healthy);
        }
        if waited >= window * 2 {
            return Ok(Health::Unhealthy(
                health
                    .into_iter()
                    .filter(|h| h.state != "healthy")
                    .collect(),
            ));
        }
        tokio::time::sleep(poll).await;
        waited += poll.max(Duration::from_millis(1));
    }
}

/// Which load balancers to watch after a deploy, and how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthWatch {
    /// The Auto Scaling groups of the layers with a load balancer.
    pub groups: Vec<String>,
    /// How long the checks take to find a broken instance (see
    /// [`watch_health`]).
    pub window: Duration,
    /// How often to ask.
    pub poll: Duration,
}

/// After a deploy that succeeded on the instances of `ran`: watches the
/// load balancers' health checks of those in `watch.groups`, and where they
/// fail runs `rollback` (of `app`, or of every app) on those instances,
/// OpsWorks' rollback to the previous release, and says so. True when the
/// deploy stands (healthy, or no load balancer in front).
pub async fn verify_deploy<F: Fleet>(
    fleet: &F,
    out: &mut dyn std::io::Write,
    document: &str,
    watch: &HealthWatch,
    ran: &[Invocation],
    app: Option<&str>,
) -> Result<bool, CloudError> {
    let deployed: Vec<String> = fleet
        .instances(&watch.groups)
        .await?
        .into_iter()
        .filter(|i| ran.iter().any(|r| r.instance == i.id))
        .map(|i| i.id)
        .collect();
    if deployed.is_empty() {
        return Ok(true);
    }
    let _ = writeln!(
        out,
        "watching the load balancer's health checks of {} instance(s) for {}s",
        deployed.len(),
        watch.window.as_secs()
    );
    let unhealthy =
        match watch_health(fleet, &watch.groups, &deployed, watch.window, watch.poll).await? {
            Health::Healthy => {
                let _ = writeln!(
                    out,
                    "the load balancer reports every deployed instance healthy"
                );
                return Ok(true);
            }
            Health::NoLoadBalancer => return Ok(true),
            Health::Unhealthy(t) => t,
        };
    let _ = write!(
        out,
        "error: the load balancer's health checks failed after the deploy:\n{}",
        describe_unhealthy(&unhealthy)
    );
    let mut back: Vec<String> = unhealthy.iter().map(|t| t.instance.clone()).collect();
    back.sort();
    back.dedup();
    let mut params = vec![("event".to_string(), "rollback".to_string())];
    if let Some(a) = app {
        params.push(("app".into(), a.to_string()));
    }
    let what = app.map_or("the apps".to_string(), |a| format!("app {a}"));
    let _ = writeln!(
        out,
        "rolling {what} back to the previous release on {} instance(s)",
        back.len()
    );
    let rolled = run_and_wait(fleet, out, document, &back, &params, watch.poll).await?;
    if rolled.iter().all(|i| i.status == "Success") {
        let _ = writeln!(
            out,
            "rolled {what} back on {}; the deploy failed",
            back.join(", ")
        );
    } else {
        let _ = writeln!(
            out,
            "error: the rollback failed too on some instances; `stackc logs` shows their runs"
        );
    }
    Ok(false)
}

/// One line per target that is not healthy: instance, state, target group
/// and the load balancer's reason.
pub fn describe_unhealthy(targets: &[TargetHealth]) -> String {
    let mut s = String::new();
    for t in targets {
        let group = t
            .target_group
            .rsplit_once(":targetgroup/")
            .map_or(t.target_group.as_str(), |(_, name)| name);
        let _ = write!(s, "{}: {} in target group {group}", t.instance, t.state);
        if let Some(r) = &t.reason {
            let _ = write!(s, " ({r})");
        }
        s.push('\n');
    }
    s
}

/// Where an environment's working hours stand at `now`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HoursNow {
    /// The hours as the stack file writes them, with the time zone.
    pub hours: String,
    /// Inside the hours (layers at their minimum).
    pub open: bool,
    /// When the stack next stops (if open) or starts, in the hours' time
    /// zone (RFC 3339 in JSON).
    #[serde(serialize_with = "rfc3339")]
    pub next_change: chrono::DateTime<chrono::FixedOffset>,
}

fn rfc3339<S: serde::Serializer>(
    t: &chrono::DateTime<chrono::FixedOffset>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

impl HoursNow {
    /// The state of `hours` at `now`; `None` for a time of day out of range
    /// (only a hand-made IR has one).
    pub fn at(
        hours: &stackc_core::ir::WorkingHours,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<HoursNow> {
        let state = hours.state_at(now)?;
        Some(HoursNow {
            hours: hours.to_string(),
            open: state.open,
            next_change: state.next_change.fixed_offset(),
        })
    }

    /// `open, stops Tue 2026-11-24 20:00 +01:00` or `closed (layers at 0),
    /// starts ...`.
    fn describe(&self) -> String {
        let when = self.next_change.format("%a %Y-%m-%d %H:%M %:z");
        if self.open {
            format!("open, stops {when}")
        } else {
            format!("closed (layers at 0), starts {when}")
        }
    }
}

/// What `stackc status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport<'a> {
    /// `<stack>-<env>`.
    pub stack: &'a str,
    /// CloudFormation stack status.
    pub status: &'a StackStatus,
    /// Stack outputs.
    pub outputs: &'a [(String, String)],
    /// Working hours of the environment, if it has any.
    pub hours: Option<HoursNow>,
    /// Instances per layer.
    pub layers: &'a [(String, Vec<Instance>)],
    /// The layers whose group launches no instance (its Launch process is
    /// suspended after a repeated failed setup).
    pub launches_suspended: &'a [String],
}

/// What `stackc status` says of a layer whose launches are suspended.
pub const LAUNCHES_SUSPENDED: &str = "launches suspended after repeated failed setups: fix the cause, then `stackc deploy` resumes them";

/// Renders `stackc status` for people.
pub fn render_status(report: &StatusReport<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", report.stack, report.status);
    for (k, v) in report.outputs {
        let _ = writeln!(s, "  {k} = {v}");
    }
    if let Some(h) = &report.hours {
        let _ = writeln!(s, "working hours {}: {}", h.hours, h.describe());
    }
    for (layer, instances) in report.layers {
        let _ = writeln!(s, "layer {layer}: {} instance(s)", instances.len());
        if report.launches_suspended.contains(layer) {
            let _ = writeln!(s, "  {LAUNCHES_SUSPENDED}");
        }
        for i in instances {
            let line = format!(
                "  {:<20} {:<14} {:<12} {:<15} {}",
                i.id,
                i.state(),
                i.zone,
                i.private_ip.as_deref().unwrap_or("-"),
                i.last_run
                    .as_deref()
                    .map(|r| format!("last run: {r}"))
                    .unwrap_or_else(|| "no lifecycle run yet".to_string())
            );
            let _ = writeln!(s, "{}", line.trim_end());
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

    fn instance(lifecycle: &str, last_run: Option<&str>) -> Instance {
        Instance {
            id: "i-0123456789abcdef0".into(),
            group: "shop-production-web".into(),
            lifecycle: lifecycle.into(),
            zone: "eu-west-1a".into(),
            private_ip: Some("10.0.1.10".into()),
            last_run: last_run.map(str::to_string),
        }
    }

    #[test]
    fn a_failed_setup_shows_as_setup_failed_until_the_instance_is_gone() {
        let failed = Some("setup failed 2026-12-02T01:00:00Z");
        assert_eq!(instance("Pending:Wait", None).state(), "booting");
        let running = Some("setup started 2026-12-02T00:58:00Z");
        assert_eq!(instance("Pending:Wait", running).state(), "running_setup");
        assert_eq!(instance("Pending:Wait", failed).state(), "setup_failed");
        assert_eq!(instance("Terminating:Wait", failed).state(), "setup_failed");
        assert_eq!(instance("Terminated", failed).state(), "terminated");
        // Only setup's failure changes the state; a failed deploy leaves the
        // instance online (OpsWorks did the same) and shows in the last run.
        let deploy = Some("deploy failed 2026-12-02T01:00:00Z");
        assert_eq!(instance("InService", deploy).state(), "online");
        let ok = Some("setup succeeded 2026-12-02T01:00:00Z");
        assert_eq!(instance("InService", ok).state(), "online");
    }

    fn madrid() -> stackc_core::ir::WorkingHours {
        let (days, start, end) = stackc_core::units::working_hours("mon-fri 08:00-20:00").unwrap();
        stackc_core::ir::WorkingHours {
            days,
            start,
            end,
            timezone: "Europe/Madrid".parse().unwrap(),
            span: Default::default(),
        }
    }

    #[test]
    fn status_says_which_layers_launch_no_instance() {
        let layers = vec![
            (
                "web".to_string(),
                vec![instance(
                    "Standby",
                    Some("setup failed 2026-12-02T09:00:00Z"),
                )],
            ),
            ("api".to_string(), vec![]),
        ];
        let suspended = vec!["web".to_string()];
        let report = StatusReport {
            stack: "shop-production",
            status: &StackStatus::UpdateComplete,
            outputs: &[],
            hours: None,
            layers: &layers,
            launches_suspended: &suspended,
        };
        let text = render_status(&report);
        assert_eq!(
            text.lines().nth(1),
            Some("layer web: 1 instance(s)"),
            "{text}"
        );
        assert_eq!(
            text.lines().nth(2).map(str::trim),
            Some(LAUNCHES_SUSPENDED),
            "{text}"
        );
        assert!(text.ends_with("layer api: 0 instance(s)\n"), "{text}");
    }

    #[test]
    fn status_says_when_the_stack_next_stops_or_starts() {
        use chrono::TimeZone;
        let outputs = vec![("WebLoadBalancerDns".to_string(), "web.example".to_string())];
        let layers = vec![(
            "web".to_string(),
            vec![instance(
                "InService",
                Some("configure succeeded 2026-12-02T09:00:00Z"),
            )],
        )];
        // Wednesday 10:00 UTC = 11:00 in Madrid: open until 20:00 CET.
        let wednesday = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
        let report = StatusReport {
            stack: "shop-test",
            status: &StackStatus::UpdateComplete,
            outputs: &outputs,
            hours: HoursNow::at(&madrid(), wednesday),
            layers: &layers,
            launches_suspended: &[],
        };
        assert_eq!(
            render_status(&report),
            "shop-test: UPDATE_COMPLETE\n  \
             WebLoadBalancerDns = web.example\n\
             working hours mon-fri 08:00-20:00 (Europe/Madrid): open, stops Wed 2026-12-02 20:00 +01:00\n\
             layer web: 1 instance(s)\n  \
             i-0123456789abcdef0  online         eu-west-1a   10.0.1.10       last run: configure succeeded 2026-12-02T09:00:00Z\n"
        );
        // Friday 21:00 in Madrid: closed until Monday 08:00.
        let friday = chrono::Utc.with_ymd_and_hms(2026, 12, 4, 20, 0, 0).unwrap();
        let h = HoursNow::at(&madrid(), friday).unwrap();
        assert!(!h.open);
        assert_eq!(h.next_change.to_rfc3339(), "2026-12-07T08:00:00+01:00");
        assert_eq!(
            serde_json::to_value(&h).unwrap()["next_change"],
            "2026-12-07T08:00:00+01:00"
        );
        assert_eq!(
            h.describe(),
            "closed (layers at 0), starts Mon 2026-12-07 08:00 +01:00"
        );
    }
}
