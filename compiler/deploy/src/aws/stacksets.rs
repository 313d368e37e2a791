//! CloudFormation StackSets: the StackSet, its instances, and its
//! operations and their results.

use aws_sdk_cloudformation::types::{
    AutoDeployment, Capability, DeploymentTargets, Parameter, PermissionModels,
    RegionConcurrencyType, StackSetOperationPreferences, Tag,
};
use stackc_core::ir::PermissionModel;

use super::classify::failed;
use super::Aws;
use crate::cloud::CloudError;
use crate::stackset::{
    InstanceInfo, OperationState, Prefs, StackSetInfo, StackSetRequest, TargetResult, Who,
};

fn parameters(list: &[(String, String)]) -> Vec<Parameter> {
    list.iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect()
}

fn pairs(list: &[Parameter]) -> Vec<(String, String)> {
    list.iter()
        .map(|p| {
            (
                p.parameter_key().unwrap_or_default().to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// One region at a time; `max_concurrent` accounts at once in it.
fn preferences(prefs: &Prefs) -> StackSetOperationPreferences {
    StackSetOperationPreferences::builder()
        .region_concurrency_type(RegionConcurrencyType::Sequential)
        .max_concurrent_count(i32::try_from(prefs.max_concurrent.max(1)).unwrap_or(i32::MAX))
        .failure_tolerance_count(i32::try_from(prefs.failure_tolerance).unwrap_or(i32::MAX))
        .build()
}

fn targets(who: &Who) -> DeploymentTargets {
    match who {
        Who::Accounts(ids) => DeploymentTargets::builder()
            .set_accounts(Some(ids.clone()))
            .build(),
        Who::Units(ids) => DeploymentTargets::builder()
            .set_organizational_unit_ids(Some(ids.clone()))
            .build(),
    }
}

pub(super) async fn describe_stack_set(
    aws: &Aws,
    name: &str,
) -> Result<Option<StackSetInfo>, CloudError> {
    match aws
        .cfn
        .describe_stack_set()
        .stack_set_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .stack_set()
            // A deleted StackSet is still described for a while, DELETED.
            .filter(|s| s.status().is_none_or(|st| st.as_str() != "DELETED"))
            .map(|s| StackSetInfo {
                template: s.template_body().unwrap_or_default().to_string(),
                parameters: pairs(s.parameters()),
                permission_model: s
                    .permission_model()
                    .map_or("SELF_MANAGED", |p| p.as_str())
                    .to_string(),
            })),
        Err(e) => match failed("CloudFormation", "DescribeStackSet")(e) {
            CloudError::NotFound(_) => Ok(None),
            other => Err(other),
        },
    }
}

pub(super) async fn stack_instances(
    aws: &Aws,
    name: &str,
) -> Result<Vec<InstanceInfo>, CloudError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = match aws
            .cfn
            .list_stack_instances()
            .stack_set_name(name)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => match failed("CloudFormation", "ListStackInstances")(e) {
                CloudError::NotFound(_) => return Ok(out),
                other => return Err(other),
            },
        };
        out.extend(page.summaries().iter().map(|s| {
            InstanceInfo {
                account: s.account().unwrap_or_default().to_string(),
                region: s.region().unwrap_or_default().to_string(),
                unit: s
                    .organizational_unit_id()
                    .filter(|u| !u.is_empty())
                    .map(str::to_string),
                status: s.status().map_or("", |x| x.as_str()).to_string(),
                detailed: s
                    .stack_instance_status()
                    .and_then(|d| d.detailed_status())
                    .map(|d| d.as_str().to_string()),
                reason: s.status_reason().map(str::to_string),
                stack_id: s.stack_id().filter(|i| !i.is_empty()).map(str::to_string),
            }
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

pub(super) async fn instance_overrides(
    aws: &Aws,
    name: &str,
    account: &str,
    region: &str,
) -> Result<Vec<(String, String)>, CloudError> {
    match aws
        .cfn
        .describe_stack_instance()
        .stack_set_name(name)
        .stack_instance_account(account)
        .stack_instance_region(region)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .stack_instance()
            .map(|i| pairs(i.parameter_overrides()))
            .unwrap_or_default()),
        Err(e) => match failed("CloudFormation", "DescribeStackInstance")(e) {
            CloudError::NotFound(_) => Ok(Vec::new()),
            other => Err(other),
        },
    }
}

pub(super) async fn create_stack_set(aws: &Aws, r: &StackSetRequest) -> Result<(), CloudError> {
    let mut req = aws
        .cfn
        .create_stack_set()
        .stack_set_name(&r.name)
        .template_url(&r.template_url)
        .set_parameters(Some(parameters(&r.parameters)))
        .capabilities(Capability::CapabilityIam)
        .description(format!("stackc: {}", r.name));
    for (k, v) in &r.tags {
        req = req.tags(Tag::builder().key(k).value(v).build());
    }
    req = match r.permission_model {
        PermissionModel::SelfManaged => req.permission_model(PermissionModels::SelfManaged),
        PermissionModel::ServiceManaged => req
            .permission_model(PermissionModels::ServiceManaged)
            .auto_deployment(
                AutoDeployment::builder()
                    .enabled(true)
                    .retain_stacks_on_account_removal(false)
                    .build(),
            ),
    };
    req.send()
        .await
        .map(|_| ())
        .map_err(failed("CloudFormation", "CreateStackSet"))
}

pub(super) async fn update_stack_set(
    aws: &Aws,
    r: &StackSetRequest,
    prefs: &Prefs,
) -> Result<String, CloudError> {
    let out = aws
        .cfn
        .update_stack_set()
        .stack_set_name(&r.name)
        .template_url(&r.template_url)
        .set_parameters(Some(parameters(&r.parameters)))
        .capabilities(Capability::CapabilityIam)
        .operation_preferences(preferences(prefs))
        .send()
        .await
        .map_err(failed("CloudFormation", "UpdateStackSet"))?;
    Ok(out.operation_id().unwrap_or_default().to_string())
}

pub(super) async fn create_instances(
    aws: &Aws,
    name: &str,
    who: &Who,
    region: &str,
    overrides: &[(String, String)],
    prefs: &Prefs,
) -> Result<String, CloudError> {
    let req = aws
        .cfn
        .create_stack_instances()
        .stack_set_name(name)
        .regions(region)
        .set_parameter_overrides(Some(parameters(overrides)))
        .operation_preferences(preferences(prefs));
    let req = match who {
        Who::Accounts(ids) => req.set_accounts(Some(ids.clone())),
        Who::Units(_) => req.deployment_targets(targets(who)),
    };
    let out = req
        .send()
        .await
        .map_err(failed("CloudFormation", "CreateStackInstances"))?;
    Ok(out.operation_id().unwrap_or_default().to_string())
}

pub(super) async fn update_instances(
    aws: &Aws,
    name: &str,
    who: &Who,
    region: &str,
    overrides: &[(String, String)],
    prefs: &Prefs,
) -> Result<String, CloudError> {
    let req = aws
        .cfn
        .update_stack_instances()
        .stack_set_name(name)
        .regions(region)
        .set_parameter_overrides(Some(parameters(overrides)))
        .operation_preferences(preferences(prefs));
    let req = match who {
        Who::Accounts(ids) => req.set_accounts(Some(ids.clone())),
        Who::Units(_) => req.deployment_targets(targets(who)),
    };
    let out = req
        .send()
        .await
        .map_err(failed("CloudFormation", "UpdateStackInstances"))?;
    Ok(out.operation_id().unwrap_or_default().to_string())
}

pub(super) async fn delete_instances(
    aws: &Aws,
    name: &str,
    who: &Who,
    region: &str,
    prefs: &Prefs,
) -> Result<String, CloudError> {
    let req = aws
        .cfn
        .delete_stack_instances()
        .stack_set_name(name)
        .regions(region)
        .retain_stacks(false)
        .operation_preferences(preferences(prefs));
    let req = match who {
        Who::Accounts(ids) => req.set_accounts(Some(ids.clone())),
        Who::Units(_) => req.deployment_targets(targets(who)),
    };
    let out = req
        .send()
        .await
        .map_err(failed("CloudFormation", "DeleteStackInstances"))?;
    Ok(out.operation_id().unwrap_or_default().to_string())
}

pub(super) async fn delete_stack_set(aws: &Aws, name: &str) -> Result<(), CloudError> {
    aws.cfn
        .delete_stack_set()
        .stack_set_name(name)
        .send()
        .await
        .map(|_| ())
        .map_err(failed("CloudFormation", "DeleteStackSet"))
}

pub(super) async fn operation(
    aws: &Aws,
    name: &str,
    id: &str,
) -> Result<OperationState, CloudError> {
    let out = aws
        .cfn
        .describe_stack_set_operation()
        .stack_set_name(name)
        .operation_id(id)
        .send()
        .await
        .map_err(failed("CloudFormation", "DescribeStackSetOperation"))?;
    let op = out.stack_set_operation();
    Ok(OperationState {
        status: op
            .and_then(|o| o.status())
            .map_or("", |s| s.as_str())
            .to_string(),
        reason: op.and_then(|o| o.status_reason()).map(str::to_string),
    })
}

pub(super) async fn operation_results(
    aws: &Aws,
    name: &str,
    id: &str,
) -> Result<Vec<TargetResult>, CloudError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .cfn
            .list_stack_set_operation_results()
            .stack_set_name(name)
            .operation_id(id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(failed("CloudFormation", "ListStackSetOperationResults"))?;
        out.extend(page.summaries().iter().map(|s| TargetResult {
            account: s.account().unwrap_or_default().to_string(),
            region: s.region().unwrap_or_default().to_string(),
            status: s.status().map_or("", |x| x.as_str()).to_string(),
            reason: s.status_reason().map(str::to_string),
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}
