//! The typed, fully resolved stack: one `Stack` per environment, with the
//! environment's overrides applied, stdlib defaults filled in and recipes
//! resolved to files. Emitters read only this.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::diag::Span;
use crate::stdlib::{InstanceType, Metric};
use crate::units::{TimeOfDay, Weekday};

/// The result of checking a stack file: one resolved stack per environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Program {
    /// The stack's name.
    pub name: String,
    /// `production` first, then the declared environments in source order.
    pub environments: Vec<Stack>,
}

impl Program {
    /// The environment of this name.
    pub fn environment(&self, name: &str) -> Option<&Stack> {
        self.environments.iter().find(|s| s.env == name)
    }
}

/// A lifecycle event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// Instance boot.
    Setup,
    /// An instance of the stack entered or left service.
    Configure,
    /// Deploy apps.
    Deploy,
    /// Remove apps.
    Undeploy,
    /// Return to the previous release.
    Rollback,
    /// Instance terminating.
    Shutdown,
}

impl Event {
    /// Every event, in lifecycle order.
    pub const ALL: [Event; 6] = [
        Event::Setup,
        Event::Configure,
        Event::Deploy,
        Event::Undeploy,
        Event::Rollback,
        Event::Shutdown,
    ];
    /// Events a stack file may attach recipes to.
    pub const USER: [&'static str; 5] = ["setup", "configure", "deploy", "undeploy", "shutdown"];

    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Event::Setup => "setup",
            Event::Configure => "configure",
            Event::Deploy => "deploy",
            Event::Undeploy => "undeploy",
            Event::Rollback => "rollback",
            Event::Shutdown => "shutdown",
        }
    }

    /// Parses a lowercase name.
    pub fn parse(name: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.name() == name)
    }
}

/// One environment of the stack, fully resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stack {
    /// Stack name.
    pub name: String,
    /// Environment name (`production` when none is declared).
    pub env: String,
    /// AWS region.
    pub region: String,
    /// Description.
    pub description: Option<String>,
    /// Operating system.
    pub os: crate::stdlib::Os,
    /// The stack's own cookbooks directory, resolved against the stack file.
    pub cookbooks: Option<PathBuf>,
    /// Where the cookbooks directory is named (for diagnostics about it).
    #[serde(skip)]
    pub cookbooks_span: Span,
    /// E-mail addresses notified of alarms and failed lifecycle runs.
    pub notify: Vec<String>,
    /// Network placement.
    pub network: Network,
    /// Custom JSON of the stack.
    pub custom_json: serde_json::Value,
    /// Custom JSON of the environment, merged after the stack's.
    pub env_custom_json: serde_json::Value,
    /// Hours outside which every layer scales to zero.
    pub working_hours: Option<WorkingHours>,
    /// Layers in source order.
    pub layers: Vec<Layer>,
    /// Apps in source order.
    pub apps: Vec<App>,
}

impl Stack {
    /// The layer of this name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// `<stack>-<env>`, the CloudFormation stack name.
    pub fn qualified_name(&self) -> String {
        format!("{}-{}", self.name, self.env)
    }
}

/// Where instances run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Network {
    /// stackc creates the VPC.
    NewVpc {
        /// VPC range.
        cidr: String,
        /// Availability zones used.
        zones: u8,
        /// One NAT gateway per zone, or a single shared one.
        single_nat: bool,
    },
    /// An existing VPC.
    Existing {
        /// VPC id.
        vpc_id: String,
        /// Public subnet ids (load balancers).
        public_subnets: Vec<String>,
        /// Private subnet ids (instances).
        private_subnets: Vec<String>,
    },
}

/// Working hours of an environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkingHours {
    /// Days the stack runs.
    pub days: Vec<Weekday>,
    /// Opening time.
    pub start: TimeOfDay,
    /// Closing time.
    pub end: TimeOfDay,
    /// IANA time zone.
    pub timezone: String,
}

/// A layer: a role that instances carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layer {
    /// Layer name.
    pub name: String,
    /// Layer type name.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The layer it runs on, when it shares another layer's instances.
    pub on: Option<String>,
    /// Instance type (the host layer's when `on`).
    pub instance_type: InstanceType,
    /// Extra EBS volumes.
    pub volumes: Vec<Volume>,
    /// Ports the layer listens on.
    pub ports: Vec<u16>,
    /// Port the load balancer forwards to.
    pub http_port: Option<u16>,
    /// Run list per event: common, then type built-ins, then the user's recipes.
    pub recipes: BTreeMap<Event, Vec<Recipe>>,
    /// Load balancer in front of the layer.
    pub load_balancer: Option<LoadBalancer>,
    /// Instance counts and rules (absent when `on`).
    pub scaling: Option<Scaling>,
    /// Log files shipped to CloudWatch Logs.
    pub logs: Vec<String>,
    /// Retention of the layer's log group, in days.
    pub log_retention_days: u32,
    /// Alarms.
    pub alarms: Vec<Alarm>,
    /// Type attributes as a JSON tree (defaults filled in).
    pub attributes: serde_json::Value,
    /// Where the layer is declared.
    #[serde(skip)]
    pub span: Span,
}

impl Layer {
    /// True when the layer has instances of its own.
    pub fn has_instances(&self) -> bool {
        self.on.is_none()
    }
}

/// An EBS volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volume {
    /// Mount point.
    pub mount: String,
    /// Size in GiB (rounded up).
    pub size_gib: u64,
}

/// Where a recipe comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipeOrigin {
    /// A stackc built-in cookbook.
    Builtin,
    /// The stack's cookbooks directory.
    User,
}

/// A resolved recipe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recipe {
    /// Cookbook name.
    pub cookbook: String,
    /// Recipe name (`default` when written as the cookbook alone).
    pub recipe: String,
    /// Where the cookbook is found.
    pub origin: RecipeOrigin,
}

impl Recipe {
    /// `cookbook::recipe`.
    pub fn run_list_name(&self) -> String {
        format!("{}::{}", self.cookbook, self.recipe)
    }
}

/// Listener protocol.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "protocol", rename_all = "lowercase")]
pub enum Listener {
    /// Plain HTTP on 80.
    Http,
    /// HTTPS on 443 with an ACM certificate (HTTP redirects to it).
    Https {
        /// Certificate ARN.
        certificate: String,
    },
}

/// An application load balancer in front of a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadBalancer {
    /// Listeners.
    pub listeners: Vec<Listener>,
    /// Target group health check.
    pub health_check: HealthCheck,
}

impl LoadBalancer {
    /// The HTTPS certificate, when there is one.
    pub fn certificate(&self) -> Option<&str> {
        self.listeners.iter().find_map(|l| match l {
            Listener::Https { certificate } => Some(certificate.as_str()),
            Listener::Http => None,
        })
    }
}

/// A target group health check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheck {
    /// HTTP path.
    pub path: String,
    /// Seconds between checks.
    pub interval_secs: u64,
    /// Successes before healthy.
    pub healthy: u32,
    /// Failures before unhealthy.
    pub unhealthy: u32,
}

/// Instance counts and scaling rules of a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scaling {
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
    /// Load-based rules.
    pub up: Option<LoadRule>,
    /// Load-based rules.
    pub down: Option<LoadRule>,
    /// Time-based schedule.
    pub schedule: Option<Schedule>,
}

/// A load-based scaling rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadRule {
    /// `cpu`, `memory` or `load`.
    pub metric: Metric,
    /// Threshold (percent for cpu and memory).
    pub threshold: f64,
    /// How long the threshold must be crossed, in seconds.
    pub period_secs: u64,
    /// Instances added or removed.
    pub count: u32,
}

/// Time-based scaling.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// IANA time zone.
    pub timezone: String,
    /// Entries in source order.
    pub entries: Vec<ScheduleEntry>,
}

/// A scheduled change of instance bounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleEntry {
    /// Days it applies.
    pub days: Vec<Weekday>,
    /// Time of day.
    pub at: TimeOfDay,
    /// New minimum.
    pub min: u32,
    /// New maximum.
    pub max: u32,
}

/// Alarm comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparison {
    /// Alarm above the threshold.
    Above,
    /// Alarm below the threshold.
    Below,
}

/// A CloudWatch alarm on a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    /// Alarm name.
    pub name: String,
    /// Metric.
    pub metric: Metric,
    /// Direction.
    pub comparison: Comparison,
    /// Threshold.
    pub threshold: f64,
    /// Evaluation period in seconds.
    pub period_secs: u64,
}

/// An application deployed to a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    /// App name.
    pub name: String,
    /// `php`, `nodejs`, `java`, `static` or `other`.
    #[serde(rename = "type")]
    pub app_type: String,
    /// Layer it is deployed to.
    pub layer: String,
    /// Where the code comes from.
    pub source: Source,
    /// Virtual hosts.
    pub sites: Vec<Site>,
    /// Environment variables (literal values).
    pub env: Vec<(String, String)>,
    /// Secrets read from SSM Parameter Store on the instance.
    pub secrets: Vec<Secret>,
    /// Database connection.
    pub database: Option<Database>,
}

/// App source.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// A git repository.
    Git {
        /// Clone URL.
        url: String,
        /// Branch, tag or commit.
        revision: String,
        /// The app secret holding an SSH deploy key, for private repositories.
        ssh_key_secret: Option<String>,
    },
    /// An archive in S3.
    S3 {
        /// `s3://bucket/key`.
        url: String,
    },
    /// An archive over HTTP(S).
    Http {
        /// URL.
        url: String,
    },
}

/// A virtual host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// Main domain.
    pub domain: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// Document root relative to the release.
    pub root: String,
}

/// A secret reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Secret {
    /// Variable name.
    pub name: String,
    /// SSM parameter name.
    pub ssm: String,
}

/// Database connection of an app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Database {
    /// Host.
    pub host: String,
    /// Database name.
    pub name: String,
    /// User.
    pub user: String,
    /// Secret holding the password.
    pub password_secret: Option<String>,
    /// Port.
    pub port: u16,
    /// `mysql` or `postgresql`.
    pub adapter: String,
}
