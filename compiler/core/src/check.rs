//! AST to typed IR: every rule of the language, every error of a file
//! reported in one run, one resolved `Stack` per environment.

mod app;
mod chef;
mod hours;
pub(crate) mod json;
mod layer;
mod overlay;
mod prod;
mod read;
#[cfg(test)]
mod tests;
pub(crate) mod values;
mod vet;

pub(crate) use vet::computed_origin;
pub use vet::deployment_json_problems;

use std::path::{Path, PathBuf};

pub use json::deep_merge;

use crate::diag::{self, did_you_mean, Code, Diagnostic, Severity, Span};
use crate::ir::{Nat, Network, Program, Stack, WorkingHours};
use crate::schema::nodes;
use crate::stdlib::{self, Stdlib};
use crate::syntax::{self, Document, Node};
use crate::units;

/// What the checker may ask of the file system: whether user recipes exist.
pub trait Files {
    /// True when `path` is a file.
    fn is_file(&self, path: &Path) -> bool;
    /// True when `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// The names of the files in the directory `dir` (for "did you mean";
    /// none by default).
    fn file_names(&self, _dir: &Path) -> Vec<String> {
        Vec::new()
    }
}

/// The real file system.
pub struct RealFiles;

impl Files for RealFiles {
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn file_names(&self, dir: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect()
    }
}

/// A file system where every path exists, for tests and benchmarks that
/// check stack files without their cookbooks.
pub struct AllExist;

impl Files for AllExist {
    fn is_file(&self, _: &Path) -> bool {
        true
    }
    fn is_dir(&self, _: &Path) -> bool {
        true
    }
}

/// Inputs besides the source text.
pub struct Options<'a> {
    /// Directory of the stack file; relative paths resolve against it.
    pub base_dir: &'a Path,
    /// File system access for user cookbooks.
    pub files: &'a dyn Files,
}

/// Parses and checks a stack file. Returns the program when there is no
/// error, and every diagnostic (warnings too), sorted by position.
pub fn check_source(source: &str, opts: &Options) -> (Option<Program>, Vec<Diagnostic>) {
    match syntax::parse(source) {
        Ok(doc) => check(&doc, opts),
        Err(diags) => (None, diags),
    }
}

/// Checks a parsed document.
pub fn check(doc: &Document, opts: &Options) -> (Option<Program>, Vec<Diagnostic>) {
    let (program, diags) = run(doc, opts, Keep::All);
    let program = program.map(|(name, _, environments)| Program { name, environments });
    (program, diags)
}

/// A checked stack: its name and its environments' names, `production`
/// first, as in [`Program`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The stack's name.
    pub name: String,
    /// The environments' names, in the order of [`Program::environments`].
    pub environments: Vec<String>,
}

/// Checks a parsed document as [`check`] does (the same diagnostics) but
/// keeps no environment: each is resolved, checked and dropped. With
/// [`environment`] a caller holds one resolved environment at a time.
pub fn outline(doc: &Document, opts: &Options) -> (Option<Outline>, Vec<Diagnostic>) {
    let (program, diags) = run(doc, opts, Keep::None);
    let outline = program.map(|(name, environments, _)| Outline { name, environments });
    (outline, diags)
}

/// Parses and checks a stack file as [`outline`] does.
pub fn outline_source(source: &str, opts: &Options) -> (Option<Outline>, Vec<Diagnostic>) {
    match syntax::parse(source) {
        Ok(doc) => outline(&doc, opts),
        Err(diags) => (None, diags),
    }
}

/// The environment `env` of a document, resolved alone: the same `Stack` as
/// in [`check`]'s program, when the document has no error and that
/// environment. The diagnostics are those of the stack and that environment
/// (for a document [`outline`] found clean, none but its warnings).
pub fn environment(doc: &Document, opts: &Options, env: &str) -> (Option<Stack>, Vec<Diagnostic>) {
    let (program, diags) = run(doc, opts, Keep::Only(env));
    (
        program.and_then(|(_, _, mut environments)| environments.pop()),
        diags,
    )
}

/// Parses a stack file and resolves one environment, as [`environment`].
pub fn environment_source(
    source: &str,
    opts: &Options,
    env: &str,
) -> (Option<Stack>, Vec<Diagnostic>) {
    match syntax::parse(source) {
        Ok(doc) => environment(&doc, opts, env),
        Err(diags) => (None, diags),
    }
}

/// Which resolved environments a run keeps.
#[derive(Clone, Copy, PartialEq)]
enum Keep<'k> {
    All,
    None,
    /// This one, and no other is checked.
    Only(&'k str),
}

/// Checks `doc`: the stack's name, every environment's name, and the kept
/// environments, when there is no error.
#[allow(clippy::type_complexity)]
fn run(
    doc: &Document,
    opts: &Options,
    keep: Keep,
) -> (Option<(String, Vec<String>, Vec<Stack>)>, Vec<Diagnostic>) {
    let mut cx = Checker {
        std: stdlib::get(),
        opts,
        diags: Vec::new(),
        errors: 0,
        cookbooks_missing: false,
    };
    let program = cx.program(doc, keep);
    let mut diags = cx.diags;
    diag::normalize(&mut diags);
    let program = program.filter(|_| !diag::has_errors(&diags));
    (program, diags)
}

pub(crate) struct Checker<'a> {
    std: &'static Stdlib,
    opts: &'a Options<'a>,
    diags: Vec<Diagnostic>,
    /// How many of `diags` are errors: a part of the file is usable when
    /// checking it added none (warnings do not count).
    errors: usize,
    /// The stack names a cookbooks directory that does not exist.
    cookbooks_missing: bool,
}

impl Checker<'_> {
    pub(super) fn push(&mut self, d: Diagnostic) {
        if d.severity == Severity::Error {
            self.errors += 1;
        }
        self.diags.push(d);
    }

    fn program(&mut self, doc: &Document, keep: Keep) -> Option<(String, Vec<String>, Vec<Stack>)> {
        let stacks: Vec<&Node> = doc.nodes.iter().filter(|n| n.name == "stack").collect();
        for node in doc.nodes.iter().filter(|n| n.name != "stack") {
            self.unknown_node(node, "the file", &["stack"]);
        }
        for extra in stacks.iter().skip(1) {
            self.push(
                Diagnostic::error(
                    Code::DuplicateNode,
                    extra.name_span,
                    "a file holds one stack",
                )
                .related(stacks[0].name_span, "the first stack")
                .help("put each stack in its own file"),
            );
        }
        let Some(stack) = stacks.first() else {
            let span = doc.nodes.first().map_or(Span::new(0, 0), |n| n.name_span);
            self.push(
                Diagnostic::error(Code::MissingStack, span, "the file has no `stack` node")
                    .label("expected `stack NAME { ... }`")
                    .help("start the file with `stack my-app { region eu-west-1 ... }`"),
            );
            return None;
        };
        let kids = self.shape(stack, &nodes::STACK);
        let name = self
            .arg(stack, 0, "a name")
            .and_then(|v| self.name(v, "stack name"));
        let base: Vec<&Node> = kids.iter().filter(|k| k.name != "environment").collect();
        let envs: Vec<&Node> = kids.iter().filter(|k| k.name == "environment").collect();

        let mut env_names: Vec<(String, Span)> = Vec::new();
        let mut overrides: Vec<(String, &Node)> = Vec::new();
        for env in &envs {
            self.shape(env, &nodes::ENVIRONMENT);
            let Some(env_name) = self
                .arg(env, 0, "a name")
                .and_then(|v| self.name(v, "environment name"))
            else {
                continue;
            };
            if let Some((_, first)) = env_names.iter().find(|(n, _)| *n == env_name) {
                self.push(duplicate(
                    "environment",
                    &env_name,
                    env.args[0].span,
                    *first,
                ));
                continue;
            }
            env_names.push((env_name.clone(), env.args[0].span));
            overrides.push((env_name, env));
        }

        // `production` first, then the others in source order.
        let production = overrides.iter().find(|(n, _)| n == "production");
        let order = std::iter::once(("production", production.map(|(_, env)| *env))).chain(
            overrides
                .iter()
                .filter(|(n, _)| n != "production")
                .map(|(n, env)| (n.as_str(), Some(*env))),
        );
        let mut names = Vec::new();
        let mut environments = Vec::new();
        for (env_name, env) in order {
            if matches!(keep, Keep::Only(only) if only != env_name) {
                continue;
            }
            if let Some(stack) = self.environment(name.as_deref(), &base, env, env_name) {
                names.push(env_name.to_string());
                if keep != Keep::None {
                    environments.push(stack);
                }
            }
        }
        Some((name?, names, environments))
    }

    /// Checks one environment: the stack's nodes with the environment's merged over them.
    fn environment(
        &mut self,
        name: Option<&str>,
        base: &[&Node],
        env: Option<&Node>,
        env_name: &str,
    ) -> Option<Stack> {
        let mut env_json = serde_json::Value::Object(Default::default());
        // The stack's nodes are borrowed; only the nodes an environment
        // overrides are copied (merged).
        let merged;
        let nodes: std::borrow::Cow<[&Node]> = match env {
            None => std::borrow::Cow::Borrowed(base),
            Some(env) => {
                let mut over = Vec::new();
                for kid in env.kids() {
                    match kid.name.as_str() {
                        "custom-json" => {
                            let kids = self.shape(kid, &nodes::CUSTOM_JSON);
                            env_json = self.custom_json(kids);
                            let apps = app_names(base.iter().copied().chain(env.kids()));
                            self.vet_custom_json(kids, &apps);
                        }
                        "layer" | "app" if !self.known_or_new(kid, base) => {}
                        n if nodes::ENVIRONMENT.kid(n).is_some() => over.push(kid),
                        // Reported with the environment's shape.
                        _ => {}
                    }
                }
                merged = overlay::overlay_refs(base, &over);
                std::borrow::Cow::Owned(merged.iter().map(|n| &**n).collect())
            }
        };
        self.stack(name, &nodes, env_name, env_json)
    }

    /// An environment's `layer`/`app` must name one of the stack's, or be a
    /// complete new one (with `type=`).
    fn known_or_new(&mut self, node: &Node, base: &[&Node]) -> bool {
        let Some(name) = node.args.first().and_then(|v| v.as_str()) else {
            return true;
        };
        let known: Vec<&str> = base
            .iter()
            .filter(|b| b.name == node.name)
            .filter_map(|b| b.args.first().and_then(|v| v.as_str()))
            .collect();
        if known.contains(&name) || node.prop("type").is_some() {
            return true;
        }
        let code = if node.name == "layer" {
            Code::UnknownLayer
        } else {
            Code::UnknownApp
        };
        self.push(
            Diagnostic::error(
                code,
                node.args[0].span,
                format!("the stack has no {} `{name}`", node.name),
            )
            .label(format!("unknown {}", node.name))
            .help(match diag::suggest(name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? (a new {} needs `type=`)", node.name),
                None => format!(
                    "to add a new {} in this environment, give it `type=`",
                    node.name
                ),
            }),
        );
        false
    }

    fn stack(
        &mut self,
        name: Option<&str>,
        nodes: &[&Node],
        env: &str,
        env_custom_json: serde_json::Value,
    ) -> Option<Stack> {
        let mut region = None;
        let mut description = None;
        let mut os = self.std.os.get("amazon-linux-2023").cloned();
        let mut cookbooks = None;
        let mut cookbooks_span = Span::new(0, 0);
        let mut notify = Vec::new();
        let mut network = Some(Network::NewVpc {
            cidr: units::Ipv4Net::DEFAULT_VPC,
            zones: 2,
            nat: Nat::PerZone,
        });
        let mut custom_json = serde_json::Value::Object(Default::default());
        let mut working_hours = None;
        let mut chef = Some(crate::chef::Runtime::default());
        let mut region_seen = false;
        for node in nodes {
            match node.name.as_str() {
                "region" => {
                    region_seen = true;
                    self.shape(node, &nodes::REGION);
                    region = self.region(node);
                }
                "description" => {
                    self.shape(node, &nodes::DESCRIPTION);
                    description = self.str_arg(node, 0, "a description").map(str::to_string);
                }
                "os" => {
                    self.shape(node, &nodes::OS);
                    os = self.os(node);
                }
                "cookbooks" => {
                    self.shape(node, &nodes::COOKBOOKS);
                    cookbooks = self.cookbooks_dir(node);
                    cookbooks_span = node.args.first().map_or(node.name_span, |v| v.span);
                }
                "notify" => {
                    self.shape(node, &nodes::NOTIFY);
                    notify = self.notify(node);
                }
                "network" => network = self.network(node),
                "custom-json" => {
                    let kids = self.shape(node, &nodes::CUSTOM_JSON);
                    custom_json = self.custom_json(kids);
                    self.vet_custom_json(kids, &app_names(nodes.iter().copied()));
                }
                "working-hours" => working_hours = self.working_hours(node),
                "chef" => chef = self.chef(node),
                _ => {}
            }
        }
        if !region_seen {
            let span = nodes.first().map_or(Span::new(0, 0), |n| n.name_span);
            self.push(
                Diagnostic::error(Code::MissingNode, span, "the stack has no `region`")
                    .label("the stack's first node")
                    .help("add `region eu-west-1` (or your region) to the stack"),
            );
        }
        if let (Some(Network::NewVpc { nat: Nat::None, .. }), Some(os)) = (&network, &os) {
            self.ubuntu_without_internet(nodes, os);
        }
        // A bad `chef` node is reported; the layers are checked with the default.
        let chef = chef.unwrap_or_default();
        let layers = self.layers(nodes, region.as_deref(), cookbooks.as_deref(), &chef);
        if let Some(layers) = &layers {
            self.one_version_per_client(layers);
            self.builtin_cookbooks_need_chef_12_22(layers);
        }
        if let (Some(wh), Some(layers)) = (&working_hours, &layers) {
            self.bounded_schedules(env, wh, layers);
        }
        let apps = self.apps(nodes, layers.is_some());
        if let (prod::PRODUCTION, Some(layers), Some(apps)) = (env, &layers, &apps) {
            self.production_warnings(nodes, layers, apps);
        }
        Some(Stack {
            name: name?.to_string(),
            env: env.to_string(),
            region: region?,
            description,
            os: os?,
            cookbooks,
            cookbooks_span,
            notify,
            network: network?,
            custom_json,
            env_custom_json,
            working_hours,
            layers: layers?,
            apps: apps?,
        })
    }

    /// `nat=none` on Ubuntu: Canonical's package mirrors and the AWS CLI's
    /// snap are on the internet, so the image must already have what the
    /// bootstrap would install (Amazon Linux reaches its repositories, S3
    /// buckets, through the VPC's S3 endpoint).
    fn ubuntu_without_internet(&mut self, nodes: &[&Node], os: &crate::stdlib::Os) {
        if os.family != stdlib::OsFamily::Ubuntu {
            return;
        }
        let Some(nat) = nodes
            .iter()
            .filter(|n| n.name == "network")
            .flat_map(|n| n.children.as_deref().unwrap_or(&[]))
            .filter_map(|k| k.prop("nat"))
            .next_back()
        else {
            return;
        };
        self.push(
            Diagnostic::warning(
                Code::PackagesNeedInternet,
                nat.span,
                format!(
                    "{} instances with no route to the internet cannot install packages",
                    os.name
                ),
            )
            .label("no NAT gateway")
            .help("use an image that already has jq, curl and the AWS CLI (and, for volumes, nvme-cli and xfsprogs), or `nat=single`; Cinc comes from the artifact bucket either way"),
        );
    }

    fn region(&mut self, node: &Node) -> Option<String> {
        let v = self.arg(node, 0, "a region")?;
        let text = self.string(v, "region")?;
        if self.std.regions.iter().any(|r| r == text) {
            return Some(text.to_string());
        }
        let regions: Vec<&str> = self.std.regions.iter().map(String::as_str).collect();
        self.push(
            Diagnostic::error(
                Code::UnknownRegion,
                v.span,
                format!("`{text}` is not an AWS region"),
            )
            .label("unknown region")
            .help(did_you_mean(text, &regions)),
        );
        None
    }

    fn os(&mut self, node: &Node) -> Option<stdlib::Os> {
        let v = self.arg(node, 0, "an operating system")?;
        let text = self.string(v, "os")?;
        if let Some(os) = self.std.os.get(text) {
            return Some(os.clone());
        }
        let names: Vec<&str> = self.std.os.keys().map(String::as_str).collect();
        self.push(
            Diagnostic::error(
                Code::UnknownOs,
                v.span,
                format!("`{text}` is not a supported operating system"),
            )
            .label("unsupported")
            .help(did_you_mean(text, &names)),
        );
        None
    }

    fn cookbooks_dir(&mut self, node: &Node) -> Option<PathBuf> {
        let v = self.arg(node, 0, "a directory")?;
        let text = self.string(v, "cookbooks directory")?;
        let path: PathBuf = self
            .opts
            .base_dir
            .join(text)
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        if self.opts.files.is_dir(&path) {
            Some(path)
        } else {
            self.cookbooks_missing = true;
            self.push(
                Diagnostic::error(
                    Code::MissingCookbooksDir,
                    v.span,
                    format!("the cookbooks directory `{text}` does not exist"),
                )
                .label("no such directory")
                .help(format!(
                    "paths are relative to the stack file's directory ({}); create it or fix the path",
                    self.opts.base_dir.display()
                )),
            );
            None
        }
    }

    fn notify(&mut self, node: &Node) -> Vec<String> {
        if node.args.is_empty() {
            self.arg(node, 0, "an e-mail address");
        }
        let mut out = Vec::new();
        for v in &node.args {
            if let Some(e) = self.parsed(v, "e-mail address", Code::BadEmail, |s| {
                units::email(s).map(|()| s.to_string())
            }) {
                out.push(e);
            }
        }
        out
    }

    fn network(&mut self, node: &Node) -> Option<Network> {
        let kids = self.shape(node, &nodes::NETWORK);
        let mut network = None;
        let mut seen = false;
        for kid in kids.iter().filter(|k| k.name == "vpc") {
            seen = true;
            network = self.vpc(kid);
        }
        if !seen && node.children.is_some() {
            self.push(
                Diagnostic::error(Code::MissingNode, node.name_span, "`network` needs a `vpc`")
                    .help("write `vpc cidr=\"10.0.0.0/16\" zones=2` or `vpc id=vpc-... public-subnets=... private-subnets=...`"),
            );
        }
        network
    }

    fn vpc(&mut self, node: &Node) -> Option<Network> {
        self.shape(node, &nodes::VPC);
        let new = node
            .prop("cidr")
            .or(node.prop("zones"))
            .or(node.prop("nat"));
        let existing = node
            .prop("id")
            .or(node.prop("public-subnets"))
            .or(node.prop("private-subnets"));
        if let (Some(a), Some(b)) = (new, existing) {
            self.push(
                Diagnostic::error(
                    Code::NetworkConflict,
                    b.span,
                    "`vpc` both creates a VPC and names an existing one",
                )
                .related(a.span, "creates a VPC")
                .help("keep `cidr=`/`zones=` to create a VPC, or `id=` with subnets to use one"),
            );
            return None;
        }
        if existing.is_some() {
            let vpc_id = self.str_prop(node, "id", true)?;
            let subnets = |cx: &mut Self, key: &str| -> Option<Vec<String>> {
                let text = cx.str_prop(node, key, true)?;
                Some(
                    text.split([',', ' '])
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                )
            };
            let public_subnets = subnets(self, "public-subnets");
            let private_subnets = subnets(self, "private-subnets");
            return Some(Network::Existing {
                vpc_id: vpc_id.to_string(),
                public_subnets: public_subnets?,
                private_subnets: private_subnets?,
            });
        }
        let cidr = match node.prop("cidr") {
            Some(v) => self.parsed(v, "CIDR block", Code::BadCidr, units::cidr),
            None => Some(units::Ipv4Net::DEFAULT_VPC),
        };
        let zones = match node.prop("zones") {
            Some(v) => self.int(v, "zones", 1, 6),
            None => Some(2),
        };
        let nat = match node.prop("nat") {
            None => Some(Nat::PerZone),
            Some(v) => match self.string(v, "nat") {
                Some("per-zone") => Some(Nat::PerZone),
                Some("single") => Some(Nat::Single),
                Some("none") => Some(Nat::None),
                Some(other) => {
                    self.push(
                        Diagnostic::error(Code::WrongType, v.span, format!("`nat={other}` is not known"))
                            .help("use `nat=per-zone` (default, highly available), `nat=single` (cheaper) or `nat=none` (no internet; AWS's APIs through endpoints)"),
                    );
                    None
                }
                None => None,
            },
        };
        Some(Network::NewVpc {
            cidr: cidr?,
            zones: zones? as u8,
            nat: nat?,
        })
    }

    fn working_hours(&mut self, node: &Node) -> Option<WorkingHours> {
        self.shape(node, &nodes::WORKING_HOURS);
        let v = self.arg(node, 0, "hours such as \"mon-fri 08:00-20:00\"")?;
        let hours = self.parsed(
            v,
            "working hours",
            Code::BadWorkingHours,
            units::working_hours,
        );
        let timezone = match node.prop("timezone") {
            Some(v) => self.timezone(v),
            None => Some(chrono_tz::UTC),
        };
        let (days, start, end) = hours?;
        Some(WorkingHours {
            days,
            start,
            end,
            timezone: timezone?,
            span: v.span,
        })
    }
}

/// The first items of `pairs`, in a vector of exactly their number: collecting
/// in place would keep the pairs' larger buffer for as long as the IR lives.
pub(crate) fn firsts<T, U>(pairs: Vec<(T, U)>) -> Vec<T> {
    let mut out = Vec::with_capacity(pairs.len());
    out.extend(pairs.into_iter().map(|(t, _)| t));
    out
}

/// `v` without spare capacity, for lists the IR keeps.
pub(crate) fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

/// The names of the `app` nodes among `nodes`: custom-json's `deploy.<app>` keys are theirs.
fn app_names<'n>(nodes: impl Iterator<Item = &'n Node<'n>>) -> Vec<&'n str> {
    nodes
        .filter(|n| n.name == "app")
        .filter_map(|n| n.args.first().and_then(|v| v.as_str()))
        .collect()
}

pub(crate) fn duplicate(kind: &str, name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateName,
        span,
        format!("{kind} `{name}` is defined twice"),
    )
    .label("defined again here")
    .related(first, "first defined here")
    .help(format!("rename one of them; {kind} names are unique"))
}
