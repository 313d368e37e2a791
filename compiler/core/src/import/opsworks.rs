//! `stackc import opsworks DIR`: the JSON the AWS CLI's `aws opsworks
//! describe-*` commands print, turned into a stack file.
//!
//! The mapping (docs/decisions.md has the reasons):
//! - layers keep their short names; OpsWorks' built-in types map to the
//!   stdlib's (`web` → static-web, `lb` → haproxy), the others become
//!   `custom`; OpsWorks' built-in recipes are dropped (the stackc type has
//!   its own), custom recipes are kept per event;
//! - layers on the same instances share them (`on`) when their types may
//!   share an instance;
//! - 24/7 instances are `min`, load-based and time-based ones raise `max`;
//!   thresholds become `load` rules, the hourly UTC grids a `schedule`;
//! - apps deploy to the layer of their type; secure variables become
//!   `secret`s named `/<stack>/<app>/<NAME>` in SSM Parameter Store;
//! - custom JSON becomes `custom-json` KDL that the checker turns back into
//!   the same JSON.
//!
//! What has no stackc counterpart is a warning (and, where it helps the
//! reader, a comment in the file).

pub(crate) mod apps;
mod layers;
mod model;
mod read;
mod recipes;
mod scaling;
mod schedule;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::Value as Json;

pub use read::{FileSpec, FILES};

use super::kdl::{self, Item, Node};
use super::{FileError, Imported, Warning};
use model::{Instance, Stack};

/// Imports the stack described by `files` (file name, such as
/// `describe-layers.json`, to its text). describe-stacks.json and
/// describe-layers.json are required; the other files of [`FILES`] add
/// apps, instances, scaling and load balancers.
pub fn import(files: &BTreeMap<String, String>) -> Result<Imported, Vec<FileError>> {
    let inputs = read::inputs(files)?;
    let mut cx = Ctx::default();
    let stack = &inputs.stack;
    let stack_name = unique_name(&stack.name, "stack", &mut Vec::new());
    let subject = format!("stack \"{stack_name}\"");

    let instances: Vec<&Instance> = match &inputs.instances {
        Some(all) => all
            .iter()
            .filter(|i| {
                let other = i.stack_id.as_deref().is_some_and(|id| id != stack.stack_id);
                if other {
                    cx.warn(
                        format!("instance \"{}\"", instance_label(i)),
                        "belongs to another stack: left out",
                    );
                }
                !other
            })
            .collect(),
        None => {
            cx.warn(
                &subject,
                "describe-instances.json was not given: each layer gets stackc's default of one instance",
            );
            Vec::new()
        }
    };
    let plans = layers::plan(&mut cx, &inputs, &instances);
    for i in &instances {
        if !plans.iter().any(|p| i.layer_ids.contains(&p.src.layer_id)) {
            cx.warn(
                format!("instance \"{}\"", instance_label(i)),
                "belongs to no layer of the stack: left out",
            );
        }
    }

    let mut body: Vec<Item> = Vec::new();
    body.push(Item::Node(Node::new("region").s(&stack.region)));
    if !crate::stdlib::get().regions.contains(&stack.region) {
        cx.warn(
            &subject,
            format!("region `{}` is not one stackc knows (stdlib/regions.kdl): `stackc check` will refuse it", stack.region),
        );
    }
    body.push(Item::Node(
        Node::new("description").s(format!("Imported from the OpsWorks stack {}", stack.name)),
    ));
    body.push(Item::Node(
        Node::new("os").s(os(&mut cx, &subject, stack, &instances)),
    ));
    chef(&mut cx, &subject, stack);

    let uses_recipes = plans.iter().any(|p| {
        p.src.custom_recipes.as_ref().is_some_and(|r| {
            [&r.setup, &r.configure, &r.deploy, &r.undeploy, &r.shutdown]
                .iter()
                .any(|l| !l.is_empty())
        })
    });
    body.extend(cookbooks(stack, uses_recipes));
    body.push(Item::Blank);
    body.push(Item::Node(network(&mut cx, &subject, &inputs, &instances)));
    // After the apps, whose names say which `deploy.<app>` keys are theirs.
    let custom_json_at = body.len();
    for i in 0..plans.len() {
        body.push(Item::Blank);
        body.push(Item::Node(layers::node(
            &mut cx, &inputs, &plans, i, &instances,
        )));
    }
    let mut app_names = Vec::new();
    for app in inputs.apps.iter().flatten() {
        if app
            .stack_id
            .as_deref()
            .is_some_and(|id| id != stack.stack_id)
        {
            cx.warn(
                format!("app \"{}\"", app.shortname),
                "belongs to another stack: left out",
            );
            continue;
        }
        body.push(Item::Blank);
        body.extend(apps::items(
            &mut cx,
            &stack_name,
            app,
            &plans,
            &mut app_names,
        ));
    }

    if let Some(json) = custom_json(&mut cx, &subject, stack, &app_names) {
        body.insert(custom_json_at, Item::Node(json));
        body.insert(custom_json_at, Item::Blank);
    }

    let document = vec![
        Item::Comment(format!(
            "Imported from AWS OpsWorks stack \"{}\" ({}) by `stackc import opsworks`.",
            stack.name, stack.stack_id
        )),
        Item::Comment(
            "Review the warnings it printed, then run `stackc check` on this file.".into(),
        ),
        Item::Node(Node::new("stack").s(&stack_name).block(body)),
    ];
    // Warnings in the file's order: the stack's, each layer's, then apps'.
    let layer_subjects: Vec<String> = plans
        .iter()
        .map(|p| format!("layer \"{}\"", p.name))
        .collect();
    cx.warnings.sort_by_key(|w| {
        let n = layer_subjects.len();
        match layer_subjects.iter().position(|s| *s == w.subject) {
            _ if w.subject.starts_with("stack ") => 0,
            Some(i) => 1 + i,
            None if w.subject.starts_with("layer ") => 1 + n,
            None if w.subject.starts_with("instance ") => 2 + n,
            None => 3 + n,
        }
    });
    let text = kdl::print(&document);
    // The printer writes canonical text already; the formatter makes sure.
    let text = crate::fmt::format_source(&text).unwrap_or(text);
    Ok(Imported {
        kdl: text,
        warnings: cx.warnings,
    })
}

/// What an import collects besides the text.
#[derive(Default)]
pub(crate) struct Ctx {
    warnings: Vec<Warning>,
    /// Domains already served per layer (a domain belongs to one app of a layer).
    domains: BTreeMap<String, Vec<String>>,
}

impl Ctx {
    fn warn(&mut self, subject: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning {
            subject: subject.into(),
            message: message.into(),
        });
    }
}

/// A valid stackc name for `text` that is not yet in `taken` (which it
/// joins): lowercase letters, digits and single dashes, a letter first, at
/// most 32 characters.
pub(crate) fn unique_name(text: &str, kind: &str, taken: &mut Vec<String>) -> String {
    let mut base = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            base.push(c);
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    let mut base = base.trim_end_matches('-').to_string();
    if !base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base = format!("{kind}-{base}").trim_end_matches('-').to_string();
    }
    let fit = |s: &str, room: usize| -> String {
        let cut: String = s.chars().take(room).collect();
        cut.trim_end_matches('-').to_string()
    };
    let mut name = fit(&base, 32);
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("-{n}");
        name = format!("{}{suffix}", fit(&base, 32 - suffix.len()));
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// An instance as a reader knows it: its host name, else its id.
pub(crate) fn instance_label(i: &Instance) -> String {
    i.hostname.clone().unwrap_or_else(|| i.instance_id.clone())
}

/// The closest operating system stackc supports to the stack's.
fn os(cx: &mut Ctx, subject: &str, stack: &Stack, instances: &[&Instance]) -> &'static str {
    let given = stack.default_os.as_deref().unwrap_or("Amazon Linux 2023");
    let (os, why) = closest_os(given);
    if let Some(why) = why {
        cx.warn(subject, format!("OpsWorks ran {given}; {why}"));
    }
    let mut others: Vec<&str> = instances
        .iter()
        .filter_map(|i| i.os.as_deref())
        .filter(|o| *o != given)
        .collect();
    others.sort_unstable();
    others.dedup();
    if !others.is_empty() {
        cx.warn(
            subject,
            format!(
                "some instances ran {} instead of the stack's {given}; every stackc layer runs {os}",
                others.join(", ")
            ),
        );
    }
    os
}

/// OpsWorks' operating system name as a stackc `os`, and why it is not the same.
fn closest_os(name: &str) -> (&'static str, Option<String>) {
    let recipes = "check that your recipes run on it";
    match name {
        "Amazon Linux 2023" => ("amazon-linux-2023", None),
        "Ubuntu 22.04 LTS" => ("ubuntu-22.04", None),
        "Ubuntu 24.04 LTS" => ("ubuntu-24.04", None),
        n if n.starts_with("Amazon Linux") => (
            "amazon-linux-2023",
            Some(format!("stackc runs amazon-linux-2023, the current Amazon Linux (dnf instead of yum, no amazon-linux-extras): {recipes}")),
        ),
        n if n.starts_with("Ubuntu") => (
            "ubuntu-22.04",
            Some(format!("stackc runs ubuntu-22.04, the oldest Ubuntu it supports: {recipes}")),
        ),
        n if n.starts_with("CentOS") || n.starts_with("Red Hat") => (
            "amazon-linux-2023",
            Some(format!("stackc does not run it; amazon-linux-2023 is the closest (RPM and dnf): {recipes}")),
        ),
        n if n.starts_with("Microsoft Windows") => (
            "amazon-linux-2023",
            Some("stackc runs Linux only: Windows layers need another home; the file says amazon-linux-2023".into()),
        ),
        "Custom" => (
            "amazon-linux-2023",
            Some("stackc starts stock images, not custom AMIs: move what the AMI had baked in into setup recipes; the file says amazon-linux-2023".into()),
        ),
        _ => (
            "amazon-linux-2023",
            Some(format!("stackc does not know it; the file says amazon-linux-2023: {recipes}")),
        ),
    }
}

/// Warnings about the stack's Chef setup.
fn chef(cx: &mut Ctx, subject: &str, stack: &Stack) {
    let version = stack
        .configuration_manager
        .as_ref()
        .and_then(|c| c.version.as_deref())
        .unwrap_or("");
    if version.starts_with("12") {
        cx.warn(subject, "the stack used Chef 12, whose recipes read OpsWorks data bags (search(:aws_opsworks_app), ...); stackc gives recipes OpsWorks' Chef 11.10 attributes (node['opsworks'], node['deploy']), so recipes that search data bags need changing (docs/node-json.md)");
    }
    if stack
        .chef_configuration
        .as_ref()
        .and_then(|c| c.manage_berkshelf)
        == Some(true)
    {
        cx.warn(subject, "Berkshelf is not run by stackc: vendor the cookbooks' dependencies into ./cookbooks (`berks vendor cookbooks`)");
    }
    if let Some(key) = &stack.default_ssh_key_name {
        cx.warn(subject, format!("the SSH key pair {key} is not imported: stackc instances take no SSH keys; use Session Manager (`aws ssm start-session`)"));
    }
}

/// `cookbooks "./cookbooks"`, with where the stack's cookbooks came from,
/// when the stack had custom cookbooks or a layer names a custom recipe.
fn cookbooks(stack: &Stack, uses_recipes: bool) -> Vec<Item> {
    let source = stack
        .custom_cookbooks_source
        .as_ref()
        .filter(|s| s.url.as_deref().is_some_and(|u| !u.is_empty()))
        .filter(|_| stack.use_custom_cookbooks != Some(false));
    if source.is_none() && !uses_recipes {
        return Vec::new();
    }
    let mut items = Vec::new();
    match source {
        Some(s) => {
            let url = s.url.as_deref().unwrap_or("");
            let how = match (s.kind.as_deref().unwrap_or("git"), s.revision.as_deref()) {
                ("git", Some(rev)) if !rev.is_empty() => {
                    format!("git clone --branch {rev} {url} cookbooks")
                }
                ("git", _) => format!("git clone {url} cookbooks"),
                ("svn", _) => format!("svn export {url} cookbooks"),
                _ => format!("download {url} and unpack it into ./cookbooks"),
            };
            items.push(Item::Comment(format!(
                "The OpsWorks stack's custom cookbooks ({}), next to this file:\n{how}",
                s.kind.as_deref().unwrap_or("git")
            )));
        }
        None => items.push(Item::Comment(
            "The custom recipes the layers name must be in ./cookbooks.".into(),
        )),
    }
    items.push(Item::Node(Node::new("cookbooks").s("./cookbooks")));
    items
}

/// The stack's VPC with the subnets OpsWorks used, or a new VPC.
fn network(cx: &mut Ctx, subject: &str, inputs: &read::Inputs, instances: &[&Instance]) -> Node {
    let stack = &inputs.stack;
    let push = |list: &mut Vec<String>, id: &str| {
        if !id.is_empty() && !list.iter().any(|x| x == id) {
            list.push(id.to_string());
        }
    };
    let mut public = Vec::new();
    for elb in inputs.elbs.iter().flatten() {
        for s in &elb.subnet_ids {
            push(&mut public, s);
        }
    }
    let mut private = Vec::new();
    if let Some(s) = &stack.default_subnet_id {
        push(&mut private, s);
    }
    for i in instances {
        if let Some(s) = &i.subnet_id {
            push(&mut private, s);
        }
    }
    let vpc = match stack.vpc_id.as_deref().filter(|v| !v.is_empty()) {
        Some(id) if !(public.is_empty() && private.is_empty()) => {
            if public.is_empty() {
                public = private.clone();
            }
            if private.is_empty() {
                private = public.clone();
            }
            cx.warn(
                subject,
                format!(
                    "uses VPC {id}: stackc puts load balancers in public-subnets and instances (without public IPs) in private-subnets; OpsWorks does not record which subnets are public, so public-subnets are the load balancers' subnets and private-subnets the instances' ({}): review both (private subnets need a NAT gateway, and a load balancer two zones)",
                    private.join(", ")
                ),
            );
            Node::new("vpc")
                .ps("id", id)
                .ps("public-subnets", public.join(","))
                .ps("private-subnets", private.join(","))
        }
        Some(id) => {
            cx.warn(subject, format!("uses VPC {id}, but none of the files names a subnet: the file creates a new VPC; use the old one with `vpc id={id} public-subnets=... private-subnets=...`"));
            Node::new("vpc").ps("cidr", "10.0.0.0/16").pi("zones", 2)
        }
        None => {
            cx.warn(subject, "the stack was not in a VPC (EC2-Classic): the file creates a new VPC (10.0.0.0/16, two zones)");
            Node::new("vpc").ps("cidr", "10.0.0.0/16").pi("zones", 2)
        }
    };
    let mut node = Node::new("network");
    node.child(vpc);
    node
}

/// The stack's custom JSON as a `custom-json` block, without the keys
/// stackc computes (which `stackc check` refuses), each named in a warning.
fn custom_json(cx: &mut Ctx, subject: &str, stack: &Stack, apps: &[String]) -> Option<Node> {
    let text = stack
        .custom_json
        .as_deref()
        .filter(|t| !t.trim().is_empty())?;
    let json: Json = match serde_json::from_str(text) {
        Ok(j) => j,
        Err(e) => {
            cx.warn(
                subject,
                format!("its custom JSON is not valid JSON ({e}): not imported"),
            );
            return None;
        }
    };
    let Json::Object(mut map) = json else {
        cx.warn(subject, "its custom JSON is not a JSON object: not imported (custom-json is merged into node JSON as an object)");
        return None;
    };
    let apps: Vec<&str> = apps.iter().map(String::as_str).collect();
    without_computed(cx, subject, &mut map, &mut Vec::new(), &apps);
    if map.is_empty() {
        return None;
    }
    let (items, lossy) = kdl::json_nodes(&map);
    for l in lossy {
        cx.warn(subject, format!("custom JSON `{}`: {}", l.path, l.message));
    }
    let mut secretish = Vec::new();
    find_secrets(&Json::Object(map), "", &mut secretish);
    if !secretish.is_empty() {
        cx.warn(
            subject,
            format!(
                "custom JSON values named like secrets are now in the stack file, and in Git: {}; move them to SSM Parameter Store and read them in the recipes",
                secretish.join(", ")
            ),
        );
    }
    Some(Node::new("custom-json").block(items))
}

/// Removes from `map` (at `path`) the keys stackc computes, with a warning
/// naming the stack-file node that sets each; environment variables are
/// given as the `env` lines to write.
fn without_computed(
    cx: &mut Ctx,
    subject: &str,
    map: &mut serde_json::Map<String, Json>,
    path: &mut Vec<String>,
    apps: &[&str],
) {
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        path.push(key.clone());
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let is_object = map[&key].is_object();
        match crate::check::computed_origin(&parts, apps, is_object) {
            Some(origin) => {
                let value = map.remove(&key).unwrap_or_default();
                let hint = match (&parts[..], &value) {
                    (
                        ["deploy", app, "environment" | "environment_variables"],
                        Json::Object(vars),
                    ) => {
                        let lines: Vec<String> = vars
                            .iter()
                            .map(|(k, v)| match v {
                                Json::String(s) => format!("env {k} {s:?}"),
                                other => format!("env {k} {other}"),
                            })
                            .collect();
                        format!("; add to app `{app}`: {}", lines.join("; "))
                    }
                    _ => String::new(),
                };
                cx.warn(
                    subject,
                    format!(
                        "custom JSON `{}` is set by stackc from {origin}: not imported{hint}",
                        parts.join(".")
                    ),
                );
            }
            None => {
                if let Some(Json::Object(inner)) = map.get_mut(&key) {
                    let had_keys = !inner.is_empty();
                    without_computed(cx, subject, inner, path, apps);
                    if had_keys && inner.is_empty() {
                        map.remove(&key);
                    }
                }
            }
        }
        path.pop();
    }
}

/// Paths of string values whose key looks secret.
fn find_secrets(v: &Json, path: &str, out: &mut Vec<String>) {
    match v {
        Json::Object(map) => {
            for (k, v) in map {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let upper = k.to_ascii_uppercase();
                let secret = [
                    "PASSWORD",
                    "PASSWD",
                    "SECRET",
                    "TOKEN",
                    "PRIVATE_KEY",
                    "ACCESS_KEY",
                ]
                .iter()
                .any(|w| upper.contains(w));
                match v {
                    Json::String(s) if secret && !s.is_empty() => out.push(here),
                    v => find_secrets(v, &here, out),
                }
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                find_secrets(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}
