//! Tests of the resources a stack's cookbooks define, and of the built-in
//! cookbooks against every client.

use super::*;

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
        super::super::lint(path, text, &[runtime(Client::Chef, version)], defined)
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
    let both = super::super::lint(
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
            .any(|(p, c)| p == "stackc_base/recipes/load_metric.rb" && *c == Code::ChefUnavailable),
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
