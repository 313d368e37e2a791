#
# Cookbook:: haproxy
# Recipe:: configure
#
# One backend per app server layer of the stack, with a server line for each
# of its online instances (from node['opsworks']['layers'], refreshed by the
# agent before every run), so a configure after a launch or a termination
# rebuilds the pool.

backends = {}
node['opsworks']['layers'].each do |name, layer|
  next unless node['haproxy']['app_server_types'].include?(layer['type'])
  servers = (layer['instances'] || {}).map do |host, instance|
    { 'name' => host, 'address' => "#{instance['private_ip']}:#{layer['port']}" }
  end
  backends[name] = servers.sort_by { |s| s['name'] }
end

service 'haproxy' do
  action :nothing
  supports reload: true
end

template '/etc/haproxy/haproxy.cfg' do
  source 'haproxy.cfg.erb'
  mode '0644'
  variables(
    backends: backends.sort.to_h,
    balance: node['haproxy']['balance'],
    health_check_path: node['haproxy']['health_check_path'],
    stats: node['haproxy']['stats_enabled']
  )
  verify 'haproxy -c -f %{path}'
  notifies :reload, 'service[haproxy]', :delayed
end
