//! The typed, fully resolved stack: one `Stack` per environment, with the
//! environment's overrides applied, stdlib defaults filled in and recipes
//! resolved to files. Emitters read only this.

mod app;
mod layer;
mod targets;

use std::path::PathBuf;

use serde::Serialize;

use crate::diag::Span;
use crate::units::{TimeOfDay, Weekday};
pub use app::{App, AppType, Database, Secret, Site, Source};
pub use layer::{
    Alarm, Comparison, HealthCheck, Layer, Listener, LoadBalancer, LoadRule, Recipe, RecipeOrigin,
    Scaling, Schedule, ScheduleEntry, Volume,
};
pub use targets::{PermissionModel, Target, TargetId, Targets};

/// Where each layer of a stack is: made once, on first use, so that looking
/// a layer up by name, or a host's layers, does not scan them all (a
/// 1,000-layer build does it a million times). Equal to any other: it is
/// derived from the layers, which are compared.
#[derive(Default)]
pub struct LayerIndex(std::sync::OnceLock<Positions>);

/// What [`LayerIndex`] holds.
pub struct Positions {
    /// How many layers there were.
    len: usize,
    /// Layer name → position.
    by_name: std::collections::HashMap<String, usize>,
    /// Host layer name → positions of the layers on its instances.
    instance_layers: std::collections::HashMap<String, Vec<usize>>,
}

impl LayerIndex {
    fn get(&self, layers: &[Layer]) -> &Positions {
        self.0.get_or_init(|| {
            let mut by_name = std::collections::HashMap::new();
            let mut instance_layers: std::collections::HashMap<String, Vec<usize>> =
                std::collections::HashMap::new();
            for (i, layer) in layers.iter().enumerate() {
                by_name.entry(layer.name.clone()).or_insert(i);
                let host = layer.on.as_deref().unwrap_or(&layer.name);
                instance_layers.entry(host.to_string()).or_default().push(i);
            }
            Positions {
                len: layers.len(),
                by_name,
                instance_layers,
            }
        })
    }
}

impl Clone for LayerIndex {
    fn clone(&self) -> Self {
        // A clone may be edited: it makes its own.
        LayerIndex::default()
    }
}

impl PartialEq for LayerIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for LayerIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LayerIndex")
    }
}

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
    /// The accounts and regions a StackSet deploys the environment to;
    /// `None`: one stack in `region`, in the account that deploys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
    /// Where each layer is in `layers`, made on first use.
    #[serde(skip)]
    pub index: LayerIndex,
}

impl Stack {
    /// The layer of this name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        let index = self.index.get(&self.layers);
        match index.by_name.get(name).and_then(|&i| self.layers.get(i)) {
            Some(layer) if layer.name == name => Some(layer),
            // `layers` changed since the index was made (tests edit it).
            Some(_) => self.layers.iter().find(|l| l.name == name),
            None if index.len == self.layers.len() => None,
            None => self.layers.iter().find(|l| l.name == name),
        }
    }

    /// The layers that run on the instances of `host`, in declared order
    /// (`host` itself included).
    pub fn instance_layers(&self, host: &Layer) -> Vec<&Layer> {
        let index = self.index.get(&self.layers);
        let linear = || {
            self.layers
                .iter()
                .filter(|l| l.name == host.name || l.on.as_deref() == Some(host.name.as_str()))
                .collect()
        };
        if index.len != self.layers.len() {
            return linear();
        }
        let Some(members) = index.instance_layers.get(host.name.as_str()) else {
            return linear();
        };
        let found: Vec<&Layer> = members.iter().filter_map(|&i| self.layers.get(i)).collect();
        let current = found.len() == members.len()
            && found
                .iter()
                .all(|l| l.name == host.name || l.on.as_deref() == Some(host.name.as_str()));
        if current {
            found
        } else {
            linear()
        }
    }

    /// The regions the environment's instances run in: its targets', or
    /// its own region.
    pub fn regions(&self) -> Vec<&str> {
        match &self.targets {
            Some(t) => t.regions(),
            None => vec![self.region.as_str()],
        }
    }

    /// `<stack>-<env>`, the CloudFormation stack name (with targets, the
    /// StackSet's).
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
mod tests;
