//! docs/language.md, generated from the schema and the standard library.

use std::fmt::Write as _;

use super::{Args, Block, Kids, NodeDef, Value, FILE};
use crate::stdlib::{AttributeType, Stdlib};

const INTRO: &str = "\
A stack file is KDL v2 (https://kdl.dev). Bare words are strings
(`region eu-west-1`); a value that starts with a digit or contains `/` is
quoted (`for=\"5m\"`, `\"/srv\"`); keywords are `#true`, `#false`, `#null`; `/-`
comments out a node. `stackc fmt` rewrites a file in canonical form.
`stackc explain NODE` (`stackc explain scaling`, `stackc explain layer.chef`)
prints a node's entry of this page.";

const COLOCATION: &str = "\
Which types may share an instance (`on`) follows OpsWorks: memcached with any
app server but java-app; custom with anything; two app servers never; and
layers on one instance may not listen on the same port.";

const OUTRO: &str = "\
Text that ends up in a file on the instance (`env` values, paths, type
attributes such as `start-command`) is one line: no control characters. A
value shaped like a credential (an AWS key, a private key, a known token, a
random word under a key named like a secret) is refused in `env` and
`custom-json`; write a `secret` instead. `custom-json` adds keys of your own
to the node JSON; keys stackc computes (`deploy.<app>.deploy_to`,
`scm.repository`, `opsworks.layers`, the layer types' attributes, ...) are
set with the stack file's nodes, not overridden there.";

/// Examples of each kind of value, for the Values table.
fn examples(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "name" => "`web`, `web-front` (lowercase, digits, dashes; ≤ 32)",
        "size" => "`512MiB`, `20GiB`, `1TiB`, `500MB`",
        "duration" => "`30s`, `5m`, `1h30m`, `30d`",
        "schedule" => "`\"mon-fri 07:00\"`, `\"sat,sun 10:30\"`, `\"daily 00:00\"`",
        "working hours" => "`\"mon-fri 08:00-20:00\"`",
        "time zone" => "IANA: `Europe/Madrid`, `UTC`",
        "CIDR" => "`\"10.0.0.0/16\"`: an IPv4 network of /16 to /24",
        "region" => "`eu-west-1`, `us-east-1` (stdlib/regions.kdl)",
        "OS" => "`amazon-linux-2023`, `ubuntu-22.04`, `ubuntu-24.04` (stdlib/os.kdl)",
        "instance type" => "`t3.small`, `m7g.large` (stdlib/instance-types.kdl)",
        "mount point" => "`\"/srv\"`, `\"/var/lib/mysql\"`: absolute; letters, digits and `/._-+@~,=`; not a system directory (`/etc`, `/usr`, `/var` itself, ...: see docs/decisions.md)",
        "document root" => "`public`, `\"admin/public\"`: relative to the release, without `..`; letters, digits and `/._-+@~,=`",
        "git revision" => "`main`, `v1.4.2`, `0a1b2c3d`: a branch, tag or commit (`git check-ref-format`), never starting with `-`",
        "database host" => "`db.internal`, `10.0.3.12`",
        "database name" => "`rentals`, `shop_app`: a letter or `_`, then letters, digits, `_-.` (≤ 63); also a database user",
        "recipe" => "`cookbook::recipe`, or `cookbook` for its `default` recipe",
        "version" => "`18.6.2`, `12.22.5`",
        "log path" => "`\"/var/log/nginx/*.log\"`: absolute, with `*` for any name",
        "variable name" => "`DB_PASSWORD`, `APP_MODE`: letters, digits and `_`, not starting with a digit",
        "URL" => "git: `https://...`, `ssh://...`, `git@host:org/repo.git`; s3: `s3://bucket/key`; http: `https://...`",
        "SSM parameter" => "`\"/shop/db-password\"`: a SecureString or String parameter",
        "certificate ARN" => "`arn:aws:acm:eu-west-1:123456789012:certificate/...`",
        "account id" => "`\"111111111111\"`: 12 digits, quoted (a number would lose leading zeros)",
        "organizational unit id" => "`\"ou-ab12-34cd56ef\"`: `ou-`, 4 to 32 lowercase letters or digits, `-`, 8 to 32 more",
        _ => return None,
    })
}

/// The Markdown of docs/language.md.
pub fn markdown(std: &Stdlib) -> String {
    let mut out = String::new();
    out.push_str("# The stack language\n\n");
    out.push_str(
        "<!-- Generated from compiler/core/src/schema/ and stdlib/ by \
         `STACKC_UPDATE_DOCS=1 cargo test -p stackc-core --lib schema`: edit those, not this file. -->\n\n",
    );
    out.push_str(INTRO);
    out.push('\n');
    let mut kinds: Vec<&'static str> = Vec::new();
    for def in FILE.nodes {
        section(&mut out, def, 2, std, &mut kinds);
    }
    out.push_str("\n## Values\n\n| type | examples |\n|---|---|\n");
    for kind in kinds {
        if let Some(e) = examples(kind) {
            let _ = writeln!(out, "| {kind} | {e} |");
        }
    }
    out.push('\n');
    out.push_str(OUTRO);
    out.push('\n');
    out
}

/// A node with a block of nodes: its heading, its text and a table of its
/// block, then the sections of the nodes of its block that have blocks.
fn section(
    out: &mut String,
    def: &'static NodeDef,
    level: usize,
    std: &Stdlib,
    kinds: &mut Vec<&'static str>,
) {
    let Some(kids) = def.kids() else { return };
    let _ = write!(
        out,
        "\n{} `{}`\n\n{}\n",
        "#".repeat(level),
        heading(def),
        def.doc
    );
    note_kinds(def, kinds);
    if def.name == "layer" {
        layer_types(out, std);
    }
    if def.name == "environment" {
        // The stack's nodes are documented under the stack; an
        // environment's own (`targets`) here.
        let (stacks, own): (Vec<&'static NodeDef>, Vec<&'static NodeDef>) = kids
            .nodes
            .iter()
            .partition(|n| FILE.nodes[0].kid(n.name).is_some());
        let names: Vec<String> = stacks.iter().map(|n| format!("`{}`", n.name)).collect();
        let _ = write!(
            out,
            "\nIts block holds the stack's nodes but `environment`: {}. And its own:\n",
            names.join(", ")
        );
        table(out, &own, kinds);
        for kid in own {
            if kid.kids().is_some_and(|k| !k.nodes.is_empty()) {
                section(out, kid, 3, std, kinds);
            }
        }
        return;
    }
    let all: Vec<&'static NodeDef> = kids.nodes.iter().collect();
    table(out, &all, kinds);
    if kids.attributes && def.name == "layer" {
        attributes(out, std);
        let _ = write!(out, "\n{COLOCATION}\n");
    }
    // The stack's blocks are sections of their own, deeper blocks
    // subsections of theirs.
    let level = if def.name == "stack" { 2 } else { 3 };
    for kid in kids.nodes {
        if kid.name != def.name && kid.kids().is_some_and(|k| !k.nodes.is_empty()) {
            section(out, kid, level, std, kinds);
        }
    }
}

/// The table of a block's nodes: each one's syntax, meaning and default.
fn table(out: &mut String, nodes: &[&'static NodeDef], kinds: &mut Vec<&'static str>) {
    if nodes.is_empty() {
        return;
    }
    out.push_str("\n| node | meaning | default |\n|---|---|---|\n");
    for kid in nodes {
        note_kinds(kid, kinds);
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            kid_syntax(kid),
            meaning(kid),
            kid.default.unwrap_or("—")
        );
    }
}

/// How a node's section is titled: its syntax, or for a nested block, the
/// node with its properties and `{ ... }`.
fn heading(def: &NodeDef) -> String {
    if def.syntax.ends_with("{ ... }") {
        return def.syntax.to_string();
    }
    let mut h = def.name.to_string();
    for p in def.props {
        let _ = write!(h, " {}=...", p.name);
    }
    h.push_str(" { ... }");
    h
}

/// A lifecycle event's row shows the event and its recipes.
fn kid_syntax(def: &NodeDef) -> String {
    if def.syntax.is_empty() {
        format!("{} R...", def.name)
    } else {
        def.syntax.replace('|', "\\|")
    }
}

/// A row's meaning: the text, the arguments and the properties, as a
/// Markdown table cell.
fn meaning(def: &NodeDef) -> String {
    let mut m = def.doc.to_string();
    match def.args {
        Args { max: 0, .. } => {}
        Args { max: 1, value } => {
            let _ = write!(m, " Argument: {}.", value.describe());
        }
        Args {
            max: Args::ANY,
            value,
        } => {
            let _ = write!(m, " Arguments: {}, one or more.", value.describe());
        }
        Args { max, value } => {
            let _ = write!(m, " Arguments: {max}, {}.", value.describe());
        }
    }
    if !def.props.is_empty() {
        let props: Vec<String> = def
            .props
            .iter()
            .map(|p| {
                if p.doc.is_empty() {
                    format!("`{}` ({})", p.name, p.value.describe())
                } else {
                    format!("`{}` ({}: {})", p.name, p.value.describe(), p.doc)
                }
            })
            .collect();
        let _ = write!(m, " Properties: {}.", props.join(", "));
    }
    match &def.block {
        Block::Optional(Kids { nodes, .. }) | Block::Required(Kids { nodes, .. })
            if !nodes.is_empty() =>
        {
            m.push_str(" Its block: below.");
        }
        _ => {}
    }
    // A table cell: its pipes are text.
    m.replace('|', "\\|")
}

/// Records the kinds of value a node uses, for the Values table.
fn note_kinds(def: &NodeDef, kinds: &mut Vec<&'static str>) {
    let values = (def.args.max > 0)
        .then_some(def.args.value)
        .into_iter()
        .chain(def.props.iter().map(|p| p.value));
    for v in values {
        let kind = v.kind();
        if !kinds.contains(&kind) && !matches!(v, Value::Int(..) | Value::OneOf(_)) {
            kinds.push(kind);
        }
    }
}

fn layer_types(out: &mut String, std: &Stdlib) {
    out.push_str(
        "\nTypes (stdlib/layers):\n\n| type | what it is | instance type | HTTP port | apps |\n|---|---|---|---|---|\n",
    );
    for ty in std.layer_types.values() {
        let port = match (ty.http_port, ty.user_http_port) {
            (Some(p), _) => p.to_string(),
            (None, true) => "yours (`load-balancer port=`)".into(),
            (None, false) => "—".into(),
        };
        let apps = if ty.app_types.is_empty() {
            "—".to_string()
        } else {
            ty.app_types
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | `{}` | {port} | {apps} |",
            ty.name, ty.description, ty.default_instance_type
        );
    }
}

fn attributes(out: &mut String, std: &Stdlib) {
    out.push_str("\nType attributes:\n\n| type | attributes |\n|---|---|\n");
    for ty in std.layer_types.values() {
        if ty.attributes.is_empty() {
            continue;
        }
        let attrs: Vec<String> = ty
            .attributes
            .iter()
            .map(|a| format!("`{}` ({})", a.name, attribute_type(&a.ty)))
            .collect();
        let _ = writeln!(out, "| {} | {} |", ty.name, attrs.join(", "));
    }
}

fn attribute_type(ty: &AttributeType) -> String {
    match ty {
        AttributeType::String => "string".into(),
        AttributeType::Integer { min, max } => format!("integer {min}–{max}"),
        AttributeType::Boolean => "bool".into(),
        AttributeType::Size { .. } => "size".into(),
        AttributeType::Duration => "duration".into(),
        AttributeType::Enum { values } => values.join("\\|"),
    }
}

/// What `stackc explain NODE` prints for a node at a path of names.
pub fn explain(path: &[&str], def: &'static NodeDef) -> String {
    let mut out = format!("{} (in {})\n\n", def.name, path.join(" > "));
    if !def.syntax.is_empty() {
        let _ = write!(out, "    {}\n\n", def.syntax);
    }
    let _ = writeln!(out, "{}", def.doc);
    out.push('\n');
    match def.args {
        Args { max: 0, .. } => out.push_str("Arguments: none\n"),
        Args { max: 1, value } => {
            let _ = writeln!(out, "Argument: {}", value.describe());
        }
        Args {
            max: Args::ANY,
            value,
        } => {
            let _ = writeln!(out, "Arguments: {}, one or more", value.describe());
        }
        Args { max, value } => {
            let _ = writeln!(out, "Arguments: {max}, {}", value.describe());
        }
    }
    if def.props.is_empty() {
        out.push_str("Properties: none\n");
    } else {
        out.push_str("Properties:\n");
        for p in def.props {
            let what = p.value.describe();
            if p.doc.is_empty() {
                let _ = writeln!(out, "  {:<16} {what}", p.name);
            } else {
                let _ = writeln!(out, "  {:<16} {what}: {}", p.name, p.doc);
            }
        }
    }
    let block = match &def.block {
        Block::None => "none".to_string(),
        Block::Json => "any KDL, as JSON".to_string(),
        Block::Optional(k) | Block::Required(k) => {
            let mut names: Vec<&str> = k.nodes.iter().map(|n| n.name).collect();
            if k.attributes {
                names.push("the layer type's attributes");
            }
            let need = if matches!(def.block, Block::Required(_)) {
                "required"
            } else {
                "optional"
            };
            format!("{need}: {}", names.join(", "))
        }
    };
    let _ = writeln!(out, "Block: {block}");
    let _ = writeln!(
        out,
        "{}",
        if def.once {
            "Given at most once in its block."
        } else {
            "May be given more than once."
        }
    );
    if let Some(d) = def.default {
        let _ = writeln!(out, "When not given: {}", d.replace('`', ""));
    }
    out
}
