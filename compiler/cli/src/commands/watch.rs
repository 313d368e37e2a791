//! `stackc watch`: the recipe loop. Watches the stack's cookbooks directory
//! and the stack file; on each save checks them, builds, and has
//! `stackc_deploy::watch` publish the bundle and run the changed recipes on
//! one online instance of the layer, whose output it prints as it comes.
//! Ctrl-C stops watching; a run in flight is left to finish (SSM's
//! CancelCommand would stop Chef mid-resource, leaving the instance half
//! converged).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use notify::Watcher as _;
use stackc_deploy::aws::Aws;
use stackc_deploy::ops::{self, Command as Agent};
use stackc_deploy::watch::{self as flow, Batch, Change, Debounce, Known, Picked};

use super::{
    build::build_to_dir,
    check::{check_cookbooks, load},
    cloud::Target,
    fleet::{fail, operated, resolve, Resolved, Which},
    Status,
};
use crate::cli::MessageFormat;

/// A burst of events is one save once the files are quiet this long.
const QUIET: Duration = Duration::from_millis(200);
/// ... or at the latest this long after its first event.
const LONGEST: Duration = Duration::from_secs(2);
/// How often a run is asked how it stands (and its log read).
const POLL: Duration = Duration::from_secs(1);

/// What `stackc watch` was asked.
pub struct Request<'a> {
    /// The stack file.
    pub file: &'a Path,
    /// The environment.
    pub env: Option<&'a str>,
    /// The layer whose instance runs the recipes.
    pub layer: &'a str,
    /// `--instance`.
    pub instance: Option<&'a str>,
    /// `--recipes`.
    pub recipes: Option<&'a [String]>,
}

/// `stackc watch`.
pub fn run(format: MessageFormat, request: &Request<'_>, target: &Target) -> Status {
    if let Some(bad) = request.recipes.and_then(|r| {
        r.iter().find(|r| {
            r.is_empty()
                || !r
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_:.-".contains(c))
        })
    }) {
        eprintln!("error: `{bad}` is not a recipe; write cookbook::recipe, e.g. --recipes shop::worker,shop::cron");
        return Status::Usage;
    }
    let which = Which {
        file: request.file,
        env: request.env,
        stack: None,
    };
    let resolved = match resolve(format, &which, target) {
        Ok(r) => r,
        Err(s) => return s,
    };
    let Some(stack) = resolved.stack() else {
        return fail("the stack file names no such environment");
    };
    let Some(cookbooks) = stack.cookbooks.as_deref() else {
        return fail(format!(
            "{} names no cookbooks directory: there is nothing to watch\nhelp: add `cookbooks \"cookbooks\"` to the stack and put your cookbooks there",
            request.file.display()
        ));
    };
    let paths = match (cookbooks.canonicalize(), request.file.canonicalize()) {
        (Ok(c), Ok(f)) => Paths {
            cookbooks: c,
            shown: cookbooks.to_path_buf(),
            stack_file: f,
        },
        (Err(e), _) => return fail(format!("cannot read {}: {e}", cookbooks.display())),
        (_, Err(e)) => return fail(format!("cannot read {}: {e}", request.file.display())),
    };
    super::cloud::runtime().block_on(async {
        let aws = Aws::connect(&resolved.region, target.profile).await;
        let session = match Session::start(request, &resolved, &aws, paths).await {
            Ok(s) => s,
            Err(status) => return status,
        };
        session.watch(format, request).await
    })
}

/// The watched paths, canonical, and the cookbooks directory as the stack
/// file names it (for the terminal).
struct Paths {
    cookbooks: PathBuf,
    shown: PathBuf,
    stack_file: PathBuf,
}

/// What stays the same from one save to the next.
struct Session<'a> {
    resolved: &'a Resolved,
    aws: &'a Aws,
    paths: Paths,
    layer: String,
    groups: Vec<String>,
    log_groups: Vec<String>,
    bucket: String,
    document: String,
    /// The instance of the last run (the first, said at the start).
    instance: Picked,
    /// The recipes of the last run.
    last: Vec<String>,
}

impl<'a> Session<'a> {
    /// Finds what the loop runs on, before the first save: the deployed
    /// layer, its instance, the artifact bucket and the log groups.
    async fn start(
        request: &Request<'_>,
        resolved: &'a Resolved,
        aws: &'a Aws,
        paths: Paths,
    ) -> Result<Session<'a>, Status> {
        let (_, operations) = operated(aws, resolved).await?;
        let Some(layer) = operations.layer(request.layer) else {
            let names: Vec<&str> = operations.layers.iter().map(|l| l.name.as_str()).collect();
            eprintln!(
                "error: {} has no layer `{}`; layers: {}",
                resolved.name,
                request.layer,
                names.join(", ")
            );
            return Err(Status::Usage);
        };
        let groups =
            ops::targeted_groups(&operations, Agent::ExecuteRecipes, Some(&layer.name), None);
        let bucket = stackc_deploy::deploy::artifact_bucket(aws, &resolved.region)
            .await
            .map_err(fail)?;
        let instance = flow::pick_instance(aws, &layer.name, &groups, request.instance, None)
            .await
            .map_err(fail)?;
        let log_groups = ops::log_groups(aws, &operations, &[layer.host.as_str()])
            .await
            .map_err(fail)?
            .into_iter()
            .map(|(group, _)| group)
            .collect();
        Ok(Session {
            resolved,
            aws,
            paths,
            layer: layer.name.clone(),
            groups,
            log_groups,
            bucket,
            document: stackc_core::emit::cfn::run_document_for(&resolved.name),
            instance,
            last: Vec::new(),
        })
    }

    /// Watches until Ctrl-C (exit 0) or an error no save can mend (exit 1).
    async fn watch(mut self, format: MessageFormat, request: &Request<'_>) -> Status {
        let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
            let _ = tx.send(e);
        });
        let mut watcher = match watcher {
            Ok(w) => w,
            Err(e) => return fail(format!("cannot watch files: {e}")),
        };
        // The stack file's directory, not the file: editors save by
        // renaming a new file over it, which ends a watch on the file.
        let stack_dir = self
            .paths
            .stack_file
            .parent()
            .unwrap_or(Path::new("/"))
            .to_path_buf();
        for (dir, mode) in [
            (&self.paths.cookbooks, notify::RecursiveMode::Recursive),
            (&stack_dir, notify::RecursiveMode::NonRecursive),
        ] {
            if let Err(e) = watcher.watch(dir, mode) {
                return fail(format!(
                    "cannot watch {}: {e}\nhelp: on Linux, raise fs.inotify.max_user_watches",
                    dir.display()
                ));
            }
        }
        // Polled once now, so that Ctrl-C is caught from here on.
        let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
        tokio::select! {
            biased;
            _ = &mut interrupted => return Status::Ok,
            () = std::future::ready(()) => {}
        }
        eprintln!(
            "watching {} and {}: each save runs on {} (layer {}, {}); Ctrl-C stops",
            self.paths.shown.display(),
            request.file.display(),
            self.instance.id,
            self.layer,
            self.instance.why
        );
        let mut debounce = Debounce::new(QUIET, LONGEST);
        loop {
            let due = debounce.due();
            let wake = due.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = &mut interrupted => {
                    eprintln!("stopped watching; nothing was running");
                    return Status::Ok;
                }
                event = events.recv() => match event {
                    Some(Ok(e)) => self.gather(&mut debounce, e),
                    Some(Err(e)) => eprintln!("warning: watching files: {e}"),
                    None => return fail("the file watcher stopped"),
                },
                () = tokio::time::sleep_until(wake.into()), if due.is_some() => {
                    let Some(batch) = debounce.take(Instant::now()) else { continue };
                    tokio::select! {
                        stop = self.turn(format, request, batch) => {
                            if let Some(status) = stop {
                                return status;
                            }
                        }
                        _ = &mut interrupted => {
                            eprintln!(
                                "stopped watching; a run in flight is left to finish on {} (`stackc logs --layer {}` shows it); the bundle published stays the fleet's, as after `stackc run recipes`",
                                self.instance.id, self.layer
                            );
                            return Status::Ok;
                        }
                    }
                }
            }
        }
    }

    /// Adds an event's paths that are the loop's to the burst.
    fn gather(&self, debounce: &mut Debounce, event: notify::Event) {
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if self.classify(&path).is_some() {
                debounce.push(path, Instant::now());
            }
        }
    }

    fn classify(&self, path: &Path) -> Option<Change> {
        flow::classify(&self.paths.cookbooks, &self.paths.stack_file, path)
    }

    /// One save: check, build, choose the recipes, publish and run.
    /// `Some` ends the loop with that status.
    async fn turn(
        &mut self,
        format: MessageFormat,
        request: &Request<'_>,
        batch: Batch,
    ) -> Option<Status> {
        let changes: Vec<Change> = batch
            .paths
            .iter()
            .filter_map(|p| self.classify(p))
            .collect();
        let saved: Vec<String> = batch
            .paths
            .iter()
            .map(|p| {
                if *p == self.paths.stack_file {
                    request.file.display().to_string()
                } else {
                    self.paths
                        .shown
                        .join(flow::relative(&self.paths.cookbooks, p))
                        .display()
                        .to_string()
                }
            })
            .collect();
        eprintln!("\nsaved {}", saved.join(", "));
        let not_run = || {
            eprintln!("not run: fix the errors above and save again");
            None
        };
        let Ok((source, program)) = load(format, request.file) else {
            return not_run();
        };
        if check_cookbooks(format, &source, &program).is_err() {
            return not_run();
        }
        let env = self
            .resolved
            .file
            .as_ref()
            .map_or("production", |f| f.2.as_str());
        let Some(stack) = program.environment(env) else {
            return not_run();
        };
        let layer_recipes = stack
            .layer(&self.layer)
            .map(flow::layer_recipes)
            .unwrap_or_default();
        let cookbooks = &self.paths.cookbooks;
        let choice = flow::choose(
            &changes,
            Known {
                given: request.recipes,
                last: &self.last,
                layer: &layer_recipes,
            },
            |cb, r| {
                cookbooks
                    .join(cb)
                    .join("recipes")
                    .join(format!("{r}.rb"))
                    .is_file()
            },
        );
        if choice.recipes.is_empty() {
            eprintln!(
                "nothing to run ({}): publishing the bundle only",
                choice.why
            );
        } else {
            eprintln!("recipes: {} ({})", choice.recipes.join(", "), choice.why);
        }
        let built = match build_to_dir(
            format,
            &source.name(),
            &source.text,
            stack,
            stackc_core::emit::Format::Json,
            Path::new("out"),
            false,
        ) {
            Ok(b) => b,
            Err(_) => return not_run(),
        };
        let artifacts = match stackc_deploy::deploy::Artifacts::load(&built.dir) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: {e}");
                return None;
            }
        };
        let since = SystemTime::now() - batch.saved_at.elapsed() - Duration::from_secs(1);
        let since_ms = since
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let turn = flow::Turn {
            artifacts: &artifacts,
            bucket: &self.bucket,
            document: &self.document,
            layer: &self.layer,
            groups: &self.groups,
            wanted: request.instance,
            previous: Some(&self.instance.id),
            recipes: &choice.recipes,
            log_groups: &self.log_groups,
            since_ms,
            poll: POLL,
        };
        let mut shown: Vec<u8> = Vec::new();
        let mut stdout = std::io::stdout();
        let show: &mut dyn std::io::Write = match format {
            MessageFormat::Human => &mut stdout,
            MessageFormat::Json => &mut shown,
        };
        let ran = flow::turn(self.aws, &mut std::io::stderr(), show, &turn).await;
        let elapsed = batch.saved_at.elapsed();
        let ran = match ran {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                if e.is_fatal() {
                    return Some(Status::UserError);
                }
                eprintln!("waiting for the next save");
                return None;
            }
        };
        let mut result = serde_json::json!({
            "saved": saved,
            "recipes": choice.recipes,
            "why": choice.why,
            "published": ran.published,
            "elapsed_ms": elapsed.as_millis() as u64,
        });
        match &ran.run {
            Some((picked, command, invocation)) => {
                eprintln!(
                    "{}: {}, {:.1} s after the save",
                    invocation.instance,
                    invocation.status,
                    elapsed.as_secs_f64()
                );
                if invocation.status != "Success" {
                    eprintln!("fix the recipe and save again; `stackc logs --layer {}` shows the whole run", self.layer);
                }
                self.instance = picked.clone();
                self.last = choice.recipes.clone();
                result["instance"] = picked.id.clone().into();
                result["command"] = command.clone().into();
                result["status"] = invocation.status.clone().into();
                result["output"] = String::from_utf8_lossy(&shown).into_owned().into();
            }
            None => eprintln!(
                "{}, {:.1} s after the save",
                if ran.published {
                    "published"
                } else {
                    "nothing published or run"
                },
                elapsed.as_secs_f64()
            ),
        }
        if format == MessageFormat::Json {
            crate::output::stdout(&format!("{result}\n"));
        }
        None
    }
}
