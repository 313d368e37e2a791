default['java_app']['version'] = 17
default['java_app']['server'] = 'tomcat'
default['java_app']['heap_mb'] = 512
default['java_app']['port'] = 8080
