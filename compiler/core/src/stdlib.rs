//! The standard library: layer types, instance types, metrics, regions and
//! operating systems, read from the KDL files under `stdlib/` that are
//! embedded at build time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;

use crate::ir::{AppType, Event};
use crate::syntax::{self, Node, ValueKind};

const LAYER_FILES: &[(&str, &str)] = &[
    ("common", include_str!("../../../stdlib/layers/common.kdl")),
    (
        "php-app",
        include_str!("../../../stdlib/layers/php-app.kdl"),
    ),
    (
        "nodejs-app",
        include_str!("../../../stdlib/layers/nodejs-app.kdl"),
    ),
    (
        "java-app",
        include_str!("../../../stdlib/layers/java-app.kdl"),
    ),
    (
        "static-web",
        include_str!("../../../stdlib/layers/static-web.kdl"),
    ),
    (
        "memcached",
        include_str!("../../../stdlib/layers/memcached.kdl"),
    ),
    (
        "haproxy",
        include_str!("../../../stdlib/layers/haproxy.kdl"),
    ),
    ("custom", include_str!("../../../stdlib/layers/custom.kdl")),
];
const INSTANCE_TYPES: &str = include_str!("../../../stdlib/instance-types.kdl");
const METRICS: &str = include_str!("../../../stdlib/metrics.kdl");
const REGIONS: &str = include_str!("../../../stdlib/regions.kdl");
const OS: &str = include_str!("../../../stdlib/os.kdl");

/// Everything the stdlib declares.
#[derive(Debug)]
pub struct Stdlib {
    /// Layer types by name.
    pub layer_types: BTreeMap<String, LayerType>,
    /// Recipes every layer runs first, per event.
    pub common_recipes: BTreeMap<Event, Vec<String>>,
    /// Instance types by name.
    pub instance_types: BTreeMap<String, InstanceType>,
    /// Metrics by name, in declaration order.
    pub metrics: Vec<Metric>,
    /// AWS region codes.
    pub regions: Vec<String>,
    /// Operating systems by name.
    pub os: BTreeMap<String, Os>,
}

/// A layer type (`stdlib/layers/<name>.kdl`).
#[derive(Debug, Clone, Serialize)]
pub struct LayerType {
    /// Type name (`php-app`).
    pub name: String,
    /// One line for docs.
    pub description: String,
    /// Instance type when the layer names none.
    pub default_instance_type: String,
    /// Ports the type listens on.
    pub ports: Vec<u16>,
    /// Port a load balancer forwards to.
    pub http_port: Option<u16>,
    /// The stack file names the port (`load-balancer port=N`): the type's
    /// recipes are the user's, so only they know what serves HTTP.
    pub user_http_port: bool,
    /// App types it runs.
    pub app_types: Vec<AppType>,
    /// Types it may share an instance with.
    pub shares_with: Vec<String>,
    /// Default health check.
    pub health_check: Option<HealthCheckDefaults>,
    /// Built-in recipes per event (after the common ones).
    pub recipes: BTreeMap<Event, Vec<String>>,
    /// Attributes a layer of this type accepts.
    pub attributes: Vec<AttributeSpec>,
}

/// Health-check defaults of a layer type.
#[derive(Debug, Clone, Serialize)]
pub struct HealthCheckDefaults {
    /// HTTP path.
    pub path: String,
    /// Seconds between checks.
    pub interval_secs: u64,
    /// Successes before healthy.
    pub healthy: u32,
    /// Failures before unhealthy.
    pub unhealthy: u32,
}

/// The value type of a layer attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttributeType {
    /// Any string.
    String,
    /// An integer within bounds.
    Integer {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// `#true` / `#false`.
    Boolean,
    /// A size, emitted as a whole number of `unit`s.
    Size {
        /// Bytes per emitted unit.
        unit_bytes: u64,
    },
    /// A duration, emitted in seconds.
    Duration,
    /// One of some words.
    Enum {
        /// Accepted words.
        values: Vec<String>,
    },
}

/// An attribute a layer type accepts, as a node in the layer or in its `attributes` block.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeSpec {
    /// Node name in the stack file.
    pub name: String,
    /// Value type.
    pub ty: AttributeType,
    /// Default value, as JSON.
    pub default: serde_json::Value,
    /// Dotted path in the node JSON (`memcached.memory`).
    pub json: String,
}

/// A processor architecture, as EC2 names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
pub enum Arch {
    /// Intel and AMD.
    #[serde(rename = "x86_64")]
    X86_64,
    /// Graviton.
    #[serde(rename = "arm64")]
    Arm64,
}

impl Arch {
    /// `x86_64` or `arm64`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The architecture of this name.
    pub fn parse(name: &str) -> Option<Arch> {
        [Arch::X86_64, Arch::Arm64]
            .into_iter()
            .find(|a| a.name() == name)
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The family of an operating system: how packages, users and services are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    /// Amazon Linux (dnf, `apache` and `nginx` users).
    Amazon,
    /// Ubuntu (apt, `www-data`).
    Ubuntu,
}

impl OsFamily {
    /// `amazon` or `ubuntu`, as the node JSON (`os_family`) and the bootstrap name it.
    pub fn name(self) -> &'static str {
        match self {
            OsFamily::Amazon => "amazon",
            OsFamily::Ubuntu => "ubuntu",
        }
    }
}

/// An EC2 instance type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceType {
    /// `t3.small`.
    pub name: String,
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
    /// `x86_64` or `arm64`.
    pub arch: Arch,
}

/// Where a metric comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetricSource {
    /// The Auto Scaling group's instances.
    Instance,
    /// The layer's load balancer / target group.
    LoadBalancer,
}

/// A metric usable in alarms and load-based scaling.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// stackc name (`cpu`).
    pub name: String,
    /// CloudWatch namespace.
    pub namespace: String,
    /// CloudWatch metric name.
    pub metric_name: String,
    /// CloudWatch statistic.
    pub statistic: String,
    /// CloudWatch unit.
    pub unit: String,
    /// Where it comes from.
    pub source: MetricSource,
    /// One line for docs.
    pub description: String,
}

/// A supported operating system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Os {
    /// `amazon-linux-2023`.
    pub name: String,
    /// `amazon` or `ubuntu`.
    pub family: OsFamily,
    /// Public SSM parameter of the x86_64 AMI.
    pub ami_x86_64: String,
    /// Public SSM parameter of the arm64 AMI.
    pub ami_arm64: String,
    /// Format of the Cinc package the instances install: `rpm` or `deb`.
    pub package: String,
    /// The OS as Cinc's Omnitruck names it (its metadata's `p`): `amazon`.
    pub cinc_platform: String,
    /// The OS version as Omnitruck names it (`pv`): `2023`.
    pub cinc_platform_version: String,
}

/// The stdlib, loaded once.
pub fn get() -> &'static Stdlib {
    static STDLIB: OnceLock<Stdlib> = OnceLock::new();
    STDLIB.get_or_init(|| load().unwrap_or_else(|e| panic!("the embedded stdlib is invalid: {e}")))
}

fn parse(file: &str, text: &'static str) -> Result<Vec<Node<'static>>, String> {
    syntax::parse(text)
        .map(|d| d.nodes)
        .map_err(|e| format!("{file}: {}", e[0].message))
}

fn str_arg(node: &Node, i: usize) -> Result<String, String> {
    node.args
        .get(i)
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("`{}` needs string argument {i}", node.name))
}

fn str_args(node: &Node) -> Vec<String> {
    node.args
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn str_prop(node: &Node, key: &str) -> Result<String, String> {
    node.prop(key)
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("`{}` needs string property {key}", node.name))
}

fn int_prop(node: &Node, key: &str) -> Result<i128, String> {
    match node.prop(key).map(|v| &v.kind) {
        Some(ValueKind::Integer(i)) => Ok(i.get()),
        _ => Err(format!("`{}` needs integer property {key}", node.name)),
    }
}

fn port(v: i128) -> Result<u16, String> {
    u16::try_from(v).map_err(|_| format!("port {v} out of range"))
}

fn recipes(node: &Node) -> Result<BTreeMap<Event, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    for child in node.kids() {
        let event = Event::parse(&child.name).ok_or_else(|| format!("bad event {}", child.name))?;
        out.insert(event, str_args(child));
    }
    Ok(out)
}

fn load() -> Result<Stdlib, String> {
    let mut layer_types = BTreeMap::new();
    let mut common_recipes = BTreeMap::new();
    for (file, text) in LAYER_FILES {
        for node in parse(file, text)? {
            match node.name.as_str() {
                "common-recipes" => common_recipes = recipes(&node)?,
                "layer-type" => {
                    let t = layer_type(&node)?;
                    layer_types.insert(t.name.clone(), t);
                }
                other => return Err(format!("{file}: unknown node {other}")),
            }
        }
    }
    let mut instance_types = BTreeMap::new();
    for node in parse("instance-types.kdl", INSTANCE_TYPES)? {
        let t = InstanceType {
            name: str_arg(&node, 0)?,
            vcpus: int_prop(&node, "vcpus")? as u32,
            memory_mib: int_prop(&node, "memory")? as u32,
            arch: Arch::parse(&str_prop(&node, "arch")?).ok_or("arch is x86_64 or arm64")?,
        };
        instance_types.insert(t.name.clone(), t);
    }
    let mut metrics = Vec::new();
    for node in parse("metrics.kdl", METRICS)? {
        metrics.push(Metric {
            name: str_arg(&node, 0)?,
            namespace: str_prop(&node, "namespace")?,
            metric_name: str_prop(&node, "name")?,
            statistic: str_prop(&node, "statistic")?,
            unit: str_prop(&node, "unit")?,
            source: match str_prop(&node, "source")?.as_str() {
                "instance" => MetricSource::Instance,
                "load-balancer" => MetricSource::LoadBalancer,
                s => return Err(format!("metric source {s}")),
            },
            description: str_prop(&node, "description")?,
        });
    }
    let regions = parse("regions.kdl", REGIONS)?
        .first()
        .map(str_args)
        .unwrap_or_default();
    let mut os = BTreeMap::new();
    for node in parse("os.kdl", OS)? {
        let o = Os {
            name: str_arg(&node, 0)?,
            family: match str_prop(&node, "family")?.as_str() {
                "amazon" => OsFamily::Amazon,
                "ubuntu" => OsFamily::Ubuntu,
                other => return Err(format!("unknown OS family {other}")),
            },
            ami_x86_64: str_prop(&node, "x86_64")?,
            ami_arm64: str_prop(&node, "arm64")?,
            package: str_prop(&node, "package")?,
            cinc_platform: str_prop(&node, "cinc-platform")?,
            cinc_platform_version: str_prop(&node, "cinc-platform-version")?,
        };
        if !["rpm", "deb"].contains(&o.package.as_str()) {
            return Err(format!("os {}: package must be rpm or deb", o.name));
        }
        os.insert(o.name.clone(), o);
    }
    Ok(Stdlib {
        layer_types,
        common_recipes,
        instance_types,
        metrics,
        regions,
        os,
    })
}

fn layer_type(node: &Node) -> Result<LayerType, String> {
    let mut t = LayerType {
        name: str_arg(node, 0)?,
        description: String::new(),
        default_instance_type: String::new(),
        ports: Vec::new(),
        http_port: None,
        user_http_port: false,
        app_types: Vec::new(),
        shares_with: Vec::new(),
        health_check: None,
        recipes: BTreeMap::new(),
        attributes: Vec::new(),
    };
    for child in node.kids() {
        match child.name.as_str() {
            "description" => t.description = str_arg(child, 0)?,
            "default-instance-type" => t.default_instance_type = str_arg(child, 0)?,
            "port" => {
                for v in &child.args {
                    if let ValueKind::Integer(i) = v.kind {
                        t.ports.push(port(i.get())?);
                    }
                }
            }
            "http-port" => match child.args.first().map(|v| &v.kind) {
                Some(ValueKind::Integer(i)) => t.http_port = Some(port(i.get())?),
                Some(ValueKind::String(s)) if s.as_str() == "user" => t.user_http_port = true,
                _ => return Err("http-port needs an integer or \"user\"".into()),
            },
            "app-types" => {
                t.app_types = str_args(child)
                    .iter()
                    .map(|a| AppType::parse(a).ok_or(format!("unknown app type {a}")))
                    .collect::<Result<_, _>>()?
            }
            "shares-with" => t.shares_with = str_args(child),
            "health-check" => {
                t.health_check = Some(HealthCheckDefaults {
                    path: str_prop(child, "path")?,
                    interval_secs: crate::units::duration_secs(&str_prop(child, "interval")?)
                        .map_err(|e| e.to_string())?,
                    healthy: int_prop(child, "healthy")? as u32,
                    unhealthy: int_prop(child, "unhealthy")? as u32,
                })
            }
            "recipes" => t.recipes = recipes(child)?,
            "attribute" => t.attributes.push(attribute(child)?),
            other => return Err(format!("layer type {}: unknown node {other}", t.name)),
        }
    }
    Ok(t)
}

fn attribute(node: &Node) -> Result<AttributeSpec, String> {
    let name = str_arg(node, 0)?;
    let default = node
        .prop("default")
        .ok_or_else(|| format!("attribute {name} needs a default"))?;
    let json = str_prop(node, "json")?;
    let (ty, default) = match str_prop(node, "type")?.as_str() {
        "string" => (AttributeType::String, default.as_str().map(Into::into)),
        "boolean" => (
            AttributeType::Boolean,
            match default.kind {
                ValueKind::Bool(b) => Some(b.into()),
                _ => None,
            },
        ),
        "integer" => (
            AttributeType::Integer {
                min: int_prop(node, "min")? as i64,
                max: int_prop(node, "max")? as i64,
            },
            match default.kind {
                ValueKind::Integer(i) => Some((i.get() as i64).into()),
                _ => None,
            },
        ),
        "size" => {
            let unit = str_prop(node, "unit")?;
            let unit_bytes =
                crate::units::size_bytes(&format!("1{unit}")).map_err(|e| e.to_string())?;
            let bytes = default
                .as_str()
                .map(crate::units::size_bytes)
                .transpose()
                .map_err(|e| e.to_string())?;
            (
                AttributeType::Size { unit_bytes },
                bytes.map(|b| (b / unit_bytes).into()),
            )
        }
        "duration" => (
            AttributeType::Duration,
            default
                .as_str()
                .map(crate::units::duration_secs)
                .transpose()
                .map_err(|e| e.to_string())?
                .map(Into::into),
        ),
        "enum" => (
            AttributeType::Enum {
                values: str_prop(node, "values")?
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
            },
            default.as_str().map(Into::into),
        ),
        other => return Err(format!("attribute {name}: unknown type {other}")),
    };
    Ok(AttributeSpec {
        default: default.ok_or_else(|| format!("attribute {name}: default of the wrong type"))?,
        name,
        ty,
        json,
    })
}

impl Stdlib {
    /// The metric of this name.
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_loads_and_is_consistent() {
        let std = get();
        assert_eq!(std.layer_types.len(), 7);
        assert!(std.instance_types.contains_key("t3.small"));
        assert_eq!(std.instance_types["t4g.small"].arch, Arch::Arm64);
        for t in std.layer_types.values() {
            assert!(
                std.instance_types.contains_key(&t.default_instance_type),
                "{}",
                t.name
            );
            for other in &t.shares_with {
                assert!(
                    std.layer_types.contains_key(other),
                    "{} shares with {other}",
                    t.name
                );
            }
        }
        assert_eq!(std.common_recipes[&Event::Setup], ["stackc_base::default"]);
        assert!(std.regions.iter().any(|r| r == "eu-west-1"));
    }

    #[test]
    fn compatibility_follows_opsworks() {
        let std = get();
        let shares = |a: &str, b: &str| {
            std.layer_types[a].shares_with.iter().any(|x| x == b)
                && std.layer_types[b].shares_with.iter().any(|x| x == a)
        };
        assert!(shares("php-app", "memcached"));
        assert!(!shares("php-app", "nodejs-app"));
        assert!(!shares("java-app", "memcached"));
        assert!(shares("custom", "java-app"));
    }
}
