//! A layer's nodes: its instances, recipes, load balancer, logs, alarms and
//! attributes.

use super::*;

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
