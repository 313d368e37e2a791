//! The cookbook lint of `stackc check`: calls in a stack's own cookbooks
//! (recipes, libraries, providers, resources, definitions, attributes) that
//! the Chef client its instances run removed or deprecated, or does not have
//! yet, each a warning on its file and line with the replacement in its
//! help.
//!
//! It reads Ruby as text, not as a parser would: comments, string literals,
//! heredocs and regular expressions are blanked first (so a word in a log
//! message or a shell script is not a call), then each call is matched by
//! its shape. What it reports:
//!
//! | Call | Deprecated in | Removed in |
//! |---|---|---|
//! | `node.set`, `node.set_unless` (`set`/`set_unless` in attribute files) | Chef 12.12 | Chef 14 |
//! | the `deploy`, `deploy_revision`, `deploy_branch` resources | Chef 13.6 | Chef 14 |
//! | `Chef::Platform.set` and the other provider-mapping methods | Chef 12.0 | Chef 13 |
//! | `Chef::ShellOut` | Chef 11.0 | Chef 13 |
//! | `node[...] = value` (no precedence level) | | Chef 11 |
//!
//! And the resources and recipe-DSL methods Chef added, reported
//! (`chef_unavailable`) for a client older than the version that added
//! them. Each version is the `introduced` of the resource in Chef's own
//! source (what docs.chef.io prints as "New in Chef Infra Client X.Y"),
//! checked against the first release tag of chef/chef that holds it:
//!
//! | Resource or method | New in |
//! |---|---|
//! | `apt_update`, `chocolatey_package`, `osx_profile` | Chef 12.7 |
//! | `apt_repository` | Chef 12.9 |
//! | `edit_resource`, `find_resource`, `delete_resource` (and their `!` forms), `with_run_context` | Chef 12.10 |
//! | `systemd_unit` | Chef 12.11 |
//! | `yum_repository` | Chef 12.14 |
//! | `dnf_package` | Chef 12.18 |
//! | `apt_preference`, `zypper_repository` | Chef 13.3 |
//! | `hostname`, `sysctl`, `build_essential`, `swap_file`, `sudo`, `ohai_hint`, `chef_handler`, `openssl_dhparam`, `openssl_rsa_private_key`, `openssl_rsa_public_key`, `rhsm_register`, `rhsm_repo`, `rhsm_subscription`, `rhsm_errata`, `rhsm_errata_level` | Chef 14.0 |
//! | `kernel_module`, `ssh_known_hosts_entry` | Chef 14.3 |
//! | `cron_d`, `cron_access`, `openssl_x509_certificate`, `openssl_x509_request`, `openssl_x509_crl`, `openssl_ec_private_key`, `openssl_ec_public_key` | Chef 14.4 |
//! | `locale` | Chef 14.5 |
//! | `timezone` | Chef 14.6 |
//! | `archive_file`, `snap_package` | Chef 15.0 |
//! | `unified_mode` | Chef 15.3 |
//! | `chef_sleep` | Chef 15.5 |
//! | `user_ulimit`, `alternatives`, `chef_client_cron`, `chef_client_systemd_timer`, `chef_vault_secret` | Chef 16.0 |
//! | `chef_client_config` | Chef 16.6 |
//! | `habitat_install`, `habitat_package`, `habitat_service`, `habitat_sup`, `habitat_config`, `habitat_user_toml` | Chef 17.3 |
//! | `selinux_boolean`, `selinux_fcontext`, `selinux_install`, `selinux_module`, `selinux_permissive`, `selinux_port`, `selinux_state` | Chef 18.0 |
//!
//! A resource is its name at the start of a statement with a name or a
//! block after it (`hostname 'web1'`, `timezone node['tz'] do`), outside the
//! block of another resource (where `hostname 'x'` sets a property, as in
//! `hostsfile_entry`); a method is a call without a receiver.
//!
//! A resource the stack's own cookbooks define is available whatever the
//! client (the community `hostname`, `swap` or `sysctl` cookbooks defined
//! theirs for Chef 12), so the lint first reads every cookbook of the
//! directory for the resources they define ([`Defined`]) and does not
//! report those. Chef names a custom resource (an LWRP) as follows:
//!
//! - `<cookbook>/resources/<file>.rb` is `<cookbook>_<file>`, and
//!   `<cookbook>` for `default.rb` (the cookbook's name is the `name` of its
//!   metadata, else its directory's);
//! - `provides :name` in that file, or in a resource class of
//!   `<cookbook>/libraries/`, adds `name`, on every client;
//! - `resource_name :name` there names it `name` on Chef 12.5 to 15 only,
//!   and on those the file's own `<cookbook>_<file>` is then gone (Chef
//!   wires the automatic name only when the file declared none); Chef 16
//!   takes `resource_name` for display only and always wires the automatic
//!   name (docs.chef.io, deprecation CHEF-31).
//!
//! A library class's name alone (`Chef::Resource::Hostname`, which Chef 12
//! turned into `hostname` and Chef 13 no longer does) is not read: such a
//! resource is still reported.
//!
//! Cinc's versions are Chef's, so the tables hold for both clients.

use std::collections::BTreeMap;

use super::Runtime;
use crate::diag::{Code, Diagnostic, Span};

/// A kind of call the lint knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `node.set` / `node.set_unless`.
    NodeSet,
    /// The `deploy` resources and their provider classes.
    DeployResource,
    /// `Chef::Platform.set` and its provider-mapping siblings.
    PlatformMapping,
    /// `Chef::ShellOut`.
    ShellOut,
    /// `node[...] = value` without a precedence level.
    AssignWithoutPrecedence,
    /// A resource or method Chef added in a version (see [`ADDED`]).
    Added,
}

/// Whether an [`ADDED`] name is a resource or a recipe-DSL method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addition {
    /// Declared as `name 'x' do ... end`.
    Resource,
    /// Called as `name(...)`, without a receiver.
    Method,
}

/// An [`ADDED`] entry: the name, the `(major, minor)` of the first Chef
/// release that has it, resource or method, and what to do on an older
/// client when there is something better to say than the general help.
pub type AddedEntry = (&'static str, (u32, u32), Addition, Option<&'static str>);

/// The resources and methods Chef added after 12.0 (the module's second
/// table).
pub const ADDED: &[AddedEntry] = &[
    ("apt_update", (12, 7), Addition::Resource, Some("run `execute 'apt-get update'` instead")),
    ("chocolatey_package", (12, 7), Addition::Resource, None),
    ("osx_profile", (12, 7), Addition::Resource, None),
    ("osx_config_profile", (12, 7), Addition::Resource, None),
    ("apt_repository", (12, 9), Addition::Resource, Some("write the source with `file '/etc/apt/sources.list.d/NAME.list'` and its key with `remote_file`, then `execute 'apt-get update'` when they change")),
    ("edit_resource", (12, 10), Addition::Method, None),
    ("edit_resource!", (12, 10), Addition::Method, None),
    ("find_resource", (12, 10), Addition::Method, None),
    ("find_resource!", (12, 10), Addition::Method, None),
    ("delete_resource", (12, 10), Addition::Method, None),
    ("delete_resource!", (12, 10), Addition::Method, None),
    ("with_run_context", (12, 10), Addition::Method, None),
    ("systemd_unit", (12, 11), Addition::Resource, Some("write the unit with `file '/etc/systemd/system/NAME'`, notify an `execute 'systemctl daemon-reload'`, and manage it with `service`")),
    ("yum_repository", (12, 14), Addition::Resource, Some("write the repository with `file '/etc/yum.repos.d/NAME.repo'`")),
    ("dnf_package", (12, 18), Addition::Resource, Some("use `package`, which picks the platform's installer")),
    ("apt_preference", (13, 3), Addition::Resource, Some("write the pin with `file '/etc/apt/preferences.d/NAME.pref'`")),
    ("zypper_repository", (13, 3), Addition::Resource, None),
    ("zypper_repo", (13, 3), Addition::Resource, None),
    ("hostname", (14, 0), Addition::Resource, Some("set the name with `execute` running `hostname NAME` and `hostnamectl set-hostname NAME`, each guarded by `not_if` (the running name, /etc/hostname), and the instance's /etc/hosts line with `file`, as stackc_base's setup does")),
    ("sysctl", (14, 0), Addition::Resource, Some("write the setting with `file '/etc/sysctl.d/NAME.conf'` and notify an `execute 'sysctl -p /etc/sysctl.d/NAME.conf'`")),
    ("sysctl_param", (14, 0), Addition::Resource, Some("write the setting with `file '/etc/sysctl.d/NAME.conf'` and notify an `execute 'sysctl -p /etc/sysctl.d/NAME.conf'`")),
    ("build_essential", (14, 0), Addition::Resource, Some("install the compilers with `package` (`build-essential` on Ubuntu, `gcc gcc-c++ make` on Amazon Linux)")),
    ("swap_file", (14, 0), Addition::Resource, None),
    ("sudo", (14, 0), Addition::Resource, Some("write the rule with `file '/etc/sudoers.d/NAME'` (mode 0440) and `verify 'visudo -cf %{path}'`")),
    ("ohai_hint", (14, 0), Addition::Resource, None),
    ("chef_handler", (14, 0), Addition::Resource, None),
    ("openssl_dhparam", (14, 0), Addition::Resource, None),
    ("openssl_rsa_private_key", (14, 0), Addition::Resource, None),
    ("openssl_rsa_key", (14, 0), Addition::Resource, None),
    ("openssl_rsa_public_key", (14, 0), Addition::Resource, None),
    ("rhsm_register", (14, 0), Addition::Resource, None),
    ("rhsm_repo", (14, 0), Addition::Resource, None),
    ("rhsm_subscription", (14, 0), Addition::Resource, None),
    ("rhsm_errata", (14, 0), Addition::Resource, None),
    ("rhsm_errata_level", (14, 0), Addition::Resource, None),
    ("kernel_module", (14, 3), Addition::Resource, None),
    ("ssh_known_hosts_entry", (14, 3), Addition::Resource, None),
    ("cron_d", (14, 4), Addition::Resource, Some("write the job with `file '/etc/cron.d/NAME'`, or use `cron`")),
    ("cron_access", (14, 4), Addition::Resource, None),
    ("cron_manage", (14, 4), Addition::Resource, None),
    ("openssl_x509_certificate", (14, 4), Addition::Resource, None),
    ("openssl_x509", (14, 4), Addition::Resource, None),
    ("openssl_x509_request", (14, 4), Addition::Resource, None),
    ("openssl_x509_crl", (14, 4), Addition::Resource, None),
    ("openssl_ec_private_key", (14, 4), Addition::Resource, None),
    ("openssl_ec_public_key", (14, 4), Addition::Resource, None),
    ("locale", (14, 5), Addition::Resource, None),
    ("timezone", (14, 6), Addition::Resource, Some("install `tzdata` and run `execute` with `timedatectl set-timezone ZONE`, guarded by `not_if` on `timedatectl show --property=Timezone --value`, as stackc_base's setup does")),
    ("archive_file", (15, 0), Addition::Resource, Some("unpack with `execute` running `tar -x -f ARCHIVE -C DIR` (or `unzip`), as stackc_deploy does")),
    ("libarchive_file", (15, 0), Addition::Resource, None),
    ("snap_package", (15, 0), Addition::Resource, None),
    ("unified_mode", (15, 3), Addition::Method, Some("drop the line for this client: it only changes when a custom resource's actions run, which Chef 18 makes the default")),
    ("chef_sleep", (15, 5), Addition::Resource, Some("use `execute 'sleep N'`")),
    ("user_ulimit", (16, 0), Addition::Resource, Some("write the limits with `file '/etc/security/limits.d/NAME.conf'`")),
    ("alternatives", (16, 0), Addition::Resource, Some("run `update-alternatives` with `execute`, guarded by `not_if`")),
    ("chef_client_cron", (16, 0), Addition::Resource, None),
    ("chef_client_systemd_timer", (16, 0), Addition::Resource, None),
    ("chef_vault_secret", (16, 0), Addition::Resource, None),
    ("chef_client_config", (16, 6), Addition::Resource, None),
    ("habitat_install", (17, 3), Addition::Resource, None),
    ("habitat_package", (17, 3), Addition::Resource, None),
    ("habitat_service", (17, 3), Addition::Resource, None),
    ("habitat_sup", (17, 3), Addition::Resource, None),
    ("habitat_config", (17, 3), Addition::Resource, None),
    ("habitat_user_toml", (17, 3), Addition::Resource, None),
    ("selinux_boolean", (18, 0), Addition::Resource, None),
    ("selinux_fcontext", (18, 0), Addition::Resource, None),
    ("selinux_install", (18, 0), Addition::Resource, None),
    ("selinux_module", (18, 0), Addition::Resource, None),
    ("selinux_permissive", (18, 0), Addition::Resource, None),
    ("selinux_port", (18, 0), Addition::Resource, None),
    ("selinux_state", (18, 0), Addition::Resource, None),
];

/// The [`ADDED`] entry of a name.
fn added(name: &str) -> Option<((u32, u32), Addition, Option<&'static str>)> {
    ADDED
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, v, a, help)| (v, a, help))
}

/// What the lint says about a kind: when Chef deprecated and removed it, and
/// what replaces it.
struct Rule {
    /// `(major, minor)` of the first Chef that warns, when one did.
    deprecated_in: Option<(u32, u32)>,
    /// `(major, minor)` of the first Chef without it.
    removed_in: (u32, u32),
    /// The help line.
    replacement: &'static str,
}

fn rule(kind: Kind) -> Option<Rule> {
    Some(match kind {
        Kind::NodeSet => Rule {
            deprecated_in: Some((12, 12)),
            removed_in: (14, 0),
            replacement: "use `node.normal` (`node.normal_unless`) for the same persistent behaviour, or better `node.default` / `node.override`, which do not outlive the code that sets them; in attribute files, `normal[...]` or `default[...]`",
        },
        Kind::DeployResource => Rule {
            deprecated_in: Some((13, 6)),
            removed_in: (14, 0),
            replacement: "vendor the `deploy_resource` cookbook from Supermarket (the same resource as a cookbook) and depend on it in metadata.rb, or deploy with `git`/`remote_file` and `link` resources; `chef client=\"chef\" version=\"12.22.5\"` on the layer runs the cookbook as OpsWorks did",
        },
        Kind::PlatformMapping => Rule {
            deprecated_in: Some((12, 0)),
            removed_in: (13, 0),
            replacement: "declare the mapping on the provider or resource class: `provides :my_resource, platform_family: \"debian\"` (Chef 12.4 and later)",
        },
        Kind::ShellOut => Rule {
            deprecated_in: Some((11, 0)),
            removed_in: (13, 0),
            replacement: "use `Mixlib::ShellOut` (the same class: `require \"mixlib/shellout\"`), or the `shell_out` helper of `Chef::Mixin::ShellOut`",
        },
        Kind::AssignWithoutPrecedence => Rule {
            deprecated_in: None,
            removed_in: (11, 0),
            replacement: "name the precedence level: `node.default[\"key\"] = value` (or `node.override[...]`, `node.normal[...]`); Chef 11 and later raise ImmutableAttributeModification here",
        },
        Kind::Added => return None,
    })
}

/// One call found in a file: its kind, what it is called in messages and
/// where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The kind of call.
    pub kind: Kind,
    /// The call as messages name it (`node.set`, `deploy_revision`).
    pub call: String,
    /// Its bytes in the file.
    pub span: Span,
}

/// The cookbook directories whose Ruby files a Chef run loads as code:
/// `<cookbook>/<dir>/...rb`.
const CODE_DIRS: &[&str] = &[
    "recipes",
    "libraries",
    "providers",
    "resources",
    "definitions",
    "attributes",
];

/// True for a file (its path inside the cookbooks directory) the lint reads.
pub fn applies(path: &str) -> bool {
    let mut parts = path.split('/');
    let (Some(_cookbook), Some(dir)) = (parts.next(), parts.next()) else {
        return false;
    };
    CODE_DIRS.contains(&dir) && path.ends_with(".rb") && parts.next().is_some()
}

/// Whether `runtime` removed (`Some(true)`), deprecated (`Some(false)`) or
/// still has (`None`) a kind of call.
fn status(kind: Kind, runtime: &Runtime) -> Option<bool> {
    let r = rule(kind)?;
    let v = super::major_minor(&runtime.version);
    if v >= r.removed_in {
        Some(true)
    } else if r.deprecated_in.is_some_and(|d| v >= d) {
        Some(false)
    } else {
        None
    }
}

fn version_text((major, minor): (u32, u32)) -> String {
    if minor == 0 {
        format!("Chef {major}")
    } else {
        format!("Chef {major}.{minor}")
    }
}

/// The warnings of one cookbook file (`path` inside the cookbooks
/// directory, `text` its contents) for the clients that may run it: a call
/// is reported as removed when one of them removed it, else as deprecated
/// when one deprecated it, and a resource or method as unavailable when one
/// of them is older than the Chef that added it and `defined` (what the
/// stack's cookbooks define, see [`Defined::collect`]) does not define it
/// for that client, naming those clients. No client, no warning.
pub fn lint(path: &str, text: &str, runtimes: &[Runtime], defined: &Defined) -> Vec<Diagnostic> {
    if !applies(path) || runtimes.is_empty() {
        return Vec::new();
    }
    let attributes = path.split('/').nth(1) == Some("attributes");
    let mut out = Vec::new();
    for f in findings(text, attributes) {
        let Some(r) = rule(f.kind) else {
            out.extend(unavailable(&f, runtimes, defined));
            continue;
        };
        let removed: Vec<String> = runtimes
            .iter()
            .filter(|rt| status(f.kind, rt) == Some(true))
            .map(Runtime::describe)
            .collect();
        let deprecated: Vec<String> = runtimes
            .iter()
            .filter(|rt| status(f.kind, rt) == Some(false))
            .map(Runtime::describe)
            .collect();
        let d = if !removed.is_empty() {
            Diagnostic::warning(
                Code::ChefRemoved,
                f.span,
                format!(
                    "`{}` was removed in {}: {} fails on it",
                    f.call,
                    version_text(r.removed_in),
                    removed.join(" and ")
                ),
            )
            .label(format!("removed in {}", version_text(r.removed_in)))
        } else if !deprecated.is_empty() {
            let since = r.deprecated_in.expect("deprecated kinds have a version");
            Diagnostic::warning(
                Code::ChefDeprecated,
                f.span,
                format!(
                    "`{}` is deprecated since {} and removed in {}: {} warns about it",
                    f.call,
                    version_text(since),
                    version_text(r.removed_in),
                    deprecated.join(" and ")
                ),
            )
            .label(format!("deprecated since {}", version_text(since)))
        } else {
            continue;
        };
        out.push(d.help(r.replacement));
    }
    out
}

/// The `chef_unavailable` warning of an [`Kind::Added`] finding, when one
/// of `runtimes` is older than the Chef that added it and the stack's
/// cookbooks do not define the resource for it.
fn unavailable(f: &Finding, runtimes: &[Runtime], defined: &Defined) -> Option<Diagnostic> {
    let (since, addition, advice) = added(&f.call)?;
    let older: Vec<String> = runtimes
        .iter()
        .filter(|rt| super::major_minor(&rt.version) < since)
        .filter(|rt| addition == Addition::Method || !defined.defines(&f.call, rt))
        .map(Runtime::describe)
        .collect();
    if older.is_empty() {
        return None;
    }
    let new_in = format!("Chef {}.{}", since.0, since.1);
    let what = match addition {
        Addition::Resource => format!("no `{}` resource", f.call),
        Addition::Method => format!("no `{}` method", f.call),
    };
    let has = if older.len() == 1 { "has" } else { "have" };
    let newer =
        format!("run the layer on {new_in} or later (`chef client=\"cinc\"`: Cinc 18 has it)");
    let instead = match advice {
        Some(advice) => format!("on this client {advice}, or {newer}"),
        None => newer,
    };
    let help = match addition {
        Addition::Resource => format!(
            "{instead}, or vendor a cookbook that defines `{0}` for older clients, as community cookbooks did for Chef 12 (`provides :{0}` in its `resources/`): a resource the stack's cookbooks define is not reported",
            f.call
        ),
        Addition::Method => instead,
    };
    Some(
        Diagnostic::warning(
            Code::ChefUnavailable,
            f.span,
            format!("{} {has} {what} (new in {new_in})", older.join(" and ")),
        )
        .label(format!("new in {new_in}"))
        .help(help),
    )
}

/// How a cookbook file defines a resource name (see the module's rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// `provides :name`: every client.
    Provides,
    /// `resource_name :name`: Chef 12.5 to 15.
    ResourceName,
    /// The name Chef gives `resources/<file>.rb`; `declared`: the file
    /// calls `resource_name`, which replaces it on Chef 12.5 to 15.
    Automatic { declared: bool },
}

/// The first Chef with `resource_name`, and the first that no longer takes
/// it as the resource's name.
const RESOURCE_NAME_FROM: (u32, u32) = (12, 5);
const RESOURCE_NAME_UNTIL: (u32, u32) = (16, 0);

impl Naming {
    /// Whether a client of this `(major, minor)` knows the name.
    fn on(self, version: (u32, u32)) -> bool {
        let declaring = (RESOURCE_NAME_FROM..RESOURCE_NAME_UNTIL).contains(&version);
        match self {
            Naming::Provides => true,
            Naming::ResourceName => declaring,
            Naming::Automatic { declared } => !(declared && declaring),
        }
    }
}

/// The resources a stack's own cookbooks define, read from the whole
/// cookbooks directory before any file is linted: a resource defined there
/// is available whatever the client, so the lint does not report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defined {
    /// Each name, with the files (inside the cookbooks directory) that
    /// define it and how.
    names: BTreeMap<String, Vec<(String, Naming)>>,
}

impl Defined {
    /// Reads the resources `files` (each a path inside the cookbooks
    /// directory and its text) define: the custom resources of
    /// `<cookbook>/resources/`, named as Chef names them, and the names the
    /// resource classes of `<cookbook>/libraries/` provide.
    pub fn collect<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Defined {
        let files: Vec<(&str, &str)> = files.into_iter().collect();
        // Each cookbook's name: its metadata's, else its directory's.
        let mut cookbooks: BTreeMap<&str, String> = BTreeMap::new();
        for (path, text) in &files {
            let Some((dir, file)) = path.split_once('/') else {
                continue;
            };
            let name = match file {
                "metadata.rb" => metadata_rb_name(text),
                "metadata.json" => serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("name")?.as_str().map(str::to_string)),
                _ => None,
            };
            if let Some(name) = name.filter(|n| !n.is_empty()) {
                // metadata.rb wins over metadata.json, as in Chef.
                if file == "metadata.rb" || !cookbooks.contains_key(dir) {
                    cookbooks.insert(dir, name);
                }
            }
        }
        let mut defined = Defined::default();
        for (path, text) in files {
            let mut parts = path.splitn(3, '/');
            let (Some(dir), Some(segment), Some(rest)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some(stem) = rest.rsplit('/').next().and_then(|f| f.strip_suffix(".rb")) else {
                continue;
            };
            let library = match segment {
                "resources" => false,
                "libraries" => true,
                _ => continue,
            };
            let declared = declarations(text, library);
            if !library {
                let cookbook = cookbooks.get(dir).map_or(dir, String::as_str);
                let automatic = if stem == "default" {
                    cookbook.to_string()
                } else {
                    format!("{cookbook}_{stem}")
                };
                let by_resource_name = declared.iter().any(|(_, n)| *n == Naming::ResourceName);
                defined.add(
                    automatic,
                    path,
                    Naming::Automatic {
                        declared: by_resource_name,
                    },
                );
            }
            for (name, naming) in declared {
                defined.add(name, path, naming);
            }
        }
        defined
    }

    fn add(&mut self, name: String, path: &str, naming: Naming) {
        let entry = self.names.entry(name).or_default();
        if !entry.iter().any(|(p, n)| p == path && *n == naming) {
            entry.push((path.to_string(), naming));
        }
    }

    /// Whether the stack's cookbooks define a resource `name` that
    /// `runtime` knows by that name.
    pub fn defines(&self, name: &str, runtime: &Runtime) -> bool {
        let version = super::major_minor(&runtime.version);
        self.names
            .get(name)
            .is_some_and(|ways| ways.iter().any(|(_, n)| n.on(version)))
    }

    /// The names defined for some client, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(String::as_str)
    }
}

/// The `name` a metadata.rb gives its cookbook (`name 'hostname'`).
fn metadata_rb_name(text: &str) -> Option<String> {
    let m = mask(text);
    let mut i = 0;
    while i < m.len() {
        if m[i..].starts_with(b"name") && statement_start(&m, i) && word_end(&m, i) == i + 4 {
            return symbol_or_string(&m, text.as_bytes(), i + 4);
        }
        i = line_after(&m, i);
    }
    None
}

/// The symbol or plain string argument of a call whose name ends at `end`
/// (`provides :hostname`, `resource_name("hostname")`); `None` for another
/// argument (an expression, an interpolated string) or none.
fn symbol_or_string(m: &[u8], src: &[u8], end: usize) -> Option<String> {
    let mut j = skip_blank(m, end);
    if j == end && m.get(j) != Some(&b'(') {
        return None;
    }
    if m.get(j) == Some(&b'(') {
        j = skip_blank(m, j + 1);
    }
    let (from, to) = match m.get(j)? {
        b':' => (j + 1, word_end(m, j + 1)),
        &q @ (b'\'' | b'"') => {
            let close = (j + 1..m.len()).find(|&k| m[k] == q)?;
            (j + 1, close)
        }
        _ => return None,
    };
    let name = src.get(from..to)?;
    (!name.is_empty() && is_ident_start(name[0]) && name.iter().all(|&c| is_ident(c)))
        .then(|| as_str(name).to_string())
}

/// The `provides :name` and `resource_name :name` statements of a
/// `resources/` file, or of the resource classes of a `libraries/` file
/// (`library`: a provider's `provides` maps a provider, not a resource).
fn declarations(text: &str, library: bool) -> Vec<(String, Naming)> {
    let m = mask(text);
    let src = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < m.len() {
        let b = m[i];
        if !is_ident_start(b)
            || (i > 0 && (is_ident(m[i - 1]) || matches!(m[i - 1], b'@' | b'$' | b'.' | b':')))
        {
            i += 1;
            continue;
        }
        let end = word_end(&m, i);
        let naming = match &m[i..end] {
            b"provides" => Some(Naming::Provides),
            b"resource_name" => Some(Naming::ResourceName),
            _ => None,
        };
        if let Some(naming) = naming {
            if statement_start(&m, i) && (!library || in_resource_class(&m, i)) {
                if let Some(name) = symbol_or_string(&m, src, end) {
                    out.push((name, naming));
                }
            }
        }
        i = end;
    }
    out
}

/// Whether the statement at `at` in a library file lies in a resource
/// class rather than a provider's: the classes around it are read outwards
/// by indentation (`class Chef` / `class Resource` / `class Hostname <
/// LWRPBase`), and the first that names `Resource` or `Provider`, in its
/// superclass or else in its own name, decides. Neither: not a resource.
fn in_resource_class(m: &[u8], at: usize) -> bool {
    let line_start = |i: usize| {
        m[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
    };
    let mut indent = at - line_start(at);
    let mut j = line_start(at);
    while j > 0 {
        let start = line_start(j - 1);
        let first = skip_blank(m, start);
        let column = first - start;
        if column < indent
            && m[first..].starts_with(b"class")
            && m.get(first + 5).is_some_and(|&b| b == b' ' || b == b'\t')
        {
            let header = as_str(&m[first + 5..line_after(m, first).min(m.len())]);
            let (name, superclass) = header.split_once('<').unwrap_or((header, ""));
            let says = |part: &str| {
                let words: Vec<&str> = part
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .collect();
                if words.contains(&"Provider") {
                    Some(false)
                } else if words.contains(&"Resource") {
                    Some(true)
                } else {
                    None
                }
            };
            if let Some(resource) = says(superclass).or_else(|| says(name)) {
                return resource;
            }
            indent = column;
        }
        j = start;
    }
    false
}

/// The calls of a Ruby file, in order; `attributes` for an attribute file
/// (where `set[...]` is `node.set[...]`).
pub fn findings(text: &str, attributes: bool) -> Vec<Finding> {
    let m = mask(text);
    let blocks = Blocks::new(&m);
    let mut out = Vec::new();
    let mut i = 0;
    while i < m.len() {
        let b = m[i];
        if !is_ident_start(b) || (i > 0 && (is_ident(m[i - 1]) || matches!(m[i - 1], b'@' | b'$')))
        {
            i += 1;
            continue;
        }
        let end = word_end(&m, i);
        let word = &m[i..end];
        let found = match word {
            b"node" if i == 0 || m[i - 1] != b':' || (i > 1 && m[i - 2] == b':') => {
                node_call(&m, i, end)
            }
            b"set" | b"set_unless" if attributes && statement_start(&m, i) => {
                let next = skip_blank(&m, end);
                (next < m.len() && matches!(m[next], b'[' | b'(')).then(|| Finding {
                    kind: Kind::NodeSet,
                    call: format!("node.{}", as_str(word)),
                    span: Span::new(i, end - i),
                })
            }
            b"deploy" | b"deploy_revision" | b"deploy_branch" if statement_start(&m, i) => {
                deploy_resource(&m, i, end)
            }
            b"Chef" if i == 0 || m[i - 1] != b':' || (i > 1 && m[i - 2] == b':') => {
                chef_constant(&m, i, end)
            }
            _ => added_call(&m, i, end, &blocks),
        };
        match found {
            Some(f) => {
                i = f.span.offset + f.span.len;
                out.push(f);
            }
            None => i = end,
        }
    }
    out
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn word_end(m: &[u8], mut i: usize) -> usize {
    while i < m.len() && is_ident(m[i]) {
        i += 1;
    }
    i
}

/// The next byte that is not a space or tab.
fn skip_blank(m: &[u8], mut i: usize) -> usize {
    while i < m.len() && matches!(m[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// True when only blanks (or a `;`) precede `i` on its line.
fn statement_start(m: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(m[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    j == 0 || matches!(m[j - 1], b'\n' | b';')
}

/// `node.set`, `node.set_unless` or `node[...] <assignment>` at `start`.
fn node_call(m: &[u8], start: usize, end: usize) -> Option<Finding> {
    let next = skip_blank(m, end);
    if next < m.len() && m[next] == b'.' {
        let name = skip_blank(m, next + 1);
        let name_end = word_end(m, name);
        let method = &m[name..name_end];
        if method == b"set" || method == b"set_unless" {
            return Some(Finding {
                kind: Kind::NodeSet,
                call: format!("node.{}", as_str(method)),
                span: Span::new(start, name_end - start),
            });
        }
        return None;
    }
    // node[...][...] then an assignment operator.
    let mut j = next;
    let mut last = None;
    while j < m.len() && m[j] == b'[' {
        let close = closing_bracket(m, j)?;
        last = Some(close);
        j = skip_blank(m, close + 1);
    }
    let last = last?;
    let rest = &m[j..];
    let assigns = match rest {
        [b'=', b'=' | b'~' | b'>', ..] => false,
        [b'=', ..] => true,
        [b'<', b'<', ..] => true,
        [b'|' | b'&', b'|' | b'&', b'=', ..] => true,
        [b'+' | b'-' | b'*' | b'/', b'=', ..] => true,
        _ => false,
    };
    assigns.then(|| Finding {
        kind: Kind::AssignWithoutPrecedence,
        call: "node[...] =".into(),
        span: Span::new(start, last + 1 - start),
    })
}

/// The `]` that closes the `[` at `open` (strings are blanked, so brackets
/// in them do not count), within a few lines.
fn closing_bracket(m: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &b) in m.iter().enumerate().skip(open).take(2_000) {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// A `deploy`-family resource at the start of a statement: a name follows
/// (a string, or an expression and a block opened on the same line), not
/// an assignment or an index (`deploy = node[:deploy][app]`,
/// `deploy[:user]`, which OpsWorks cookbooks write often).
fn deploy_resource(m: &[u8], start: usize, end: usize) -> Option<Finding> {
    declares_resource(m, end, false).then(|| Finding {
        kind: Kind::DeployResource,
        call: as_str(&m[start..end]).to_string(),
        span: Span::new(start, end - start),
    })
}

/// True when the word that ends at `end` (at the start of a statement) is
/// followed as a resource is: a quoted name, or anything but an operator
/// and a block opened on the line; `lenient` also takes a name that is an
/// expression without a block (`hostname node['name']`), not a keyword.
fn declares_resource(m: &[u8], end: usize, lenient: bool) -> bool {
    if end >= m.len() || !matches!(m[end], b' ' | b'\t' | b'(') {
        return false;
    }
    let next = skip_blank(m, end + usize::from(m[end] == b'('));
    let line_end = m[next..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(m.len(), |p| next + p);
    let line = &m[next..line_end];
    let quoted = matches!(line.first().copied(), Some(b'"' | b'\'' | b'%'));
    let operator = matches!(
        line.first().copied(),
        None | Some(
            b'=' | b'.'
                | b'['
                | b','
                | b')'
                | b'+'
                | b'-'
                | b'*'
                | b'/'
                | b'<'
                | b'>'
                | b'|'
                | b'&'
                | b'?'
                | b':'
                | b'}'
                | b'{'
        )
    ) && !line.starts_with(b"::");
    let trimmed = as_str(line).trim_end();
    let trimmed = match trimmed.strip_suffix('|') {
        // `do |x|`: drop the block's parameters.
        Some(t) => t.rsplit_once('|').map_or(t, |(head, _)| head).trim_end(),
        None => trimmed,
    };
    let block = trimmed.ends_with(" do") || trimmed.ends_with(")do") || trimmed.ends_with('{');
    let expression = lenient
        && line
            .first()
            .is_some_and(|&b| is_ident_start(b) || matches!(b, b'@' | b'0'..=b'9' | b'('))
        && !KEYWORDS.contains(&&line[..word_end(line, 0)]);
    !(operator || !(quoted || block || expression) || trimmed == "do")
}

/// Ruby's keywords that may follow an expression (`x if y`), so that a word
/// before them is not a call with an argument.
const KEYWORDS: &[&[u8]] = &[
    b"if", b"unless", b"and", b"or", b"then", b"do", b"rescue", b"while", b"until", b"end",
];

/// An [`ADDED`] resource declared at `start` (at the start of a statement,
/// outside another resource's block) or method called there (without a
/// receiver).
fn added_call(m: &[u8], start: usize, end: usize, blocks: &Blocks) -> Option<Finding> {
    let bang = m.get(end) == Some(&b'!');
    let name_end = end + usize::from(bang);
    let (_, addition, _) = added(as_str(&m[start..name_end]))?;
    let found = match addition {
        Addition::Resource => {
            !bang
                && statement_start(m, start)
                && !blocks.in_property_block(start)
                && declares_resource(m, end, true)
        }
        Addition::Method => {
            let receiver = start > 0 && matches!(m[start - 1], b'.' | b':');
            let defined = start >= 4 && &m[start - 4..start] == b"def ";
            let next = skip_blank(m, name_end);
            let argument = m.get(name_end) == Some(&b'(')
                || (next > name_end
                    && m.get(next).is_some_and(|&b| {
                        is_ident_start(b) || matches!(b, b':' | b'"' | b'\'' | b'[' | b'%' | b'@')
                    })
                    && !KEYWORDS.contains(&&m[next..word_end(m, next)]));
            !receiver && !defined && argument
        }
    };
    found.then(|| Finding {
        kind: Kind::Added,
        call: as_str(&m[start..name_end]).to_string(),
        span: Span::new(start, name_end - start),
    })
}

/// Where the blocks of resources are in a masked file: a word at the start
/// of a statement inside `hostsfile_entry '10.0.0.1' do ... end` sets a
/// property (`hostname 'web1'`), it does not declare a resource. Read line
/// by line: `do` opens a block (a resource's when its statement starts with
/// a word and an argument, as `template '/etc/x' do`; an iterator's when it
/// has a receiver, as `node['x'].each do`), `if`, `unless`, `while`,
/// `until` (at the start of a statement or after `=`), `case`, `def`,
/// `class`, `module`, `begin` and `for` open others, `end` closes the last.
struct Blocks {
    /// The offset each line starts at.
    line_starts: Vec<usize>,
    /// Per line: whether it starts inside a resource's block.
    property: Vec<bool>,
}

/// Words that open a block with `do` without declaring a resource: the
/// block holds code (and resources), not properties.
const CODE_BLOCKS: &[&[u8]] = &[
    b"action",
    b"action_class",
    b"load_current_value",
    b"converge_by",
    b"converge_if_changed",
    b"with_run_context",
    b"notifying_block",
    b"loop",
    b"lambda",
    b"proc",
    b"define_method",
    b"each",
    b"map",
    b"times",
    b"include_recipe",
];

impl Blocks {
    fn new(m: &[u8]) -> Blocks {
        // Each open block: Some(true) for a resource's, Some(false) for
        // another `do` block, None for the other keywords' blocks.
        let mut stack: Vec<Option<bool>> = Vec::new();
        let mut line_starts = Vec::new();
        let mut property = Vec::new();
        let mut start = 0;
        while start <= m.len() {
            let end = m[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(m.len(), |p| start + p);
            line_starts.push(start);
            property.push(stack.iter().rev().find_map(|f| *f) == Some(true));
            Blocks::read_line(m, start, end, &mut stack);
            start = end + 1;
        }
        Blocks {
            line_starts,
            property,
        }
    }

    /// Updates `stack` with the keywords of the line `m[start..end]`.
    fn read_line(m: &[u8], start: usize, end: usize, stack: &mut Vec<Option<bool>>) {
        let mut statement = skip_blank(m, start);
        let mut loop_keyword = false;
        let mut i = start;
        while i < end {
            let b = m[i];
            if b == b';' {
                statement = skip_blank(m, i + 1);
                loop_keyword = false;
                i += 1;
                continue;
            }
            if !is_ident_start(b)
                || (i > start && (is_ident(m[i - 1]) || matches!(m[i - 1], b'@' | b'$')))
            {
                i += 1;
                continue;
            }
            let w_end = word_end(m, i);
            let word = &m[i..w_end];
            let method = i > start && matches!(m[i - 1], b'.' | b':');
            let label = m.get(w_end) == Some(&b':') && m.get(w_end + 1) != Some(&b':');
            let suffixed =
                matches!(m.get(w_end), Some(b'?' | b'!' | b'=')) && m.get(w_end + 1) != Some(&b'=');
            if method || label || (suffixed && word != b"end") {
                i = w_end;
                continue;
            }
            let at_statement = i == statement;
            let after_operator = matches!(
                m[start..i].iter().rev().find(|&&c| c != b' ' && c != b'\t'),
                Some(b'=' | b'(' | b'|' | b'&' | b'!' | b',')
            );
            match word {
                b"end" => {
                    stack.pop();
                }
                b"do" if !loop_keyword => stack.push(Some(resource_like(&m[statement..i]))),
                b"while" | b"until" | b"for" if at_statement || after_operator => {
                    loop_keyword = true;
                    stack.push(None);
                }
                b"if" | b"unless" if at_statement || after_operator => stack.push(None),
                b"def" if !endless_def(&m[w_end..end]) => stack.push(None),
                b"case" | b"class" | b"module" | b"begin" => stack.push(None),
                _ => {}
            }
            i = w_end;
        }
    }

    /// Whether offset `at` lies on a line that starts inside a resource's
    /// block.
    fn in_property_block(&self, at: usize) -> bool {
        let line = self.line_starts.partition_point(|&s| s <= at) - 1;
        self.property[line]
    }
}

/// Whether a statement that opens a `do` block (`statement` runs to the
/// `do`) declares a resource: a word without a receiver, then an argument.
fn resource_like(statement: &[u8]) -> bool {
    if statement
        .first()
        .is_none_or(|&b| !(b.is_ascii_lowercase() || b == b'_'))
    {
        return false;
    }
    let w_end = word_end(statement, 0);
    if CODE_BLOCKS.contains(&&statement[..w_end]) || KEYWORDS.contains(&&statement[..w_end]) {
        return false;
    }
    match statement.get(w_end) {
        Some(b'(') => true,
        Some(b' ' | b'\t') => {
            let next = skip_blank(statement, w_end);
            match statement.get(next) {
                None => false,
                Some(b'=') => statement
                    .get(next + 1)
                    .is_some_and(|&b| matches!(b, b'=' | b'~')),
                Some(
                    b'.' | b',' | b')' | b'}' | b']' | b'+' | b'*' | b'/' | b'<' | b'>' | b'|'
                    | b'&' | b'?',
                ) => false,
                Some(_) => true,
            }
        }
        _ => false,
    }
}

/// Ruby 3's one-line method (`def name(args) = expression`): no `end`.
fn endless_def(rest: &[u8]) -> bool {
    let mut j = skip_blank(rest, 0);
    j = word_end(rest, j);
    if rest.get(j) == Some(&b'(') {
        let mut depth = 0usize;
        while j < rest.len() {
            match rest[j] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
    }
    let j = skip_blank(rest, j);
    rest.get(j) == Some(&b'=') && !matches!(rest.get(j + 1), Some(b'=' | b'~'))
}

/// `Chef::ShellOut`, `Chef::Platform.set` (and its siblings), and the
/// deploy resource's classes, at `start` (`Chef`).
fn chef_constant(m: &[u8], start: usize, end: usize) -> Option<Finding> {
    if !m[end..].starts_with(b"::") {
        return None;
    }
    let name = end + 2;
    let name_end = word_end(m, name);
    let constant = &m[name..name_end];
    match constant {
        b"ShellOut" if !m[name_end..].starts_with(b"::") => Some(Finding {
            kind: Kind::ShellOut,
            call: "Chef::ShellOut".into(),
            span: Span::new(start, name_end - start),
        }),
        b"Platform" => {
            let dot = skip_blank(m, name_end);
            if dot >= m.len() || m[dot] != b'.' {
                return None;
            }
            let method = skip_blank(m, dot + 1);
            let method_end = word_end(m, method);
            const MAPPING: &[&[u8]] = &[
                b"set",
                b"platforms",
                b"provider_for_resource",
                b"provider_for_node",
                b"find_provider",
                b"find_provider_for_node",
                b"find",
                b"find_platform_and_version",
            ];
            // `Chef::Platform.windows?` and the like are not mappings.
            let method_name = &m[method..method_end];
            let predicate = m.get(method_end) == Some(&b'?');
            (MAPPING.contains(&method_name) && !predicate).then(|| Finding {
                kind: Kind::PlatformMapping,
                call: format!("Chef::Platform.{}", as_str(method_name)),
                span: Span::new(start, method_end - start),
            })
        }
        b"Provider" | b"Resource" if m[name_end..].starts_with(b"::Deploy") => {
            let class = name_end + 2;
            let class_end = word_end(m, class);
            if &m[class..class_end] != b"Deploy" {
                return None;
            }
            // Chef::Provider::Deploy::Revision and the like.
            let mut full_end = class_end;
            if m[class_end..].starts_with(b"::") {
                let sub_end = word_end(m, class_end + 2);
                if sub_end > class_end + 2 {
                    full_end = sub_end;
                }
            }
            Some(Finding {
                kind: Kind::DeployResource,
                call: as_str(&m[start..full_end]).to_string(),
                span: Span::new(start, full_end - start),
            })
        }
        _ => None,
    }
}

/// The text as bytes with every comment and the inside of every string
/// literal, heredoc and regular expression replaced by spaces (newlines
/// kept, so offsets and lines stay those of the file; delimiters kept).
pub fn mask(text: &str) -> Vec<u8> {
    let src = text.as_bytes();
    let mut m = src.to_vec();
    let n = src.len();
    let blank = |m: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut m[from..to.min(n)] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    // Heredocs opened on the current line: (terminator, indented end).
    let mut pending: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < n {
        let b = src[i];
        if line_start {
            line_start = false;
            if src[i..].starts_with(b"=begin") {
                let end = find_line_starting(src, i, b"=end").unwrap_or(n);
                let end = line_after(src, end);
                blank(&mut m, i, end);
                i = end;
                line_start = true;
                continue;
            }
            if src[i..].starts_with(b"__END__")
                && matches!(src.get(i + 7), None | Some(b'\n' | b'\r'))
            {
                blank(&mut m, i, n);
                break;
            }
        }
        match b {
            b'\n' => {
                i += 1;
                // Heredoc bodies start on the next line, in order.
                for (term, indented) in std::mem::take(&mut pending) {
                    let body = i;
                    let mut j = i;
                    loop {
                        if j >= n {
                            i = n;
                            break;
                        }
                        let le = line_after(src, j);
                        let line = &src[j..le];
                        let line = line.strip_suffix(b"\n").unwrap_or(line);
                        let line = line.strip_suffix(b"\r").unwrap_or(line);
                        let candidate = if indented { trim_start(line) } else { line };
                        if candidate == term.as_slice() {
                            blank(&mut m, body, j);
                            i = le;
                            break;
                        }
                        j = le;
                    }
                    if i >= n {
                        blank(&mut m, body, n);
                    }
                }
                line_start = true;
            }
            b'#' => {
                let end = src[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(n, |p| i + p);
                blank(&mut m, i, end);
                i = end;
            }
            b'\'' => {
                let end = string_end(src, i + 1, b'\'', None);
                blank(&mut m, i + 1, end);
                i = end + 1;
            }
            b'"' | b'`' => {
                let end = string_end(src, i + 1, b, None);
                blank(&mut m, i + 1, end);
                i = end + 1;
            }
            b'%' if percent_literal(src, i).is_some() => {
                let (open_at, open) = percent_literal(src, i).expect("checked");
                let close = closing_delimiter(open);
                let nest = (close != open).then_some(open);
                let end = string_end(src, open_at + 1, close, nest);
                blank(&mut m, open_at + 1, end);
                i = end + 1;
            }
            b'/' if regex_allowed(src, i) => {
                let mut j = i + 1;
                while j < n && src[j] != b'/' && src[j] != b'\n' {
                    j += if src[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(n);
                blank(&mut m, i + 1, end);
                i = end + 1;
            }
            b'<' if heredoc(src, i).is_some() => {
                let (term, indented, after) = heredoc(src, i).expect("checked");
                pending.push((term, indented));
                i = after;
            }
            _ => i += 1,
        }
    }
    m
}

fn trim_start(line: &[u8]) -> &[u8] {
    let k = line
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(line.len());
    &line[k..]
}

/// The offset just past the end of the line holding `i`.
fn line_after(src: &[u8], i: usize) -> usize {
    src[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(src.len(), |p| i + p + 1)
}

/// The start of the first line at or after `from` that starts with `word`.
fn find_line_starting(src: &[u8], from: usize, word: &[u8]) -> Option<usize> {
    let mut j = line_after(src, from);
    while j < src.len() {
        if src[j..].starts_with(word) {
            return Some(j);
        }
        j = line_after(src, j);
    }
    None
}

/// The offset of the unescaped `close` that ends a literal whose contents
/// start at `from` (the end of the text when it is never closed); `nest`:
/// the opening delimiter of a bracketed literal, which nests.
fn string_end(src: &[u8], from: usize, close: u8, nest: Option<u8>) -> usize {
    let mut depth = 0usize;
    let mut j = from;
    while j < src.len() {
        let c = src[j];
        if c == b'\\' {
            j += 2;
            continue;
        }
        if Some(c) == nest {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                return j;
            }
            depth -= 1;
        }
        j += 1;
    }
    src.len()
}

fn closing_delimiter(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        b'<' => b'>',
        other => other,
    }
}

/// The last byte before `i` that is not a space or tab (a newline counts).
fn previous_significant(src: &[u8], i: usize) -> Option<u8> {
    src[..i]
        .iter()
        .rev()
        .find(|&&c| c != b' ' && c != b'\t')
        .copied()
}

/// True when an operand may start at `i`: after an operator, an opening
/// bracket, a comma, the start of a line, or a keyword.
fn operand_expected(src: &[u8], i: usize) -> bool {
    match previous_significant(src, i) {
        None => true,
        Some(c) if is_ident(c) => {
            // A keyword before it, or a method called without parentheses
            // (`only_if /x/`, `puts %w[a]`), when a blank separates them.
            let word_end = src[..i]
                .iter()
                .rposition(|&c| c != b' ' && c != b'\t')
                .map_or(0, |p| p + 1);
            let word_start = src[..word_end]
                .iter()
                .rposition(|&c| !is_ident(c))
                .map_or(0, |p| p + 1);
            let word = &src[word_start..word_end];
            const KEYWORDS: &[&[u8]] = &[
                b"if", b"unless", b"when", b"and", b"or", b"not", b"return", b"elsif", b"while",
                b"until", b"then", b"in",
            ];
            KEYWORDS.contains(&word) || (word_end < i && !src[i + 1..].starts_with(b" "))
        }
        Some(b')' | b']' | b'}' | b'"' | b'\'') => false,
        Some(_) => true,
    }
}

/// A `%` literal at `i` (`%w[...]`, `%q(...)`, `%(...)`): its opening
/// delimiter and where it is; `None` for the modulo operator.
fn percent_literal(src: &[u8], i: usize) -> Option<(usize, u8)> {
    if !operand_expected(src, i) {
        return None;
    }
    let mut j = i + 1;
    if src
        .get(j)
        .is_some_and(|c| b"qQwWiIrsx".contains(c) && src.get(j + 1).is_some_and(|d| !is_ident(*d)))
    {
        j += 1;
    }
    let open = *src.get(j)?;
    (b"([{<|!/^".contains(&open)).then_some((j, open))
}

fn regex_allowed(src: &[u8], i: usize) -> bool {
    operand_expected(src, i)
}

/// A heredoc opener at `i` (`<<-EOH`, `<<~EOS`, `<<'EOF'`, `<<EOF`): its
/// terminator, whether the terminator may be indented, and the offset after
/// the opener; `None` for the `<<` operator.
fn heredoc(src: &[u8], i: usize) -> Option<(Vec<u8>, bool, usize)> {
    if !src[i..].starts_with(b"<<") {
        return None;
    }
    let mut j = i + 2;
    let indented = matches!(src.get(j), Some(b'-' | b'~'));
    if indented {
        j += 1;
    }
    let quote = match src.get(j) {
        Some(&q @ (b'\'' | b'"' | b'`')) => {
            j += 1;
            Some(q)
        }
        _ => None,
    };
    let start = j;
    let end = word_end(src, start);
    if end == start || !is_ident_start(src[start]) {
        return None;
    }
    if let Some(q) = quote {
        if src.get(end) != Some(&q) {
            return None;
        }
    } else if !indented && (!src[start].is_ascii_uppercase() || !operand_expected(src, i)) {
        // `list <<CONST` is rare; `list << x` is the append operator.
        return None;
    }
    let after = end + usize::from(quote.is_some());
    Some((src[start..end].to_vec(), indented, after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chef::{Client, Runtime};

    fn runtime(client: Client, version: &str) -> Runtime {
        Runtime {
            client,
            version: version.into(),
            span: Span::new(0, 0),
        }
    }

    /// One file alone: no resource defined elsewhere.
    fn lint(path: &str, text: &str, runtimes: &[Runtime]) -> Vec<Diagnostic> {
        super::lint(path, text, runtimes, &Defined::default())
    }

    fn calls(text: &str) -> Vec<(Kind, String, usize)> {
        findings(text, false)
            .into_iter()
            .map(|f| {
                (
                    f.kind,
                    f.call,
                    crate::diag::line_column(text, f.span.offset).0,
                )
            })
            .collect()
    }

    #[test]
    fn each_call_is_found_on_its_line() {
        let text = r#"# node.set['x'] = 1 in a comment
node.set['a']['b'] = 1
node.set_unless[:c] = 2
deploy_revision "/srv/app" do
  repo "https://example.com/app.git"
end
deploy deploy[:deploy_to] do
  provider Chef::Provider::Deploy::Revision
end
Chef::Platform.set(platform: :ubuntu, resource: :service, provider: Chef::Provider::Service::Upstart)
cmd = Chef::ShellOut.new("ls")
node['x']['y'] = 3
node[:list] << "item"
node['z'] ||= 4
"#;
        assert_eq!(
            calls(text),
            [
                (Kind::NodeSet, "node.set".to_string(), 2),
                (Kind::NodeSet, "node.set_unless".to_string(), 3),
                (Kind::DeployResource, "deploy_revision".to_string(), 4),
                (Kind::DeployResource, "deploy".to_string(), 7),
                (
                    Kind::DeployResource,
                    "Chef::Provider::Deploy::Revision".to_string(),
                    8
                ),
                (Kind::PlatformMapping, "Chef::Platform.set".to_string(), 10),
                (Kind::ShellOut, "Chef::ShellOut".to_string(), 11),
                (Kind::AssignWithoutPrecedence, "node[...] =".to_string(), 12),
                (Kind::AssignWithoutPrecedence, "node[...] =".to_string(), 13),
                (Kind::AssignWithoutPrecedence, "node[...] =".to_string(), 14),
            ]
        );
    }

    #[test]
    fn comments_strings_heredocs_and_lookalikes_are_not_calls() {
        let text = r#"# deploy "/srv" do
=begin
node.set['a'] = 1
=end
log "node.set['a'] = 1 and Chef::ShellOut"
log 'deploy_revision "/x" do'
bash "x" do
  code <<-EOH
    node.set['a'] = 1
    deploy "/srv" do
  EOH
end
script = <<~SCRIPT
  Chef::Platform.set(x)
SCRIPT
only_if { `cat /x` =~ /node.set/ }
words = %w[node.set deploy]
node.default['a'] = 1
node.override['a']['b'] = 2
node.normal_unless['c'] = 3
if node['a'] == 1 then x = 1 end
y = node['a'] != 2
node[:deploy].each do |application, deploy|
  deploy = node[:deploy][application]
  deploy[:user] = "x"
  if deploy[:scm]
  end
end
Chef::Platform.windows?
include Chef::Mixin::ShellOut
Mixlib::ShellOut.new("ls")
list << node['a']
n = 10 % 3
"#;
        assert_eq!(calls(text), []);
    }

    #[test]
    fn attribute_files_know_set_without_a_receiver() {
        let text = "default['a'] = 1\nset['b'] = 2\nset_unless['c']['d'] = 3\n";
        let found: Vec<String> = findings(text, true).into_iter().map(|f| f.call).collect();
        assert_eq!(found, ["node.set", "node.set_unless"]);
        assert!(findings(text, false).is_empty());
    }

    #[test]
    fn the_client_decides_removed_deprecated_or_nothing() {
        let text = "node.set['a'] = 1\ndeploy \"/srv\" do\nend\nx = Chef::ShellOut.new('ls')\nnode['b'] = 2\n";
        let path = "app/recipes/default.rb";
        let cinc = lint(path, text, &[Runtime::default()]);
        let codes: Vec<Code> = cinc.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::ChefRemoved; 4]);
        assert_eq!(
            cinc[0].message,
            "`node.set` was removed in Chef 14: Cinc 18.6.2 fails on it"
        );
        assert!(cinc.iter().all(|d| d.help.is_some()));
        let chef12 = lint(path, text, &[runtime(Client::Chef, "12.22.5")]);
        let summary: Vec<(Code, &str)> = chef12
            .iter()
            .map(|d| (d.code, d.message.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    Code::ChefDeprecated,
                    "`node.set` is deprecated since Chef 12.12 and removed in Chef 14: Chef Infra Client 12.22.5 warns about it"
                ),
                (
                    Code::ChefDeprecated,
                    "`Chef::ShellOut` is deprecated since Chef 11 and removed in Chef 13: Chef Infra Client 12.22.5 warns about it"
                ),
                (
                    Code::ChefRemoved,
                    "`node[...] =` was removed in Chef 11: Chef Infra Client 12.22.5 fails on it"
                ),
            ]
        );
        // Before 12.12, node.set was not even deprecated.
        let old = lint(
            path,
            "node.set['a'] = 1\n",
            &[runtime(Client::Chef, "12.5.1")],
        );
        assert!(old.is_empty());
        // Both clients: the worst wins and names its client.
        let both = lint(
            path,
            "node.set['a'] = 1\n",
            &[runtime(Client::Chef, "12.22.5"), Runtime::default()],
        );
        assert_eq!(both[0].code, Code::ChefRemoved);
        // Files Chef does not load as code are not read.
        assert!(lint("app/templates/default/x.rb", text, &[Runtime::default()]).is_empty());
        assert!(lint("app/metadata.rb", text, &[Runtime::default()]).is_empty());
    }

    #[test]
    fn added_resources_are_found_where_they_are_declared_not_where_they_are_properties() {
        let text = r#"hostname 'web1'
timezone node['stackc']['timezone']
hostname = node['hostname']
log "hostname 'x' and timezone 'UTC'"
hostsfile_entry '10.0.0.1' do
  hostname 'web1'
  unique true
end
docker_container('app') do
  hostname node['name']
end
node['apps'].each do |name, app|
  archive_file "/tmp/#{name}.tgz" do
    destination '/srv'
  end
end
if node['swap']
  swap_file '/swapfile' do
    size 1024
  end
end
action :create do
  sysctl 'vm.swappiness' do
    value 10
  end
end
ruby_block 'x' do
  block do
    Chef::Log.info(hostname.to_s)
  end
end
x = hostname if ready
build_essential
apt_update 'update'
"#;
        let found: Vec<(String, usize)> = findings(text, false)
            .into_iter()
            .filter(|f| f.kind == Kind::Added)
            .map(|f| (f.call, crate::diag::line_column(text, f.span.offset).0))
            .collect();
        let want: Vec<(String, usize)> = [
            ("hostname", 1),
            ("timezone", 2),
            ("archive_file", 13),
            ("swap_file", 18),
            ("sysctl", 23),
            ("apt_update", 34),
        ]
        .iter()
        .map(|(c, l)| (c.to_string(), *l))
        .collect();
        assert_eq!(found, want);
    }

    #[test]
    fn added_methods_are_calls_without_a_receiver() {
        let text = r#"edit_resource(:template, '/etc/x') do
  source 'x.erb'
end
r = find_resource!(:service, 'nginx')
delete_resource :file, '/tmp/x'
with_run_context :root do
  log 'x'
end
unified_mode true
collection.find_resource(:service, 'x')
def find_resource(type, name)
end
:edit_resource
edit_resource
"#;
        let found: Vec<(String, usize)> = findings(text, false)
            .into_iter()
            .map(|f| (f.call, crate::diag::line_column(text, f.span.offset).0))
            .collect();
        let want: Vec<(String, usize)> = [
            ("edit_resource", 1),
            ("find_resource!", 4),
            ("delete_resource", 5),
            ("with_run_context", 6),
            ("unified_mode", 9),
        ]
        .iter()
        .map(|(c, l)| (c.to_string(), *l))
        .collect();
        assert_eq!(found, want);
    }

    #[test]
    fn an_added_resource_is_unavailable_on_a_client_older_than_its_release() {
        let text = "hostname 'web1'\ntimezone 'UTC'\nsystemd_unit 'x.service' do\n  content 'x'\nend\nedit_resource(:file, '/x') do\nend\n";
        let path = "app/recipes/default.rb";
        // Cinc 18 has them all.
        assert!(lint(path, text, &[Runtime::default()]).is_empty());
        let chef12 = lint(path, text, &[runtime(Client::Chef, "12.22.5")]);
        let summary: Vec<(Code, &str, &str)> = chef12
            .iter()
            .map(|d| (d.code, d.message.as_str(), d.label.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    Code::ChefUnavailable,
                    "Chef Infra Client 12.22.5 has no `hostname` resource (new in Chef 14.0)",
                    "new in Chef 14.0"
                ),
                (
                    Code::ChefUnavailable,
                    "Chef Infra Client 12.22.5 has no `timezone` resource (new in Chef 14.6)",
                    "new in Chef 14.6"
                ),
            ]
        );
        let help = chef12[0].help.as_deref().unwrap();
        assert!(help.contains("hostnamectl set-hostname"), "{help}");
        assert!(help.contains("Chef 14.0 or later"), "{help}");
        // Chef 14.0 has `hostname` but not `timezone`; Chef 12.10 lacks
        // `systemd_unit` too, but has `edit_resource`; 12.9 lacks both.
        let chef14 = lint(path, text, &[runtime(Client::Chef, "14.0.190")]);
        assert_eq!(
            chef14
                .iter()
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>(),
            ["Chef Infra Client 14.0.190 has no `timezone` resource (new in Chef 14.6)"]
        );
        let calls = |version: &str| -> Vec<String> {
            lint(path, text, &[runtime(Client::Chef, version)])
                .iter()
                .map(|d| {
                    as_str(&text.as_bytes()[d.span.offset..d.span.offset + d.span.len]).to_string()
                })
                .collect()
        };
        assert_eq!(calls("12.10.24"), ["hostname", "timezone", "systemd_unit"]);
        assert_eq!(
            calls("12.9.38"),
            ["hostname", "timezone", "systemd_unit", "edit_resource"]
        );
        // Two clients: the older names both.
        let both = lint(
            path,
            "timezone 'UTC'\n",
            &[
                runtime(Client::Chef, "12.22.5"),
                runtime(Client::Chef, "14.4.56"),
            ],
        );
        assert_eq!(
            both[0].message,
            "Chef Infra Client 12.22.5 and Chef Infra Client 14.4.56 have no `timezone` resource (new in Chef 14.6)"
        );
    }

    /// A cookbooks directory: (path inside it, text).
    const VENDORED: &[(&str, &str)] = &[
        // The community way: a cookbook named `hostname` whose default
        // resource is `hostname` (Chef's automatic name).
        ("hostname-1.0/metadata.rb", "name 'hostname'\nversion '1.0.0'\n"),
        (
            "hostname-1.0/resources/default.rb",
            "property :name, String, name_property: true\naction :set do\n  execute \"hostname #{new_resource.name}\"\nend\n",
        ),
        // No metadata name: the directory's; `file.rb` gives swap_file.
        ("swap/resources/file.rb", "property :size, Integer\n"),
        // `resource_name` names it on Chef 12.5 to 15 only, and replaces
        // the automatic compat_tz there.
        ("compat/metadata.json", "{\"name\": \"compat\", \"version\": \"1.0.0\"}"),
        ("compat/resources/tz.rb", "resource_name :timezone\nproperty :zone, String\n"),
        // A resource class provides archive_file; a provider class's
        // `provides` maps a provider, not a resource; comments and strings
        // are not statements; a provider file maps a provider.
        (
            "ext/libraries/archive.rb",
            r#"# provides :apt_update
class Chef
  class Resource
    class ArchiveFile < Chef::Resource::LWRPBase
      provides :archive_file
      resource_name(:archive_file)
      attribute :destination, kind_of: String
    end
  end
  class Provider
    class SystemdUnit < Chef::Provider::LWRPBase
      provides :systemd_unit
    end
  end
end
module Ext
  class Sudo < Chef::Resource
    provides "sudo", platform_family: "rhel"
  end
end
log "provides :locale"
"#,
        ),
        ("ext/providers/yum.rb", "provides :yum_repository\n"),
    ];

    #[test]
    fn the_resources_a_stacks_cookbooks_define_are_named_as_chef_names_them() {
        let defined = Defined::collect(VENDORED.iter().copied());
        assert_eq!(
            defined.names().collect::<Vec<_>>(),
            [
                "archive_file",
                "compat_tz",
                "hostname",
                "sudo",
                "swap_file",
                "timezone"
            ]
        );
        let on = |version: &str| -> Vec<&str> {
            let rt = runtime(Client::Chef, version);
            defined
                .names()
                .filter(|n| defined.defines(n, &rt))
                .collect()
        };
        // Chef 12.4 has no resource_name: the file's automatic name only.
        assert_eq!(
            on("12.4.3"),
            ["archive_file", "compat_tz", "hostname", "sudo", "swap_file"]
        );
        // Chef 12.5 to 15: resource_name replaces the automatic name.
        assert_eq!(
            on("12.22.5"),
            ["archive_file", "hostname", "sudo", "swap_file", "timezone"]
        );
        assert_eq!(on("15.17.4"), on("12.22.5"));
        // Chef 16: resource_name is for display; the automatic name is back.
        assert_eq!(on("16.0.257"), on("12.4.3"));
        assert!(!defined.defines("systemd_unit", &Runtime::default()));
    }

    #[test]
    fn a_resource_the_stacks_cookbooks_define_is_not_unavailable() {
        let defined = Defined::collect(VENDORED.iter().copied());
        let text = "hostname 'web1'\ntimezone 'UTC'\nswap_file '/swap' do\n  size 1024\nend\narchive_file '/tmp/a.tgz' do\n  destination '/srv'\nend\nsystemd_unit 'x.service' do\nend\nsysctl 'vm.swappiness' do\nend\nedit_resource(:file, '/x') do\nend\n";
        let path = "site/recipes/default.rb";
        let warned = |version: &str, defined: &Defined| -> Vec<(String, usize)> {
            super::lint(path, text, &[runtime(Client::Chef, version)], defined)
                .iter()
                .map(|d| {
                    assert_eq!(d.code, Code::ChefUnavailable);
                    let call = as_str(&text.as_bytes()[d.span.offset..d.span.offset + d.span.len]);
                    (
                        call.to_string(),
                        crate::diag::line_column(text, d.span.offset).0,
                    )
                })
                .collect()
        };
        let named = |list: &[(&str, usize)]| -> Vec<(String, usize)> {
            list.iter().map(|(c, l)| (c.to_string(), *l)).collect()
        };
        // Alone, every one is reported on Chef 12.9.
        assert_eq!(
            warned("12.9.38", &Defined::default()),
            named(&[
                ("hostname", 1),
                ("timezone", 2),
                ("swap_file", 3),
                ("archive_file", 6),
                ("systemd_unit", 9),
                ("sysctl", 11),
                ("edit_resource", 13)
            ])
        );
        // With the vendored cookbooks: what they define is not; what they
        // do not (sysctl), or only a provider of (systemd_unit), and
        // methods are.
        assert_eq!(
            warned("12.9.38", &defined),
            named(&[("systemd_unit", 9), ("sysctl", 11), ("edit_resource", 13)])
        );
        // On Chef 12.4, `resource_name :timezone` names nothing.
        assert_eq!(
            warned("12.4.3", &defined),
            named(&[
                ("timezone", 2),
                ("systemd_unit", 9),
                ("sysctl", 11),
                ("edit_resource", 13)
            ])
        );
        // Two clients: only the one that lacks it is named.
        let both = super::lint(
            path,
            "timezone 'UTC'\n",
            &[
                runtime(Client::Chef, "12.4.3"),
                runtime(Client::Chef, "12.22.5"),
            ],
            &defined,
        );
        assert_eq!(
            both.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
            ["Chef Infra Client 12.4.3 has no `timezone` resource (new in Chef 14.6)"]
        );
        let help = both[0].help.as_deref().unwrap();
        assert!(
            help.contains("vendor a cookbook that defines `timezone`"),
            "{help}"
        );
    }

    #[test]
    fn the_built_in_cookbooks_use_nothing_chef_12_22_lacks() {
        let chef12 = [runtime(Client::Chef, crate::chef::CHEF_12_VERSION)];
        assert_eq!(crate::chef::CHEF_12_VERSION, "12.22.5");
        let mut older = Vec::new();
        for (path, bytes) in crate::cookbooks::FILES {
            let text = std::str::from_utf8(bytes).expect("built-in cookbooks are UTF-8");
            let warnings = lint(path, text, &chef12);
            assert!(warnings.is_empty(), "{path}: {warnings:?}");
            // The check is not empty: Chef 12.10 lacks `systemd_unit`.
            older.extend(
                lint(path, text, &[runtime(Client::Chef, "12.10.24")])
                    .into_iter()
                    .map(|d| (path.to_string(), d.code)),
            );
        }
        assert!(
            older
                .iter()
                .any(|(p, c)| p == "stackc_base/recipes/load_metric.rb"
                    && *c == Code::ChefUnavailable),
            "{older:?}"
        );
        // Nor anything a later client removed.
        for version in ["13.12.14", "14.15.6"] {
            for (path, bytes) in crate::cookbooks::FILES {
                let text = std::str::from_utf8(bytes).unwrap();
                let warnings = lint(path, text, &[runtime(Client::Chef, version)]);
                assert!(warnings.is_empty(), "{version} {path}: {warnings:?}");
            }
        }
    }

    #[test]
    fn the_built_in_cookbooks_make_no_call_any_client_removed_or_deprecated() {
        let clients = [
            Runtime::default(),
            runtime(Client::Chef, crate::chef::CHEF_12_VERSION),
        ];
        let mut read = 0;
        for (path, bytes) in crate::cookbooks::FILES {
            let text = std::str::from_utf8(bytes).expect("built-in cookbooks are UTF-8");
            if applies(path) {
                read += 1;
            }
            let warnings = lint(path, text, &clients);
            assert!(warnings.is_empty(), "{path}: {warnings:?}");
        }
        assert!(read > 20, "only {read} files read");
    }
}
