#
# Cookbook:: static_web
# Recipe:: shutdown
#
# Let nginx finish the requests in flight, then stop.

execute 'stop nginx gracefully' do
  command 'nginx -s quit'
  only_if 'systemctl is-active --quiet nginx'
  ignore_failure true
end
