//! Resources of the whole environment: the KMS key for logs and the alarm
//! topic, the topic and its e-mail subscriptions, the bundle pointer, the
//! access-log bucket, the lifecycle SSM documents and the EventBridge rules
//! that run `configure` and `shutdown`.

use serde_json::{json, Value};

use super::template::{get_att, policy_document, r#ref, service_trust, sub, tags, Template};
use crate::ir::Stack;

/// Name of the launch lifecycle hook the bootstrap completes.
pub const SETUP_HOOK: &str = "stackc-setup";
/// Name of the terminate lifecycle hook the shutdown runbook completes.
pub const SHUTDOWN_HOOK: &str = "stackc-shutdown";

/// The rule that runs `configure` when an instance enters or leaves service.
const CONFIGURE_RULE: &str = "configure";
/// The rule that runs `shutdown` on a terminating instance.
const SHUTDOWN_RULE: &str = "shutdown";
/// The rule that runs `shutdown` on an instance of a warm pool's group
/// held by the termination hook (going back to the pool, or terminating).
const STOP_RULE: &str = "stop";
/// The rule for one held by the launch hook on its way back to the pool.
const RETURN_RULE: &str = "return";
/// The rule that reports failed or timed-out runs of the run document.
const FAILED_RUNS_RULE: &str = "failed-runs";
/// The rule that reports instances Auto Scaling failed to launch or end.
const FAILED_LAUNCHES_RULE: &str = "failed-launches";

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

/// The Auto Scaling group name of a layer with instances.
pub fn group_name(stack: &Stack, layer: &str) -> String {
    group_name_for(&stack.qualified_name(), layer)
}

/// The Auto Scaling group of `layer` in the CloudFormation stack
/// `<stack>-<env>`.
pub fn group_name_for(stack_name: &str, layer: &str) -> String {
    format!("{stack_name}-{layer}")
}

/// The SSM parameter holding the bundle pointer.
pub fn bundle_parameter(stack: &Stack) -> String {
    bundle_parameter_for(&stack.qualified_name())
}

/// The bundle pointer of the CloudFormation stack `<stack>-<env>`.
pub fn bundle_parameter_for(stack_name: &str) -> String {
    format!("/stackc/{stack_name}/bundle")
}

/// The SSM document that runs a lifecycle event (`stackc run` sends it).
pub fn run_document_name(stack: &Stack) -> String {
    run_document_for(&stack.qualified_name())
}

/// The run document of the CloudFormation stack `<stack>-<env>`.
pub fn run_document_for(stack_name: &str) -> String {
    format!("{stack_name}-run")
}

/// EventBridge's limit on a rule's name.
const MAX_RULE_NAME: usize = 64;

/// The name of one of the stack's EventBridge rules, `<stack>-<env>-<purpose>`;
/// a long stack name is cut and told apart by a hash of it. Rules are named
/// so that the policies trusting them can name them without depending on
/// them (a role or key the rule itself needs).
pub fn rule_name(stack: &Stack, purpose: &str) -> String {
    let qualified = stack.qualified_name();
    let name = format!("{qualified}-{purpose}");
    if name.len() <= MAX_RULE_NAME {
        return name;
    }
    let hash = &crate::emit::manifest::sha256_hex(qualified.as_bytes())[..8];
    let keep = MAX_RULE_NAME - purpose.len() - hash.len() - 2;
    let cut = qualified[..keep].trim_end_matches('-');
    format!("{cut}-{hash}-{purpose}")
}

/// The ARN of one of the stack's EventBridge rules (see [`rule_name`]).
pub fn rule_arn(stack: &Stack, purpose: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{}",
        rule_name(stack, purpose)
    ))
}

/// ARN pattern of an Auto Scaling group of the stack.
pub fn group_arn(stack: &Stack, layer: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:autoscaling:${{AWS::Region}}:${{AWS::AccountId}}:autoScalingGroup:*:autoScalingGroupName/{}",
        group_name(stack, layer)
    ))
}

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

/// Who publishes to the alarm topic, and so encrypts with the key that
/// protects it: the account's alarms and the stack's notification rules,
/// each held to its source account and ARNs (the topic and key policies
/// admit exactly these).
fn topic_publishers(stack: &Stack) -> [(&'static str, &'static str, Value); 2] {
    let account = json!({ "aws:SourceAccount": r#ref("AWS::AccountId") });
    [
        (
            "Alarms",
            "cloudwatch.amazonaws.com",
            json!({ "StringEquals": account, "ArnLike": { "aws:SourceArn": alarms_of_account() } }),
        ),
        (
            "FailedLifecycleRuns",
            "events.amazonaws.com",
            json!({ "StringEquals": account, "ArnEquals": { "aws:SourceArn": notification_rules(stack) } }),
        ),
    ]
}

/// The ARNs of the alarms of this account and region.
fn alarms_of_account() -> Value {
    sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*")
}

/// The rules that send failed lifecycle runs to the topic.
fn notification_rules(stack: &Stack) -> Value {
    json!([
        rule_arn(stack, FAILED_RUNS_RULE),
        rule_arn(stack, FAILED_LAUNCHES_RULE)
    ])
}

/// Adds the alarm topic and one e-mail subscription per `notify` address.
pub fn topic(t: &mut Template, stack: &Stack) {
    t.resource(
        "AlarmTopic",
        "AWS::SNS::Topic",
        json!({
            "DisplayName": format!("stackc {}", stack.qualified_name()),
            "KmsMasterKeyId": r#ref("Key"),
            "Tags": tags(&[("stackc:stack", &stack.name), ("stackc:env", &stack.env)]),
        }),
    );
    for (i, email) in stack.notify.iter().enumerate() {
        t.resource(
            &format!("AlarmTopicSubscription{}", i + 1),
            "AWS::SNS::Subscription",
            json!({ "TopicArn": r#ref("AlarmTopic"), "Protocol": "email", "Endpoint": email }),
        );
    }
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

/// Adds the lifecycle plumbing: the Run Command document that runs an event
/// on an instance, the shutdown runbook, and the EventBridge rules.
/// `groups` are the layers with instances of their own.
pub fn lifecycle(t: &mut Template, stack: &Stack, groups: &[&str], warm: &[&str]) {
    t.resource(
        "RunDocument",
        "AWS::SSM::Document",
        json!({
            "Name": run_document_name(stack),
            "DocumentType": "Command",
            "DocumentFormat": "JSON",
            "UpdateMethod": "NewVersion",
            "Content": {
                "schemaVersion": "2.2",
                "description": "stackc: run a lifecycle event on this instance (stackc-run)",
                "parameters": {
                    "event": { "type": "String", "allowedValues": [
                        "setup", "configure", "deploy", "undeploy", "rollback", "shutdown",
                        "execute_recipes", "update_cookbooks"
                    ] },
                    "app": { "type": "String", "default": "", "allowedPattern": "^[a-z0-9-]*$" },
                    "recipes": { "type": "String", "default": "", "allowedPattern": "^[A-Za-z0-9_:,.-]*$" },
                    // A deployment's custom JSON: the sha256 of the object
                    // `stackc run --custom-json` put in the artifact bucket.
                    "custom_json": { "type": "String", "default": "", "allowedPattern": "^[0-9a-f]*$" },
                    "migrate": { "type": "String", "default": "", "allowedValues": ["", "true"] },
                },
                "mainSteps": [{
                    "action": "aws:runShellScript",
                    "name": "stackcRun",
                    "inputs": {
                        "timeoutSeconds": "3600",
                        // The agent runs these lines with `sh` (dash on
                        // Ubuntu): POSIX only. Parameters are substituted as
                        // text, once each, single-quoted; their allowed
                        // values and patterns admit no quote.
                        "runCommand": [
                            "set -eu",
                            "event='{{ event }}' app='{{ app }}' recipes='{{ recipes }}'",
                            "custom_json='{{ custom_json }}' migrate='{{ migrate }}'",
                            // The Run Command's id, OpsWorks' deployment id: the
                            // SSM agent runs this as
                            // .../orchestration/<command id>/stackcRun/_script.sh.
                            "deployment=$(basename \"$(dirname \"$(dirname \"$0\")\")\")",
                            "case $deployment in *[!0-9a-f-]*) deployment='' ;; esac",
                            "STACKC_DEPLOYMENT=$deployment; export STACKC_DEPLOYMENT",
                            "set -- \"$event\"",
                            "if [ -n \"$app\" ]; then set -- \"$@\" --app \"$app\"; fi",
                            "if [ -n \"$recipes\" ]; then set -- \"$@\" --recipes \"$recipes\"; fi",
                            "if [ -n \"$custom_json\" ]; then set -- \"$@\" --custom-json \"$custom_json\"; fi",
                            "if [ -n \"$migrate\" ]; then set -- \"$@\" --migrate; fi",
                            "exec /usr/local/bin/stackc-run \"$@\"",
                        ],
                    },
                }],
            },
            "Tags": tags(&[("stackc:stack", &stack.name), ("stackc:env", &stack.env)]),
        }),
    );

    let group_names: Vec<String> = groups.iter().map(|g| group_name(stack, g)).collect();
    let group_arns: Vec<Value> = groups.iter().map(|g| group_arn(stack, g)).collect();
    let document_arn =
        sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:document/${RunDocument}");
    let instances_of_stack = json!({
        "Effect": "Allow",
        "Action": "ssm:SendCommand",
        "Resource": sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"),
        "Condition": { "StringEquals": {
            "ssm:resourceTag/stackc:stack": stack.name,
            "ssm:resourceTag/stackc:env": stack.env,
        } },
    });

    t.resource(
        "ShutdownRunbookRole",
        "AWS::IAM::Role",
        json!({
            "AssumeRolePolicyDocument": service_trust(
                "ssm.amazonaws.com",
                sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*"),
            ),
            "Policies": [{
                "PolicyName": "stackc-shutdown",
                "PolicyDocument": policy_document(vec![
                    json!({ "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": document_arn }),
                    instances_of_stack.clone(),
                    json!({
                        "Effect": "Allow",
                        "Action": ["ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:GetCommandInvocation", "ssm:DescribeInstanceInformation"],
                        "Resource": "*",
                    }),
                    json!({
                        "Effect": "Allow",
                        "Action": "autoscaling:CompleteLifecycleAction",
                        "Resource": group_arns,
                    }),
                ]),
            }],
        }),
    );
    // Groups whose instances are terminated, and those of a warm pool,
    // whose instances are also stopped (see the rules below).
    let cold: Vec<String> = groups
        .iter()
        .filter(|g| !warm.contains(g))
        .map(|g| group_name(stack, g))
        .collect();
    let warm_groups: Vec<String> = warm.iter().map(|g| group_name(stack, g)).collect();
    if !cold.is_empty() {
        t.resource(
            "ShutdownRunbook",
            "AWS::SSM::Document",
            shutdown_runbook(stack, false),
        );
    }
    if !warm.is_empty() {
        t.resource(
            "StopRunbook",
            "AWS::SSM::Document",
            shutdown_runbook(stack, true),
        );
    }

    // A runbook's ARN at a version: `$DEFAULT` (what a rule starts), `*`.
    let runbook_arn = |runbook: &str, version: &str| {
        sub(&format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:automation-definition/${{{runbook}}}:{version}"
        ))
    };
    let mut rules = vec![rule_arn(stack, CONFIGURE_RULE)];
    let mut runbooks = Vec::new();
    if !cold.is_empty() {
        rules.push(rule_arn(stack, SHUTDOWN_RULE));
        runbooks.push(runbook_arn("ShutdownRunbook", "*"));
    }
    if !warm.is_empty() {
        rules.push(rule_arn(stack, STOP_RULE));
        rules.push(rule_arn(stack, RETURN_RULE));
        runbooks.push(runbook_arn("StopRunbook", "*"));
    }
    t.resource(
        "LifecycleEventsRole",
        "AWS::IAM::Role",
        json!({
            "AssumeRolePolicyDocument": service_trust("events.amazonaws.com", json!(rules)),
            "Policies": [{
                "PolicyName": "stackc-lifecycle-events",
                "PolicyDocument": policy_document(vec![
                    json!({ "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": document_arn }),
                    instances_of_stack,
                    json!({
                        "Effect": "Allow",
                        "Action": "ssm:StartAutomationExecution",
                        "Resource": runbooks,
                    }),
                    json!({
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": get_att("ShutdownRunbookRole", "Arn"),
                        "Condition": { "StringEquals": { "iam:PassedToService": "ssm.amazonaws.com" } },
                    }),
                ]),
            }],
        }),
    );
    t.resource(
        "ConfigureRule",
        "AWS::Events::Rule",
        json!({
            "Name": rule_name(stack, CONFIGURE_RULE),
            "Description": format!("stackc {}: run configure on every instance when one enters or leaves service", stack.qualified_name()),
            "State": "ENABLED",
            "EventPattern": {
                "source": ["aws.autoscaling"],
                "detail-type": ["EC2 Instance Launch Successful", "EC2 Instance Terminate Successful"],
                "detail": { "AutoScalingGroupName": group_names },
            },
            "Targets": [{
                "Id": "configure",
                "Arn": document_arn,
                "RoleArn": get_att("LifecycleEventsRole", "Arn"),
                "Input": r#"{"event":["configure"]}"#,
                "RunCommandParameters": { "RunCommandTargets": [
                    { "Key": "tag:stackc:stack", "Values": [stack.name] },
                    { "Key": "tag:stackc:env", "Values": [stack.env] },
                ] },
            }],
        }),
    );
    // The runbooks take the held instance and its hook from the event.
    let hook_target = |id: &str, runbook: &str| {
        json!([{
            "Id": id,
            "Arn": runbook_arn(runbook, "$DEFAULT"),
            "RoleArn": get_att("LifecycleEventsRole", "Arn"),
            "InputTransformer": {
                "InputPathsMap": {
                    "instance": "$.detail.EC2InstanceId",
                    "group": "$.detail.AutoScalingGroupName",
                    "hook": "$.detail.LifecycleHookName",
                    "token": "$.detail.LifecycleActionToken",
                },
                "InputTemplate": r#"{"InstanceId":[<instance>],"AutoScalingGroupName":[<group>],"LifecycleHookName":[<hook>],"LifecycleActionToken":[<token>]}"#,
            },
        }])
    };
    let terminating = |groups: &[String]| {
        json!({
            "source": ["aws.autoscaling"],
            "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
            "detail": {
                "AutoScalingGroupName": groups,
                "LifecycleHookName": [SHUTDOWN_HOOK],
            },
        })
    };
    if !cold.is_empty() {
        t.resource(
            "ShutdownRule",
            "AWS::Events::Rule",
            json!({
                "Name": rule_name(stack, SHUTDOWN_RULE),
                "Description": format!("stackc {}: run shutdown on an instance before it terminates", stack.qualified_name()),
                "State": "ENABLED",
                "EventPattern": terminating(&cold),
                "Targets": hook_target("shutdown", "ShutdownRunbook"),
            }),
        );
    }
    if !warm.is_empty() {
        // An instance of a warm pool's group leaves it for the pool on
        // scale-in (stopped) or is terminated. AWS holds an instance going
        // back to the pool with the termination hook (`Destination`
        // `WarmPool`), and may also hold it with the launch hook at
        // `Warmed:Pending:Wait` on its way in: each hold runs the stop
        // runbook (shutdown, the hook completed, configure on the others,
        // since no termination tells them), so neither waits out its
        // timeout. Shutdown recipes may then run twice for one stop; they
        // stop services, which is idempotent.
        t.resource(
            "StopRule",
            "AWS::Events::Rule",
            json!({
                "Name": rule_name(stack, STOP_RULE),
                "Description": format!("stackc {}: run shutdown on an instance going back to the warm pool or terminating, then configure on the others", stack.qualified_name()),
                "State": "ENABLED",
                "EventPattern": terminating(&warm_groups),
                "Targets": hook_target("stop", "StopRunbook"),
            }),
        );
        t.resource(
            "ReturnRule",
            "AWS::Events::Rule",
            json!({
                "Name": rule_name(stack, RETURN_RULE),
                "Description": format!("stackc {}: let an instance held on its way back to the warm pool go, after shutdown", stack.qualified_name()),
                "State": "ENABLED",
                "EventPattern": {
                    "source": ["aws.autoscaling"],
                    "detail-type": ["EC2 Instance-launch Lifecycle Action"],
                    "detail": {
                        "AutoScalingGroupName": warm_groups,
                        "LifecycleHookName": [SETUP_HOOK],
                        "Origin": ["AutoScalingGroup"],
                        "Destination": ["WarmPool"],
                    },
                },
                "Targets": hook_target("return", "StopRunbook"),
            }),
        );
    }
}

/// The Automation runbook that runs shutdown on an instance held by a
/// lifecycle hook, then completes the hook (whether shutdown succeeded or
/// not, so that the instance never waits for the hook's timeout). `stop`:
/// the instance is of a warm pool's group and may be going back to the pool
/// (stopped, not terminated), when no termination tells the others: the
/// runbook then runs configure on the stack's instances, as OpsWorks did
/// when an instance stopped.
fn shutdown_runbook(stack: &Stack, stop: bool) -> Value {
    let mut steps = vec![
        json!({
            "name": "runShutdown",
            "action": "aws:runCommand",
            "timeoutSeconds": 540,
            "onFailure": "step:completeLifecycleAction",
            "nextStep": "completeLifecycleAction",
            "inputs": {
                "DocumentName": r#ref("RunDocument"),
                "InstanceIds": ["{{ InstanceId }}"],
                "Parameters": { "event": ["shutdown"] },
            },
        }),
        json!({
            "name": "completeLifecycleAction",
            "action": "aws:executeAwsApi",
            "isEnd": !stop,
            "inputs": {
                "Service": "autoscaling",
                "Api": "CompleteLifecycleAction",
                "AutoScalingGroupName": "{{ AutoScalingGroupName }}",
                "LifecycleHookName": "{{ LifecycleHookName }}",
                "LifecycleActionToken": "{{ LifecycleActionToken }}",
                "LifecycleActionResult": "CONTINUE",
                "InstanceId": "{{ InstanceId }}",
            },
        }),
    ];
    if stop {
        steps.push(json!({
            "name": "configureOthers",
            "action": "aws:runCommand",
            "timeoutSeconds": 3600,
            "isCritical": false,
            "isEnd": true,
            "inputs": {
                "DocumentName": r#ref("RunDocument"),
                "Targets": [
                    { "Key": "tag:stackc:stack", "Values": [stack.name] },
                    { "Key": "tag:stackc:env", "Values": [stack.env] },
                ],
                "Parameters": { "event": ["configure"] },
            },
        }));
    }
    let description = if stop {
        "stackc: run the shutdown event on an instance of a warm pool's group that stops or terminates, let it go, then run configure on the others"
    } else {
        "stackc: run the shutdown event on a terminating instance, then let it go"
    };
    json!({
        "DocumentType": "Automation",
        "DocumentFormat": "JSON",
        "UpdateMethod": "NewVersion",
        "Content": {
            "schemaVersion": "0.3",
            "description": description,
            "assumeRole": get_att("ShutdownRunbookRole", "Arn"),
            "parameters": {
                "InstanceId": { "type": "String" },
                "AutoScalingGroupName": { "type": "String" },
                "LifecycleHookName": { "type": "String" },
                "LifecycleActionToken": { "type": "String" },
            },
            "mainSteps": steps,
        },
        "Tags": tags(&[("stackc:stack", &stack.name), ("stackc:env", &stack.env)]),
    })
}

/// Adds what tells the topic about failed lifecycle runs: EventBridge
/// rules for failed or timed-out runs of the run document (configure,
/// deploy, shutdown, `stackc run`) and for instances the stack's groups
/// failed to launch or terminate (a failed setup abandons the launch), each
/// with a message naming the instance, the group or command and the log to
/// read; and the topic policy that lets exactly these rules (and the
/// account's alarms) publish. `groups` are the layers with instances.
pub fn notifications(t: &mut Template, stack: &Stack, groups: &[&str]) {
    let q = stack.qualified_name();
    let document = run_document_name(stack);
    let logs = format!(
        "stream <instance>/stackc-run in the layer's log group (stackc logs --env {} --layer LAYER)",
        stack.env
    );
    t.resource(
        "FailedRunsRule",
        "AWS::Events::Rule",
        json!({
            "Name": rule_name(stack, FAILED_RUNS_RULE),
            "Description": format!("stackc {q}: tell the topic when a lifecycle run fails or times out on an instance"),
            "State": "ENABLED",
            "EventPattern": {
                "source": ["aws.ssm"],
                "detail-type": ["EC2 Command Invocation Status-change Notification"],
                "detail": {
                    "document-name": [document],
                    "status": ["Failed", "TimedOut"],
                },
            },
            "Targets": [{
                "Id": "topic",
                "Arn": r#ref("AlarmTopic"),
                "InputTransformer": {
                    "InputPathsMap": {
                        "instance": "$.detail.instance-id",
                        "command": "$.detail.command-id",
                        "status": "$.detail.status",
                        "time": "$.time",
                    },
                    "InputTemplate": format!(
                        "\"stackc {q}: a lifecycle run ended <status> on instance <instance> at <time> (document {document}, command <command>). \
                         The layer is the instance's stackc:layer tag (stackc status --env {env}). \
                         Output: aws ssm get-command-invocation --region {region} --command-id <command> --instance-id <instance>. \
                         The agent's log: {logs}.\"",
                        env = stack.env,
                        region = stack.region,
                    ),
                },
            }],
        }),
    );
    let group_names: Vec<String> = groups.iter().map(|g| group_name(stack, g)).collect();
    t.resource(
        "FailedLaunchesRule",
        "AWS::Events::Rule",
        json!({
            "Name": rule_name(stack, FAILED_LAUNCHES_RULE),
            "Description": format!("stackc {q}: tell the topic when Auto Scaling fails to launch or terminate an instance"),
            "State": "ENABLED",
            "EventPattern": {
                "source": ["aws.autoscaling"],
                "detail-type": ["EC2 Instance Launch Unsuccessful", "EC2 Instance Terminate Unsuccessful"],
                "detail": { "AutoScalingGroupName": group_names },
            },
            "Targets": [{
                "Id": "topic",
                "Arn": r#ref("AlarmTopic"),
                "InputTransformer": {
                    "InputPathsMap": {
                        "event": "$.detail-type",
                        "group": "$.detail.AutoScalingGroupName",
                        "instance": "$.detail.EC2InstanceId",
                        "message": "$.detail.StatusMessage",
                        "cause": "$.detail.Cause",
                        "time": "$.time",
                    },
                    "InputTemplate": format!(
                        "\"stackc {q}: <event> in group <group> (the layer is the name after {q}-), instance <instance>, at <time>: <message> Cause: <cause> \
                         The setup log: {logs}; the bootstrap's own log is {boot} on the instance.\"",
                        boot = super::userdata::BOOT_LOG
                    ),
                },
            }],
        }),
    );
    t.resource(
        "AlarmTopicPolicy",
        "AWS::SNS::TopicPolicy",
        json!({
            "Topics": [r#ref("AlarmTopic")],
            "PolicyDocument": policy_document(
                topic_publishers(stack)
                    .map(|(who, service, condition)| {
                        json!({
                            "Sid": format!("{who}Publish"),
                            "Effect": "Allow",
                            "Principal": { "Service": service },
                            "Action": "sns:Publish",
                            "Resource": r#ref("AlarmTopic"),
                            "Condition": condition,
                        })
                    })
                    .into(),
            ),
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(src: &str) -> Stack {
        let opts = crate::check::Options {
            base_dir: std::path::Path::new("/stack"),
            files: &crate::check::AllExist,
        };
        let (p, diags) = crate::check::check_source(src, &opts);
        assert!(!crate::diag::has_errors(&diags), "{diags:#?}");
        p.expect("program").environments.remove(0)
    }

    #[test]
    fn rule_names_fit_eventbridge_and_stay_apart() {
        let mut stack =
            stack("stack goldcar {\n    region eu-west-1\n    layer web type=custom\n}\n");
        assert_eq!(
            rule_name(&stack, "configure"),
            "goldcar-production-configure"
        );
        stack.name = "a".repeat(32);
        stack.env = "b".repeat(32);
        let long = rule_name(&stack, "failed-launches");
        assert_eq!(long.len(), MAX_RULE_NAME, "{long}");
        assert!(long.ends_with("-failed-launches"), "{long}");
        stack.env = format!("{}c", "b".repeat(31));
        assert_ne!(rule_name(&stack, "failed-launches"), long);
    }
}
