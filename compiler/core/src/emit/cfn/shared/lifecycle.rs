//! The lifecycle plumbing: the Run Command document, the shutdown runbooks
//! and their role.

use serde_json::{json, Value};

use super::rules::lifecycle_rules;
use super::{group_arn, group_name, run_document_name};
use crate::emit::cfn::template::{
    get_att, policy_document, r#ref, service_trust, sub, tags, Template,
};
use crate::ir::Stack;

/// Adds the lifecycle plumbing: the Run Command document that runs an event
/// on an instance, the shutdown runbook, and the EventBridge rules.
/// `groups` are the layers with instances of their own.
pub fn lifecycle(t: &mut Template, stack: &Stack, groups: &[&str], warm: &[&str]) {
    run_document(t, stack);
    runbooks(t, stack, groups, warm);
    lifecycle_rules(t, stack, groups, warm);
}

/// The Run Command document that runs an event on an instance (`stackc-run`).
fn run_document(t: &mut Template, stack: &Stack) {
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
}

/// The ARN of the Run Command document.
pub(super) fn document_arn() -> Value {
    sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:document/${RunDocument}")
}

/// A statement that lets Run Command run on the stack's instances.
pub(super) fn instances_of_stack(stack: &Stack) -> Value {
    json!({
        "Effect": "Allow",
        "Action": "ssm:SendCommand",
        "Resource": sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"),
        "Condition": { "StringEquals": {
            "ssm:resourceTag/stackc:stack": stack.name,
            "ssm:resourceTag/stackc:env": stack.env,
        } },
    })
}

/// Groups whose instances are terminated (not of a warm pool, whose
/// instances are also stopped: see the rules).
pub(super) fn cold_groups(stack: &Stack, groups: &[&str], warm: &[&str]) -> Vec<String> {
    groups
        .iter()
        .filter(|g| !warm.contains(g))
        .map(|g| group_name(stack, g))
        .collect()
}

/// A runbook's ARN at a version: `$DEFAULT` (what a rule starts), `*`.
pub(super) fn runbook_arn(runbook: &str, version: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:automation-definition/${{{runbook}}}:{version}"
    ))
}

/// The shutdown runbooks (for terminated instances, and for the stopped
/// ones of a warm pool) and the role they run as.
fn runbooks(t: &mut Template, stack: &Stack, groups: &[&str], warm: &[&str]) {
    let group_arns: Vec<Value> = groups.iter().map(|g| group_arn(stack, g)).collect();
    let document_arn = document_arn();
    let instances_of_stack = instances_of_stack(stack);
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
    if !cold_groups(stack, groups, warm).is_empty() {
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
