name 'stackc_base'
maintainer 'stackc'
license 'Apache-2.0'
description 'stackc base: packages, hostname, time zone, CloudWatch agent (layer logs, memory and load metrics), log rotation'
version '1.0.0'
chef_version '>= 12.22'
supports 'amazon'
supports 'ubuntu'

