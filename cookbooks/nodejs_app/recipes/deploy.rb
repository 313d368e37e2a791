#
# Cookbook:: nodejs_app
# Recipe:: deploy
#
# One systemd service per app, running the start command in `current` with
# the app's .env, restarted onto the new release. Every value in the unit is
# checked or quoted for systemd (stackc_base's escape library): the start
# command reaches `sh -c` verbatim, whatever quotes, `$` or `%` it holds.

stackc_apps('nodejs').each do |name, app|
  deploy_to = stackc_path(app['deploy_to'], "deploy_to of #{name}")
  current = "#{deploy_to}/current"
  user = stackc_word(app['user'] || 'deploy', "user of #{name}")

  execute "npm ci for #{name}" do
    command 'npm ci --omit=dev'
    cwd current
    user user
    environment('HOME' => deploy_to)
    only_if { ::File.exist?("#{current}/package-lock.json") }
  end

  systemd_unit "#{name}.service" do
    content stackc_systemd_unit(
      'Unit' => { 'Description' => "Node.js app #{stackc_word(name, 'app name')} (stackc)", 'After' => 'network-online.target' },
      'Service' => {
        'User' => user,
        'WorkingDirectory' => current,
        'EnvironmentFile' => "#{deploy_to}/shared/.env",
        'Environment' => ["PORT=#{Integer(node['nodejs_app']['port'])}", 'NODE_ENV=production'],
        'ExecStart' => stackc_systemd_sh(node['nodejs_app']['start_command']),
        'Restart' => 'always',
        'RestartSec' => '2',
        'NoNewPrivileges' => 'true',
      },
      'Install' => { 'WantedBy' => 'multi-user.target' }
    )
    action [:create, :enable, :restart]
  end
end
