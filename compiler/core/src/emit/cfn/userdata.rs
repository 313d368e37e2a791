//! The user-data bootstrap, rendered from `templates/user-data.sh.j2`.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::{json, Value};

use super::shared::{bundle_parameter, group_name, SETUP_HOOK};
use crate::diag::{Code, Diagnostic};
use crate::emit::node::log_group;
use crate::ir::{Layer, Stack};

/// EC2 refuses user data above this size.
pub const MAX_USER_DATA: usize = 16 * 1024;
/// The Cinc client version every instance installs.
pub const CINC_VERSION: &str = "18.6.2";

const TEMPLATE: &str = include_str!("../../../templates/user-data.sh.j2");
/// Stands for the CloudFormation stack name, known only at deploy time.
const STACK_NAME_MARK: &str = "@@STACKC_CFN_STACK@@";
/// Stands for the alarm topic's ARN, known only at deploy time.
const TOPIC_MARK: &str = "@@STACKC_TOPIC@@";
/// Room left for the topic's ARN when checking the size: SNS topic names
/// are at most 256 characters, plus the ARN's prefix.
const TOPIC_ARN_ROOM: usize = 256 + 64;

/// Device name of the `i`-th extra volume (`sdf`, `sdg`, ...).
pub fn volume_device(i: usize) -> String {
    let letter = (b'f' + (i as u8).min(20)) as char;
    format!("sd{letter}")
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

/// Renders the bootstrap script of the instances of `host`; `cfn_stack`
/// and `topic` are the CloudFormation stack's name and the alarm topic's
/// ARN as they should appear in the text.
pub fn script(
    stack: &Stack,
    host: &Layer,
    cfn_resource: &str,
    cfn_stack: &str,
    topic: &str,
) -> String {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("sh", sh);
    env.add_template("user-data", TEMPLATE)
        .expect("the user-data template is valid");
    let volumes: Vec<Volume> = host
        .volumes
        .iter()
        .enumerate()
        .map(|(i, v)| Volume {
            device: volume_device(i),
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
            log_group => log_group(stack, &host.name),
            os_family => stack.os.family,
            cinc_version => CINC_VERSION,
            cfn_stack => cfn_stack,
            cfn_resource => cfn_resource,
            topic => topic,
            volumes => volumes,
        })
        .expect("the user-data template renders with these values")
}

/// The user data as a template value: the script with the stack name and
/// `topic` (the alarm topic's ARN) joined in at deploy time. Refused above
/// EC2's 16 KB limit.
pub fn render(
    stack: &Stack,
    host: &Layer,
    cfn_resource: &str,
    topic: &Value,
) -> Result<Value, Diagnostic> {
    let text = script(stack, host, cfn_resource, STACK_NAME_MARK, TOPIC_MARK);
    let marks = |mark: &str| text.matches(mark).count();
    let size = text.len()
        + marks(STACK_NAME_MARK) * (stack.qualified_name().len() + 40)
        + marks(TOPIC_MARK) * TOPIC_ARN_ROOM
        - marks(STACK_NAME_MARK) * STACK_NAME_MARK.len()
        - marks(TOPIC_MARK) * TOPIC_MARK.len();
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
    let mut parts: Vec<Value> = Vec::new();
    for (i, piece) in text.split(STACK_NAME_MARK).enumerate() {
        if i > 0 {
            parts.push(json!({ "Ref": "AWS::StackName" }));
        }
        for (j, part) in piece.split(TOPIC_MARK).enumerate() {
            if j > 0 {
                parts.push(topic.clone());
            }
            parts.push(json!(part));
        }
    }
    Ok(json!({ "Fn::Join": ["", parts] }))
}
