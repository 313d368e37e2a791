#
# Cookbook:: java_app
# Library:: platform
#
# JDK and Tomcat package names per platform.

module JavaApp
  module Platform
    def java_package
      v = node['java_app']['version']
      platform_family?('debian') ? "openjdk-#{v}-jre-headless" : "java-#{v}-amazon-corretto-headless"
    end

    def tomcat_name
      if platform_family?('debian')
        node['platform_version'].to_f >= 24.04 ? 'tomcat10' : 'tomcat9'
      else
        'tomcat9'
      end
    end

    def tomcat?
      node['java_app']['server'] == 'tomcat'
    end
  end
end

# Recipes call these inside resource blocks too (`notifies ... "service[#{...}]"`,
# guards), where `self` is the resource: include them there as well.
Chef::DSL::Recipe.include(JavaApp::Platform)
Chef::Resource.include(JavaApp::Platform)
