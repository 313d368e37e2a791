#
# Cookbook:: php_app
# Library:: platform
#
# Package, service and path names of Apache and PHP-FPM per platform.

module PhpApp
  module Platform
    def php_debian?
      platform_family?('debian')
    end

    def php_apache_service
      php_debian? ? 'apache2' : 'httpd'
    end

    def php_fpm_service
      php_debian? ? "php#{php_version}-fpm" : 'php-fpm'
    end

    # The distribution's PHP version on Ubuntu (8.1 on 22.04, 8.3 on 24.04).
    def php_version
      node['platform_version'].to_f >= 24.04 ? '8.3' : '8.1'
    end

    def php_vhost_dir
      php_debian? ? '/etc/apache2/sites-enabled' : '/etc/httpd/conf.d'
    end

    def php_pool_dir
      php_debian? ? "/etc/php/#{php_version}/fpm/pool.d" : '/etc/php-fpm.d'
    end

    def php_fpm_socket(app)
      "/run/php-fpm/#{app}.sock"
    end
  end
end

# Recipes call these inside resource blocks too (`notifies ... "service[#{...}]"`,
# guards), where `self` is the resource: include them there as well.
Chef::DSL::Recipe.include(PhpApp::Platform)
Chef::Resource.include(PhpApp::Platform)
