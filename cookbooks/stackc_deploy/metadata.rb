name 'stackc_deploy'
maintainer 'stackc'
license 'Apache-2.0'
description 'stackc deploy: releases of each app from git, S3 or HTTP, shared dirs, .env with secrets, current symlink, rollback, undeploy'
version '1.0.0'
chef_version '>= 18.0'
supports 'amazon'
supports 'ubuntu'

