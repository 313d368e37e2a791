//! The lint's two tables: the resources and methods Chef added, with the
//! release that added each, and when Chef deprecated and removed each kind
//! of call, with what replaces it.

use super::{AddedEntry, Addition, Kind};

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
pub(super) fn added(name: &str) -> Option<((u32, u32), Addition, Option<&'static str>)> {
    ADDED
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, v, a, help)| (v, a, help))
}

/// What the lint says about a kind: when Chef deprecated and removed it, and
/// what replaces it.
pub(super) struct Rule {
    /// `(major, minor)` of the first Chef that warns, when one did.
    pub(super) deprecated_in: Option<(u32, u32)>,
    /// `(major, minor)` of the first Chef without it.
    pub(super) removed_in: (u32, u32),
    /// The help line.
    pub(super) replacement: &'static str,
}

pub(super) fn rule(kind: Kind) -> Option<Rule> {
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
