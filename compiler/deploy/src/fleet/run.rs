//! Lifecycle commands on the fleet: the instances online, and a command
//! sent by SSM Run Command and waited for.

use std::time::Duration;

use super::{Fleet, Invocation};
use crate::cloud::CloudError;

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
