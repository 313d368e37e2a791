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

/// Reads `--secrets`: {SSM parameter name: string value}.
fn read_secrets(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let Some(obj) = v.as_object() else {
        return Err("not a JSON object".into());
    };
    if let Some((k, _)) = obj.iter().find(|(_, v)| !v.is_string()) {
        return Err(format!("the value of `{k}` is not a string"));
    }
    Ok(v)
}

/// The SSM parameter names the tree's apps use, sorted.
fn parameter_names(tree: &Value) -> Vec<String> {
    let mut names: Vec<String> = tree["deploy"]
        .as_object()
        .into_iter()
        .flat_map(|apps| apps.values())
        .flat_map(|app| {
            app["secrets"]
                .as_object()
                .into_iter()
                .flat_map(|s| s.values())
        })
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Writes {bag: {item: {...}}} as `dir/<bag>/<item>.json`, as the agent
/// does (same names, same checks).
fn write_data_bags(dir: &Path, bags: &Value) -> Result<(), String> {
    // A bag: letters, digits, `_`, `-`; an item may hold `.` too, not first.
    let valid = |s: &str, item: bool| {
        let first_ok = s.chars().next().is_some_and(|c| !(item && c == '.'));
        first_ok
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (item && c == '.'))
    };
    for (bag, items) in bags.as_object().into_iter().flatten() {
        if !valid(bag, false) {
            return Err(format!("data bag {bag} is no valid name"));
        }
        let bag_dir = dir.join(bag);
        std::fs::create_dir_all(&bag_dir).map_err(|e| format!("{}: {e}", bag_dir.display()))?;
        for (item, value) in items.as_object().into_iter().flatten() {
            if !valid(item, true) {
                return Err(format!("data bag item {bag}/{item} is no valid name"));
            }
            let path = bag_dir.join(format!("{item}.json"));
            let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
            text.push('\n');
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    format: MessageFormat,
    path: &Path,
    layer: &str,
    event: &str,
    env: Option<&str>,
    instances: Option<&Path>,
    secrets: Option<&Path>,
    data_bags: Option<&Path>,
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
    let secret_values = match secrets {
        None => Value::Object(Default::default()),
        Some(p) => match read_secrets(p) {
            Ok(v) => v,
            Err(e) => {
                eprintln!(
                    "error: cannot read secrets from {}: {e}\nhelp: write {{\"/ssm/parameter/name\": \"value\"}}: what the agent reads from Parameter Store",
                    p.display()
                );
                return Status::UserError;
            }
        },
    };
    let parts = [
        node::stack_part(stack),
        node::group_part(stack, host, event),
        node::custom_part(stack),
    ];
    // The agent's pipeline: live.jq, then secrets.jq for Chef's JSON; for
    // the data bags the same with every app, then databags.jq.
    let apps = node::every_app(event).then(|| node::apps_part(stack));
    let live_tree = |live_data: &Value| {
        let mut input = parts.to_vec();
        input.push(live_data.clone());
        input.extend(apps.clone());
        live::run("live.jq", live::LIVE_JQ, &Value::Array(input))
    };
    // Without --secrets the tree stays as the agent keeps it in last.json.
    let with_secrets = |tree: Value| match secrets {
        None => Ok(tree),
        Some(_) => live::run(
            "secrets.jq",
            live::SECRETS_JQ,
            &Value::Array(vec![tree, secret_values.clone()]),
        ),
    };
    let result = live_tree(&live_data).and_then(|tree| {
        if secrets.is_some() {
            let missing: Vec<String> = parameter_names(&tree)
                .into_iter()
                .filter(|n| secret_values.get(n).is_none())
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "secrets missing in {}: {} (the agent fails the run too)",
                    secrets.unwrap_or(Path::new("")).display(),
                    missing.join(" ")
                ));
            }
        }
        let chef = with_secrets(tree)?;
        let bags = match data_bags {
            None => None,
            Some(_) => {
                let mut all = live_data.clone();
                all["app"] = Value::Null;
                let everything = with_secrets(live_tree(&all)?)?;
                Some(live::run(
                    "databags.jq",
                    live::DATABAGS_JQ,
                    &Value::Array(vec![everything, live_data.clone()]),
                )?)
            }
        };
        Ok((chef, bags))
    });
    let (tree, bags) = match result {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::UserError;
        }
    };
    if let (Some(dir), Some(bags)) = (data_bags, bags) {
        if let Err(e) = write_data_bags(dir, &bags) {
            eprintln!("error: cannot write the data bags: {e}");
            return Status::UserError;
        }
    }
    let mut text = serde_json::to_string_pretty(&tree).expect("JSON values serialize");
    text.push('\n');
    output::stdout(&text);
    Status::Ok
}
