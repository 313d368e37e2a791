//! What the commands that operate a deployed environment (`status`, `run`,
//! `logs`) need to know about it, written into the root template's
//! `Metadata` (`stackc:operations`) so that they work from the deployed
//! stack alone: `stackc status --stack goldcar-production`, in any
//! directory, reads it back with CloudFormation's GetTemplate. The names
//! are computed once, here, by the build that made the stack.

use serde::{Deserialize, Serialize};

use crate::ir::{Stack, WorkingHours};

/// The key of the root template's `Metadata` that holds it.
pub const METADATA_KEY: &str = "stackc:operations";

/// The format's version; a reader refuses another.
pub const VERSION: u32 = 1;

/// What operating an environment needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operations {
    /// [`VERSION`].
    pub version: u32,
    /// The stack's name.
    pub stack: String,
    /// The environment.
    pub env: String,
    /// The region it is deployed to.
    pub region: String,
    /// The layers, in the stack file's order.
    pub layers: Vec<OperatedLayer>,
    /// The apps and their layers.
    pub apps: Vec<OperatedApp>,
    /// The environment's working hours. (Absent values are left out:
    /// CloudFormation's Metadata holds no null.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
}

/// A layer as the operations see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatedLayer {
    /// Its name.
    pub name: String,
    /// The layer whose instances it runs on (itself, or its `on` host).
    pub host: String,
    /// Its Auto Scaling group, when it has instances of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The prefix of its log groups (each deployment adds its stack id).
    pub log_group_prefix: String,
    /// How long its load balancer's checks take to find a broken instance:
    /// one interval per failure they count, and one more; `None` without a
    /// load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_window_secs: Option<u64>,
}

/// An app as the operations see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatedApp {
    /// Its name.
    pub name: String,
    /// The layer it is deployed to.
    pub layer: String,
}

impl Operations {
    /// The operations view of an environment.
    pub fn of(stack: &Stack) -> Operations {
        Operations {
            version: VERSION,
            stack: stack.name.clone(),
            env: stack.env.clone(),
            region: stack.region.clone(),
            layers: stack
                .layers
                .iter()
                .map(|l| OperatedLayer {
                    name: l.name.clone(),
                    host: super::node::host_of(stack, l).name.clone(),
                    group: l
                        .has_instances()
                        .then(|| super::cfn::group_name(stack, &l.name)),
                    log_group_prefix: super::node::log_group_prefix(stack, &l.name),
                    health_window_secs: l.load_balancer.as_ref().map(|lb| {
                        let hc = &lb.health_check;
                        hc.interval_secs * (u64::from(hc.unhealthy) + 1)
                    }),
                })
                .collect(),
            apps: stack
                .apps
                .iter()
                .map(|a| OperatedApp {
                    name: a.name.clone(),
                    layer: a.layer.clone(),
                })
                .collect(),
            working_hours: stack.working_hours.clone(),
        }
    }

    /// Reads it from a root template's JSON text: `Ok(None)` when the
    /// template has none (a stack deployed by a stackc before it was
    /// written), an error when it is there but not what this stackc reads.
    pub fn from_template(template: &str) -> Result<Option<Operations>, String> {
        let value: serde_json::Value = serde_json::from_str(template)
            .map_err(|e| format!("the deployed template is not JSON: {e}"))?;
        let Some(found) = value.get("Metadata").and_then(|m| m.get(METADATA_KEY)) else {
            return Ok(None);
        };
        let version = found.get("version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(VERSION)) {
            return Err(format!(
                "the deployed template's {METADATA_KEY} has version {}; this stackc reads version {VERSION}",
                version.map_or("none".to_string(), |v| v.to_string())
            ));
        }
        let ops: Operations = serde_json::from_value(found.clone())
            .map_err(|e| format!("the deployed template's {METADATA_KEY} cannot be read: {e}"))?;
        ops.valid()?;
        Ok(Some(ops))
    }

    /// Refuses what the build never writes (a template edited by hand).
    fn valid(&self) -> Result<(), String> {
        if let Some(h) = &self.working_hours {
            let times_ok = [h.start, h.end]
                .iter()
                .all(|t| t.hour < 24 && t.minute < 60);
            if !times_ok {
                return Err(format!(
                    "the deployed template's {METADATA_KEY} has working hours stackc cannot read"
                ));
            }
        }
        Ok(())
    }

    /// `<stack>-<env>`, the CloudFormation stack's name.
    pub fn stack_name(&self) -> String {
        format!("{}-{}", self.stack, self.env)
    }

    /// A layer by name.
    pub fn layer(&self, name: &str) -> Option<&OperatedLayer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The layers with instances of their own and their groups.
    pub fn groups(&self) -> Vec<(String, String)> {
        self.layers
            .iter()
            .filter_map(|l| Some((l.name.clone(), l.group.clone()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_source, AllExist, Options};

    /// The targets are not in the template: a StackSet's template is the
    /// same in every account and region, and adding or removing a target
    /// must not make an update of the StackSet (which reaches every stack
    /// instance). Deploy reads them from the stack file; what runs, from the
    /// StackSet's instances.
    #[test]
    fn the_targets_are_not_recorded() {
        let opts = Options {
            base_dir: std::path::Path::new("/stack"),
            files: &AllExist,
        };
        let source = include_str!("../../../../examples/multi-region/stack.kdl");
        let one = source.replace(
            "            account \"222222222222\" regions=\"us-east-1\"\n",
            "",
        );
        assert_ne!(one, source);
        let ops = |text: &str| {
            let program = check_source(text, &opts).0.expect("the example checks");
            let stack = program.environment("production").unwrap();
            assert!(stack.targets.is_some());
            serde_json::to_string(&Operations::of(stack)).unwrap()
        };
        assert_eq!(ops(source), ops(&one));
        assert!(!ops(source).contains("222222222222"));
    }
}
