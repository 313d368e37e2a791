//! An app's `deploy` entry: source, environment, database and the rest of
//! what OpsWorks' deploy cookbook reads.

use serde_json::{json, Map, Value};

use super::group::domains;
use super::group::os_group;
use super::group::DEPLOY_SHELL;
use super::group::DEPLOY_USER;
use super::{DEPLOY_ROOT, KEEP_RELEASES};
use crate::ir::{App, AppType, Database, Source, Stack};

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
pub(super) fn deploy_entry(stack: &Stack, app: &App, instance_layers: &[&str]) -> Value {
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
