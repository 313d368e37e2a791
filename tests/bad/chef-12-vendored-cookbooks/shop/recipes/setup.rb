# `hostname` is the vendored cookbook's resource: available on Chef 12.22.
hostname node['opsworks']['instance']['hostname']

# No cookbook of the stack defines `timezone` (Chef 14.6).
timezone 'Europe/Madrid' # WARNING: stackc::chef_unavailable
