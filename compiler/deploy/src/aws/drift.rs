//! CloudFormation's drift detection, for `stackc drift`.

use aws_sdk_cloudformation::types::StackResourceDriftStatus;

use super::classify::failed;
use super::Aws;
use crate::cloud::CloudError;
use crate::drift::{Detection, PropertyDifference, ResourceDrift, StackDrift};

impl StackDrift for Aws {
    async fn detect_drift(&self, stack: &str) -> Result<String, CloudError> {
        let out = self
            .cfn
            .detect_stack_drift()
            .stack_name(stack)
            .send()
            .await
            .map_err(failed("CloudFormation", "DetectStackDrift"))?;
        out.stack_drift_detection_id()
            .map(str::to_string)
            .ok_or_else(|| {
                CloudError::Other(format!(
                    "CloudFormation DetectStackDrift on {stack} answered no detection id"
                ))
            })
    }

    async fn drift_detection(&self, id: &str) -> Result<Detection, CloudError> {
        let out = self
            .cfn
            .describe_stack_drift_detection_status()
            .stack_drift_detection_id(id)
            .send()
            .await
            .map_err(failed(
                "CloudFormation",
                "DescribeStackDriftDetectionStatus",
            ))?;
        Ok(Detection {
            status: out
                .detection_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            stack_drift: out.stack_drift_status().map(|s| s.as_str().to_string()),
            reason: out.detection_status_reason().map(str::to_string),
        })
    }

    async fn resource_drifts(&self, stack: &str) -> Result<Vec<ResourceDrift>, CloudError> {
        let mut drifts = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .cfn
                .describe_stack_resource_drifts()
                .stack_name(stack)
                .stack_resource_drift_status_filters(StackResourceDriftStatus::Modified)
                .stack_resource_drift_status_filters(StackResourceDriftStatus::Deleted)
                .set_next_token(token)
                .send()
                .await
                .map_err(failed("CloudFormation", "DescribeStackResourceDrifts"))?;
            // Filtered here too: the filter is a request, and a double may
            // answer with every resource.
            for d in out.stack_resource_drifts().iter().filter(|d| {
                matches!(
                    d.stack_resource_drift_status(),
                    Some(StackResourceDriftStatus::Modified | StackResourceDriftStatus::Deleted)
                )
            }) {
                drifts.push(ResourceDrift {
                    logical_id: d.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: d.physical_resource_id().map(str::to_string),
                    resource_type: d.resource_type().unwrap_or_default().to_string(),
                    status: d
                        .stack_resource_drift_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    differences: d
                        .property_differences()
                        .iter()
                        .map(|p| PropertyDifference {
                            path: p.property_path().unwrap_or_default().to_string(),
                            expected: p.expected_value().map(str::to_string),
                            actual: p.actual_value().map(str::to_string),
                            kind: p
                                .difference_type()
                                .map(|t| t.as_str().to_string())
                                .unwrap_or_default(),
                        })
                        .collect(),
                });
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(drifts);
            }
        }
    }

    async fn nested_stacks(&self, stack: &str) -> Result<Vec<(String, String)>, CloudError> {
        let mut nested = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .cfn
                .list_stack_resources()
                .stack_name(stack)
                .set_next_token(token)
                .send()
                .await
                .map_err(failed("CloudFormation", "ListStackResources"))?;
            for r in out.stack_resource_summaries() {
                if r.resource_type() != Some("AWS::CloudFormation::Stack") {
                    continue;
                }
                // A nested stack that failed to be created has no id.
                let id = r.physical_resource_id().filter(|id| !id.is_empty());
                if let (Some(logical), Some(id)) = (r.logical_resource_id(), id) {
                    nested.push((logical.to_string(), id.to_string()));
                }
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(nested);
            }
        }
    }
}
