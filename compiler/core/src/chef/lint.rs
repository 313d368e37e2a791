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

mod blocks;
mod calls;
mod defined;
mod mask;
mod rules;
#[cfg(test)]
mod tests;

pub use calls::findings;
pub use defined::Defined;
pub use mask::mask;
pub use rules::ADDED;

use super::Runtime;
use crate::diag::{Code, Diagnostic, Span};
use rules::{added, rule};

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
