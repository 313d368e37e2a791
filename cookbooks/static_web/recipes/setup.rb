#
# Cookbook:: static_web
# Recipe:: setup
#
# nginx, with the distribution's default site removed.

package 'nginx'

%w(/etc/nginx/sites-enabled/default /etc/nginx/conf.d/default.conf).each do |f|
  file f do
    action :delete
    notifies :reload, 'service[nginx]', :delayed
  end
end

service 'nginx' do
  action [:enable, :start]
end
