//! Apps: source, sites, environment, secrets and database, checked against
//! the layer they are deployed to.

use super::{duplicate, exact, firsts, Checker};
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::ir::{App, AppType, Database, Secret, Site, Source};
use crate::schema::nodes;
use crate::stdlib::LayerType;

/// A layer as the file declares it: its name, and its type when it names one.
type Declared = (String, Option<&'static LayerType>);
use crate::syntax::Node;
use crate::units;

const SECRET_WORDS: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY"];

impl Checker<'_> {
    /// The apps, checked against the layers the file declares (so that an
    /// error inside a layer hides no app's reference to it); `None` when an
    /// app or a layer (`layers_ok` false) has an error.
    pub(super) fn apps(&mut self, nodes: &[&Node], layers_ok: bool) -> Option<Vec<App>> {
        let declared = self.declared_layers(nodes);
        let mut apps: Vec<(App, Span)> = Vec::new();
        let mut ok = true;
        for &node in nodes.iter().filter(|n| n.name == "app") {
            let before = self.errors;
            if let Some(app) = self.app(node, &declared) {
                if let Some((_, first)) = apps.iter().find(|(a, _)| a.name == app.name) {
                    self.push(duplicate("app", &app.name, node.args[0].span, *first));
                } else {
                    apps.push((app, node.args[0].span));
                }
            }
            ok &= self.errors == before;
        }
        self.shared_sites(&apps);
        (ok && layers_ok).then(|| firsts(apps))
    }

    /// The layers as the file declares them: each `layer NAME` and its type
    /// when it names one (whatever else is wrong inside the layer).
    fn declared_layers(&self, nodes: &[&Node]) -> Vec<Declared> {
        nodes
            .iter()
            .filter(|n| n.name == "layer")
            .filter_map(|n| {
                let name = n.args.first()?.as_str()?.to_string();
                let ty = n
                    .prop("type")
                    .and_then(|v| v.as_str())
                    .and_then(|t| self.std.layer_types.get(t));
                Some((name, ty))
            })
            .collect()
    }

    fn app(&mut self, node: &Node, layers: &[Declared]) -> Option<App> {
        self.entries(node, &nodes::APP);
        let name = self
            .arg(node, 0, "a name")
            .and_then(|v| self.name(v, "app name"));
        let app_type = self.prop(node, "type", true).and_then(|v| {
            let t = self.string(v, "type")?;
            if let Some(t) = AppType::parse(t) {
                return Some(t);
            }
            self.push(
                Diagnostic::error(Code::WrongType, v.span, format!("unknown app type `{t}`"))
                    .label("unknown app type")
                    .help(did_you_mean(t, &AppType::NAMES)),
            );
            None
        });
        let layer = self.prop(node, "layer", true).and_then(|v| {
            let l = self.string(v, "layer")?;
            if layers.iter().any(|(name, _)| name == l) {
                return Some((l.to_string(), v.span));
            }
            let names: Vec<&str> = layers.iter().map(|(name, _)| name.as_str()).collect();
            self.push(
                Diagnostic::error(
                    Code::UnknownLayer,
                    v.span,
                    format!("there is no layer `{l}`"),
                )
                .label("unknown layer")
                .help(did_you_mean(l, &names)),
            );
            None
        });
        if let (Some(t), Some((l, span))) = (&app_type, &layer) {
            self.app_fits_layer(*t, l, *span, layers);
        }
        let kids = self.block(node, &nodes::APP);
        let mut source = None;
        let mut sites: Vec<(Site, Span)> = Vec::new();
        let mut env: Vec<(String, String, Span)> = Vec::new();
        let mut secrets: Vec<(Secret, Span)> = Vec::new();
        let mut database_node = None;
        for kid in kids {
            match kid.name.as_str() {
                "source" => source = self.source(kid),
                "site" => {
                    if let Some((site, span)) = self.site(kid) {
                        match sites.iter().find(|(s, _)| s.domain == site.domain) {
                            Some((_, first)) => {
                                self.push(duplicate("site", &site.domain, span, *first))
                            }
                            None => sites.push((site, span)),
                        }
                    }
                }
                "env" => {
                    let credential = |cx: &mut Self, k: &str, v: &str| match kid.args.get(1) {
                        Some(value) => {
                            cx.env_credential(name.as_deref().unwrap_or("app"), k, value, v)
                        }
                        None => true,
                    };
                    if let Some((k, v, span)) =
                        self.env_var(kid).filter(|(k, v, _)| credential(self, k, v))
                    {
                        match env.iter().find(|(n, _, _)| *n == k) {
                            Some((_, _, first)) => {
                                self.push(duplicate("variable", &k, span, *first))
                            }
                            None => env.push((k, v, span)),
                        }
                    }
                }
                "secret" => {
                    if let Some((s, span)) = self.secret(kid) {
                        let clash = secrets
                            .iter()
                            .map(|(x, sp)| (&x.name, *sp))
                            .chain(env.iter().map(|(n, _, sp)| (n, *sp)))
                            .find(|(n, _)| **n == s.name);
                        match clash {
                            Some((_, first)) => {
                                self.push(duplicate("variable", &s.name, span, first))
                            }
                            None => secrets.push((s, span)),
                        }
                    }
                }
                "database" => database_node = Some(kid),
                _ => {}
            }
        }
        if source.is_none() && !kids.iter().any(|k| k.name == "source") {
            self.push(
                Diagnostic::error(Code::MissingNode, node.name_span, "the app has no `source`")
                    .help("add `source git=\"https://...\" revision=main` (or s3=, http=)"),
            );
        }
        let database = match database_node {
            Some(d) => Some(self.database(d, &secrets)?),
            None => None,
        };
        let key = kids
            .iter()
            .find(|k| k.name == "source")
            .and_then(|k| k.prop("ssh-key-secret"));
        if let (Some(v), Some(Source::Git { ssh_key_secret, .. })) = (key, source.as_mut()) {
            *ssh_key_secret = Some(self.secret_ref(v, "ssh-key-secret", &secrets)?);
        }
        Some(App {
            name: name?,
            app_type: app_type?,
            layer: layer?.0,
            source: source?,
            sites: firsts(sites),
            env: firsts(env.into_iter().map(|(k, v, span)| ((k, v), span)).collect()),
            secrets: firsts(secrets),
            database,
        })
    }

    /// A property naming one of the app's secrets.
    fn secret_ref(
        &mut self,
        v: &crate::syntax::Value,
        what: &str,
        secrets: &[(Secret, Span)],
    ) -> Option<String> {
        let s = self.string(v, what)?;
        if secrets.iter().any(|(x, _)| x.name == s) {
            return Some(s.to_string());
        }
        let names: Vec<&str> = secrets.iter().map(|(x, _)| x.name.as_str()).collect();
        self.push(
            Diagnostic::error(
                Code::UnknownSecret,
                v.span,
                format!("the app has no secret `{s}`"),
            )
            .label("unknown secret")
            .help(match crate::diag::suggest(s, names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("declare it in the app: `secret {s} ssm=\"/path/to/parameter\"`"),
            }),
        );
        None
    }

    fn app_fits_layer(&mut self, app_type: AppType, layer: &str, span: Span, layers: &[Declared]) {
        let Some(ty) = layers
            .iter()
            .find(|(name, _)| name == layer)
            .and_then(|(_, ty)| *ty)
        else {
            return;
        };
        if ty.app_types.is_empty() {
            self.push(
                Diagnostic::error(Code::AppWithoutInstances, span, format!("a {} layer runs no apps", ty.name))
                    .label(format!("`{layer}` is {}", ty.name))
                    .help("deploy the app to an app server layer (php-app, nodejs-app, java-app, static-web or custom)"),
            );
        } else if !ty.app_types.contains(&app_type) {
            let fitting: Vec<&str> = self
                .std
                .layer_types
                .values()
                .filter(|t| t.name != "custom" && t.app_types.contains(&app_type))
                .map(|t| t.name.as_str())
                .collect();
            self.push(
                Diagnostic::error(
                    Code::AppLayerMismatch,
                    span,
                    format!("a {app_type} app cannot run on a {} layer", ty.name),
                )
                .label(format!("`{layer}` is {}", ty.name))
                .help(format!(
                    "{app_type} apps run on {} or custom layers",
                    fitting.join(", ")
                )),
            );
        }
    }

    fn source(&mut self, node: &Node) -> Option<Source> {
        const KINDS: &[&str] = &["git", "s3", "http"];
        self.shape(node, &nodes::SOURCE);
        let given: Vec<_> = node
            .props
            .iter()
            .filter(|p| KINDS.contains(&p.key.as_str()))
            .collect();
        let Some(first) = given.first() else {
            self.push(
                Diagnostic::error(
                    Code::MissingProperty,
                    node.name_span,
                    "`source` needs `git=`, `s3=` or `http=`",
                )
                .help("for example `source git=\"https://github.com/org/app.git\" revision=main`"),
            );
            return None;
        };
        if let Some(second) = given.get(1) {
            self.push(
                Diagnostic::error(
                    Code::DuplicateProperty,
                    second.value.span,
                    "an app has one source",
                )
                .related(first.value.span, "first source")
                .help("keep one of git=, s3=, http="),
            );
            return None;
        }
        if first.key != "git" {
            if let Some(p) = node
                .props
                .iter()
                .find(|p| p.key == "revision" || p.key == "ssh-key-secret")
            {
                let help = if p.key == "revision" {
                    "an archive is versioned by its key or URL"
                } else {
                    "archives are fetched with the instance role (s3=) or over HTTPS (http=); remove it"
                };
                self.push(
                    Diagnostic::error(
                        Code::UnknownProperty,
                        p.value.span,
                        format!("`{}=` applies to git sources only", p.key),
                    )
                    .help(help),
                );
                return None;
            }
        }
        let url = self.string(&first.value, &first.key)?;
        let valid = match first.key.as_str() {
            "git" => {
                url.starts_with("https://")
                    || url.starts_with("ssh://")
                    || (url.starts_with("git@") && url.contains(':'))
            }
            "s3" => url
                .strip_prefix("s3://")
                .is_some_and(|r| r.contains('/') && !r.starts_with('/')),
            _ => url.starts_with("https://") || url.starts_with("http://"),
        };
        if !valid {
            self.push(
                Diagnostic::error(
                    Code::BadUrl,
                    first.value.span,
                    format!("`{url}` is not a {} location", first.key),
                )
                .label("invalid source")
                .help(match first.key.as_str() {
                    "git" => "use an https://, ssh:// or git@host:org/repo.git URL",
                    "s3" => "use s3://bucket/path/app.tar.gz",
                    _ => "use an https:// URL of a .tar.gz or .zip archive",
                }),
            );
            return None;
        }
        if !self.source_url(&first.value, url) {
            return None;
        }
        let url = url.to_string();
        Some(match first.key.as_str() {
            "git" => {
                let revision = match node.prop("revision") {
                    Some(v) => {
                        let rev = self.string(v, "revision")?;
                        self.revision(v, rev)?;
                        rev.to_string()
                    }
                    None => "main".into(),
                };
                Source::Git {
                    url,
                    revision,
                    ssh_key_secret: None,
                }
            }
            "s3" => Source::S3 { url },
            _ => Source::Http { url },
        })
    }

    fn site(&mut self, node: &Node) -> Option<(Site, Span)> {
        self.shape(node, &nodes::SITE);
        let v = self.arg(node, 0, "a domain")?;
        let domain = self.parsed(v, "domain", Code::BadDomain, |s| {
            units::domain(s).map(|()| s.to_string())
        });
        let mut aliases = Vec::new();
        let alias_values = node.args.iter().skip(1).chain(node.prop("alias"));
        for a in alias_values {
            if let Some(text) = self.string(a, "alias") {
                for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
                    match units::domain(word) {
                        Ok(()) => aliases.push(word.to_string()),
                        Err(m) => self.push(
                            Diagnostic::error(Code::BadDomain, a.span, m)
                                .label("invalid alias")
                                .help("write aliases as host names: `site example.com alias=\"www.example.com,shop.example.com\"`"),
                        ),
                    }
                }
            }
        }
        let root = match node.prop("root") {
            Some(r) => self.parsed(r, "document root", Code::BadPath, |s| {
                if s.starts_with('/') || s.split('/').any(|p| p == "..") {
                    Err(format!(
                        "`{s}` must be relative to the app's release, without `..`"
                    ))
                } else {
                    Ok(s.trim_end_matches('/').to_string())
                }
            })?,
            None => String::new(),
        };
        if let Some(r) = node.prop("root") {
            if !self.portable_path(r.span, &root, "document root") {
                return None;
            }
        }
        Some((
            Site {
                domain: domain?,
                aliases: exact(aliases),
                root,
            },
            v.span,
        ))
    }

    fn env_var(&mut self, node: &Node) -> Option<(String, String, Span)> {
        self.shape(node, &nodes::ENV);
        let k = self.arg(node, 0, "a variable name")?;
        let name = self.parsed(k, "variable name", Code::BadName, env_name)?;
        let v = self.arg(node, 1, "a value")?;
        let value = match &v.kind {
            crate::syntax::ValueKind::String(s) => {
                if !self.no_control(v.span, s, "environment value") {
                    return None;
                }
                s.to_string()
            }
            crate::syntax::ValueKind::Integer(i) => i.to_string(),
            crate::syntax::ValueKind::Float(f) => f.to_string(),
            crate::syntax::ValueKind::Bool(b) => b.to_string(),
            crate::syntax::ValueKind::Null => {
                self.wrong_type(v, "an environment value", "a string", None);
                return None;
            }
        };
        let upper = name.to_ascii_uppercase();
        if let Some(word) = SECRET_WORDS.iter().find(|w| upper.contains(*w)) {
            self.push(
                Diagnostic::error(Code::SecretLiteral, v.span, format!("`{name}` looks like a secret ({word}) but its value is written in the stack file"))
                    .label("literal secret value")
                    .related(k.span, "secret-looking name")
                    .help(format!("store it in SSM Parameter Store and write `secret {name} ssm=\"/path/to/{}\"`", name.to_ascii_lowercase().replace('_', "-"))),
            );
            return None;
        }
        Some((name, value, k.span))
    }

    fn secret(&mut self, node: &Node) -> Option<(Secret, Span)> {
        self.shape(node, &nodes::SECRET);
        let k = self.arg(node, 0, "a variable name")?;
        let name = self.parsed(k, "variable name", Code::BadName, env_name);
        let ssm = self.prop(node, "ssm", true).and_then(|v| {
            self.parsed(v, "SSM parameter", Code::BadSsmPath, |s| {
                let ok = s.starts_with('/')
                    && s.len() > 1
                    && !s.ends_with('/')
                    && s.len() <= 2048
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
                if ok {
                    Ok(s.to_string())
                } else {
                    Err(format!("`{s}` is not an SSM parameter name"))
                }
            })
        });
        Some((
            Secret {
                name: name?,
                ssm: ssm?,
            },
            k.span,
        ))
    }

    fn database(&mut self, node: &Node, secrets: &[(Secret, Span)]) -> Option<Database> {
        self.shape(node, &nodes::DATABASE);
        let host = self.db_field(node, "host");
        let name = self.db_field(node, "name");
        let user = self.db_field(node, "user");
        let adapter = match node.prop("adapter") {
            Some(v) => match self.string(v, "adapter") {
                Some(a @ ("mysql" | "postgresql")) => Some(a.to_string()),
                Some(other) => {
                    self.push(
                        Diagnostic::error(
                            Code::WrongType,
                            v.span,
                            format!("unknown database adapter `{other}`"),
                        )
                        .help(did_you_mean(other, &["mysql", "postgresql"])),
                    );
                    None
                }
                None => None,
            },
            None => Some("mysql".into()),
        };
        let default_port = if adapter.as_deref() == Some("postgresql") {
            5432
        } else {
            3306
        };
        let port = match node.prop("port") {
            Some(v) => self.int(v, "port", 1, 65535),
            None => Some(default_port),
        };
        let password_secret = match node.prop("password-secret") {
            None => None,
            Some(v) => Some(self.secret_ref(v, "password-secret", secrets)?),
        };
        Some(Database {
            host: host?,
            name: name?,
            user: user?,
            password_secret,
            port: port? as u16,
            adapter: adapter?,
        })
    }

    /// A required `host=`, `name=` or `user=` of `database`, vetted for
    /// what it is (a host, an identifier).
    fn db_field(&mut self, node: &Node, key: &str) -> Option<String> {
        let text = self.str_prop(node, key, true)?;
        let v = node.prop(key)?;
        match key {
            "host" => self.db_host(v, text)?,
            _ => self.db_identifier(v, text, key)?,
        }
        Some(text.to_string())
    }

    /// Two apps on one layer cannot claim the same domain.
    fn shared_sites(&mut self, apps: &[(App, Span)]) {
        for (i, (a, _)) in apps.iter().enumerate() {
            for (b, span) in &apps[i + 1..] {
                if a.layer != b.layer {
                    continue;
                }
                for site in &b.sites {
                    let names = std::iter::once(&site.domain).chain(&site.aliases);
                    for d in names {
                        let taken = a
                            .sites
                            .iter()
                            .any(|s| &s.domain == d || s.aliases.contains(d));
                        if taken {
                            self.push(
                                Diagnostic::error(Code::DuplicateName, *span, format!("`{d}` is served by app `{}` on the same layer", a.name))
                                    .help("a domain belongs to one app per layer; remove it from one of them"),
                            );
                        }
                    }
                }
            }
        }
    }
}

fn env_name(s: &str) -> Result<String, String> {
    let ok = s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}` is not an environment variable name: letters, digits and `_`, not starting with a digit"))
    }
}
