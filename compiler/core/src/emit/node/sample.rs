//! Sample values for what only a running stack knows (its id, VPC, the
//! instance itself), for `stackc node-json` and the docs.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::log_group_prefix;
use crate::ir::{Event, Layer, Network, Stack};

/// Stands for the id of a CloudFormation stack in sample log group names.
pub const SAMPLE_STACK_ID: &str = "5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b";

/// The log groups of the layers of a tree's instances, as a deployment of
/// stack id `stack_id` names them (the agent adds the real ones, which the
/// bootstrap has from the template, as `stackc.log_groups`).
pub fn sample_log_groups(stack: &Stack, host: &Layer, stack_id: &str) -> BTreeMap<String, String> {
    stack
        .instance_layers(host)
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                format!("{}/{stack_id}", log_group_prefix(stack, &l.name)),
            )
        })
        .collect()
}

/// Stands for the id of the VPC stackc creates in sample live data.
pub const SAMPLE_VPC_ID: &str = "vpc-00000000000000001";

/// Sample live data for offline node JSON (`stackc node-json` without
/// `--instances`), in the format of the agent's `live.json` (`live.jq`'s
/// `$live`): `min` instances of each group (at least one, at most four),
/// all online, in the stack's first two zones, with private addresses from
/// 10.0.0.0/16 and no public one, in the stack's VPC ([`SAMPLE_VPC_ID`] for
/// a new one); this instance is the first of `host`; log groups as a
/// deployment with [`SAMPLE_STACK_ID`] names them; no load balancer found
/// (the stack is not deployed).
pub fn sample_live(stack: &Stack, host: &Layer, event: Event) -> Value {
    // Instances run in private subnets: no public address.
    let vpc_id = match &stack.network {
        Network::Existing { vpc_id, .. } => vpc_id.clone(),
        Network::NewVpc { .. } => SAMPLE_VPC_ID.to_string(),
    };
    let mut instances = Vec::new();
    for (li, layer) in stack
        .layers
        .iter()
        .filter(|l| l.has_instances())
        .enumerate()
    {
        let count = layer.scaling.as_ref().map_or(1, |s| s.min.max(1)).min(4);
        for n in 0..count {
            let ip = format!("10.0.{}.{}", li + 1, n + 10);
            instances.push(json!({
                "id": format!("i-{:08x}{:09x}", li + 1, n + 1),
                "layer": layer.name,
                "private_ip": ip,
                "private_dns_name": format!("ip-{}.{}.compute.internal", ip.replace('.', "-"), stack.region),
                "public_ip": null,
                "public_dns_name": null,
                "availability_zone": format!("{}{}", stack.region, if n % 2 == 0 { 'a' } else { 'b' }),
                "instance_type": layer.instance_type.name,
                "vpc_id": vpc_id,
                "vcpus": layer.instance_type.vcpus,
                "lifecycle_state": "InService",
            }));
        }
    }
    let mut live = json!({
        "event": event.name(),
        "app": null,
        "recipes": null,
        "sent_at": null,
        "deployment": null,
        "log_groups": sample_log_groups(stack, host, SAMPLE_STACK_ID),
        "self": null,
        "instances": instances,
        "load_balancers": [],
    });
    live["self"] = self_of(&live, &host.name);
    live
}

/// `self` as the agent reads it from IMDS, taken from the first instance of
/// `host` in the live data's `instances` (null when it has none); without
/// `architecture`, the build-time one stays.
pub fn self_of(live: &Value, host: &str) -> Value {
    live["instances"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["layer"] == host)
        .map(|i| {
            json!({
                "id": i["id"],
                "private_ip": i["private_ip"],
                "availability_zone": i["availability_zone"],
                "instance_type": i["instance_type"],
            })
        })
        .unwrap_or(Value::Null)
}
