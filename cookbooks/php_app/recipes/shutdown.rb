#
# Cookbook:: php_app
# Recipe:: shutdown
#
# Finish the requests in flight, then stop Apache and PHP-FPM.

execute 'stop apache gracefully' do
  command php_debian? ? 'apachectl -k graceful-stop' : 'httpd -k graceful-stop'
  only_if "systemctl is-active --quiet #{php_apache_service}"
  ignore_failure true
end

service php_fpm_service do
  action :stop
end
