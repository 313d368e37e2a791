#
# Cookbook:: php_app
# Recipe:: configure
#
# One virtual host per app, with a ServerName and ServerAlias for each `site`
# and its own document root, and a PHP-FPM pool per app. The goldcar case:
# one app, several virtual hosts.

service php_apache_service do
  action :nothing
end

service php_fpm_service do
  action :nothing
end

stackc_apps(%w(php static)).each do |name, app|
  template ::File.join(php_pool_dir, "#{name}.conf") do
    source 'pool.conf.erb'
    mode '0644'
    variables(
      name: name,
      user: app['user'] || 'deploy',
      group: app['group'] || 'apache',
      socket: php_fpm_socket(name),
      max_children: node['php_app']['max_children'],
      memory_limit_mb: node['php_app']['memory_limit_mb'],
      upload_max_mb: node['php_app']['upload_max_mb'],
      env_file: "#{app['deploy_to']}/shared/.env"
    )
    notifies :reload, "service[#{php_fpm_service}]", :delayed
  end

  template ::File.join(php_vhost_dir, "stackc-#{name}.conf") do
    source 'vhost.conf.erb'
    mode '0644'
    variables(
      name: name,
      port: node['php_app']['port'],
      sites: app['sites'] || [],
      current: "#{app['deploy_to']}/current",
      socket: php_fpm_socket(name),
      log_dir: php_debian? ? '/var/log/apache2' : '/var/log/httpd'
    )
    notifies :reload, "service[#{php_apache_service}]", :delayed
  end
end
