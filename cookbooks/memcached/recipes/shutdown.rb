#
# Cookbook:: memcached
# Recipe:: shutdown

service 'memcached' do
  action :stop
end
