name 'memcached'
maintainer 'stackc'
license 'Apache-2.0'
description 'memcached with memory and connections from the layer'
version '1.0.0'
chef_version '>= 12.22'
supports 'amazon'
supports 'ubuntu'

