#
# Cookbook:: static_web
# Recipe:: configure
#
# A server block per app site: its domain and aliases, the release's document
# root, gzip and cache headers from the layer's attributes.

service 'nginx' do
  action :nothing
end

stackc_apps('static').each do |name, app|
  template "/etc/nginx/conf.d/stackc-#{name}.conf" do
    source 'site.conf.erb'
    mode '0644'
    variables(
      name: name,
      port: node['static_web']['port'],
      sites: app['sites'] || [],
      current: "#{app['deploy_to']}/current",
      gzip: node['static_web']['gzip'],
      max_age: node['static_web']['cache_max_age_seconds']
    )
    notifies :reload, 'service[nginx]', :delayed
  end
end
