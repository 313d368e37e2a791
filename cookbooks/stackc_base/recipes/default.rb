#
# Cookbook:: stackc_base
# Recipe:: default (setup)
#
# Every instance, first: base packages, host name, time zone, the CloudWatch
# agent for the layers' log files and memory/load metrics, log rotation.

package node['stackc_base']['packages']

hostname_value = node.dig('opsworks', 'instance', 'hostname')
hostname hostname_value do
  not_if { hostname_value.nil? || hostname_value.empty? }
end

timezone node['stackc']['timezone']

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
