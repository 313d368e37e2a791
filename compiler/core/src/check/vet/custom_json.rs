//! Custom JSON, the stack file's and a deployment's: no key that stackc
//! computes, no value shaped like a credential.

use crate::check::values;
use crate::check::Checker;
use crate::diag::{Code, Diagnostic, Span};
use crate::syntax::{Node, Value, ValueKind};

/// The stack-file nodes that set the node JSON key at `path`, when
/// custom-json may not set it there: a key stackc computes, or an object it
/// fills given a value other than an object (`is_object`). `None`: the
/// user's own key. The OpsWorks import leaves such keys out.
pub(crate) fn computed_origin(path: &[&str], apps: &[&str], is_object: bool) -> Option<String> {
    match computed(path, apps, &crate::stdlib::get().layer_types) {
        Computed::Own => None,
        Computed::Object(_) if is_object => None,
        Computed::Object(origin) | Computed::Leaf(origin) => Some(origin),
    }
}

/// What is wrong with a deployment's custom JSON (`stackc run deploy
/// --custom-json FILE`), as the stack file's `custom-json` is checked: a key
/// stackc computes, or a value shaped like a credential. One sentence per
/// problem, naming the key path and what to do instead.
pub fn deployment_json_problems(json: &serde_json::Value, apps: &[&str]) -> Vec<String> {
    fn walk(
        value: &serde_json::Value,
        path: &mut Vec<String>,
        apps: &[&str],
        out: &mut Vec<String>,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    path.push(key.clone());
                    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
                    match computed_origin(&parts, apps, inner.is_object()) {
                        Some(origin) => out.push(format!(
                            "`{}` is computed by stackc; set it with {origin} in the stack file",
                            parts.join(".")
                        )),
                        None => walk(inner, path, apps, out),
                    }
                    path.pop();
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, path, apps, out);
                }
            }
            serde_json::Value::String(text) => {
                let key = path.last().map(String::as_str);
                if let Some(what) = values::credential(key, text) {
                    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
                    let (name, ssm) = values::secret_rewrite(&parts);
                    out.push(format!(
                        "`{}` looks like {what}: a deployment's custom JSON is stored in the artifact bucket and in the node JSON each instance keeps; store it in SSM Parameter Store and declare `secret {name} ssm=\"{ssm}\"` in the stack file",
                        parts.join(".")
                    ));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if !json.is_object() {
        out.push("a deployment's custom JSON must be an object (`{ ... }`)".to_string());
        return out;
    }
    walk(json, &mut Vec::new(), apps, &mut out);
    out
}

/// What stackc does with a custom-json key path.
enum Computed {
    /// The user's own key.
    Own,
    /// An object stackc fills (the user may add keys inside, not replace
    /// it); the stack-file nodes it comes from.
    Object(String),
    /// A value stackc sets; the stack-file nodes it comes from.
    Leaf(String),
}

/// Keys of `stackc` the compiler or the agent set, and where from.
const STACKC_KEYS: &[(&str, &str)] = &[
    ("stack", "the `stack` node's name"),
    ("env", "the `environment` being built"),
    ("region", "`region`"),
    ("host_layer", "the stack's `layer` nodes"),
    ("layers", "the stack's `layer` nodes"),
    ("os", "`os`"),
    ("os_family", "`os`"),
    ("timezone", "stackc (instances run in UTC)"),
    ("log_files", "the layers' `logs`"),
    ("log_groups", "the deployment (the agent sets it)"),
    ("secrets_dir", "stackc (the agent writes secrets there)"),
    (
        "metrics_namespace",
        "stackc (the alarms read that namespace)",
    ),
];

/// Keys of `opsworks` stackc or the agent set.
const OPSWORKS_KEYS: &[(&str, &str)] = &[
    ("activity", "the lifecycle event being run"),
    ("sent_at", "the agent, at each run"),
    ("deployment", "the agent, at each run"),
    ("agent_version", "stackc"),
    ("stack", "the `stack` node, `region` and the environment"),
    ("layers", "the stack's `layer` nodes"),
    (
        "instance",
        "the layer's `instance-type` and the instance the agent runs on",
    ),
    ("applications", "the stack's `app` nodes"),
];

/// Which part of an app's `deploy.<app>` entry comes from which node.
fn deploy_origin(app: &str, key: &str) -> Option<Computed> {
    let leaf = |s: String| Some(Computed::Leaf(s));
    match key {
        "application" | "application_type" | "layer" => {
            leaf(format!("`app {app} type=... layer=...`"))
        }
        "domains" | "sites" | "document_root" | "absolute_document_root" => {
            leaf(format!("the `site` nodes of app `{app}`"))
        }
        "nodejs" => Some(Computed::Object(format!("the layer of app `{app}`"))),
        "environment" | "environment_variables" => leaf(format!("the `env` nodes of app `{app}`")),
        "secrets" => leaf(format!("the `secret` nodes of app `{app}`")),
        "scm" => Some(Computed::Object(format!("`source` of app `{app}`"))),
        "database" => Some(Computed::Object(format!("`database` of app `{app}`"))),
        "memcached" => Some(Computed::Object("the stack's memcached layer".into())),
        "stack" => Some(Computed::Object("stackc".into())),
        "deploy_to"
        | "current_path"
        | "user"
        | "group"
        | "keep_releases"
        | "symlinks"
        | "symlink_before_migrate"
        | "mounted_at"
        | "deploying_user"
        | "restart_command"
        | "sleep_before_restart"
        | "auto_bundle_on_deploy"
        | "migrate"
        | "rails_env"
        | "ssl_support"
        | "ssl_certificate"
        | "ssl_certificate_key"
        | "ssl_certificate_ca" => leaf(format!(
            "`app {app}` (every app is deployed to /srv/www/<app> by the `deploy` user)"
        )),
        _ => None,
    }
}

/// The keys inside the objects of `deploy.<app>` that stackc sets.
fn deploy_inner(app: &str, object: &str, key: &str) -> Option<Computed> {
    let keys: &[&str] = match object {
        "scm" => &[
            "scm_type",
            "repository",
            "revision",
            "user",
            "password",
            "ssh_key",
            "ssh_key_secret",
            "s3_uri",
        ],
        "database" => &[
            "adapter",
            "type",
            "data_source_provider",
            "host",
            "port",
            "database",
            "username",
            "password",
            "password_secret",
            "reconnect",
        ],
        "memcached" => &["host", "port", "layer"],
        "stack" => &["needs_reload"],
        "nodejs" => &["port", "restart_command", "stop_command"],
        _ => &[],
    };
    keys.contains(&key).then(|| {
        Computed::Leaf(match object {
            "scm" => format!("`source` of app `{app}`"),
            "nodejs" => format!("the layer of app `{app}` (its port and service)"),
            "database" => format!("`database` of app `{app}`"),
            "memcached" => "the stack's memcached layer".into(),
            _ => "stackc".into(),
        })
    })
}

/// Whether stackc computes the node JSON key at `path` (a custom-json key
/// path), per `emit/node.rs` and the layer types' attributes.
fn computed(
    path: &[&str],
    apps: &[&str],
    types: &std::collections::BTreeMap<String, crate::stdlib::LayerType>,
) -> Computed {
    let table = |keys: &[(&str, &str)], key: &str| {
        keys.iter()
            .find(|(k, _)| *k == key)
            .map_or(Computed::Own, |(_, o)| Computed::Leaf(o.to_string()))
    };
    match path {
        ["run_list" | "opsworks_custom_cookbooks", ..] => {
            Computed::Leaf("the layers' `recipes` and their types' built-in recipes".into())
        }
        ["opsworks" | "deploy" | "stackc"] => Computed::Object("the stack file".into()),
        ["opsworks", key, ..] => table(OPSWORKS_KEYS, key),
        ["stackc", key, ..] => table(STACKC_KEYS, key),
        ["haproxy", key, ..]
            if crate::emit::node::HAPROXY_KINDS.iter().any(|k| {
                *key == format!("{k}_backends") || *key == format!("{k}_applications")
            }) =>
        {
            Computed::Leaf(
                "the stack's apps and app server layers (the agent lists their online instances)"
                    .into(),
            )
        }
        ["deploy", app, ..] if !apps.contains(app) => {
            Computed::Leaf(format!(
                "the stack's `app` nodes (there is no app `{app}`: declare `app {app} type=... layer=...`)"
            ))
        }
        ["deploy", app] => Computed::Object(format!("`app {app}`")),
        ["deploy", app, key] => deploy_origin(app, key).unwrap_or(Computed::Own),
        ["deploy", app, object, key, ..] => match deploy_origin(app, object) {
            Some(Computed::Leaf(o)) => Computed::Leaf(o),
            Some(_) => deploy_inner(app, object, key).unwrap_or(Computed::Own),
            _ => Computed::Own,
        },
        _ => attribute(path, types),
    }
}

/// A layer type attribute's JSON path (`php_app.max_children`), or an
/// object on the way to one.
fn attribute(
    path: &[&str],
    types: &std::collections::BTreeMap<String, crate::stdlib::LayerType>,
) -> Computed {
    let joined = path.join(".");
    for ty in types.values() {
        for a in &ty.attributes {
            let (json, name) = (a.json.as_str(), a.name.as_str());
            let origin = || format!("the `{name}` attribute of {} layers", ty.name);
            if json == joined || joined.starts_with(&format!("{json}.")) {
                return Computed::Leaf(origin());
            }
            if json.starts_with(&format!("{joined}.")) {
                return Computed::Object(format!("the {} layers' attributes", ty.name));
            }
        }
    }
    Computed::Own
}

impl Checker<'_> {
    /// Vets a `custom-json` block: no key that stackc computes (see
    /// [`computed`]), no value shaped like a credential. `apps` are the
    /// stack's app names (`deploy.<app>` is theirs).
    pub(in crate::check) fn vet_custom_json(&mut self, kids: &[Node], apps: &[&str]) {
        let mut path = Vec::new();
        self.vet_json_nodes(kids, &mut path, apps);
    }

    fn vet_json_nodes<'n>(&mut self, kids: &'n [Node], path: &mut Vec<&'n str>, apps: &[&str]) {
        for kid in kids {
            path.push(kid.name.as_str());
            let has_value = !kid.args.is_empty();
            if self.computed_key(kid.name_span, path, apps, has_value) {
                for v in &kid.args {
                    self.json_credential(path, v);
                }
                for p in &kid.props {
                    path.push(p.key.as_str());
                    if self.computed_key(p.key_span, path, apps, true) {
                        self.json_credential(path, &p.value);
                    }
                    path.pop();
                }
                self.vet_json_nodes(kid.kids(), path, apps);
            }
            path.pop();
        }
    }

    /// Refuses a key stackc computes; true when the key is the user's.
    fn computed_key(&mut self, span: Span, path: &[&str], apps: &[&str], has_value: bool) -> bool {
        let path_text = path.join(".");
        let origin = match computed(path, apps, &self.std.layer_types) {
            Computed::Own => return true,
            Computed::Object(_) if !has_value => return true,
            Computed::Object(origin) | Computed::Leaf(origin) => origin,
        };
        self.push(
            Diagnostic::error(
                Code::ComputedKey,
                span,
                format!("`{path_text}` is set by stackc from {origin}"),
            )
            .label("computed by stackc")
            .help(format!("set it with {origin} instead; custom-json may add keys of your own beside it, not replace what the stack file says")),
        );
        false
    }

    fn json_credential(&mut self, path: &[&str], v: &Value) {
        let ValueKind::String(text) = &v.kind else {
            return;
        };
        let key = path.last().copied();
        let Some(what) = values::credential(key, text)
            .or_else(|| path.iter().find_map(|k| values::credential(None, k)))
        else {
            return;
        };
        let (name, ssm) = values::secret_rewrite(path);
        let help = format!(
            "store it in SSM Parameter Store (SecureString), remove this key, and declare `secret {name} ssm=\"{ssm}\"` in the app whose recipes need it (they read it from /etc/stackc/secrets/<app>.json)"
        );
        self.push(
            Diagnostic::error(
                Code::CredentialValue,
                v.span,
                format!("`{}` looks like {what}", path.join(".")),
            )
            .label("credential in the stack file")
            .help(help),
        );
    }
}
