#
# Cookbook:: stackc_deploy
# Recipe:: default (deploy)
#
# For each app of this instance: a new release under
# <deploy_to>/releases/<timestamp> from git, S3 or an HTTP archive, the shared
# directories linked in, <deploy_to>/shared/.env (0600) with the environment
# and secrets, then `current` switched to it and old releases pruned. The
# layer type's deploy recipe (php_app::deploy, ...) then reloads services.

release_name = Time.now.utc.strftime(node['stackc_deploy']['release_format'])

stackc_apps.each do |name, app|
  # Checked before use (stackc_base's escape library): a path, user or
  # source that could name a system directory, an option or another line
  # fails the run instead.
  deploy_to = stackc_path(app['deploy_to'], "deploy_to of #{name}")
  owner = stackc_word(app['user'] || 'deploy', "user of #{name}")
  owner_group = stackc_word(app['group'] || owner, "group of #{name}")
  release = ::File.join(deploy_to, 'releases', release_name)
  scm = app['scm'] || {}

  group owner_group do
    system true
  end

  # OpsWorks' `home` and `shell` of the app (node JSON: /srv/www and
  # /sbin/nologin; custom JSON may change them).
  user owner do
    system true
    gid owner_group
    home stackc_path(app['home'] || deploy_to, "home of #{name}")
    shell stackc_path(app['shell'] || '/sbin/nologin', "shell of #{name}")
    manage_home false
  end

  [deploy_to, "#{deploy_to}/releases", "#{deploy_to}/shared"].each do |dir|
    directory dir do
      owner owner
      group owner_group
      mode '0755'
    end
  end
  %w(log pids system config).each do |sub|
    directory "#{deploy_to}/shared/#{sub}" do
      owner owner
      group owner_group
      mode '0750'
    end
  end

  case scm['scm_type']
  when 'git'
    # A private repository over SSH: the key is the app secret named by
    # `ssh-key-secret=` (or OpsWorks' scm.ssh_key), written to a 0600 file only.
    ssh_key = scm['ssh_key'].to_s
    ssh_key = stackc_secrets(name)[scm['ssh_key_secret']].to_s if ssh_key.empty? && scm['ssh_key_secret']
    ssh_wrapper = nil
    unless ssh_key.empty?
      key_file = "#{deploy_to}/.ssh/deploy_key"
      ssh_wrapper = "#{deploy_to}/.ssh/git-ssh"
      directory "#{deploy_to}/.ssh" do
        owner owner
        group owner_group
        mode '0700'
      end
      file key_file do
        content ssh_key
        owner owner
        group owner_group
        mode '0600'
        sensitive true
      end
      file ssh_wrapper do
        content "#!/bin/sh\nexec ssh -i #{stackc_shell(key_file, 'key file')} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new \"$@\"\n"
        owner owner
        group owner_group
        mode '0700'
      end
    end
    git release do
      repository stackc_git_repository(scm['repository'])
      revision stackc_git_revision(scm['revision'] || 'HEAD')
      user owner
      group owner_group
      depth 1
      ssh_wrapper ssh_wrapper unless ssh_wrapper.nil?
      action :export
    end
  when 's3', 'archive'
    archive = ::File.join(Chef::Config[:file_cache_path], "#{name}-#{release_name}.tar.gz")
    if scm['scm_type'] == 's3'
      execute "download #{name} from #{scm['repository']}" do
        # OpsWorks' HTTPS form is in `repository`; the CLI takes s3://.
        command ['aws', 's3', 'cp', '--only-show-errors', scm['s3_uri'] || scm['repository'], archive]
        creates archive
      end
    else
      remote_file archive do
        source scm['repository']
        mode '0600'
      end
    end
    directory release do
      owner owner
      group owner_group
      mode '0755'
    end
    # Unpacked by tar (or unzip, for a zip archive) rather than the
    # `archive_file` resource, which Chef Infra Client 12 lacks (Chef 15.0):
    # modes under the umask, times kept, then every file given to the app's
    # user, as archive_file does; tar also refuses members outside the
    # release (`..`, absolute paths).
    execute "unpack #{name} (zip)" do
      command ['unzip', '-q', '-o', archive, '-d', release]
      only_if { stackc_zip?(archive) }
    end
    execute "unpack #{name}" do
      command ['tar', '-x', '-f', archive, '-C', release, '--no-same-owner', '--no-same-permissions']
      not_if { stackc_zip?(archive) }
    end
    execute "give #{name}'s release to #{owner}" do
      command ['chown', '-R', "#{owner}:#{owner_group}", release]
    end
  else
    raise "app #{name}: unknown scm_type #{scm['scm_type'].inspect}"
  end

  (app['symlinks'] || {}).each do |shared, target|
    directory ::File.dirname(::File.join(release, target)) do
      owner owner
      group owner_group
      recursive true
    end
    link ::File.join(release, target) do
      to ::File.join(deploy_to, 'shared', shared)
      owner owner
      group owner_group
    end
  end

  file "#{deploy_to}/shared/.env" do
    content lazy { stackc_env_lines(stackc_environment(name, app)) }
    owner owner
    group owner_group
    mode '0600'
    sensitive true
  end

  link ::File.join(release, '.env') do
    to "#{deploy_to}/shared/.env"
  end

  link "#{deploy_to}/current" do
    to release
  end

  ruby_block "keep the #{app['keep_releases'] || 5} newest releases of #{name}" do
    block do
      keep = (app['keep_releases'] || 5).to_i
      old = stackc_releases(app)[0...-keep] || []
      old.each { |dir| FileUtils.rm_rf(dir) unless dir == stackc_current_release(app) }
    end
  end
end
