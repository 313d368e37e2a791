#
# Cookbook:: stackc_base
# Recipe:: load_metric
#
# The CloudWatch agent has no load average on Linux; a systemd timer reports
# the 1-minute load as `load_average_1m` per Auto Scaling group, which the
# stack's `load-above`/`load-below` rules and alarms read.

group_name = [node['stackc']['stack'], node['stackc']['env'], node['stackc']['host_layer']].join('-')

template '/usr/local/bin/stackc-load-metric' do
  source 'load-metric.sh.erb'
  owner 'root'
  group 'root'
  mode '0755'
  variables(
    namespace: node['stackc']['metrics_namespace'],
    group_name: group_name,
    region: node['stackc']['region']
  )
end

# The units' text comes from stackc_systemd_unit (stackc_base's system
# library), so every client writes the same bytes.
systemd_unit 'stackc-load-metric.service' do
  content stackc_systemd_unit(
    'Unit' => { 'Description' => 'stackc: report the load average to CloudWatch' },
    'Service' => { 'Type' => 'oneshot', 'ExecStart' => '/usr/local/bin/stackc-load-metric' }
  )
  action :create
end

systemd_unit 'stackc-load-metric.timer' do
  content stackc_systemd_unit(
    'Unit' => { 'Description' => 'stackc: report the load average every minute' },
    'Timer' => { 'OnBootSec' => '1min', 'OnUnitActiveSec' => node['stackc_base']['load_metric_interval'] },
    'Install' => { 'WantedBy' => 'timers.target' }
  )
  action [:create, :enable, :start]
end
