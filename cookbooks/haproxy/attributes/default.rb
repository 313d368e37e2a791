default['haproxy']['balance'] = 'roundrobin'
default['haproxy']['health_check_path'] = '/'
default['haproxy']['stats_enabled'] = false
default['haproxy']['app_server_types'] = %w(php-app nodejs-app java-app static-web)
