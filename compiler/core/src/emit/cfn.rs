//! CloudFormation: one stack per environment. Everything of the environment
//! goes in one template unless it would pass CloudFormation's limits (500
//! resources, 1 MB); then each instance group becomes a nested stack whose
//! template the root references by its content-addressed S3 key.

pub mod ids;
mod layer;
mod network;
mod shared;
mod template;
#[cfg(test)]
mod tests;
pub mod userdata;

use serde_json::{json, Value};

use ids::LayerIds;
pub use layer::layer_alarms;
pub use shared::{
    bundle_parameter, bundle_parameter_for, group_name, group_name_for, run_document_for,
    run_document_name,
};
use template::{get_att, r#ref, sub, Template};

use super::manifest::{sha256_hex, Manifest};
use super::{Artifact, Format};
use crate::diag::Diagnostic;
use crate::ir::{Layer, Stack};

/// CloudFormation's resource limit per template.
pub const MAX_RESOURCES: usize = 500;
/// Up to this many instance groups a single template is tried first.
const WHOLE_FIRST: usize = 50;
/// Bytes a group's resources may lose when moved from its nested template
/// into one template, bounding that template's size from below: of the
/// references to parameters, only `{"Ref": "VpcId"}` can become shorter
/// (`{"Ref": "Vpc"}`, 2 bytes, a few times per group); the others become
/// longer (`Fn::GetAtt`, lists), and `DependsOn` is added.
const REF_SLACK: usize = 64;
/// CloudFormation's template size limit (from S3).
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;

/// The root template's path in `out/<stack>-<env>/`.
pub fn root_path(format: Format) -> String {
    format!("template.{}", ext(format))
}

fn ext(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Yaml => "yaml",
    }
}

/// Serializes a template.
pub fn serialize<T: serde::Serialize + ?Sized>(value: &T, format: Format) -> Vec<u8> {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(value).expect("JSON values serialize");
            s.push('\n');
            s.into_bytes()
        }
        Format::Yaml => serde_yaml_ng::to_string(value)
            .expect("JSON values serialize as YAML")
            .into_bytes(),
    }
}

/// The templates of one environment: the root first, then nested ones.
pub fn emit(stack: &Stack, format: Format) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    emit_into(stack, format, &mut |a| out.push(a))?;
    out.sort_by_key(|a| a.path != root_path(format));
    Ok(out)
}

fn groups(stack: &Stack) -> Vec<&Layer> {
    stack.layers.iter().filter(|l| l.has_instances()).collect()
}

fn any_load_balancer(stack: &Stack) -> bool {
    stack.layers.iter().any(|l| l.load_balancer.is_some())
}

/// The shared resources of the environment; returns the network refs.
fn common(t: &mut Template, stack: &Stack) -> network::NetworkRefs {
    t.parameter(
        "ArtifactBucket",
        "String",
        "S3 bucket holding stackc artifacts (created by `stackc bootstrap`)",
    );
    t.parameter("BundleKey", "String", "S3 key of the cookbook bundle");
    t.parameter("BundleSha256", "String", "sha256 of the cookbook bundle");
    for need in crate::lock::needs(stack) {
        t.parameter(
            &need.parameter,
            "AWS::EC2::Image::Id",
            &image_description(&need),
        );
    }
    for need in crate::lock::cinc_needs(stack) {
        cinc_parameter(t, &need);
    }
    shared::key(t, stack);
    let net = network::emit(t, stack, &get_att("Key", "Arn"));
    shared::instances_security_group(t, stack, &net.vpc_id);
    shared::topic(t, stack);
    shared::bundle_pointer(t, stack);
    if any_load_balancer(stack) {
        shared::access_log_bucket(t, stack);
    }
    let names: Vec<&str> = groups(stack).iter().map(|l| l.name.as_str()).collect();
    let warm: Vec<&str> = groups(stack)
        .into_iter()
        .filter(|l| layer::warm_pool(stack, l))
        .map(|l| l.name.as_str())
        .collect();
    shared::lifecycle(t, stack, &names, &warm);
    shared::notifications(t, stack, &names);
    t.output("AlarmTopicArn", "SNS topic of alarms", r#ref("AlarmTopic"));
    t.output(
        "BundleParameterName",
        "SSM parameter pointing at the cookbook bundle",
        r#ref("BundleParameter"),
    );
    t.output(
        "RunDocumentName",
        "SSM document that runs a lifecycle event",
        r#ref("RunDocument"),
    );
    net
}

fn image_description(need: &crate::lock::Need) -> String {
    format!(
        "Machine image of the {} {} instances, pinned in the lock file by `stackc lock` (from {})",
        need.os, need.arch, need.ssm
    )
}

/// The parameter that takes the sha256 of a Chef client package: the
/// instances fetch `<stack>/<env>/<sha256>.<rpm|deb>` from the artifact
/// bucket and check it against this.
fn cinc_parameter(t: &mut Template, need: &crate::lock::CincNeed) {
    t.parameter(
        &need.parameter,
        "String",
        &format!(
            "sha256 of the {} {} package of the {} {} instances, pinned in the lock file by `stackc lock`; deploy puts it in the artifact bucket",
            need.client.title(),
            need.version,
            need.os,
            need.arch
        ),
    );
    t.allowed_pattern(
        &need.parameter,
        "^[0-9a-f]{64}$",
        "a sha256: 64 lowercase hex digits",
    );
}

fn description(stack: &Stack) -> String {
    let what = stack.description.as_deref().unwrap_or("stack");
    format!(
        "stackc {} ({}): {what}. Generated from the stack file; do not edit.",
        stack.qualified_name(),
        stack.region
    )
}

/// A root template: its description, and in its `Metadata` what operating
/// the deployed environment needs (see [`super::operations`]).
fn root_template(stack: &Stack) -> Template {
    let mut t = Template::new(description(stack));
    let ops = super::operations::Operations::of(stack);
    t.metadata(
        super::operations::METADATA_KEY,
        serde_json::to_value(ops).expect("operations serialize"),
    );
    t
}

/// Everything in one template.
fn whole(stack: &Stack) -> Result<Template, Vec<Diagnostic>> {
    let mut t = root_template(stack);
    let net = common(&mut t, stack);
    let shared = layer::Shared {
        vpc_id: net.vpc_id.clone(),
        public_subnets: json!(net.public_subnets),
        private_subnets: json!(net.private_subnets),
        key_arn: get_att("Key", "Arn"),
        topic: r#ref("AlarmTopic"),
        access_log_bucket: r#ref("AccessLogBucket"),
        instances_security_group: get_att("InstancesSecurityGroup", "GroupId"),
        group_depends_on: &["BundleParameter"],
        load_balancer_depends_on: &["AccessLogBucketPolicy"],
    };
    let mut diags = Vec::new();
    for host in groups(stack) {
        if let Err(d) = layer::emit(&mut t, stack, host, &shared) {
            diags.push(d);
        }
    }
    if diags.is_empty() {
        Ok(t)
    } else {
        Err(diags)
    }
}

/// A nested template: the instances of `host` and their layers' resources,
/// taking what the root shares as parameters (`images` and `cinc` are the
/// environment's: `lock::needs`, `lock::cinc_needs`). Also says whether any
/// of its layers has a load balancer.
fn nested(
    stack: &Stack,
    host: &Layer,
    images: &[crate::lock::Need],
    cinc: &[crate::lock::CincNeed],
) -> Result<(Template, bool), Diagnostic> {
    let has_lb = stack
        .instance_layers(host)
        .iter()
        .any(|l| l.load_balancer.is_some());
    let mut t = Template::new(format!(
        "stackc {}: instances of layer {} (nested). Generated; do not edit.",
        stack.qualified_name(),
        host.name
    ));
    t.parameter(
        "ArtifactBucket",
        "String",
        "S3 bucket holding stackc artifacts",
    );
    t.parameter("VpcId", "AWS::EC2::VPC::Id", "VPC of the stack");
    t.parameter(
        "PrivateSubnets",
        "List<AWS::EC2::Subnet::Id>",
        "Subnets of the instances",
    );
    let image = images
        .iter()
        .find(|n| n.arch == host.instance_type.arch)
        .expect("every group's architecture has an image");
    t.parameter(
        &image.parameter,
        "AWS::EC2::Image::Id",
        &image_description(image),
    );
    cinc_parameter(
        &mut t,
        cinc.iter()
            .find(|n| n.arch == host.instance_type.arch && n.client == host.chef.client)
            .expect("every group's client and architecture has a package"),
    );
    t.parameter("KeyArn", "String", "KMS key of the log groups");
    t.parameter("AlarmTopic", "String", "SNS topic of alarms");
    t.parameter(
        "InstancesSecurityGroup",
        "AWS::EC2::SecurityGroup::Id",
        "Security group of every instance",
    );
    if has_lb {
        t.parameter(
            "PublicSubnets",
            "List<AWS::EC2::Subnet::Id>",
            "Subnets of the load balancers",
        );
        t.parameter(
            "AccessLogBucket",
            "String",
            "Bucket of the load balancers' access logs",
        );
    }
    let shared = layer::Shared {
        vpc_id: r#ref("VpcId"),
        public_subnets: r#ref("PublicSubnets"),
        private_subnets: r#ref("PrivateSubnets"),
        key_arn: r#ref("KeyArn"),
        topic: r#ref("AlarmTopic"),
        access_log_bucket: r#ref("AccessLogBucket"),
        instances_security_group: r#ref("InstancesSecurityGroup"),
        group_depends_on: &[],
        load_balancer_depends_on: &[],
    };
    layer::emit(&mut t, stack, host, &shared)?;
    Ok((t, has_lb))
}

/// Whether one template would likely pass CloudFormation's limits, judged
/// from the first group's nested template as if every group were like it:
/// then the nested templates are built first, and the one template only if
/// they turn out to fit after all. The guess only orders the work; what is
/// written is decided on the real templates either way.
fn predicted_too_large(
    stack: &Stack,
    groups: &[&Layer],
    format: Format,
    root_resources: usize,
    images: &[crate::lock::Need],
    cinc: &[crate::lock::CincNeed],
) -> bool {
    let Some(first) = groups.first() else {
        return false;
    };
    let Ok((t, _)) = nested(stack, first, images, cinc) else {
        return false;
    };
    let resources = root_resources + t.resource_count() * groups.len();
    let bytes = serialize(&t.into_value(), format).len() * groups.len();
    resources > MAX_RESOURCES || bytes > MAX_TEMPLATE_BYTES
}

/// Hands what `held` holds to `sink`, in order.
fn release(held: &mut Vec<Artifact>, sink: &mut dyn FnMut(Artifact)) {
    for a in held.drain(..) {
        sink(a);
    }
}

/// Hands the templates to `sink` as they are made. Each instance group is
/// built as a nested template; while the running total of resources fits
/// CloudFormation's limit they are held, and if the whole environment fits
/// (count and size) one template is made instead. Past the limit nested
/// templates go to `sink` at once, so memory stays flat however many
/// layers there are.
pub fn emit_into(
    stack: &Stack,
    format: Format,
    sink: &mut dyn FnMut(Artifact),
) -> Result<(), Vec<Diagnostic>> {
    let groups = groups(stack);
    let images = crate::lock::needs(stack);
    let cinc = crate::lock::cinc_needs(stack);
    let mut root = root_template(stack);
    let net = common(&mut root, stack);
    // A stack of a few dozen groups is small: try one template first,
    // unless its first group shows the whole cannot fit.
    let small = groups.len() <= WHOLE_FIRST;
    if small
        && !predicted_too_large(
            stack,
            &groups,
            format,
            root.resource_count(),
            &images,
            &cinc,
        )
    {
        let single = whole(stack)?;
        if single.resource_count() <= MAX_RESOURCES {
            let bytes = serialize(&single.into_value(), format);
            if bytes.len() <= MAX_TEMPLATE_BYTES {
                sink(Artifact::new(root_path(format), bytes));
                return Ok(());
            }
        }
    }
    let join_list = |list: &[Value]| json!({ "Fn::Join": [",", list] });
    // The root's nested-stack resources are made as the root is written:
    // what each is made from, by logical id.
    let mut nested_stacks: std::collections::HashMap<String, (&Layer, String, bool)> =
        std::collections::HashMap::new();
    let params = |has_lb: bool, image: &str, host: &Layer| {
        let mut params = json!({
            "ArtifactBucket": r#ref("ArtifactBucket"),
            "VpcId": net.vpc_id,
            "PrivateSubnets": join_list(&net.private_subnets),
            "KeyArn": get_att("Key", "Arn"),
            "AlarmTopic": r#ref("AlarmTopic"),
            "InstancesSecurityGroup": get_att("InstancesSecurityGroup", "GroupId"),
        });
        if has_lb {
            params["PublicSubnets"] = join_list(&net.public_subnets);
            params["AccessLogBucket"] = r#ref("AccessLogBucket");
        }
        params[image] = r#ref(image);
        let cinc = crate::lock::client_parameter(host.chef.client, host.instance_type.arch);
        params[&cinc] = r#ref(&cinc);
        params
    };
    let mut total = root.resource_count();
    let mut nested_bytes = 0;
    let mut held: Vec<Artifact> = Vec::new();
    let mut splitting = false;
    let mut diags = Vec::new();
    for host in groups {
        let p = LayerIds::new(&host.name);
        let (t, has_lb) = match nested(stack, host, &images, &cinc) {
            Ok(made) => made,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        total += t.resource_count();
        let header = t.header_len(format);
        let bytes = serialize(&t.into_value(), format);
        // What this group adds to one template, at least: its resources
        // and outputs, with references to the root's resources where it
        // refers to parameters (`VpcId` may become the shorter `Vpc`).
        nested_bytes += bytes.len().saturating_sub(header + REF_SLACK);
        let path = format!("layers/{}.{}", host.name, ext(format));
        let key = Manifest::key_for(&stack.name, &stack.env, &sha256_hex(&bytes), ext(format));
        let id = p.stack();
        root.later(&id);
        nested_stacks.insert(id, (host, key, has_lb));
        for l in stack.instance_layers(host) {
            if l.load_balancer.is_some() {
                let lp = LayerIds::new(&l.name);
                root.output(
                    &lp.load_balancer_dns_name(),
                    &format!("DNS name of the load balancer of layer {}", l.name),
                    get_att(&p.stack(), &format!("Outputs.{lp}LoadBalancerDnsName")),
                );
            }
        }
        let nested = Artifact::new(path, bytes);
        if !splitting && total > MAX_RESOURCES {
            splitting = true;
            release(&mut held, sink);
        }
        if splitting {
            sink(nested);
        } else {
            held.push(nested);
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    // One template holds at least what the nested ones add to it: past the
    // size limit, it is not worth building to see.
    if !splitting && nested_bytes > MAX_TEMPLATE_BYTES {
        splitting = true;
        release(&mut held, sink);
    }
    if !splitting {
        let bytes = serialize(&whole(stack)?.into_value(), format);
        if bytes.len() <= MAX_TEMPLATE_BYTES {
            sink(Artifact::new(root_path(format), bytes));
            return Ok(());
        }
        release(&mut held, sink);
    }
    let make = |id: &str| {
        let (host, key, has_lb) = &nested_stacks[id];
        // The nested stack's load balancers write access logs: the bucket
        // policy must exist before them (their DependsOn cannot name it).
        let depends_on: &[&str] = if *has_lb {
            &["BundleParameter", "AccessLogBucketPolicy"]
        } else {
            &["BundleParameter"]
        };
        let image = crate::lock::parameter(host.instance_type.arch);
        json!({
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {
                "TemplateURL": sub(&format!("https://${{ArtifactBucket}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{key}")),
                "Parameters": params(*has_lb, &image, host),
                "Tags": template::tags(&[("stackc:layer", &host.name)]),
            },
            "DependsOn": depends_on,
        })
    };
    sink(Artifact::new(
        root_path(format),
        serialize(&root.made(&make), format),
    ));
    Ok(())
}
