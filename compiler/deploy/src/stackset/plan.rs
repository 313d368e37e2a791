//! What a deploy of a StackSet would do: the StackSet created or its
//! template and parameters changed, and per account (or organizational
//! unit) and region an instance created, updated, deleted or left alone.
//! Computed from what is deployed and what would be, without calling
//! anything, so a redeploy with nothing changed starts no operation.

use serde_json::json;
use stackc_core::ir::PermissionModel;

use super::{InstanceInfo, StackSetInfo, StackSetRequest, Who};

/// A target as the StackSet sees it: the account (or organizational unit)
/// and the region.
pub type Key = (String, String);

/// What would be deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The StackSet's template URL and parameters.
    pub request: StackSetRequest,
    /// The root template's text, compared with the StackSet's.
    pub template: String,
    /// Every account (or unit) and region, in the stack file's order.
    pub targets: Vec<Key>,
    /// Per region, the parameters its instances override: the region's
    /// artifact bucket and pinned images.
    pub overrides: Vec<(String, Vec<(String, String)>)>,
}

impl Desired {
    /// The overrides of a region's instances.
    pub fn overrides_of(&self, region: &str) -> &[(String, String)] {
        self.overrides
            .iter()
            .find(|(r, _)| r == region)
            .map_or(&[], |(_, o)| o.as_slice())
    }
}

/// One StackSet operation (or, for the StackSet's creation, call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// CreateStackSet.
    CreateStackSet,
    /// DeleteStackInstances of targets no longer in the stack file.
    Delete {
        /// The region.
        region: String,
        /// Accounts or units.
        ids: Vec<String>,
    },
    /// UpdateStackSet: what changed (`template`, `parameter X`).
    UpdateStackSet {
        /// What changed.
        changed: Vec<String>,
    },
    /// UpdateStackInstances: the region's overrides changed, or the
    /// instances are not current.
    Update {
        /// The region.
        region: String,
        /// Accounts or units.
        ids: Vec<String>,
    },
    /// CreateStackInstances.
    Create {
        /// The region.
        region: String,
        /// Accounts or units.
        ids: Vec<String>,
    },
}

impl Step {
    /// What it is, for messages.
    pub fn describe(&self, name: &str) -> String {
        match self {
            Step::CreateStackSet => format!("create the StackSet {name}"),
            Step::UpdateStackSet { changed } => {
                format!("update the StackSet {name} ({})", changed.join(", "))
            }
            Step::Delete { region, ids } => {
                format!("delete the instances of {} in {region}", ids.join(", "))
            }
            Step::Update { region, ids } => {
                format!("update the instances of {} in {region}", ids.join(", "))
            }
            Step::Create { region, ids } => {
                format!("create instances for {} in {region}", ids.join(", "))
            }
        }
    }
}

/// What a deploy would do, in the order it does it: deletions first (no
/// update is spent on a stack about to go), then the StackSet's update,
/// then the instances' overrides, then new instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `<stack>-<env>`.
    pub name: String,
    /// Self-managed or service-managed.
    pub model: PermissionModel,
    /// The operations.
    pub steps: Vec<Step>,
    /// Every target with what happens to it (`create`, `update`, `delete`,
    /// `unchanged`), for the plan shown.
    pub targets: Vec<(Key, &'static str)>,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The StackSet changes, when it does.
    fn stack_set_change(&self) -> Option<String> {
        self.steps.iter().find_map(|s| match s {
            Step::CreateStackSet => Some("created".to_string()),
            Step::UpdateStackSet { changed } => Some(format!("updated: {}", changed.join(", "))),
            _ => None,
        })
    }

    /// The plan as text, `+`/`~`/`-` marks as the stack plan has them.
    pub fn render(&self) -> String {
        let model = match self.model {
            PermissionModel::SelfManaged => "self-managed",
            PermissionModel::ServiceManaged => "service-managed",
        };
        let mut text = format!(
            "StackSet {} ({model}), {} target{}:\n",
            self.name,
            self.targets.len(),
            if self.targets.len() == 1 { "" } else { "s" }
        );
        match self.stack_set_change() {
            Some(c) => text.push_str(&format!(
                "  ~ the StackSet's template and parameters: {c}\n"
            )),
            None => text.push_str("    the StackSet's template and parameters: unchanged\n"),
        }
        for ((id, region), action) in &self.targets {
            let mark = match *action {
                "create" => "+",
                "delete" => "-",
                "update" => "~",
                _ => " ",
            };
            text.push_str(&format!("  {mark} {id}/{region}: {action}\n"));
        }
        if self.is_empty() {
            text.push_str("nothing to change\n");
        }
        text.trim_end().to_string()
    }

    /// The plan as JSON (`--message-format json`).
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "stack_set": self.name,
            "permission_model": self.model.cloudformation(),
            "stack_set_change": self.stack_set_change(),
            "targets": self.targets.iter().map(|((id, region), action)| json!({
                "target": id, "region": region, "action": action,
            })).collect::<Vec<_>>(),
            "operations": self.steps.iter().map(|s| s.describe(&self.name)).collect::<Vec<_>>(),
        })
    }
}

/// The key an instance belongs to: its unit's for service-managed ones.
fn key_of(i: &InstanceInfo) -> Key {
    (
        i.unit.clone().unwrap_or_else(|| i.account.clone()),
        i.region.clone(),
    )
}

/// Two templates are the same when they parse to the same JSON (what
/// CloudFormation keeps may be formatted otherwise), else when the texts
/// are.
fn same_template(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

fn sorted(v: &[(String, String)]) -> Vec<(String, String)> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// What changed between the StackSet and what would be deployed: its
/// template. Its parameters are not compared: every instance overrides
/// all of them (see `flow::desired`), and an UpdateStackSet sends them
/// anew with the template.
fn stack_set_changes(desired: &Desired, set: &StackSetInfo) -> Vec<String> {
    if same_template(&set.template, &desired.template) {
        Vec::new()
    } else {
        vec!["template".to_string()]
    }
}

/// The plan: `set` is the StackSet (`None`: not deployed), `instances`
/// each deployed instance with its overrides. With `only`, the plan is
/// that one target's (the StackSet itself is then left alone).
pub fn plan(
    name: &str,
    model: PermissionModel,
    desired: &Desired,
    set: Option<&StackSetInfo>,
    instances: &[(InstanceInfo, Vec<(String, String)>)],
    only: Option<&Key>,
) -> Plan {
    let wanted = |k: &Key| only.is_none_or(|o| o == k);
    let mut steps = Vec::new();
    let mut targets: Vec<(Key, &'static str)> = Vec::new();
    match set {
        None if only.is_none() => steps.push(Step::CreateStackSet),
        Some(set) if only.is_none() => {
            let changed = stack_set_changes(desired, set);
            if !changed.is_empty() {
                steps.push(Step::UpdateStackSet { changed });
            }
        }
        _ => {}
    }
    // Deployed keys, in the order listed, each once.
    let mut deployed: Vec<Key> = Vec::new();
    for (i, _) in instances {
        let k = key_of(i);
        if !deployed.contains(&k) {
            deployed.push(k);
        }
    }
    let mut deletes: Vec<Key> = Vec::new();
    for k in deployed.iter().filter(|k| wanted(k)) {
        if !desired.targets.contains(k) {
            deletes.push(k.clone());
            targets.push((k.clone(), "delete"));
        }
    }
    let mut updates: Vec<Key> = Vec::new();
    let mut creates: Vec<Key> = Vec::new();
    for k in desired.targets.iter().filter(|k| wanted(k)) {
        if !deployed.contains(k) {
            creates.push(k.clone());
            targets.push((k.clone(), "create"));
            continue;
        }
        let want = sorted(desired.overrides_of(&k.1));
        let stale = instances
            .iter()
            .filter(|(i, _)| key_of(i) == *k)
            .any(|(i, o)| i.status != "CURRENT" || sorted(o) != want);
        if stale {
            updates.push(k.clone());
            targets.push((k.clone(), "update"));
        } else {
            targets.push((k.clone(), "unchanged"));
        }
    }
    // One operation per region and kind: a region's instances share its
    // overrides.
    let by_region = |keys: &[Key]| -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (id, region) in keys {
            match out.iter_mut().find(|(r, _)| r == region) {
                Some((_, ids)) => ids.push(id.clone()),
                None => out.push((region.clone(), vec![id.clone()])),
            }
        }
        out
    };
    // Deletions before the StackSet's update, so no update is spent on a
    // stack about to go.
    let deletions: Vec<Step> = by_region(&deletes)
        .into_iter()
        .map(|(region, ids)| Step::Delete { region, ids })
        .collect();
    let at = usize::from(matches!(steps.first(), Some(Step::CreateStackSet)));
    steps.splice(at..at, deletions);
    steps.extend(
        by_region(&updates)
            .into_iter()
            .map(|(region, ids)| Step::Update { region, ids }),
    );
    steps.extend(
        by_region(&creates)
            .into_iter()
            .map(|(region, ids)| Step::Create { region, ids }),
    );
    Plan {
        name: name.to_string(),
        model,
        steps,
        targets,
    }
}

/// Whom a step with these ids addresses.
pub fn who(model: PermissionModel, ids: &[String]) -> Who {
    match model {
        PermissionModel::SelfManaged => Who::Accounts(ids.to_vec()),
        PermissionModel::ServiceManaged => Who::Units(ids.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(targets: &[(&str, &str)]) -> Desired {
        Desired {
            request: StackSetRequest {
                name: "relay-production".into(),
                template_url: "https://b/t.json".into(),
                parameters: vec![("BundleKey".into(), "k1".into())],
                permission_model: PermissionModel::SelfManaged,
                tags: vec![],
            },
            template: r#"{"Resources": {}}"#.into(),
            targets: targets
                .iter()
                .map(|(a, r)| (a.to_string(), r.to_string()))
                .collect(),
            overrides: vec![
                (
                    "us-east-1".into(),
                    vec![("ArtifactBucket".into(), "b-use1".into())],
                ),
                (
                    "eu-west-1".into(),
                    vec![("ArtifactBucket".into(), "b-euw1".into())],
                ),
            ],
        }
    }

    fn instance(
        account: &str,
        region: &str,
        bucket: &str,
    ) -> (InstanceInfo, Vec<(String, String)>) {
        (
            InstanceInfo {
                account: account.into(),
                region: region.into(),
                unit: None,
                status: "CURRENT".into(),
                detailed: None,
                reason: None,
                stack_id: None,
            },
            vec![("ArtifactBucket".into(), bucket.into())],
        )
    }

    fn set() -> StackSetInfo {
        StackSetInfo {
            template: "{\n  \"Resources\": {}\n}".into(),
            parameters: vec![("BundleKey".into(), "k1".into())],
            permission_model: "SELF_MANAGED".into(),
        }
    }

    #[test]
    fn nothing_deployed_creates_the_set_and_every_instance_per_region() {
        let d = desired(&[
            ("111111111111", "us-east-1"),
            ("111111111111", "eu-west-1"),
            ("222222222222", "us-east-1"),
        ]);
        let p = plan(
            "relay-production",
            PermissionModel::SelfManaged,
            &d,
            None,
            &[],
            None,
        );
        assert_eq!(
            p.steps,
            vec![
                Step::CreateStackSet,
                Step::Create {
                    region: "us-east-1".into(),
                    ids: vec!["111111111111".into(), "222222222222".into()]
                },
                Step::Create {
                    region: "eu-west-1".into(),
                    ids: vec!["111111111111".into()]
                },
            ]
        );
    }

    #[test]
    fn unchanged_is_empty_and_a_removed_target_is_deleted_first() {
        let d = desired(&[("111111111111", "us-east-1")]);
        let deployed = [instance("111111111111", "us-east-1", "b-use1")];
        let p = plan(
            "relay-production",
            PermissionModel::SelfManaged,
            &d,
            Some(&set()),
            &deployed,
            None,
        );
        assert!(p.is_empty(), "{p:?}");
        assert!(p.render().contains("nothing to change"));
        let deployed = [
            instance("111111111111", "us-east-1", "b-use1"),
            instance("222222222222", "us-east-1", "b-use1"),
        ];
        let mut d2 = d.clone();
        d2.template = r#"{"Resources": {"Queue": {}}}"#.into();
        let p = plan(
            "relay-production",
            PermissionModel::SelfManaged,
            &d2,
            Some(&set()),
            &deployed,
            None,
        );
        assert_eq!(
            p.steps,
            vec![
                Step::Delete {
                    region: "us-east-1".into(),
                    ids: vec!["222222222222".into()]
                },
                Step::UpdateStackSet {
                    changed: vec!["template".into()]
                },
            ]
        );
    }

    #[test]
    fn changed_overrides_update_that_region_and_only_filters() {
        let d = desired(&[("111111111111", "us-east-1"), ("111111111111", "eu-west-1")]);
        let deployed = [
            instance("111111111111", "us-east-1", "b-use1"),
            instance("111111111111", "eu-west-1", "old"),
        ];
        let p = plan(
            "relay-production",
            PermissionModel::SelfManaged,
            &d,
            Some(&set()),
            &deployed,
            None,
        );
        assert_eq!(
            p.steps,
            vec![Step::Update {
                region: "eu-west-1".into(),
                ids: vec!["111111111111".into()]
            }]
        );
        let only = ("111111111111".to_string(), "us-east-1".to_string());
        let p = plan(
            "relay-production",
            PermissionModel::SelfManaged,
            &d,
            Some(&set()),
            &deployed,
            Some(&only),
        );
        assert!(p.is_empty());
        assert_eq!(p.targets.len(), 1);
    }
}
