#
# Cookbook:: nodejs_app
# Recipe:: deploy
#
# One systemd service per app, running the start command in `current` with
# the app's .env, restarted onto the new release.

stackc_apps('nodejs').each do |name, app|
  current = "#{app['deploy_to']}/current"

  execute "npm ci for #{name}" do
    command 'npm ci --omit=dev'
    cwd current
    user app['user'] || 'deploy'
    environment('HOME' => app['deploy_to'])
    only_if { ::File.exist?("#{current}/package-lock.json") }
  end

  systemd_unit "#{name}.service" do
    content(
      'Unit' => { 'Description' => "Node.js app #{name} (stackc)", 'After' => 'network-online.target' },
      'Service' => {
        'User' => app['user'] || 'deploy',
        'WorkingDirectory' => current,
        'EnvironmentFile' => "#{app['deploy_to']}/shared/.env",
        'Environment' => ["PORT=#{node['nodejs_app']['port']}", 'NODE_ENV=production'],
        'ExecStart' => "/bin/sh -c 'exec #{node['nodejs_app']['start_command']}'",
        'Restart' => 'always',
        'RestartSec' => '2',
        'NoNewPrivileges' => 'true',
      },
      'Install' => { 'WantedBy' => 'multi-user.target' }
    )
    action [:create, :enable, :restart]
  end
end
