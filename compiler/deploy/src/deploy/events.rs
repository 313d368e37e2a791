//! Following a stack: its new events printed (above a progress bar on a
//! terminal) until it settles, and what failed.

use std::collections::HashSet;
use std::time::Duration;

use super::{retry, DeployError, Options, Ui};
use crate::cloud::{Cloud, StackEvent, StackInfo, StackStatus, Status};

/// The ids of the events the stack already has, so following it shows only
/// what happens from now on.
pub(super) async fn seen_events<C: Cloud>(cloud: &C, stack: &str) -> HashSet<String> {
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
