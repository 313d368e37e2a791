//! A StackSet's stack instances where they run, for `stackc run` and
//! `stackc logs`: each is a stack in its own account and region, reached
//! with credentials from assuming a role there from the administering
//! account's. The instances come from the StackSet (ListStackInstances),
//! so an organizational unit's accounts are the ones it reached, and each
//! instance's stack is found by the id CloudFormation gives it.
//!
//! One target that cannot be reached (the role refused, no stack yet) is
//! reported with its account and region; the others still run.

use std::io::Write;

use stackc_core::ir::PermissionModel;

use super::{Key, StackSets};
use crate::cloud::CloudError;
use crate::deploy::DeployError;

/// The execution role a self-managed StackSet already needs in every
/// target account, trusting the administering account (AWS's documented
/// setup): stackc assumes it unless told another.
pub const EXECUTION_ROLE: &str = "AWSCloudFormationStackSetExecutionRole";

/// The role AWS Organizations creates in every account it creates,
/// trusting the management account. A service-managed StackSet's own
/// execution role (`stacksets-exec-...`) trusts only CloudFormation's
/// service-linked role, so it cannot be assumed; this one is the only
/// role an organization's accounts commonly share.
pub const ORGANIZATION_ROLE: &str = "OrganizationAccountAccessRole";

/// The role assumed when `--role-name` names none.
pub fn default_role(model: PermissionModel) -> &'static str {
    match model {
        PermissionModel::SelfManaged => EXECUTION_ROLE,
        PermissionModel::ServiceManaged => ORGANIZATION_ROLE,
    }
}

/// The partition of a region, which a role's ARN names (all of a
/// StackSet's regions are in the administering region's partition).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// The role assumed in each target account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Its name, the same in every account.
    pub name: String,
    /// The partition of the administering region.
    pub partition: &'static str,
}

impl Role {
    /// `name` in the partition of `admin_region`.
    pub fn new(name: &str, admin_region: &str) -> Role {
        Role {
            name: name.to_string(),
            partition: partition(admin_region),
        }
    }

    /// Its ARN in `account`.
    pub fn arn(&self, account: &str) -> String {
        format!("arn:{}:iam::{account}:role/{}", self.partition, self.name)
    }
}

/// One stack instance to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// The account it runs in.
    pub account: String,
    /// Its region.
    pub region: String,
    /// Its stack there, when it has one.
    pub stack_id: Option<String>,
    /// Its status, said when it has no stack.
    pub status: String,
    /// CloudFormation's reason for that status.
    pub reason: Option<String>,
}

impl Reached {
    /// `ACCOUNT/REGION`, as `--target` takes it and output prefixes it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.account, self.region)
    }
}

/// A target that was not reached, or whose run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// `ACCOUNT/REGION`.
    pub target: String,
    /// Why, one line.
    pub reason: String,
}

/// Credentials in a target account, as clients of its region.
#[allow(async_fn_in_trait)]
pub trait Assume {
    /// The clients a flow runs on.
    type Client;
    /// Assumes `role_arn` and returns clients of `region` with its
    /// credentials.
    async fn assume(&self, role_arn: &str, region: &str) -> Result<Self::Client, CloudError>;
}

/// What runs on each reached target.
#[allow(async_fn_in_trait)]
pub trait OnTarget<C> {
    /// Runs on `target` with its clients; false when it failed (it has
    /// said why).
    async fn on(&mut self, target: &Reached, client: &C) -> bool;
}

/// The StackSet's stack instances (or `only`'s), ordered by account and
/// region; `None` when there is no StackSet.
pub async fn instances<S: StackSets>(
    sets: &S,
    name: &str,
    only: Option<&Key>,
) -> Result<Option<Vec<Reached>>, DeployError> {
    let Some(rows) = super::flow::status(sets, name, only).await? else {
        return Ok(None);
    };
    let mut reached: Vec<Reached> = rows
        .into_iter()
        .map(|i| Reached {
            account: i.account,
            region: i.region,
            stack_id: i.stack_id,
            status: i.status,
            reason: i.reason,
        })
        .collect();
    reached.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    Ok(Some(reached))
}

/// Assumes the role in `target`'s account and returns its region's
/// clients; the reason (said on `out`, with the target) when it cannot.
pub async fn connect<A: Assume>(
    assume: &A,
    target: &Reached,
    role: &Role,
    out: &mut dyn Write,
) -> Result<A::Client, Failed> {
    let label = target.label();
    let fail = |out: &mut dyn Write, reason: String, help: &str| {
        let _ = writeln!(out, "error: {label}: {reason}");
        if !help.is_empty() {
            let _ = writeln!(out, "help: {help}");
        }
        Failed {
            target: label.clone(),
            reason: reason.lines().next().unwrap_or_default().to_string(),
        }
    };
    if target.stack_id.is_none() {
        let why = target
            .reason
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let reason = format!("the stack instance has no stack ({}{why})", target.status);
        return Err(fail(out, reason, "`stackc deploy` creates it"));
    }
    let arn = role.arn(&target.account);
    match assume.assume(&arn, &target.region).await {
        Ok(client) => Ok(client),
        Err(e) => {
            let help = match e {
                CloudError::AccessDenied(_) | CloudError::NotFound(_) => format!(
                    "the role {} must exist in {} and trust the administering account (README \"Many accounts and regions\"), or pass --role-name",
                    role.name, target.account
                ),
                _ => String::new(),
            };
            Err(fail(out, format!("cannot assume {arn}: {e}"), &help))
        }
    }
}

/// Runs `job` on each target in turn, each with credentials assumed just
/// before; a target that cannot be reached is said and skipped. The
/// targets that failed, in order.
pub async fn each<A: Assume, J: OnTarget<A::Client>>(
    assume: &A,
    targets: &[Reached],
    role: &Role,
    job: &mut J,
    out: &mut dyn Write,
) -> Vec<Failed> {
    let mut failed = Vec::new();
    for target in targets {
        match connect(assume, target, role, out).await {
            Ok(client) => {
                if !job.on(target, &client).await {
                    failed.push(Failed {
                        target: target.label(),
                        reason: "failed".into(),
                    });
                }
            }
            Err(f) => failed.push(f),
        }
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|f| f.target.as_str()).collect();
        let _ = writeln!(
            out,
            "error: {} of {} target(s) failed: {}",
            failed.len(),
            targets.len(),
            names.join(", ")
        );
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_named_in_the_administering_partition() {
        assert_eq!(
            Role::new(EXECUTION_ROLE, "eu-west-1").arn("111111111111"),
            "arn:aws:iam::111111111111:role/AWSCloudFormationStackSetExecutionRole"
        );
        assert_eq!(
            Role::new("operator", "cn-north-1").arn("111111111111"),
            "arn:aws-cn:iam::111111111111:role/operator"
        );
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(
            default_role(PermissionModel::ServiceManaged),
            ORGANIZATION_ROLE
        );
    }
}
