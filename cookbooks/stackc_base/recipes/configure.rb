#
# Cookbook:: stackc_base
# Recipe:: configure
#
# An instance entered or left the stack: refresh the CloudWatch agent's
# configuration and /etc/hosts with every online instance of the stack.

include_recipe 'stackc_base::cloudwatch'

hosts = {}
node['opsworks']['layers'].each_value do |layer|
  (layer['instances'] || {}).each do |name, instance|
    hosts[name] = instance['private_ip'] unless instance['private_ip'].nil?
  end
end

template '/etc/hosts.stackc' do
  source 'hosts.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(hosts: hosts.sort.to_h)
end

ruby_block 'merge stackc hosts into /etc/hosts' do
  block do
    marker_begin = '# stackc begin'
    marker_end = '# stackc end'
    current = ::File.read('/etc/hosts')
    kept = current.sub(/#{marker_begin}.*#{marker_end}\n/m, '')
    ::File.write('/etc/hosts', kept + ::File.read('/etc/hosts.stackc'))
  end
end
