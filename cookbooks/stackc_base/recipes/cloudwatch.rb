#
# Cookbook:: stackc_base
# Recipe:: cloudwatch
#
# Installs and configures the Amazon CloudWatch agent: each layer's log files
# go to that layer's log group, stream `{instance_id}/<file>`; memory use is
# reported per Auto Scaling group for the stack's scaling rules and alarms.

agent_dir = node['stackc_base']['cloudwatch_agent_dir']

if platform_family?('debian')
  arch = node['kernel']['machine'] == 'aarch64' ? 'arm64' : 'amd64'
  deb = ::File.join(Chef::Config[:file_cache_path], 'amazon-cloudwatch-agent.deb')
  remote_file deb do
    source "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/#{arch}/latest/amazon-cloudwatch-agent.deb"
    mode '0644'
    not_if { ::File.exist?("#{agent_dir}/bin/amazon-cloudwatch-agent-ctl") }
  end
  dpkg_package 'amazon-cloudwatch-agent' do
    source deb
    not_if { ::File.exist?("#{agent_dir}/bin/amazon-cloudwatch-agent-ctl") }
  end
else
  package 'amazon-cloudwatch-agent'
end

collect = []
node['stackc']['layers'].each do |layer|
  group = node['stackc']['log_groups'][layer]
  next if group.nil?
  Array(node['stackc']['log_files'][layer]).each do |path|
    collect << {
      'file_path' => path,
      'log_group_name' => group,
      'log_stream_name' => "{instance_id}/#{::File.basename(path).tr('*', '_')}",
      'retention_in_days' => -1,
    }
  end
end
host_group = node['stackc']['log_groups'][node['stackc']['host_layer']]
unless host_group.nil?
  collect << {
    'file_path' => '/var/log/stackc/*.log',
    'log_group_name' => host_group,
    'log_stream_name' => '{instance_id}/stackc-run',
  }
end

config = {
  'agent' => { 'metrics_collection_interval' => 60, 'run_as_user' => 'root' },
  'logs' => { 'logs_collected' => { 'files' => { 'collect_list' => collect } } },
  'metrics' => {
    'namespace' => node['stackc']['metrics_namespace'],
    'append_dimensions' => { 'AutoScalingGroupName' => '${aws:AutoScalingGroupName}' },
    'aggregation_dimensions' => [['AutoScalingGroupName']],
    'metrics_collected' => {
      'mem' => { 'measurement' => ['mem_used_percent'] },
      'disk' => { 'measurement' => ['used_percent'], 'resources' => ['/'] },
    },
  },
}

file "#{agent_dir}/etc/amazon-cloudwatch-agent.json" do
  content Chef::JSONCompat.to_json_pretty(config)
  owner 'root'
  group 'root'
  mode '0644'
  notifies :run, 'execute[load cloudwatch agent config]', :immediately
end

execute 'load cloudwatch agent config' do
  command "#{agent_dir}/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:#{agent_dir}/etc/amazon-cloudwatch-agent.json"
  action :nothing
end

service 'amazon-cloudwatch-agent' do
  action [:enable, :start]
end
