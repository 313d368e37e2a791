//! The table: every node of the stack language, from the file down.

use super::{Args, Block, Kids, NodeDef, PropDef, Value};

const fn prop(name: &'static str, value: Value, doc: &'static str) -> PropDef {
    PropDef { name, value, doc }
}

/// The file: one `stack`.
pub static FILE: Kids = Kids::of(&[STACK]);

pub(crate) const STACK: NodeDef = NodeDef {
    name: "stack",
    syntax: "stack NAME { ... }",
    args: Args::one(Value::Name),
    props: &[],
    block: Block::Required(Kids::of(STACK_KIDS)),
    once: true,
    doc: "The stack: its region, network and defaults, its layers and apps, and the environments \
          cloned from it. A file holds one stack.",
    default: None,
};

pub(crate) const STACK_KIDS: &[NodeDef] = &[
    REGION,
    DESCRIPTION,
    OS,
    COOKBOOKS,
    NOTIFY,
    NETWORK,
    CUSTOM_JSON,
    WORKING_HOURS,
    CHEF,
    LAYER,
    APP,
    ENVIRONMENT,
];

/// An environment holds what a stack holds, but environments.
pub(crate) const ENVIRONMENT_KIDS: &[NodeDef] = &[
    REGION,
    DESCRIPTION,
    OS,
    COOKBOOKS,
    NOTIFY,
    NETWORK,
    CUSTOM_JSON,
    WORKING_HOURS,
    CHEF,
    LAYER,
    APP,
];

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

pub(crate) const LAYER: NodeDef = NodeDef {
    name: "layer",
    syntax: "layer NAME type=TYPE { ... }",
    args: Args::one(Value::Name),
    props: &[prop("type", Value::LayerType, "required")],
    block: Block::Optional(Kids {
        nodes: LAYER_KIDS,
        attributes: true,
        note: "",
    }),
    once: false,
    doc: "A layer: instances that share a role, its type's built-in recipes and yours.",
    default: None,
};

pub(crate) const LAYER_KIDS: &[NodeDef] = &[
    INSTANCE_TYPE,
    VOLUME,
    RECIPES,
    LOAD_BALANCER,
    SCALING,
    LOGS,
    ALARM,
    ON,
    ATTRIBUTES,
    CHEF,
];

pub(crate) const INSTANCE_TYPE: NodeDef = NodeDef {
    name: "instance-type",
    syntax: "instance-type t3.small",
    args: Args::one(Value::InstanceType),
    props: &[],
    block: Block::None,
    once: true,
    doc: "The EC2 instance type (stdlib/instance-types.kdl).",
    default: Some("the layer type's"),
};

pub(crate) const VOLUME: NodeDef = NodeDef {
    name: "volume",
    syntax: "volume \"/srv\" size=\"20GiB\"",
    args: Args::one(Value::MountPoint),
    props: &[prop("size", Value::Size, "1 GiB to 16 TiB, required")],
    block: Block::None,
    once: false,
    doc: "An encrypted gp3 EBS volume mounted there, formatted once and never again.",
    default: None,
};

pub(crate) const RECIPES: NodeDef = NodeDef {
    name: "recipes",
    syntax: "recipes { setup R...; configure R...; deploy R...; undeploy R...; shutdown R... }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids {
        nodes: &[
            event("setup", "When an instance boots, after the built-in setup."),
            event(
                "configure",
                "On every online instance when an instance of the stack enters or leaves service.",
            ),
            event("deploy", "When an app is deployed."),
            event("undeploy", "When an app is removed."),
            event("shutdown", "Before an instance stops or terminates."),
        ],
        attributes: false,
        note: " (lifecycle events)",
    }),
    once: true,
    doc: "Your recipes per lifecycle event, run after the built-in ones of the same event, in \
          order (`cookbook::recipe`, or `cookbook` for `default`).",
    default: None,
};

/// A lifecycle event's recipes.
const fn event(name: &'static str, doc: &'static str) -> NodeDef {
    NodeDef {
        name,
        syntax: "",
        args: Args::list(Value::Recipe),
        props: &[],
        block: Block::None,
        once: true,
        doc,
        default: None,
    }
}

pub(crate) const LOAD_BALANCER: NodeDef = NodeDef {
    name: "load-balancer",
    syntax: "load-balancer { listener https certificate=ARN; listener http; health-check path=\"/health\" }",
    args: Args::NONE,
    props: &[prop(
        "port",
        Value::Int(1, 65535),
        "a `custom` layer's HTTP port (required there)",
    )],
    block: Block::Optional(Kids::of(&[LISTENER, HEALTH_CHECK])),
    once: true,
    doc: "An Application Load Balancer in front of the layer; with HTTPS, HTTP redirects to it. \
          It forwards to the layer type's HTTP port; a `custom` layer names the port its recipes \
          serve: `load-balancer port=8000 { ... }`.",
    default: Some("one HTTP listener"),
};

pub(crate) const LISTENER: NodeDef = NodeDef {
    name: "listener",
    syntax: "listener https certificate=ARN",
    args: Args::one(Value::OneOf(&["http", "https"])),
    props: &[prop(
        "certificate",
        Value::Certificate,
        "an ACM certificate of the stack's region (HTTPS only)",
    )],
    block: Block::None,
    once: false,
    doc: "A listener: `http` on port 80, `https` on 443 with a certificate.",
    default: None,
};

pub(crate) const HEALTH_CHECK: NodeDef = NodeDef {
    name: "health-check",
    syntax: "health-check path=\"/health\" interval=\"15s\" healthy=2 unhealthy=3",
    args: Args::NONE,
    props: &[
        prop("path", Value::UrlPath, ""),
        prop("interval", Value::Duration, "5s to 300s"),
        prop("healthy", Value::Int(2, 10), "checks passed to be healthy"),
        prop(
            "unhealthy",
            Value::Int(2, 10),
            "checks failed to be unhealthy",
        ),
    ],
    block: Block::None,
    once: true,
    doc: "The target group's health check.",
    default: Some("the layer type's (`/` every 30s, 2 and 3, for a `custom` layer)"),
};

pub(crate) const SCALING: NodeDef = NodeDef {
    name: "scaling",
    syntax: "scaling { instances min=2 max=10; load { ... }; schedule { ... } }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids::of(&[INSTANCES, LOAD, SCHEDULE])),
    once: true,
    doc: "How many instances: 24/7 bounds, load-based rules, time-based bounds.",
    default: Some("one instance"),
};

pub(crate) const INSTANCES: NodeDef = NodeDef {
    name: "instances",
    syntax: "instances min=2 max=10",
    args: Args::NONE,
    props: &[
        prop("min", Value::Int(0, 1000), "required"),
        prop("max", Value::Int(0, 1000), "required, at least `min`"),
    ],
    block: Block::None,
    once: true,
    doc: "The Auto Scaling group's bounds, 24/7.",
    default: Some("`min=1 max=1`"),
};

pub(crate) const LOAD: NodeDef = NodeDef {
    name: "load",
    syntax: "load { up cpu-above=70 for=\"5m\" add=2; down cpu-below=25 for=\"15m\" remove=1 }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids::of(&[UP, DOWN])),
    once: true,
    doc: "Load-based rules (OpsWorks' load-based instances), within `instances`' bounds.",
    default: None,
};

pub(crate) const UP: NodeDef = NodeDef {
    name: "up",
    syntax: "up cpu-above=70 for=\"5m\" add=2",
    args: Args::NONE,
    props: &[
        prop("cpu-above", Value::Number(0, 100), "CPU, per cent"),
        prop("memory-above", Value::Number(0, 100), "memory, per cent"),
        prop("load-above", Value::Number(0, 1000), "load average"),
        prop(
            "for",
            Value::Duration,
            "whole minutes, 1m to 1d; default 5m",
        ),
        prop("add", Value::Int(1, 100), "instances; default 1"),
    ],
    block: Block::None,
    once: true,
    doc: "Scale out when one metric stays above its threshold (one of `cpu-above`, \
          `memory-above`, `load-above`).",
    default: None,
};

pub(crate) const DOWN: NodeDef = NodeDef {
    name: "down",
    syntax: "down cpu-below=25 for=\"15m\" remove=1",
    args: Args::NONE,
    props: &[
        prop("cpu-below", Value::Number(0, 100), "CPU, per cent"),
        prop("memory-below", Value::Number(0, 100), "memory, per cent"),
        prop("load-below", Value::Number(0, 1000), "load average"),
        prop(
            "for",
            Value::Duration,
            "whole minutes, 1m to 1d; default 5m",
        ),
        prop("remove", Value::Int(1, 100), "instances; default 1"),
    ],
    block: Block::None,
    once: true,
    doc: "Scale in when one metric stays below its threshold, which is below `up`'s.",
    default: None,
};

pub(crate) const SCHEDULE: NodeDef = NodeDef {
    name: "schedule",
    syntax: "schedule timezone=\"Europe/Madrid\" { at \"mon-fri 07:00\" min=1 max=3 }",
    args: Args::NONE,
    props: &[prop("timezone", Value::TimeZone, "default `UTC`")],
    block: Block::Required(Kids::of(&[AT])),
    once: true,
    doc: "Time-based bounds (OpsWorks' time-based instances): a layer with a `schedule` stops \
          instances into a warm pool and starts them again.",
    default: None,
};

pub(crate) const AT: NodeDef = NodeDef {
    name: "at",
    syntax: "at \"mon-fri 07:00\" min=1 max=3",
    args: Args::one(Value::Schedule),
    props: &[
        prop("min", Value::Int(0, 1000), "required"),
        prop("max", Value::Int(0, 1000), "required"),
    ],
    block: Block::None,
    once: false,
    doc: "From then on, these bounds.",
    default: None,
};

pub(crate) const LOGS: NodeDef = NodeDef {
    name: "logs",
    syntax: "logs \"/var/log/httpd/*_log\" retention=\"30d\"",
    args: Args::list(Value::LogPath),
    props: &[prop(
        "retention",
        Value::Duration,
        "days CloudWatch keeps, one of its periods; one per layer",
    )],
    block: Block::None,
    once: false,
    doc: "Files shipped to the layer's log group.",
    default: Some("retention 30 days"),
};

pub(crate) const ALARM: NodeDef = NodeDef {
    name: "alarm",
    syntax: "alarm high-cpu metric=cpu above=90 for=\"5m\"",
    args: Args::one(Value::Name),
    props: &[
        prop("metric", Value::Metric, "required"),
        prop(
            "above",
            Value::Number(0, 1_000_000_000),
            "the threshold (at most 100 for a per-cent metric)",
        ),
        prop("below", Value::Number(0, 1_000_000_000), "or this one"),
        prop("for", Value::Duration, "whole minutes; default 5m"),
    ],
    block: Block::None,
    once: false,
    doc: "A CloudWatch alarm to the stack's topic; metrics: cpu, memory, load, target-5xx, \
          target-latency, unhealthy-hosts, request-count.",
    default: None,
};

pub(crate) const ON: NodeDef = NodeDef {
    name: "on",
    syntax: "on api",
    args: Args::one(Value::Layer),
    props: &[],
    block: Block::None,
    once: true,
    doc: "Run on that layer's instances (one instance, two layers); such a layer has no \
          instance type, volumes, load balancer, scaling or `chef` of its own.",
    default: None,
};

pub(crate) const ATTRIBUTES: NodeDef = NodeDef {
    name: "attributes",
    syntax: "attributes { memory \"512MiB\" }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids {
        nodes: &[],
        attributes: true,
        note: "",
    }),
    once: true,
    doc: "The layer type's attributes (below); each may also be written directly in the layer \
          (`memory \"512MiB\"`).",
    default: Some("the type's defaults"),
};

pub(crate) const APP: NodeDef = NodeDef {
    name: "app",
    syntax: "app NAME type=php layer=L { ... }",
    args: Args::one(Value::Name),
    props: &[
        prop("type", Value::OneOf(&crate::ir::AppType::NAMES), "required"),
        prop("layer", Value::Layer, "required: the layer that runs it"),
    ],
    block: Block::Required(Kids::of(&[SOURCE, SITE, ENV, SECRET, DATABASE])),
    once: false,
    doc: "An app, deployed on its layer's instances.",
    default: None,
};

pub(crate) const SOURCE: NodeDef = NodeDef {
    name: "source",
    syntax: "source git=\"https://github.com/acme/shop.git\" revision=v1.4.2",
    args: Args::NONE,
    props: &[
        prop("git", Value::Url, "a repository"),
        prop("s3", Value::Url, "an archive `s3://bucket/app.tar.gz`"),
        prop("http", Value::Url, "an archive `https://.../app.tar.gz`"),
        prop("revision", Value::Revision, "git only; default `main`"),
        prop(
            "ssh-key-secret",
            Value::Secret,
            "git only: the app `secret` holding an SSH deploy key",
        ),
    ],
    block: Block::None,
    once: true,
    doc: "Where the code comes from (required): one of `git=`, `s3=`, `http=`. An `s3=` archive \
          is fetched with the instance role, which may read that object and nothing else in the \
          bucket.",
    default: None,
};

pub(crate) const SITE: NodeDef = NodeDef {
    name: "site",
    syntax: "site shop.example.com alias=www.shop.example.com root=public",
    args: Args::list(Value::Domain),
    props: &[
        prop("alias", Value::Domain, "more names, separated by spaces"),
        prop("root", Value::DocumentRoot, ""),
    ],
    block: Block::None,
    once: false,
    doc: "A virtual host (more aliases as extra arguments).",
    default: None,
};

pub(crate) const ENV: NodeDef = NodeDef {
    name: "env",
    syntax: "env APP_MODE production",
    args: Args {
        max: 2,
        value: Value::Text,
    },
    props: &[],
    block: Block::None,
    once: false,
    doc: "An environment variable: a name and a value (names and values that look secret are \
          refused: write a `secret`).",
    default: None,
};

pub(crate) const SECRET: NodeDef = NodeDef {
    name: "secret",
    syntax: "secret DB_PASSWORD ssm=\"/shop/db-password\"",
    args: Args::one(Value::VariableName),
    props: &[prop("ssm", Value::Parameter, "required")],
    block: Block::None,
    once: false,
    doc: "A variable read from SSM Parameter Store on the instance, at run time; it never \
          enters a template, bundle or log.",
    default: None,
};

pub(crate) const DATABASE: NodeDef = NodeDef {
    name: "database",
    syntax:
        "database host=db.internal name=shop user=shop password-secret=DB_PASSWORD adapter=mysql",
    args: Args::NONE,
    props: &[
        prop("host", Value::DbHost, "required"),
        prop("name", Value::DbName, "required"),
        prop("user", Value::DbName, "required"),
        prop("password-secret", Value::Secret, "an app `secret`"),
        prop("port", Value::Int(1, 65535), ""),
        prop("adapter", Value::OneOf(&["mysql", "postgresql"]), ""),
    ],
    block: Block::None,
    once: true,
    doc: "Connection details (`deploy.APP.database` in node JSON).",
    default: None,
};

pub(crate) const ENVIRONMENT: NodeDef = NodeDef {
    name: "environment",
    syntax: "environment NAME { ... }",
    args: Args::one(Value::Name),
    props: &[],
    block: Block::Required(Kids::of(ENVIRONMENT_KIDS)),
    once: false,
    doc: "Another environment: the stack's nodes, with the block's merged over them by name (a \
          `layer` or `app` of the stack named again overrides it; one with `type=` is new). \
          Without environment blocks a stack has one environment, `production`; with them, \
          production plus each block.",
    default: None,
};

/// A layer type's attribute (`memory "512MiB"`), whose name and value type
/// are the layer type's (stdlib/layers).
pub(crate) const ATTRIBUTE: NodeDef = NodeDef {
    name: "attribute",
    syntax: "",
    args: Args::one(Value::Text),
    props: &[],
    block: Block::None,
    once: false,
    doc: "",
    default: None,
};
