//! Layers: type, instances, recipes, load balancer, scaling, logs, alarms,
//! attributes, and the rules between layers (`on`, co-location, ports).

use std::collections::BTreeMap;
use std::path::Path;

use super::{duplicate, exact, firsts, Checker};
use crate::chef::Runtime;
use crate::cookbooks;
use crate::diag::{did_you_mean, suggest, Code, Diagnostic, Span};
use crate::emit::cfn::userdata::VOLUME_DEVICES;
use crate::ir::{
    Alarm, Comparison, Event, HealthCheck, Layer, Listener, LoadBalancer, LoadRule, Recipe,
    RecipeOrigin, Scaling, Schedule, ScheduleEntry, Volume,
};
use crate::schema::{nodes, NodeDef};
use crate::stdlib::{AttributeType, LayerType, MetricSource};
use crate::syntax::{Node, Value, ValueKind};
use crate::units;

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
        region: Option<&str>,
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
            match self.layer_body(head, region, cookbooks, chef) {
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
        region: Option<&str>,
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
                    if let Some((lb, port)) = self.load_balancer(kid, ty, region) {
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

    fn instance_type(&mut self, node: &Node) -> Option<crate::stdlib::InstanceType> {
        self.shape(node, &nodes::INSTANCE_TYPE);
        let v = self.arg(node, 0, "an instance type")?;
        let text = self.string(v, "instance type")?;
        if let Some(t) = self.std.instance_types.get(text) {
            return Some(t.clone());
        }
        let names: Vec<&str> = self.std.instance_types.keys().map(String::as_str).collect();
        self.push(
            Diagnostic::error(
                Code::UnknownInstanceType,
                v.span,
                format!("unknown instance type `{text}`"),
            )
            .label("unknown instance type")
            .help(match suggest(text, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "see stdlib/instance-types.kdl for the accepted types".into(),
            }),
        );
        None
    }

    /// A volume past the last device name a layer's volumes take
    /// (`/dev/sdp`): two volumes on one device would not both attach.
    fn too_many_volumes(&mut self, node: &Node) {
        self.push(
            Diagnostic::error(
                Code::TooManyVolumes,
                node.name_span,
                format!(
                    "a layer has at most {} volumes (/dev/sdf to /dev/sdp)",
                    VOLUME_DEVICES.len()
                ),
            )
            .label("one volume too many")
            .help("put several directories on one volume (mount it once and use subdirectories), or move some to another layer"),
        );
    }

    fn volume(&mut self, node: &Node, seen: &[Volume]) -> Option<Volume> {
        self.shape(node, &nodes::VOLUME);
        let v = self.arg(node, 0, "a mount point")?;
        let mount = self.parsed(v, "mount point", Code::BadPath, absolute_path);
        let size = self.prop(node, "size", true).and_then(|s| {
            let bytes = self.size(s, "size")?;
            let gib = bytes.div_ceil(1 << 30);
            if !(1..=16384).contains(&gib) {
                self.push(
                    Diagnostic::error(Code::OutOfRange, s.span, "an EBS volume is 1 GiB to 16 TiB")
                        .label("out of range"),
                );
                return None;
            }
            Some(gib)
        });
        let mount = mount?;
        if seen.iter().any(|s| s.mount == mount) || mount == "/" {
            self.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    v.span,
                    format!("`{mount}` is already a mount point"),
                )
                .help("each volume needs its own mount point; `/` is the root volume"),
            );
            return None;
        }
        self.mount_point(v.span, &mount)?;
        Some(Volume {
            mount,
            size_gib: size?,
        })
    }

    fn user_recipes(
        &mut self,
        node: &Node,
        cookbooks: Option<&Path>,
    ) -> BTreeMap<Event, Vec<Recipe>> {
        let kids = self.shape(node, &nodes::RECIPES);
        let mut out = BTreeMap::new();
        for kid in kids {
            let (Some(event), Some(def)) = (Event::parse(&kid.name), nodes::RECIPES.kid(&kid.name))
            else {
                continue;
            };
            self.shape(kid, def);
            if kid.args.is_empty() {
                self.arg(kid, 0, "a recipe");
            }
            let list: Vec<Recipe> = kid
                .args
                .iter()
                .filter_map(|v| {
                    let text = self.string(v, "recipe")?;
                    self.resolve_recipe(text, v.span, cookbooks, None)
                })
                .collect();
            out.insert(event, list);
        }
        out
    }

    /// Resolves `cookbook::recipe` to the user's cookbooks or the built-in ones.
    fn resolve_recipe(
        &mut self,
        text: &str,
        span: Span,
        cookbooks: Option<&Path>,
        builtin_of: Option<&str>,
    ) -> Option<Recipe> {
        let (cookbook, recipe) = text.split_once("::").unwrap_or((text, "default"));
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !valid(cookbook) || !valid(recipe) {
            self.push(
                Diagnostic::error(
                    Code::BadRecipe,
                    span,
                    format!("`{text}` is not a recipe name"),
                )
                .label("not cookbook::recipe")
                .help("write `cookbook::recipe`, or `cookbook` for its default recipe"),
            );
            return None;
        }
        let user_dir = cookbooks
            .map(|d| d.join(cookbook))
            .filter(|d| self.opts.files.is_dir(d));
        let (origin, found) = match &user_dir {
            Some(dir) => (
                RecipeOrigin::User,
                self.opts
                    .files
                    .is_file(&dir.join("recipes").join(format!("{recipe}.rb"))),
            ),
            // The stdlib's own recipes are known to exist (a unit test checks it).
            None => (
                RecipeOrigin::Builtin,
                builtin_of.is_some() || cookbooks::has_recipe(cookbook, recipe),
            ),
        };
        if !found && self.cookbooks_missing && origin == RecipeOrigin::Builtin {
            // The cookbooks directory itself is reported; do not cascade.
            return None;
        }
        if found {
            return Some(Recipe {
                cookbook: cookbook.into(),
                recipe: recipe.into(),
                origin,
            });
        }
        let message = match (&user_dir, builtin_of) {
            (Some(_), Some(ty)) => format!(
                "layer type `{ty}` runs `{cookbook}::{recipe}`, but your cookbook `{cookbook}` (which replaces the built-in one) has no recipes/{recipe}.rb"
            ),
            (Some(dir), None) => format!("cookbook `{cookbook}` has no recipe `{recipe}` ({} is missing)", dir.join("recipes").join(format!("{recipe}.rb")).display()),
            (None, _) if cookbooks::has_cookbook(cookbook) => format!("the built-in cookbook `{cookbook}` has no recipe `{recipe}`"),
            (None, _) => format!("no cookbook `{cookbook}` for recipe `{text}`"),
        };
        let mut fix = None;
        let help = match (&user_dir, cookbooks) {
            (Some(dir), _) => {
                let names: Vec<String> = self
                    .opts
                    .files
                    .file_names(&dir.join("recipes"))
                    .into_iter()
                    .filter_map(|n| n.strip_suffix(".rb").map(str::to_string))
                    .collect();
                match suggest(recipe, names.iter().map(String::as_str)) {
                    Some(near) if near != recipe => {
                        fix = Some(format!("\"{cookbook}::{near}\""));
                        format!("did you mean `{cookbook}::{near}`? (or add recipes/{recipe}.rb to the cookbook)")
                    }
                    _ => format!("add recipes/{recipe}.rb to the cookbook, or fix the name"),
                }
            }
            (None, None) if self.opts.files.is_dir(&self.opts.base_dir.join("cookbooks")) => {
                "your cookbooks are not used yet: add `cookbooks \"./cookbooks\"` to the stack".into()
            }
            (None, _) => match suggest(cookbook, cookbooks::names()) {
                Some(s) if s != cookbook => format!("did you mean the built-in cookbook `{s}`?"),
                _ => "user recipes live in <cookbooks>/<cookbook>/recipes/<recipe>.rb; set the directory with `cookbooks \"./cookbooks\"`".into(),
            },
        };
        let mut d = Diagnostic::error(Code::UnknownRecipe, span, message)
            .label("recipe not found")
            .help(help);
        if let Some(fix) = fix {
            d = d.fix(span, fix);
        }
        self.push(d);
        None
    }

    /// Full run list per event: common, type built-ins, then the user's.
    fn run_lists(
        &mut self,
        head: &Head,
        mut user: BTreeMap<Event, Vec<Recipe>>,
        cookbooks: Option<&Path>,
    ) -> Option<BTreeMap<Event, Vec<Recipe>>> {
        let mut out = BTreeMap::new();
        let mut ok = true;
        let type_span = head
            .node
            .prop("type")
            .map_or(head.node.name_span, |v| v.span);
        for event in Event::ALL {
            let builtin = self
                .std
                .common_recipes
                .get(&event)
                .into_iter()
                .chain(head.ty.recipes.get(&event))
                .flatten();
            let mut list = Vec::new();
            for name in builtin {
                match self.resolve_recipe(name, type_span, cookbooks, Some(&head.ty.name)) {
                    Some(r) => list.push(r),
                    None => ok = false,
                }
            }
            list.extend(user.remove(&event).unwrap_or_default());
            out.insert(event, exact(list));
        }
        ok.then_some(out)
    }

    fn load_balancer(
        &mut self,
        node: &Node,
        ty: &LayerType,
        region: Option<&str>,
    ) -> Option<(LoadBalancer, u16)> {
        let kids = self.shape(node, &nodes::LOAD_BALANCER);
        let port = match (node.prop("port"), ty.http_port) {
            (Some(v), None) if ty.user_http_port => self.int(v, "port", 1, 65535)? as u16,
            (None, None) if ty.user_http_port => {
                self.push(
                    Diagnostic::error(
                        Code::NoHttpPort,
                        node.name_span,
                        format!(
                            "a {} layer's load balancer needs the port its recipes serve HTTP on",
                            ty.name
                        ),
                    )
                    .label("which port?")
                    .help("name it: `load-balancer port=8080 { listener http }`"),
                );
                return None;
            }
            (Some(v), Some(fixed)) => {
                self.push(
                    Diagnostic::error(Code::FixedHttpPort, v.span, format!("layer type `{}` serves HTTP on port {fixed}, which its built-in recipes set", ty.name))
                        .label("not for this layer type")
                        .help(format!("remove `port=`: the {} recipes listen on {fixed} (a custom layer names its port)", ty.name)),
                );
                return None;
            }
            (_, Some(fixed)) => fixed,
            (_, None) => {
                self.push(
                    Diagnostic::error(Code::NoHttpPort, node.name_span, format!("layer type `{}` serves no HTTP, so it cannot take a load balancer", ty.name))
                        .help("put the load balancer on an app server layer (php-app, nodejs-app, java-app, static-web, haproxy) or a custom layer with `port=`"),
                );
                return None;
            }
        };
        let mut listeners: Vec<(Listener, Span)> = Vec::new();
        let defaults = ty.health_check.clone();
        let mut health = HealthCheck {
            path: defaults.as_ref().map_or("/".into(), |d| d.path.clone()),
            interval_secs: defaults.as_ref().map_or(30, |d| d.interval_secs),
            healthy: defaults.as_ref().map_or(2, |d| d.healthy),
            unhealthy: defaults.as_ref().map_or(3, |d| d.unhealthy),
        };
        let mut ok = true;
        for kid in kids {
            let before = self.errors;
            match kid.name.as_str() {
                "listener" => {
                    if let Some(l) = self.listener(kid, region) {
                        let same = |a: &Listener, b: &Listener| {
                            std::mem::discriminant(a) == std::mem::discriminant(b)
                        };
                        if let Some((_, first)) = listeners.iter().find(|(x, _)| same(x, &l)) {
                            self.push(duplicate(
                                "listener",
                                if matches!(l, Listener::Http) {
                                    "http"
                                } else {
                                    "https"
                                },
                                kid.name_span,
                                *first,
                            ));
                        } else {
                            listeners.push((l, kid.name_span));
                        }
                    }
                }
                "health-check" => self.health_check(kid, &mut health),
                _ => {}
            }
            ok &= self.errors == before;
        }
        if listeners.is_empty() {
            listeners.push((Listener::Http, node.name_span));
        }
        ok.then(|| {
            (
                LoadBalancer {
                    listeners: firsts(listeners),
                    health_check: health,
                },
                port,
            )
        })
    }

    fn listener(&mut self, node: &Node, region: Option<&str>) -> Option<Listener> {
        self.shape(node, &nodes::LISTENER);
        let v = self.arg(node, 0, "a protocol (http or https)")?;
        match self.string(v, "protocol")? {
            "http" => {
                if let Some(c) = node.prop("certificate") {
                    self.push(
                        Diagnostic::error(
                            Code::UnknownProperty,
                            c.span,
                            "an http listener takes no certificate",
                        )
                        .help("write `listener https certificate=...` for TLS"),
                    );
                    return None;
                }
                Some(Listener::Http)
            }
            "https" => {
                let c = self.prop(node, "certificate", true)?;
                let text = self.string(c, "certificate")?;
                match units::arn(text) {
                    Ok(arn) if arn.service == "acm" && arn.resource.starts_with("certificate/") => {
                        if let Some(region) = region.filter(|r| *r != arn.region) {
                            self.push(
                                Diagnostic::error(Code::CertificateRegion, c.span, format!("the certificate is in {}, the stack in {region}", arn.region))
                                    .label("other region")
                                    .help(format!("an ALB needs an ACM certificate of its own region: request or import one in {region}")),
                            );
                            return None;
                        }
                        Some(Listener::Https {
                            certificate: text.into(),
                        })
                    }
                    Ok(_) => {
                        self.push(
                            Diagnostic::error(Code::BadArn, c.span, "not an ACM certificate ARN")
                                .label("expected arn:aws:acm:REGION:ACCOUNT:certificate/ID")
                                .help("copy the certificate's ARN from the ACM console or `aws acm list-certificates`"),
                        );
                        None
                    }
                    Err(message) => {
                        self.push(
                            Diagnostic::error(Code::BadArn, c.span, message)
                                .label("invalid ARN")
                                .help("copy the certificate's ARN from the ACM console or `aws acm list-certificates`"),
                        );
                        None
                    }
                }
            }
            other => {
                self.push(
                    Diagnostic::error(
                        Code::WrongType,
                        v.span,
                        format!("unknown listener protocol `{other}`"),
                    )
                    .help(did_you_mean(other, &["http", "https"])),
                );
                None
            }
        }
    }

    fn health_check(&mut self, node: &Node, health: &mut HealthCheck) {
        self.shape(node, &nodes::HEALTH_CHECK);
        if let Some(v) = node.prop("path") {
            if let Some(p) = self
                .parsed(v, "health-check path", Code::BadPath, |s| {
                    if s.starts_with('/') {
                        Ok(s.to_string())
                    } else {
                        Err(format!("`{s}` must start with `/`"))
                    }
                })
                .filter(|p| self.no_control(v.span, p, "health-check path"))
            {
                health.path = p;
            }
        }
        if let Some(v) = node.prop("interval") {
            if let Some(secs) = self.duration(v, "interval") {
                if (5..=300).contains(&secs) {
                    health.interval_secs = secs;
                } else {
                    self.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            v.span,
                            "a health-check interval is 5s to 300s",
                        )
                        .label("out of range"),
                    );
                }
            }
        }
        for (key, slot) in [
            ("healthy", &mut health.healthy),
            ("unhealthy", &mut health.unhealthy),
        ] {
            if let Some(v) = node.prop(key) {
                if let Some(n) = self.int(v, key, 2, 10) {
                    *slot = n as u32;
                }
            }
        }
    }

    fn scaling(&mut self, node: &Node) -> Option<Scaling> {
        let kids = self.shape(node, &nodes::SCALING);
        let mut bounds = Some((1, 1));
        let (mut up, mut down, mut schedule) = (None, None, None);
        let mut ok = true;
        for kid in kids {
            let before = self.errors;
            match kid.name.as_str() {
                "instances" => {
                    self.shape(kid, &nodes::INSTANCES);
                    bounds = self.bounds(kid);
                }
                "load" => (up, down) = self.load(kid),
                "schedule" => schedule = self.schedule(kid),
                _ => {}
            }
            ok &= self.errors == before;
        }
        let (min, max) = bounds?;
        // A group whose min is its max gets one instance of room above max
        // for rolling updates (see emit::cfn::layer): a load rule could use
        // that room and has none of its own, so it is left out, with a
        // warning (an environment pinning a layer to one size is common).
        if (up.is_some() || down.is_some()) && min == max {
            let span = kids
                .iter()
                .find(|k| k.name == "load")
                .map_or(node.name_span, |k| k.name_span);
            self.push(
                Diagnostic::warning(
                    Code::LoadRulesInert,
                    span,
                    format!("these load rules can never act: min and max are both {min}"),
                )
                .label("no scaling policy is emitted for them")
                .help(format!(
                    "raise max above {min} in `instances` to let them scale, or remove `load`"
                )),
            );
            up = None;
            down = None;
        }
        ok.then_some(Scaling {
            min,
            max,
            up,
            down,
            schedule,
        })
    }

    /// `min=` and `max=` with 0 <= min <= max <= 1000.
    fn bounds(&mut self, node: &Node) -> Option<(u32, u32)> {
        let min = self
            .prop(node, "min", true)
            .and_then(|v| self.int(v, "min", 0, 1000));
        let max = self
            .prop(node, "max", true)
            .and_then(|v| self.int(v, "max", 0, 1000));
        let (min, max) = (min?, max?);
        if min > max {
            let span = node.prop("max").map_or(node.name_span, |v| v.span);
            self.push(
                Diagnostic::error(
                    Code::ScalingRange,
                    span,
                    format!("max={max} is below min={min}"),
                )
                .label("below min")
                .help(format!("raise max to at least {min}, or lower min")),
            );
            return None;
        }
        Some((min as u32, max as u32))
    }

    fn load(&mut self, node: &Node) -> (Option<LoadRule>, Option<LoadRule>) {
        let kids = self.shape(node, &nodes::LOAD);
        let mut up: Option<(LoadRule, Span)> = None;
        let mut down: Option<(LoadRule, Span)> = None;
        for kid in kids {
            match kid.name.as_str() {
                "up" => up = self.load_rule(kid, &nodes::UP, "above", "add"),
                "down" => down = self.load_rule(kid, &nodes::DOWN, "below", "remove"),
                _ => {}
            }
        }
        if kids.is_empty() && node.children.is_some() {
            self.push(
                Diagnostic::error(Code::MissingNode, node.name_span, "`load` has no rules")
                    .help("add `up cpu-above=70 for=\"5m\" add=1` and `down cpu-below=25 for=\"15m\" remove=1`"),
            );
        }
        if let (Some((u, _)), Some((d, dspan))) = (&up, &down) {
            if u.metric.name == d.metric.name && d.threshold >= u.threshold {
                self.push(
                    Diagnostic::error(
                        Code::ScalingThresholds,
                        *dspan,
                        format!(
                            "scale-in threshold ({}) is not below scale-out threshold ({}) for {}",
                            d.threshold, u.threshold, u.metric.name
                        ),
                    )
                    .label("not below the up threshold")
                    .help("leave a gap between the two, such as up at 70 and down at 25"),
                );
                return (None, None);
            }
        }
        (up.map(|(r, _)| r), down.map(|(r, _)| r))
    }

    fn load_rule(
        &mut self,
        node: &Node,
        def: &'static NodeDef,
        dir: &str,
        count_key: &str,
    ) -> Option<(LoadRule, Span)> {
        let keys: Vec<String> = ["cpu", "memory", "load"]
            .iter()
            .map(|m| format!("{m}-{dir}"))
            .collect();
        self.shape(node, def);
        let given: Vec<_> = node
            .props
            .iter()
            .filter(|p| keys.iter().any(|k| p.key == *k))
            .collect();
        let Some(first) = given.first() else {
            self.push(
                Diagnostic::error(
                    Code::MissingProperty,
                    node.name_span,
                    format!("`{}` needs a threshold", node.name),
                )
                .help(format!(
                    "add one of {}",
                    keys.iter()
                        .map(|k| format!("{k}="))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return None;
        };
        if let Some(second) = given.iter().skip(1).find(|p| p.key != first.key) {
            self.push(
                Diagnostic::error(
                    Code::DuplicateProperty,
                    second.value.span,
                    format!("`{}` takes one threshold", node.name),
                )
                .related(first.value.span, "first threshold")
                .help("a rule watches one metric; keep one threshold"),
            );
            return None;
        }
        let metric_name = first.key.split('-').next().unwrap_or("cpu");
        let max = if metric_name == "load" { 1000.0 } else { 100.0 };
        let threshold = self.number(&first.value, &first.key, 0.0, max);
        let period = match node.prop("for") {
            Some(v) => self.period(v),
            None => Some(300),
        };
        let count = match node.prop(count_key) {
            Some(v) => self.int(v, count_key, 1, 100),
            None => Some(1),
        };
        let metric = self.std.metric(metric_name)?.clone();
        Some((
            LoadRule {
                metric,
                threshold: threshold?,
                period_secs: period?,
                count: count? as u32,
            },
            first.value.span,
        ))
    }

    /// An alarm or scaling period: whole minutes, 1 minute to 1 day.
    fn period(&mut self, v: &Value) -> Option<u64> {
        let secs = self.duration(v, "period")?;
        if secs < 60 || secs % 60 != 0 || secs > 86_400 {
            self.push(
                Diagnostic::error(
                    Code::BadDuration,
                    v.span,
                    "CloudWatch evaluates whole minutes, from 1m to 1d",
                )
                .label("not whole minutes")
                .help(format!(
                    "use a whole number of minutes, such as for=\"{}m\"",
                    (secs / 60).clamp(1, 1440)
                )),
            );
            return None;
        }
        Some(secs)
    }

    fn schedule(&mut self, node: &Node) -> Option<Schedule> {
        let kids = self.shape(node, &nodes::SCHEDULE);
        let timezone = match node.prop("timezone") {
            Some(v) => self.timezone(v),
            None => Some(chrono_tz::UTC),
        };
        let mut entries = Vec::new();
        let mut ok = true;
        for kid in kids {
            if kid.name != "at" {
                ok = false;
                continue;
            }
            self.shape(kid, &nodes::AT);
            let when = self
                .arg(kid, 0, "days and a time such as \"mon-fri 07:00\"")
                .and_then(|v| self.parsed(v, "schedule", Code::BadSchedule, units::day_time));
            let bounds = self.bounds(kid);
            match (when, bounds) {
                (Some((days, at)), Some((min, max))) => entries.push(ScheduleEntry {
                    days,
                    at,
                    min,
                    max,
                    span: kid.args[0].span,
                }),
                _ => ok = false,
            }
        }
        if kids.is_empty() {
            self.push(
                Diagnostic::error(
                    Code::MissingNode,
                    node.name_span,
                    "`schedule` has no entries",
                )
                .help("add entries such as `at \"mon-fri 07:00\" min=1 max=3`"),
            );
            return None;
        }
        Some(Schedule {
            timezone: timezone?,
            entries: exact(entries),
            span: node.prop("timezone").map_or(node.name_span, |v| v.span),
        })
        .filter(|_| ok)
    }

    fn logs(&mut self, node: &Node, retention: &mut Option<(u32, Span)>) -> Vec<String> {
        self.shape(node, &nodes::LOGS);
        if node.args.is_empty() {
            self.arg(node, 0, "a log file path");
        }
        if let Some(v) = node.prop("retention") {
            if let Some(days) = self.retention(v) {
                match retention {
                    Some((d, first)) if *d != days => self.push(
                        Diagnostic::error(
                            Code::BadRetention,
                            v.span,
                            format!("the layer's logs already keep {d} days"),
                        )
                        .related(*first, "set here")
                        .help("a layer's log files share one log group: give the retention once"),
                    ),
                    _ => *retention = Some((days, v.span)),
                }
            }
        }
        node.args
            .iter()
            .filter_map(|v| {
                self.parsed(v, "log file path", Code::BadPath, absolute_path)
                    .filter(|p| self.no_control(v.span, p, "log file path"))
            })
            .collect()
    }

    fn retention(&mut self, v: &Value) -> Option<u32> {
        let secs = self.duration(v, "retention")?;
        let days = secs / 86_400;
        if secs % 86_400 == 0 && units::RETENTION_DAYS.contains(&(days as u32)) {
            return Some(days as u32);
        }
        let closest = units::RETENTION_DAYS
            .iter()
            .min_by_key(|d| (i64::from(**d) - days as i64).abs())
            .copied()
            .unwrap_or(30);
        self.push(
            Diagnostic::error(Code::BadRetention, v.span, "CloudWatch Logs does not offer this retention")
                .label("not a CloudWatch retention")
                .help(format!("the closest one is retention=\"{closest}d\"; `stackc explain bad_retention` lists them")),
        );
        None
    }

    fn alarms(&mut self, nodes: &[&Node], has_lb: bool) -> Option<Vec<Alarm>> {
        let mut out: Vec<(Alarm, Span)> = Vec::new();
        let mut ok = true;
        for node in nodes {
            let before = self.errors;
            if let Some(a) = self.alarm(node, has_lb) {
                if let Some((_, first)) = out.iter().find(|(x, _)| x.name == a.name) {
                    self.push(duplicate("alarm", &a.name, node.args[0].span, *first));
                } else {
                    out.push((a, node.args[0].span));
                }
            }
            ok &= self.errors == before;
        }
        ok.then(|| firsts(out))
    }

    fn alarm(&mut self, node: &Node, has_lb: bool) -> Option<Alarm> {
        self.shape(node, &nodes::ALARM);
        let name = self
            .arg(node, 0, "a name")
            .and_then(|v| self.name(v, "alarm name"));
        let metric = self.prop(node, "metric", true).and_then(|v| {
            let text = self.string(v, "metric")?;
            let Some(m) = self.std.metric(text) else {
                let names: Vec<&str> = self.std.metrics.iter().map(|m| m.name.as_str()).collect();
                self.push(
                    Diagnostic::error(
                        Code::UnknownMetric,
                        v.span,
                        format!("unknown metric `{text}`"),
                    )
                    .label("unknown metric")
                    .help(did_you_mean(text, &names)),
                );
                return None;
            };
            if m.source == MetricSource::LoadBalancer && !has_lb {
                self.push(
                    Diagnostic::error(
                        Code::MetricNeedsLoadBalancer,
                        v.span,
                        format!("`{text}` comes from a load balancer, and this layer has none"),
                    )
                    .label("needs a load balancer")
                    .help("add a `load-balancer` block to the layer, or use cpu, memory or load"),
                );
                return None;
            }
            Some(m.clone())
        });
        let (comparison, threshold) = match (node.prop("above"), node.prop("below")) {
            (Some(a), None) => (Comparison::Above, a),
            (None, Some(b)) => (Comparison::Below, b),
            (Some(_), Some(b)) => {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateProperty,
                        b.span,
                        "an alarm takes `above=` or `below=`, not both",
                    )
                    .help("make two alarms for two thresholds"),
                );
                return None;
            }
            (None, None) => {
                self.push(
                    Diagnostic::error(
                        Code::MissingProperty,
                        node.name_span,
                        "the alarm needs `above=` or `below=`",
                    )
                    .help("for example `alarm errors-5xx metric=target-5xx above=20 for=\"5m\"`"),
                );
                return None;
            }
        };
        let percent = metric.as_ref().is_some_and(|m| m.unit == "Percent");
        let threshold = self.number(
            threshold,
            "threshold",
            0.0,
            if percent { 100.0 } else { 1e9 },
        );
        let period = match node.prop("for") {
            Some(v) => self.period(v),
            None => Some(300),
        };
        Some(Alarm {
            name: name?,
            metric: metric?,
            comparison,
            threshold: threshold?,
            period_secs: period?,
        })
    }

    fn attribute(
        &mut self,
        node: &Node,
        ty: &LayerType,
        attributes: &mut serde_json::Value,
        in_block: bool,
    ) {
        let Some(spec) = ty.attributes.iter().find(|a| a.name == node.name) else {
            let mut accepted: Vec<&str> = if in_block {
                Vec::new()
            } else {
                nodes::LAYER.kid_names()
            };
            accepted.extend(ty.attributes.iter().map(|a| a.name.as_str()));
            let place = if in_block {
                format!("`attributes` of a {} layer", ty.name)
            } else {
                format!("a {} layer", ty.name)
            };
            self.unknown_node(node, &place, &accepted);
            return;
        };
        self.shape(node, &nodes::ATTRIBUTE);
        let Some(v) = self.arg(node, 0, "a value") else {
            return;
        };
        let value = match &spec.ty {
            AttributeType::String => self
                .string(v, &spec.name)
                .filter(|text| self.attribute_text(v, &spec.name, text))
                .map(serde_json::Value::from),
            AttributeType::Boolean => self.boolean(v, &spec.name).map(serde_json::Value::from),
            AttributeType::Integer { min, max } => self
                .int(v, &spec.name, *min, *max)
                .map(serde_json::Value::from),
            AttributeType::Size { unit_bytes } => {
                self.size(v, &spec.name).map(|b| (b / unit_bytes).into())
            }
            AttributeType::Duration => self.duration(v, &spec.name).map(serde_json::Value::from),
            AttributeType::Enum { values } => self.string(v, &spec.name).and_then(|s| {
                if values.iter().any(|x| x == s) {
                    return Some(s.into());
                }
                let names: Vec<&str> = values.iter().map(String::as_str).collect();
                self.push(
                    Diagnostic::error(
                        Code::WrongType,
                        v.span,
                        format!("`{s}` is not a value of {}", spec.name),
                    )
                    .help(did_you_mean(s, &names)),
                );
                None
            }),
        };
        if let Some(value) = value {
            set_path(attributes, &spec.json, value);
        }
    }

    /// `on`: the host exists and has instances; types may share; ports differ.
    fn colocation(&mut self, heads: &[Head], layers: &mut [Layer]) -> bool {
        let mut ok = true;
        for (index, head) in heads.iter().enumerate() {
            let Some((host, span)) = &head.on else {
                continue;
            };
            let Some(target) = heads.iter().find(|h| &h.name == host) else {
                let names: Vec<&str> = heads.iter().map(|h| h.name.as_str()).collect();
                self.push(
                    Diagnostic::error(
                        Code::UnknownLayer,
                        *span,
                        format!("there is no layer `{host}`"),
                    )
                    .label("unknown layer")
                    .help(did_you_mean(host, &names)),
                );
                ok = false;
                continue;
            };
            if target.name == head.name || target.on.is_some() {
                self.push(
                    Diagnostic::error(
                        Code::ColocatedChain,
                        *span,
                        format!("layer `{host}` has no instances of its own"),
                    )
                    .label(if target.name == head.name {
                        "a layer cannot run on itself"
                    } else {
                        "itself `on` another layer"
                    })
                    .help("name a layer without `on`"),
                );
                ok = false;
                continue;
            }
            // Every layer on this host, the host included, must share with
            // this one. Two guests are compared once, at the later one.
            let earlier_guests = heads[..index]
                .iter()
                .filter(|o| o.on.as_ref().map(|x| &x.0) == Some(&target.name));
            for other in std::iter::once(target).chain(earlier_guests) {
                if !shares(head.ty, other.ty) {
                    self.push(
                        Diagnostic::error(
                            Code::IncompatibleLayers,
                            *span,
                            format!(
                                "a {} layer cannot share an instance with a {} layer",
                                head.ty.name, other.ty.name
                            ),
                        )
                        .related(
                            other.node.name_span,
                            format!("`{}` is {}", other.name, other.ty.name),
                        )
                        .help(format!(
                            "{} shares with: {}",
                            head.ty.name,
                            head.ty.shares_with.join(", ")
                        )),
                    );
                    ok = false;
                } else if let Some(port) =
                    head.ports().into_iter().find(|p| other.ports().contains(p))
                {
                    self.push(
                        Diagnostic::error(
                            Code::PortConflict,
                            *span,
                            format!(
                                "`{}` and `{}` both listen on port {port}",
                                head.name, other.name
                            ),
                        )
                        .related(
                            other.node.name_span,
                            format!("`{}` listens on {port}", other.name),
                        )
                        .help("give this layer instances of its own (remove `on`)"),
                    );
                    ok = false;
                }
            }
            let host = layers
                .iter()
                .find(|l| l.name == target.name)
                .map(|l| (l.instance_type.clone(), l.chef.clone()));
            if let (Some((t, chef)), Some(layer)) =
                (host, layers.iter_mut().find(|l| l.name == head.name))
            {
                layer.instance_type = t;
                layer.chef = chef;
            }
        }
        ok
    }
}

fn shares(a: &LayerType, b: &LayerType) -> bool {
    a.shares_with.contains(&b.name) && b.shares_with.contains(&a.name)
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

/// Sets `a.b.c` in a JSON object tree.
fn set_path(root: &mut serde_json::Value, path: &str, value: serde_json::Value) {
    let mut cur = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !cur.is_object() {
            *cur = serde_json::Value::Object(Default::default());
        }
        let map = cur.as_object_mut().expect("just made an object");
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        cur = map
            .entry(part.to_string())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
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
