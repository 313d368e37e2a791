//! Architecture documentation of one environment (`stackc docs`): a Markdown
//! page (`<stack>-<env>.md`) and a diagram (`<stack>-<env>.svg`) that the
//! page embeds. Read from the IR only; same input, same bytes.
//!
//! The wording shared by the page and the diagram (instance counts,
//! listeners, scaling rules, which layer uses which) lives here.

mod escape;
mod markdown;
mod svg;
#[cfg(test)]
mod tests;

pub use markdown::markdown;
pub use svg::svg;

use std::collections::{BTreeMap, BTreeSet};

use super::Artifact;
use crate::ir::{App, Layer, Listener, LoadRule, Network, Program, Scaling, Source, Stack};
use crate::units::{days_text, duration_text};

/// The page's file name in the docs directory: `<stack>-<env>.md`.
pub fn markdown_path(stack: &Stack) -> String {
    format!("{}.md", stack.qualified_name())
}

/// The diagram's file name in the docs directory: `<stack>-<env>.svg`.
pub fn svg_path(stack: &Stack) -> String {
    format!("{}.svg", stack.qualified_name())
}

/// The documentation of one environment of `program`: the page, then the
/// diagram, with paths relative to the docs directory.
pub fn emit(program: &Program, stack: &Stack) -> Vec<Artifact> {
    vec![
        Artifact::new(markdown_path(stack), markdown(program, stack)),
        Artifact::new(svg_path(stack), svg(stack)),
    ]
}

/// Layer types whose instances an haproxy layer balances (the
/// `app_server_types` default of the built-in haproxy cookbook).
const APP_SERVER_TYPES: [&str; 4] = ["php-app", "nodejs-app", "java-app", "static-web"];

/// An instance group: a layer with instances of its own and the layers that
/// run `on` it, in declared order. A layer whose `on` names no such layer
/// (the checker refuses that) is a group of its own.
struct Group<'a> {
    host: &'a Layer,
    colocated: Vec<&'a Layer>,
}

/// A layer that instances of another group use: `from` (a host layer)
/// reaches `to` (any layer) for `why`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Link<'a> {
    from: &'a str,
    to: &'a str,
    why: &'static str,
}

/// Who runs where and who uses whom, worked out once per environment.
struct Topology<'a> {
    /// Layer name → the layer whose instances carry it.
    hosts: BTreeMap<&'a str, &'a Layer>,
    groups: Vec<Group<'a>>,
    links: Vec<Link<'a>>,
}

impl<'a> Topology<'a> {
    fn new(stack: &'a Stack) -> Topology<'a> {
        let mut by_name: BTreeMap<&str, &Layer> = BTreeMap::new();
        for l in &stack.layers {
            by_name.entry(l.name.as_str()).or_insert(l);
        }
        let mut hosts: BTreeMap<&str, &Layer> = BTreeMap::new();
        for l in &stack.layers {
            let host = match l.on.as_deref().and_then(|h| by_name.get(h)) {
                Some(h) if h.on.is_none() => h,
                _ => l,
            };
            hosts.entry(l.name.as_str()).or_insert(host);
        }
        let mut groups: Vec<Group> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for l in &stack.layers {
            if hosts.get(l.name.as_str()).is_some_and(|h| h.name == l.name)
                && !index.contains_key(l.name.as_str())
            {
                index.insert(l.name.as_str(), groups.len());
                groups.push(Group {
                    host: l,
                    colocated: Vec::new(),
                });
            }
        }
        for l in &stack.layers {
            let host = hosts
                .get(l.name.as_str())
                .map_or(l.name.as_str(), |h| h.name.as_str());
            if host != l.name {
                if let Some(&i) = index.get(host) {
                    groups[i].colocated.push(l);
                }
            }
        }
        let mut t = Topology {
            hosts,
            groups,
            links: Vec::new(),
        };
        t.links = t.find_links(stack);
        t
    }

    /// The layer whose instances carry `layer`: the layer it is `on`, or itself.
    fn host_of(&self, layer: &'a Layer) -> &'a Layer {
        self.hosts
            .get(layer.name.as_str())
            .copied()
            .unwrap_or(layer)
    }

    /// Which groups use a layer on other instances: every app's memcached
    /// is the stack's first memcached layer (as in the node JSON; static
    /// sites left out, they run no code), and an haproxy layer balances the
    /// app server layers. Links within one group are left out: the layers
    /// share the instances.
    fn find_links(&self, stack: &'a Stack) -> Vec<Link<'a>> {
        let mut out: Vec<Link> = Vec::new();
        let mut seen: BTreeSet<Link> = BTreeSet::new();
        let mut push = |link: Link<'a>| {
            if seen.insert(link.clone()) {
                out.push(link);
            }
        };
        let host_name = |name: &str| self.hosts.get(name).map(|h| h.name.as_str());
        if let Some(cache) = stack.layers.iter().find(|l| l.type_name == "memcached") {
            let cache_host = self.host_of(cache).name.as_str();
            for app in stack.apps.iter().filter(|a| uses_memcached(a)) {
                match host_name(&app.layer) {
                    Some(from) if from != cache_host => push(Link {
                        from,
                        to: cache.name.as_str(),
                        why: "memcached",
                    }),
                    _ => {}
                }
            }
        }
        for proxy in stack.layers.iter().filter(|l| l.type_name == "haproxy") {
            let from = self.host_of(proxy).name.as_str();
            for backend in stack
                .layers
                .iter()
                .filter(|l| APP_SERVER_TYPES.contains(&l.type_name.as_str()))
            {
                if self.host_of(backend).name != from {
                    push(Link {
                        from,
                        to: backend.name.as_str(),
                        why: "haproxy backend",
                    });
                }
            }
        }
        out
    }
}

/// True unless the app is a static site (which runs no code to use a cache).
fn uses_memcached(app: &App) -> bool {
    app.app_type != crate::ir::AppType::Static
}

/// `2–10`, or `3` when the bounds are equal.
fn bounds(min: u32, max: u32) -> String {
    if min == max {
        min.to_string()
    } else {
        format!("{min}–{max}")
    }
}

/// How a layer scales beyond its bounds, in a few words: `load-based on
/// cpu`, `scheduled`, both, or nothing.
fn scaling_kind(s: &Scaling) -> Option<String> {
    let mut metrics: Vec<&str> = Vec::new();
    for rule in [&s.up, &s.down].into_iter().flatten() {
        if !metrics.contains(&rule.metric.name.as_str()) {
            metrics.push(&rule.metric.name);
        }
    }
    let load = (!metrics.is_empty()).then(|| format!("load-based on {}", metrics.join(", ")));
    let schedule = s.schedule.as_ref().map(|_| "scheduled".to_string());
    match (load, schedule) {
        (Some(l), Some(s)) => Some(format!("{l}, {s}")),
        (l, s) => l.or(s),
    }
}

/// `70%`, `1.5s`, `20`: a threshold with its metric's unit.
fn threshold(value: f64, unit: &str) -> String {
    match unit {
        "Percent" => format!("{value}%"),
        "Seconds" => format!("{value}s"),
        _ => format!("{value}"),
    }
}

/// `add 2 when cpu is above 70% for 5m`.
fn load_rule(rule: &LoadRule, up: bool) -> String {
    format!(
        "{} {} when {} is {} {} for {}",
        if up { "add" } else { "remove" },
        rule.count,
        rule.metric.name,
        if up { "above" } else { "below" },
        threshold(rule.threshold, &rule.metric.unit),
        duration_text(rule.period_secs)
    )
}

/// `mon-fri 07:00`.
fn day_time(d: &[crate::units::Weekday], at: crate::units::TimeOfDay) -> String {
    format!("{} {at}", days_text(d))
}

/// Listener lines: `https :443`, `http :80 → https`.
fn listeners(listeners: &[Listener]) -> Vec<String> {
    let https = listeners
        .iter()
        .any(|l| matches!(l, Listener::Https { .. }));
    let mut out = Vec::new();
    if https {
        out.push("https :443".to_string());
        out.push("http :80 → https".to_string());
    } else if !listeners.is_empty() {
        out.push("http :80".to_string());
    }
    out
}

/// `git URL at REV`, `s3 URL`, `http URL`.
fn source(app: &App) -> String {
    match &app.source {
        Source::Git {
            url,
            revision,
            ssh_key_secret,
        } => match ssh_key_secret {
            Some(key) => format!("git {url} at {revision}, deploy key from secret {key}"),
            None => format!("git {url} at {revision}"),
        },
        Source::S3 { url } => format!("archive {url}"),
        Source::Http { url } => format!("archive {url}"),
    }
}

/// Where the instances run.
fn network(network: &Network) -> String {
    match network {
        Network::NewVpc {
            cidr,
            zones,
            nat,
        } => format!(
            "new VPC {cidr} in {zones} availability zones, {} and an S3 gateway endpoint; load balancers in public subnets, instances in private ones",
            nat.describe()
        ),
        Network::Existing {
            vpc_id,
            public_subnets,
            private_subnets,
        } => format!(
            "existing VPC {vpc_id}; load balancers in {}, instances in {}",
            public_subnets.join(", "),
            private_subnets.join(", ")
        ),
    }
}

/// The environment's working hours, or `always on`.
fn working_hours(stack: &Stack) -> String {
    match &stack.working_hours {
        Some(w) => format!(
            "{} {}–{} ({}); every layer scales to 0 outside them",
            days_text(&w.days),
            w.start,
            w.end,
            w.timezone
        ),
        None => "always on".to_string(),
    }
}
