default['static_web']['gzip'] = true
default['static_web']['cache_max_age_seconds'] = 3600
default['static_web']['port'] = 80
