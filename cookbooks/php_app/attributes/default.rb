default['php_app']['memory_limit_mb'] = 256
default['php_app']['max_children'] = 20
default['php_app']['upload_max_mb'] = 16
default['php_app']['port'] = 80
