//! `stackc node-json`: the node JSON a Chef run of a layer and event
//! receives. The bundle's parts and live data (sample instances, or the
//! agent's `live.json` format given with `--instances`) go through the
//! agent's own `live.jq`, evaluated with jaq.

use std::path::Path;

use serde_json::Value;
use stackc_core::emit::{live, node};
use stackc_core::ir::{Event, Stack};

use super::{build::environments, check::load, Status};
use crate::cli::MessageFormat;
use crate::output;

/// An example of the `--instances` format, for error messages.
fn instances_help(stack: &Stack) -> String {
    format!(
        "help: write the agent's live.json format (a copy of /var/lib/stackc/live.json from an instance works): {{\"self\": {{\"id\": \"i-0123\", \"private_ip\": \"10.0.1.10\", \"availability_zone\": \"{r}a\", \"instance_type\": \"t3.small\"}}, \"instances\": [{{\"id\": \"i-0123\", \"layer\": \"LAYER\", \"private_ip\": \"10.0.1.10\", \"private_dns_name\": \"ip-10-0-1-10.{r}.compute.internal\", \"availability_zone\": \"{r}a\", \"instance_type\": \"t3.small\", \"lifecycle_state\": \"InService\"}}]}}; docs/node-json.md lists every field",
        r = stack.region
    )
}

/// Reads live data in the agent's `live.json` format: `instances` (a list
/// of objects with a string `id` and `layer`) is required; `self` defaults
/// to the first instance of `host`; missing `sent_at`, `deployment`,
/// `app`, `recipes` are null; without `log_groups` the sample ones are used.
fn read_live(path: &Path, stack: &Stack, host: &str, event: Event) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut live: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let Some(obj) = live.as_object_mut() else {
        return Err("not a JSON object".into());
    };
    let Some(list) = obj.get("instances").and_then(Value::as_array) else {
        return Err("no `instances` list".into());
    };
    for (n, i) in list.iter().enumerate() {
        for key in ["id", "layer"] {
            if !i[key].is_string() {
                return Err(format!("instances[{n}] has no string `{key}`"));
            }
        }
        if let Some(layer) = i["layer"].as_str() {
            if stack.layer(layer).is_none_or(|l| !l.has_instances()) {
                return Err(format!(
                    "instances[{n}]: `{layer}` is no layer of the stack with instances of its own"
                ));
            }
        }
    }
    if !obj.contains_key("log_groups") {
        obj.insert(
            "log_groups".into(),
            serde_json::json!(node::sample_log_groups(
                stack,
                stack.layer(host).expect("the host is a layer"),
                node::SAMPLE_STACK_ID
            )),
        );
    }
    for key in ["app", "recipes", "sent_at", "deployment"] {
        obj.entry(key).or_insert(Value::Null);
    }
    obj.insert("event".into(), Value::from(event.name()));
    if obj.get("self").is_none_or(Value::is_null) {
        let me = node::self_of(&live, host);
        live["self"] = me;
    }
    Ok(live)
}

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
    let live_data = match instances {
        None => node::sample_live(stack, host, event),
        Some(p) => match read_live(p, stack, &host.name, event) {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "error: cannot read instances from {}: {e}\n{}",
                    p.display(),
                    instances_help(stack)
                );
                return Status::UserError;
            }
        },
    };
    let input = Value::Array(vec![
        node::stack_part(stack),
        node::group_part(stack, host, event),
        node::custom_part(stack),
        live_data,
    ]);
    let tree = match live::run("live.jq", live::LIVE_JQ, &input) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::UserError;
        }
    };
    let mut text = serde_json::to_string_pretty(&tree).expect("JSON values serialize");
    text.push('\n');
    output::stdout(&text);
    Status::Ok
}
