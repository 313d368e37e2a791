//! The artifact bucket of a StackSet in each target region: nested
//! templates are read from the stack's own region, and instances fetch the
//! bundle from their region, so every target region has a copy. One bucket
//! stack per StackSet and region (`stackc-artifacts-<stack>-<env>`, in the
//! administering account), so that its policy names exactly that
//! StackSet's target accounts (or organization), whatever other stack
//! files deploy from the same account.

use crate::cloud::Cloud;
use crate::deploy::{bootstrap_template, DeployError};

/// Who may read a StackSet's artifacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    /// The target accounts (self-managed).
    Accounts(Vec<String>),
    /// Every account of the organization (service-managed): the bucket
    /// policy's `aws:PrincipalOrgID`. S3 counts a policy on a fixed
    /// organization id as not public, which the bucket's Block Public
    /// Access requires; a condition on the units' paths would need
    /// wildcards for the organization and root ids and would count as
    /// public.
    Organization(String),
}

/// The stack that holds a StackSet's artifact bucket in a target region.
pub fn regional_bucket_stack(stack_set: &str) -> String {
    format!("stackc-artifacts-{stack_set}")
}

/// The template of a StackSet's artifact bucket: the bootstrap bucket
/// (versioned, TLS only, private, old versions expiring), encrypted with
/// S3's own keys rather than the account's AWS managed KMS key (which no
/// other account may use), and readable by `readers`.
pub fn regional_bucket_template(stack_set: &str, readers: &Readers) -> String {
    let mut t: serde_json::Value =
        serde_json::from_str(&bootstrap_template()).expect("the bootstrap template is JSON");
    t["Description"] = format!(
        "stackc: the artifacts of the StackSet {stack_set} in this region, read by its target accounts"
    )
    .into();
    let bucket = &mut t["Resources"]["ArtifactBucket"]["Properties"];
    bucket["BucketEncryption"] = serde_json::json!({ "ServerSideEncryptionConfiguration": [
        { "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }
    ] });
    let read = match readers {
        Readers::Accounts(ids) => serde_json::json!({
            "Sid": "TargetAccountsRead",
            "Effect": "Allow",
            "Principal": { "AWS": ids.iter().map(|id| serde_json::json!({
                "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::{id}:root")
            })).collect::<Vec<_>>() },
            "Action": "s3:GetObject",
            "Resource": { "Fn::Sub": "${ArtifactBucket.Arn}/*" },
        }),
        Readers::Organization(org) => serde_json::json!({
            "Sid": "OrganizationRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": { "Fn::Sub": "${ArtifactBucket.Arn}/*" },
            "Condition": { "StringEquals": { "aws:PrincipalOrgID": org } },
        }),
    };
    if let Some(statements) = t["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
        ["Statement"]
        .as_array_mut()
    {
        statements.push(read);
    }
    serde_json::to_string_pretty(&t).expect("JSON serializes")
}

/// The StackSet's artifact bucket in the region `cloud` talks to.
pub async fn regional_bucket<C: Cloud>(
    cloud: &C,
    stack_set: &str,
    region: &str,
) -> Result<String, DeployError> {
    let stack = regional_bucket_stack(stack_set);
    let missing = || DeployError::NoRegionalBucket {
        stack: stack.clone(),
        region: region.to_string(),
    };
    let info = cloud.describe_stack(&stack).await?.ok_or_else(missing)?;
    if let Some(b) = info.output("ArtifactBucket") {
        return Ok(b.to_string());
    }
    cloud
        .physical_id(&stack, "ArtifactBucket")
        .await?
        .ok_or_else(missing)
}
