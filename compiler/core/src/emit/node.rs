//! Node JSON: the merged attribute tree one Chef run receives, per instance
//! group (a layer with instances of its own, plus the layers `on` it) and
//! lifecycle event. The shape is documented in `docs/node-json.md`; OpsWorks'
//! Chef 11.10 field names are kept so OpsWorks cookbooks read it unchanged.

mod deploy;
mod group;
mod sample;

use serde_json::{json, Map, Value};

use crate::check::json::deep_merge;
use crate::ir::{Event, Layer, Network, Stack};
pub use deploy::s3_https_url;
pub use group::{
    apps_part, backends, every_app, group_part, GroupParts, CHEF_RUBY_VERSION, DEPLOY_SHELL,
    DEPLOY_USER, HAPROXY_KINDS,
};
pub use sample::{sample_live, sample_log_groups, self_of, SAMPLE_STACK_ID, SAMPLE_VPC_ID};

/// Where each app is deployed to on the instance.
pub const DEPLOY_ROOT: &str = "/srv/www";
/// Releases kept on an instance (OpsWorks' default).
pub const KEEP_RELEASES: u32 = 5;
/// Directory the agent writes resolved secrets to.
pub const SECRETS_DIR: &str = "/etc/stackc/secrets";

/// The layer whose instances carry `layer` (itself unless it is `on` another).
pub fn host_of<'a>(stack: &'a Stack, layer: &'a Layer) -> &'a Layer {
    layer
        .on
        .as_deref()
        .and_then(|h| stack.layer(h))
        .unwrap_or(layer)
}

/// Where the CloudWatch Logs groups of a layer are: each deployment of the
/// stack names its group `<prefix>/<the CloudFormation stack's id>`, and
/// `stackc destroy` keeps it, so a stack deployed again makes a fresh group
/// and the earlier ones stay readable under the same prefix. The instance
/// learns its groups' names from its bootstrap (see `with_log_groups`).
pub fn log_group_prefix(stack: &Stack, layer: &str) -> String {
    format!("/stackc/{}/{}", stack.qualified_name(), layer)
}

/// The run list of an event on the instances of `host`: each layer's
/// recipes, layer by layer, first occurrence kept.
pub fn run_list(stack: &Stack, host: &Layer, event: Event) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for layer in stack.instance_layers(host) {
        for recipe in layer.recipes.get(&event).into_iter().flatten() {
            let name = recipe.run_list_name();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The part of the node JSON every instance group and event shares:
/// `opsworks.stack` and `opsworks.layers` (bundle file `nodes/stack.json`).
pub fn stack_part(stack: &Stack) -> Value {
    let mut opsworks_layers = Map::new();
    for layer in &stack.layers {
        opsworks_layers.insert(
            layer.name.clone(),
            json!({
                "id": layer.name,
                "name": layer.name,
                "type": layer.type_name,
                "port": layer.http_port.or(layer.ports.first().copied()),
                "host": host_of(stack, layer).name,
                "instances": {},
            }),
        );
    }
    // One entry per layer with a load balancer; the agent adds its name and
    // DNS name once the stack is deployed.
    let load_balancers: Vec<Value> = stack
        .layers
        .iter()
        .filter(|l| l.load_balancer.is_some())
        .map(|l| json!({ "layer_id": l.name, "layer": l.name, "name": null, "dns_name": null }))
        .collect();
    let vpc_id = match &stack.network {
        Network::Existing { vpc_id, .. } => json!(vpc_id),
        Network::NewVpc { .. } => Value::Null,
    };
    json!({
        "opsworks": {
            "stack": {
                "id": stack.qualified_name(),
                "name": stack.name,
                "env": stack.env,
                "region": stack.region,
                "vpc_id": vpc_id,
                "elb-load-balancers": load_balancers,
                "rds_instances": [],
            },
            "layers": opsworks_layers,
        },
    })
}

/// The custom JSON of the stack with the environment's merged over it
/// (bundle file `nodes/custom.json`), merged last.
pub fn custom_part(stack: &Stack) -> Value {
    let mut custom = stack.custom_json.clone();
    deep_merge(&mut custom, &stack.env_custom_json);
    custom
}

/// Merges the parts in DESIGN.md's order (stack data, the apps of a
/// deploy, layer attributes, custom JSON; objects deep-merged, arrays
/// replaced); the run list of the group part always wins. The agent does
/// the same with jq (live.jq).
pub fn merge_parts(
    stack_part: &Value,
    apps_part: Option<&Value>,
    group_part: &Value,
    custom_part: &Value,
) -> Value {
    let mut tree = stack_part.clone();
    if let Some(apps) = apps_part {
        deep_merge(&mut tree, apps);
    }
    deep_merge(&mut tree, group_part);
    deep_merge(&mut tree, custom_part);
    for key in ["run_list", "opsworks_custom_cookbooks"] {
        tree[key] = group_part[key].clone();
    }
    tree
}

/// The whole node JSON of `event` on the instances of `host` (a layer with
/// instances of its own), as a Chef run receives it before live data.
pub fn node_json(stack: &Stack, host: &Layer, event: Event) -> Value {
    merge_parts(
        &stack_part(stack),
        every_app(event).then(|| apps_part(stack)).as_ref(),
        &group_part(stack, host, event),
        &custom_part(stack),
    )
}

#[cfg(test)]
mod tests;
