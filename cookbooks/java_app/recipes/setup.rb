#
# Cookbook:: java_app
# Recipe:: setup
#
# The JDK of the layer's version, and Tomcat when the layer serves wars.

package java_package

if tomcat?
  package tomcat_name

  template "/etc/#{tomcat_name}/stackc-heap.conf" do
    source 'heap.conf.erb'
    mode '0644'
    variables(heap_mb: node['java_app']['heap_mb'])
  end

  service tomcat_name do
    action [:enable, :start]
  end
end
