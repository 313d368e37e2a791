//! Apps: type, the layer they deploy to, source, sites, environment and
//! secrets. An app stackc cannot deploy as it was is written commented out
//! (`/-app`), with the reason above it, so nothing is lost.

use super::layers::Planned;
use super::model::{App, Source};
use super::Ctx;
use crate::import::kdl::{Item, Node};
use crate::stdlib;
use crate::units;

/// Words that make a variable name look secret (as the checker's `secret_literal`).
const SECRET_WORDS: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY"];

/// The app's items: a node, or a comment and a disabled node.
pub fn items(
    cx: &mut Ctx,
    stack: &str,
    app: &App,
    plans: &[Planned],
    taken: &mut Vec<String>,
) -> Vec<Item> {
    let name = super::unique_name(&app.shortname, "app", taken);
    let subject = format!("app \"{name}\"");
    if name != app.shortname {
        cx.warn(
            &subject,
            format!(
                "OpsWorks short name `{}` renamed `{name}` (stackc names are lowercase letters, digits and dashes, at most 32)",
                app.shortname
            ),
        );
    }
    let ty = match app.kind.as_str() {
        t @ ("php" | "nodejs" | "java" | "static" | "other") => t,
        "rails" => {
            cx.warn(&subject, "stackc has no Rails app type: the app is `other`, deployed by the layer's recipes (RailsEnv, migrations and bundler are theirs to run)");
            "other"
        }
        t => {
            cx.warn(
                &subject,
                format!("OpsWorks app type `{t}` becomes `other`, deployed by the layer's recipes"),
            );
            "other"
        }
    };
    let mut problems: Vec<String> = Vec::new();
    let layer = match layer_for(cx, &subject, &app.kind, ty, plans) {
        Some(l) => l,
        None => {
            problems.push(format!(
                "no layer of the stack runs {ty} apps: add one and set `layer=`"
            ));
            "none".to_string()
        }
    };
    let mut node = Node::new("app").s(&name).ps("type", ty).ps("layer", &layer);
    let mut ssm = Vec::new();
    let mut key_secret = None;
    match source(cx, &subject, app.app_source.as_ref()) {
        Ok((src, false)) => node.child(src),
        Ok((src, true)) => {
            let key_name = unused("DEPLOY_SSH_KEY", app);
            let path = format!("/{stack}/{name}/deploy-ssh-key");
            node.child(src.ps("ssh-key-secret", &key_name));
            key_secret = Some((Node::new("secret").s(key_name).ps("ssm", &path), path));
        }
        Err(why) => problems.push(why),
    }
    if let Some(site) = site(cx, &subject, app, &layer) {
        node.child(site);
    }
    env(cx, &subject, stack, &name, app, &mut node, &mut ssm);
    if let Some((k, path)) = key_secret {
        node.child(k);
        ssm.push(path);
    }
    if !ssm.is_empty() {
        cx.warn(
            &subject,
            format!(
                "create the SSM SecureString parameters {} with the values from OpsWorks (describe-apps does not return them)",
                ssm.join(", ")
            ),
        );
    }
    if app.enable_ssl == Some(true) {
        cx.warn(&subject, "OpsWorks served it over HTTPS with the app's own certificate: import the certificate into ACM and give the layer's load-balancer `listener https certificate=ARN`");
    }
    for ds in app
        .data_sources
        .iter()
        .filter(|d| d.kind.as_deref() != Some("None"))
    {
        cx.warn(
            &subject,
            format!(
                "its database {} ({}) is not imported: add `database host=... name={} user=... password-secret=...` with the endpoint, and the password as a `secret`",
                ds.database_name.as_deref().unwrap_or("?"),
                ds.arn.as_deref().unwrap_or("no ARN"),
                ds.database_name.as_deref().unwrap_or("...")
            ),
        );
    }
    if problems.is_empty() {
        return vec![Item::Node(node)];
    }
    let reason = problems.join("; ");
    cx.warn(&subject, format!("written commented out (/-app): {reason}"));
    vec![
        Item::Comment(format!("Commented out: {reason}.")),
        Item::Disabled(node),
    ]
}

/// The layer an app deploys to: the layer of OpsWorks' matching built-in
/// type, else a stackc layer type that runs the app type, else a custom
/// layer. Layers that run on another layer's instances run no apps.
fn layer_for(
    cx: &mut Ctx,
    subject: &str,
    kind: &str,
    ty: &str,
    plans: &[Planned],
) -> Option<String> {
    let std = stdlib::get();
    let native = match kind {
        "php" => "php-app",
        "nodejs" => "nodejs-app",
        "java" => "java-app",
        "rails" => "rails-app",
        "static" => "web",
        "aws-flow-ruby" => "aws-flow-ruby",
        _ => "",
    };
    let own: Vec<&Planned> = plans.iter().filter(|p| p.on.is_none()).collect();
    let runs = |p: &Planned| {
        std.layer_types
            .get(p.ty)
            .is_some_and(|t| t.app_types.iter().any(|a| a.name() == ty))
    };
    let tiers: [Vec<&Planned>; 3] = [
        own.iter()
            .copied()
            .filter(|p| p.src.kind == native)
            .collect(),
        own.iter()
            .copied()
            .filter(|p| p.ty != "custom" && runs(p))
            .collect(),
        own.iter().copied().filter(|p| p.ty == "custom").collect(),
    ];
    let tier = tiers.into_iter().find(|t| !t.is_empty())?;
    if tier.len() > 1 {
        let others: Vec<&str> = tier[1..].iter().map(|p| p.name.as_str()).collect();
        cx.warn(
            subject,
            format!(
                "deployed to layer {}, the first of the layers that can run it (also {}); OpsWorks deployed to the instances you chose: change `layer=`, or copy the app for another layer",
                tier[0].name,
                others.join(", ")
            ),
        );
    }
    Some(tier[0].name.clone())
}

/// The `source` node, and whether it needs an SSH key secret; or why the
/// source cannot be carried over.
fn source(cx: &mut Ctx, subject: &str, src: Option<&Source>) -> Result<(Node, bool), String> {
    let Some(src) = src else {
        return Err("it has no source".into());
    };
    let url = src.url.as_deref().unwrap_or("").trim();
    let kind = src.kind.as_deref().unwrap_or("");
    let filtered = |s: &Option<String>| s.as_deref().is_some_and(|v| !v.is_empty());
    match kind {
        "git" => {
            let ok = url.starts_with("https://")
                || url.starts_with("ssh://")
                || (url.starts_with("git@") && url.contains(':'));
            if !ok {
                return Err(format!("stackc fetches git over https://, ssh:// or git@host:repo, not `{url}`"));
            }
            let mut node = Node::new("source").ps("git", url);
            match src.revision.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => node = node.ps("revision", r),
                None => cx.warn(subject, "no revision: OpsWorks deployed the repository's default branch, stackc deploys `main`; set `revision=` if the branch is another"),
            }
            if filtered(&src.username) || filtered(&src.password) {
                cx.warn(subject, "the git user and password are not imported: use an SSH deploy key (`ssh-key-secret=`) or a public https URL");
            }
            let key = filtered(&src.ssh_key) && !url.starts_with("https://");
            Ok((node, key))
        }
        "s3" => {
            let Some(s3) = s3_url(url) else {
                return Err(format!("`{url}` is not an S3 object URL stackc can read"));
            };
            if filtered(&src.username) {
                cx.warn(subject, "the access key OpsWorks used for the archive is not imported: instances fetch s3= sources with their instance role, which stackc allows to read that object (a bucket encrypted with a customer-managed KMS key must also let the role decrypt)");
            }
            Ok((Node::new("source").ps("s3", s3), false))
        }
        "archive" => {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("`{url}` is not an http(s) archive URL"));
            }
            if filtered(&src.username) || filtered(&src.password) {
                cx.warn(subject, "the archive's user and password are not imported: stackc fetches http= sources without credentials; move the archive to S3 (`s3=`)");
            }
            Ok((Node::new("source").ps("http", url), false))
        }
        "svn" => Err("stackc deploys git repositories and archives, not Subversion: move the code to git, or export it to an archive".into()),
        other => Err(format!("source type `{other}` is not one stackc deploys")),
    }
}

/// `https://bucket.s3.amazonaws.com/key`, `https://s3.amazonaws.com/bucket/key`
/// or `https://s3-eu-west-1.amazonaws.com/bucket/key` as `s3://bucket/key`.
pub fn s3_url(url: &str) -> Option<String> {
    if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/')?;
        return (!bucket.is_empty() && !key.is_empty()).then(|| url.to_string());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let path = path.split(['?', '#']).next().unwrap_or("");
    if !host.ends_with(".amazonaws.com") {
        return None;
    }
    let (bucket, key) = if host.starts_with("s3.") || host.starts_with("s3-") {
        path.split_once('/')?
    } else {
        let at = host.find(".s3.").or_else(|| host.find(".s3-"))?;
        (&host[..at], path)
    };
    (!bucket.is_empty() && !key.is_empty()).then(|| format!("s3://{bucket}/{key}"))
}

/// One `site`: OpsWorks made one virtual host of an app, its first domain
/// the server name and the others aliases.
fn site(cx: &mut Ctx, subject: &str, app: &App, layer: &str) -> Option<Node> {
    let mut domains: Vec<&str> = Vec::new();
    for d in &app.domains {
        let d = d.trim();
        let served = cx.domains.entry(layer.to_string()).or_default();
        if units::domain(d).is_err() {
            cx.warn(
                subject,
                format!("domain `{d}` is not a host name: left out"),
            );
        } else if served.iter().any(|x| x == d) {
            if !domains.contains(&d) {
                cx.warn(
                    subject,
                    format!("domain `{d}` is already another app's on layer {layer}: left out"),
                );
            }
        } else {
            served.push(d.to_string());
            domains.push(d);
        }
    }
    let root = app
        .attributes
        .get("DocumentRoot")
        .and_then(|r| r.as_deref())
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let root = root.and_then(|r| {
        let clean = r
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        if clean.split('/').any(|p| p == "..") {
            cx.warn(
                subject,
                format!("document root `{r}` leaves the release: left out"),
            );
            return None;
        }
        // What the checker refuses in a path (`portable_path`) is left out
        // here, so that the stack file checks.
        if let Some(c) = crate::check::values::unsafe_path_character(clean) {
            cx.warn(
                subject,
                format!(
                    "document root `{r}` holds {}, which stackc does not take in a path: left out",
                    crate::check::values::describe(c)
                ),
            );
            return None;
        }
        if clean != r.trim_end_matches('/') {
            cx.warn(
                subject,
                format!("document root `{r}` is taken relative to the release: `{clean}`"),
            );
        }
        Some(clean.to_string()).filter(|c| !c.is_empty())
    });
    let Some((first, aliases)) = domains.split_first() else {
        if let Some(r) = root {
            cx.warn(subject, format!("document root `{r}` is not imported: stackc sets it per site, and the app has no domains; add `site DOMAIN root={r}`"));
        }
        return None;
    };
    let mut node = Node::new("site").s(*first);
    if !aliases.is_empty() {
        node = node.ps("alias", aliases.join(" "));
    }
    if let Some(r) = root {
        node = node.ps("root", r);
    }
    Some(node)
}

/// `env` and `secret` nodes. Secure variables (whose values OpsWorks does
/// not return) and variables that look secret become SSM parameters.
fn env(
    cx: &mut Ctx,
    subject: &str,
    stack: &str,
    app_name: &str,
    app: &App,
    node: &mut Node,
    ssm: &mut Vec<String>,
) {
    let mut secrets = Vec::new();
    let mut exposed = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for var in &app.environment {
        let key = var.key.as_str();
        if seen.contains(&key) {
            cx.warn(
                subject,
                format!("environment variable `{key}` is given twice: the first is kept"),
            );
            continue;
        }
        seen.push(key);
        let valid = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            cx.warn(
                subject,
                format!("environment variable `{key}` has a name stackc does not accept: left out"),
            );
            continue;
        }
        let upper = key.to_ascii_uppercase();
        let looks_secret = SECRET_WORDS.iter().any(|w| upper.contains(w));
        if var.secure == Some(true) || looks_secret {
            let path = format!("/{stack}/{app_name}/{key}");
            if var.secure != Some(true) {
                exposed.push(key.to_string());
            }
            ssm.push(path.clone());
            secrets.push(Node::new("secret").s(key).ps("ssm", path));
        } else {
            node.child(
                Node::new("env")
                    .s(key)
                    .s(var.value.as_deref().unwrap_or("")),
            );
        }
    }
    for s in secrets {
        node.child(s);
    }
    if !exposed.is_empty() {
        cx.warn(
            subject,
            format!(
                "not Secure in OpsWorks, but named like secrets, so written as secrets (the values are in describe-apps.json, not in the stack file): {}",
                exposed.join(", ")
            ),
        );
    }
}

/// `base`, or `base_2`... when the app already has a variable of that name.
fn unused(base: &str, app: &App) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while app.environment.iter().any(|v| v.key == name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}
