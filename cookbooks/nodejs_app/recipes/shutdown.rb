#
# Cookbook:: nodejs_app
# Recipe:: shutdown
#
# Stops every app service so in-flight requests end cleanly (SIGTERM).

stackc_apps('nodejs').each do |name, _app|
  service "#{name}.service" do
    action :stop
  end
end
