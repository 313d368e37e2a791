#
# Cookbook:: static_web
# Recipe:: undeploy
#
# Removes the server blocks of each app being undeployed.

service 'nginx' do
  action :nothing
end

stackc_apps('static').each do |name, _app|
  file "/etc/nginx/conf.d/stackc-#{name}.conf" do
    action :delete
    notifies :reload, 'service[nginx]', :delayed
  end
end
