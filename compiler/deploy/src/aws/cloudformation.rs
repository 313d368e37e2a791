//! CloudFormation: stacks, their resources and events, change sets, and
//! the deployed template.

use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter, Tag};

use super::classify::failed;
use super::Aws;
use crate::cloud::{
    Change, ChangeSet, ChangeSetRequest, ChangeSetStatus, ChangeSetSummary, Cloud, CloudError,
    CreatedChangeSet, ResourceStatus, StackEvent, StackInfo, StackStatus, TemplateSource,
};

pub(super) async fn describe_stack(aws: &Aws, name: &str) -> Result<Option<StackInfo>, CloudError> {
    match aws.cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().map(|s| StackInfo {
            id: s.stack_id().unwrap_or_default().to_string(),
            status: s
                .stack_status()
                .cloned()
                .unwrap_or_else(|| StackStatus::from("")),
            reason: s.stack_status_reason().map(str::to_string),
            outputs: s
                .outputs()
                .iter()
                .map(|o| {
                    (
                        o.output_key().unwrap_or_default().to_string(),
                        o.output_value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            parameters: s
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap_or_default().to_string(),
                        p.parameter_value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        })),
        Err(e) => match failed("CloudFormation", "DescribeStacks")(e) {
            CloudError::NotFound(_) => Ok(None),
            other => Err(other),
        },
    }
}

pub(super) async fn physical_id(
    aws: &Aws,
    stack: &str,
    logical_id: &str,
) -> Result<Option<String>, CloudError> {
    match aws
        .cfn
        .describe_stack_resource()
        .stack_name(stack)
        .logical_resource_id(logical_id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .stack_resource_detail()
            .and_then(|d| d.physical_resource_id())
            .map(str::to_string)),
        Err(e) => match failed("CloudFormation", "DescribeStackResource")(e) {
            CloudError::NotFound(_) => Ok(None),
            other => Err(other),
        },
    }
}

pub(super) async fn create_change_set(
    aws: &Aws,
    r: &ChangeSetRequest,
) -> Result<CreatedChangeSet, CloudError> {
    let mut req = aws
        .cfn
        .create_change_set()
        .stack_name(&r.stack)
        .change_set_name(&r.name)
        .change_set_type(if r.create {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .capabilities(Capability::CapabilityIam);
    req = match &r.template {
        TemplateSource::Url(u) => req.template_url(u),
        TemplateSource::Body(b) => req.template_body(b),
    };
    for (k, v) in &r.parameters {
        req = req.parameters(
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build(),
        );
    }
    for (k, v) in &r.tags {
        req = req.tags(Tag::builder().key(k).value(v).build());
    }
    let out = req
        .send()
        .await
        .map_err(failed("CloudFormation", "CreateChangeSet"))?;
    Ok(CreatedChangeSet {
        id: out.id().unwrap_or(&r.name).to_string(),
        stack_id: out.stack_id().unwrap_or_default().to_string(),
    })
}

pub(super) async fn list_change_sets(
    aws: &Aws,
    stack: &str,
) -> Result<Vec<ChangeSetSummary>, CloudError> {
    let mut sets = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = match aws
            .cfn
            .list_change_sets()
            .stack_name(stack)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => match failed("CloudFormation", "ListChangeSets")(e) {
                CloudError::NotFound(_) => return Ok(sets),
                other => return Err(other),
            },
        };
        // Filtered here too: some doubles answer for every stack.
        sets.extend(
            out.summaries()
                .iter()
                .filter(|c| c.stack_name().is_none_or(|n| n == stack))
                .map(|c| ChangeSetSummary {
                    id: c.change_set_id().unwrap_or_default().to_string(),
                    name: c.change_set_name().unwrap_or_default().to_string(),
                    status: c
                        .status()
                        .cloned()
                        .unwrap_or_else(|| ChangeSetStatus::from("")),
                    execution: c.execution_status().cloned(),
                }),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(sets);
        }
    }
}

pub(super) async fn describe_change_set(
    aws: &Aws,
    stack: &str,
    id: &str,
) -> Result<ChangeSet, CloudError> {
    let mut changes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .cfn
            .describe_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(failed("CloudFormation", "DescribeChangeSet"))?;
        for c in out.changes() {
            if let Some(rc) = c.resource_change() {
                changes.push(Change {
                    action: rc
                        .action()
                        .map(|a| a.as_str().to_string())
                        .unwrap_or_default(),
                    logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
                    resource_type: rc.resource_type().unwrap_or_default().to_string(),
                    replacement: rc.replacement().map(|x| x.as_str().to_string()),
                });
            }
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(ChangeSet {
                status: out
                    .status()
                    .cloned()
                    .unwrap_or_else(|| ChangeSetStatus::from("")),
                reason: out.status_reason().map(str::to_string),
                changes,
            });
        }
    }
}

pub(super) async fn delete_change_set(aws: &Aws, stack: &str, id: &str) -> Result<(), CloudError> {
    aws.cfn
        .delete_change_set()
        .stack_name(stack)
        .change_set_name(id)
        .send()
        .await
        .map(|_| ())
        .map_err(failed("CloudFormation", "DeleteChangeSet"))
}

pub(super) async fn execute_change_set(aws: &Aws, stack: &str, id: &str) -> Result<(), CloudError> {
    aws.cfn
        .execute_change_set()
        .stack_name(stack)
        .change_set_name(id)
        .send()
        .await
        .map(|_| ())
        .map_err(failed("CloudFormation", "ExecuteChangeSet"))
}

pub(super) async fn stack_events(aws: &Aws, stack: &str) -> Result<Vec<StackEvent>, CloudError> {
    let out = aws
        .cfn
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .map_err(failed("CloudFormation", "DescribeStackEvents"))?;
    Ok(out
        .stack_events()
        .iter()
        .map(|e| StackEvent {
            id: e.event_id().unwrap_or_default().to_string(),
            logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
            resource_type: e.resource_type().unwrap_or_default().to_string(),
            status: e
                .resource_status()
                .cloned()
                .unwrap_or_else(|| ResourceStatus::from("")),
            reason: e.resource_status_reason().map(str::to_string),
            time: e.timestamp().map_or(0, |t| t.secs()),
        })
        .collect())
}

pub(super) async fn delete_stack(aws: &Aws, stack: &str) -> Result<(), CloudError> {
    aws.cfn
        .delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map(|_| ())
        .map_err(failed("CloudFormation", "DeleteStack"))
}

pub(super) async fn deployed(
    aws: &Aws,
    stack: &str,
) -> Result<Option<(StackInfo, String)>, CloudError> {
    let Some(info) = aws.describe_stack(stack).await? else {
        return Ok(None);
    };
    let out = aws
        .cfn
        .get_template()
        .stack_name(stack)
        .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
        .send()
        .await
        .map_err(failed("CloudFormation", "GetTemplate"))?;
    Ok(Some((
        info,
        out.template_body().unwrap_or_default().to_string(),
    )))
}
