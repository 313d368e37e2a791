//! A layer and what it holds: volumes, recipes, load balancer, scaling,
//! schedule and alarms.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Event;
use crate::diag::Span;
use crate::stdlib::{InstanceType, Metric};
use crate::units::{TimeOfDay, Weekday};

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
    /// The Chef client its instances install and run (the host layer's
    /// when `on`; the stack's, or Cinc 18, when it names none).
    pub chef: crate::chef::Runtime,
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
    pub timezone: chrono_tz::Tz,
    /// Entries in source order.
    pub entries: Vec<ScheduleEntry>,
    /// Where the schedule's time zone is given (its name when it is not).
    #[serde(skip)]
    pub span: Span,
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
    /// Where its days and time are written.
    #[serde(skip)]
    pub span: Span,
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
