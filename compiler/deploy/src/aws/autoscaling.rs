//! Auto Scaling groups, their EC2 instances, and how their load
//! balancers' target groups (ELBv2) see them.

use super::classify::failed;
use super::Aws;
use crate::cloud::CloudError;
use crate::fleet::{Fleet, Instance, TargetHealth};

pub(super) async fn group_size(aws: &Aws, group: &str) -> Result<usize, CloudError> {
    let out = aws
        .asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(group)
        .send()
        .await
        .map_err(failed("AutoScaling", "DescribeAutoScalingGroups"))?;
    Ok(out
        .auto_scaling_groups()
        .first()
        .map_or(0, |g| g.instances().len()))
}

pub(super) async fn resume_launches(
    aws: &Aws,
    groups: &[String],
) -> Result<Vec<String>, CloudError> {
    let suspended = aws.launches_suspended(groups).await?;
    for name in &suspended {
        aws.asg
            .resume_processes()
            .auto_scaling_group_name(name)
            .scaling_processes("Launch")
            .send()
            .await
            .map_err(failed("AutoScaling", "ResumeProcesses"))?;
    }
    Ok(suspended)
}

pub(super) async fn launches_suspended(
    aws: &Aws,
    groups: &[String],
) -> Result<Vec<String>, CloudError> {
    let mut suspended = Vec::new();
    for g in aws.auto_scaling_groups(groups).await? {
        let launch = g
            .suspended_processes()
            .iter()
            .any(|p| p.process_name() == Some("Launch"));
        if let (true, Some(name)) = (launch, g.auto_scaling_group_name()) {
            suspended.push(name.to_string());
        }
    }
    Ok(suspended)
}

pub(super) async fn instances(aws: &Aws, groups: &[String]) -> Result<Vec<Instance>, CloudError> {
    let mut instances: Vec<Instance> = Vec::new();
    for g in &aws.auto_scaling_groups(groups).await? {
        for i in g.instances() {
            instances.push(Instance {
                id: i.instance_id().unwrap_or_default().to_string(),
                group: g.auto_scaling_group_name().unwrap_or_default().to_string(),
                lifecycle: i
                    .lifecycle_state()
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
                zone: i.availability_zone().unwrap_or_default().to_string(),
                private_ip: None,
                last_run: None,
                image: None,
            });
        }
    }
    if !instances.is_empty() {
        let ids: Vec<String> = instances.iter().map(|i| i.id.clone()).collect();
        let out = aws
            .ec2
            .describe_instances()
            .set_instance_ids(Some(ids))
            .send()
            .await
            .map_err(failed("EC2", "DescribeInstances"))?;
        for r in out.reservations() {
            for e in r.instances() {
                if let Some(i) = instances
                    .iter_mut()
                    .find(|i| Some(i.id.as_str()) == e.instance_id())
                {
                    i.private_ip = e.private_ip_address().map(str::to_string);
                    i.image = e.image_id().map(str::to_string);
                    i.last_run = e
                        .tags()
                        .iter()
                        .find(|t| t.key() == Some(crate::fleet::LAST_RUN_TAG))
                        .and_then(|t| t.value())
                        .map(str::to_string);
                }
            }
        }
    }
    instances.sort_by(|a, b| (&a.group, &a.id).cmp(&(&b.group, &b.id)));
    Ok(instances)
}

pub(super) async fn target_health(
    aws: &Aws,
    groups: &[String],
    instances: &[String],
) -> Result<Vec<TargetHealth>, CloudError> {
    use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
    let mut target_groups: Vec<String> = aws
        .auto_scaling_groups(groups)
        .await?
        .iter()
        .flat_map(|g| g.target_group_arns().iter().cloned())
        .collect();
    target_groups.sort();
    target_groups.dedup();
    let mut health = Vec::new();
    for arn in &target_groups {
        let mut req = aws.elb.describe_target_health().target_group_arn(arn);
        for id in instances {
            req = req.targets(TargetDescription::builder().id(id).build());
        }
        let out = req
            .send()
            .await
            .map_err(failed("ElasticLoadBalancingV2", "DescribeTargetHealth"))?;
        for d in out.target_health_descriptions() {
            let Some(instance) = d.target().and_then(|t| t.id()) else {
                continue;
            };
            let h = d.target_health();
            let reason = h
                .and_then(|h| h.reason())
                .map(|r| r.as_str().to_string())
                .map(|r| match h.and_then(|h| h.description()) {
                    Some(d) => format!("{r}: {d}"),
                    None => r,
                });
            health.push(TargetHealth {
                target_group: arn.clone(),
                instance: instance.to_string(),
                state: h
                    .and_then(|h| h.state())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                reason,
            });
        }
    }
    Ok(health)
}

impl Aws {
    /// The Auto Scaling groups of these names (those that exist), asked 100
    /// at a time (the most DescribeAutoScalingGroups takes), every page.
    async fn auto_scaling_groups(
        &self,
        names: &[String],
    ) -> Result<Vec<aws_sdk_autoscaling::types::AutoScalingGroup>, CloudError> {
        let mut found = Vec::new();
        for chunk in names.chunks(100) {
            let mut token: Option<String> = None;
            loop {
                let out = self
                    .asg
                    .describe_auto_scaling_groups()
                    .set_auto_scaling_group_names(Some(chunk.to_vec()))
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(failed("AutoScaling", "DescribeAutoScalingGroups"))?;
                found.extend(out.auto_scaling_groups().iter().cloned());
                token = out.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(found)
    }
}
