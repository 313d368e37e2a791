#
# Cookbook:: stackc_base
# Recipe:: default (setup)
#
# Every instance, first: base packages, host name, time zone, the CloudWatch
# agent for the layers' log files and memory/load metrics, log rotation.
#
# The host name and the time zone are set with resources every client stackc
# installs has (Chef Infra Client 12.22 has neither `hostname`, Chef 14.0,
# nor `timezone`, Chef 14.6), doing on Amazon Linux 2023 and Ubuntu what
# those resources do on a systemd host, idempotently.

package node['stackc_base']['packages']

# The host name, at compile time as the `hostname` resource sets it (so the
# recipes compiled after this one see it): the running name, the static one
# (/etc/hostname, through hostnamectl), this instance's line in /etc/hosts,
# and Ohai's hostname attributes reloaded when any of them changed.
instance = (node['opsworks'] && node['opsworks']['instance']) || {}
unless instance['hostname'].to_s.empty?
  host_name = stackc_machine_name(instance['hostname'])
  changed = []

  running = execute "set the host name to #{host_name}" do
    command ['hostname', host_name]
    not_if { shell_out('hostname').stdout.chomp == host_name }
    action :nothing
  end
  running.run_action(:run)
  changed << running

  static = execute "hostnamectl set-hostname #{host_name}" do
    command ['hostnamectl', 'set-hostname', host_name]
    only_if { ::File.exist?('/usr/bin/hostnamectl') }
    not_if { ::File.exist?('/etc/hostname') && ::File.read('/etc/hostname').strip == host_name }
    action :nothing
  end
  static.run_action(:run)
  changed << static

  address = node['ipaddress'].to_s
  unless address.empty?
    hosts = file '/etc/hosts' do
      content stackc_hosts_with(::File.read('/etc/hosts'), address, host_name)
      owner 'root'
      group 'root'
      mode '0644'
      action :nothing
    end
    hosts.run_action(:create)
    changed << hosts
  end

  reload = ohai 'reload hostname' do
    plugin 'hostname'
    action :nothing
  end
  reload.run_action(:reload) if changed.any?(&:updated_by_last_action?)
end

# The time zone, as the `timezone` resource sets it on a systemd host.
time_zone = stackc_time_zone(node['stackc']['timezone'])

package 'tzdata'

execute "set the time zone to #{time_zone}" do
  command ['timedatectl', '--no-ask-password', 'set-timezone', time_zone]
  not_if { shell_out('timedatectl', 'show', '--property=Timezone', '--value').stdout.strip == time_zone }
end

directory '/var/log/stackc' do
  owner 'root'
  group 'root'
  mode '0750'
end

template '/etc/logrotate.d/stackc' do
  source 'logrotate.erb'
  owner 'root'
  group 'root'
  mode '0644'
end

include_recipe 'stackc_base::cloudwatch'
include_recipe 'stackc_base::load_metric'
