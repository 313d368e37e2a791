//! The nodes of the stack itself: region, OS, cookbooks, network, custom
//! JSON, working hours and the Chef client.

use super::*;

pub(crate) const REGION: NodeDef = NodeDef {
    name: "region",
    syntax: "region eu-west-1",
    args: Args::one(Value::Region),
    props: &[],
    block: Block::None,
    once: true,
    doc: "The AWS region (required).",
    default: None,
};

pub(crate) const DESCRIPTION: NodeDef = NodeDef {
    name: "description",
    syntax: "description \"...\"",
    args: Args::one(Value::Text),
    props: &[],
    block: Block::None,
    once: true,
    doc: "Free text.",
    default: None,
};

pub(crate) const OS: NodeDef = NodeDef {
    name: "os",
    syntax: "os amazon-linux-2023",
    args: Args::one(Value::Os),
    props: &[],
    block: Block::None,
    once: true,
    doc: "The instances' operating system: `amazon-linux-2023`, `ubuntu-22.04`, `ubuntu-24.04`.",
    default: Some("`amazon-linux-2023`"),
};

pub(crate) const COOKBOOKS: NodeDef = NodeDef {
    name: "cookbooks",
    syntax: "cookbooks \"./cookbooks\"",
    args: Args::one(Value::Directory),
    props: &[],
    block: Block::None,
    once: true,
    doc: "The stack's own cookbooks, relative to the stack file; a cookbook with a built-in's \
          name replaces it.",
    default: None,
};

pub(crate) const NOTIFY: NodeDef = NodeDef {
    name: "notify",
    syntax: "notify ops@example.com",
    args: Args::list(Value::Email),
    props: &[],
    block: Block::None,
    once: true,
    doc: "E-mail addresses subscribed to the stack's SNS topic (alarms, failed lifecycle runs).",
    default: None,
};

pub(crate) const NETWORK: NodeDef = NodeDef {
    name: "network",
    syntax: "network { vpc cidr=\"10.0.0.0/16\" zones=2 nat=per-zone }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids::of(&[VPC])),
    once: true,
    doc: "Where the instances run: a VPC stackc creates, or one that exists.",
    default: Some("a VPC of `10.0.0.0/16` in 2 zones, one NAT gateway per zone"),
};

pub(crate) const VPC: NodeDef = NodeDef {
    name: "vpc",
    syntax: "vpc cidr=\"10.0.0.0/16\" zones=2 nat=per-zone",
    args: Args::NONE,
    props: &[
        prop("cidr", Value::Cidr, "the VPC's network, split among the zones"),
        prop("zones", Value::Int(1, 6), "availability zones"),
        prop(
            "nat",
            Value::OneOf(&["per-zone", "single", "none"]),
            "NAT gateways",
        ),
        prop("id", Value::ResourceId, "an existing VPC"),
        prop(
            "public-subnets",
            Value::ResourceId,
            "its public subnets, separated by commas or spaces",
        ),
        prop("private-subnets", Value::ResourceId, "its private subnets"),
    ],
    block: Block::None,
    once: true,
    doc: "With `cidr=`/`zones=`/`nat=`: create a VPC (with an S3 gateway endpoint on its private \
          route tables); `nat=none`: no NAT gateway and no route to the internet from the private \
          subnets, which reach the AWS APIs the instances call (SSM and its agent's, EC2, Auto \
          Scaling, CloudFormation, SNS, CloudWatch Logs and metrics) through interface endpoints \
          (Ubuntu images must then carry the packages the bootstrap would install: \
          `packages_need_internet`). With `id=` and both subnet lists \
          (`vpc id=vpc-0a1b public-subnets=\"subnet-a,subnet-b\" private-subnets=\"subnet-c,subnet-d\"`): \
          use an existing VPC (its endpoints are yours: an S3 gateway endpoint spares the \
          instances' S3 traffic the NAT). The two forms do not mix (`network_conflict`).",
    default: Some("`cidr=\"10.0.0.0/16\" zones=2 nat=per-zone`"),
};

pub(crate) const CUSTOM_JSON: NodeDef = NodeDef {
    name: "custom-json",
    syntax: "custom-json { php { timezone UTC } }",
    args: Args::NONE,
    props: &[],
    block: Block::Json,
    once: true,
    doc: "Any KDL, turned into JSON and deep-merged last into every node JSON (an environment's \
          is merged over the stack's). Keys stackc computes are set with the stack file's nodes, \
          not here (`computed_attribute`).",
    default: Some("`{}`"),
};

pub(crate) const WORKING_HOURS: NodeDef = NodeDef {
    name: "working-hours",
    syntax: "working-hours \"mon-fri 08:00-20:00\" timezone=\"Europe/Madrid\"",
    args: Args::one(Value::WorkingHours),
    props: &[prop("timezone", Value::TimeZone, "default `UTC`")],
    block: Block::None,
    once: true,
    doc: "Outside these hours every layer with instances scales to 0, its instances stopped (a \
          warm pool), not terminated, and started again at the opening; a layer's `schedule` \
          applies only inside them (an entry outside is moved to the opening or dropped, with a \
          warning; the schedule's zone must keep one offset from the hours' all year).",
    default: Some("always on"),
};

pub(crate) const CHEF: NodeDef = NodeDef {
    name: "chef",
    syntax: "chef client=chef version=\"12.22.5\"",
    args: Args::NONE,
    props: &[
        prop("client", Value::OneOf(&["cinc", "chef"]), ""),
        prop("version", Value::Version, "pinned by the lock file"),
    ],
    block: Block::None,
    once: true,
    doc: "The Chef client the instances install and run their cookbooks with: Cinc 15 to 18, or \
          Chef Infra Client 12 to 14 for cookbooks written for OpsWorks' Chef 11.10 and 12 \
          (`node.set`, the `deploy` resource, `Chef::Platform.set`, ...); an exact version, \
          pinned by the lock file. On a layer, it wins over the stack's. One version of each \
          client per environment (`chef_version_conflict`).",
    default: Some("`client=cinc version=\"18.6.2\"` (`client=chef` alone: 12.22.5)"),
};
