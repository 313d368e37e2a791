# Defaults; the stack file's custom-json `goldcar { ... }` overrides them.
default['goldcar']['currency'] = 'EUR'
default['goldcar']['cache-ttl'] = 300
default['goldcar']['php_extensions'] = %w(intl mbstring gd opcache)
default['goldcar']['warm_paths'] = %w(/ /health /offers)
default['goldcar']['reports_dir'] = '/srv/reports'
default['goldcar']['report_user'] = 'reports'
