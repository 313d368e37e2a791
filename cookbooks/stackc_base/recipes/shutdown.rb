#
# Cookbook:: stackc_base
# Recipe:: shutdown
#
# The instance is terminating: give the CloudWatch agent time to ship the last
# log lines, then stop it and the load metric.

systemd_unit 'stackc-load-metric.timer' do
  action [:stop, :disable]
end

execute 'flush and stop the cloudwatch agent' do
  command "sleep 10 && #{node['stackc_base']['cloudwatch_agent_dir']}/bin/amazon-cloudwatch-agent-ctl -a stop"
  only_if { ::File.exist?("#{node['stackc_base']['cloudwatch_agent_dir']}/bin/amazon-cloudwatch-agent-ctl") }
end
