default['shop']['currency'] = 'EUR'
default['shop']['somaxconn'] = 4096
default['shop']['warm_urls'] = %w(/healthz /v1/catalog /v1/prices)
default['shop']['assets_max_age'] = 86_400
