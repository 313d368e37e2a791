#
# Cookbook:: java_app
# Recipe:: deploy
#
# Tomcat: the release's war becomes the webapp (ROOT for the first app, its
# name for the others). jar: a systemd service per app running the release's
# jar with the layer's heap and the app's .env.

stackc_apps('java').each_with_index do |(name, app), index|
  deploy_to = stackc_path(app['deploy_to'], "deploy_to of #{name}")
  current = "#{deploy_to}/current"
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
      content stackc_systemd_unit(
        'Unit' => { 'Description' => "Java app #{stackc_word(name, 'app name')} (stackc)", 'After' => 'network-online.target' },
        'Service' => {
          'User' => stackc_word(app['user'] || 'deploy', "user of #{name}"),
          'WorkingDirectory' => current,
          'EnvironmentFile' => "#{deploy_to}/shared/.env",
          'Environment' => "SERVER_PORT=#{Integer(node['java_app']['port'])}",
          'ExecStart' => stackc_systemd_sh("java -Xmx#{Integer(node['java_app']['heap_mb'])}m -jar #{stackc_shell(current, 'release')}/*.jar"),
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
