//! Layers: type, which layers share instances (`on`), instance type,
//! volumes, recipes, load balancer, logs, type attributes and the settings
//! stackc does not have.

use std::collections::BTreeSet;

use super::model::{Elb, Instance, Layer, Volume};
use super::read::Inputs;
use super::{recipes, scaling, Ctx};
use crate::import::kdl::{Node, Val};
use crate::stdlib;

/// A layer as it will be written.
pub struct Planned<'a> {
    /// The OpsWorks layer.
    pub src: &'a Layer,
    /// Its stackc name.
    pub name: String,
    /// Its stackc type.
    pub ty: &'static str,
    /// Its instances (indices into the stack's instances).
    pub members: Vec<usize>,
    /// The layer whose instances it runs on (index into the plan).
    pub on: Option<usize>,
    /// The Classic Load Balancer attached to it.
    pub elb: Option<&'a Elb>,
}

/// OpsWorks' layer type as a stackc type, and why it is not exact.
fn stackc_type(kind: &str) -> (&'static str, Option<String>) {
    let custom = |why: &str| ("custom", Some(why.to_string()));
    match kind {
        "php-app" => ("php-app", None),
        "nodejs-app" => ("nodejs-app", None),
        "java-app" => ("java-app", None),
        "web" => ("static-web", None),
        "memcached" => ("memcached", None),
        "lb" => ("haproxy", None),
        "custom" => ("custom", None),
        "rails-app" => custom("stackc has no Rails layer type (OpsWorks ran Apache with Passenger, or nginx with Unicorn): the layer is custom; install Ruby and the app server in your setup recipes, and deploy the app with your deploy recipes"),
        "db-master" => custom("stackc has no MySQL layer type: the layer is custom; consider Amazon RDS (an app's `database` block), or install MySQL in your setup recipes"),
        "monitoring-master" => custom("stackc has no Ganglia layer type: the layer is custom; stackc ships each layer's CPU, memory and load metrics and its logs to CloudWatch"),
        "ecs-cluster" => custom("stackc does not manage ECS clusters: the layer is custom; run the containers on ECS itself, or install what they need in your setup recipes"),
        "aws-flow-ruby" => custom("stackc has no AWS Flow (Ruby) layer type: the layer is custom; install the worker in your setup recipes"),
        other => (
            "custom",
            Some(format!("`{other}` is not an OpsWorks layer type stackc knows: the layer is custom")),
        ),
    }
}

/// Plans every layer of the stack: names, types, instances, load balancers
/// and which layers share instances.
pub fn plan<'a>(cx: &mut Ctx, inputs: &'a Inputs, instances: &[&'a Instance]) -> Vec<Planned<'a>> {
    let mut plans = Vec::new();
    let mut taken = Vec::new();
    for layer in &inputs.layers {
        if let Some(other) = layer
            .stack_id
            .as_deref()
            .filter(|id| *id != inputs.stack.stack_id)
        {
            cx.warn(
                format!("layer \"{}\"", layer.shortname),
                format!(
                    "belongs to stack {other}, not {}: left out",
                    inputs.stack.stack_id
                ),
            );
            continue;
        }
        let name = super::unique_name(&layer.shortname, "layer", &mut taken);
        let subject = format!("layer \"{name}\"");
        if name != layer.shortname {
            cx.warn(
                &subject,
                format!(
                    "OpsWorks short name `{}` renamed `{name}` (stackc names are lowercase letters, digits and dashes, at most 32)",
                    layer.shortname
                ),
            );
        }
        let (ty, why) = stackc_type(&layer.kind);
        if let Some(why) = why {
            cx.warn(&subject, format!("OpsWorks type {}: {why}", layer.kind));
        }
        let members = instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.layer_ids.contains(&layer.layer_id))
            .map(|(n, _)| n)
            .collect();
        let elbs: Vec<&Elb> = inputs
            .elbs
            .iter()
            .flatten()
            .filter(|e| e.layer_id.as_deref() == Some(layer.layer_id.as_str()))
            .collect();
        if elbs.len() > 1 {
            cx.warn(
                &subject,
                format!(
                    "{} Classic Load Balancers are attached; stackc gives a layer one load balancer",
                    elbs.len()
                ),
            );
        }
        plans.push(Planned {
            src: layer,
            name,
            ty,
            members,
            on: None,
            elb: elbs.first().copied(),
        });
    }
    colocate(cx, &mut plans, instances);
    plans
}

/// Layers with the same instances run `on` one of them, when stackc allows
/// their types on one instance. The layer that ranks higher (a load
/// balancer, then an HTTP port, then first in the file) is the host. A layer
/// on only some of another's instances keeps instances of its own: `on`
/// would run it on all of them (a second MySQL master, say).
fn colocate(cx: &mut Ctx, plans: &mut [Planned], instances: &[&Instance]) {
    let std = stdlib::get();
    let rank = |i: usize, p: &Planned| {
        (
            p.elb.is_some(),
            std.layer_types
                .get(p.ty)
                .is_some_and(|t| t.http_port.is_some()),
            std::cmp::Reverse(i),
        )
    };
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(rank(i, &plans[i])));
    for (pos, &guest) in order.iter().enumerate() {
        if plans[guest].members.is_empty() || plans[guest].elb.is_some() {
            continue;
        }
        let members: BTreeSet<usize> = plans[guest].members.iter().copied().collect();
        let host = order[..pos].iter().copied().find(|&h| {
            plans[h].on.is_none()
                && plans[h].members.len() == members.len()
                && members.iter().all(|m| plans[h].members.contains(m))
                && plans
                    .iter()
                    .enumerate()
                    .filter(|(j, p)| *j == h || p.on == Some(h))
                    .all(|(_, p)| can_share(plans[guest].ty, p.ty))
        });
        if let Some(h) = host {
            plans[guest].on = Some(h);
        }
    }
    // Instances shared by layers that stay apart are counted in each.
    for a in 0..plans.len() {
        for b in a + 1..plans.len() {
            let related = plans[a].on == Some(b)
                || plans[b].on == Some(a)
                || (plans[a].on.is_some() && plans[a].on == plans[b].on);
            if related {
                continue;
            }
            let shared: Vec<String> = plans[a]
                .members
                .iter()
                .filter(|m| plans[b].members.contains(*m))
                .map(|&m| super::instance_label(instances[m]))
                .collect();
            if shared.is_empty() {
                continue;
            }
            let why = if plans[a].members.len() == plans[b].members.len()
                && plans[a].members.len() == shared.len()
            {
                format!(
                    "stackc does not run a {} and a {} layer on one instance",
                    plans[a].ty, plans[b].ty
                )
            } else {
                "`on` needs the same instances".to_string()
            };
            cx.warn(
                format!("layer \"{}\"", plans[b].name),
                format!(
                    "shares {} with layer {}, but each layer gets instances of its own ({why}), so they are counted in both",
                    shared.join(", "),
                    plans[a].name,
                ),
            );
        }
    }
}

/// Whether stackc lets the two types share an instance (both list each
/// other, no common port).
fn can_share(a: &str, b: &str) -> bool {
    let std = stdlib::get();
    let (Some(x), Some(y)) = (std.layer_types.get(a), std.layer_types.get(b)) else {
        return false;
    };
    x.shares_with.iter().any(|t| t == b)
        && y.shares_with.iter().any(|t| t == a)
        && !x.ports.iter().any(|p| y.ports.contains(p))
}

/// The `layer` node of plan `i`.
pub fn node(
    cx: &mut Ctx,
    inputs: &Inputs,
    plans: &[Planned],
    i: usize,
    instances: &[&Instance],
) -> Node {
    let p = &plans[i];
    let layer = p.src;
    let subject = format!("layer \"{}\"", p.name);
    let mut node = Node::new("layer").s(&p.name).ps("type", p.ty);
    let same = |display: &str| super::unique_name(display, "layer", &mut Vec::new()) == p.name;
    if let Some(display) = layer.name.as_deref().filter(|n| !same(n)) {
        node.comment(&format!("OpsWorks layer \"{display}\" ({})", layer.kind));
    }
    if !layer.packages.is_empty() {
        node.comment(&format!(
            "OpsWorks packages (install them in a setup recipe): {}",
            layer.packages.join(" ")
        ));
        cx.warn(
            &subject,
            format!(
                "packages {} are not imported (stackc has no packages node): install them with a `package` resource in a setup recipe",
                layer.packages.join(", ")
            ),
        );
    }
    if let Some(json) = layer
        .custom_json
        .as_deref()
        .filter(|j| !j.trim().is_empty())
    {
        let compact = serde_json::from_str::<serde_json::Value>(json)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| json.replace('\n', " "));
        node.comment(&format!("OpsWorks layer custom JSON: {compact}"));
        cx.warn(
            &subject,
            "layer custom JSON is not imported (stackc's custom-json is stack-wide); it is kept as a comment: move what the layer's recipes read into the stack's custom-json or into layer attributes",
        );
    }
    match p.on {
        Some(h) => {
            node.child(Node::new("on").s(&plans[h].name));
        }
        None => {
            let mine: Vec<&Instance> = p.members.iter().map(|&m| instances[m]).collect();
            if let Some(t) = instance_type(cx, &subject, &mine) {
                node.child(Node::new("instance-type").s(t));
            }
            let mut mounts = Vec::new();
            for (j, q) in plans.iter().enumerate() {
                if j == i || q.on == Some(i) {
                    for v in &q.src.volume_configurations {
                        if let Some(v) = volume(cx, &subject, v, &mut mounts) {
                            node.child(v);
                        }
                    }
                }
            }
        }
    }
    if let Some(r) = recipes::node(cx, &subject, layer, stackc_type(&layer.kind).0) {
        node.child(r);
    }
    if let Some(elb) = p.elb {
        load_balancer(cx, &subject, p.ty, elb, &mut node);
    }
    if p.on.is_none() {
        if let Some(s) = scaling::node(cx, &subject, inputs, p, instances) {
            node.child(s);
        }
    } else {
        scaling::dropped(cx, &subject, inputs, p, &plans[p.on.unwrap_or(i)].name);
    }
    for file in logs(layer) {
        node.child(Node::new("logs").s(file));
    }
    attributes(cx, &subject, layer, &mut node);
    unsupported(cx, &subject, layer, p.on.is_none());
    node
}

/// The most common instance type of the layer's instances, as a type stackc
/// knows.
fn instance_type(cx: &mut Ctx, subject: &str, instances: &[&Instance]) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for t in instances.iter().filter_map(|i| i.instance_type.as_deref()) {
        match counts.iter_mut().find(|(n, _)| *n == t) {
            Some((_, c)) => *c += 1,
            None => counts.push((t, 1)),
        }
    }
    // The most common; of equals, the first seen.
    let top = counts.iter().map(|(_, c)| *c).max()?;
    let chosen = counts.iter().find(|(_, c)| *c == top)?.0;
    if counts.len() > 1 {
        let list: Vec<String> = counts.iter().map(|(n, c)| format!("{n} ({c})")).collect();
        cx.warn(
            subject,
            format!(
                "its instances are of types {}; a stackc layer has one instance type: {chosen}",
                list.join(", ")
            ),
        );
    }
    if instances
        .iter()
        .any(|i| i.architecture.as_deref() == Some("i386"))
    {
        cx.warn(
            subject,
            "some instances were 32-bit (i386): stackc runs 64-bit images only",
        );
    }
    let known = &stdlib::get().instance_types;
    if known.contains_key(chosen) {
        return Some(chosen.to_string());
    }
    match successor(chosen) {
        Some(t) => {
            cx.warn(
                subject,
                format!("instance type {chosen} is not one stackc offers (an older generation): {t} instead"),
            );
            Some(t)
        }
        None => {
            cx.warn(
                subject,
                format!("instance type {chosen} is not one stackc offers: the layer type's default instead; set `instance-type`"),
            );
            None
        }
    }
}

/// The closest newer instance type stackc knows: the same family letter and
/// size in a later generation, else a t3 of the same size.
pub(super) fn successor(name: &str) -> Option<String> {
    let known = &stdlib::get().instance_types;
    let (family, size) = name.split_once('.')?;
    let letter: String = family
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let generation: u32 = family[letter.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    let same_family = (generation + 1..=7).map(|g| format!("{letter}{g}.{size}"));
    same_family
        .chain(std::iter::once(format!("t3.{size}")))
        .find(|c| known.contains_key(c))
}

/// One `volume` node; RAID arrays become one volume of the array's size.
fn volume(cx: &mut Ctx, subject: &str, v: &Volume, mounts: &mut Vec<String>) -> Option<Node> {
    let raw = v.mount_point.as_deref().unwrap_or("");
    let mount = raw.trim_end_matches('/');
    if !mount.starts_with('/') || mount.split('/').any(|p| p == "..") {
        cx.warn(
            subject,
            format!("volume mount point `{raw}` is not an absolute path: left out"),
        );
        return None;
    }
    if mounts.iter().any(|m| m == mount) {
        cx.warn(subject, format!("a second volume on {mount} is left out"));
        return None;
    }
    let Some(size) = v.size.filter(|s| *s > 0) else {
        cx.warn(
            subject,
            format!("the volume on {mount} has no size: left out"),
        );
        return None;
    };
    let disks = u64::from(v.number_of_disks.unwrap_or(1).max(1));
    let total = match v.raid_level {
        Some(0) | None => size.saturating_mul(disks),
        Some(1) => size,
        Some(5) => size.saturating_mul((disks - 1).max(1)),
        Some(10) => size.saturating_mul((disks / 2).max(1)),
        Some(_) => size,
    };
    if disks > 1 || v.raid_level.is_some() {
        cx.warn(
            subject,
            format!(
                "the RAID {} array of {disks} × {size} GiB on {mount} becomes one {total} GiB volume",
                v.raid_level.map_or("0".to_string(), |l| l.to_string())
            ),
        );
    }
    let kind = v.volume_type.as_deref().unwrap_or("gp2");
    if !matches!(kind, "gp2" | "gp3") || v.iops.is_some() {
        cx.warn(
            subject,
            format!("the {kind} volume on {mount} becomes an encrypted gp3 volume (stackc's only kind; 3,000 IOPS)"),
        );
    }
    if total > 16384 {
        cx.warn(
            subject,
            format!("the volume on {mount} ({total} GiB) is above EBS's 16 TiB: left out"),
        );
        return None;
    }
    mounts.push(mount.to_string());
    Some(
        Node::new("volume")
            .s(mount)
            .ps("size", format!("{total}GiB")),
    )
}

/// `load-balancer { listener http }` for the layer's Classic Load Balancer:
/// describe-elastic-load-balancers does not give its listeners.
fn load_balancer(cx: &mut Ctx, subject: &str, ty: &str, elb: &Elb, node: &mut Node) {
    let name = &elb.elastic_load_balancer_name;
    let (serves_http, names_port) = stdlib::get()
        .layer_types
        .get(ty)
        .map_or((false, false), |t| {
            (t.http_port.is_some(), t.user_http_port)
        });
    if !serves_http && !names_port {
        node.comment(&format!(
            "OpsWorks attached the Classic Load Balancer {name}; a {ty} layer cannot take a load balancer"
        ));
        cx.warn(
            subject,
            format!("the Classic Load Balancer {name} is not imported: a {ty} layer serves no HTTP port in stackc, so it cannot take a load balancer (put the service on an app server layer type)"),
        );
        return;
    }
    let mut lb = Node::new("load-balancer");
    if names_port {
        // A custom layer's recipes decide the port; the ELB's instance
        // port is not in describe-elastic-load-balancers.
        lb = lb.pi("port", 80);
        cx.warn(
            subject,
            format!("the load balancer forwards to port 80 on the instances: if {name} forwarded to another instance port, change `load-balancer port=`"),
        );
    }
    lb.comment(&format!(
        "Was the Classic Load Balancer {name}. If it served HTTPS, add:\nlistener https certificate=\"arn:aws:acm:REGION:ACCOUNT:certificate/ID\""
    ));
    lb.child(Node::new("listener").s("http"));
    node.child(lb);
    cx.warn(
        subject,
        format!("the Classic Load Balancer {name} becomes an ALB listening on HTTP: its listeners and health check are not in describe-elastic-load-balancers (see `aws elb describe-load-balancers --load-balancer-names {name}`); for HTTPS add `listener https certificate=ARN` with an ACM certificate"),
    );
}

/// The layer's shipped log files.
fn logs(layer: &Layer) -> Vec<String> {
    let Some(cfg) = &layer.cloud_watch_logs_configuration else {
        return Vec::new();
    };
    if cfg.enabled == Some(false) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for file in cfg.log_streams.iter().filter_map(|s| s.file.as_deref()) {
        if file.starts_with('/')
            && !file.split('/').any(|p| p == "..")
            && !out.iter().any(|f| f == file)
        {
            out.push(file.to_string());
        }
    }
    out
}

/// OpsWorks type attributes that have a stackc counterpart.
fn attributes(cx: &mut Ctx, subject: &str, layer: &Layer, node: &mut Node) {
    let attr = |k: &str| {
        layer
            .attributes
            .get(k)
            .and_then(|v| v.as_deref())
            .filter(|v| !v.is_empty())
    };
    match layer.kind.as_str() {
        "memcached" => {
            // Up to 1 TiB: more than any instance type has.
            if let Some(mb) = attr("MemcachedMemory")
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|m| (1..=1 << 20).contains(m))
            {
                node.child(Node::new("memory").s(format!("{mb}MiB")));
            }
        }
        "lb" => {
            if let Some(path) = attr("HaproxyHealthCheckUrl").filter(|p| p.starts_with('/')) {
                node.child(Node::new("health-check-path").s(path));
            }
            if attr("EnableHaproxyStats") == Some("true") {
                node.child(Node::new("stats").arg(Val::Bool(true)));
                cx.warn(subject, "HAProxy statistics stay on, at stackc's haproxy cookbook's URL and without OpsWorks' user and password (HaproxyStatsUrl, HaproxyStatsUser)");
            }
        }
        "nodejs-app" => {
            if let Some(v) = attr("NodejsVersion") {
                let major: u32 = v
                    .split('.')
                    .next()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(0);
                if major >= 18 {
                    node.child(Node::new("node-version").s(major.to_string()));
                } else {
                    cx.warn(subject, format!("OpsWorks ran Node.js {v}, which current operating systems do not package: stackc installs `node-version` (default 20); test the app on it"));
                }
            }
        }
        "java-app" => {
            if let Some(v) = attr("JvmVersion") {
                match v.parse::<i64>() {
                    Ok(n) if (8..=25).contains(&n) => node.child(Node::new("java-version").arg(Val::Int(n))),
                    _ => cx.warn(subject, format!("OpsWorks ran Java {v}: stackc installs `java-version` (default 17, 8 at the least); test the app on it")),
                }
            }
            if let Some(opts) = attr("JvmOptions") {
                cx.warn(
                    subject,
                    format!(
                        "JVM options `{opts}` are not imported: stackc sets the heap with `heap`"
                    ),
                );
            }
        }
        _ => {}
    }
}

/// Layer settings stackc has no counterpart for; those of the instances
/// only for a layer with instances of its own (the host's say it).
fn unsupported(cx: &mut Ctx, subject: &str, layer: &Layer, own_instances: bool) {
    if own_instances {
        if layer.auto_assign_elastic_ips == Some(true) {
            cx.warn(subject, "Elastic IPs (AutoAssignElasticIps) are not imported: instances sit in private subnets, reached through the load balancer and Session Manager");
        }
        if layer.auto_assign_public_ips == Some(true) {
            cx.warn(subject, "public IPs (AutoAssignPublicIps) are not imported: instances sit in private subnets and reach the internet through a NAT gateway");
        }
        if layer.use_ebs_optimized_instances == Some(true) {
            cx.warn(subject, "UseEbsOptimizedInstances is not imported: the instance types stackc offers are EBS-optimized by default, or not at all");
        }
        if layer.enable_auto_healing == Some(false) {
            cx.warn(subject, "auto healing was off; stackc's Auto Scaling group replaces instances that fail their health checks");
        }
    }
    if !layer.custom_security_group_ids.is_empty() {
        cx.warn(subject, format!("custom security groups {} are not imported: stackc makes the layer's own (the load balancer to the app port only)", layer.custom_security_group_ids.join(", ")));
    }
    if let Some(arn) = &layer.custom_instance_profile_arn {
        cx.warn(subject, format!("the instance profile {arn} is not imported: stackc creates a least-privilege role per stack; grant more in a separate stack if recipes need it"));
    }
    let timeout = layer
        .lifecycle_event_configuration
        .as_ref()
        .and_then(|l| l.shutdown.as_ref())
        .and_then(|s| s.execution_timeout);
    if let Some(t) = timeout.filter(|t| *t != 120) {
        cx.warn(subject, format!("the shutdown timeout of {t} s is not imported: stackc's terminate hook waits up to 600 s"));
    }
}
