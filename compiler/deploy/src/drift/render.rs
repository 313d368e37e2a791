//! `stackc drift`'s report: for people, and as `--message-format json`
//! prints it (a stable shape, documented in README "Drift").

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{InstanceProblem, Report};

impl InstanceProblem {
    /// One line for people.
    fn describe(&self) -> String {
        match self {
            InstanceProblem::RunFailed(run) => format!("last run failed: {run}"),
            InstanceProblem::OldBundle { has, current } => {
                format!("bundle {has} is not the current one ({current})")
            }
            InstanceProblem::Image { has, pinned } => {
                format!("image {has} is not the pinned {}", pinned.join(" or "))
            }
        }
    }
}

/// `ADD`, `REMOVE`, `NOT_EQUAL` as a line of the diff.
fn difference_line(d: &super::PropertyDifference) -> String {
    let none = "(none)";
    match d.kind.as_str() {
        "ADD" => format!(
            "{}: added {} (the template has none)",
            d.path,
            d.actual.as_deref().unwrap_or(none)
        ),
        "REMOVE" => format!(
            "{}: removed (the template has {})",
            d.path,
            d.expected.as_deref().unwrap_or(none)
        ),
        _ => format!(
            "{}: expected {}, actual {}",
            d.path,
            d.expected.as_deref().unwrap_or(none),
            d.actual.as_deref().unwrap_or(none)
        ),
    }
}

fn group_title(layer: Option<&str>) -> String {
    layer.map_or_else(|| "stack".to_string(), |l| format!("layer {l}"))
}

impl Report {
    /// As people read it: the drifted resources per layer with their
    /// property differences, the drifted instances per layer, a summary.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let (resources, instances) = (self.resources.drifted(), self.fleet.drifted());
        let checked_stacks = self.resources.stacks.len();
        let checked_instances = self.fleet.instances.len();
        if !self.drifted() {
            let _ = writeln!(
                s,
                "{}: no drift: the resources of {checked_stacks} stack{} are as deployed; {checked_instances} instance{} on the current bundle and {}",
                self.stack,
                plural(checked_stacks),
                plural(checked_instances),
                self.fleet.pins
            );
        } else {
            let _ = writeln!(s, "{}: drifted", self.stack);
        }
        if resources > 0 {
            let _ = writeln!(
                s,
                "resources changed outside stackc (CloudFormation drift detection of {checked_stacks} stack{}):",
                plural(checked_stacks)
            );
            let mut current: Option<Option<&str>> = None;
            for (layer, _, d) in self.resources.by_layer() {
                if current != Some(layer) {
                    let _ = writeln!(s, "  {}", group_title(layer));
                    current = Some(layer);
                }
                let (mark, what) = match d.status.as_str() {
                    "DELETED" => ("-", "deleted"),
                    _ => ("~", "modified"),
                };
                let physical = d
                    .physical_id
                    .as_deref()
                    .map(|p| format!(" {p}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "    {mark} {} {}{physical}: {what}",
                    d.logical_id, d.resource_type
                );
                for p in &d.differences {
                    let _ = writeln!(s, "        {}", difference_line(p));
                }
            }
        }
        if instances > 0 {
            let _ = writeln!(s, "instances that differ:");
            let mut current: Option<&str> = None;
            for i in self
                .fleet
                .instances
                .iter()
                .filter(|i| !i.problems.is_empty())
            {
                if current != Some(i.layer.as_str()) {
                    let _ = writeln!(s, "  layer {}", i.layer);
                    current = Some(i.layer.as_str());
                }
                for p in &i.problems {
                    let _ = writeln!(s, "    {} {}", i.instance.id, p.describe());
                }
            }
        }
        let unknown: Vec<&str> = self
            .fleet
            .instances
            .iter()
            .filter(|i| i.bundle_unknown)
            .map(|i| i.instance.id.as_str())
            .collect();
        if !unknown.is_empty() {
            let _ = writeln!(
                s,
                "note: {} record{} no bundle (no finished lifecycle run by this stackc's agent yet): not compared with the current bundle; `stackc run configure` records it",
                unknown.join(", "),
                if unknown.len() == 1 { "s" } else { "" }
            );
        }
        if self.drifted() {
            let _ = writeln!(
                s,
                "{resources} resource{} and {instances} instance{} drifted.",
                plural(resources),
                plural(instances)
            );
            if resources > 0 {
                let _ = writeln!(
                    s,
                    "help: a resource changed outside stackc stays so until it is changed back (the expected values are the template's) or the stack file says the new value and is deployed"
                );
            }
            if instances > 0 {
                let _ = writeln!(
                    s,
                    "help: `stackc logs --layer L` shows a failed run; `stackc run configure` fetches the current bundle; an instance on an unpinned image is replaced by `stackc deploy` after `stackc lock` pins the image you want"
                );
            }
        }
        s
    }

    /// As `--message-format json` prints it.
    pub fn to_json(&self) -> Value {
        json!({
            "stack": self.stack,
            "drifted": self.drifted(),
            "resources": {
                "stacks": self.resources.stacks.iter().map(|s| json!({
                    "stack": s.stack,
                    "layer": s.layer,
                    "detection": s.detection.status,
                    "drift": s.detection.stack_drift,
                    "reason": s.detection.reason,
                })).collect::<Vec<_>>(),
                "drifted": self.resources.by_layer().into_iter().map(|(layer, s, d)| json!({
                    "layer": layer,
                    "stack": s.stack,
                    "logical_id": d.logical_id,
                    "physical_id": d.physical_id,
                    "resource_type": d.resource_type,
                    "status": d.status,
                    "differences": d.differences,
                })).collect::<Vec<_>>(),
            },
            "fleet": {
                "bundle": self.fleet.bundle,
                "pins": self.fleet.pins,
                "instances": self.fleet.instances.iter().map(|i| json!({
                    "id": i.instance.id,
                    "layer": i.layer,
                    "state": i.instance.state(),
                    "image": i.instance.image,
                    "last_run": i.instance.last_run,
                    "bundle_unknown": i.bundle_unknown,
                    "drift": i.problems.iter().map(|p| {
                        let mut v = json!({ "kind": p.kind(), "message": p.describe() });
                        match p {
                            InstanceProblem::RunFailed(run) => v["last_run"] = json!(run),
                            InstanceProblem::OldBundle { has, current } => {
                                v["has"] = json!(has);
                                v["current"] = json!(current);
                            }
                            InstanceProblem::Image { has, pinned } => {
                                v["has"] = json!(has);
                                v["pinned"] = json!(pinned);
                            }
                        }
                        v
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            },
        })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
