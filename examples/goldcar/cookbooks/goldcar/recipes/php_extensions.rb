#
# Cookbook:: goldcar
# Recipe:: php_extensions
#
# Setup: the PHP extensions the rentals app needs, on top of php_app::setup.

extensions = node['goldcar']['php_extensions']
packages = if platform_family?('debian')
             extensions.reject { |e| e == 'opcache' }.map { |e| "php-#{e}" } + ['php-opcache']
           else
             extensions.map { |e| "php-#{e}" }
           end

package packages

service 'php-fpm' do
  service_name platform_family?('debian') ? 'php8.3-fpm' : 'php-fpm'
  action :nothing
end

ini_path = platform_family?('debian') ? '/etc/php/8.3/fpm/conf.d/90-goldcar.ini' : '/etc/php.d/90-goldcar.ini'

template ini_path do
  source 'goldcar.ini.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(currency: node['goldcar']['currency'])
  notifies :restart, 'service[php-fpm]', :delayed
end
