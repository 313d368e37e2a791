#
# Cookbook:: php_app
# Recipe:: setup
#
# Apache httpd and PHP-FPM, talking over a unix socket per app.

if php_debian?
  package %W(apache2 php#{php_version}-fpm php#{php_version}-cli php#{php_version}-mysql php#{php_version}-opcache)
  %w(proxy_fcgi setenvif rewrite headers).each do |mod|
    execute "a2enmod #{mod}" do
      not_if { ::File.exist?("/etc/apache2/mods-enabled/#{mod}.load") }
      notifies :restart, "service[#{php_apache_service}]", :delayed
    end
  end
  file '/etc/apache2/sites-enabled/000-default.conf' do
    action :delete
    notifies :reload, "service[#{php_apache_service}]", :delayed
  end
else
  package %w(httpd php-fpm php-cli php-mysqlnd php-opcache)
  file '/etc/httpd/conf.d/welcome.conf' do
    action :delete
    notifies :reload, "service[#{php_apache_service}]", :delayed
  end
end

directory '/run/php-fpm' do
  mode '0755'
end

service php_fpm_service do
  action [:enable, :start]
end

service php_apache_service do
  action [:enable, :start]
end
