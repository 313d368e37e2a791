//! Layers: type, instances, recipes, load balancer, scaling, logs, alarms,
//! attributes, and the rules between layers (`on`, co-location, ports).

mod attributes;
mod balancer;
mod colocation;
mod machine;
mod recipes;
mod scaling;
mod watch;

use std::collections::BTreeMap;
use std::path::Path;

use super::targets::Home;
use super::{duplicate, exact, Checker};
use crate::chef::Runtime;
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::emit::cfn::userdata::VOLUME_DEVICES;
use crate::ir::{Layer, Scaling};
use crate::schema::nodes;
use crate::stdlib::LayerType;
use crate::syntax::{Node, ValueKind};
use attributes::set_path;

/// Nodes a layer that is `on` another may not have.
const PLACEMENT: &[&str] = &[
    "instance-type",
    "volume",
    "load-balancer",
    "scaling",
    "chef",
];

struct Head<'n> {
    node: &'n Node<'n>,
    name: String,
    ty: &'static LayerType,
    on: Option<(String, Span)>,
}

impl Head<'_> {
    /// The ports the layer listens on: its type's, and the port a custom
    /// layer's load balancer names (read as written; the layer's own check
    /// reports a bad one).
    fn ports(&self) -> Vec<u16> {
        let named = self
            .node
            .kids()
            .iter()
            .filter(|k| k.name == "load-balancer" && self.ty.user_http_port)
            .filter_map(|k| match k.prop("port").map(|v| &v.kind) {
                Some(ValueKind::Integer(i)) => u16::try_from(i.get()).ok(),
                _ => None,
            })
            .next();
        with_port(&self.ty.ports, named)
    }
}

/// Most layers a stack may have: real stacks have a few dozen, and each
/// layer with instances is a group of resources in the template.
pub const MAX_LAYERS: usize = 1_000;

fn too_many_layers(extra: &Node) -> Diagnostic {
    Diagnostic::error(
        Code::TooManyLayers,
        extra.name_span,
        format!("the stack has more than {MAX_LAYERS} layers"),
    )
    .label("the first one too many")
    .help("split the system into several stacks")
}

impl Checker<'_> {
    pub(super) fn layers(
        &mut self,
        nodes: &[&Node],
        home: Home,
        cookbooks: Option<&Path>,
        chef: &Runtime,
    ) -> Option<Vec<Layer>> {
        if let Some(extra) = nodes.iter().filter(|n| n.name == "layer").nth(MAX_LAYERS) {
            self.push(too_many_layers(extra));
            return None;
        }
        let mut heads: Vec<Head> = Vec::new();
        let mut ok = true;
        for &node in nodes.iter().filter(|n| n.name == "layer") {
            match self.layer_head(node, &heads) {
                Some(h) => heads.push(h),
                None => {
                    ok = false;
                    let typed = node
                        .prop("type")
                        .and_then(|v| v.as_str())
                        .is_some_and(|t| self.std.layer_types.contains_key(t));
                    if !typed {
                        self.untyped_body(node, cookbooks);
                    }
                }
            }
        }
        let mut layers = Vec::with_capacity(heads.len());
        for head in &heads {
            match self.layer_body(head, home, cookbooks, chef) {
                Some(l) => layers.push(l),
                None => ok = false,
            }
        }
        ok &= self.colocation(&heads, &mut layers);
        ok.then_some(layers)
    }

    fn layer_head<'n>(&mut self, node: &'n Node<'n>, seen: &[Head]) -> Option<Head<'n>> {
        self.entries(node, &nodes::LAYER);
        let name = self
            .arg(node, 0, "a name")
            .and_then(|v| self.name(v, "layer name"));
        let ty = self.prop(node, "type", true).and_then(|v| {
            let text = self.string(v, "type")?;
            let t = self.std.layer_types.get(text);
            if t.is_none() {
                let names: Vec<&str> = self.std.layer_types.keys().map(String::as_str).collect();
                self.push(
                    Diagnostic::error(
                        Code::UnknownLayerType,
                        v.span,
                        format!("unknown layer type `{text}`"),
                    )
                    .label("unknown type")
                    .help(did_you_mean(text, &names)),
                );
            }
            t
        });
        let name = name?;
        if let Some(first) = seen.iter().find(|h| h.name == name) {
            self.push(duplicate(
                "layer",
                &name,
                node.args[0].span,
                first.node.args[0].span,
            ));
            return None;
        }
        let on = node.kids().iter().find(|k| k.name == "on").and_then(|k| {
            let v = k.args.first()?;
            Some((v.as_str()?.to_string(), v.span))
        });
        Some(Head {
            node,
            name,
            ty: ty?,
            on,
        })
    }

    fn layer_body(
        &mut self,
        head: &Head,
        home: Home,
        cookbooks: Option<&Path>,
        stack_chef: &Runtime,
    ) -> Option<Layer> {
        let ty = head.ty;
        // The stack's client; a default one is shown on the layer.
        let mut chef = Some(stack_chef.clone());
        if let Some(c) = chef.as_mut().filter(|c| c.span.len == 0) {
            c.span = head.node.name_span;
        }
        let kids = self.block(head.node, &nodes::LAYER);
        let mut ok = true;
        let mut instance_type = self
            .std
            .instance_types
            .get(&ty.default_instance_type)
            .cloned();
        let mut volumes = Vec::new();
        let mut user_recipes = BTreeMap::new();
        let mut load_balancer = None;
        let mut http_port = ty.http_port;
        let mut scaling = None;
        let mut logs = Vec::new();
        let mut retention: Option<(u32, Span)> = None;
        let mut alarm_nodes = Vec::new();
        let mut attributes = serde_json::Value::Object(Default::default());
        for spec in &ty.attributes {
            set_path(&mut attributes, &spec.json, spec.default.clone());
        }
        for kid in kids {
            if head.on.is_some() && PLACEMENT.contains(&kid.name.as_str()) {
                self.push(
                    Diagnostic::error(
                        Code::ColocatedLayerConfig,
                        kid.name_span,
                        format!("layer `{}` runs on another layer's instances and cannot have its own `{}`", head.name, kid.name),
                    )
                    .label("not allowed with `on`")
                    .help("move it to the host layer, or remove `on` to give this layer instances of its own"),
                );
                ok = false;
                continue;
            }
            let before = self.errors;
            match kid.name.as_str() {
                "instance-type" => instance_type = self.instance_type(kid),
                "volume" if volumes.len() == VOLUME_DEVICES.len() => self.too_many_volumes(kid),
                "volume" => volumes.extend(self.volume(kid, &volumes)),
                "recipes" => user_recipes = self.user_recipes(kid, cookbooks),
                "load-balancer" => {
                    if let Some((lb, port)) = self.load_balancer(kid, ty, home) {
                        load_balancer = Some(lb);
                        http_port = Some(port);
                    }
                }
                "scaling" => scaling = self.scaling(kid),
                "chef" => chef = self.chef(kid),
                "logs" => logs.extend(self.logs(kid, &mut retention)),
                "alarm" => alarm_nodes.push(kid),
                "on" => {
                    self.shape(kid, &nodes::ON);
                    self.str_arg(kid, 0, "the layer to run on");
                }
                "attributes" => {
                    for attr in self.shape(kid, &nodes::ATTRIBUTES) {
                        self.attribute(attr, ty, &mut attributes, true);
                    }
                }
                _ => self.attribute(kid, ty, &mut attributes, false),
            }
            ok &= self.errors == before;
        }
        let alarms = self.alarms(&alarm_nodes, load_balancer.is_some());
        let recipes = self.run_lists(head, user_recipes, cookbooks);
        let scaling = match head.on {
            Some(_) => None,
            None => Some(scaling.unwrap_or(Scaling {
                min: 1,
                max: 1,
                up: None,
                down: None,
                schedule: None,
            })),
        };
        if !ok {
            return None;
        }
        Some(Layer {
            name: head.name.clone(),
            type_name: ty.name.clone(),
            on: head.on.as_ref().map(|(n, _)| n.clone()),
            instance_type: instance_type?,
            chef: chef?,
            volumes: exact(volumes),
            ports: with_port(&ty.ports, http_port),
            http_port,
            recipes: recipes?,
            load_balancer,
            scaling,
            logs: exact(logs),
            log_retention_days: retention.map_or(30, |(d, _)| d),
            alarms: alarms?,
            attributes,
            span: head.node.span,
        })
    }

    /// The body of a layer whose type is missing or unknown: what does not
    /// depend on the type is checked, so that its errors come in the same
    /// run as the type's (the load balancer, attributes and other nodes
    /// wait for a type to be checked against).
    fn untyped_body(&mut self, node: &Node, cookbooks: Option<&Path>) {
        let mut volumes = Vec::new();
        let mut retention = None;
        for kid in node.kids() {
            match kid.name.as_str() {
                "instance-type" => {
                    self.instance_type(kid);
                }
                "volume" if volumes.len() < VOLUME_DEVICES.len() => {
                    volumes.extend(self.volume(kid, &volumes));
                }
                "recipes" => {
                    self.user_recipes(kid, cookbooks);
                }
                "scaling" => {
                    self.scaling(kid);
                }
                "chef" => {
                    self.chef(kid);
                }
                "logs" => {
                    self.logs(kid, &mut retention);
                }
                _ => {}
            }
        }
    }
}

fn absolute_path(s: &str) -> Result<String, String> {
    if !s.starts_with('/') {
        Err(format!("`{s}` is not an absolute path; start it with `/`"))
    } else if s.split('/').any(|p| p == "..") {
        Err(format!("`{s}` contains `..`"))
    } else {
        Ok(s.trim_end_matches('/').to_string()).map(|p| if p.is_empty() { "/".into() } else { p })
    }
}

/// The type's ports and the HTTP port a custom layer names, each once.
fn with_port(ports: &[u16], http_port: Option<u16>) -> Vec<u16> {
    let mut all = ports.to_vec();
    if let Some(p) = http_port.filter(|p| !all.contains(p)) {
        all.push(p);
    }
    all
}
