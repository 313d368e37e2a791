//! `stackc bootstrap`: the stack that holds the artifact bucket, and where
//! that bucket is.

use std::cell::Cell;

use super::change_set::{apply, PlanInput};
use super::cleanup::Run;
use super::request::change_set_name;
use super::{DeployError, Options, Outcome, Ui, BOOTSTRAP_STACK};
use crate::cloud::{ChangeSetRequest, Cloud, TemplateSource};

/// The bootstrap template: the artifact bucket, encrypted, versioned,
/// TLS-only, private, with old artifacts expiring.
pub fn bootstrap_template() -> String {
    let t = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "stackc bootstrap: the bucket stackc uploads templates and cookbook bundles to",
        "Resources": {
            "ArtifactBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketEncryption": { "ServerSideEncryptionConfiguration": [
                        { "ServerSideEncryptionByDefault": { "SSEAlgorithm": "aws:kms" }, "BucketKeyEnabled": true }
                    ] },
                    "VersioningConfiguration": { "Status": "Enabled" },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true, "BlockPublicPolicy": true,
                        "IgnorePublicAcls": true, "RestrictPublicBuckets": true
                    },
                    "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
                    "LifecycleConfiguration": { "Rules": [{
                        "Id": "expire-old-artifacts",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": { "NoncurrentDays": 30 },
                        "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 7 }
                    }] }
                },
                "Metadata": { "checkov": { "skip": [
                    { "id": "CKV_AWS_18", "comment": "artifacts are content-addressed build outputs; CloudTrail data events cover access" }
                ] } }
            },
            "ArtifactBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": { "Ref": "ArtifactBucket" },
                    "PolicyDocument": { "Version": "2012-10-17", "Statement": [{
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            { "Fn::GetAtt": ["ArtifactBucket", "Arn"] },
                            { "Fn::Sub": "${ArtifactBucket.Arn}/*" }
                        ],
                        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
                    }] }
                }
            }
        },
        "Outputs": {
            "ArtifactBucket": { "Description": "stackc artifact bucket", "Value": { "Ref": "ArtifactBucket" } }
        }
    });
    serde_json::to_string_pretty(&t).expect("JSON serializes")
}

/// Creates the bootstrap stack, or updates it; idempotent.
pub async fn bootstrap<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    region: &str,
) -> Result<Outcome, DeployError> {
    let existing = cloud.describe_stack(BOOTSTRAP_STACK).await?;
    let request = ChangeSetRequest {
        stack: BOOTSTRAP_STACK.into(),
        name: change_set_name(),
        create: existing.is_none(),
        template: TemplateSource::Body(bootstrap_template()),
        parameters: Vec::new(),
        tags: vec![("stackc:role".into(), "artifacts".into())],
    };
    let run = Run {
        stack_existed: Cell::new(existing.is_some()),
        ..Run::default()
    };
    let outcome = apply(cloud, ui, opts, &request, &PlanInput::default(), 0, &run).await?;
    let bucket = artifact_bucket(cloud, region).await?;
    ui.say(&format!("artifact bucket: {bucket}"));
    Ok(outcome)
}

/// The artifact bucket of this account and region.
pub async fn artifact_bucket<C: Cloud>(cloud: &C, region: &str) -> Result<String, DeployError> {
    let info = cloud
        .describe_stack(BOOTSTRAP_STACK)
        .await?
        .ok_or_else(|| DeployError::NotBootstrapped(region.to_string()))?;
    if let Some(bucket) = info.output("ArtifactBucket") {
        return Ok(bucket.to_string());
    }
    cloud
        .physical_id(BOOTSTRAP_STACK, "ArtifactBucket")
        .await?
        .ok_or_else(|| DeployError::NotBootstrapped(region.to_string()))
}

/// Creates or updates a StackSet's artifact bucket stack in one target
/// region (see [`crate::stackset::buckets`]); idempotent.
pub async fn bootstrap_regional<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    stack: &str,
    template: String,
) -> Result<Outcome, DeployError> {
    let existing = cloud.describe_stack(stack).await?;
    let request = ChangeSetRequest {
        stack: stack.into(),
        name: change_set_name(),
        create: existing.is_none(),
        template: TemplateSource::Body(template),
        parameters: Vec::new(),
        tags: vec![("stackc:role".into(), "stackset-artifacts".into())],
    };
    let run = Run {
        stack_existed: Cell::new(existing.is_some()),
        ..Run::default()
    };
    apply(cloud, ui, opts, &request, &PlanInput::default(), 0, &run).await
}
