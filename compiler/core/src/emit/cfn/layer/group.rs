//! The instances of a group: log groups, the launch template, the Auto
//! Scaling group with its lifecycle hooks, and the warm pool.

use serde_json::{json, Value};

use super::Shared;
use crate::diag::Diagnostic;
use crate::emit::cfn::ids::LayerIds;
use crate::emit::cfn::shared::{group_name, SETUP_HOOK, SHUTDOWN_HOOK};
use crate::emit::cfn::template::{get_att, per_deployment, r#ref, tags, Template};
use crate::emit::cfn::userdata;
use crate::emit::node::log_group_prefix;
use crate::ir::{Layer, Stack};
use crate::lock;

/// The log group of each layer of the group.
pub(super) fn log_groups(t: &mut Template, stack: &Stack, layers: &[&Layer], shared: &Shared) {
    for layer in layers {
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
}

/// The launch template: image, instance type, profile, security groups,
/// disks and the bootstrap user data.
pub(super) fn launch_template(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    shared: &Shared,
) -> Result<(), Diagnostic> {
    let p = LayerIds::new(&host.name);
    let group = group_name(stack, &host.name);
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
    Ok(())
}

/// The Auto Scaling group with its lifecycle hooks and rolling updates;
/// returns its minimum and maximum size.
pub(super) fn auto_scaling_group(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    layers: &[&Layer],
    shared: &Shared,
) -> (u32, u32) {
    let p = LayerIds::new(&host.name);
    let group = group_name(stack, &host.name);
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
    (min, max)
}

/// The warm pool of stopped instances (see [`warm_pool`](super::warm_pool)).
pub(super) fn warm_pool_resource(t: &mut Template, host: &Layer) {
    let p = LayerIds::new(&host.name);
    let scaling = host.scaling.as_ref();
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

/// The group's MaxSize for bounds `min`..`max`: one above max when they are
/// equal, so that a rolling update can launch before it terminates.
pub(super) fn room(min: u32, max: u32) -> u32 {
    max.max(min + 1)
}
