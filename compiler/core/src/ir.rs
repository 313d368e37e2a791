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
        cidr: crate::units::Ipv4Net,
        /// Availability zones used.
        zones: u8,
        /// How the private subnets reach the internet.
        nat: Nat,
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

/// How instances in a new VPC's private subnets reach the internet and
/// AWS's APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Nat {
    /// A NAT gateway per zone (a zone's outage leaves the others theirs).
    PerZone,
    /// One NAT gateway for all zones (cheaper).
    Single,
    /// No NAT gateway and no route to the internet: instances reach AWS's
    /// APIs through interface endpoints and S3 through its gateway endpoint.
    None,
}

impl Nat {
    /// Its words in the docs and in `stackc diff --against`.
    pub fn describe(self) -> &'static str {
        match self {
            Nat::PerZone => "a NAT gateway per zone",
            Nat::Single => "one NAT gateway",
            Nat::None => {
                "no NAT gateway (no route to the internet; AWS's APIs through interface endpoints)"
            }
        }
    }
}

/// Working hours of an environment.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct WorkingHours {
    /// Days the stack runs.
    pub days: Vec<Weekday>,
    /// Opening time.
    pub start: TimeOfDay,
    /// Closing time.
    pub end: TimeOfDay,
    /// IANA time zone.
    pub timezone: chrono_tz::Tz,
    /// Where the hours are written.
    #[serde(skip)]
    pub span: Span,
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

/// The kind of an app, as OpsWorks named it (`application_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppType {
    /// PHP, served by Apache (mod_php) or nginx with PHP-FPM.
    Php,
    /// Node.js, a systemd service.
    Nodejs,
    /// Java: Tomcat, or a jar as a systemd service.
    Java,
    /// Static files.
    Static,
    /// Anything else: your recipes deploy it.
    Other,
}

impl AppType {
    /// Every kind, in the order the language lists them.
    pub const ALL: [AppType; 5] = [
        AppType::Php,
        AppType::Nodejs,
        AppType::Java,
        AppType::Static,
        AppType::Other,
    ];
    /// Their names, in the same order.
    pub const NAMES: [&'static str; 5] = ["php", "nodejs", "java", "static", "other"];

    /// The name in the stack file and the node JSON.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The kind of this name.
    pub fn parse(name: &str) -> Option<AppType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl std::fmt::Display for AppType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An application deployed to a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    /// App name.
    pub name: String,
    /// What kind of app.
    #[serde(rename = "type")]
    pub app_type: AppType,
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

/// Whether an environment with working hours is up, and when that changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursState {
    /// Inside the working hours (layers at their minimum).
    pub open: bool,
    /// When the scheduled actions next stop (if open) or start the stack, in
    /// the hours' time zone.
    pub next_change: chrono::DateTime<chrono_tz::Tz>,
}

impl std::fmt::Display for WorkingHours {
    /// `mon-fri 08:00-20:00 (Europe/Madrid)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = crate::units::days_text(&self.days);
        write!(f, "{days} {}-{} ({})", self.start, self.end, self.timezone)
    }
}

impl WorkingHours {
    /// The state at `now`, as the Auto Scaling scheduled actions produce it:
    /// started at `start` and stopped at `end` on each of `days`, local time.
    /// `None` only for a time of day out of range, which neither the
    /// checker nor the operations record lets through.
    pub fn state_at(&self, now: chrono::DateTime<chrono::Utc>) -> Option<HoursState> {
        use chrono::{Datelike, Duration, TimeZone};
        let tz = self.timezone;
        let local_now = now.with_timezone(&tz);
        // A time that does not exist locally (inside a spring-forward gap)
        // is taken as the same wall time an hour later.
        let at = |date: chrono::NaiveDate, t: TimeOfDay| {
            let naive = date.and_hms_opt(u32::from(t.hour), u32::from(t.minute), 0)?;
            (0..4).find_map(|h| {
                tz.from_local_datetime(&(naive + Duration::hours(h)))
                    .earliest()
            })
        };
        let works = |date: chrono::NaiveDate| {
            let idx = date.weekday().num_days_from_monday() as usize;
            self.days.iter().any(|d| *d as usize == idx)
        };
        let today = local_now.date_naive();
        if works(today) {
            let (open, close) = (at(today, self.start)?, at(today, self.end)?);
            if open <= local_now && local_now < close {
                return Some(HoursState {
                    open: true,
                    next_change: close,
                });
            }
        }
        (0..=7)
            .map(|d| today + Duration::days(d))
            .filter(|date| works(*date))
            .filter_map(|date| at(date, self.start))
            .find(|open| *open > local_now)
            .map(|next_change| HoursState {
                open: false,
                next_change,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn madrid() -> WorkingHours {
        let (days, start, end) = crate::units::working_hours("mon-fri 08:00-20:00").unwrap();
        WorkingHours {
            days,
            start,
            end,
            timezone: chrono_tz::Europe::Madrid,
            span: Span::default(),
        }
    }

    fn state(h: &WorkingHours, utc: (i32, u32, u32, u32, u32)) -> (bool, String) {
        let now = Utc
            .with_ymd_and_hms(utc.0, utc.1, utc.2, utc.3, utc.4, 0)
            .unwrap();
        let s = h.state_at(now).expect("known zone");
        (
            s.open,
            s.next_change.format("%a %Y-%m-%d %H:%M %Z").to_string(),
        )
    }

    #[test]
    fn open_during_working_hours_until_closing_time() {
        // Tuesday 11:00 in Madrid (CET, UTC+1).
        assert_eq!(
            state(&madrid(), (2026, 11, 24, 10, 0)),
            (true, "Tue 2026-11-24 20:00 CET".into())
        );
        // Exactly at opening time it is open; at closing time it is closed.
        assert!(state(&madrid(), (2026, 11, 24, 7, 0)).0);
        assert_eq!(
            state(&madrid(), (2026, 11, 24, 19, 0)),
            (false, "Wed 2026-11-25 08:00 CET".into())
        );
    }

    #[test]
    fn closed_at_night_and_over_the_weekend() {
        // Monday 07:00 local: opens the same morning.
        assert_eq!(
            state(&madrid(), (2026, 11, 30, 6, 0)),
            (false, "Mon 2026-11-30 08:00 CET".into())
        );
        // Friday 20:30 local: next opening is Monday.
        assert_eq!(
            state(&madrid(), (2026, 11, 27, 19, 30)),
            (false, "Mon 2026-11-30 08:00 CET".into())
        );
        // Sunday noon.
        assert_eq!(
            state(&madrid(), (2026, 11, 29, 11, 0)),
            (false, "Mon 2026-11-30 08:00 CET".into())
        );
    }

    #[test]
    fn local_time_follows_daylight_saving() {
        // Friday 2026-03-27 is CET (UTC+1); Monday 2026-03-30 is CEST (UTC+2).
        let s = madrid()
            .state_at(Utc.with_ymd_and_hms(2026, 3, 27, 20, 0, 0).unwrap())
            .unwrap();
        assert!(!s.open);
        assert_eq!(
            s.next_change.with_timezone(&Utc),
            Utc.with_ymd_and_hms(2026, 3, 30, 6, 0, 0).unwrap()
        );
        // An opening time inside the spring-forward gap (02:30 on 2026-03-29)
        // still opens that day, an hour later by the wall clock.
        let (days, start, end) = crate::units::working_hours("sun 02:30-05:00").unwrap();
        let gap = WorkingHours {
            days,
            start,
            end,
            timezone: chrono_tz::Europe::Madrid,
            span: Span::default(),
        };
        assert_eq!(
            state(&gap, (2026, 3, 28, 23, 0)),
            (false, "Sun 2026-03-29 03:30 CEST".into())
        );
    }
}
