//! `stackc lock`: pin the machine image of every region (every target
//! region of an environment with `targets`), operating system and
//! architecture the stack's environments use, and the Cinc package of
//! every operating system and architecture, in the lock file beside the
//! stack file (`stack.lock` for `stack.kdl`); and reading that file for
//! `deploy` and `diff`, which refuse an image or package it does not pin.

use std::collections::BTreeMap;
use std::path::Path;

use stackc_core::chef::Client;
use stackc_core::diag::{Code, Diagnostic, Span};
use stackc_core::lock::{self, CincNeed, Lock, Need};
use stackc_core::stdlib::Arch;
use stackc_deploy::aws::Aws;
use stackc_deploy::images::{self, Wanted};

use super::build::environments;
use super::cloud::{runtime, Target};
use super::{check::load, Status};
use crate::cli::MessageFormat;
use crate::output;

/// The lock file's text and what it pins; `None` when there is no lock
/// file. A lock file that does not parse is printed as diagnostics.
pub fn read(format: MessageFormat, path: &Path) -> Result<Option<(String, Lock)>, Status> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return Err(Status::UserError);
        }
    };
    match lock::parse(&text) {
        Ok(l) => Ok(Some((text, l))),
        Err(diags) => {
            output::print(format, &diags, &path.display().to_string(), &text);
            Err(Status::UserError)
        }
    }
}

/// The `image_not_locked` diagnostics for the images an environment needs
/// and the lock file lacks; `region_flag` is the `--region` deploy was given.
pub fn not_locked(
    stack_file: &Path,
    lock_path: &Path,
    lock_exists: bool,
    env: &str,
    region: &str,
    region_flag: Option<&str>,
    missing: &[Need],
) -> Vec<Diagnostic> {
    missing
        .iter()
        .map(|need| {
            let what = format!("{region} {} {}", need.os, need.arch);
            let message = if lock_exists {
                format!(
                    "{} pins no image for {what}, which environment `{env}` needs",
                    lock_path.display()
                )
            } else {
                format!(
                    "there is no lock file ({}) to pin the image for {what}, which environment `{env}` needs",
                    lock_path.display()
                )
            };
            let flag = region_flag.map(|r| format!(" --region {r}")).unwrap_or_default();
            Diagnostic::error(Code::ImageNotLocked, Span::new(0, 0), message)
                .label("no image pinned")
                .help(format!(
                    "run `stackc lock {}{flag}` to pin the current image (from {}), commit {}, and deploy again",
                    stack_file.display(),
                    need.ssm,
                    lock_path.display()
                ))
        })
        .collect()
}

/// The `cinc_not_locked` diagnostics for the Cinc packages an environment
/// needs and the lock file lacks.
pub fn cinc_not_locked(
    stack_file: &Path,
    lock_path: &Path,
    lock_exists: bool,
    env: &str,
    missing: &[CincNeed],
) -> Vec<Diagnostic> {
    missing
        .iter()
        .map(|need| {
            let what = format!(
                "{} {} on {} {}",
                need.client.title(),
                need.version,
                need.os,
                need.arch
            );
            let message = if lock_exists {
                format!(
                    "{} pins no package for {what}, which environment `{env}` installs",
                    lock_path.display()
                )
            } else {
                format!(
                    "there is no lock file ({}) to pin the package for {what}, which environment `{env}` installs",
                    lock_path.display()
                )
            };
            Diagnostic::error(Code::CincNotLocked, Span::new(0, 0), message)
                .label(format!("no {} package pinned", need.client.title()))
                .help(format!(
                    "run `stackc lock {}` to pin the package's URL and sha256 (from {}), commit {}, and deploy again",
                    stack_file.display(),
                    stackc_deploy::cinc::client_metadata_url(need.client),
                    lock_path.display()
                ))
        })
        .collect()
}

/// `stackc lock [FILE] [--env E] [--update] [--region R] [--profile P]`.
pub fn run(
    format: MessageFormat,
    path: &Path,
    env: Option<&str>,
    update: bool,
    target: &Target,
) -> Status {
    let (_, program) = match load(format, path) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let stacks = match environments(&program, env) {
        Ok(s) => s,
        Err(status) => return status,
    };
    let lock_path = lock::path_for(path);
    let (old_text, mut lock) = match read(format, &lock_path) {
        Ok(Some((text, lock))) => (Some(text), lock),
        Ok(None) => (None, Lock::default()),
        Err(status) => return status,
    };
    // What to look up, per region: every image with --update, else the
    // ones not pinned yet.
    let mut lookups: BTreeMap<String, Vec<Wanted>> = BTreeMap::new();
    let mut seen: Vec<(String, String, Arch)> = Vec::new();
    // And the Chef client packages (one per client, version, OS and
    // architecture, any region).
    let mut packages: Vec<CincNeed> = Vec::new();
    let mut seen_packages: Vec<(Client, String, Arch, String)> = Vec::new();
    for stack in stacks {
        for need in lock::cinc_needs(stack) {
            let key = (
                need.client,
                need.os.clone(),
                need.arch,
                need.version.clone(),
            );
            if seen_packages.contains(&key) {
                continue;
            }
            seen_packages.push(key);
            if update
                || lock
                    .cinc(need.client, &need.os, need.arch, &need.version)
                    .is_none()
            {
                packages.push(need);
            }
        }
        // The regions the instances boot in: every target region of an
        // environment with targets (public images have one id per region,
        // whichever the account), else the stack's (or --region's).
        let regions: Vec<String> = match &stack.targets {
            Some(_) => stack.regions().into_iter().map(str::to_string).collect(),
            None => vec![target.region.unwrap_or(&stack.region).to_string()],
        };
        for (region, need) in regions
            .iter()
            .flat_map(|r| lock::needs(stack).into_iter().map(move |n| (r, n)))
        {
            let key = (region.clone(), need.os.clone(), need.arch);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            if update || lock.get(region, &need.os, need.arch).is_none() {
                lookups.entry(region.clone()).or_default().push(Wanted {
                    os: need.os,
                    arch: need.arch,
                    ssm: need.ssm,
                });
            }
        }
    }
    let needed = seen.len();
    // Locking every environment, the packages none installs any more (an
    // older client version, a client no layer chooses) are dropped.
    let dropped = if env.is_none() {
        lock.retain_cinc(|c| {
            seen_packages.contains(&(c.client, c.os.clone(), c.arch, c.version.clone()))
        })
    } else {
        Vec::new()
    };
    for old in &dropped {
        eprintln!(
            "  - {} {} for {} {}: no environment installs it",
            old.client.title(),
            old.version,
            old.os,
            old.arch
        );
    }
    if lookups.is_empty() && packages.is_empty() && dropped.is_empty() {
        let n = seen_packages.len();
        eprintln!(
            "{} is up to date: {needed} image{} and {n} Chef client package{} pinned; `stackc lock --update` moves to the newest images",
            lock_path.display(),
            if needed == 1 { "" } else { "s" },
            if n == 1 { "" } else { "s" }
        );
        return Status::Ok;
    }
    let rt = runtime();
    let resolved = rt.block_on(async {
        let mut cinc = Vec::new();
        for need in &packages {
            let metadata = stackc_deploy::cinc::client_metadata_url(need.client);
            cinc.push(stackc_deploy::cinc::resolve(&metadata, need).await?);
        }
        let mut all = Vec::new();
        for (region, list) in &lookups {
            let aws = Aws::connect(region, target.profile).await;
            all.extend(
                images::resolve(&aws, region, list)
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        Ok::<_, String>((all, cinc))
    });
    let (resolved, cinc) = match resolved {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("{} is unchanged", lock_path.display());
            return Status::UserError;
        }
    };
    for package in cinc {
        let what = format!(
            "{} {} for {} {}",
            package.client.title(),
            package.version,
            package.os,
            package.arch
        );
        let line = format!("sha256 {} ({})", package.sha256, package.url);
        match lock.set_cinc(package.clone()) {
            None => eprintln!("  + {what}: {line}"),
            Some(old) if old == package => eprintln!("    {what}: unchanged"),
            Some(old) => eprintln!(
                "  ~ {what}: sha256 {} -> {line} (the next deploy replaces the instances, one at a time)",
                old.sha256
            ),
        }
    }
    for image in resolved {
        let what = format!("{} {} {}", image.region, image.os, image.arch);
        let id = image.id.clone();
        match lock.set(image) {
            None => eprintln!("  + {what}: {id}"),
            Some(old) if old == id => eprintln!("    {what}: {id} (still the newest)"),
            Some(old) => eprintln!(
                "  ~ {what}: {old} -> {id} (the next deploy replaces these instances, one at a time)"
            ),
        }
    }
    let text = lock::render(&lock);
    if old_text.as_deref() == Some(text.as_str()) {
        eprintln!("{} is unchanged", lock_path.display());
        return Status::Ok;
    }
    if let Err(e) = std::fs::write(&lock_path, &text) {
        eprintln!("error: cannot write {}: {e}", lock_path.display());
        return Status::UserError;
    }
    eprintln!(
        "wrote {}: commit it with the stack file",
        lock_path.display()
    );
    Status::Ok
}
