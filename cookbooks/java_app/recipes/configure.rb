#
# Cookbook:: java_app
# Recipe:: configure
#
# Make sure the server runs (a fresh instance, a crashed service).

if tomcat?
  service tomcat_name do
    action :start
  end
else
  stackc_apps('java').each do |name, app|
    service "#{name}.service" do
      action :start
      only_if { ::File.symlink?("#{app['deploy_to']}/current") }
    end
  end
end
