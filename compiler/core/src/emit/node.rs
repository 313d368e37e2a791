//! Node JSON: the merged attribute tree one Chef run receives, per instance
//! group (a layer with instances of its own, plus the layers `on` it) and
//! lifecycle event. The shape is documented in `docs/node-json.md`; OpsWorks'
//! Chef 11.10 field names are kept so OpsWorks cookbooks read it unchanged.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::check::json::deep_merge;
use crate::ir::{App, AppType, Database, Event, Layer, Network, Source, Stack};
use crate::stdlib::OsFamily;

/// Where each app is deployed to on the instance.
pub const DEPLOY_ROOT: &str = "/srv/www";
/// Releases kept on an instance (OpsWorks' default).
pub const KEEP_RELEASES: u32 = 5;
/// Directory the agent writes resolved secrets to.
pub const SECRETS_DIR: &str = "/etc/stackc/secrets";

/// The layers that run on the instances of `host`, in declared order
/// (`host` itself included).
pub fn instance_layers<'a>(stack: &'a Stack, host: &Layer) -> Vec<&'a Layer> {
    stack
        .layers
        .iter()
        .filter(|l| l.name == host.name || l.on.as_deref() == Some(host.name.as_str()))
        .collect()
}

/// The layer whose instances carry `layer` (itself unless it is `on` another).
pub fn host_of<'a>(stack: &'a Stack, layer: &'a Layer) -> &'a Layer {
    layer
        .on
        .as_deref()
        .and_then(|h| stack.layer(h))
        .unwrap_or(layer)
}

/// Where the CloudWatch Logs groups of a layer are: each deployment of the
/// stack names its group `<prefix>/<the CloudFormation stack's id>`, and
/// `stackc destroy` keeps it, so a stack deployed again makes a fresh group
/// and the earlier ones stay readable under the same prefix. The instance
/// learns its groups' names from its bootstrap (see `with_log_groups`).
pub fn log_group_prefix(stack: &Stack, layer: &str) -> String {
    format!("/stackc/{}/{}", stack.qualified_name(), layer)
}

/// Stands for the id of a CloudFormation stack in sample log group names.
pub const SAMPLE_STACK_ID: &str = "5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b";

/// The log groups of the layers of a tree's instances, as a deployment of
/// stack id `stack_id` names them (the agent adds the real ones, which the
/// bootstrap has from the template, as `stackc.log_groups`).
pub fn sample_log_groups(stack: &Stack, host: &Layer, stack_id: &str) -> BTreeMap<String, String> {
    instance_layers(stack, host)
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                format!("{}/{stack_id}", log_group_prefix(stack, &l.name)),
            )
        })
        .collect()
}

/// The run list of an event on the instances of `host`: each layer's
/// recipes, layer by layer, first occurrence kept.
pub fn run_list(stack: &Stack, host: &Layer, event: Event) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for layer in instance_layers(stack, host) {
        for recipe in layer.recipes.get(&event).into_iter().flatten() {
            let name = recipe.run_list_name();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The part of the node JSON every instance group and event shares:
/// `opsworks.stack` and `opsworks.layers` (bundle file `nodes/stack.json`).
pub fn stack_part(stack: &Stack) -> Value {
    let mut opsworks_layers = Map::new();
    for layer in &stack.layers {
        opsworks_layers.insert(
            layer.name.clone(),
            json!({
                "id": layer.name,
                "name": layer.name,
                "type": layer.type_name,
                "port": layer.http_port.or(layer.ports.first().copied()),
                "host": host_of(stack, layer).name,
                "instances": {},
            }),
        );
    }
    // One entry per layer with a load balancer; the agent adds its name and
    // DNS name once the stack is deployed.
    let load_balancers: Vec<Value> = stack
        .layers
        .iter()
        .filter(|l| l.load_balancer.is_some())
        .map(|l| json!({ "layer_id": l.name, "layer": l.name, "name": null, "dns_name": null }))
        .collect();
    let vpc_id = match &stack.network {
        Network::Existing { vpc_id, .. } => json!(vpc_id),
        Network::NewVpc { .. } => Value::Null,
    };
    json!({
        "opsworks": {
            "stack": {
                "id": stack.qualified_name(),
                "name": stack.name,
                "env": stack.env,
                "region": stack.region,
                "vpc_id": vpc_id,
                "elb-load-balancers": load_balancers,
                "rds_instances": [],
            },
            "layers": opsworks_layers,
        },
    })
}

/// The custom JSON of the stack with the environment's merged over it
/// (bundle file `nodes/custom.json`), merged last.
pub fn custom_part(stack: &Stack) -> Value {
    let mut custom = stack.custom_json.clone();
    deep_merge(&mut custom, &stack.env_custom_json);
    custom
}

/// The part of the node JSON of `event` on the instances of `host` (bundle
/// file `nodes/<host>/<event>.json`): the activity, the instance, its apps,
/// the layers' type attributes and the run list.
pub fn group_part(stack: &Stack, host: &Layer, event: Event) -> Value {
    let layers = instance_layers(stack, host);
    let layer_names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    // OpsWorks ran Deploy (and Undeploy, Rollback) on every online instance
    // of the stack: each saw every app, the app's own layer deploying it.
    // Other events carry the apps of the instance's layers.
    let every_app = every_app(event);
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
    let memcached_here = stack
        .layers
        .iter()
        .any(|l| l.type_name == "memcached" && layer_names.contains(&l.name.as_str()));
    let mut deploy = Map::new();
    for app in apps.iter().filter(|_| !every_app || memcached_here) {
        deploy.insert(app.name.clone(), deploy_entry(stack, app, &layer_names));
    }

    let mut log_files = Map::new();
    for layer in &layers {
        log_files.insert(layer.name.clone(), json!(layer.logs));
    }

    let mut tree = json!({
        "opsworks": {
            "activity": event.name(),
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
    for layer in &layers {
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

/// Merges the parts in DESIGN.md's order (stack data, the apps of a
/// deploy, layer attributes, custom JSON; objects deep-merged, arrays
/// replaced); the run list of the group part always wins. The agent does
/// the same with jq (live.jq).
pub fn merge_parts(
    stack_part: &Value,
    apps_part: Option<&Value>,
    group_part: &Value,
    custom_part: &Value,
) -> Value {
    let mut tree = stack_part.clone();
    if let Some(apps) = apps_part {
        deep_merge(&mut tree, apps);
    }
    deep_merge(&mut tree, group_part);
    deep_merge(&mut tree, custom_part);
    for key in ["run_list", "opsworks_custom_cookbooks"] {
        tree[key] = group_part[key].clone();
    }
    tree
}

/// The whole node JSON of `event` on the instances of `host` (a layer with
/// instances of its own), as a Chef run receives it before live data.
pub fn node_json(stack: &Stack, host: &Layer, event: Event) -> Value {
    merge_parts(
        &stack_part(stack),
        every_app(event).then(|| apps_part(stack)).as_ref(),
        &group_part(stack, host, event),
        &custom_part(stack),
    )
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
fn os_group(stack: &Stack, app_type: AppType) -> &'static str {
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
fn domains(app: &App) -> Vec<String> {
    let mut domains = Vec::new();
    for site in &app.sites {
        domains.push(site.domain.clone());
        domains.extend(site.aliases.iter().cloned());
    }
    domains
}

/// An `s3://bucket/key` source as the HTTPS URL OpsWorks gave S3 apps
/// (path style, in the stack's region), which OpsWorks' `scm_helper`
/// parses into bucket, key and region. `None` for a URL without a key.
pub fn s3_https_url(s3: &str, region: &str) -> Option<String> {
    let (bucket, key) = s3.strip_prefix("s3://")?.split_once('/')?;
    if bucket.is_empty() || key.is_empty() {
        return None;
    }
    let mut path = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            path.push(b as char);
        } else {
            path.push_str(&format!("%{b:02X}"));
        }
    }
    Some(format!("https://s3.{region}.amazonaws.com/{bucket}/{path}"))
}

/// `deploy.<app>` as OpsWorks Chef 11.10 shaped it (with the defaults its
/// `deploy` cookbook's attributes computed), plus `layer`, `sites` and
/// `secrets` (SSM parameter names, never values).
fn deploy_entry(stack: &Stack, app: &App, instance_layers: &[&str]) -> Value {
    let group = os_group(stack, app.app_type);
    let (scm_type, repository, revision, key_secret, s3_uri) = match &app.source {
        Source::Git {
            url,
            revision,
            ssh_key_secret,
        } => (
            "git",
            url.clone(),
            Some(revision.as_str()),
            ssh_key_secret.as_deref(),
            None,
        ),
        Source::S3 { url } => (
            "s3",
            s3_https_url(url, &stack.region).unwrap_or_else(|| url.clone()),
            None,
            None,
            Some(url.as_str()),
        ),
        Source::Http { url } => ("archive", url.clone(), None, None, None),
    };
    let domains = domains(app);
    let env: Map<String, Value> = app.env.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let deploy_to = format!("{DEPLOY_ROOT}/{}", app.name);
    let current_path = format!("{deploy_to}/current");
    let document_root = app.sites.first().map_or("", |s| s.root.as_str());
    let absolute_document_root = if document_root.is_empty() {
        format!("{current_path}/")
    } else {
        format!("{current_path}/{document_root}/")
    };
    // OpsWorks' `environment`: its defaults, then the app's variables.
    let mut environment = Map::new();
    for (k, v) in [
        ("RAILS_ENV", "production"),
        ("RUBYOPT", ""),
        ("RACK_ENV", "production"),
        ("HOME", DEPLOY_ROOT),
    ] {
        environment.insert(k.into(), json!(v));
    }
    environment.extend(env.clone());
    let app_layer = stack.layer(&app.layer);
    let port = app_layer
        .and_then(|l| l.http_port.or(l.ports.first().copied()))
        .unwrap_or(80);
    let service = format!("{}.service", app.name);
    let nodejs = if app.app_type == AppType::Nodejs {
        json!({
            "port": port,
            "restart_command": format!("systemctl restart {service}"),
            "stop_command": format!("systemctl stop {service}"),
        })
    } else {
        json!({ "port": port, "restart_command": null, "stop_command": null })
    };
    let secrets: Map<String, Value> = app
        .secrets
        .iter()
        .map(|s| (s.name.clone(), json!(s.ssm)))
        .collect();
    let memcached = stack
        .layers
        .iter()
        .find(|l| l.type_name == "memcached")
        .map(|m| {
            let local = instance_layers.contains(&m.name.as_str());
            json!({
                "host": if local { json!("127.0.0.1") } else { Value::Null },
                "port": m.ports.first().copied().unwrap_or(11211),
                "layer": m.name,
            })
        })
        .unwrap_or_else(|| json!({ "host": null, "port": 11211 }));
    json!({
        "application": app.name,
        "application_type": app.app_type,
        "layer": app.layer,
        "domains": domains,
        "sites": app.sites.iter().map(|s| json!({
            "domain": s.domain,
            "aliases": s.aliases,
            "document_root": s.root,
        })).collect::<Vec<_>>(),
        "document_root": document_root,
        "absolute_document_root": absolute_document_root,
        "deploy_to": deploy_to,
        "current_path": current_path,
        "user": DEPLOY_USER,
        "group": group,
        "home": DEPLOY_ROOT,
        "shell": DEPLOY_SHELL,
        "keep_releases": KEEP_RELEASES,
        "chef_provider": "Timestamped",
        "action": "deploy",
        "scm": {
            "scm_type": scm_type,
            "repository": repository,
            "revision": revision,
            "user": null,
            "password": null,
            "ssh_key": null,
            "ssh_key_secret": key_secret,
            "s3_uri": s3_uri,
        },
        "environment_variables": env,
        "environment": environment,
        "secrets": secrets,
        "ssl_support": false,
        "ssl_certificate": null,
        "ssl_certificate_key": null,
        "ssl_certificate_ca": null,
        "migrate": false,
        "rails_env": "production",
        "rake": "rake",
        "migrate_command": "if [ -f Gemfile ]; then echo 'OpsWorks: Gemfile found - running migration with bundle exec' && /usr/local/bin/bundle exec rake db:migrate; else echo 'OpsWorks: no Gemfile - running plain migrations' && rake db:migrate; fi",
        "restart_command": null,
        "sleep_before_restart": 0,
        "auto_bundle_on_deploy": true,
        "auto_npm_install_on_deploy": true,
        "enable_submodules": true,
        "shallow_clone": false,
        "delete_cached_copy": true,
        "purge_before_symlink": ["log", "tmp/pids", "public/system"],
        "create_dirs_before_symlink": ["tmp", "public", "config"],
        "ignore_bundler_groups": ["test", "development"],
        "nodejs": nodejs,
        "mounted_at": null,
        "deploying_user": null,
        "stack": { "needs_reload": false },
        "database": app.database.as_ref().map(database).unwrap_or_else(|| json!({})),
        "memcached": memcached,
        "symlinks": { "system": "public/system", "pids": "tmp/pids", "log": "log" },
        "symlink_before_migrate": {},
    })
}

fn database(db: &Database) -> Value {
    json!({
        "adapter": db.adapter,
        "type": db.adapter,
        "data_source_provider": null,
        "host": db.host,
        "port": db.port,
        "database": db.name,
        "username": db.user,
        "password": null,
        "password_secret": db.password_secret,
        "reconnect": true,
    })
}

/// Stands for the id of the VPC stackc creates in sample live data.
pub const SAMPLE_VPC_ID: &str = "vpc-00000000000000001";

/// Sample live data for offline node JSON (`stackc node-json` without
/// `--instances`), in the format of the agent's `live.json` (`live.jq`'s
/// `$live`): `min` instances of each group (at least one, at most four),
/// all online, in the stack's first two zones, with private addresses from
/// 10.0.0.0/16 and no public one, in the stack's VPC ([`SAMPLE_VPC_ID`] for
/// a new one); this instance is the first of `host`; log groups as a
/// deployment with [`SAMPLE_STACK_ID`] names them; no load balancer found
/// (the stack is not deployed).
pub fn sample_live(stack: &Stack, host: &Layer, event: Event) -> Value {
    // Instances run in private subnets: no public address.
    let vpc_id = match &stack.network {
        Network::Existing { vpc_id, .. } => vpc_id.clone(),
        Network::NewVpc { .. } => SAMPLE_VPC_ID.to_string(),
    };
    let mut instances = Vec::new();
    for (li, layer) in stack
        .layers
        .iter()
        .filter(|l| l.has_instances())
        .enumerate()
    {
        let count = layer.scaling.as_ref().map_or(1, |s| s.min.max(1)).min(4);
        for n in 0..count {
            let ip = format!("10.0.{}.{}", li + 1, n + 10);
            instances.push(json!({
                "id": format!("i-{:08x}{:09x}", li + 1, n + 1),
                "layer": layer.name,
                "private_ip": ip,
                "private_dns_name": format!("ip-{}.{}.compute.internal", ip.replace('.', "-"), stack.region),
                "public_ip": null,
                "public_dns_name": null,
                "availability_zone": format!("{}{}", stack.region, if n % 2 == 0 { 'a' } else { 'b' }),
                "instance_type": layer.instance_type.name,
                "vpc_id": vpc_id,
                "vcpus": layer.instance_type.vcpus,
                "lifecycle_state": "InService",
            }));
        }
    }
    let mut live = json!({
        "event": event.name(),
        "app": null,
        "recipes": null,
        "sent_at": null,
        "deployment": null,
        "log_groups": sample_log_groups(stack, host, SAMPLE_STACK_ID),
        "self": null,
        "instances": instances,
        "load_balancers": [],
    });
    live["self"] = self_of(&live, &host.name);
    live
}

/// `self` as the agent reads it from IMDS, taken from the first instance of
/// `host` in the live data's `instances` (null when it has none); without
/// `architecture`, the build-time one stays.
pub fn self_of(live: &Value, host: &str) -> Value {
    live["instances"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["layer"] == host)
        .map(|i| {
            json!({
                "id": i["id"],
                "private_ip": i["private_ip"],
                "availability_zone": i["availability_zone"],
                "instance_type": i["instance_type"],
            })
        })
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What OpsWorks' `scm_helper` (OpsWorks::SCM::S3.parse_uri) reads from
    /// a path-style URL: the bucket is the first path segment, the key the
    /// rest, the region the host between `s3.` and `.amazonaws.com`.
    fn parse_path_style(url: &str) -> (String, String, String) {
        let rest = url.strip_prefix("https://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let region = host
            .strip_prefix("s3.")
            .and_then(|h| h.strip_suffix(".amazonaws.com"))
            .unwrap();
        let (bucket, key) = path.split_once('/').unwrap();
        (bucket.into(), key.into(), region.into())
    }

    #[test]
    fn s3_sources_read_as_opsworks_gave_them() {
        let url =
            s3_https_url("s3://shop-releases/site/2026-11-20.tar.gz", "eu-central-1").unwrap();
        assert_eq!(
            url,
            "https://s3.eu-central-1.amazonaws.com/shop-releases/site/2026-11-20.tar.gz"
        );
        assert_eq!(
            parse_path_style(&url),
            (
                "shop-releases".into(),
                "site/2026-11-20.tar.gz".into(),
                "eu-central-1".into()
            )
        );
        // A key with characters a URI may not hold is percent-encoded.
        assert_eq!(
            s3_https_url("s3://b/a key+v1.tgz", "us-east-1").unwrap(),
            "https://s3.us-east-1.amazonaws.com/b/a%20key%2Bv1.tgz"
        );
        // `stackc import opsworks` reads it back to the stack file's form.
        assert_eq!(
            crate::import::opsworks::apps::s3_url(&url).as_deref(),
            Some("s3://shop-releases/site/2026-11-20.tar.gz")
        );
        assert_eq!(s3_https_url("s3://bucket-only", "us-east-1"), None);
        assert_eq!(s3_https_url("s3://b/", "us-east-1"), None);
    }
    /// The apps part and a group's part give each instance of a deploy
    /// every app's entry as that instance computes it (goldcar and shop:
    /// memcached on its own instances, and on an app layer's), with a
    /// group repeating no entry of another layer's app unless it differs.
    #[test]
    fn a_deploy_carries_every_app_as_its_instance_sees_it_once_in_the_bundle() {
        for file in ["goldcar", "shop"] {
            let path = format!(
                "{}/../../examples/{file}/stack.kdl",
                env!("CARGO_MANIFEST_DIR")
            );
            let source = std::fs::read_to_string(&path).unwrap();
            let opts = crate::check::Options {
                base_dir: std::path::Path::new("/stack"),
                files: &crate::check::AllExist,
            };
            let (program, _) = crate::check::check_source(&source, &opts);
            let program = program.expect("the example checks");
            for stack in &program.environments {
                let apps = apps_part(stack);
                for host in stack.layers.iter().filter(|l| l.has_instances()) {
                    let names: Vec<&str> = instance_layers(stack, host)
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect();
                    for event in [Event::Deploy, Event::Undeploy, Event::Rollback] {
                        let group = group_part(stack, host, event);
                        let tree = merge_parts(&json!({}), Some(&apps), &group, &json!({}));
                        let expected: Map<String, Value> = stack
                            .apps
                            .iter()
                            .map(|a| (a.name.clone(), deploy_entry(stack, a, &names)))
                            .collect();
                        assert_eq!(
                            tree["deploy"],
                            Value::Object(expected),
                            "{file} {}",
                            host.name
                        );
                        let listed = tree["opsworks"]["applications"].as_array().unwrap();
                        assert_eq!(listed.len(), stack.apps.len(), "{file} {}", host.name);
                        assert!(group["opsworks"].get("applications").is_none());
                        let memcached_here = instance_layers(stack, host)
                            .iter()
                            .any(|l| l.type_name == "memcached");
                        let repeated = group["deploy"].as_object().map_or(0, Map::len);
                        assert_eq!(repeated > 0, memcached_here, "{file} {}", host.name);
                    }
                }
            }
        }
    }
}
