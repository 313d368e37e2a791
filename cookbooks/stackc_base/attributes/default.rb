default['stackc_base']['packages'] = %w(jq curl tar gzip unzip git logrotate)
default['stackc_base']['cloudwatch_agent_dir'] = '/opt/aws/amazon-cloudwatch-agent'
default['stackc_base']['load_metric_interval'] = '1min'
default['stackc']['timezone'] = 'UTC'
default['stackc']['metrics_namespace'] = 'CWAgent'
default['stackc']['log_groups'] = {}
default['stackc']['log_files'] = {}
