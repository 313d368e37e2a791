#
# Cookbook:: php_app
# Recipe:: undeploy
#
# Removes the virtual host and PHP-FPM pool of each app being undeployed.

service php_apache_service do
  action :nothing
end

service php_fpm_service do
  action :nothing
end

stackc_apps(%w(php static)).each do |name, _app|
  file ::File.join(php_vhost_dir, "stackc-#{name}.conf") do
    action :delete
    notifies :reload, "service[#{php_apache_service}]", :delayed
  end
  file ::File.join(php_pool_dir, "#{name}.conf") do
    action :delete
    notifies :reload, "service[#{php_fpm_service}]", :delayed
  end
end
