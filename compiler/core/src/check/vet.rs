//! Diagnostics for values whose type is narrower than "a string": each
//! checker place that reads such a value calls one of these (the rules are
//! in `values.rs`).

use super::values::{self, describe, printable};
use super::Checker;
use crate::diag::{Code, Diagnostic, Span};
use crate::syntax::{Node, Value, ValueKind};

impl Checker<'_> {
    /// Text that reaches a configuration file on the instance holds no
    /// control character (a newline would start a line of its own).
    pub(super) fn no_control(&mut self, span: Span, text: &str, what: &str) -> bool {
        let Some(c) = values::control_character(text) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::UnsafeValue,
                span,
                format!("the {what} `{}` holds {}", printable(text), describe(c)),
            )
            .label("control character")
            .help(format!(
                "write the {what} on one line without control characters; a multi-line value such as a key or certificate belongs in a `secret NAME ssm=\"/path\"`"
            )),
        );
        false
    }

    /// A mount point or document root: letters, digits and
    /// `values::PATH_PUNCTUATION` only, so fstab, Apache and nginx read it as one path.
    pub(super) fn portable_path(&mut self, span: Span, path: &str, what: &str) -> bool {
        if !self.no_control(span, path, what) {
            return false;
        }
        let Some(c) = values::unsafe_path_character(path) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::UnsafeValue,
                span,
                format!("the {what} `{path}` holds {}", describe(c)),
            )
            .label("not allowed in a path here")
            .help(format!(
                "use letters, digits and `{}` in a {what} (`{}`)",
                values::PATH_PUNCTUATION,
                suggest_path(path)
            )),
        );
        false
    }

    /// A volume's mount point is no system directory.
    pub(super) fn mount_point(&mut self, span: Span, mount: &str) -> Option<()> {
        if !self.portable_path(span, mount, "mount point") {
            return None;
        }
        let Some(dir) = values::system_directory(mount) else {
            return Some(());
        };
        let under = if dir == mount {
            String::new()
        } else {
            format!(" (it is under `{dir}`)")
        };
        self.push(
            Diagnostic::error(
                Code::SystemDirectory,
                span,
                format!("`{mount}` is a system directory{under}; a new volume mounted there hides what the instance runs from"),
            )
            .label("system directory")
            .help("mount the volume on a directory of its own, such as `\"/srv\"`, `\"/data\"` or `\"/var/lib/mysql\"` (`stackc explain system_directory` lists the directories refused)"),
        );
        None
    }

    /// A git `revision=`: a branch, tag or commit id.
    pub(super) fn revision(&mut self, v: &Value, rev: &str) -> Option<()> {
        match values::git_revision(rev) {
            Ok(()) => Some(()),
            Err(m) => {
                self.push(
                    Diagnostic::error(Code::BadRevision, v.span, m)
                        .label("not a ref or commit id")
                        .help("name a branch, tag or commit: `revision=main`, `revision=v1.4.2`, `revision=0a1b2c3d`"),
                );
                None
            }
        }
    }

    /// A database `host=`.
    pub(super) fn db_host(&mut self, v: &Value, text: &str) -> Option<()> {
        match values::host(text) {
            Ok(()) => Some(()),
            Err(m) => {
                self.push(
                    Diagnostic::error(Code::BadHost, v.span, m)
                        .label("not a host")
                        .help("write a host name or an IP address: `host=db.internal`, `host=10.0.3.12`"),
                );
                None
            }
        }
    }

    /// A database `name=` or `user=`.
    pub(super) fn db_identifier(&mut self, v: &Value, text: &str, what: &str) -> Option<()> {
        match values::identifier(text) {
            Ok(()) => Some(()),
            Err(m) => {
                self.push(
                    Diagnostic::error(Code::BadIdentifier, v.span, m)
                        .label(format!("invalid database {what}"))
                        .help(format!("a database {what} starts with a letter or `_` and holds letters, digits, `_`, `-` and `.` (at most 63): `{what}={}`", suggest_identifier(text))),
                );
                None
            }
        }
    }

    /// An `env` value shaped like a credential.
    pub(super) fn env_credential(&mut self, app: &str, name: &str, v: &Value, text: &str) -> bool {
        let Some(what) = values::credential(Some(name), text) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::CredentialValue,
                v.span,
                format!("the value of `{name}` looks like {what}"),
            )
            .label("credential in the stack file")
            .help(format!(
                "store it in SSM Parameter Store (SecureString) and replace this `env` with `secret {name} ssm=\"/{app}/{}\"`",
                name.to_ascii_lowercase().replace('_', "-")
            )),
        );
        false
    }

    /// A source URL: no control characters or spaces, no password.
    pub(super) fn source_url(&mut self, v: &Value, url: &str) -> bool {
        if !self.no_control(v.span, url, "source URL") {
            return false;
        }
        let Some(what) = values::credential(None, url) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::CredentialValue,
                v.span,
                format!("the source URL holds {what}"),
            )
            .label("credential in the stack file")
            .help("remove the credential from the URL; for a private repository store a deploy key in SSM Parameter Store and write `secret DEPLOY_KEY ssm=\"/app/deploy-key\"` and `source git=\"git@host:org/repo.git\" ssh-key-secret=DEPLOY_KEY`"),
        );
        false
    }

    /// Vets a `custom-json` block: no key that stackc computes (see
    /// [`computed`]), no value shaped like a credential. `apps` are the
    /// stack's app names (`deploy.<app>` is theirs).
    pub(super) fn vet_custom_json(&mut self, kids: &[Node], apps: &[&str]) {
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
                if let Some(what) = super::values::credential(key, text) {
                    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
                    let (name, ssm) = super::values::secret_rewrite(&parts);
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

/// `path` with unsafe characters replaced, for a help line.
fn suggest_path(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || values::PATH_PUNCTUATION.contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `text` made an identifier, for a help line.
fn suggest_identifier(text: &str) -> String {
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(63)
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert(0, '_');
        s.truncate(63);
    }
    s
}

impl Checker<'_> {
    /// A string attribute of a layer type: one line; one named `...-path`
    /// (haproxy's `health-check-path`) is an HTTP path HAProxy reads as one word.
    pub(super) fn attribute_text(&mut self, v: &Value, name: &str, text: &str) -> bool {
        if !self.no_control(v.span, text, name) {
            return false;
        }
        if !name.ends_with("-path") || values::http_path(text) {
            return true;
        }
        self.push(
            Diagnostic::error(
                Code::UnsafeValue,
                v.span,
                format!("`{text}` is not an HTTP path"),
            )
            .label("not a path")
            .help(format!(
                "an HTTP path starts with `/` and holds letters, digits and `{}`: `{name} \"/health\"`",
                values::HTTP_PATH_PUNCTUATION
            )),
        );
        false
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::check::{check_source, AllExist, Options};
    use crate::diag::{Code, Diagnostic, Severity};

    fn errors(src: &str) -> Vec<Diagnostic> {
        let opts = Options {
            base_dir: Path::new("/stack"),
            files: &AllExist,
        };
        check_source(src, &opts)
            .1
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    }

    /// A stack with `layer` inside the web layer, `app` inside the app and
    /// `json` as the stack's and `env_json` as an environment's custom-json.
    fn stack(layer: &str, app: &str, json: &str, env_json: &str) -> String {
        format!(
            r#"stack shop {{
    region eu-west-1
    layer web type=php-app {{
        {layer}
    }}
    layer api type=nodejs-app
    app site type=php layer=web {{
        source git="https://git.example/site.git" revision=main
        {app}
    }}
    custom-json {{
        {json}
    }}
    environment test {{
        custom-json {{
            {env_json}
        }}
    }}
}}"#
        )
    }

    fn codes(layer: &str, app: &str, json: &str, env_json: &str) -> Vec<Code> {
        errors(&stack(layer, app, json, env_json))
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn values_of_the_wrong_type_are_refused_with_their_code() {
        let cases: &[(&str, &str, Code)] = &[
            (r#"volume "/etc" size="1GiB""#, "", Code::SystemDirectory),
            (
                r#"volume "/usr/local/data" size="1GiB""#,
                "",
                Code::SystemDirectory,
            ),
            (r#"volume "/var" size="1GiB""#, "", Code::SystemDirectory),
            (
                r#"volume "/srv\nUUID=x /etc xfs defaults 0 0" size="1GiB""#,
                "",
                Code::UnsafeValue,
            ),
            (r#"volume "/srv data" size="1GiB""#, "", Code::UnsafeValue),
            (r#"logs "/var/log/a\nb""#, "", Code::UnsafeValue),
            (
                r#"load-balancer { listener http; health-check path="/h\r\nX: y" }"#,
                "",
                Code::UnsafeValue,
            ),
            (
                "",
                r#"site shop.example root="public\n</Directory>""#,
                Code::UnsafeValue,
            ),
            ("", r#"site shop.example root="pub lic""#, Code::UnsafeValue),
            ("", r#"site shop.example root="a$(id)""#, Code::UnsafeValue),
            ("", r#"env GREETING "hi\nEVIL=1""#, Code::UnsafeValue),
            (
                "",
                r#"env AWS_ID AKIAIOSFODNN7EXAMPLE"#,
                Code::CredentialValue,
            ),
            (
                "",
                r#"env DEPLOY_PEM "-----BEGIN PRIVATE KEY-----""#,
                Code::CredentialValue,
            ),
            (
                "",
                r#"database host="db\nx" name=shop user=shop"#,
                Code::BadHost,
            ),
            (
                "",
                r#"database host="db x" name=shop user=shop"#,
                Code::BadHost,
            ),
            (
                "",
                r#"database host=db.internal name="shop\"x" user=shop"#,
                Code::BadIdentifier,
            ),
            (
                "",
                r#"database host=db.internal name=shop user="u\nv""#,
                Code::BadIdentifier,
            ),
        ];
        for (layer, app, code) in cases {
            let got = codes(layer, app, "", "");
            assert!(got.contains(code), "{layer} {app}: {got:?}");
        }
        let src = stack("", "", "", "")
            .replace("revision=main", r#"revision="--upload-pack=touch /tmp/x""#);
        let got: Vec<Code> = errors(&src).iter().map(|d| d.code).collect();
        assert_eq!(got, [Code::BadRevision]);
        let src = stack("", "", "", "").replace(
            "https://git.example/site.git",
            "https://deploy:hunter2@git.example/site.git",
        );
        let got: Vec<Code> = errors(&src).iter().map(|d| d.code).collect();
        assert_eq!(got, [Code::CredentialValue]);
        let node = stack("", "", "", "").replace(
            "layer api type=nodejs-app",
            "layer api type=nodejs-app { start-command \"node a.js\\nExecStartPre=/bin/rm\" }",
        );
        let got: Vec<Code> = errors(&node).iter().map(|d| d.code).collect();
        assert_eq!(got, [Code::UnsafeValue]);
        for path in ["/health check", "/#x", "/\"q\"", "health"] {
            let haproxy = stack("", "", "", "").replace(
                "layer api type=nodejs-app",
                &format!("layer lb type=haproxy {{ health-check-path {path:?} }}"),
            );
            let got: Vec<Code> = errors(&haproxy).iter().map(|d| d.code).collect();
            assert_eq!(got, [Code::UnsafeValue], "{path}");
        }
    }

    #[test]
    fn values_of_the_right_type_pass() {
        let src = stack(
            r#"volume "/var/lib/mysql" size="1GiB"; volume "/srv/data-1" size="1GiB"; volume "/home/app" size="1GiB""#,
            r#"site shop.example root="web/public_html"
        env RELEASE_URL "https://cdn.example.com/releases/v1.4.2/app.tar.gz"
        env BUILD_SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        env REQUEST_ID_NAMESPACE "550e8400-e29b-41d4-a716-446655440000"
        database host="10.0.3.12" name=shop_prod user="shop-app""#,
            r#"shop { currency EUR; checksum_sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"; password_file "/etc/shop/pw"; token_url "https://auth.example.com/token" }
        deploy { site { feature_flags { beta #true }; scm { mirror "https://mirror.example/site.git" } } }
        php_app { extra_modules "gd intl" }
        stackc { team payments }
        opsworks { ruby_version "3.1" }"#,
            r#"deploy { site { feature_flags { beta #false } } }"#,
        )
        .replace("revision=main", r#"revision="release/2024-05""#);
        assert_eq!(errors(&src), []);
    }

    #[test]
    fn a_deployments_custom_json_is_vetted_like_the_stack_files() {
        let apps = ["rentals"];
        let ok = serde_json::json!({
            "deploy": { "rentals": { "feature_flags": { "new_checkout": true } } },
            "goldcar": { "currency": "EUR", "regions": ["es", "pt"] },
        });
        assert_eq!(
            super::deployment_json_problems(&ok, &apps),
            Vec::<String>::new()
        );
        let bad = serde_json::json!({
            "deploy": { "rentals": { "deploy_to": "/etc" } },
            "run_list": ["recipe[x]"],
            "payments": { "stripe": { "api-key": "sk_live_abcdefghijklmnopqrstuvwxyz012345" } },
            "keys": [{ "id": "AKIAABCDEFGHIJKLMNOP" }],
        });
        let problems = super::deployment_json_problems(&bad, &apps);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems[0]
                .starts_with("`deploy.rentals.deploy_to` is computed by stackc; set it with "),
            "{problems:#?}"
        );
        assert!(
            problems[3].starts_with("`keys.id` looks like an AWS access key id"),
            "{problems:#?}"
        );
        assert!(
            problems[2].contains("`payments.stripe.api-key` looks like a Stripe secret key"),
            "{problems:#?}"
        );
        assert!(
            problems[2].contains("secret PAYMENTS_STRIPE_API_KEY ssm=\"/payments/stripe/api-key\""),
            "{problems:#?}"
        );
        assert!(
            problems[1].starts_with("`run_list` is computed by stackc"),
            "{problems:#?}"
        );
        assert_eq!(
            super::deployment_json_problems(&serde_json::json!([1]), &apps),
            ["a deployment's custom JSON must be an object (`{ ... }`)"]
        );
    }

    #[test]
    fn custom_json_cannot_replace_what_stackc_computes() {
        let refused = [
            r#"deploy { site { deploy_to "/etc" } }"#,
            r#"deploy { site { user root } }"#,
            r#"deploy { site { scm { repository "file:///etc" } } }"#,
            r#"deploy { site { scm "x" } }"#,
            r#"deploy { site { environment_variables { X "1" } } }"#,
            r#"deploy { site { database { host "evil" } } }"#,
            r#"deploy { other { layer web; deploy_to "/etc" } }"#,
            r#"deploy "nothing""#,
            r#"opsworks { layers { web { instances { } } } }"#,
            r#"stackc { secrets_dir "/tmp" }"#,
            r#"run_list "recipe[evil]""#,
            r#"nodejs_app { start_command "rm -rf /" }"#,
            r#"php_app max_children=100000"#,
        ];
        for json in refused {
            assert_eq!(
                codes("", "", json, ""),
                [Code::ComputedKey],
                "stack: {json}"
            );
            assert_eq!(
                codes("", "", "", json),
                [Code::ComputedKey],
                "environment: {json}"
            );
        }
        let src = stack(
            "",
            "",
            r#"deploy { site { scm { repository "file:///etc" } } }"#,
            "",
        );
        let d = &errors(&src)[0];
        assert_eq!(
            d.message,
            "`deploy.site.scm.repository` is set by stackc from `source` of app `site`"
        );
        assert!(d
            .help
            .as_deref()
            .unwrap()
            .contains("set it with `source` of app `site`"));
        assert_eq!(
            &src[d.span.offset..d.span.offset + d.span.len],
            "repository"
        );
    }

    #[test]
    fn credentials_in_custom_json_are_refused_at_any_depth_with_the_secret_to_write() {
        let src = stack(
            "",
            "",
            r#"payments { stripe { apiKey "sk_live_4eC39HqLyjWDarjtT1zdp7dc" } }"#,
            r#"mail smtp_password="S3cr3tP@ssw0rd""#,
        );
        let diags = errors(&src);
        assert_eq!(diags.len(), 2, "{diags:#?}");
        assert!(diags.iter().all(|d| d.code == Code::CredentialValue));
        assert!(
            diags[0]
                .help
                .as_deref()
                .unwrap()
                .contains(r#"secret PAYMENTS_STRIPE_API_KEY ssm="/payments/stripe/api-key""#),
            "{:?}",
            diags[0].help
        );
        assert!(diags[1]
            .help
            .as_deref()
            .unwrap()
            .contains(r#"secret MAIL_SMTP_PASSWORD ssm="/mail/smtp-password""#));
        let list = stack("", "", r#"keys { - "AKIAIOSFODNN7EXAMPLE" }"#, "");
        assert_eq!(
            errors(&list).iter().map(|d| d.code).collect::<Vec<_>>(),
            [Code::CredentialValue]
        );
        let env = stack(
            "",
            r#"env STRIPE "sk_live_4eC39HqLyjWDarjtT1zdp7dc""#,
            "",
            "",
        );
        let d = &errors(&env)[0];
        assert!(d
            .help
            .as_deref()
            .unwrap()
            .contains(r#"secret STRIPE ssm="/site/stripe""#));
    }
}
