//! Resources of one instance group: a layer with instances of its own plus
//! the layers that run `on` it. Security groups, the instance role and
//! profile, the launch template with the bootstrap, the Auto Scaling group
//! with lifecycle hooks, scaling policies and schedules, load balancers,
//! alarms and log groups.

use serde_json::{json, Value};

use super::ids::LayerIds;
use super::shared::{self, group_arn, group_name, SETUP_HOOK, SHUTDOWN_HOOK};
use super::template::{
    get_att, instance_trust, pascal, per_deployment, policy_document, r#ref, sub, tags, Template,
};
use super::userdata;
use crate::diag::{Code, Diagnostic};
use crate::emit::node::{instance_layers, log_group_prefix};
use crate::hours::{self, Kind, Sizes};
use crate::ir::{Alarm, Comparison, Layer, LoadRule, Stack};
use crate::lock;
use crate::stdlib::{self, MetricSource};
use crate::units::Weekday;

/// How layer resources reach the shared ones (directly in a single template,
/// or through parameters in a nested one).
pub struct Shared {
    /// VPC id.
    pub vpc_id: Value,
    /// Public subnets (a list value).
    pub public_subnets: Value,
    /// Private subnets (a list value).
    pub private_subnets: Value,
    /// ARN of the KMS key for log groups.
    pub key_arn: Value,
    /// ARN of the alarm topic.
    pub topic: Value,
    /// Name of the access-log bucket.
    pub access_log_bucket: Value,
    /// Id of the security group every instance carries.
    pub instances_security_group: Value,
    /// Resources the Auto Scaling group waits for (the bundle pointer, when
    /// it is in the same template).
    pub group_depends_on: &'static [&'static str],
    /// Resources a load balancer waits for (the access-log bucket's policy,
    /// when it is in the same template): Elastic Load Balancing checks that
    /// it may write there when access logs are turned on.
    pub load_balancer_depends_on: &'static [&'static str],
}

/// True when the instances of `host` are stopped and started rather than
/// terminated and launched: a layer with a time-based schedule, or any
/// layer of an environment with working hours. As OpsWorks stopped its
/// time-based instances, their disks (the root volume, `volume` data,
/// caches, installed packages) outlive the night: the group keeps a warm
/// pool of stopped instances that scale-in returns instances to.
pub fn warm_pool(stack: &Stack, host: &Layer) -> bool {
    stack.working_hours.is_some() || host.scaling.as_ref().is_some_and(|s| s.schedule.is_some())
}

/// Adds every resource of the instance group of `host`.
pub fn emit(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    shared: &Shared,
) -> Result<(), Diagnostic> {
    let p = LayerIds::new(&host.name);
    let layers = instance_layers(stack, host);
    let group = group_name(stack, &host.name);

    for layer in &layers {
        // Kept by `stackc destroy` (its logs are what one reads after).
        t.resource(
            &userdata::log_group_id(&layer.name),
            "AWS::Logs::LogGroup",
            json!({
                "LogGroupName": per_deployment(&log_group_prefix(stack, &layer.name)),
                "RetentionInDays": layer.log_retention_days,
                "KmsKeyId": shared.key_arn,
            }),
        )
        .attribute("DeletionPolicy", json!("Retain"))
        .attribute("UpdateReplacePolicy", json!("Retain"));
    }

    security(t, stack, host, &layers, shared);
    role(t, stack, host, &layers, shared);

    let user_data = userdata::render(stack, host, &p.auto_scaling_group())?;
    let os = &stack.os;
    let root_device = if os.family == crate::stdlib::OsFamily::Ubuntu {
        "/dev/sda1"
    } else {
        "/dev/xvda"
    };
    let mut disks = vec![json!({
        "DeviceName": root_device,
        "Ebs": { "VolumeSize": 20, "VolumeType": "gp3", "Encrypted": true, "DeleteOnTermination": true },
    })];
    for (v, device) in userdata::volume_devices(host) {
        disks.push(json!({
            "DeviceName": format!("/dev/{device}"),
            "Ebs": { "VolumeSize": v.size_gib, "VolumeType": "gp3", "Encrypted": true, "DeleteOnTermination": true },
        }));
    }
    let instance_tags = tags(&[
        ("Name", &group),
        ("stackc:stack", &stack.name),
        ("stackc:env", &stack.env),
        ("stackc:layer", &host.name),
    ]);
    t.resource(
        &p.launch_template(),
        "AWS::EC2::LaunchTemplate",
        json!({
            "LaunchTemplateData": {
                // Pinned in the lock file; deploy passes it (never resolved
                // at deploy time, so a new AWS image replaces nothing).
                "ImageId": r#ref(&lock::parameter(host.instance_type.arch)),
                "InstanceType": host.instance_type.name,
                "IamInstanceProfile": { "Arn": get_att(&p.instance_profile(), "Arn") },
                "SecurityGroupIds": [
                    get_att(&p.security_group(), "GroupId"),
                    shared.instances_security_group,
                ],
                "MetadataOptions": {
                    "HttpEndpoint": "enabled",
                    "HttpTokens": "required",
                    "HttpPutResponseHopLimit": 1,
                },
                "Monitoring": { "Enabled": true },
                "BlockDeviceMappings": disks,
                "UserData": { "Fn::Base64": user_data },
                "TagSpecifications": [
                    { "ResourceType": "instance", "Tags": instance_tags },
                    { "ResourceType": "volume", "Tags": instance_tags },
                ],
            },
        }),
    );

    let scaling = host.scaling.as_ref();
    let (min, max) = scaling.map(|s| (s.min, s.max)).unwrap_or((1, 1));
    let target_groups: Vec<Value> = layers
        .iter()
        .filter(|l| l.load_balancer.is_some())
        .map(|l| r#ref(&LayerIds::new(&l.name).target_group()))
        .collect();
    let mut asg = json!({
        "AutoScalingGroupName": group,
        "LaunchTemplate": {
            "LaunchTemplateId": r#ref(&p.launch_template()),
            "Version": get_att(&p.launch_template(), "LatestVersionNumber"),
        },
        "MinSize": min.to_string(),
        "MaxSize": room(min, max).to_string(),
        "VPCZoneIdentifier": shared.private_subnets,
        "HealthCheckType": if target_groups.is_empty() { "EC2" } else { "ELB" },
        "HealthCheckGracePeriod": 300,
        "MetricsCollection": [{ "Granularity": "1Minute" }],
        "LifecycleHookSpecificationList": [
            {
                "LifecycleHookName": SETUP_HOOK,
                "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
                "HeartbeatTimeout": 1800,
                "DefaultResult": "ABANDON",
            },
            {
                "LifecycleHookName": SHUTDOWN_HOOK,
                "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
                "HeartbeatTimeout": 600,
                "DefaultResult": "CONTINUE",
            },
        ],
        "Tags": [
            { "Key": "Name", "Value": group, "PropagateAtLaunch": true },
            { "Key": "stackc:stack", "Value": stack.name, "PropagateAtLaunch": true },
            { "Key": "stackc:env", "Value": stack.env, "PropagateAtLaunch": true },
            { "Key": "stackc:layer", "Value": host.name, "PropagateAtLaunch": true },
        ],
    });
    if !target_groups.is_empty() {
        asg["TargetGroupARNs"] = json!(target_groups);
    }
    // CloudFormation replaces instances one at a time, launching the new one
    // before terminating the old (it raises the group's desired capacity for
    // that), so the group never has fewer than `min` in service. It can only
    // do so below MaxSize: a group whose min is its max gets one instance of
    // room (the checker refuses scale-up rules there, nothing else uses it).
    let res = t
        .resource(&p.auto_scaling_group(), "AWS::AutoScaling::AutoScalingGroup", asg)
        .depends_on(shared.group_depends_on)
        .attribute(
            "UpdatePolicy",
            json!({
                "AutoScalingRollingUpdate": {
                    "MinInstancesInService": min,
                    "MaxBatchSize": 1,
                    "PauseTime": "PT30M",
                    "WaitOnResourceSignals": true,
                    "SuspendProcesses": ["HealthCheck", "ReplaceUnhealthy", "AZRebalance", "AlarmNotification", "ScheduledActions"],
                },
                "AutoScalingScheduledAction": { "IgnoreUnmodifiedGroupSizeProperties": true },
            }),
        );
    if min > 0 {
        res.attribute(
            "CreationPolicy",
            json!({ "ResourceSignal": { "Count": min, "Timeout": "PT30M" } }),
        );
    }

    if warm_pool(stack, host) {
        // Instances launch into the pool, are set up there (the launch
        // hook holds them at Warmed:Pending:Wait) and stopped; a scale-out
        // starts them (set up again at boot, the hook holding them at
        // Pending:Wait), a scale-in returns them (shutdown runs first; see
        // the stop rule in `shared::lifecycle`). Group and pool together
        // hold the most instances the layer ever runs: without that bound
        // the pool would be the group's maximum less its desired capacity,
        // nothing once a closing sets the maximum to 0, and the closing's
        // scale-in would terminate the instances instead.
        let peak = scaling.map_or(1, |s| {
            s.schedule
                .iter()
                .flat_map(|sc| sc.entries.iter().map(|e| e.max))
                .fold(s.max, u32::max)
        });
        t.resource(
            &p.warm_pool(),
            "AWS::AutoScaling::WarmPool",
            json!({
                "AutoScalingGroupName": r#ref(&p.auto_scaling_group()),
                "PoolState": "Stopped",
                "MinSize": 0,
                "MaxGroupPreparedCapacity": peak,
                "InstanceReusePolicy": { "ReuseOnScaleIn": true },
            }),
        );
    }
    for layer in &layers {
        if layer.load_balancer.is_some() {
            load_balancer(t, stack, host, layer, shared);
        }
    }
    if let Some(s) = scaling {
        if let Some(up) = &s.up {
            load_rule(t, stack, host, up, true);
        }
        if let Some(down) = &s.down {
            load_rule(t, stack, host, down, false);
        }
    }
    schedules(t, stack, host, min, max)?;
    for layer in &layers {
        alarms(t, stack, host, layer, shared);
    }

    t.output(
        &p.auto_scaling_group_name(),
        &format!("Auto Scaling group of layer {}", host.name),
        r#ref(&p.auto_scaling_group()),
    );
    for layer in &layers {
        let lp = LayerIds::new(&layer.name);
        t.output(
            &lp.log_group_name(),
            &format!("Log group of layer {}", layer.name),
            r#ref(&lp.log_group()),
        );
        if layer.load_balancer.is_some() {
            t.output(
                &lp.load_balancer_dns_name(),
                &format!("DNS name of the load balancer of layer {}", layer.name),
                get_att(&lp.load_balancer(), "DNSName"),
            );
        }
    }
    Ok(())
}

/// The instance security group and its ingress rules: the load balancer on
/// the app port, the stack's instances on the layers' other ports. Nothing
/// from anywhere else; no SSH (Session Manager replaces it).
fn security(t: &mut Template, stack: &Stack, host: &Layer, layers: &[&Layer], shared: &Shared) {
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
fn role(t: &mut Template, stack: &Stack, host: &Layer, layers: &[&Layer], shared: &Shared) {
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

/// An application load balancer in front of `layer`, running on the
/// instances of `host`.
fn load_balancer(t: &mut Template, stack: &Stack, host: &Layer, layer: &Layer, shared: &Shared) {
    let Some(lb) = &layer.load_balancer else {
        return;
    };
    let lp = LayerIds::new(&layer.name);
    let port = layer.http_port.unwrap_or(80);
    let https = lb.certificate();
    let mut ingress = vec![json!({
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0",
        "Description": if https.is_some() { "HTTP from anywhere, redirected to HTTPS" } else { "HTTP from anywhere" },
    })];
    if https.is_some() {
        ingress.push(json!({
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0",
            "Description": "HTTPS from anywhere",
        }));
    }
    t.resource(
        &lp.load_balancer_security_group(),
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": format!("stackc {}: load balancer of layer {}", stack.qualified_name(), layer.name),
            "VpcId": shared.vpc_id,
            "SecurityGroupIngress": ingress,
            "SecurityGroupEgress": [{
                "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                "DestinationSecurityGroupId": get_att(&LayerIds::new(&host.name).security_group(), "GroupId"),
                "Description": format!("to the instances of layer {} on port {port}", host.name),
            }],
            "Tags": tags(&[("Name", &format!("{}-lb", group_name(stack, &layer.name)))]),
        }),
    )
    .skip_checks(&[
        ("CKV_AWS_260", "a public load balancer accepts HTTP on port 80 (redirected to HTTPS when a certificate is given)"),
    ]);
    t.resource(
        &lp.load_balancer(),
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        json!({
            "Type": "application",
            "Scheme": "internet-facing",
            "Subnets": shared.public_subnets,
            "SecurityGroups": [get_att(&lp.load_balancer_security_group(), "GroupId")],
            "LoadBalancerAttributes": [
                { "Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true" },
                { "Key": "access_logs.s3.enabled", "Value": "true" },
                { "Key": "access_logs.s3.bucket", "Value": shared.access_log_bucket },
                { "Key": "access_logs.s3.prefix", "Value": format!("{}/{}", stack.qualified_name(), layer.name) },
            ],
            "Tags": tags(&[("stackc:stack", &stack.name), ("stackc:env", &stack.env), ("stackc:layer", &layer.name)]),
        }),
    )
    .depends_on(shared.load_balancer_depends_on)
    .skip_checks(&[(
        "CKV_AWS_150",
        "deletion protection would keep `stackc destroy` from removing test environments",
    )]);
    let hc = &lb.health_check;
    t.resource(
        &lp.target_group(),
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        json!({
            "VpcId": shared.vpc_id,
            "Protocol": "HTTP",
            "Port": port,
            "TargetType": "instance",
            "HealthCheckProtocol": "HTTP",
            "HealthCheckPath": hc.path,
            "HealthCheckIntervalSeconds": hc.interval_secs,
            "HealthyThresholdCount": hc.healthy,
            "UnhealthyThresholdCount": hc.unhealthy,
            "TargetGroupAttributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "30" }],
            "Tags": tags(&[("stackc:layer", &layer.name)]),
        }),
    );
    let forward = json!([{ "Type": "forward", "TargetGroupArn": r#ref(&lp.target_group()) }]);
    // Several apps on one layer: the listener answers only their host names,
    // one rule per app (five names per rule, the load balancer's limit).
    let sites: Vec<(&str, Vec<&str>)> = stack
        .apps
        .iter()
        .filter(|a| a.layer == layer.name && !a.sites.is_empty())
        .map(|a| {
            let names = a
                .sites
                .iter()
                .flat_map(|s| {
                    std::iter::once(s.domain.as_str()).chain(s.aliases.iter().map(String::as_str))
                })
                .collect();
            (a.name.as_str(), names)
        })
        .collect();
    let by_host = sites.len() >= 2;
    let default_action = if by_host {
        json!([{
            "Type": "fixed-response",
            "FixedResponseConfig": {
                "StatusCode": "404",
                "ContentType": "text/plain",
                "MessageBody": "no site of this name here",
            },
        }])
    } else {
        forward.clone()
    };
    let serving_listener = format!(
        "{lp}{}Listener",
        if https.is_some() { "Https" } else { "Http" }
    );
    if by_host {
        let mut priority = 1;
        for (app, names) in &sites {
            for (i, chunk) in names.chunks(5).enumerate() {
                let suffix = if i == 0 {
                    String::new()
                } else {
                    (i + 1).to_string()
                };
                t.resource(
                    &format!("{lp}{}HostRule{suffix}", pascal(app)),
                    "AWS::ElasticLoadBalancingV2::ListenerRule",
                    json!({
                        "ListenerArn": r#ref(&serving_listener),
                        "Priority": priority,
                        "Conditions": [{ "Field": "host-header", "HostHeaderConfig": { "Values": chunk } }],
                        "Actions": forward,
                    }),
                );
                priority += 1;
            }
        }
    }
    match https {
        Some(certificate) => {
            t.resource(
                &lp.https_listener(),
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": r#ref(&lp.load_balancer()),
                    "Port": 443,
                    "Protocol": "HTTPS",
                    "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    "Certificates": [{ "CertificateArn": certificate }],
                    "DefaultActions": default_action,
                }),
            );
            t.resource(
                &lp.http_listener(),
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": r#ref(&lp.load_balancer()),
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": [{
                        "Type": "redirect",
                        "RedirectConfig": { "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301" },
                    }],
                }),
            )
            .skip_checks(&[("CKV_AWS_2", "this listener only redirects HTTP to HTTPS")]);
        }
        None => {
            t.resource(
                &lp.http_listener(),
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": r#ref(&lp.load_balancer()),
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": default_action,
                }),
            )
            .skip_checks(&[
                ("CKV_AWS_2", "the stack file asks for `listener http` only; add `listener https certificate=...` for TLS"),
                ("CKV_AWS_103", "no TLS on a plain HTTP listener"),
            ]);
        }
    }
}

/// A load rule: an alarm on the group's metric and a step scaling policy.
fn load_rule(t: &mut Template, stack: &Stack, host: &Layer, rule: &LoadRule, up: bool) {
    let p = LayerIds::new(&host.name);
    let dir = if up { "Up" } else { "Down" };
    let policy = format!("{p}Scale{dir}Policy");
    let step = if up {
        json!({ "MetricIntervalLowerBound": 0, "ScalingAdjustment": rule.count })
    } else {
        json!({ "MetricIntervalUpperBound": 0, "ScalingAdjustment": -i64::from(rule.count) })
    };
    t.resource(
        &policy,
        "AWS::AutoScaling::ScalingPolicy",
        json!({
            "AutoScalingGroupName": r#ref(&p.auto_scaling_group()),
            "PolicyType": "StepScaling",
            "AdjustmentType": "ChangeInCapacity",
            "EstimatedInstanceWarmup": 300,
            "StepAdjustments": [step],
        }),
    );
    let (period, evaluations) = periods(rule.period_secs);
    t.resource(
        &format!("{p}Scale{dir}Alarm"),
        "AWS::CloudWatch::Alarm",
        json!({
            "AlarmDescription": format!(
                "stackc {}: scale layer {} {} when {} is {} {} for {}s",
                stack.qualified_name(), host.name, if up { "up" } else { "down" },
                rule.metric.name, if up { "above" } else { "below" }, rule.threshold, rule.period_secs
            ),
            "Namespace": rule.metric.namespace,
            "MetricName": rule.metric.metric_name,
            "Statistic": rule.metric.statistic,
            "Dimensions": [{ "Name": "AutoScalingGroupName", "Value": r#ref(&p.auto_scaling_group()) }],
            "Period": period,
            "EvaluationPeriods": evaluations,
            "Threshold": rule.threshold,
            "ComparisonOperator": if up { "GreaterThanThreshold" } else { "LessThanThreshold" },
            "AlarmActions": [r#ref(&policy)],
        }),
    );
}

/// Period and number of evaluation periods for a duration.
fn periods(secs: u64) -> (u64, u64) {
    let period = 60;
    (period, secs.div_ceil(period).max(1))
}

/// A layer's alarms: its own, then the defaults of a load-balanced layer
/// (unhealthy hosts, 5xx) unless it sets one on that metric or of that name.
/// The flag is true for a default.
pub fn layer_alarms(layer: &Layer) -> Vec<(Alarm, bool)> {
    let mut all: Vec<(Alarm, bool)> = layer.alarms.iter().map(|a| (a.clone(), false)).collect();
    if layer.load_balancer.is_some() {
        let std = stdlib::get();
        for (name, metric, threshold) in [
            ("unhealthy-hosts", "unhealthy-hosts", 0.0),
            ("errors-5xx", "target-5xx", 10.0),
        ] {
            let Some(m) = std.metric(metric) else {
                continue;
            };
            if !layer
                .alarms
                .iter()
                .any(|a| a.metric.name == metric || a.name == name)
            {
                all.push((
                    Alarm {
                        name: name.to_string(),
                        metric: m.clone(),
                        comparison: Comparison::Above,
                        threshold,
                        period_secs: 300,
                    },
                    true,
                ));
            }
        }
    }
    all
}

/// The layer's alarms (see [`layer_alarms`]).
fn alarms(t: &mut Template, stack: &Stack, host: &Layer, layer: &Layer, shared: &Shared) {
    let lp = LayerIds::new(&layer.name);
    let all = layer_alarms(layer);
    for (alarm, _) in all {
        let Alarm {
            name,
            metric,
            comparison,
            threshold,
            period_secs: secs,
        } = alarm;
        let dimensions = match metric.source {
            MetricSource::Instance => json!([{
                "Name": "AutoScalingGroupName",
                "Value": r#ref(&LayerIds::new(&host.name).auto_scaling_group()),
            }]),
            MetricSource::LoadBalancer => json!([
                { "Name": "LoadBalancer", "Value": get_att(&lp.load_balancer(), "LoadBalancerFullName") },
                { "Name": "TargetGroup", "Value": get_att(&lp.target_group(), "TargetGroupFullName") },
            ]),
        };
        let (period, evaluations) = periods(secs);
        t.resource(
            &format!("{lp}{}Alarm", pascal(&name)),
            "AWS::CloudWatch::Alarm",
            json!({
                "AlarmDescription": format!(
                    "stackc {}: layer {}: {} {} {} for {}s",
                    stack.qualified_name(), layer.name, metric.name,
                    if comparison == Comparison::Above { "above" } else { "below" }, threshold, secs
                ),
                "Namespace": metric.namespace,
                "MetricName": metric.metric_name,
                "Statistic": metric.statistic,
                "Dimensions": dimensions,
                "Period": period,
                "EvaluationPeriods": evaluations,
                "Threshold": threshold,
                "ComparisonOperator": if comparison == Comparison::Above { "GreaterThanThreshold" } else { "LessThanThreshold" },
                "TreatMissingData": "notBreaching",
                "AlarmActions": [shared.topic],
                "OKActions": [shared.topic],
            }),
        );
    }
}

/// The group's MaxSize for bounds `min`..`max`: one above max when they are
/// equal, so that a rolling update can launch before it terminates.
fn room(min: u32, max: u32) -> u32 {
    max.max(min + 1)
}

/// The group's scheduled actions: its schedule's entries, or, in an
/// environment with working hours, the schedule bounded by them (see
/// [`crate::hours`]): the opening sets the sizes the schedule gives at that
/// moment, entries inside the hours are kept, the closing stops the group.
fn schedules(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    min: u32,
    max: u32,
) -> Result<(), Diagnostic> {
    let p = LayerIds::new(&host.name);
    let schedule = host.scaling.as_ref().and_then(|s| s.schedule.as_ref());
    let Some(wh) = &stack.working_hours else {
        if let Some(schedule) = schedule {
            for (i, e) in schedule.entries.iter().enumerate() {
                let sizes = Sizes {
                    min: e.min,
                    max: e.max,
                };
                let recurrence = cron(e.at.minute, e.at.hour, &e.days);
                let action =
                    scheduled_action(&p, sizes, &recurrence, schedule.timezone.name(), false);
                t.resource(
                    &format!("{p}Schedule{}", i + 1),
                    "AWS::AutoScaling::ScheduledAction",
                    action,
                );
            }
        }
        return Ok(());
    };
    let bounded = hours::bound(schedule, Sizes { min, max }, wh).map_err(|_| {
        Diagnostic::error(
            Code::ScheduleTimezone,
            schedule.map_or(wh.span, |s| s.span),
            format!(
                "the schedule of layer `{}` and the working hours are in time zones that drift apart",
                host.name
            ),
        )
        .help(format!(
            "write the schedule in the working hours' time zone: `schedule timezone=\"{}\"`",
            wh.timezone
        ))
    })?;
    let mut counts = [0usize; 3];
    for a in &bounded.actions {
        let (base, n) = match a.kind {
            Kind::Open => ("WorkingHoursStart", &mut counts[0]),
            Kind::Schedule => ("Schedule", &mut counts[1]),
            Kind::Close => ("WorkingHoursStop", &mut counts[2]),
        };
        *n += 1;
        let id = match (a.kind, *n) {
            (Kind::Schedule, n) => format!("{p}{base}{n}"),
            (_, 1) => format!("{p}{base}"),
            (_, n) => format!("{p}{base}{n}"),
        };
        let recurrence = cron(a.at.minute, a.at.hour, &a.days);
        let action = scheduled_action(
            &p,
            a.sizes,
            &recurrence,
            wh.timezone.name(),
            a.kind == Kind::Close,
        );
        t.resource(&id, "AWS::AutoScaling::ScheduledAction", action);
    }
    Ok(())
}

/// One scheduled action. A stop also sets the desired capacity to 0; bounds
/// with min = max > 0 get the group's room for rolling updates (see
/// [`room`]) with the desired capacity held at max.
fn scheduled_action(
    p: &LayerIds,
    sizes: Sizes,
    recurrence: &str,
    timezone: &str,
    stop: bool,
) -> Value {
    let (max, desired) = if stop {
        (sizes.max, Some(0))
    } else if sizes.min == sizes.max && sizes.max > 0 {
        (room(sizes.min, sizes.max), Some(sizes.max))
    } else {
        (sizes.max, None)
    };
    let mut action = serde_json::Map::new();
    action.insert(
        "AutoScalingGroupName".into(),
        r#ref(&p.auto_scaling_group()),
    );
    action.insert("MinSize".into(), json!(sizes.min));
    action.insert("MaxSize".into(), json!(max));
    if let Some(d) = desired {
        action.insert("DesiredCapacity".into(), json!(d));
    }
    action.insert("Recurrence".into(), json!(recurrence));
    action.insert("TimeZone".into(), json!(timezone));
    Value::Object(action)
}

/// A cron recurrence: minute, hour, any day of month and month, the days.
fn cron(minute: u8, hour: u8, days: &[Weekday]) -> String {
    let days = if days.len() == 7 {
        "*".to_string()
    } else {
        days.iter()
            .map(|d| d.cron().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!("{minute} {hour} * * {days}")
}
