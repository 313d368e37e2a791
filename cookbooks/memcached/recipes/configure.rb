#
# Cookbook:: memcached
# Recipe:: configure
#
# Keep the configuration in line with the node (the private address is only
# known on the instance) and make sure memcached runs.

include_recipe 'memcached::setup'
