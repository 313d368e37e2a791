//! The layers of the architecture page: each layer's instances, scaling,
//! links, load balancer, disks, logs, alarms, attributes and recipes.

use serde_json::Value;

use super::{heading, item, line};
use crate::emit::cfn::layer_alarms;
use crate::emit::docs::escape::{cell, code, text};
use crate::emit::docs::{bounds, day_time, listeners, load_rule, Topology};
use crate::emit::node::log_group_prefix;
use crate::ir::{Comparison, Event, Layer, Listener, RecipeOrigin, Scaling, Stack};
use crate::stdlib;
use crate::units::duration_text;

pub(super) fn layers(md: &mut String, stack: &Stack, topo: &Topology) {
    heading(md, "## Layers");
    if stack.layers.is_empty() {
        line(md, "The stack has no layers.");
        return;
    }
    line(
        md,
        "| layer | type | instances | instance type | load balancer | apps |",
    );
    line(md, "|---|---|---|---|---|---|");
    for layer in &stack.layers {
        let host = topo.host_of(layer);
        let instances = if host.name != layer.name {
            format!("on {}", code(&host.name))
        } else {
            match &layer.scaling {
                Some(s) => match crate::emit::docs::scaling_kind(s) {
                    Some(kind) => format!("{}, {kind}", bounds(s.min, s.max)),
                    None => bounds(s.min, s.max),
                },
                None => "—".to_string(),
            }
        };
        let lb = match &layer.load_balancer {
            Some(lb) => listeners(&lb.listeners)
                .first()
                .map_or("yes".to_string(), |l| l.clone()),
            None => "—".to_string(),
        };
        let apps: Vec<String> = stack
            .apps
            .iter()
            .filter(|a| a.layer == layer.name)
            .map(|a| code(&a.name))
            .collect();
        line(
            md,
            &format!(
                "| {} | {} | {} | {} | {} | {} |",
                code(&layer.name),
                code(&layer.type_name),
                cell(&instances),
                code(&layer.instance_type.name),
                cell(&lb),
                if apps.is_empty() {
                    "—".to_string()
                } else {
                    apps.join(", ")
                }
            ),
        );
    }
    for layer in &stack.layers {
        layer_section(md, stack, layer, topo);
    }
}

fn layer_section(md: &mut String, stack: &Stack, layer: &Layer, topo: &Topology) {
    heading(
        md,
        &format!(
            "### Layer {} ({})",
            code(&layer.name),
            text(&layer.type_name)
        ),
    );
    if let Some(t) = stdlib::get().layer_types.get(&layer.type_name) {
        let d = text(&t.description);
        line(md, &if d.ends_with('.') { d } else { format!("{d}.") });
        line(md, "");
    }
    let host = topo.host_of(layer);
    instances(md, stack, layer, host);
    let group = topo.groups.iter().find(|g| g.host.name == layer.name);
    if let Some(g) = group {
        if !g.colocated.is_empty() {
            let names: Vec<String> = g
                .colocated
                .iter()
                .map(|l| format!("{} ({})", code(&l.name), text(&l.type_name)))
                .collect();
            item(
                md,
                "Co-located layers",
                &format!(
                    "{} on these instances; each event runs {}'s recipes first, then theirs in declared order, each recipe once",
                    names.join(", "),
                    code(&layer.name)
                ),
            );
        }
    }
    links(md, layer, topo);
    load_balancer(md, layer);
    if !layer.ports.is_empty() {
        let ports: Vec<String> = layer.ports.iter().map(u16::to_string).collect();
        item(md, "Ports", &ports.join(", "));
    }
    if !layer.volumes.is_empty() {
        let vols: Vec<String> = layer
            .volumes
            .iter()
            .map(|v| format!("{} {} GiB", code(&v.mount), v.size_gib))
            .collect();
        item(md, "Volumes (encrypted EBS)", &vols.join(", "));
    }
    logs(md, stack, layer, host);
    alarms(md, layer);
    let mut attrs = Vec::new();
    flatten(&layer.attributes, &mut String::new(), &mut attrs);
    if !attrs.is_empty() {
        item(md, "Attributes (node JSON)", &attrs.join(", "));
    }
    recipes(md, layer);
}

/// How many instances of which type the layer runs, or the host it runs on.
fn instances(md: &mut String, stack: &Stack, layer: &Layer, host: &Layer) {
    let it = &layer.instance_type;
    let it_text = format!(
        "{} ({} vCPU, {} MiB, {})",
        code(&it.name),
        it.vcpus,
        it.memory_mib,
        it.arch
    );
    if host.name != layer.name {
        item(
            md,
            "Instances",
            &format!(
                "none of its own: runs on the instances of {}, after {}'s recipes",
                code(&host.name),
                code(&host.name),
            ),
        );
    } else if let Some(s) = &layer.scaling {
        item(
            md,
            "Instances",
            &format!(
                "{} × {it_text}, in an Auto Scaling group",
                if s.min == s.max {
                    s.min.to_string()
                } else {
                    format!("{} to {}", s.min, s.max)
                }
            ),
        );
        scaling(md, stack, s);
    }
}

/// A group's load-based scaling, its schedule and what working hours make of it.
fn scaling(md: &mut String, stack: &Stack, s: &Scaling) {
    let mut rules = Vec::new();
    if let Some(up) = &s.up {
        rules.push(load_rule(up, true));
    }
    if let Some(down) = &s.down {
        rules.push(load_rule(down, false));
    }
    if !rules.is_empty() {
        item(md, "Load-based scaling", &rules.join("; "));
    }
    if let Some(sched) = &s.schedule {
        let entries: Vec<String> = sched
            .entries
            .iter()
            .map(|e| {
                format!(
                    "{}: {} instances",
                    day_time(&e.days, e.at),
                    if e.min == e.max {
                        e.min.to_string()
                    } else {
                        format!("{} to {}", e.min, e.max)
                    }
                )
            })
            .collect();
        item(
            md,
            &format!("Schedule ({})", text(sched.timezone.name())),
            &entries.join("; "),
        );
        // What the scheduled actions do where working hours bound it.
        let base = crate::hours::Sizes {
            min: s.min,
            max: s.max,
        };
        if let Some(Ok(bounded)) = stack
            .working_hours
            .as_ref()
            .map(|wh| crate::hours::bound(Some(sched), base, wh))
        {
            let actions: Vec<String> = bounded
                .actions
                .iter()
                .map(|a| {
                    format!(
                        "{}: {} instances",
                        day_time(&a.days, a.at),
                        if a.sizes.min == a.sizes.max {
                            a.sizes.min.to_string()
                        } else {
                            format!("{} to {}", a.sizes.min, a.sizes.max)
                        }
                    )
                })
                .collect();
            let zone = stack
                .working_hours
                .as_ref()
                .map_or("", |wh| wh.timezone.name());
            item(
                md,
                &format!("Within the working hours ({})", text(zone)),
                &actions.join("; "),
            );
        }
    }
}

/// The layers that use this one, and those it uses.
fn links(md: &mut String, layer: &Layer, topo: &Topology) {
    let used_by: Vec<String> = topo
        .links
        .iter()
        .filter(|l| l.to == layer.name)
        .map(|l| format!("{} ({})", code(l.from), l.why))
        .collect();
    if !used_by.is_empty() {
        item(md, "Used by", &used_by.join(", "));
    }
    let uses: Vec<String> = topo
        .links
        .iter()
        .filter(|l| l.from == layer.name)
        .map(|l| format!("{} ({})", code(l.to), l.why))
        .collect();
    if !uses.is_empty() {
        item(md, "Uses", &uses.join(", "));
    }
}

/// The load balancer's listeners, port and health check.
fn load_balancer(md: &mut String, layer: &Layer) {
    if let Some(lb) = &layer.load_balancer {
        let mut parts: Vec<String> = lb
            .listeners
            .iter()
            .map(|l| match l {
                Listener::Http => "HTTP on 80".to_string(),
                Listener::Https { certificate } => {
                    format!("HTTPS on 443 with certificate {}", code(certificate))
                }
            })
            .collect();
        if lb.certificate().is_some() && !lb.listeners.contains(&Listener::Http) {
            parts.push("HTTP on 80 redirecting to HTTPS".to_string());
        }
        if let Some(port) = layer.http_port {
            parts.push(format!("forwards to port {port}"));
        }
        let hc = &lb.health_check;
        parts.push(format!(
            "health check {} every {}, healthy after {}, unhealthy after {}",
            code(&hc.path),
            duration_text(hc.interval_secs),
            hc.healthy,
            hc.unhealthy
        ));
        item(md, "Load balancer", &parts.join("; "));
    }
}

/// The layer's log group, its retention, and the files shipped to it.
fn logs(md: &mut String, stack: &Stack, layer: &Layer, host: &Layer) {
    let mut files: Vec<String> = Vec::new();
    if host.name == layer.name {
        files.push("lifecycle runs".to_string());
    }
    files.extend(layer.logs.iter().map(|l| code(l)));
    item(
        md,
        "Logs",
        &format!(
            "CloudWatch Logs group {} (one per deployment, kept by `stackc destroy`), events kept {} days: {}",
            code(&format!("{}/<stack id>", log_group_prefix(stack, &layer.name))),
            layer.log_retention_days,
            if files.is_empty() {
                "no files shipped to it".to_string()
            } else {
                files.join(", ")
            },
        ),
    );
}

/// The layer's alarms, defaults marked.
fn alarms(md: &mut String, layer: &Layer) {
    let alarms: Vec<String> = layer_alarms(layer)
        .iter()
        .map(|(a, default)| {
            format!(
                "{}: {} {} {} for {}{}",
                code(&a.name),
                a.metric.name,
                match a.comparison {
                    Comparison::Above => "above",
                    Comparison::Below => "below",
                },
                crate::emit::docs::threshold(a.threshold, &a.metric.unit),
                duration_text(a.period_secs),
                if *default { " (default)" } else { "" }
            )
        })
        .collect();
    if !alarms.is_empty() {
        item(md, "Alarms (to the notify topic)", &alarms.join("; "));
    }
}

/// `path.to.leaf` = `value` for every leaf of a JSON tree.
fn flatten(v: &Value, path: &mut String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                flatten(child, path, out);
                path.truncate(len);
            }
        }
        leaf if !path.is_empty() => {
            out.push(format!("{} = {}", code(path), code(&leaf.to_string())))
        }
        _ => {}
    }
}

fn recipes(md: &mut String, layer: &Layer) {
    line(md, "");
    line(
        md,
        "Recipes per event, in run order (stackc's built-in recipes plain, the stack's own in bold):",
    );
    line(md, "");
    line(md, "| event | run list |");
    line(md, "|---|---|");
    for event in Event::ALL {
        let list = layer.recipes.get(&event).map_or_else(Vec::new, |rs| {
            rs.iter()
                .map(|r| match r.origin {
                    RecipeOrigin::Builtin => code(&r.run_list_name()),
                    RecipeOrigin::User => format!("**{}**", code(&r.run_list_name())),
                })
                .collect()
        });
        line(
            md,
            &format!(
                "| {} | {} |",
                event.name(),
                if list.is_empty() {
                    "—".to_string()
                } else {
                    cell(&list.join(" → "))
                }
            ),
        );
    }
}
