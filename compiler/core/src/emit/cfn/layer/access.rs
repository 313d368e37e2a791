//! Who may reach a group and what it may do: its security group and its
//! instance role and profile.

use serde_json::{json, Value};

use super::Shared;
use crate::emit::cfn::ids::LayerIds;
use crate::emit::cfn::shared::{self, group_arn, group_name};
use crate::emit::cfn::template::{
    get_att, instance_trust, policy_document, r#ref, sub, tags, Template,
};
use crate::ir::{Layer, Stack};

/// The instance security group and its ingress rules: the load balancer on
/// the app port, the stack's instances on the layers' other ports. Nothing
/// from anywhere else; no SSH (Session Manager replaces it).
pub(super) fn security(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    layers: &[&Layer],
    shared: &Shared,
) {
    let p = LayerIds::new(&host.name);
    let sg = p.security_group();
    t.resource(
        &sg,
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": format!("stackc {}: instances of layer {}", stack.qualified_name(), host.name),
            "VpcId": shared.vpc_id,
            "Tags": tags(&[("Name", &group_name(stack, &host.name))]),
        }),
    );
    let mut internal: Vec<u16> = Vec::new();
    for layer in layers {
        let lp = LayerIds::new(&layer.name);
        let lb_port = layer.load_balancer.as_ref().and(layer.http_port);
        if let Some(port) = lb_port {
            t.resource(
                &lp.load_balancer_ingress(),
                "AWS::EC2::SecurityGroupIngress",
                json!({
                    "GroupId": get_att(&sg, "GroupId"),
                    "SourceSecurityGroupId": get_att(&lp.load_balancer_security_group(), "GroupId"),
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "Description": format!("load balancer of layer {} to port {port}", layer.name),
                }),
            );
        }
        for &port in &layer.ports {
            if Some(port) != lb_port && !internal.contains(&port) {
                internal.push(port);
            }
        }
    }
    for port in internal {
        t.resource(
            &format!("{p}Port{port}Ingress"),
            "AWS::EC2::SecurityGroupIngress",
            json!({
                "GroupId": get_att(&sg, "GroupId"),
                "SourceSecurityGroupId": shared.instances_security_group,
                "IpProtocol": "tcp",
                "FromPort": port,
                "ToPort": port,
                "Description": format!("instances of the stack to port {port}"),
            }),
        );
    }
}

/// The instance role: only what the agent and the CloudWatch agent need,
/// scoped to this environment's artifacts, parameters, logs and group.
pub(super) fn role(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    layers: &[&Layer],
    shared: &Shared,
) {
    let p = LayerIds::new(&host.name);
    let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    let mut statements = vec![
        json!({
            "Sid": "ReadOwnArtifacts",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": sub(&format!("arn:${{AWS::Partition}}:s3:::${{ArtifactBucket}}/{}/{}/*", stack.name, stack.env)),
        }),
        json!({
            "Sid": "ReadBundlePointer",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": sub(&format!(
                "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{}",
                shared::bundle_parameter(stack)
            )),
        }),
    ];
    let secrets: Vec<Value> = stack
        .apps
        .iter()
        .filter(|a| names.contains(&a.layer.as_str()))
        .flat_map(|a| a.secrets.iter())
        .map(|s| {
            sub(&format!(
                "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
                s.ssm.trim_start_matches('/')
            ))
        })
        .collect();
    if !secrets.is_empty() {
        statements.push(json!({
            "Sid": "ReadOwnSecrets",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Resource": secrets,
        }));
        statements.push(json!({
            "Sid": "DecryptSecretsThroughSsm",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": { "StringEquals": { "kms:ViaService": sub("ssm.${AWS::Region}.amazonaws.com") } },
        }));
    }
    // Apps fetched from S3: that object only (read with the instance role).
    let sources: Vec<Value> = stack
        .apps
        .iter()
        .filter(|a| names.contains(&a.layer.as_str()))
        .filter_map(|a| match &a.source {
            crate::ir::Source::S3 { url } => url.strip_prefix("s3://"),
            _ => None,
        })
        // `${` in a key would read as a Sub variable: `${!` is its literal.
        .map(|object| {
            let object = object.replace("${", "${!");
            sub(&format!("arn:${{AWS::Partition}}:s3:::{object}"))
        })
        .collect();
    if !sources.is_empty() {
        statements.push(json!({
            "Sid": "ReadAppSources",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": sources,
        }));
    }
    statements.push(json!({
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        "Resource": layers.iter().map(|l| get_att(&LayerIds::new(&l.name).log_group(), "Arn")).collect::<Vec<_>>(),
    }));
    statements.push(json!({
        "Sid": "PutAgentMetrics",
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
        "Condition": { "StringEquals": { "cloudwatch:namespace": "CWAgent" } },
    }));
    // No condition key names the instance whose lifecycle action is
    // completed: the group is the narrowest scope IAM offers.
    statements.push(json!({
        "Sid": "CompleteOwnLifecycleActions",
        "Effect": "Allow",
        "Action": "autoscaling:CompleteLifecycleAction",
        "Resource": group_arn(stack, &host.name),
    }));
    // The bootstrap signals the template holding its launch template (a
    // nested stack's own id when the group is nested): that stack only.
    statements.push(json!({
        "Sid": "SignalOwnStack",
        "Effect": "Allow",
        "Action": "cloudformation:SignalResource",
        "Resource": r#ref("AWS::StackId"),
    }));
    statements.push(json!({
        "Sid": "RecordLifecycleRunsOnItself",
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "Resource": sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"),
        "Condition": {
            "StringEquals": { "aws:ARN": "${ec2:SourceInstanceARN}" },
            "ForAllValues:StringEquals": { "aws:TagKeys": ["stackc:last-run"] },
        },
    }));
    statements.extend(ssm_agent_statements());
    statements.push(json!({
        "Sid": "DescribeTheFleet",
        "Effect": "Allow",
        "Action": ["ec2:DescribeInstances", "ec2:DescribeTags", "ec2:DescribeVolumes", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeAutoScalingGroups"],
        "Resource": "*",
    }));
    // The agent lists the stack's load balancers (found by their stackc
    // tags) in opsworks.stack.elb-load-balancers; neither action takes a
    // narrower resource.
    if stack.layers.iter().any(|l| l.load_balancer.is_some()) {
        statements.push(json!({
            "Sid": "DescribeTheLoadBalancers",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags"],
            "Resource": "*",
        }));
    }
    statements.extend(report_failed_runs(stack, host, shared));
    t.resource(
        &p.instance_role(),
        "AWS::IAM::Role",
        json!({
            "Description": format!("stackc {}: instances of layer {}", stack.qualified_name(), host.name),
            "AssumeRolePolicyDocument": instance_trust(),
            "Policies": [{ "PolicyName": "stackc-instance", "PolicyDocument": policy_document(statements) }],
        }),
    )
    .skip_checks(&[(
        "CKV_AWS_111",
        "PutMetricData (limited to the CWAgent namespace by condition) and the SSM agent's reports have no resource-level permissions",
    )]);
    t.resource(
        &p.instance_profile(),
        "AWS::IAM::InstanceProfile",
        json!({ "Roles": [r#ref(&p.instance_role())] }),
    );
}

/// What the SSM agent needs for Run Command and Session Manager: the
/// actions of AWS's `AmazonSSMManagedInstanceCore` except its
/// `ssm:GetParameter` and `ssm:GetParameters` on every parameter, which
/// would let any instance read every secret of the account. The agent
/// itself reads no parameter; the stackc agent reads its own by name.
fn ssm_agent_statements() -> Vec<Value> {
    vec![
        json!({
            "Sid": "SsmAgent",
            "Effect": "Allow",
            "Action": [
                "ssm:DescribeAssociation",
                "ssm:GetDeployablePatchSnapshotForInstance",
                "ssm:GetDocument",
                "ssm:DescribeDocument",
                "ssm:GetManifest",
                "ssm:ListAssociations",
                "ssm:ListInstanceAssociations",
                "ssm:PutInventory",
                "ssm:PutComplianceItems",
                "ssm:PutConfigurePackageResult",
                "ssm:UpdateAssociationStatus",
                "ssm:UpdateInstanceAssociationStatus",
                "ssm:UpdateInstanceInformation",
            ],
            "Resource": "*",
        }),
        json!({
            "Sid": "SsmAgentMessages",
            "Effect": "Allow",
            "Action": [
                "ec2messages:AcknowledgeMessage",
                "ec2messages:DeleteMessage",
                "ec2messages:FailMessage",
                "ec2messages:GetEndpoint",
                "ec2messages:GetMessages",
                "ec2messages:SendReply",
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            "Resource": "*",
        }),
    ]
}

/// The bootstrap and stackc-run tell the stack's topic when a lifecycle run
/// fails: publishing to that topic only, through the stack's key (the topic
/// is encrypted with it), by way of SNS only. A failed setup keeps its
/// instance in Standby, or stops its own group's launches (see the
/// bootstrap).
fn report_failed_runs(stack: &Stack, host: &Layer, shared: &Shared) -> Vec<Value> {
    vec![
        json!({
            "Sid": "KeepFailedSetupsBounded",
            "Effect": "Allow",
            "Action": [
                "autoscaling:EnterStandby",
                "autoscaling:SetInstanceProtection",
                "autoscaling:SetInstanceHealth",
                "autoscaling:SuspendProcesses",
            ],
            "Resource": group_arn(stack, &host.name),
        }),
        json!({
            "Sid": "NotifyFailedRuns",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": shared.topic,
        }),
        json!({
            "Sid": "EncryptNotificationsThroughSns",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": shared.key_arn,
            "Condition": { "StringEquals": { "kms:ViaService": sub("sns.${AWS::Region}.amazonaws.com") } },
        }),
    ]
}
