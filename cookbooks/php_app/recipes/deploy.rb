#
# Cookbook:: php_app
# Recipe:: deploy
#
# stackc_deploy switched `current`; write the virtual hosts and pools (an app
# may be new) and reload PHP-FPM and Apache so they serve the new release.

include_recipe 'php_app::configure'

execute 'reload php-fpm for the new release' do
  command "systemctl reload #{php_fpm_service}"
end

execute 'reload apache for the new release' do
  command "systemctl reload #{php_apache_service}"
end
