#
# Cookbook:: memcached
# Recipe:: setup
#
# memcached with the layer's memory and connection limits, listening on
# loopback and the instance's private address (the security group admits
# only the stack's instances).

package 'memcached'

# Not node.dig, which Chef 12's node attributes do not answer.
instance = (node['opsworks'] && node['opsworks']['instance']) || {}
listen = ['127.0.0.1', instance['private_ip']].compact.uniq.join(',')

if platform_family?('debian')
  template '/etc/memcached.conf' do
    source 'memcached.conf.erb'
    mode '0644'
    variables(
      memory: node['memcached']['memory'],
      port: node['memcached']['port'],
      max_connections: node['memcached']['max_connections'],
      listen: listen
    )
    notifies :restart, 'service[memcached]', :delayed
  end
else
  template '/etc/sysconfig/memcached' do
    source 'sysconfig.erb'
    mode '0644'
    variables(
      memory: node['memcached']['memory'],
      port: node['memcached']['port'],
      max_connections: node['memcached']['max_connections'],
      listen: listen
    )
    notifies :restart, 'service[memcached]', :delayed
  end
end

service 'memcached' do
  action [:enable, :start]
end
