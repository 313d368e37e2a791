#
# Cookbook:: haproxy
# Recipe:: shutdown

service 'haproxy' do
  action :stop
end
