#
# Cookbook:: stackc_deploy
# Recipe:: rollback
#
# Points `current` back at the release before it. The layer type's rollback
# recipe then reloads services.

stackc_apps.each do |name, app|
  ruby_block "roll #{name} back to its previous release" do
    block do
      releases = stackc_releases(app)
      current = stackc_current_release(app)
      index = releases.index(current)
      if index.nil? || index.zero?
        raise "app #{name}: no release before #{current || 'the current one'} to roll back to " \
              "(releases kept: #{releases.map { |r| ::File.basename(r) }.join(', ')})"
      end
      previous = releases[index - 1]
      tmp = ::File.join(app['deploy_to'], 'current.rollback')
      ::File.unlink(tmp) if ::File.symlink?(tmp)
      ::File.symlink(previous, tmp)
      ::File.rename(tmp, ::File.join(app['deploy_to'], 'current'))
      Chef::Log.info("stackc_deploy: #{name} now runs #{::File.basename(previous)}")
    end
  end
end
