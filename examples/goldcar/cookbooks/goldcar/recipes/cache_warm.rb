#
# Cookbook:: goldcar
# Recipe:: cache_warm
#
# Deploy: after the new release is live, request the hot pages once per
# virtual host so the first customer does not pay for a cold cache.

require 'net/http'

node['deploy'].each do |name, app|
  next unless app['layer'] && node['stackc']['layers'].include?(app['layer'])

  Array(app['domains']).each do |domain|
    node['goldcar']['warm_paths'].each do |path|
      ruby_block "warm #{name} #{domain}#{path}" do
        block do
          http = Net::HTTP.new('127.0.0.1', 80)
          http.open_timeout = 5
          http.read_timeout = 30
          response = http.get(path, 'Host' => domain)
          Chef::Log.info("goldcar: warmed #{domain}#{path}: HTTP #{response.code}")
        end
        # A cold page is slow, not broken: never fail the deploy for it.
        ignore_failure true
      end
    end
  end
end
