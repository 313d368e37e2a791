#
# Cookbook:: static_web
# Recipe:: deploy
#
# stackc_deploy switched `current`; nginx follows the symlink, so writing the
# server blocks (an app may be new) and reloading is enough.

include_recipe 'static_web::configure'

execute 'reload nginx for the new release' do
  command 'nginx -t && systemctl reload nginx'
end
