default['stackc_deploy']['release_format'] = '%Y%m%d%H%M%S'
default['stackc']['secrets_dir'] = '/etc/stackc/secrets'
default['deploy'] = {}
