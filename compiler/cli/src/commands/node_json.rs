//! `stackc node-json`: the node JSON a Chef run of a layer and event
//! receives, with sample (or given) instances merged in as the agent would.

use std::collections::BTreeMap;
use std::path::Path;

use stackc_core::emit::node::{self, SampleInstance};
use stackc_core::ir::Event;

use super::{build::environments, check::load, Status};
use crate::cli::MessageFormat;
use crate::output;

pub fn run(
    format: MessageFormat,
    path: &Path,
    layer: &str,
    event: &str,
    env: Option<&str>,
    instances: Option<&Path>,
) -> Status {
    let Some(event) = Event::parse(event) else {
        eprintln!(
            "error: `{event}` is not an event; events: {}",
            Event::ALL.map(|e| e.name()).join(", ")
        );
        return Status::Usage;
    };
    let (_, program) = match load(format, path) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let stack = match environments(&program, env.or(Some("production"))) {
        Ok(s) => s[0],
        Err(status) => return status,
    };
    let Some(l) = stack.layer(layer) else {
        let names: Vec<&str> = stack.layers.iter().map(|l| l.name.as_str()).collect();
        eprintln!(
            "error: stack `{}` has no layer `{layer}`; layers: {}",
            stack.name,
            names.join(", ")
        );
        return Status::Usage;
    };
    let host = node::host_of(stack, l);
    if host.name != l.name {
        eprintln!(
            "note: layer `{layer}` runs on the instances of `{}`; this is their node JSON",
            host.name
        );
    }
    let given: BTreeMap<String, Vec<SampleInstance>> = match instances {
        None => node::sample_instances(stack),
        Some(p) => match std::fs::read(p)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(i) => i,
            Err(e) => {
                eprintln!(
                    "error: cannot read instances from {}: {e}\nhelp: write {{\"LAYER\": [{{\"id\": \"i-0123\", \"private_ip\": \"10.0.1.10\", \"availability_zone\": \"{}a\"}}]}}",
                    p.display(),
                    stack.region
                );
                return Status::UserError;
            }
        },
    };
    let tree = node::with_instances(node::node_json(stack, host, event), &given, None);
    let tree = node::with_log_groups(
        tree,
        &node::sample_log_groups(stack, host, node::SAMPLE_STACK_ID),
    );
    let mut text = serde_json::to_string_pretty(&tree).expect("JSON values serialize");
    text.push('\n');
    output::stdout(&text);
    Status::Ok
}
