#
# Cookbook:: nodejs_app
# Recipe:: configure
#
# Services read their configuration at start; make sure each app that is
# deployed runs (an instance that just booted, a crashed service).

stackc_apps('nodejs').each do |name, app|
  service "#{name}.service" do
    action :start
    only_if { ::File.symlink?("#{app['deploy_to']}/current") }
  end
end
