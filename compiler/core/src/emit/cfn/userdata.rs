//! The user-data bootstrap, rendered from `templates/user-data.sh.j2`.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::{json, Value};

use super::ids::LayerIds;
use super::shared::{bundle_parameter, group_name, SETUP_HOOK};
use crate::diag::{Code, Diagnostic};
use crate::emit::node::log_group_prefix;
use crate::ir::{Layer, Stack, Volume as IrVolume};

/// EC2 refuses user data above this size.
pub const MAX_USER_DATA: usize = 16 * 1024;
/// Where the bootstrap logs on the instance (the failure messages name it).
pub const BOOT_LOG: &str = "/var/log/stackc/bootstrap.log";
/// The Cinc client version every instance installs.
pub const CINC_VERSION: &str = "18.6.2";

const TEMPLATE: &str = include_str!("../../../templates/user-data.sh.j2");
/// Marks `@@STACKC_REF:<id>@@` in the rendered text stand for values known
/// only at deploy time; the template joins in `{"Ref": "<id>"}` for each.
const MARK_START: &str = "@@STACKC_REF:";
const MARK_END: &str = "@@";

fn mark(id: &str) -> String {
    format!("{MARK_START}{id}{MARK_END}")
}
/// Room left for the topic's ARN when checking the size: SNS topic names
/// are at most 256 characters, plus the ARN's prefix.
const TOPIC_ARN_ROOM: usize = 256 + 64;

/// The device names of a layer's extra volumes, in order: the range AWS
/// recommends for EBS volumes on Linux (`/dev/sd[f-p]`). Their number is
/// the most volumes a layer may have (the checker says so), so no two
/// volumes of an instance ever share a device.
pub const VOLUME_DEVICES: [&str; 11] = [
    "sdf", "sdg", "sdh", "sdi", "sdj", "sdk", "sdl", "sdm", "sdn", "sdo", "sdp",
];

/// Each extra volume of `host` with its device name (`sdf`, `sdg`, ...).
pub fn volume_devices(host: &Layer) -> impl Iterator<Item = (&IrVolume, &'static str)> {
    host.volumes.iter().zip(VOLUME_DEVICES)
}

#[derive(Serialize)]
struct Volume {
    device: String,
    mount: String,
}

/// Single-quotes a value for bash.
fn sh(value: String) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The names of the log groups of the layers on `host`'s instances, by
/// layer: what the bootstrap writes as `STACKC_LOG_GROUPS` (a JSON object,
/// quoted for the shell) for the agent to hand to Chef.
fn log_groups_value(groups: &[(String, String)]) -> String {
    let map: serde_json::Map<String, Value> = groups
        .iter()
        .map(|(layer, name)| (layer.clone(), json!(name)))
        .collect();
    sh(Value::Object(map).to_string())
}

/// The template, compiled once: every instance group renders it.
fn environment() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_filter("sh", sh);
        env.add_template("user-data", TEMPLATE)
            .expect("the user-data template is valid");
        env
    })
}

/// Renders the bootstrap script of the instances of `host` (with marks for
/// the artifact bucket and the Cinc package's sha256, known at deploy): `cfn_stack` is
/// the CloudFormation stack it signals, `log_groups` (layer, name) the log
/// groups of the layers on the instances, the host's first, `topic` the
/// alarm topic's ARN as it should appear in the text.
pub fn script(
    stack: &Stack,
    host: &Layer,
    cfn_resource: &str,
    cfn_stack: &str,
    log_groups: &[(String, String)],
    topic: &str,
) -> String {
    let env = environment();
    let volumes: Vec<Volume> = volume_devices(host)
        .map(|(v, device)| Volume {
            device: device.to_string(),
            mount: v.mount.clone(),
        })
        .collect();
    env.get_template("user-data")
        .expect("registered above")
        .render(minijinja::context! {
            stack => stack.name,
            env => stack.env,
            qualified => stack.qualified_name(),
            layer => host.name,
            region => stack.region,
            group => group_name(stack, &host.name),
            setup_hook => SETUP_HOOK,
            bundle_parameter => bundle_parameter(stack),
            log_group => log_groups.first().map(|(_, g)| g.as_str()).unwrap_or_default(),
            log_groups => log_groups_value(log_groups),
            os_family => stack.os.family,
            chef_client => host.chef.client.name(),
            chef_title => host.chef.client.title(),
            chef_version => host.chef.version,
            chef_binary => host.chef.client.binary(),
            boot_log => BOOT_LOG,
            cinc_bucket => mark("ArtifactBucket"),
            cinc_prefix => format!("{}/{}/", stack.name, stack.env),
            cinc_sha256 => mark(&crate::lock::client_parameter(host.chef.client, host.instance_type.arch)),
            cinc_package => stack.os.package,
            cfn_stack => cfn_stack,
            cfn_resource => cfn_resource,
            topic => topic,
            volumes => volumes,
            warm_pool => super::layer::warm_pool(stack, host),
        })
        .expect("the user-data template renders with these values")
}

/// The user data as a template value: the script with the stack name, the
/// log groups' names and the alarm topic's ARN joined in at deploy time
/// (`AlarmTopic` is a resource at the root and a parameter in a nested
/// layer stack, so one `Ref` names it in both). Refused above EC2's
/// 16 KB limit.
pub fn render(stack: &Stack, host: &Layer, cfn_resource: &str) -> Result<Value, Diagnostic> {
    let layers = stack.instance_layers(host);
    let groups: Vec<(String, String)> = layers
        .iter()
        .map(|l| (l.name.clone(), mark(&log_group_id(&l.name))))
        .collect();
    let text = script(
        stack,
        host,
        cfn_resource,
        &mark("AWS::StackName"),
        &groups,
        &mark("AlarmTopic"),
    );
    let mut parts: Vec<Value> = Vec::new();
    // The size once deployed: a nested stack's name adds about 40
    // characters to the environment's; a log group is `<prefix>/<stack id>`.
    let mut size = 0;
    let mut rest = text.as_str();
    while let Some(start) = rest.find(MARK_START) {
        let after = &rest[start + MARK_START.len()..];
        let end = after.find(MARK_END).expect("a mark is closed");
        let id = &after[..end];
        size += start
            + match layers.iter().find(|l| log_group_id(&l.name) == id) {
                Some(l) => log_group_prefix(stack, &l.name).len() + 1 + 36,
                None if id == "AlarmTopic" => TOPIC_ARN_ROOM,
                // S3 bucket names have at most 63 characters.
                None if id == "ArtifactBucket" => 63,
                // A sha256 in hex.
                None if id.starts_with("CincSha256") || id.starts_with("ChefSha256") => 64,
                None => stack.qualified_name().len() + 40,
            };
        parts.push(json!(&rest[..start]));
        parts.push(json!({ "Ref": id }));
        rest = &after[end + MARK_END.len()..];
    }
    size += rest.len();
    parts.push(json!(rest));
    if size > MAX_USER_DATA {
        return Err(Diagnostic::error(
            Code::UserDataTooLarge,
            host.span,
            format!(
                "the bootstrap of layer `{}` is {size} bytes; EC2 accepts at most {MAX_USER_DATA}",
                host.name
            ),
        )
        .label("this layer's instances")
        .help("use fewer volumes on this layer; cookbooks and node JSON travel in the bundle, not in user data"));
    }
    Ok(json!({ "Fn::Join": ["", parts] }))
}

/// The logical id of a layer's log group.
pub fn log_group_id(layer: &str) -> String {
    LayerIds::new(layer).log_group()
}
