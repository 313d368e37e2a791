# An OpsWorks-era recipe that sets the host name with the `hostname`
# resource, which Chef added in 14.0: the layer runs Chef Infra Client 12.22.
hostname node['opsworks']['instance']['hostname'] # WARNING: stackc::chef_unavailable

hostsfile_entry node['opsworks']['instance']['private_ip'] do
  hostname node['opsworks']['instance']['hostname'] # a property here: no warning
end
