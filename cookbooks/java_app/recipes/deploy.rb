#
# Cookbook:: java_app
# Recipe:: deploy
#
# Tomcat: the release's war becomes the webapp (ROOT for the first app, its
# name for the others). jar: a systemd service per app running the release's
# jar with the layer's heap and the app's .env.

stackc_apps('java').each_with_index do |(name, app), index|
  current = "#{app['deploy_to']}/current"
  if tomcat?
    context = index.zero? ? 'ROOT' : name
    ruby_block "install #{name}'s war as /#{context == 'ROOT' ? '' : context}" do
      block do
        war = ::Dir.glob("#{current}/**/*.war").min
        raise "app #{name}: no .war file in #{current}" if war.nil?
        ::FileUtils.cp(war, "/var/lib/#{tomcat_name}/webapps/#{context}.war")
      end
      notifies :restart, "service[#{tomcat_name}]", :delayed
    end
  else
    systemd_unit "#{name}.service" do
      content(
        'Unit' => { 'Description' => "Java app #{name} (stackc)", 'After' => 'network-online.target' },
        'Service' => {
          'User' => app['user'] || 'deploy',
          'WorkingDirectory' => current,
          'EnvironmentFile' => "#{app['deploy_to']}/shared/.env",
          'Environment' => "SERVER_PORT=#{node['java_app']['port']}",
          'ExecStart' => "/bin/sh -c 'exec java -Xmx#{node['java_app']['heap_mb']}m -jar #{current}/*.jar'",
          'Restart' => 'always',
          'SuccessExitStatus' => '143',
        },
        'Install' => { 'WantedBy' => 'multi-user.target' }
      )
      action [:create, :enable, :restart]
    end
  end
end

service tomcat_name do
  action :nothing
  only_if { tomcat? }
end
