//! `stackc logs`: the layers' log files and lifecycle runs from
//! CloudWatch Logs, of every deployment of an environment (with
//! `targets`, of each stack instance: `super::across`).

use std::io::Write;
use std::time::Duration;

use stackc_core::emit::operations::Operations;
use stackc_deploy::aws::Aws;
use stackc_deploy::cloud::CloudError;
use stackc_deploy::ops;

use super::cloud::Target;
use super::fleet::{block_on, fail, fail_to, resolve, Resolved, Which};
use super::Status;
use crate::cli::MessageFormat;

pub fn run(
    format: MessageFormat,
    which: &Which<'_>,
    layer: Option<&str>,
    since: &str,
    follow: bool,
    reach: &super::across::Reach<'_>,
    target: &Target,
) -> Status {
    let Ok(since_secs) = stackc_core::units::duration_secs(since) else {
        eprintln!("error: `{since}` is not a duration; write e.g. --since 30m, 2h or 1d");
        return Status::Usage;
    };
    let resolved = match resolve(format, which, target) {
        Ok(r) => r,
        Err(s) => return s,
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let from = now_ms - (since_secs as i64) * 1000;
    let reading = Reading {
        format,
        layer,
        from,
        follow,
    };
    if let Some(targets) = resolved.stack().and_then(|s| s.targets.clone()) {
        return super::across::logs(resolved, &targets, &reading, reach, target);
    }
    if let Err(status) = super::across::no_targets(&resolved, reach) {
        return status;
    }
    block_on(async {
        let aws = Aws::connect(&resolved.region, target.profile).await;
        let mut err = std::io::stderr();
        let mut log = match Log::open(&aws, &resolved, layer, &mut err).await {
            Ok(l) => l,
            Err(s) => return s,
        };
        let mut from = from;
        loop {
            if let Err(e) = log.poll(&aws, &reading, &mut from, None).await {
                return fail(e);
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

/// What `stackc logs` reads and how it prints.
pub(super) struct Reading<'a> {
    pub(super) format: MessageFormat,
    pub(super) layer: Option<&'a str>,
    /// Milliseconds since the epoch: lines from then on.
    pub(super) from: i64,
    pub(super) follow: bool,
}

/// One deployment's logs being read: its layers, and the lines printed.
pub(super) struct Log {
    operations: Operations,
    layers: Vec<String>,
    seen: std::collections::HashSet<(String, String, i64, String)>,
}

impl Log {
    /// The deployment's layers (`layer`, or all) from its template; the
    /// logs outlive the stack (destroy keeps them), so a stack that is
    /// gone is read from the file's names.
    pub(super) async fn open(
        aws: &Aws,
        resolved: &Resolved,
        layer: Option<&str>,
        err: &mut dyn Write,
    ) -> Result<Log, Status> {
        let operations = match (ops::deployed(aws, resolved.lookup()).await, resolved.stack()) {
            (Ok(Some(ops::Deployed { operations: Some(o), .. })), _) => o,
            (Ok(_), Some(stack)) => Operations::of(stack),
            (Ok(_), None) => {
                return Err(fail_to(
                    err,
                    format!(
                        "{} is not deployed with a record of its layers; name the stack file instead of --stack",
                        resolved.name
                    ),
                ))
            }
            (Err(e), _) => return Err(fail_to(err, e)),
        };
        let layers: Vec<String> = match layer {
            Some(l) if operations.layer(l).is_none() => {
                let names: Vec<&str> = operations.layers.iter().map(|l| l.name.as_str()).collect();
                let _ = writeln!(
                    err,
                    "error: {} has no layer `{l}`; layers: {}",
                    resolved.name,
                    names.join(", ")
                );
                return Err(Status::Usage);
            }
            Some(l) => vec![l.to_string()],
            None => operations.layers.iter().map(|l| l.name.clone()).collect(),
        };
        Ok(Log {
            operations,
            layers,
            seen: Default::default(),
        })
    }

    /// Prints the lines since `from` not printed yet (after `target`,
    /// `ACCOUNT/REGION`, for a StackSet's instance) and moves `from` on.
    pub(super) async fn poll(
        &mut self,
        aws: &Aws,
        reading: &Reading<'_>,
        from: &mut i64,
        target: Option<&str>,
    ) -> Result<(), CloudError> {
        let layers: Vec<&str> = self.layers.iter().map(String::as_str).collect();
        let groups = ops::log_groups(aws, &self.operations, &layers).await?;
        let events = ops::log_events(aws, &groups, *from).await?;
        for (layer, e) in events {
            if self
                .seen
                .insert((e.group.clone(), e.stream.clone(), e.time, e.message.clone()))
            {
                let line = if reading.format == MessageFormat::Json {
                    let mut value = serde_json::json!({
                        "layer": layer, "stream": e.stream, "timestamp": e.time, "message": e.message,
                    });
                    if let Some(t) = target {
                        value["target"] = serde_json::json!(t);
                    }
                    value.to_string()
                } else {
                    let at = target.map(|t| format!("{t} ")).unwrap_or_default();
                    format!("{at}{layer} {} {}", e.stream, e.message)
                };
                crate::output::stdout(&format!("{line}\n"));
                *from = (*from).max(e.time);
            }
        }
        Ok(())
    }
}
