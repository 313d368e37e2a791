//! The apps of the architecture page: source, sites, secrets, database and
//! what each deploy runs.

use super::{heading, item, line};
use crate::emit::docs::escape::{code, text};
use crate::emit::docs::{source, Topology};
use crate::emit::node::DEPLOY_ROOT;
use crate::ir::{App, Stack};

pub(super) fn apps(md: &mut String, stack: &Stack, topo: &Topology) {
    heading(md, "## Apps");
    if stack.apps.is_empty() {
        line(md, "The stack deploys no apps.");
        return;
    }
    for (i, app) in stack.apps.iter().enumerate() {
        if i > 0 {
            line(md, "");
        }
        app_section(md, stack, app, topo);
    }
}

fn app_section(md: &mut String, stack: &Stack, app: &App, topo: &Topology) {
    line(
        md,
        &format!(
            "### App {} ({})",
            code(&app.name),
            text(app.app_type.name())
        ),
    );
    line(md, "");
    item(
        md,
        "Layer",
        &format!(
            "{}, deployed to {}",
            code(&app.layer),
            code(&format!("{DEPLOY_ROOT}/{}", app.name))
        ),
    );
    item(md, "Source", &text(&source(app)));
    for site in &app.sites {
        let aliases = if site.aliases.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = site.aliases.iter().map(|a| text(a)).collect();
            format!(" (also {})", names.join(", "))
        };
        let root = if site.root.is_empty() {
            "the release directory".to_string()
        } else {
            code(&site.root)
        };
        item(
            md,
            "Site",
            &format!("{}{aliases}, document root {root}", text(&site.domain)),
        );
    }
    if !app.env.is_empty() {
        let vars: Vec<String> = app
            .env
            .iter()
            .map(|(k, v)| format!("{}={}", code(k), code(v)))
            .collect();
        item(md, "Environment", &vars.join(", "));
    }
    if !app.secrets.is_empty() {
        let secrets: Vec<String> = app
            .secrets
            .iter()
            .map(|s| format!("{} from SSM parameter {}", code(&s.name), code(&s.ssm)))
            .collect();
        item(
            md,
            "Secrets (resolved on the instance)",
            &secrets.join(", "),
        );
    }
    if let Some(db) = &app.database {
        let password = match &db.password_secret {
            Some(s) => format!(", password from secret {}", code(s)),
            None => String::new(),
        };
        item(
            md,
            "Database",
            &format!(
                "{} {} on {}:{} as {}{password}",
                text(&db.adapter),
                code(&db.name),
                text(&db.host),
                db.port,
                code(&db.user)
            ),
        );
    }
    let cache = stack.layers.iter().find(|l| l.type_name == "memcached");
    if let Some(cache) = cache.filter(|_| crate::emit::docs::uses_memcached(app)) {
        let port = cache.ports.first().copied().unwrap_or(11211);
        let app_host = stack
            .layer(&app.layer)
            .map(|l| topo.host_of(l).name.as_str());
        let cache_host = topo.host_of(cache);
        let place = if app_host == Some(cache_host.name.as_str()) {
            format!("on the same instances (127.0.0.1:{port})")
        } else {
            format!(
                "on the instances of {} (port {port})",
                code(&cache_host.name)
            )
        };
        item(md, "Memcached", &format!("{} {place}", code(&cache.name)));
    }
}
