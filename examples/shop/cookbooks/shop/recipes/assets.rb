#
# Cookbook:: shop
# Recipe:: assets
#
# Deploy: precompressed copies of the storefront's text assets, which nginx
# serves with `gzip_static on`.

app = node['deploy']['storefront']
return if app.nil?

dist = ::File.join(app['deploy_to'], 'current', app['document_root'] || 'dist')

execute 'precompress storefront assets' do
  command "find #{dist} -type f \\( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \\) -exec gzip -k -f -9 {} +"
  only_if { ::File.directory?(dist) }
end

template '/etc/nginx/conf.d/shop-assets.conf' do
  source 'assets.conf.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(max_age: node['shop']['assets_max_age'])
  notifies :reload, 'service[nginx]', :delayed
end

service 'nginx' do
  action :nothing
end
