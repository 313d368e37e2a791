//! An environment's targets: the AWS accounts (or organizational units)
//! and regions one CloudFormation StackSet deploys it to, one stack
//! instance per account and region.

use serde::{Deserialize, Serialize};

/// How the StackSet gets its rights in the target accounts. One StackSet
/// has one: the checker refuses accounts and organizational units mixed
/// in one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PermissionModel {
    /// Accounts named one by one: the administration role in the account
    /// that deploys assumes an execution role in each target account,
    /// both created beforehand (`SELF_MANAGED`).
    SelfManaged,
    /// Organizational units of AWS Organizations: the StackSet reaches
    /// their accounts through the organization's trusted access, and
    /// accounts that join the unit later get the stack too
    /// (`SERVICE_MANAGED`).
    ServiceManaged,
}

impl PermissionModel {
    /// CloudFormation's name for it (`PermissionModel` of CreateStackSet).
    pub fn cloudformation(self) -> &'static str {
        match self {
            PermissionModel::SelfManaged => "SELF_MANAGED",
            PermissionModel::ServiceManaged => "SERVICE_MANAGED",
        }
    }
}

/// Who a target is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum TargetId {
    /// An account id, 12 digits.
    Account(String),
    /// An organizational unit id, `ou-` and two groups of lowercase
    /// letters and digits.
    OrganizationalUnit(String),
}

impl TargetId {
    /// The id as written.
    pub fn id(&self) -> &str {
        match self {
            TargetId::Account(id) | TargetId::OrganizationalUnit(id) => id,
        }
    }
}

/// One `account` or `organizational-unit` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The account or organizational unit.
    #[serde(flatten)]
    pub target: TargetId,
    /// Its regions, as written, without repeats.
    pub regions: Vec<String>,
}

/// The targets of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// Self-managed for accounts, service-managed for organizational units.
    pub permission_model: PermissionModel,
    /// In the stack file's order.
    pub targets: Vec<Target>,
}

impl Targets {
    /// Every region of every target, once each, in the order first written.
    pub fn regions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in self.targets.iter().flat_map(|t| &t.regions) {
            if !out.contains(&r.as_str()) {
                out.push(r);
            }
        }
        out
    }

    /// How many stack instances the targets name, when that is known from
    /// the file: an organizational unit holds accounts the file does not
    /// list, so `None` when there is one.
    pub fn instances(&self) -> Option<usize> {
        self.targets
            .iter()
            .map(|t| match t.target {
                TargetId::Account(_) => Some(t.regions.len()),
                TargetId::OrganizationalUnit(_) => None,
            })
            .sum()
    }
}
