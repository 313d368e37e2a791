#
# Cookbook:: haproxy
# Recipe:: setup

package 'haproxy'

include_recipe 'haproxy::configure'

service 'haproxy' do
  action [:enable, :start]
end
