#
# Cookbook:: goldcar
# Recipe:: vhosts
#
# Configure: headers shared by every rentals virtual host (php_app::configure
# writes the virtual hosts themselves, one per `site`).

conf_dir = platform_family?('debian') ? '/etc/apache2/conf-enabled' : '/etc/httpd/conf.d'
service_name = platform_family?('debian') ? 'apache2' : 'httpd'

service service_name do
  action :nothing
end

domains = node['deploy'].values.flat_map { |app| app['domains'] || [] }.sort

template "#{conf_dir}/goldcar-headers.conf" do
  source 'headers.conf.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(domains: domains, cache_ttl: node['goldcar']['cache-ttl'])
  notifies :reload, "service[#{service_name}]", :delayed
end
