//! A group's part of the node JSON: the layers, instances and apps its
//! instances see, and what the built-in layer types need (HAProxy's backends).

use serde_json::{json, Map, Value};

use super::deploy::deploy_entry;
use super::{run_list, DEPLOY_ROOT, KEEP_RELEASES, SECRETS_DIR};
use crate::check::json::deep_merge;
use crate::ir::{App, AppType, Event, Layer, Stack};
use crate::stdlib::OsFamily;

/// The part of the node JSON of `event` on the instances of `host` (bundle
/// file `nodes/<host>/<event>.json`): the activity, the instance, its apps,
/// the layers' type attributes and the run list.
pub fn group_part(stack: &Stack, host: &Layer, event: Event) -> Value {
    GroupParts::new(stack, host).part(event)
}

/// The parts of one group's node JSON, event by event: what does not depend
/// on the event is made once (a 1,000-layer build makes 6,000 parts).
pub struct GroupParts<'a> {
    stack: &'a Stack,
    host: &'a Layer,
    layers: Vec<&'a Layer>,
    /// The tree before its activity, attributes and run list, for events
    /// with the apps part and for the others (see [`every_app`]).
    bases: [Option<Value>; 2],
}

impl<'a> GroupParts<'a> {
    /// The parts of the group of `host`.
    pub fn new(stack: &'a Stack, host: &'a Layer) -> Self {
        GroupParts {
            stack,
            host,
            layers: stack.instance_layers(host),
            bases: [None, None],
        }
    }

    /// The host layer of the group.
    pub fn host(&self) -> &'a Layer {
        self.host
    }

    /// The part of `event`.
    pub fn part(&mut self, event: Event) -> Value {
        let (stack, host) = (self.stack, self.host);
        let slot = usize::from(every_app(event));
        let mut tree = match &self.bases[slot] {
            Some(base) => base.clone(),
            None => {
                let base = base(stack, host, &self.layers, every_app(event));
                self.bases[slot] = Some(base.clone());
                base
            }
        };
        tree["opsworks"]["activity"] = json!(event.name());
        for layer in &self.layers {
            deep_merge(&mut tree, &layer.attributes);
        }
        let recipes = run_list(stack, host, event);
        let obj = tree.as_object_mut().expect("the tree is an object");
        obj.insert(
            "run_list".into(),
            json!(recipes
                .iter()
                .map(|r| format!("recipe[{r}]"))
                .collect::<Vec<_>>()),
        );
        obj.insert(
            "opsworks_custom_cookbooks".into(),
            json!({ "enabled": true, "recipes": recipes }),
        );
        tree
    }
}

/// What a group's part holds whatever the event, but for the apps: those
/// of its layers, or (`every_app`) none but where the apps part's entries
/// differ. The activity is set later, before the layers' attributes,
/// which may change it.
fn base(stack: &Stack, host: &Layer, layers: &[&Layer], every_app: bool) -> Value {
    let layer_names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    // OpsWorks ran Deploy (and Undeploy, Rollback) on every online instance
    // of the stack: each saw every app, the app's own layer deploying it.
    // Other events carry the apps of the instance's layers.
    let apps: Vec<&App> = stack
        .apps
        .iter()
        .filter(|a| every_app || layer_names.contains(&a.layer.as_str()))
        .collect();

    // On those events `deploy` is in the apps part, which every group
    // shares: a group's own part repeats an entry only where it differs
    // there, and it differs only on an instance of the memcached layer
    // (`memcached.host`). Every group carrying every app would grow with
    // the square of the stack (1,000 layers: gigabytes).
    let memcached_here = layers.iter().any(|l| l.type_name == "memcached");
    let mut deploy = Map::new();
    for app in apps.iter().filter(|_| !every_app || memcached_here) {
        deploy.insert(app.name.clone(), deploy_entry(stack, app, &layer_names));
    }

    let mut log_files = Map::new();
    for layer in layers {
        log_files.insert(layer.name.clone(), json!(layer.logs));
    }

    let mut tree = json!({
        "opsworks": {
            "activity": null,
            "sent_at": null,
            "deployment": null,
            "agent_version": concat!("stackc ", env!("CARGO_PKG_VERSION")),
            // What the agent fills on the instance is null here.
            "instance": {
                "layers": layer_names,
                "instance_type": host.instance_type.name,
                "architecture": host.instance_type.arch,
                "region": stack.region,
                "os": stack.os.name,
                "backends": backends(host.instance_type.vcpus),
                "private_dns_name": null,
                "ip": null,
                "public_dns_name": null,
                "status": null,
            },
            // The defaults of OpsWorks' `deploy` and `opsworks_initial_setup`
            // attributes, as stackc's cookbooks make them true.
            "deploy_user": {
                "user": DEPLOY_USER,
                "group": os_group(stack, AppType::Php),
                "shell": DEPLOY_SHELL,
                "home": DEPLOY_ROOT,
            },
            "deploy_keep_releases": KEEP_RELEASES,
            "deploy_chef_provider": "Timestamped",
            "rails": { "ignore_bundler_groups": ["test", "development"] },
            "rails_stack": { "name": null },
            "ruby_stack": "ruby",
            "ruby_version": CHEF_RUBY_VERSION,
            "run_cookbook_tests": false,
            "skip_uninstall_of_other_rails_stack": false,
        },
        "deploy": deploy,
        // OpsWorks' `deploy` cookbook's log rotation of the apps' logs, and
        // `opsworks_initial_setup` (no bind mounts: `/srv` is a volume).
        "logrotate": { "rotate": 30, "dateformat": false },
        "opsworks_initial_setup": {},
        "stackc": {
            "stack": stack.name,
            "env": stack.env,
            "region": stack.region,
            "host_layer": host.name,
            "layers": layer_names,
            "os": stack.os.name,
            "os_family": stack.os.family,
            "timezone": "UTC",
            "log_files": log_files,
            "secrets_dir": SECRETS_DIR,
            "metrics_namespace": "CWAgent",
        },
    });
    // Every app's on those events: the apps part's.
    if !every_app {
        tree["opsworks"]["applications"] = applications(&apps);
    }
    if layers.iter().any(|l| l.type_name == "haproxy") {
        deep_merge(&mut tree, &json!({ "haproxy": haproxy(stack) }));
    }
    tree
}

/// Whether an event's node JSON carries every app of the stack (OpsWorks
/// ran Deploy, Undeploy and Rollback on every online instance), in the
/// bundle's apps part (`nodes/apps.json`).
pub fn every_app(event: Event) -> bool {
    matches!(event, Event::Deploy | Event::Undeploy | Event::Rollback)
}

/// The part of the node JSON of a deploy, undeploy or rollback every group
/// shares (bundle file `nodes/apps.json`): `deploy.<app>` of every app, as
/// an instance outside the memcached layer sees it.
pub fn apps_part(stack: &Stack) -> Value {
    let deploy: Map<String, Value> = stack
        .apps
        .iter()
        .map(|app| (app.name.clone(), deploy_entry(stack, app, &[])))
        .collect();
    let apps: Vec<&App> = stack.apps.iter().collect();
    json!({ "opsworks": { "applications": applications(&apps) }, "deploy": deploy })
}

/// `opsworks.applications`: name, slug and type of each app.
fn applications(apps: &[&App]) -> Value {
    apps.iter()
        .map(|a| {
            json!({
                "name": a.name,
                "slug_name": a.name,
                "application_type": a.app_type,
            })
        })
        .collect()
}

/// The user every app is deployed as.
pub const DEPLOY_USER: &str = "deploy";

/// The login shell `stackc_deploy` gives that user (a system user).
pub const DEPLOY_SHELL: &str = "/sbin/nologin";

/// The Ruby of the Chef client the instances run (Cinc 18).
pub const CHEF_RUBY_VERSION: &str = "3.1";

/// HAProxy's weight of an instance with `vcpus` (OpsWorks' `backends`).
pub fn backends(vcpus: u32) -> u32 {
    vcpus.max(1)
}

/// The group an app of `app_type` is deployed with on the stack's OS.
pub(super) fn os_group(stack: &Stack, app_type: AppType) -> &'static str {
    let amazon = stack.os.family == OsFamily::Amazon;
    match app_type {
        AppType::Php if amazon => "apache",
        AppType::Static if amazon => "nginx",
        AppType::Php | AppType::Static => "www-data",
        AppType::Nodejs | AppType::Java | AppType::Other => "deploy",
    }
}

/// What OpsWorks gave HAProxy layers: `<type>_applications` (app → its
/// domains) by application type, and `<type>_backends` by app server layer
/// type, filled by the agent with the online instances of those layers.
fn haproxy(stack: &Stack) -> Value {
    let mut out = Map::new();
    for kind in HAPROXY_KINDS {
        let apps: Map<String, Value> = stack
            .apps
            .iter()
            .filter(|a| a.app_type.name() == kind)
            .map(|a| {
                (
                    a.name.clone(),
                    json!({ "domains": domains(a), "mounted_at": null }),
                )
            })
            .collect();
        out.insert(format!("{kind}_applications"), Value::Object(apps));
        out.insert(format!("{kind}_backends"), json!([]));
    }
    Value::Object(out)
}

/// The kinds of app servers OpsWorks' HAProxy knew (stackc has no Rails
/// layer: its lists stay empty).
pub const HAPROXY_KINDS: [&str; 5] = ["rails", "php", "nodejs", "static", "java"];

/// Every domain of an app: each site's domain, then its aliases.
pub(super) fn domains(app: &App) -> Vec<String> {
    let mut domains = Vec::new();
    for site in &app.sites {
        domains.push(site.domain.clone());
        domains.extend(site.aliases.iter().cloned());
    }
    domains
}
