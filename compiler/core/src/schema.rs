//! The stack language's schema: every node described once (its arguments,
//! its properties and their value types, the nodes its block holds, whether
//! it may appear twice, its documentation). The checker walks it for the
//! shape of each node (`check::read`), `stackc explain NODE` prints it, and
//! docs/language.md is generated from it ([`markdown`], tested equal).
//!
//! What a value must be beyond its type (a region that exists, a layer
//! that is declared, bounds between two properties) is the checker's.

mod markdown;
pub(crate) mod nodes;

pub use markdown::{explain, markdown};
pub use nodes::FILE;

/// One node of the language.
#[derive(Debug)]
pub struct NodeDef {
    /// Its name (`load-balancer`).
    pub name: &'static str,
    /// How it is written, as an example (`region eu-west-1`); shown in the
    /// docs and by `explain`. KDL when it has no `...`.
    pub syntax: &'static str,
    /// Its arguments.
    pub args: Args,
    /// Its properties.
    pub props: &'static [PropDef],
    /// Its block.
    pub block: Block,
    /// At most once in its parent's block.
    pub once: bool,
    /// What it means, one paragraph of Markdown.
    pub doc: &'static str,
    /// What holds when it is not written (Markdown), if anything.
    pub default: Option<&'static str>,
}

/// The arguments a node takes.
#[derive(Debug, Clone, Copy)]
pub struct Args {
    /// At most this many ([`Args::ANY`] for a list).
    pub max: usize,
    /// What each one is.
    pub value: Value,
}

impl Args {
    /// No limit on the number of arguments.
    pub const ANY: usize = usize::MAX;
    /// No arguments.
    pub const NONE: Args = Args {
        max: 0,
        value: Value::Text,
    };

    /// One argument of this type.
    pub const fn one(value: Value) -> Args {
        Args { max: 1, value }
    }

    /// Any number of arguments of this type.
    pub const fn list(value: Value) -> Args {
        Args {
            max: Args::ANY,
            value,
        }
    }
}

/// A property.
#[derive(Debug)]
pub struct PropDef {
    /// Its key.
    pub name: &'static str,
    /// Its value.
    pub value: Value,
    /// What it means, short; empty when the node's text says it.
    pub doc: &'static str,
}

/// The block of a node.
#[derive(Debug)]
pub enum Block {
    /// The node takes no block.
    None,
    /// A block of these nodes, which may be left out.
    Optional(Kids),
    /// A block of these nodes, which must be written.
    Required(Kids),
    /// A block of any KDL, turned into JSON (`custom-json`).
    Json,
}

/// The nodes a block holds.
#[derive(Debug)]
pub struct Kids {
    /// The nodes it accepts.
    pub nodes: &'static [NodeDef],
    /// Other nodes are the layer type's attributes, checked against the
    /// layer's type (`layer`, `attributes`).
    pub attributes: bool,
    /// How the block is named in a diagnostic, after its node's name
    /// (`recipes` holds "lifecycle events").
    pub note: &'static str,
}

impl Kids {
    /// A block of these nodes.
    pub const fn of(nodes: &'static [NodeDef]) -> Kids {
        Kids {
            nodes,
            attributes: false,
            note: "",
        }
    }
}

/// The type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A name: lowercase letters, digits and dashes.
    Name,
    /// Any one-line text.
    Text,
    /// A whole number between two bounds.
    Int(i64, i64),
    /// A number (decimals allowed) between two bounds.
    Number(u32, u32),
    /// `#true` or `#false`.
    Bool,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A size with a unit.
    Size,
    /// A duration with a unit.
    Duration,
    /// An IPv4 network.
    Cidr,
    /// An AWS region.
    Region,
    /// An operating system of stdlib/os.kdl.
    Os,
    /// An EC2 instance type of stdlib/instance-types.kdl.
    InstanceType,
    /// A layer type of stdlib/layers.
    LayerType,
    /// A layer of the stack.
    Layer,
    /// A secret of the app.
    Secret,
    /// A recipe of a cookbook.
    Recipe,
    /// A directory relative to the stack file.
    Directory,
    /// An absolute mount point.
    MountPoint,
    /// A path relative to the app's release.
    DocumentRoot,
    /// A path on the web server.
    UrlPath,
    /// A domain name.
    Domain,
    /// An e-mail address.
    Email,
    /// A schedule entry: days and a time.
    Schedule,
    /// Days and opening hours.
    WorkingHours,
    /// An IANA time zone.
    TimeZone,
    /// A source location: a URL of its kind.
    Url,
    /// A git branch, tag or commit.
    Revision,
    /// An ACM certificate's ARN.
    Certificate,
    /// An SSM parameter name.
    Parameter,
    /// A CloudWatch metric of stdlib/metrics.kdl.
    Metric,
    /// An exact version, `X.Y.Z`.
    Version,
    /// A database server's host name or address.
    DbHost,
    /// A database or user name.
    DbName,
    /// A file path glob on the instance.
    LogPath,
    /// An environment variable's name.
    VariableName,
    /// An existing resource's id (`vpc-...`, subnets).
    ResourceId,
    /// An AWS account id: 12 digits.
    AccountId,
    /// An AWS Organizations organizational unit id (`ou-...`).
    OrganizationalUnit,
}

impl Value {
    /// How the value is named in the docs and `explain`.
    pub fn describe(self) -> String {
        match self {
            Value::Int(lo, hi) => format!("integer {lo}–{hi}"),
            Value::Number(lo, hi) => format!("number {lo}–{hi}"),
            Value::OneOf(words) => words.join(" | "),
            other => other.kind().to_string(),
        }
    }

    /// The name of its kind, which the Values table of the docs explains.
    pub fn kind(self) -> &'static str {
        match self {
            Value::Name => "name",
            Value::Text => "text",
            Value::Int(..) => "integer",
            Value::Number(..) => "number",
            Value::Bool => "bool",
            Value::OneOf(_) => "word",
            Value::Size => "size",
            Value::Duration => "duration",
            Value::Cidr => "CIDR",
            Value::Region => "region",
            Value::Os => "OS",
            Value::InstanceType => "instance type",
            Value::LayerType => "layer type",
            Value::Layer => "layer",
            Value::Secret => "secret",
            Value::Recipe => "recipe",
            Value::Directory => "directory",
            Value::MountPoint => "mount point",
            Value::DocumentRoot => "document root",
            Value::UrlPath => "URL path",
            Value::Domain => "domain",
            Value::Email => "e-mail address",
            Value::Schedule => "schedule",
            Value::WorkingHours => "working hours",
            Value::TimeZone => "time zone",
            Value::Url => "URL",
            Value::Revision => "git revision",
            Value::Certificate => "certificate ARN",
            Value::Parameter => "SSM parameter",
            Value::Metric => "metric",
            Value::Version => "version",
            Value::DbHost => "database host",
            Value::DbName => "database name",
            Value::LogPath => "log path",
            Value::VariableName => "variable name",
            Value::ResourceId => "resource id",
            Value::AccountId => "account id",
            Value::OrganizationalUnit => "organizational unit id",
        }
    }
}

impl NodeDef {
    /// The property of this name.
    pub fn prop(&'static self, name: &str) -> Option<&'static PropDef> {
        self.props.iter().find(|p| p.name == name)
    }

    /// The property names, in the table's order.
    pub fn prop_names(&self) -> Vec<&'static str> {
        self.props.iter().map(|p| p.name).collect()
    }

    /// The nodes of its block (none for a node without one, or a JSON block).
    pub fn kids(&'static self) -> Option<&'static Kids> {
        match &self.block {
            Block::Optional(k) | Block::Required(k) => Some(k),
            Block::None | Block::Json => None,
        }
    }

    /// The node of this name in its block.
    pub fn kid(&'static self, name: &str) -> Option<&'static NodeDef> {
        self.kids()?.nodes.iter().find(|n| n.name == name)
    }

    /// The names of the nodes of its block.
    pub fn kid_names(&'static self) -> Vec<&'static str> {
        self.kids()
            .map(|k| k.nodes.iter().map(|n| n.name).collect())
            .unwrap_or_default()
    }

    /// The node at a path of names below this one (`["layer", "scaling"]`).
    pub fn at(&'static self, path: &[&str]) -> Option<&'static NodeDef> {
        path.iter().try_fold(self, |def, name| def.kid(name))
    }
}

/// Every node of the language with the path of names that leads to it from
/// the file (`["stack", "layer", "scaling"]`), depth first; an environment's
/// nodes that are the stack's are listed under the stack only.
pub fn all() -> Vec<(Vec<&'static str>, &'static NodeDef)> {
    fn walk(
        def: &'static NodeDef,
        path: &mut Vec<&'static str>,
        out: &mut Vec<(Vec<&'static str>, &'static NodeDef)>,
    ) {
        path.push(def.name);
        out.push((path.clone(), def));
        for kid in def.kids().map_or(&[][..], |k| k.nodes) {
            // An environment's nodes are the stack's, listed there, but for
            // its own (`targets`).
            if def.name == "environment" && FILE.nodes[0].kid(kid.name).is_some() {
                continue;
            }
            walk(kid, path, out);
        }
        path.pop();
    }
    let mut out = Vec::new();
    for def in FILE.nodes {
        walk(def, &mut Vec::new(), &mut out);
    }
    out
}

/// The nodes a name (`scaling`) or a dotted path ending in it
/// (`layer.scaling`, `stack.layer.scaling`) designates: several when the
/// name is used in more than one block (`chef`).
pub fn lookup(query: &str) -> Vec<(Vec<&'static str>, &'static NodeDef)> {
    let want: Vec<&str> = query.split('.').filter(|s| !s.is_empty()).collect();
    if want.is_empty() {
        return Vec::new();
    }
    all()
        .into_iter()
        .filter(|(path, _)| path.ends_with(&want))
        .collect()
}

#[cfg(test)]
mod tests;
