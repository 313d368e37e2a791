#
# Cookbook:: goldcar
# Recipe:: report_tools
#
# Setup of the reports box: a user, a directory and the tools the nightly
# jobs use.

user_name = node['goldcar']['report_user']
reports_dir = node['goldcar']['reports_dir']

package %w(python3 gzip)

user user_name do
  system true
  shell '/sbin/nologin'
  home reports_dir
  manage_home false
end

directory reports_dir do
  owner user_name
  group user_name
  mode '0750'
end

directory "#{reports_dir}/out" do
  owner user_name
  group user_name
  mode '0750'
end
