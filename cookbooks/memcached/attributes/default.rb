default['memcached']['memory'] = 512
default['memcached']['max_connections'] = 1024
default['memcached']['port'] = 11211
