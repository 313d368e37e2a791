#
# Cookbook:: java_app
# Recipe:: shutdown
#
# Stop Tomcat or the app services cleanly.

if tomcat?
  service tomcat_name do
    action :stop
  end
else
  stackc_apps('java').each do |name, _app|
    service "#{name}.service" do
      action :stop
    end
  end
end
