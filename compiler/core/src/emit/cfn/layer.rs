//! Resources of one instance group: a layer with instances of its own plus
//! the layers that run `on` it. Security groups, the instance role and
//! profile, the launch template with the bootstrap, the Auto Scaling group
//! with lifecycle hooks, scaling policies and schedules, load balancers,
//! alarms and log groups.

mod access;
mod alarms;
mod balancer;
mod group;
mod scaling;

use serde_json::Value;

use super::ids::LayerIds;
use super::template::{get_att, r#ref, Template};
use crate::diag::Diagnostic;
use crate::ir::{Layer, Stack};
use access::{role, security};
use alarms::alarms;
pub use alarms::layer_alarms;
use balancer::load_balancer;
use group::{auto_scaling_group, launch_template, log_groups, warm_pool_resource};
use scaling::{load_rule, schedules};

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
    let layers = stack.instance_layers(host);
    log_groups(t, stack, &layers, shared);
    security(t, stack, host, &layers, shared);
    role(t, stack, host, &layers, shared);
    launch_template(t, stack, host, shared)?;
    let (min, max) = auto_scaling_group(t, stack, host, &layers, shared);
    if warm_pool(stack, host) {
        warm_pool_resource(t, host);
    }
    for layer in &layers {
        if layer.load_balancer.is_some() {
            load_balancer(t, stack, host, layer, shared);
        }
    }
    if let Some(s) = &host.scaling {
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
    outputs(t, host, &layers);
    Ok(())
}

/// The outputs of the group: its name, and each layer's log group and load
/// balancer DNS name.
fn outputs(t: &mut Template, host: &Layer, layers: &[&Layer]) {
    let p = LayerIds::new(&host.name);
    t.output(
        &p.auto_scaling_group_name(),
        &format!("Auto Scaling group of layer {}", host.name),
        r#ref(&p.auto_scaling_group()),
    );
    for layer in layers {
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
}
