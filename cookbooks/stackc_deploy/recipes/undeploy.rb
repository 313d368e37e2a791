#
# Cookbook:: stackc_deploy
# Recipe:: undeploy
#
# Removes each app of this run (`stackc run undeploy --app A` keeps only A):
# its releases, shared files and resolved secrets. The layer type's undeploy
# recipe removes its service or virtual host first.

stackc_apps.each do |name, app|
  directory app['deploy_to'] do
    recursive true
    action :delete
  end

  file ::File.join(node['stackc']['secrets_dir'], "#{name}.json") do
    action :delete
  end
end
