#
# Cookbook:: shop
# Recipe:: api_tuning
#
# Setup: kernel settings for many short keep-alive connections from the
# load balancer to the Node.js API.

sysctl 'net.core.somaxconn' do
  value node['shop']['somaxconn']
end

sysctl 'net.ipv4.tcp_fin_timeout' do
  value 15
end

file '/etc/security/limits.d/90-shop-api.conf' do
  content "* soft nofile 65536\n* hard nofile 65536\n"
  owner 'root'
  group 'root'
  mode '0644'
end
