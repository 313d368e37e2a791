//! Shared resources that hold and guard data: the KMS key, the bundle
//! pointer, the access-log bucket and the instances' security group.

use serde_json::{json, Value};

use super::bundle_parameter;
use super::topic::topic_publishers;
use crate::emit::cfn::template::{get_att, policy_document, r#ref, sub, tags, Template};
use crate::ir::Stack;

/// Adds the KMS key used by log groups and the alarm topic.
pub fn key(t: &mut Template, stack: &Stack) {
    let mut statements = vec![
        json!({
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": { "AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
            "Action": "kms:*",
            "Resource": "*",
        }),
        json!({
            "Sid": "LogGroupsOfThisAccount",
            "Effect": "Allow",
            "Principal": { "Service": sub("logs.${AWS::Region}.amazonaws.com") },
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": { "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"),
            } },
        }),
    ];
    statements.extend(topic_publishers(stack).map(|(who, service, condition)| {
        json!({
            "Sid": format!("{who}PublishToTheTopic"),
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": condition,
        })
    }));
    t.resource(
        "Key",
        "AWS::KMS::Key",
        json!({
            "Description": format!("stackc {}: log groups and alarm topic", stack.qualified_name()),
            "EnableKeyRotation": true,
            "KeyPolicy": policy_document(statements),
            // No resource tags: `stackc deploy` tags the stack, and
            // CloudFormation propagates stack tags to the key.
        }),
    )
    .attribute("DeletionPolicy", json!("Retain"))
    .attribute("UpdateReplacePolicy", json!("Retain"));
}

/// Adds the SSM parameter that points instances at the current bundle.
pub fn bundle_pointer(t: &mut Template, stack: &Stack) {
    t.resource(
        "BundleParameter",
        "AWS::SSM::Parameter",
        json!({
            "Name": bundle_parameter(stack),
            "Type": "String",
            "Description": "stackc: the cookbook bundle instances run (bucket, key, sha256)",
            "Value": sub(r#"{"bucket":"${ArtifactBucket}","key":"${BundleKey}","sha256":"${BundleSha256}"}"#),
        }),
    );
}

/// Elastic Load Balancing's log-delivery account per region (regions opened
/// before August 2022); newer regions use the service principal.
const ELB_LOG_ACCOUNTS: &[(&str, &str)] = &[
    ("af-south-1", "098369216593"),
    ("ap-east-1", "754344448648"),
    ("ap-northeast-1", "582318560864"),
    ("ap-northeast-2", "600734575887"),
    ("ap-northeast-3", "383597477331"),
    ("ap-south-1", "718504428378"),
    ("ap-southeast-1", "114774131450"),
    ("ap-southeast-2", "783225319266"),
    ("ap-southeast-3", "589379963580"),
    ("ca-central-1", "985666609251"),
    ("eu-central-1", "054676820928"),
    ("eu-north-1", "897822967062"),
    ("eu-south-1", "635631232127"),
    ("eu-west-1", "156460612806"),
    ("eu-west-2", "652711504416"),
    ("eu-west-3", "009996457667"),
    ("me-south-1", "076674570225"),
    ("sa-east-1", "507241528517"),
    ("us-east-1", "127311923021"),
    ("us-east-2", "033677994240"),
    ("us-west-1", "027434742980"),
    ("us-west-2", "797873946194"),
];

/// Adds the bucket that receives the load balancers' access logs.
pub fn access_log_bucket(t: &mut Template, stack: &Stack) {
    t.resource(
        "AccessLogBucket",
        "AWS::S3::Bucket",
        json!({
            "BucketEncryption": { "ServerSideEncryptionConfiguration": [
                { "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }
            ] },
            "VersioningConfiguration": { "Status": "Enabled" },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": true, "BlockPublicPolicy": true,
                "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
            },
            "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
            "LifecycleConfiguration": { "Rules": [{
                "Id": "expire-access-logs",
                "Status": "Enabled",
                "ExpirationInDays": 90,
                "NoncurrentVersionExpiration": { "NoncurrentDays": 30 },
                "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 7 },
            }] },
            "Tags": tags(&[("stackc:stack", &stack.name), ("stackc:env", &stack.env)]),
        }),
    )
    .attribute("DeletionPolicy", json!("Retain"))
    .attribute("UpdateReplacePolicy", json!("Retain"))
    .skip_checks(&[
        (
            "CKV_AWS_18",
            "this bucket receives access logs; logging it would log itself",
        ),
        (
            "CKV_AWS_145",
            "load balancer access logs support only SSE-S3 (AES256) encryption",
        ),
    ]);
    let writer = match ELB_LOG_ACCOUNTS.iter().find(|(r, _)| *r == stack.region) {
        Some((_, account)) => {
            json!({ "AWS": sub(&format!("arn:${{AWS::Partition}}:iam::{account}:root")) })
        }
        None => json!({ "Service": "logdelivery.elasticloadbalancing.amazonaws.com" }),
    };
    t.resource(
        "AccessLogBucketPolicy",
        "AWS::S3::BucketPolicy",
        json!({
            "Bucket": r#ref("AccessLogBucket"),
            "PolicyDocument": policy_document(vec![
                json!({
                    "Sid": "LoadBalancersWriteLogs",
                    "Effect": "Allow",
                    "Principal": writer,
                    "Action": "s3:PutObject",
                    "Resource": sub("${AccessLogBucket.Arn}/*/AWSLogs/${AWS::AccountId}/*"),
                }),
                json!({
                    "Sid": "TlsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [get_att("AccessLogBucket", "Arn"), sub("${AccessLogBucket.Arn}/*")],
                    "Condition": { "Bool": { "aws:SecureTransport": "false" } },
                }),
            ]),
        }),
    );
}

/// Adds the security group every instance of the stack carries; layers
/// admit their internal ports from it.
pub fn instances_security_group(t: &mut Template, stack: &Stack, vpc_id: &Value) {
    t.resource(
        "InstancesSecurityGroup",
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": format!("stackc {}: every instance of the stack", stack.qualified_name()),
            "VpcId": vpc_id,
            "Tags": tags(&[("Name", &format!("{}-instances", stack.qualified_name()))]),
        }),
    );
}
