#
# Cookbook:: nodejs_app
# Recipe:: setup
#
# Node.js of the layer's major version: Amazon Linux ships `nodejsNN`
# packages; on Ubuntu the NodeSource repository provides each major version.

version = node['nodejs_app']['version'].to_s

if platform_family?('debian')
  apt_repository 'nodesource' do
    uri "https://deb.nodesource.com/node_#{version}.x"
    distribution 'nodistro'
    components ['main']
    key 'https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key'
  end
  package 'nodejs'
else
  package "nodejs#{version}"
  link '/usr/local/bin/node' do
    to "/usr/bin/node-#{version}"
    only_if { ::File.exist?("/usr/bin/node-#{version}") }
  end
  link '/usr/local/bin/npm' do
    to "/usr/bin/npm-#{version}"
    only_if { ::File.exist?("/usr/bin/npm-#{version}") }
  end
end
