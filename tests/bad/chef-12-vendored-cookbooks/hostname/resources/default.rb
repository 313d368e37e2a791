# A vendored cookbook that defines the `hostname` resource for clients
# older than Chef 14, which added its own: Chef names the default resource
# of the cookbook `hostname` after the cookbook.
property :name, String, name_property: true

action :set do
  execute "hostnamectl set-hostname #{new_resource.name}" do
    not_if "test \"$(hostname)\" = '#{new_resource.name}'"
  end
end
