//! `stackc deploy`, `diff` and `destroy` of an environment with targets:
//! one StackSet, administered from the stack's region, its artifacts in a
//! bucket per target region (see [`stackc_deploy::stackset`]).

use std::path::Path;

use stackc_core::diag::{Code, Diagnostic, Span};
use stackc_core::ir::Stack;
use stackc_deploy::aws::Aws;
use stackc_deploy::deploy::{Options, Ui};
use stackc_deploy::lock::Holder;
use stackc_deploy::stackset::{self, Regional, TargetsInput};

use super::cloud::{
    build_with_lock, confirm, ctrl_c, pin, runtime, status_of, terminal_ui, Action, LocalLock,
    Target, Targeting,
};
use super::{SourceFile, Status};
use crate::cli::MessageFormat;
use crate::output;

/// Runs deploy, diff or destroy of `stack`, which has targets.
#[allow(clippy::too_many_arguments)]
pub fn run(
    format: MessageFormat,
    path: &Path,
    (file, stack): (&SourceFile, &Stack),
    out: &Path,
    target: &Target,
    action: Action<'_>,
    opts: Options,
    targeting: &Targeting<'_>,
) -> Status {
    let Some(targets) = stack.targets.as_ref() else {
        // The caller sends only environments with targets here.
        eprintln!("error: environment `{}` has no `targets`", stack.env);
        return Status::UserError;
    };
    let name = stack.qualified_name();
    match action {
        Action::Deploy { plan: Some(_) } | Action::Diff { save: Some(_) } => {
            eprintln!(
                "error: environment `{}` has `targets` (one StackSet): saved plans (`diff --out`, `deploy --plan`) are change sets of one stack, and a StackSet has none\nhelp: review with `stackc diff --env {}`, then `stackc deploy --env {}`",
                stack.env, stack.env, stack.env
            );
            return Status::UserError;
        }
        _ => {}
    }
    let only = match targeting.only.map(|t| stackset::parse_target(targets, t)) {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(m)) => {
            eprintln!("error: {m}");
            return Status::Usage;
        }
    };
    let input = TargetsInput {
        targets,
        prefs: targeting.prefs,
        only,
    };
    // The StackSet is administered from the stack's region (or --region).
    let admin_region = target.region.unwrap_or(&stack.region).to_string();
    let operation = match action {
        Action::Deploy { .. } => "deploy",
        Action::Diff { .. } => "diff",
        Action::Destroy => "destroy",
    };
    let _local = match LocalLock::take(out, &Holder::here(&name, operation)) {
        Ok(l) => l,
        Err(status) => return status,
    };
    if let Action::Destroy = action {
        return status_of(runtime().block_on(async {
            let aws = Aws::connect(&admin_region, target.profile).await;
            let (mut err, mut out) = (std::io::stderr(), std::io::stdout());
            let mut ask = confirm;
            let mut ui = terminal_ui(format, &mut err, &mut out, &mut ask);
            stackset::destroy(&aws, &mut ui, &opts, &name, &admin_region, &input, ctrl_c()).await
        }));
    }
    if input.only.is_some() && matches!(action, Action::Deploy { .. }) {
        eprintln!(
            "error: `stackc deploy` deploys every target\nhelp: `stackc diff --target` shows one"
        );
        return Status::Usage;
    }
    let (mut artifacts, lock) = match build_with_lock(format, path, file, stack, out) {
        Ok(x) => x,
        Err(status) => return status,
    };
    // Every target region boots from the images the lock file pins there.
    let mut images = Vec::new();
    for region in stack.regions() {
        if let Err(status) = pin(format, path, &lock, stack, region, None, &mut artifacts) {
            return status;
        }
        images.push((region.to_string(), artifacts.images.clone()));
    }
    if let Err(status) = runtime().block_on(offered_everywhere(format, file, stack, target)) {
        return status;
    }
    let diff = matches!(action, Action::Diff { .. });
    status_of(runtime().block_on(async {
        let admin = Aws::connect(&admin_region, target.profile).await;
        let mut clients = Vec::new();
        for (region, _) in &images {
            clients.push(Aws::connect(region, target.profile).await);
        }
        let regions: Vec<Regional<'_, Aws>> = images
            .iter()
            .zip(&clients)
            .map(|((region, images), cloud)| Regional {
                region: region.clone(),
                cloud,
                images: images.clone(),
            })
            .collect();
        let (mut err, mut out) = (std::io::stderr(), std::io::stdout());
        let mut ask = confirm;
        let mut ui: Ui<'_> = terminal_ui(format, &mut err, &mut out, &mut ask);
        if diff {
            stackset::diff(
                &admin,
                &regions,
                &mut ui,
                &opts,
                &artifacts,
                &input,
                ctrl_c(),
            )
            .await
        } else {
            stackset::deploy(
                &admin,
                &regions,
                &mut ui,
                &opts,
                &artifacts,
                &input,
                ctrl_c(),
            )
            .await
        }
    }))
}

/// Refuses (`instance_type_not_offered`, at the layer) an instance type a
/// target region does not offer, asking EC2 in each target region.
async fn offered_everywhere(
    format: MessageFormat,
    file: &SourceFile,
    stack: &Stack,
    target: &Target<'_>,
) -> Result<(), Status> {
    let mut clients = Vec::new();
    for region in stack.regions() {
        clients.push((
            region.to_string(),
            Aws::connect(region, target.profile).await,
        ));
    }
    let regions: Vec<(String, &Aws)> = clients.iter().map(|(r, c)| (r.clone(), c)).collect();
    let layers: Vec<(String, String)> = stack
        .layers
        .iter()
        .map(|l| (l.name.clone(), l.instance_type.name.clone()))
        .collect();
    let missing = stackset::offered::not_offered(&regions, &layers)
        .await
        .map_err(|e| {
            eprintln!("error: {e}");
            Status::UserError
        })?;
    if missing.is_empty() {
        return Ok(());
    }
    let diags: Vec<Diagnostic> = missing
        .iter()
        .map(|m| {
            let span = stack
                .layers
                .iter()
                .find(|l| l.name == m.layer)
                .map_or(Span::new(0, 0), |l| l.span);
            Diagnostic::error(
                Code::InstanceTypeNotOffered,
                span,
                format!(
                    "layer `{}` runs {}, which {} does not offer (a target region of environment `{}`)",
                    m.layer, m.instance_type, m.region, stack.env
                ),
            )
            .label("not offered in every target region")
            .help(format!(
                "give the layer a type {} offers, for every environment or in `environment {} {{ layer {} {{ instance-type ... }} }}`",
                m.region, stack.env, m.layer
            ))
        })
        .collect();
    output::print(format, &diags, &file.name(), &file.text);
    Err(Status::UserError)
}

/// `stackc status` of an environment with targets: a row per stack
/// instance (per account and region).
pub(super) fn status(
    format: MessageFormat,
    name: &str,
    region: &str,
    targets: &stackc_core::ir::Targets,
    only: Option<&str>,
    target: &Target,
) -> Status {
    let only = match only.map(|t| stackset::parse_target(targets, t)) {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(m)) => {
            eprintln!("error: {m}");
            return Status::Usage;
        }
    };
    let rows = runtime().block_on(async {
        let aws = Aws::connect(region, target.profile).await;
        stackset::status(&aws, name, only.as_ref()).await
    });
    let rows = match rows {
        Ok(Some(rows)) => rows,
        Ok(None) => {
            eprintln!("error: the StackSet {name} does not exist in {region}\nhelp: deploy it with `stackc deploy`");
            return Status::UserError;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Status::UserError;
        }
    };
    let text = match format {
        MessageFormat::Json => {
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "account": i.account,
                        "region": i.region,
                        "organizational_unit": i.unit,
                        "status": i.status,
                        "detailed_status": i.detailed,
                        "reason": i.reason,
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::json!({ "stack_set": name, "instances": rows })
            )
        }
        MessageFormat::Human => {
            let mut text = format!(
                "StackSet {name} ({region}): {} stack instance(s)\n",
                rows.len()
            );
            for i in &rows {
                let unit = i
                    .unit
                    .as_deref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default();
                let detailed = i
                    .detailed
                    .as_deref()
                    .map(|d| format!(" {d}"))
                    .unwrap_or_default();
                let reason = i
                    .reason
                    .as_deref()
                    .filter(|r| !r.is_empty())
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                text.push_str(&format!(
                    "  {}/{}{unit}: {}{detailed}{reason}\n",
                    i.account, i.region, i.status
                ));
            }
            text
        }
    };
    output::stdout(&text);
    Status::Ok
}
