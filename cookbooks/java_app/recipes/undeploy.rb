#
# Cookbook:: java_app
# Recipe:: undeploy
#
# Removes the webapp or the service of each app being undeployed.

stackc_apps('java').each do |name, _app|
  if tomcat?
    %W(#{name}.war ROOT.war).each do |war|
      file "/var/lib/#{tomcat_name}/webapps/#{war}" do
        action :delete
        only_if { war == "#{name}.war" || stackc_apps('java').size == 1 }
      end
    end
  else
    systemd_unit "#{name}.service" do
      action [:stop, :disable, :delete]
    end
  end
end
