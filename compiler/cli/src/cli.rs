//! Command-line arguments (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// stackc compiles a KDL stack file (layers, apps, recipes, scaling) into
/// CloudFormation, a Chef cookbook bundle and node JSON.
#[derive(Debug, Parser)]
#[command(name = "stackc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// How diagnostics and results are printed.
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,

    /// When to colour what stackc prints: `auto` colours on a terminal
    /// unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Print an AWS failure with the SDK's whole error after its sentence.
    #[arg(long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// How diagnostics and every command's results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered for people, with source snippets.
    Human,
    /// JSON on stdout: one object per diagnostic and line, and each
    /// command's result (status, diff, logs, run) as JSON.
    Json,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// On a terminal, unless the NO_COLOR environment variable is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a project: a stack.kdl with one layer (and an app) and a
    /// cookbooks/ directory with a cookbook of your own, which check and build.
    Init {
        /// The directory to write into (made if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The layer's type.
        #[arg(long = "type", value_enum, default_value_t = InitType::PhpApp)]
        kind: InitType,
        /// The stack's name (default: the directory's name, made a valid name).
        #[arg(long)]
        name: Option<String>,
        /// The AWS region.
        #[arg(long, default_value = "eu-west-1")]
        region: String,
    },
    /// Type-check a stack file and report every problem in it.
    Check {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
    },
    /// Rewrite a stack file in canonical form (comments kept).
    Fmt {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// Exit 1 and name the file when it is not in canonical form; write nothing.
        #[arg(long, conflicts_with = "stdout")]
        check: bool,
        /// Print the canonical form instead of rewriting the file.
        #[arg(long)]
        stdout: bool,
    },
    /// Compile the stack into CloudFormation, node JSON and a cookbook bundle
    /// under OUT/<stack>-<env>/ (every environment unless --env).
    Build {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// Build only this environment.
        #[arg(long)]
        env: Option<String>,
        /// Output directory.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Template format.
        #[arg(long, value_enum, default_value_t = TemplateFormat::Json)]
        format: TemplateFormat,
        /// Also write the node JSON parts the bundle holds as files
        /// (nodes/stack.json, nodes/apps.json, nodes/<layer>/<event>.json,
        /// nodes/custom.json), to read; deploy does not use them.
        #[arg(long)]
        nodes: bool,
    },
    /// Write an architecture page and diagram per environment (every one
    /// unless --env): OUT/<stack>-<env>.md and OUT/<stack>-<env>.svg.
    Docs {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// Document only this environment.
        #[arg(long)]
        env: Option<String>,
        /// Output directory.
        #[arg(long, default_value = "out/docs")]
        out: PathBuf,
    },
    /// Print the node JSON a Chef run of a layer and event receives (like
    /// `opsworks-agent-cli get_json`), with sample instances: the bundle's
    /// parts and the live data go through the agent's own live.jq.
    NodeJson {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// The layer.
        #[arg(long)]
        layer: String,
        /// The event: setup, configure, deploy, undeploy, rollback, shutdown.
        #[arg(long)]
        event: String,
        /// The environment (default: production).
        #[arg(long)]
        env: Option<String>,
        /// Live data in the agent's live.json format (what it learns from
        /// EC2, Auto Scaling and IMDS; /var/lib/stackc/live.json of an
        /// instance works): {"self": {...}, "instances": [{"id", "layer",
        /// "private_ip", "private_dns_name", "availability_zone",
        /// "instance_type", "lifecycle_state"}]}. Default: sample instances.
        #[arg(long)]
        instances: Option<PathBuf>,
        /// Secret values as the agent reads them: {"/ssm/parameter/name":
        /// "value"}. With it the JSON is what Chef gets (secrets in their
        /// OpsWorks places); without, what get-json shows (secret fields null).
        #[arg(long)]
        secrets: Option<PathBuf>,
        /// Write the run's Chef 12 data bags as DIR/<bag>/<item>.json.
        #[arg(long, value_name = "DIR")]
        data_bags: Option<PathBuf>,
    },
    /// Pin the machine images of every environment (or one) in the lock
    /// file beside the stack file (stack.lock for stack.kdl): the images the
    /// instances boot from, read once from the operating systems' public SSM
    /// parameters. Commit the lock file; deploy uses only what it pins.
    Lock {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// Only this environment.
        #[arg(long)]
        env: Option<String>,
        /// Look every image up again and move to the newest (the next deploy
        /// replaces the instances whose image changed, one at a time).
        #[arg(long)]
        update: bool,
        #[command(flatten)]
        aws: Aws,
    },
    /// Create (or update) the artifact bucket stackc deploys from, once per
    /// account and region: the stack file's region, or --region.
    Bootstrap {
        /// The stack file whose region to bootstrap (when it exists; else
        /// --region, AWS_REGION or AWS_DEFAULT_REGION).
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        #[command(flatten)]
        aws: Aws,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// The AWS Organizations id (o-...) whose accounts may read the
        /// artifacts of environments whose targets are organizational units.
        #[arg(long, value_name = "o-...")]
        organization_id: Option<String>,
    },
    /// Build, upload the artifacts, show the plan and apply it.
    Deploy {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// The environment (default: production).
        #[arg(long)]
        env: Option<String>,
        /// Where the environment is built before it is uploaded.
        #[arg(long, value_name = "DIR", default_value = "out")]
        build_dir: PathBuf,
        #[command(flatten)]
        aws: Aws,
        /// Apply without asking.
        #[arg(long)]
        yes: bool,
        /// Do not run configure on the running instances when the cookbooks changed.
        #[arg(long)]
        no_converge: bool,
        /// Apply a plan `stackc diff --out PLAN` saved: exactly its change
        /// set, without asking; refused when the stack file, the lock file
        /// or the stack changed since.
        #[arg(long, value_name = "PLAN")]
        plan: Option<PathBuf>,
        /// Remove the stack's deploy lock first, whoever holds it (only when
        /// that run is no longer running).
        #[arg(long)]
        force_unlock: bool,
        #[command(flatten)]
        spread: Spread,
    },
    /// Show what a deploy would change, without changing anything; with
    /// `--against OTHER`, what differs between two environments (offline).
    Diff {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// The environment (default: production).
        #[arg(long)]
        env: Option<String>,
        /// Compare the environment with this one instead of with AWS
        /// (offline: takes none of the AWS options).
        #[arg(long, value_name = "OTHER", conflicts_with_all = ["build_dir", "out", "region", "profile", "force_unlock"])]
        against: Option<String>,
        /// Where the environment is built before it is compared.
        #[arg(long, value_name = "DIR", default_value = "out")]
        build_dir: PathBuf,
        /// Save the plan to this file and keep its change set, for
        /// `stackc deploy --plan PLAN` (uploads the artifacts as deploy does).
        #[arg(long, value_name = "PLAN")]
        out: Option<PathBuf>,
        #[command(flatten)]
        aws: Aws,
        /// Remove the stack's deploy lock first, whoever holds it (only when
        /// that run is no longer running).
        #[arg(long)]
        force_unlock: bool,
        /// With targets: only this account (or organizational unit) and
        /// region, ACCOUNT/REGION.
        #[arg(long, value_name = "ACCOUNT/REGION", conflicts_with = "against")]
        target: Option<String>,
    },
    /// Delete an environment's stack; its log groups, KMS key and access-log bucket stay.
    Destroy {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// The environment (default: production).
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        aws: Aws,
        /// Delete without asking.
        #[arg(long)]
        yes: bool,
        /// Remove the stack's deploy lock first, whoever holds it (only when
        /// that run is no longer running).
        #[arg(long)]
        force_unlock: bool,
        /// With targets: delete only this account's (or organizational
        /// unit's) stack instance in this region, ACCOUNT/REGION; the
        /// StackSet stays.
        #[arg(long, value_name = "ACCOUNT/REGION")]
        target: Option<String>,
        #[command(flatten)]
        spread: Spread,
    },
    /// The stack's status and outputs, and each layer's instances with
    /// OpsWorks-style states; with targets, a row per stack instance.
    Status {
        #[command(flatten)]
        on: Deployed,
        /// With targets: only this account (or organizational unit) and
        /// region, ACCOUNT/REGION.
        #[arg(long, value_name = "ACCOUNT/REGION")]
        target: Option<String>,
    },
    /// Run a lifecycle event, recipes or an update of the cookbooks on the
    /// running instances of an environment.
    Run {
        /// What to run.
        #[command(subcommand)]
        what: RunCommand,
    },
    /// Lifecycle and layer logs from CloudWatch Logs.
    Logs {
        #[command(flatten)]
        on: Deployed,
        /// Only this layer.
        #[arg(long)]
        layer: Option<String>,
        /// How far back (30m, 2h, 1d).
        #[arg(long, default_value = "1h")]
        since: String,
        /// Keep printing new lines.
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        reach: Reach,
    },
    /// What differs between the stack file and what runs: resources
    /// changed outside stackc, and instances that differ.
    ///
    /// Runs CloudFormation's drift detection on the environment's stack and
    /// on each of its nested stacks, and prints every resource changed or
    /// deleted outside stackc, under its layer, with each property's
    /// expected (the template's) and actual value. Then checks the fleet:
    /// instances whose last lifecycle run failed, whose cookbook bundle is
    /// not the one the bundle pointer names, or that run another image than
    /// the lock file pins (with --stack: than the last deploy pinned).
    ///
    /// Exit status: 0 nothing drifted, 1 an error (in the input, or of
    /// AWS, or a drift detection that failed or did not finish), 2 a wrong
    /// command line, 3 something drifted. `--json` (or `--message-format
    /// json`) prints the report as one JSON object (README "Drift").
    Drift {
        #[command(flatten)]
        on: Deployed,
        /// Print the report as JSON (the same as --message-format json).
        #[arg(long)]
        json: bool,
        /// Give up on a drift detection after this long (30s, 10m).
        #[arg(long, default_value = "10m")]
        timeout: String,
        #[command(flatten)]
        reach: Reach,
    },
    /// The recipe loop: on every save under the cookbooks directory (or of
    /// the stack file), check, build, publish the bundle when it changed and
    /// run the changed recipes (or --recipes) on one online instance of the
    /// layer, streaming that run's Chef output with the time since the
    /// save. Ctrl-C stops watching (exit 0); a run in flight finishes.
    Watch {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// The layer whose instance runs the recipes.
        #[arg(long)]
        layer: String,
        /// The environment (default: production).
        #[arg(long)]
        env: Option<String>,
        /// Run on this instance (an online one of the layer) instead of the
        /// first online one.
        #[arg(long, value_name = "ID")]
        instance: Option<String>,
        /// Run these recipes on every save (`cookbook::recipe`, separated by
        /// commas) instead of those the save changed.
        #[arg(long, value_name = "RECIPES", value_delimiter = ',')]
        recipes: Option<Vec<String>>,
        #[command(flatten)]
        aws: Aws,
    },
    /// Write a stack file from another tool's description of a fleet.
    Import {
        /// Where the description comes from.
        #[command(subcommand)]
        from: ImportSource,
    },
    /// Explain a diagnostic code (`stackc explain unknown_node`) or a node of the language (`stackc explain scaling`).
    Explain {
        /// A code such as `stackc::bad_duration` or `bad_duration`, or a node such as `scaling` or `layer.chef`; omit it to list every code.
        code: Option<String>,
    },
    /// Serve the Language Server Protocol on stdin and stdout, for editors:
    /// diagnostics as you type (those of `check`), completion, hover, go to
    /// definition, formatting, symbols and renames of stack files.
    Lsp,
    /// Print a completion script for a shell (`stackc completions bash >
    /// /etc/bash_completion.d/stackc`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page of stackc, or of one of its commands
    /// (`stackc man deploy > stackc-deploy.1; man -l stackc-deploy.1`).
    Man {
        /// A command, such as `deploy`; omit it for stackc(1).
        command: Option<String>,
    },
}

/// What `stackc run` runs. Each takes the options that mean something for it.
#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// Run the setup recipes on the online instances.
    Setup {
        #[command(flatten)]
        on: RunOn,
        #[command(flatten)]
        deployment: CustomJson,
    },
    /// Run the configure recipes on the online instances.
    Configure {
        #[command(flatten)]
        on: RunOn,
        #[command(flatten)]
        deployment: CustomJson,
    },
    /// Deploy the apps (or one): the app's layer deploys it, every other
    /// online instance sees it in its node JSON, as in OpsWorks. Then waits
    /// for the load balancers' health checks and rolls back when they fail.
    Deploy {
        #[command(flatten)]
        on: RunOn,
        /// Only this app.
        #[arg(long)]
        app: Option<String>,
        #[command(flatten)]
        deployment: CustomJson,
        /// Set `migrate` on the deployed apps.
        #[arg(long)]
        migrate: bool,
    },
    /// Undeploy the apps (or one).
    Undeploy {
        #[command(flatten)]
        on: RunOn,
        /// Only this app.
        #[arg(long)]
        app: Option<String>,
        #[command(flatten)]
        deployment: CustomJson,
    },
    /// Roll the apps (or one, on its layer) back to their previous release.
    Rollback {
        #[command(flatten)]
        on: RunOn,
        /// Only this app (on its layer's instances).
        #[arg(long)]
        app: Option<String>,
        #[command(flatten)]
        deployment: CustomJson,
    },
    /// Run recipes as they are in the cookbooks directory: builds, publishes
    /// the bundle when it changed, runs them (`stackc run recipes
    /// myapp::worker,myapp::cron --layer api`).
    Recipes {
        /// The recipes, `cookbook::recipe` separated by commas.
        #[arg(value_name = "RECIPES")]
        recipes: String,
        #[command(flatten)]
        on: RunOn,
        #[command(flatten)]
        deployment: CustomJson,
    },
    /// Publish the cookbooks as they are in the cookbooks directory and
    /// have the instances fetch them (OpsWorks' Update Custom Cookbooks).
    UpdateCookbooks {
        #[command(flatten)]
        on: RunOn,
    },
}

/// A deployed environment `status`, `run`, `logs` and `drift` operate: named by a
/// stack file (and `--env`), or by `--stack`.
#[derive(Debug, Args)]
pub struct Deployed {
    /// The stack file.
    #[arg(default_value = "stack.kdl")]
    pub file: PathBuf,
    /// The environment (default: production).
    #[arg(long)]
    pub env: Option<String>,
    /// The deployed stack (`<stack>-<env>`, e.g. goldcar-production)
    /// instead of a stack file: works in any directory, from what the
    /// deploy recorded; its region is --region or AWS_REGION.
    #[arg(long, value_name = "STACK", conflicts_with_all = ["file", "env"])]
    pub stack: Option<String>,
    #[command(flatten)]
    pub aws: Aws,
}

/// Where a `stackc run` goes.
#[derive(Debug, Args)]
pub struct RunOn {
    #[command(flatten)]
    pub on: Deployed,
    /// Only the instances of this layer.
    #[arg(long)]
    pub layer: Option<String>,
    #[command(flatten)]
    pub reach: Reach,
}

/// With targets: which stack instances `run` and `logs` act on, and the
/// role they assume in each target account to do it.
#[derive(Debug, Args)]
pub struct Reach {
    /// With targets: only this account and region, ACCOUNT/REGION
    /// (default: every target).
    #[arg(long, value_name = "ACCOUNT/REGION")]
    pub target: Option<String>,
    /// With targets: the role assumed in each target account (default:
    /// AWSCloudFormationStackSetExecutionRole for accounts,
    /// OrganizationAccountAccessRole for organizational units).
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
}

/// OpsWorks' per-deployment custom JSON.
#[derive(Debug, Args)]
pub struct CustomJson {
    /// A JSON object merged over the node JSON last, for this run only
    /// (OpsWorks' deployment custom JSON).
    #[arg(long, value_name = "FILE")]
    pub custom_json: Option<PathBuf>,
}

/// The layer types `stackc init` starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitType {
    /// A PHP app server (Apache, PHP-FPM) with a PHP app.
    PhpApp,
    /// A Node.js app server with a Node.js app.
    NodejsApp,
    /// A static web server (nginx) with a static site.
    StaticWeb,
    /// A custom layer: stackc's base recipes and yours.
    Custom,
}

/// What `stackc import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Print a stack file made from an OpsWorks stack's saved `aws opsworks
    /// describe-*` output.
    ///
    /// DIR holds describe-stacks.json and describe-layers.json, and when
    /// present describe-apps.json, describe-instances.json,
    /// describe-load-based-auto-scaling.json,
    /// describe-time-based-auto-scaling.json and
    /// describe-elastic-load-balancers.json. The stack file goes to stdout,
    /// a warning for everything not carried over exactly to stderr.
    Opsworks {
        /// The directory holding the describe-*.json files.
        dir: PathBuf,
    },
}

/// CloudFormation template format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    /// template.json
    Json,
    /// template.yaml
    Yaml,
}

impl From<TemplateFormat> for stackc_core::emit::Format {
    fn from(f: TemplateFormat) -> Self {
        match f {
            TemplateFormat::Json => stackc_core::emit::Format::Json,
            TemplateFormat::Yaml => stackc_core::emit::Format::Yaml,
        }
    }
}

/// How a StackSet operation spreads over an environment's targets.
#[derive(Debug, Clone, Copy, Args)]
pub struct Spread {
    /// With targets: how many accounts a StackSet operation works on at
    /// once in each region (regions go one at a time).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent: u32,
    /// With targets: how many accounts may fail in a region before the
    /// operation stops there (those that failed within it are reported,
    /// and deploy exits 0).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub failure_tolerance: u32,
}

impl Default for Spread {
    fn default() -> Self {
        Spread {
            max_concurrent: 1,
            failure_tolerance: 0,
        }
    }
}

/// Where the AWS calls of a command on a deployed stack go.
#[derive(Debug, Args)]
pub struct Aws {
    /// AWS region (default: the stack file's).
    #[arg(long)]
    pub region: Option<String>,
    /// Named AWS profile.
    #[arg(long)]
    pub profile: Option<String>,
}
