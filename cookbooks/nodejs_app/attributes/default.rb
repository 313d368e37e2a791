default['nodejs_app']['version'] = '20'
default['nodejs_app']['start_command'] = 'npm start'
default['nodejs_app']['port'] = 3000
