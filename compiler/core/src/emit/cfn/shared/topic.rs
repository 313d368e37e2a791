//! The alarm topic, who may publish to it, and the notification rules that
//! forward events to it.

use serde_json::{json, Value};

use super::{
    group_name, rule_arn, rule_name, run_document_name, FAILED_LAUNCHES_RULE, FAILED_RUNS_RULE,
};
use crate::emit::cfn::template::{policy_document, r#ref, sub, tags, Template};
use crate::ir::Stack;

/// Who publishes to the alarm topic, and so encrypts with the key that
/// protects it: the account's alarms and the stack's notification rules,
/// each held to its source account and ARNs (the topic and key policies
/// admit exactly these).
pub(super) fn topic_publishers(stack: &Stack) -> [(&'static str, &'static str, Value); 2] {
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
                        boot = crate::emit::cfn::userdata::BOOT_LOG
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
