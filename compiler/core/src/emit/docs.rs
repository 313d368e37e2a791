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

use super::Artifact;
use crate::envdiff::{days, duration};
use crate::ir::{App, Layer, Listener, LoadRule, Network, Program, Scaling, Source, Stack};

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

fn groups(stack: &Stack) -> Vec<Group<'_>> {
    stack
        .layers
        .iter()
        .filter(|l| host_of(stack, l).name == l.name)
        .map(|host| Group {
            host,
            colocated: stack
                .layers
                .iter()
                .filter(|l| l.name != host.name && host_of(stack, l).name == host.name)
                .collect(),
        })
        .collect()
}

/// The layer whose instances carry `layer`: the layer it is `on`, or itself.
fn host_of<'a>(stack: &'a Stack, layer: &'a Layer) -> &'a Layer {
    match layer.on.as_deref().and_then(|h| stack.layer(h)) {
        Some(host) if host.on.is_none() => host,
        _ => layer,
    }
}

/// A layer that instances of another group use: `from` (a host layer)
/// reaches `to` (any layer) for `why`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Link<'a> {
    from: &'a str,
    to: &'a str,
    why: &'static str,
}

/// Which groups use a layer on other instances: every app's memcached is
/// the stack's first memcached layer (as in the node JSON; static sites
/// left out, they run no code), and an haproxy layer balances the app
/// server layers. Links within one group are left out: the layers share the
/// instances.
fn links(stack: &Stack) -> Vec<Link<'_>> {
    let mut out: Vec<Link> = Vec::new();
    if let Some(cache) = stack.layers.iter().find(|l| l.type_name == "memcached") {
        let cache_host = host_of(stack, cache).name.as_str();
        for app in stack.apps.iter().filter(|a| uses_memcached(a)) {
            let Some(layer) = stack.layer(&app.layer) else {
                continue;
            };
            let from = host_of(stack, layer).name.as_str();
            let link = Link {
                from,
                to: cache.name.as_str(),
                why: "memcached",
            };
            if from != cache_host && !out.contains(&link) {
                out.push(link);
            }
        }
    }
    for proxy in stack.layers.iter().filter(|l| l.type_name == "haproxy") {
        let from = host_of(stack, proxy).name.as_str();
        for backend in stack
            .layers
            .iter()
            .filter(|l| APP_SERVER_TYPES.contains(&l.type_name.as_str()))
        {
            let link = Link {
                from,
                to: backend.name.as_str(),
                why: "haproxy backend",
            };
            if host_of(stack, backend).name != from && !out.contains(&link) {
                out.push(link);
            }
        }
    }
    out
}

/// True unless the app is a static site (which runs no code to use a cache).
fn uses_memcached(app: &App) -> bool {
    app.app_type != "static"
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
        duration(rule.period_secs)
    )
}

/// `mon-fri 07:00`.
fn day_time(d: &[crate::units::Weekday], at: crate::units::TimeOfDay) -> String {
    format!("{} {at}", days(d))
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
            single_nat,
        } => format!(
            "new VPC {cidr} in {zones} availability zones, {}; load balancers in public subnets, instances in private ones",
            if *single_nat {
                "one NAT gateway"
            } else {
                "a NAT gateway per zone"
            }
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
            days(&w.days),
            w.start,
            w.end,
            w.timezone
        ),
        None => "always on".to_string(),
    }
}
