//! A layer's instances as `scaling`: 24/7 instances are the minimum,
//! load-based and time-based ones raise the maximum; OpsWorks' thresholds
//! become `load` rules and the instances' weekly hours a `schedule` in UTC.

use super::layers::Planned;
use super::model::{Instance, LoadBased, Thresholds};
use super::read::Inputs;
use super::schedule::{self, Week};
use super::{instance_label, Ctx};
use crate::import::kdl::{Node, Val};

/// The `scaling` node of a layer with instances of its own; `None` when
/// describe-instances.json was not given (stackc's default, one instance).
pub fn node(
    cx: &mut Ctx,
    subject: &str,
    inputs: &Inputs,
    p: &Planned,
    instances: &[&Instance],
) -> Option<Node> {
    inputs.instances.as_ref()?;
    let mine: Vec<&Instance> = p.members.iter().map(|&m| instances[m]).collect();
    let always: Vec<&Instance> = mine
        .iter()
        .copied()
        .filter(|i| !matches!(i.auto_scaling_type.as_deref(), Some("load" | "timer")))
        .collect();
    let load_based = mine
        .iter()
        .filter(|i| i.auto_scaling_type.as_deref() == Some("load"))
        .count() as u32;
    let timers: Vec<&Instance> = mine
        .iter()
        .copied()
        .filter(|i| i.auto_scaling_type.as_deref() == Some("timer"))
        .collect();
    if mine.is_empty() {
        cx.warn(
            subject,
            "has no instances in OpsWorks: written with min=0 max=0; raise them to run the layer",
        );
    }
    let stopped: Vec<String> = always
        .iter()
        .filter(|i| i.status.as_deref() == Some("stopped"))
        .map(|i| instance_label(i))
        .collect();
    if !stopped.is_empty() {
        cx.warn(
            subject,
            format!(
                "stopped in OpsWorks but 24/7, so counted in min (stackc runs them): {}",
                stopped.join(", ")
            ),
        );
    }
    let base = always.len() as u32;
    let load = load_rules(cx, subject, inputs, p, load_based);

    let mut week: Week = [0; 168];
    let mut never = Vec::new();
    for t in &timers {
        let config = inputs
            .time
            .iter()
            .flatten()
            .find(|c| c.instance_id == t.instance_id);
        let mut own: Week = [0; 168];
        if let Some(c) = config {
            let unread = schedule::add(&mut own, &c.auto_scaling_schedule);
            if !unread.is_empty() {
                cx.warn(
                    subject,
                    format!(
                        "the schedule of instance {} has entries that are not OpsWorks hours, left out: {}",
                        instance_label(t),
                        unread.join(", ")
                    ),
                );
            }
        }
        if own.iter().all(|n| *n == 0) {
            never.push(instance_label(t));
        }
        for (w, o) in week.iter_mut().zip(own) {
            *w += o;
        }
    }
    if !never.is_empty() {
        let why = if inputs.time.is_none() {
            "describe-time-based-auto-scaling.json was not given"
        } else {
            "their schedules have no hour on"
        };
        cx.warn(
            subject,
            format!(
                "time-based instances {} are left out: {why}",
                never.join(", ")
            ),
        );
    }
    let changes = schedule::changes(&week);
    let peak = week.iter().copied().max().unwrap_or(0);
    let (min, max) = if changes.is_empty() {
        // The same count all week: those instances are as good as 24/7.
        if peak > 0 {
            cx.warn(
                subject,
                format!("{peak} time-based instance(s) are on all week: counted with the 24/7 instances"),
            );
        }
        (base + peak, base + peak + load_based)
    } else {
        (base, base + load_based + peak)
    };
    let mut block = Node::new("scaling");
    block.child(
        Node::new("instances")
            .pi("min", i64::from(min))
            .pi("max", i64::from(max)),
    );
    if let Some(l) = load {
        block.child(l);
    }
    if !changes.is_empty() {
        let mut s = Node::new("schedule").ps("timezone", "UTC");
        for c in &changes {
            let running = base + c.count;
            s.child(
                Node::new("at")
                    .s(format!(
                        "{} {:02}:00",
                        crate::units::days_text(&c.days),
                        c.hour
                    ))
                    .pi("min", i64::from(running))
                    .pi("max", i64::from(running + load_based)),
            );
        }
        block.child(s);
    }
    Some(block)
}

/// A layer that runs on another's instances keeps no scaling of its own.
pub fn dropped(cx: &mut Ctx, subject: &str, inputs: &Inputs, p: &Planned, host: &str) {
    let enabled = inputs
        .load
        .iter()
        .flatten()
        .any(|c| c.layer_id == p.src.layer_id && c.enable == Some(true));
    if enabled {
        cx.warn(
            subject,
            format!("its load-based scaling is not imported: it runs on layer {host}'s instances, which scale by {host}'s rules"),
        );
    }
}

/// The `load` block for a layer's load-based instances.
fn load_rules(
    cx: &mut Ctx,
    subject: &str,
    inputs: &Inputs,
    p: &Planned,
    load_based: u32,
) -> Option<Node> {
    let config: Option<&LoadBased> = inputs
        .load
        .iter()
        .flatten()
        .find(|c| c.layer_id == p.src.layer_id);
    let enabled = config.is_some_and(|c| c.enable == Some(true));
    match (load_based, config) {
        (0, _) if enabled => {
            cx.warn(
                subject,
                "load-based scaling was on but the layer has no load-based instances (OpsWorks only starts existing ones): not imported",
            );
            return None;
        }
        (0, _) => return None,
        (n, None) => {
            let why = if inputs.load.is_none() {
                "describe-load-based-auto-scaling.json was not given"
            } else {
                "describe-load-based-auto-scaling.json has no configuration for it"
            };
            cx.warn(
                subject,
                format!("{n} load-based instance(s) raise max, but {why}: no load rules; add `load {{ up ...; down ... }}`"),
            );
            return None;
        }
        (n, Some(_)) if !enabled => {
            cx.warn(
                subject,
                format!("load-based scaling was off: {n} load-based instance(s) raise max, without load rules to start them"),
            );
            return None;
        }
        _ => {}
    }
    let config = config?;
    let up = config
        .up_scaling
        .as_ref()
        .and_then(|t| rule(cx, subject, t, "up", None));
    let down = config
        .down_scaling
        .as_ref()
        .and_then(|t| rule(cx, subject, t, "down", up.as_ref().map(|u| u.metric)));
    let ignore: Vec<i64> = [&config.up_scaling, &config.down_scaling]
        .into_iter()
        .flatten()
        .filter_map(|t| t.ignore_metrics_time)
        .collect();
    if !ignore.is_empty() {
        cx.warn(
            subject,
            "IgnoreMetricsTime is not imported: the Auto Scaling group's default cooldown applies after each change",
        );
    }
    let down = match (&up, down) {
        (Some(u), Some(d)) if u.metric == d.metric && d.threshold >= u.threshold => {
            cx.warn(
                subject,
                format!(
                    "the down threshold ({} {}) is not below the up threshold ({}): the down rule is left out",
                    d.metric, d.threshold, u.threshold
                ),
            );
            None
        }
        (_, d) => d,
    };
    if up.is_none() && down.is_none() {
        return None;
    }
    let mut block = Node::new("load");
    for r in up.into_iter().chain(down) {
        block.child(r.node);
    }
    Some(block)
}

struct Rule {
    metric: &'static str,
    threshold: f64,
    node: Node,
}

/// One direction's rule: one metric (CPU first, then memory, then load),
/// since a stackc rule watches one.
fn rule(
    cx: &mut Ctx,
    subject: &str,
    t: &Thresholds,
    dir: &str,
    prefer: Option<&'static str>,
) -> Option<Rule> {
    let metrics = [
        ("cpu", t.cpu_threshold, 100.0),
        ("memory", t.memory_threshold, 100.0),
        ("load", t.load_threshold, 1000.0),
    ];
    let set: Vec<(&'static str, f64, f64)> = metrics
        .iter()
        .filter_map(|(m, v, max)| v.filter(|v| *v >= 0.0).map(|v| (*m, v, *max)))
        .collect();
    if !t.alarms.is_empty() {
        cx.warn(
            subject,
            format!(
                "{dir}-scaling on CloudWatch alarms {} is not imported: stackc scales on cpu, memory or load",
                t.alarms.join(", ")
            ),
        );
    }
    let chosen = prefer
        .and_then(|p| set.iter().find(|(m, _, _)| *m == p))
        .or(set.first())
        .copied()?;
    let dropped: Vec<String> = set
        .iter()
        .filter(|(m, _, _)| *m != chosen.0)
        .map(|(m, v, _)| format!("{m} {v}"))
        .collect();
    if !dropped.is_empty() {
        cx.warn(
            subject,
            format!(
                "{dir}-scaling also watched {}; a stackc rule watches one metric: {} {}",
                dropped.join(", "),
                chosen.0,
                chosen.1
            ),
        );
    }
    let (metric, threshold, max) = chosen;
    if threshold > max {
        cx.warn(
            subject,
            format!(
                "{dir}-scaling threshold {metric} {threshold} is above {max}: the rule is left out"
            ),
        );
        return None;
    }
    let wait = t.thresholds_wait_time.unwrap_or(5).clamp(1, 1440);
    let count = t.instance_count.unwrap_or(1).clamp(1, 100);
    let (word, count_key) = if dir == "up" {
        ("above", "add")
    } else {
        ("below", "remove")
    };
    let node = Node::new(dir)
        .prop(&format!("{metric}-{word}"), Val::number(threshold))
        .ps("for", format!("{wait}m"))
        .pi(count_key, count);
    Some(Rule {
        metric,
        threshold,
        node,
    })
}
