#
# Cookbook:: stackc_deploy
# Library:: helpers
#
# What the deploy recipes share: which apps run on this instance, where their
# releases live, and the environment file they read.

require 'json'

module StackcDeploy
  module Helpers
    # The apps of node['deploy'] whose layer runs on this instance, as
    # [name, attributes] pairs; `types` restricts to application types.
    def stackc_apps(types = nil)
      # Not node.dig: Chef 12's node attributes do not answer it (the call
      # reaches Ruby's Hash#dig on the attribute object, not the merged
      # attributes).
      layers = Array(node['stackc'] && node['stackc']['layers'])
      (node['deploy'] || {}).select do |_name, app|
        layers.include?(app['layer']) && (types.nil? || Array(types).include?(app['application_type']))
      end.sort_by { |name, _| name }
    end

    # Release directories of an app, oldest first.
    def stackc_releases(app)
      dir = ::File.join(app['deploy_to'], 'releases')
      return [] unless ::File.directory?(dir)
      (::Dir.entries(dir) - ['.', '..']).sort.map { |r| ::File.join(dir, r) }
    end

    # The release `current` points at, if any.
    def stackc_current_release(app)
      link = ::File.join(app['deploy_to'], 'current')
      ::File.symlink?(link) ? ::File.realpath(link) : nil
    end

    # The secrets the agent resolved for an app into
    # /etc/stackc/secrets/<app>.json (absent: none).
    def stackc_secrets(name)
      path = ::File.join(node['stackc']['secrets_dir'], "#{name}.json")
      ::File.exist?(path) ? JSON.parse(::File.read(path)) : {}
    end

    # Environment variables of an app: its literal ones plus its secrets.
    def stackc_environment(name, app)
      (app['environment_variables'] || {}).to_h.merge(stackc_secrets(name))
    end

    # True when the file at `path` is a zip archive (its first bytes are a
    # local file header), false for anything else (a tarball).
    def stackc_zip?(path)
      ::File.open(path, 'rb') { |f| f.read(4) } == "PK\x03\x04".b
    end

    # `KEY="value"` lines of the .env file come from stackc_base's
    # `stackc_env_lines`, which escapes them for systemd and shells.
  end
end

Chef::DSL::Recipe.include(StackcDeploy::Helpers)
Chef::Resource.include(StackcDeploy::Helpers)
