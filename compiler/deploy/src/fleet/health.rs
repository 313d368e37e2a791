//! After a deploy: the load balancers' health checks watched, and the apps
//! rolled back where they fail.

use std::fmt::Write as _;
use std::time::Duration;

use super::{run_and_wait, Fleet, Invocation, TargetHealth};
use crate::cloud::CloudError;

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
