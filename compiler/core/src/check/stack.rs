//! A stack's own nodes: region, OS, cookbooks, notifications, working hours,
//! and the rules between them.

use std::path::PathBuf;

use super::targets::Home;
use super::{app_names, prod, Checker};
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::ir::{Nat, Network, Stack, WorkingHours};
use crate::schema::nodes;
use crate::stdlib;
use crate::syntax::Node;
use crate::units;

impl Checker<'_> {
    pub(super) fn stack(
        &mut self,
        name: Option<&str>,
        nodes: &[&Node],
        env: &str,
        env_custom_json: serde_json::Value,
        targets_node: Option<&Node>,
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
        let targets = targets_node.map(|n| self.targets(n));
        let target_regions: Vec<&str> = match &targets {
            Some(Some(t)) => t.regions(),
            _ => Vec::new(),
        };
        let home = match (&targets, &region) {
            (Some(Some(_)), _) => Home::Targets(&target_regions),
            (None, Some(region)) => Home::Region(region),
            _ => Home::Unknown,
        };
        if let (Some(node), Some(Some(t)), Some(network)) = (targets_node, &targets, &network) {
            self.existing_vpc_in_targets(nodes, network, node, t);
        }
        // A bad `chef` node is reported; the layers are checked with the default.
        let chef = chef.unwrap_or_default();
        let layers = self.layers(nodes, home, cookbooks.as_deref(), &chef);
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
            targets: match targets {
                None => None,
                Some(t) => Some(t?),
            },
            index: Default::default(),
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
