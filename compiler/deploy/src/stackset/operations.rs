//! A plan run: one StackSet operation after another (a StackSet runs one
//! at a time), each followed until it ends, every account and region's
//! progress said as it changes, and each failed one reported with
//! CloudFormation's reason.

use std::cell::RefCell;
use std::fmt;

use super::plan::{who, Desired, Plan, Step};
use super::{Prefs, StackSets, TargetResult};
use crate::deploy::{DeployError, Options, Ui};

/// A target an operation failed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `ACCOUNT/REGION`.
    pub target: String,
    /// CloudFormation's StatusReason.
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The operations that ended, each described.
    pub done: Vec<String>,
    /// The targets that failed (within tolerance when `stopped` is none).
    pub failed: Vec<Failure>,
    /// The operation that failed beyond the tolerance (or was stopped),
    /// with CloudFormation's reason.
    pub stopped: Option<String>,
    /// The operations not started because one before failed.
    pub not_started: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.stopped {
            write!(f, "the StackSet operation failed: {s}")?;
        } else {
            write!(f, "{} operation(s) done", self.done.len())?;
        }
        for x in &self.failed {
            write!(f, "\n  failed: {}: {}", x.target, x.reason)?;
        }
        for n in &self.not_started {
            write!(f, "\n  not started: {n}")?;
        }
        Ok(())
    }
}

/// Runs `plan`'s steps in order. `current` holds the id of the operation
/// running (what Ctrl-C leaves to CloudFormation). An AWS error stops the
/// run with that error; an operation that fails beyond the tolerance
/// stops it with a [`Report`] saying what failed and what was not started.
pub async fn run_operations<S: StackSets>(
    sets: &S,
    ui: &mut Ui<'_>,
    opts: &Options,
    plan: &Plan,
    desired: &Desired,
    prefs: &Prefs,
    current: &RefCell<Option<String>>,
) -> Result<Report, DeployError> {
    let name = &plan.name;
    let mut report = Report::default();
    for step in &plan.steps {
        let what = step.describe(name);
        if report.stopped.is_some() {
            report.not_started.push(what);
            continue;
        }
        ui.say(&format!("{what}..."));
        let id = match step {
            Step::CreateStackSet => {
                sets.create_stack_set(&desired.request).await?;
                report.done.push(what);
                continue;
            }
            Step::UpdateStackSet { .. } => sets.update_stack_set(&desired.request, prefs).await?,
            Step::Delete { region, ids } => {
                sets.delete_instances(name, &who(plan.model, ids), region, prefs)
                    .await?
            }
            Step::Update { region, ids } => {
                sets.update_instances(
                    name,
                    &who(plan.model, ids),
                    region,
                    desired.overrides_of(region),
                    prefs,
                )
                .await?
            }
            Step::Create { region, ids } => {
                sets.create_instances(
                    name,
                    &who(plan.model, ids),
                    region,
                    desired.overrides_of(region),
                    prefs,
                )
                .await?
            }
        };
        *current.borrow_mut() = Some(id.clone());
        let (state, results) = follow_operation(sets, ui, opts, name, &id).await?;
        *current.borrow_mut() = None;
        for r in results.iter().filter(|r| r.status == "FAILED") {
            report.failed.push(Failure {
                target: format!("{}/{}", r.account, r.region),
                reason: r
                    .reason
                    .clone()
                    .unwrap_or_else(|| "CloudFormation gave no reason".into()),
            });
        }
        if state.status == "SUCCEEDED" {
            report.done.push(what);
        } else {
            report.stopped = Some(format!(
                "{what}: operation {id} {}{}",
                state.status,
                state.reason.map(|r| format!(" ({r})")).unwrap_or_default()
            ));
        }
    }
    Ok(report)
}

/// Follows an operation until it ends, saying each account and region's
/// status when it changes; returns its end and its results.
async fn follow_operation<S: StackSets>(
    sets: &S,
    ui: &mut Ui<'_>,
    opts: &Options,
    name: &str,
    id: &str,
) -> Result<(super::OperationState, Vec<TargetResult>), DeployError> {
    let mut seen: Vec<(String, String)> = Vec::new();
    loop {
        let state = crate::deploy::retry(opts, || sets.operation(name, id)).await?;
        let results = crate::deploy::retry(opts, || sets.operation_results(name, id)).await?;
        for r in &results {
            let target = format!("{}/{}", r.account, r.region);
            let line = match &r.reason {
                Some(reason) if r.status == "FAILED" => format!("{}: {reason}", r.status),
                _ => r.status.clone(),
            };
            if !seen.iter().any(|(t, l)| *t == target && *l == line) {
                seen.retain(|(t, _)| *t != target);
                ui.say(&format!("  {target}: {line}"));
                seen.push((target, line));
            }
        }
        if state.ended() {
            return Ok((state, results));
        }
        tokio::time::sleep(opts.poll).await;
    }
}
