#
# Cookbook:: nodejs_app
# Recipe:: undeploy
#
# Stops and removes the service of each app being undeployed.

stackc_apps('nodejs').each do |name, _app|
  systemd_unit "#{name}.service" do
    action [:stop, :disable, :delete]
  end
end
