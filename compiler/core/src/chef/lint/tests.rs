//! Tests of the cookbook lint: the calls found, and the warnings each client
//! gets.

use super::mask::as_str;
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
    let text =
        "node.set['a'] = 1\ndeploy \"/srv\" do\nend\nx = Chef::ShellOut.new('ls')\nnode['b'] = 2\n";
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

mod defined;
