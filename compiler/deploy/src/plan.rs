//! A change set as a plan people read: per layer, what is added, changed
//! (and whether it is replaced) or removed.

use std::fmt::Write as _;

use stackc_core::emit::cfn::ids::layer_of;

use crate::cloud::Change;

/// A group whose instances an update replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The layer with instances of its own.
    pub layer: String,
    /// How many instances it runs now.
    pub instances: usize,
    /// What changes: the image, or the launch template.
    pub reason: String,
}

/// Renders the plan of `changes` for `stack`; `layers` groups the lines;
/// `replacing` says which groups' instances are replaced.
pub fn render(
    stack: &str,
    create: bool,
    changes: &[Change],
    layers: &[String],
    replacing: &[Replacement],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Plan for {stack} ({}):",
        if create { "new stack" } else { "update" }
    );
    let mut groups: Vec<(String, Vec<&Change>)> = Vec::new();
    for c in changes {
        let group = layer_of(&c.logical_id, layers)
            .map(|l| format!("layer {l}"))
            .unwrap_or_else(|| "stack".into());
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, v)) => v.push(c),
            None => groups.push((group, vec![c])),
        }
    }
    groups.sort_by(|a, b| (a.0 != "stack", &a.0).cmp(&(b.0 != "stack", &b.0)));
    let width = changes
        .iter()
        .map(|c| c.logical_id.len())
        .max()
        .unwrap_or(0);
    let (mut add, mut modify, mut replace, mut remove) = (0, 0, 0, 0);
    for (group, mut items) in groups {
        let _ = writeln!(out, "  {group}");
        items.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
        for c in items {
            let (mark, note) = match c.action.as_str() {
                "Add" => {
                    add += 1;
                    ("+", String::new())
                }
                "Remove" => {
                    remove += 1;
                    ("-", String::new())
                }
                _ => {
                    modify += 1;
                    let r = match c.replacement.as_deref() {
                        Some("True") => {
                            replace += 1;
                            "replaced"
                        }
                        Some("Conditional") => {
                            replace += 1;
                            "may be replaced"
                        }
                        _ => "in place",
                    };
                    ("~", format!("  ({r})"))
                }
            };
            let _ = writeln!(
                out,
                "    {mark} {:<width$}  {}{note}",
                c.logical_id, c.resource_type
            );
        }
    }
    for r in replacing {
        let _ = match r.instances {
            0 => writeln!(
                out,
                "  layer {}: no instance running to replace; new ones start with the change: {}",
                r.layer, r.reason
            ),
            n => writeln!(
                out,
                "  replaces {n} instance{} of layer {} (rolling, 1 at a time): {}",
                if n == 1 { "" } else { "s" },
                r.layer,
                r.reason
            ),
        };
    }
    let _ = writeln!(
        out,
        "{add} to add, {modify} to change ({replace} replaced or possibly replaced), {remove} to remove."
    );
    out
}

/// The plan as JSON (`--message-format json`): each change with its layer
/// (null: the stack's own), and the groups whose instances it replaces.
pub fn to_json(
    stack: &str,
    create: bool,
    changes: &[Change],
    layers: &[String],
    replacing: &[Replacement],
) -> serde_json::Value {
    serde_json::json!({
        "stack": stack,
        "create": create,
        "changes": changes.iter().map(|c| serde_json::json!({
            "layer": layer_of(&c.logical_id, layers),
            "logical_id": c.logical_id,
            "resource_type": c.resource_type,
            "action": c.action,
            "replacement": c.replacement,
        })).collect::<Vec<_>>(),
        "replacing": replacing.iter().map(|r| serde_json::json!({
            "layer": r.layer, "instances": r.instances, "reason": r.reason,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: &str, id: &str, ty: &str, replacement: Option<&str>) -> Change {
        Change {
            action: action.into(),
            logical_id: id.into(),
            resource_type: ty.into(),
            replacement: replacement.map(str::to_string),
        }
    }

    #[test]
    fn groups_by_layer_and_says_what_is_replaced() {
        let layers = vec![
            "web".to_string(),
            "web-api".to_string(),
            "reports".to_string(),
        ];
        let changes = vec![
            change(
                "Modify",
                "WebLaunchTemplate",
                "AWS::EC2::LaunchTemplate",
                Some("False"),
            ),
            change(
                "Modify",
                "WebAutoScalingGroup",
                "AWS::AutoScaling::AutoScalingGroup",
                Some("Conditional"),
            ),
            change(
                "Add",
                "WebApiTargetGroup",
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                None,
            ),
            change(
                "Remove",
                "ReportsSchedule2",
                "AWS::AutoScaling::ScheduledAction",
                None,
            ),
            change(
                "Modify",
                "BundleParameter",
                "AWS::SSM::Parameter",
                Some("False"),
            ),
            change(
                "Modify",
                "WebSecurityGroup",
                "AWS::EC2::SecurityGroup",
                Some("True"),
            ),
        ];
        let replacing = [
            Replacement {
                layer: "web".into(),
                instances: 2,
                reason: "image ami-0aaaaaaaaaaaaaaaa -> ami-0bbbbbbbbbbbbbbbb".into(),
            },
            Replacement {
                layer: "reports".into(),
                instances: 0,
                reason: "launch template changed (instance type, volumes or user data)".into(),
            },
        ];
        insta::assert_snapshot!(render(
            "goldcar-production",
            false,
            &changes,
            &layers,
            &replacing
        ));
    }
}
