name 'haproxy'
maintainer 'stackc'
license 'Apache-2.0'
description 'HAProxy in front of the app server layers of the stack, rebuilt on configure'
version '1.0.0'
chef_version '>= 18.0'
supports 'amazon'
supports 'ubuntu'

