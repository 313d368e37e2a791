//! `stackc run`, `stackc logs` and `stackc drift` of an environment with `targets`: on
//! each stack instance of its StackSet (or `--target`'s), in its account
//! and region, with credentials from assuming a role there (see
//! [`stackc_deploy::stackset::reach`]). Every line a target's run prints
//! starts with its `ACCOUNT/REGION`; a target that fails is said and the
//! others still run; exit 1 when any failed.

use std::io::Write;
use std::time::Duration;

use stackc_core::emit::operations::Operations;
use stackc_core::ir::Targets;
use stackc_deploy::aws::{Assumer, Aws};
use stackc_deploy::fleet::BundleAt;
use stackc_deploy::stackset::reach::{self, Failed, OnTarget, Reached, Role};
use stackc_deploy::stackset::{self};

use super::cloud::{runtime, Target};
use super::fleet::{
    build_from_disk, early_custom_json, fail, operated_to, run_on, store_custom_json, CustomJson,
    Deployment, Publish, Request, Resolved,
};
use super::logs::{Log, Reading};
use super::Status;
use crate::cli::MessageFormat;

/// Which stack instances, and the role assumed in their accounts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reach<'a> {
    /// `--target ACCOUNT/REGION`: only that one.
    pub only: Option<&'a str>,
    /// `--role-name`: instead of the permission model's default role.
    pub role_name: Option<&'a str>,
}

/// `--target` and `--role-name` mean nothing without targets: refused.
pub(super) fn no_targets(resolved: &Resolved, reach: &Reach<'_>) -> Result<(), Status> {
    let given = match (reach.only, reach.role_name) {
        (Some(_), _) => "--target",
        (None, Some(_)) => "--role-name",
        (None, None) => return Ok(()),
    };
    let how = if resolved.file.is_none() {
        " (with --stack; name the stack file to reach its targets)"
    } else {
        ""
    };
    eprintln!(
        "error: {given} is for an environment with `targets`, and {} has none{how}",
        resolved.name
    );
    Err(Status::Usage)
}

/// The stack instances to act on, the role, and what assumes it: from
/// the administering region (`resolved.region`, the stack's or
/// `--region`).
async fn reached(
    resolved: &Resolved,
    only: Option<&stackset::Key>,
    role: &Role,
    session: &str,
    target: &Target<'_>,
) -> Result<(Vec<Reached>, Assumer), Status> {
    let config = Aws::config(&resolved.region, target.profile).await;
    let admin = Aws::from_config(&config);
    let name = &resolved.name;
    let instances = match reach::instances(&admin, name, only).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            eprintln!(
                "error: the StackSet {name} does not exist in {}\nhelp: deploy it with `stackc deploy`",
                resolved.region
            );
            return Err(Status::UserError);
        }
        Err(e) => return Err(fail(e)),
    };
    if instances.is_empty() {
        eprintln!(
            "error: the StackSet {name} has no stack instance{}\nhelp: `stackc deploy` creates them",
            only.map(|(id, r)| format!(" for {id}/{r}"))
                .unwrap_or_default()
        );
        return Err(Status::UserError);
    }
    eprintln!(
        "{} target(s) of {name}, as role {}",
        instances.len(),
        role.name
    );
    Ok((instances, Assumer::new(&config, session)))
}

/// `--target` parsed against the file's targets, and the role to assume.
fn reach_of(
    resolved: &Resolved,
    targets: &Targets,
    reach: &Reach<'_>,
) -> Result<(Option<stackset::Key>, Role), Status> {
    let only = match reach.only.map(|t| stackset::parse_target(targets, t)) {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(m)) => {
            eprintln!("error: {m}");
            return Err(Status::Usage);
        }
    };
    let name = reach
        .role_name
        .unwrap_or(reach::default_role(targets.permission_model));
    Ok((only, Role::new(name, &resolved.region)))
}

/// Exit 1 when any target failed (each was said as it failed).
fn outcome(failed: &[Failed]) -> Status {
    if failed.is_empty() {
        Status::Ok
    } else {
        Status::UserError
    }
}

/// `stackc run` on every target (or `--target`'s).
pub(super) fn run(
    format: MessageFormat,
    request: &Request<'_>,
    resolved: Resolved,
    targets: &Targets,
    target: &Target,
) -> Status {
    // The file names the layers and apps every target was deployed with.
    if let Some(stack) = resolved.stack() {
        let file = Operations::of(stack);
        if let Some(l) = request.layer.filter(|l| file.layer(l).is_none()) {
            eprintln!("error: {} has no layer `{l}`", resolved.name);
            return Status::Usage;
        }
        if let Some(a) = request
            .app
            .filter(|a| !file.apps.iter().any(|x| x.name == *a))
        {
            eprintln!("error: {} has no app `{a}`", resolved.name);
            return Status::Usage;
        }
    }
    let (only, role) = match reach_of(&resolved, targets, &request.reach) {
        Ok(x) => x,
        Err(s) => return s,
    };
    // What the run carries is read and built before AWS is asked
    // anything, from the stack file (which names the targets).
    let custom_json = match early_custom_json(request, &resolved) {
        Ok(c) => c,
        Err(s) => return s,
    };
    let built = match build_from_disk(format, request.event, &resolved) {
        Ok(b) => b,
        Err(s) => return s,
    };
    runtime().block_on(async {
        let (instances, assumer) =
            match reached(&resolved, only.as_ref(), &role, "stackc-run", target).await {
                Ok(x) => x,
                Err(s) => return s,
            };
        // The bundle and the custom JSON go to each target region's bucket
        // in the administering account, where that region's instances
        // read them.
        let bundles = match regional_publish(
            &resolved,
            &instances,
            built.as_deref(),
            custom_json.as_ref(),
            target,
        )
        .await
        {
            Ok(b) => b,
            Err(e) => return fail(e),
        };
        let mut job = RunJob {
            format,
            request,
            resolved,
            bundles,
            custom_json: custom_json.as_ref().map(|(sha, _)| sha.as_str()),
        };
        let failed = reach::each(
            &assumer,
            &instances,
            &role,
            &mut job,
            &mut std::io::stderr(),
        )
        .await;
        outcome(&failed)
    })
}

/// Publishes the build (recipes, update-cookbooks) and the custom JSON to
/// the artifact bucket of every region of `instances` (the
/// administering account's, made by `stackc bootstrap`); the bundle in
/// each region's bucket.
async fn regional_publish(
    resolved: &Resolved,
    instances: &[Reached],
    built: Option<&std::path::Path>,
    custom_json: Option<&CustomJson>,
    target: &Target<'_>,
) -> Result<Vec<(String, BundleAt)>, stackc_deploy::deploy::DeployError> {
    let mut bundles = Vec::new();
    if built.is_none() && custom_json.is_none() {
        return Ok(bundles);
    }
    let artifacts = built
        .map(stackc_deploy::deploy::Artifacts::load)
        .transpose()?;
    let operations = resolved.stack().map(Operations::of);
    let mut regions: Vec<&str> = instances.iter().map(|i| i.region.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    for region in regions {
        let aws = Aws::connect(region, target.profile).await;
        let bucket = stackc_deploy::stackset::regional_bucket(&aws, &resolved.name, region).await?;
        if let Some(a) = &artifacts {
            let at = stackc_deploy::fleet::upload_bundle(&aws, a, &bucket).await?;
            bundles.push((region.to_string(), at));
        }
        if let (Some((sha, bytes)), Some(ops)) = (custom_json, &operations) {
            store_custom_json(&aws, &bucket, ops, sha, bytes).await?;
        }
    }
    Ok(bundles)
}

/// The run on one stack instance: `resolved` moved to its region and
/// stack.
struct RunJob<'a> {
    format: MessageFormat,
    request: &'a Request<'a>,
    resolved: Resolved,
    /// The bundle published in each region, for recipes and
    /// update-cookbooks.
    bundles: Vec<(String, BundleAt)>,
    /// The custom JSON's sha256, stored in every region's bucket.
    custom_json: Option<&'a str>,
}

impl OnTarget<Aws> for RunJob<'_> {
    async fn on(&mut self, target: &Reached, aws: &Aws) -> bool {
        let label = target.label();
        self.resolved.region = target.region.clone();
        self.resolved.stack_id = target.stack_id.clone();
        let mut err = Prefixed::new(std::io::stderr(), &label);
        let Ok((_, operations)) = operated_to(aws, &self.resolved, &mut err).await else {
            return false;
        };
        let bundle = self
            .bundles
            .iter()
            .find(|(r, _)| *r == target.region)
            .map(|(_, at)| at);
        let on = Deployment {
            resolved: &self.resolved,
            aws,
            operations: &operations,
            publish: Publish::Regional {
                bundle,
                custom_json: self.custom_json,
            },
            target: Some(label),
        };
        run_on(self.format, self.request, &on, &mut err).await == Status::Ok
    }
}

/// `stackc logs` of every target (or `--target`'s): each target's lines
/// start with its `ACCOUNT/REGION`; with `--follow`, every target is read
/// in turn each round.
pub(super) fn logs(
    mut resolved: Resolved,
    targets: &Targets,
    reading: &Reading<'_>,
    reach: &Reach<'_>,
    target: &Target,
) -> Status {
    if let (Some(l), Some(stack)) = (reading.layer, resolved.stack()) {
        if Operations::of(stack).layer(l).is_none() {
            eprintln!("error: {} has no layer `{l}`", resolved.name);
            return Status::Usage;
        }
    }
    let (only, role) = match reach_of(&resolved, targets, reach) {
        Ok(x) => x,
        Err(s) => return s,
    };
    runtime().block_on(async {
        let (instances, assumer) =
            match reached(&resolved, only.as_ref(), &role, "stackc-logs", target).await {
                Ok(x) => x,
                Err(s) => return s,
            };
        let mut failed = Vec::new();
        let mut open = Vec::new();
        for t in &instances {
            let aws = match reach::connect(&assumer, t, &role, &mut std::io::stderr()).await {
                Ok(aws) => aws,
                Err(f) => {
                    failed.push(f);
                    continue;
                }
            };
            resolved.region = t.region.clone();
            resolved.stack_id = t.stack_id.clone();
            let label = t.label();
            let mut err = Prefixed::new(std::io::stderr(), &label);
            match Log::open(&aws, &resolved, reading.layer, &mut err).await {
                Ok(log) => open.push((label, aws, log, reading.from)),
                Err(_) => failed.push(Failed {
                    target: label,
                    reason: "its logs cannot be read".into(),
                }),
            }
        }
        loop {
            let mut i = 0;
            while i < open.len() {
                let (label, aws, log, from) = &mut open[i];
                match log.poll(aws, reading, from, Some(label)).await {
                    Ok(()) => i += 1,
                    Err(e) => {
                        eprintln!("error: {label}: {e}");
                        failed.push(Failed {
                            target: label.clone(),
                            reason: e.to_string(),
                        });
                        open.remove(i);
                    }
                }
            }
            if !reading.follow || open.is_empty() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        if !failed.is_empty() {
            let names: Vec<&str> = failed.iter().map(|f| f.target.as_str()).collect();
            eprintln!(
                "error: {} of {} target(s) failed: {}",
                failed.len(),
                instances.len(),
                names.join(", ")
            );
        }
        outcome(&failed)
    })
}

/// `stackc drift` of every target (or `--target`'s): each stack
/// instance's report, every line starting with its `ACCOUNT/REGION` (in
/// JSON, one object per target with a `target`). Exit 1 when a target
/// failed, else 3 when one drifted.
pub(super) fn drift(
    format: MessageFormat,
    resolved: Resolved,
    targets: &Targets,
    polling: stackc_deploy::drift::Polling,
    reach: &Reach<'_>,
    target: &Target,
) -> Status {
    let (only, role) = match reach_of(&resolved, targets, reach) {
        Ok(x) => x,
        Err(s) => return s,
    };
    runtime().block_on(async {
        let (instances, assumer) =
            match reached(&resolved, only.as_ref(), &role, "stackc-drift", target).await {
                Ok(x) => x,
                Err(s) => return s,
            };
        let mut job = DriftJob {
            format,
            resolved,
            polling,
            drifted: false,
        };
        let mut err = std::io::stderr();
        let work = reach::each(&assumer, &instances, &role, &mut job, &mut err);
        let failed = tokio::select! {
            failed = work => failed,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("\ninterrupted: nothing was changed (drift detection only reads)");
                return Status::Interrupted;
            }
        };
        match outcome(&failed) {
            Status::Ok if job.drifted => Status::Drifted,
            status => status,
        }
    })
}

/// The drift of one stack instance: `resolved` moved to its region and
/// stack.
struct DriftJob {
    format: MessageFormat,
    resolved: Resolved,
    polling: stackc_deploy::drift::Polling,
    /// Whether any target drifted.
    drifted: bool,
}

impl OnTarget<Aws> for DriftJob {
    async fn on(&mut self, target: &Reached, aws: &Aws) -> bool {
        let label = target.label();
        self.resolved.region = target.region.clone();
        self.resolved.stack_id = target.stack_id.clone();
        let mut err = Prefixed::new(std::io::stderr(), &label);
        let Ok(deployed) = operated_to(aws, &self.resolved, &mut err).await else {
            return false;
        };
        let status = super::drift::check_on(
            self.format,
            &self.resolved,
            aws,
            (&deployed.0, &deployed.1),
            self.polling,
            Some(&label),
            &mut err,
        )
        .await;
        self.drifted |= status == Status::Drifted;
        matches!(status, Status::Ok | Status::Drifted)
    }
}

/// A writer that starts every line with `PREFIX: `, so a target's output
/// says whose it is.
pub(super) struct Prefixed<W: Write> {
    inner: W,
    prefix: String,
    at_start: bool,
}

impl<W: Write> Prefixed<W> {
    pub(super) fn new(inner: W, prefix: &str) -> Prefixed<W> {
        Prefixed {
            inner,
            prefix: format!("{prefix}: "),
            at_start: true,
        }
    }
}

impl<W: Write> Write for Prefixed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for line in buf.split_inclusive(|&b| b == b'\n') {
            if self.at_start {
                self.inner.write_all(self.prefix.as_bytes())?;
            }
            self.inner.write_all(line)?;
            self.at_start = line.ends_with(b"\n");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_a_target_says_whose_it_is() {
        let mut out = Prefixed::new(Vec::new(), "111111111111/eu-west-1");
        write!(out, "i-1: Success\ni-2: ").unwrap();
        writeln!(out, "Failed").unwrap();
        assert_eq!(
            String::from_utf8(out.inner).unwrap(),
            "111111111111/eu-west-1: i-1: Success\n111111111111/eu-west-1: i-2: Failed\n"
        );
    }
}
