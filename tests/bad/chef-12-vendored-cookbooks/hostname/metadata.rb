name 'hostname'
version '0.4.2'
chef_version '>= 12.5'
